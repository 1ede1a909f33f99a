package gdropout

import (
	"math"
	"testing"

	"github.com/dropkernel/dropout"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGradientFiniteDifferences checks the symbolic gradient that
// gorgonia.Grad builds through the op against central finite differences of
// the cost, cost = Sum(w ⊙ tanh(Dropout(x))) (a nonlinearity after the
// dropout, so that the check sees the chain rule too). Every evaluation
// Seeks the op back to the key of the analytic run: finite differences with
// the same mask. Dropped elements must get exactly 0 both ways. Float32
// with step 1e-2 and relative error at most 2e-3; Float64 with step 1e-5
// and at most 1e-7.
func TestGradientFiniteDifferences(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testGradient[float32](t, 1e-2, 2e-3) })
	t.Run("float64", func(t *testing.T) { testGradient[float64](t, 1e-5, 1e-7) })
}

func testGradient[T dropout.Float](t *testing.T, h T, tol float64) {
	const (
		n    = 96
		p    = 0.35
		seed = 12345
	)
	x := make([]T, n)
	w := make([]T, n)
	for i := range x {
		x[i] = T(math.Sin(float64(i)*0.7)) * 1.5
		w[i] = 0.5 + T(i%7)*0.2
	}
	x[3], x[10] = 0, 0 // a kept or dropped zero input still has a gradient where kept

	g := G.NewGraph()
	xn := G.NewVector(g, dtypeOf[T](), G.WithShape(n), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(append([]T(nil), x...)))))
	wn := G.NewVector(g, dtypeOf[T](), G.WithShape(n), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(w))))
	y, err := Apply(xn, p, seed)
	if err != nil {
		t.Fatal(err)
	}
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(wn, G.Must(G.Tanh(y))))))
	grads, err := G.Grad(cost, xn)
	if err != nil {
		t.Fatal(err)
	}
	op := y.Op().(*Op)
	m := G.NewTapeMachine(g)
	defer m.Close()

	key := op.Key()
	eval := func(xs []T) (float64, []T) {
		t.Helper()
		if err := G.Let(xn, tensor.New(tensor.WithShape(n), tensor.WithBacking(xs))); err != nil {
			t.Fatal(err)
		}
		op.Seek(key.Offset)
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		defer m.Reset()
		return float64(cost.Value().Data().(T)), vals[T](grads[0].Value())
	}
	_, dx := eval(append([]T(nil), x...))
	ys := vals[T](y.Value())

	kept, worst := 0, 0.0
	for i := range x {
		xp := append([]T(nil), x...)
		xm := append([]T(nil), x...)
		xp[i] += h
		xm[i] -= h
		cp, _ := eval(xp)
		cm, _ := eval(xm)
		fd := (cp - cm) / (float64(xp[i]) - float64(xm[i]))
		dropped := ys[i] == 0 && dx[i] == 0 && cp == cm
		if dropped {
			continue
		}
		kept++
		if dx[i] == 0 {
			t.Errorf("x[%d] = %v: gradient 0 but finite difference %v", i, x[i], fd)
			continue
		}
		rel := math.Abs(fd-float64(dx[i])) / math.Max(1, math.Abs(float64(dx[i])))
		worst = math.Max(worst, rel)
		if rel > tol {
			t.Errorf("x[%d] = %v: gradient %v, finite difference %v (relative error %.2g)", i, x[i], dx[i], fd, rel)
		}
	}
	t.Logf("p = %v, n = %d: %d kept elements checked, worst relative error %.2g; %d dropped with gradient and difference both exactly 0", p, n, kept, worst, n-kept)
	if kept < n/3 || kept > n-n/5 {
		t.Errorf("%d of %d kept: the check saw too few of one kind", kept, n)
	}
}
