package gdropout

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/dropkernel/dropout"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// net is x -> Apply(x, p, seed) -> cost = Sum(y ⊙ w), with dcost/dx: the
// gradient reaching the dropout is dy = w.
type net struct {
	g        *G.ExprGraph
	x, y, dx *G.Node
	op       *Op
}

func newNet[T dropout.Float](t testing.TB, x, w []T, shape tensor.Shape, p float64, seed uint64) *net {
	t.Helper()
	return buildNet(t, x, w, shape, func(xn *G.Node) (*G.Node, error) { return Apply(xn, p, seed) })
}

// buildNet is newNet with another dropout in the middle (op is nil unless
// drop makes an *Op).
func buildNet[T dropout.Float](t testing.TB, x, w []T, shape tensor.Shape, drop dropFunc) *net {
	t.Helper()
	g := G.NewGraph()
	dt := dtypeOf[T]()
	xn := G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(x))))
	wn := G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(w))))
	y, err := drop(xn)
	if err != nil {
		t.Fatal(err)
	}
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, wn))))
	grads, err := G.Grad(cost, xn)
	if err != nil {
		t.Fatal(err)
	}
	op, _ := y.Op().(*Op)
	return &net{g: g, x: xn, y: y, dx: grads[0], op: op}
}

// testInput returns n values with signs, zeros, and a spread of magnitudes,
// and n gradient weights.
func testInput[T dropout.Float](n int) (x, w []T) {
	x, w = make([]T, n), make([]T, n)
	for i := range x {
		x[i] = T(i%17-8) * 0.37
		w[i] = 1 + T(i%5)*0.25
	}
	return x, w
}

// dtypeOf is the gorgonia dtype of T.
func dtypeOf[T dropout.Float]() tensor.Dtype {
	if _, ok := any(T(0)).(float64); ok {
		return tensor.Float64
	}
	return tensor.Float32
}

// vals returns a copy of v's elements.
func vals[T dropout.Float](v G.Value) []T { return append([]T(nil), v.Data().([]T)...) }

func f32s(v G.Value) []float32 { return vals[float32](v) }

// bitsOf returns v's bits, a float32's in the low half.
func bitsOf[T dropout.Float](v T) uint64 {
	if f, ok := any(v).(float64); ok {
		return math.Float64bits(f)
	}
	return uint64(math.Float32bits(float32(v)))
}

func sameBits[T dropout.Float](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		if bitsOf(got[i]) != bitsOf(want[i]) {
			t.Fatalf("%s[%d] = %v (%#x), want %v (%#x)", what, i, got[i], bitsOf(got[i]), want[i], bitsOf(want[i]))
		}
	}
}

// TestBitsMatchPackage: every run of a tape machine gives, bit for bit, the
// output of dropout.Forward and the gradient of dropout.BackwardKey with key
// {seed, run·n}, and the output of a dropout.Layer with the same seed; each
// run draws a new mask. Float32 and Float64 graphs.
func TestBitsMatchPackage(t *testing.T) {
	t.Run("float32", testBitsMatchPackage[float32])
	t.Run("float64", testBitsMatchPackage[float64])
}

func testBitsMatchPackage[T dropout.Float](t *testing.T) {
	const p, seed = 0.3, 2026
	shape := tensor.Shape{7, 73} // 511 elements: not a multiple of 64
	n := shape.TotalSize()
	x, w := testInput[T](n)
	nt := newNet(t, x, w, shape, p, seed)
	m := G.NewTapeMachine(nt.g)
	defer m.Close()

	d, err := dropout.New[T](p, dropout.Inverted)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := dropout.NewLayer[T](p, dropout.Inverted, seed)
	if err != nil {
		t.Fatal(err)
	}
	var prev []T
	for run := range 4 {
		key := dropout.Key{Seed: seed, Offset: uint64(run * n)}
		if got := nt.op.Key(); got != key {
			t.Fatalf("run %d: op key %+v, want %+v", run, got, key)
		}
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		y, dx := vals[T](nt.y.Value()), vals[T](nt.dx.Value())
		m.Reset()
		if last, ok := nt.op.LastKey(); !ok || last != key {
			t.Fatalf("run %d: LastKey %+v %v, want %+v", run, last, ok, key)
		}

		wantY, wantDx := make([]T, n), make([]T, n)
		d.Forward(wantY, x, nil, key)
		d.BackwardKey(wantDx, w, key)
		sameBits(t, "y", y, wantY)
		sameBits(t, "dx", dx, wantDx)

		layerY := make([]T, n)
		layer.Forward(layerY, x, true)
		sameBits(t, "y vs dropout.Layer", y, layerY)

		if prev != nil {
			differ := 0
			for i := range y {
				if (y[i] == 0) != (prev[i] == 0) {
					differ++
				}
			}
			if differ < n/10 {
				t.Errorf("run %d: only %d of %d elements changed between runs: the mask did not change", run, differ, n)
			}
		}
		prev = y
	}
}

// TestTwoDropoutsOfOneNode: two Apply calls on the same node with the same
// seed are two nodes (their ops hash differently) with different masks, the
// second drawing from StreamSeed(seed, 1).
func TestTwoDropoutsOfOneNode(t *testing.T) {
	const p, seed, n = 0.5, 7, 1000
	g := G.NewGraph()
	x, _ := testInput[float32](n)
	for i := range x {
		x[i] = 1
	}
	xn := G.NewVector(g, tensor.Float32, G.WithShape(n), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(x))))
	y1, err := Apply(xn, p, seed)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := Apply(xn, p, seed)
	if err != nil {
		t.Fatal(err)
	}
	if y1 == y2 {
		t.Fatal("the graph merged the two dropouts into one node")
	}
	op1, op2 := y1.Op().(*Op), y2.Op().(*Op)
	if op1.Hashcode() == op2.Hashcode() {
		t.Fatalf("both ops hash to %#x", op1.Hashcode())
	}
	if k1, k2 := op1.Key(), op2.Key(); k1.Seed != seed || k2.Seed != StreamSeed(seed, 1) || k2.Seed == seed {
		t.Fatalf("keys %+v, %+v; want seeds %#x and StreamSeed(seed, 1) = %#x", k1, k2, uint64(seed), StreamSeed(seed, 1))
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	a, b := f32s(y1.Value()), f32s(y2.Value())
	same := 0
	for i := range a {
		if (a[i] == 0) == (b[i] == 0) {
			same++
		}
	}
	// Independent masks with p = 0.5 agree on about half the elements.
	t.Logf("two dropouts of one node, p = %v: masks agree on %d of %d elements", p, same, n)
	if same > 600 || same < 400 {
		t.Errorf("masks agree on %d of %d elements, want about %d for independent masks", same, n, n/2)
	}
}

// TestDeterministic: the same graph built twice with the same seed gives the
// same bits; another seed gives another mask.
func TestDeterministic(t *testing.T) {
	shape := tensor.Shape{300}
	x, w := testInput[float32](300)
	run := func(seed uint64) []float32 {
		nt := newNet(t, x, w, shape, 0.4, seed)
		m := G.NewTapeMachine(nt.g)
		defer m.Close()
		var out []float32
		for range 2 {
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			out = append(out, f32s(nt.y.Value())...)
			out = append(out, f32s(nt.dx.Value())...)
			m.Reset()
		}
		return out
	}
	a, b, c := run(99), run(99), run(100)
	sameBits(t, "second build", b, a)
	differ := false
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(c[i]) {
			differ = true
		}
	}
	if !differ {
		t.Error("seeds 99 and 100 gave the same outputs and gradients")
	}
}

// TestEvalMode: a machine in gorgonia.EvalMode() gives y = x and does not
// advance the stream; its gradient is dy.
func TestEvalMode(t *testing.T) {
	shape := tensor.Shape{5, 40}
	x, w := testInput[float32](200)
	nt := newNet(t, x, w, shape, 0.5, 1)
	m := G.NewTapeMachine(nt.g, G.EvalMode())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	sameBits(t, "y", f32s(nt.y.Value()), x)
	sameBits(t, "dx", f32s(nt.dx.Value()), w)
	if k := nt.op.Key(); k.Offset != 0 {
		t.Errorf("inference advanced the stream to %d", k.Offset)
	}
}

// TestLispMachine: gorgonia's other machine runs the op forward and
// backpropagates through DoDiff with the same bits as the package.
func TestLispMachine(t *testing.T) {
	const p, seed = 0.25, 3
	n := 257
	x, w := testInput[float32](n)
	g := G.NewGraph()
	xn := G.NewVector(g, tensor.Float32, G.WithShape(n), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(x))))
	wn := G.NewVector(g, tensor.Float32, G.WithShape(n), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(w))))
	y, err := Apply(xn, p, seed)
	if err != nil {
		t.Fatal(err)
	}
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, wn))))
	m := G.NewLispMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	_ = cost
	dxv, err := xn.Grad()
	if err != nil {
		t.Fatal(err)
	}
	if off := y.Op().(*Op).Key().Offset; off != uint64(n) {
		t.Errorf("after one run the next offset is %d, want n = %d (one forward execution)", off, n)
	}
	key, ok := y.Op().(*Op).LastKey()
	if !ok {
		t.Fatal("no forward execution")
	}
	d, _ := dropout.New[float32](p, dropout.Inverted)
	wantY, wantDx := make([]float32, n), make([]float32, n)
	d.Forward(wantY, x, nil, key)
	d.BackwardKey(wantDx, w, key)
	sameBits(t, "y", f32s(y.Value()), wantY)
	sameBits(t, "dx", f32s(dxv), wantDx)
}

// TestDtypes: a Float64 graph draws the masks of a Float32 graph with the
// same seed (the package's keep bits do not depend on the element type), and
// other dtypes, scalars and bad p get errors.
func TestDtypes(t *testing.T) {
	const p, seed, n = 0.4, 99, 300
	x32, w32 := testInput[float32](n)
	x64, w64 := testInput[float64](n)
	shape := tensor.Shape{n}
	n32, n64 := newNet(t, x32, w32, shape, p, seed), newNet(t, x64, w64, shape, p, seed)
	m32, m64 := G.NewTapeMachine(n32.g), G.NewTapeMachine(n64.g)
	defer m32.Close()
	defer m64.Close()
	for run := range 3 {
		if err := m32.RunAll(); err != nil {
			t.Fatal(err)
		}
		if err := m64.RunAll(); err != nil {
			t.Fatal(err)
		}
		dx32, dx64 := f32s(n32.dx.Value()), vals[float64](n64.dx.Value())
		m32.Reset()
		m64.Reset()
		for i := range dx32 { // w > 0 everywhere: dx = 0 exactly where dropped
			if (dx32[i] == 0) != (dx64[i] == 0) {
				t.Fatalf("run %d, element %d: float32 graph dx = %v, float64 graph dx = %v: the masks differ", run, i, dx32[i], dx64[i])
			}
		}
	}

	g := G.NewGraph()
	xi := G.NewVector(g, tensor.Int, G.WithShape(8), G.WithName("xi"))
	if _, err := Apply(xi, 0.5, 1); err == nil || !strings.Contains(err.Error(), "Float32 or Float64") {
		t.Errorf("Apply on Int: error %v, want one naming Float32 or Float64", err)
	}
	xs := G.NewScalar(g, tensor.Float32, G.WithName("s"))
	if _, err := Apply(xs, 0.5, 1); err == nil {
		t.Error("Apply on a scalar: no error")
	}
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := Apply(G.NewVector(g, tensor.Float32, G.WithShape(8)), p, 1); err == nil {
			t.Errorf("Apply with p = %v: no error", p)
		}
	}
}

// TestGradientBeforeForward: the gradient op refuses to run without a
// forward execution to take the key from.
func TestGradientBeforeForward(t *testing.T) {
	op, _ := New(0.5, dropout.Key{})
	dy := tensor.New(tensor.WithShape(4), tensor.WithBacking(make([]float32, 4)))
	if _, err := (&diffOp{op}).Do(dy, dy); !errors.Is(err, errNoForward) {
		t.Errorf("error %v, want errNoForward", err)
	}
}

// TestSeekAndViews: Seek moves the next key; a non-contiguous input (a
// transposed view) is materialised first, so the op sees elements in
// row-major order of the view.
func TestSeekAndViews(t *testing.T) {
	op, err := New(0.5, dropout.Key{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	op.Seek(4096)
	base := tensor.New(tensor.WithShape(4, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
	if err := base.T(); err != nil {
		t.Fatal(err)
	}
	yv, err := op.Do(base)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12}
	d, _ := dropout.New[float32](0.5, dropout.Inverted)
	d.Forward(want, want, nil, dropout.Key{Seed: 11, Offset: 4096})
	sameBits(t, "y of a transposed view", f32s(yv), want)
	if k := op.Key(); k.Offset != 4096+12 {
		t.Errorf("next offset %d, want %d", k.Offset, 4096+12)
	}
}

func TestStreamSeed(t *testing.T) {
	if StreamSeed(42, 0) != 42 {
		t.Errorf("StreamSeed(42, 0) = %#x, want 42", StreamSeed(42, 0))
	}
	seen := map[uint64]bool{}
	for s := range uint64(64) {
		for k := range 64 {
			v := StreamSeed(s, k)
			if seen[v] {
				t.Fatalf("StreamSeed(%d, %d) = %#x repeats", s, k, v)
			}
			seen[v] = true
		}
	}
}

// TestUsePreallocDo: the op and its gradient write into a preallocated
// tensor the bits Do gives (gorgonia's own Dropout panics there), and refuse
// one of the wrong size or dtype.
func TestUsePreallocDo(t *testing.T) {
	const n = 100
	x, w := testInput[float32](n)
	xt := tensor.New(tensor.WithShape(n), tensor.WithBacking(x))
	wt := tensor.New(tensor.WithShape(n), tensor.WithBacking(w))
	op, err := New(0.3, dropout.Key{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	diff := &diffOp{op}
	y1, err := op.Do(xt)
	if err != nil {
		t.Fatal(err)
	}
	dx1, err := diff.Do(y1, wt)
	if err != nil {
		t.Fatal(err)
	}
	op.Seek(0)
	pre := tensor.New(tensor.WithShape(n), tensor.Of(tensor.Float32))
	y2, err := op.UsePreallocDo(pre, xt)
	if err != nil {
		t.Fatal(err)
	}
	if y2 != G.Value(pre) {
		t.Error("UsePreallocDo did not return the preallocated tensor")
	}
	preDx := tensor.New(tensor.WithShape(n), tensor.Of(tensor.Float32))
	dx2, err := diff.UsePreallocDo(preDx, y2, wt)
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, "prealloc y", f32s(y2), f32s(y1))
	sameBits(t, "prealloc dx", f32s(dx2), f32s(dx1))
	for _, bad := range []*tensor.Dense{
		tensor.New(tensor.WithShape(n-1), tensor.Of(tensor.Float32)),
		tensor.New(tensor.WithShape(n), tensor.Of(tensor.Float64)),
	} {
		if _, err := op.UsePreallocDo(bad, xt); err == nil {
			t.Errorf("UsePreallocDo into a %v %v: no error", bad.Dtype(), bad.Shape())
		}
	}
}
