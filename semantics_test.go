package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Every path against the element-by-element reference of ref_test.go.

var testPs = []float64{0, 1, 0.5, 0.1, 1e-9, 1 - 1e-9, 0.3137}

// testSizes: every n in 0..300 and sizes around vector, mask-word and
// block boundaries.
func testSizes() []int {
	var s []int
	for n := 0; n <= 300; n++ {
		s = append(s, n)
	}
	for _, c := range []int{512, 1024, 4096, BlockSize, 2 * BlockSize} {
		s = append(s, c-65, c-64, c-63, c-17, c-16, c-15, c-1, c, c+1, c+15, c+16, c+17, c+63, c+64, c+65)
	}
	return append(s, 3*BlockSize+1000)
}

var testOffsets = []uint64{0, 1, 15, 16, 17, 63, 64, 100, BlockSize - 1, BlockSize - 64, BlockSize - 200, 5*BlockSize + 13, 1 << 40, math.MaxUint64 - 100}

// checkForward runs Forward on the active path and compares it with the
// reference: y bits, keep bits, cleared bits past n, and words past
// MaskLen(n) untouched; then Backward and BackwardKey, in place and not.
func checkForward[T Float](t testing.TB, where string, p float64, mode Mode, x []T, key Key) {
	t.Helper()
	d, err := New[T](p, mode)
	if err != nil {
		t.Fatal(err)
	}
	n := len(x)
	wantY, wantKeep := refForward(p, mode, x, key)
	y := make([]T, n)
	mask := filled(MaskLen(n)+1, ^uint64(0))
	d.Forward(y, x, mask, key)
	sameFloats(t, where+" y", y, wantY)
	for i := range wantKeep {
		if mask.Kept(i) != wantKeep[i] {
			t.Fatalf("%s: keep bit %d = %v, want %v", where, i, mask.Kept(i), wantKeep[i])
		}
	}
	if n%64 != 0 && mask[n/64]>>uint(n%64) != 0 {
		t.Fatalf("%s: bits past n in the last word are %#x, want 0", where, mask[n/64])
	}
	if mask[MaskLen(n)] != ^uint64(0) {
		t.Fatalf("%s: Forward wrote past MaskLen(n)", where)
	}
	// Without a mask: the same y.
	y2 := make([]T, n)
	d.Forward(y2, x, nil, key)
	sameFloats(t, where+" y (no mask)", y2, wantY)
	// In place.
	y3 := append([]T(nil), x...)
	d.Forward(y3, y3, nil, key)
	sameFloats(t, where+" y (in place)", y3, wantY)
	// Backward, BackwardKey, in place and not.
	dy := specialInputs[T](rand.New(rand.NewPCG(uint64(n), 9)), n)
	wantDX := make([]T, n)
	s := refScale[T](p, mode)
	for i := range dy {
		var f T
		if wantKeep[i] {
			f = s
		}
		wantDX[i] = dy[i] * f
	}
	dx := make([]T, n)
	d.Backward(dx, dy, mask)
	sameFloats(t, where+" Backward", dx, wantDX)
	d.BackwardKey(dx, dy, key)
	sameFloats(t, where+" BackwardKey", dx, wantDX)
	dx = append(dx[:0], dy...)
	d.Backward(dx, dx, mask)
	sameFloats(t, where+" Backward in place", dx, wantDX)
	dx = append(dx[:0], dy...)
	d.BackwardKey(dx, dx, key)
	sameFloats(t, where+" BackwardKey in place", dx, wantDX)
}

// TestAgainstReference: every path against the reference for every n in
// 0..300 and around vector, word and block boundaries (the first 120 sizes
// with -short), both modes, the edge probabilities, offsets across the
// stream.
func TestAgainstReference(t *testing.T) {
	forEachType(t, testAgainstReference[float32], testAgainstReference[float64])
}

func testAgainstReference[T Float](t *testing.T) {
	sizes := testSizes()
	if testing.Short() {
		sizes = sizes[:120]
	}
	r := rand.New(rand.NewPCG(1, 2))
	forEachPath(t, func(t *testing.T, k *path) {
		for si, n := range sizes {
			x := specialInputs[T](r, n)
			for mi, mode := range []Mode{Classic, Inverted} {
				p := testPs[(si+mi)%len(testPs)]
				off := testOffsets[(si*3+mi)%len(testOffsets)]
				key := Key{Seed: uint64(si) * 0x1234567, Offset: off}
				checkForward(t, fmt.Sprintf("%s n=%d off=%d p=%v %v", k.name, n, off, p, mode), p, mode, x, key)
			}
		}
	})
}

// TestEdgeProbabilities: every p of testPs with every mode, a length that
// crosses a block, at an unaligned offset.
func TestEdgeProbabilities(t *testing.T) {
	forEachType(t, testEdgeProbabilities[float32], testEdgeProbabilities[float64])
}

func testEdgeProbabilities[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := specialInputs[T](r, BlockSize+300)
	forEachPath(t, func(t *testing.T, k *path) {
		for _, p := range testPs {
			for _, mode := range []Mode{Classic, Inverted} {
				checkForward(t, fmt.Sprintf("%s p=%v %v", k.name, p, mode), p, mode, x, Key{Seed: 99, Offset: BlockSize - 150})
			}
		}
	})
	// p = 0 keeps all, p = 1 drops all, exactly.
	for _, mode := range []Mode{Classic, Inverted} {
		for _, p := range []float64{0, 1} {
			d, _ := New[T](p, mode)
			m := make(Mask, MaskLen(len(x)))
			y := make([]T, len(x))
			d.Forward(y, x, m, Key{Seed: 5})
			want := 0
			if p == 0 {
				want = len(x)
			}
			if got := m.Count(len(x)); got != want {
				t.Errorf("p=%v %v: kept %d of %d, want %d", p, mode, got, len(x), want)
			}
		}
	}
}

// TestSplitInvariance: any split of a call into two calls with continuing
// offsets gives the same output and keep bits; so do draws.
func TestSplitInvariance(t *testing.T) {
	forEachType(t, testSplitInvariance[float32], testSplitInvariance[float64])
}

func testSplitInvariance[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	forEachPath(t, func(t *testing.T, k *path) {
		for iter := 0; iter < 300; iter++ {
			n := r.IntN(3 * BlockSize)
			if iter < 50 {
				n = r.IntN(300)
			}
			cut := 0
			if n > 0 {
				cut = r.IntN(n + 1)
			}
			key := Key{Seed: r.Uint64(), Offset: r.Uint64() >> uint(r.IntN(64))}
			d, _ := New[T](r.Float64(), Mode(r.IntN(2)))
			x := specialInputs[T](r, n)
			y := make([]T, n)
			mask := make(Mask, MaskLen(n))
			d.Forward(y, x, mask, key)

			y2 := make([]T, n)
			m1, m2 := make(Mask, MaskLen(cut)), make(Mask, MaskLen(n-cut))
			d.Forward(y2[:cut], x[:cut], m1, key)
			d.Forward(y2[cut:], x[cut:], m2, Key{Seed: key.Seed, Offset: key.Offset + uint64(cut)})
			where := fmt.Sprintf("%s n=%d cut=%d key=%+v", k.name, n, cut, key)
			sameFloats(t, where, y2, y)
			for i := 0; i < n; i++ {
				var got bool
				if i < cut {
					got = m1.Kept(i)
				} else {
					got = m2.Kept(i - cut)
				}
				if got != mask.Kept(i) {
					t.Fatalf("%s: keep bit %d differs", where, i)
				}
			}
			u := make([]uint32, n)
			Draws(u, key)
			u2 := make([]uint32, n)
			Draws(u2[:cut], key)
			Draws(u2[cut:], Key{Seed: key.Seed, Offset: key.Offset + uint64(cut)})
			for i := range u {
				if u[i] != u2[i] || u[i] >= 1<<24 {
					t.Fatalf("%s: draw %d: %d vs %d", where, i, u[i], u2[i])
				}
			}
		}
	})
}

// TestDraws: Draws against the reference, every path.
func TestDraws(t *testing.T) {
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range []int{0, 1, 16, 63, 64, 65, 1000, BlockSize + 77} {
			for _, off := range testOffsets {
				key := Key{Seed: 77, Offset: off}
				u := make([]uint32, n)
				Draws(u, key)
				for i, v := range refDraws(key, n) {
					if u[i] != v {
						t.Fatalf("%s n=%d off=%d: u[%d] = %d, want %d", k.name, n, off, i, u[i], v)
					}
				}
			}
		}
	})
}

// TestInfer: Infer against x * T(1-p) (Classic, the subtraction in
// float64) and the identity (Inverted), in place and not.
func TestInfer(t *testing.T) {
	forEachType(t, testInfer[float32], testInfer[float64])
}

func testInfer[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 100000} {
			x := specialInputs[T](r, n)
			for _, p := range testPs {
				for _, mode := range []Mode{Classic, Inverted} {
					d, _ := New[T](p, mode)
					a := refInferScale[T](p, mode)
					want := make([]T, n)
					for i := range x {
						if mode == Classic {
							want[i] = x[i] * a
						} else {
							want[i] = x[i]
						}
					}
					y := make([]T, n)
					d.Infer(y, x)
					where := fmt.Sprintf("%s n=%d %v", k.name, n, d)
					sameFloats(t, where, y, want)
					y = append(y[:0], x...)
					d.Infer(y, y)
					sameFloats(t, where+" in place", y, want)
				}
			}
		}
	})
}

func TestZeroDropoutIsIdentity(t *testing.T) {
	forEachType(t, testZeroDropoutIsIdentity[float32], testZeroDropoutIsIdentity[float64])
}

func testZeroDropoutIsIdentity[T Float](t *testing.T) {
	var d Dropout[T]
	if d.P() != 0 || d.Mode() != Classic || d.Scale() != 1 || d.InferScale() != 1 || d.Threshold() != 0 {
		t.Fatalf("zero %v: scale %v infer %v thr %d", d, d.Scale(), d.InferScale(), d.Threshold())
	}
	x := specialInputs[T](rand.New(rand.NewPCG(1, 1)), 500)
	y := make([]T, len(x))
	m := make(Mask, MaskLen(len(x)))
	d.Forward(y, x, m, Key{Seed: 3, Offset: 5})
	sameFloats(t, "zero Forward", y, x)
	if m.Count(len(x)) != len(x) {
		t.Fatalf("zero %v dropped something", d)
	}
	d.Infer(y, x)
	sameFloats(t, "zero Infer", y, x)
	d.BackwardKey(y, x, Key{Seed: 3, Offset: 5})
	sameFloats(t, "zero BackwardKey", y, x)
}

// factorCases are the factors of the spec for both types, as bits worked
// out apart from Go (Python's float64 division and subtraction, struct's
// rounding to float32): Scale() = T(1/(1-p)) for Inverted and InferScale()
// = T(1-p) for Classic, the arithmetic in float64 and one rounding. A
// float64 factor computed through float32, or 1-float32(p) in place of
// float32(1-p) (p = 0.3137, 0.9), gives other bits.
var factorCases = []struct {
	p                float64
	scale32, infer32 uint32
	scale64, infer64 uint64
}{
	{0.1, 0x3f8e38e4, 0x3f666666, 0x3ff1c71c71c71c72, 0x3feccccccccccccd},
	{0.3137, 0x3fba81e2, 0x3f2fb15b, 0x3ff7503c477838ff, 0x3fe5f62b6ae7d567},
	{1.0 / 3, 0x3fc00000, 0x3f2aaaab, 0x3ff7ffffffffffff, 0x3fe5555555555556},
	{0.9, 0x41200000, 0x3dcccccd, 0x4024000000000001, 0x3fb9999999999998},
	{1e-9, 0x3f800000, 0x3f800000, 0x3ff000000044b830, 0x3fefffffff768fa1},
	{0.999999999, 0x4e6e6b28, 0x3089705f, 0x41cdcd650e24165b, 0x3e112e0be0000000},
	{0.5, 0x40000000, 0x3f000000, 0x4000000000000000, 0x3fe0000000000000},
	{0, 0x3f800000, 0x3f800000, 0x3ff0000000000000, 0x3ff0000000000000},
	{1, 0x7f800000, 0x00000000, 0x7ff0000000000000, 0x0000000000000000},
}

func TestNewAndAccessors(t *testing.T) {
	forEachType(t, testNewAndAccessors[float32], testNewAndAccessors[float64])
}

func testNewAndAccessors[T Float](t *testing.T) {
	for _, p := range []float64{math.NaN(), -0.1, 1.0000001, math.Inf(1), math.Inf(-1)} {
		if _, err := New[T](p, Classic); err == nil || !strings.Contains(err.Error(), "dropout.New") || !strings.Contains(err.Error(), fmt.Sprint(p)) {
			t.Errorf("New[%s](%v): err = %v", typeName[T](), p, err)
		}
	}
	if _, err := New[T](0.5, Mode(7)); err == nil || !strings.Contains(err.Error(), "Mode(7)") {
		t.Errorf("New with Mode(7): err = %v", err)
	}
	d, err := New[T](0.1, Inverted)
	if err != nil {
		t.Fatal(err)
	}
	name := "Dropout[" + typeName[T]() + "](p=0.1, Inverted)"
	if d.P() != 0.1 || d.Mode() != Inverted || d.Scale() != refScale[T](0.1, Inverted) || d.InferScale() != 1 ||
		d.Threshold() != refThreshold(0.1) || d.String() != name {
		t.Errorf("accessors: %v %v %v %v %v %q, want the String %q", d.P(), d.Mode(), d.Scale(), d.InferScale(), d.Threshold(), d.String(), name)
	}
	c, _ := New[T](0.1, Classic)
	if c.Scale() != 1 || c.InferScale() != refInferScale[T](0.1, Classic) {
		t.Errorf("Classic factors %v %v", c.Scale(), c.InferScale())
	}
	for _, fc := range factorCases {
		inv, _ := New[T](fc.p, Inverted)
		cla, _ := New[T](fc.p, Classic)
		wantS, wantI := uint64(fc.scale32), uint64(fc.infer32)
		if is64[T]() {
			wantS, wantI = fc.scale64, fc.infer64
		}
		if got := fbits(inv.Scale()); got != wantS {
			t.Errorf("%v: Scale() = %v (%#x), want bits %#x", inv, inv.Scale(), got, wantS)
		}
		if got := fbits(cla.InferScale()); got != wantI {
			t.Errorf("%v: InferScale() = %v (%#x), want bits %#x", cla, cla.InferScale(), got, wantI)
		}
		if got := fbits(refScale[T](fc.p, Inverted)); got != wantS {
			t.Errorf("p=%v: the reference's keep factor has bits %#x, want %#x", fc.p, got, wantS)
		}
		if got := fbits(refInferScale[T](fc.p, Classic)); got != wantI {
			t.Errorf("p=%v: the reference's inference factor has bits %#x, want %#x", fc.p, got, wantI)
		}
		if inv.Threshold() != refThreshold(fc.p) || cla.Threshold() != refThreshold(fc.p) {
			t.Errorf("p=%v: thresholds %d, %d, want %d", fc.p, inv.Threshold(), cla.Threshold(), refThreshold(fc.p))
		}
	}
	if Classic.String() != "Classic" || Inverted.String() != "Inverted" || Mode(9).String() != "Mode(9)" {
		t.Error("Mode.String")
	}
	one, _ := New[T](1, Inverted)
	if !math.IsInf(float64(one.Scale()), 1) || one.Threshold() != 1<<24 {
		t.Errorf("p=1: scale %v thr %d", one.Scale(), one.Threshold())
	}
}

func TestBadInputPanics(t *testing.T) {
	forEachType(t, testBadInputPanics[float32], testBadInputPanics[float64])
}

func testBadInputPanics[T Float](t *testing.T) {
	d, _ := New[T](0.5, Inverted)
	x := make([]T, 100)
	y := make([]T, 99)
	k := Key{}
	mustPanic(t, []string{"Dropout.Forward", "len(y) = 99", "len(x) = 100"}, func() { d.Forward(y, x, nil, k) })
	mustPanic(t, []string{"Dropout.Forward", "len(mask) = 1", "MaskLen(100) = 2"}, func() { d.Forward(x, x, make(Mask, 1), k) })
	mustPanic(t, []string{"Dropout.Backward", "len(dx) = 99", "len(dy) = 100"}, func() { d.Backward(y, x, make(Mask, 2)) })
	mustPanic(t, []string{"Dropout.Backward", "len(mask) = 0", "MaskLen(100) = 2"}, func() { d.Backward(x, x, nil) })
	mustPanic(t, []string{"Dropout.BackwardKey", "len(dx) = 99"}, func() { d.BackwardKey(y, x, k) })
	mustPanic(t, []string{"Dropout.Infer", "len(y) = 99"}, func() { d.Infer(y, x) })
	buf := make([]T, 200)
	mustPanic(t, []string{"Dropout.Forward", "partly overlap", "y starts 3 elements after x"}, func() { d.Forward(buf[3:103], buf[:100], nil, k) })
	mustPanic(t, []string{"Dropout.Forward", "partly overlap", "y starts 3 elements before x"}, func() { d.Forward(buf[:100], buf[3:103], nil, k) })
	mustPanic(t, []string{"Dropout.Backward", "partly overlap"}, func() { d.Backward(buf[1:101], buf[:100], make(Mask, 2)) })
	mustPanic(t, []string{"Dropout.BackwardKey", "partly overlap", "dx starts 99 elements before dy"}, func() { d.BackwardKey(buf[:100], buf[99:199], k) })
	mustPanic(t, []string{"Dropout.Infer", "partly overlap", "50 elements"}, func() { d.Infer(buf[50:150], buf[:100]) })
	mustPanic(t, []string{"MaskLen", "-1"}, func() { MaskLen(-1) })
	mustPanic(t, []string{"Mask.Kept", "128"}, func() { make(Mask, 2).Kept(128) })
	mustPanic(t, []string{"Mask.Bools", "MaskLen(65) = 2"}, func() { make(Mask, 1).Bools(make([]bool, 65)) })
	if is64[T]() {
		mustPanic(t, []string{"Mask.Float64s", "MaskLen(65) = 2"}, func() { make(Mask, 1).Float64s(make([]float64, 65)) })
		mustPanic(t, []string{"Mask.SetFloat64s", "MaskLen(129) = 3"}, func() { make(Mask, 2).SetFloat64s(make([]float64, 129)) })
	} else {
		mustPanic(t, []string{"Mask.Float32s", "MaskLen(65) = 2"}, func() { make(Mask, 1).Float32s(make([]float32, 65)) })
		mustPanic(t, []string{"Mask.SetFloat32s", "MaskLen(129) = 3"}, func() { make(Mask, 2).SetFloat32s(make([]float32, 129)) })
	}
	// Adjacent, disjoint and identical slices are fine.
	d.Forward(buf[100:200], buf[:100], nil, k)
	d.Forward(buf[:100], buf[:100], nil, k)
	d.Infer(buf[:0], buf[1:1])
}

// TestNoAllocs: no call allocates, for both element types: every method of
// Dropout (the unaligned-offset mask path too), a Parallel Dropout's calls
// split over the workers, a Layer's passes and the mask conversions, on
// every path.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	forEachType(t, testNoAllocs[float32], testNoAllocs[float64])
}

func testNoAllocs[T Float](t *testing.T) {
	d, _ := New[T](0.4, Inverted)
	n := 3*BlockSize + 100
	x, y, res := make([]T, n), make([]T, n), make([]T, n)
	bias, db := make([]T, n/4), make([]T, n/4)
	u := make([]uint32, n)
	b, bs := make([]uint8, n), make([]bool, n)
	m := make(Mask, MaskLen(n))
	l, _ := NewLayer[T](0.4, Classic, 1)
	l.Forward(y, x, true) // the layer's mask buffer
	forEachPath(t, func(t *testing.T, k *path) {
		for _, off := range []uint64{0, 37} {
			key := Key{Seed: 1, Offset: off}
			if a := testing.AllocsPerRun(5, func() {
				d.Forward(y, x, m, key)
				d.Forward(y, x, nil, key)
				d.Backward(y, x, m)
				d.BackwardKey(y, x, key)
				d.Infer(y, x)
				d.DropoutAdd(y, x, res, m, key)
				d.BiasDropoutAdd(y, x, bias, res, m, key)
				d.BiasDropoutAddBackward(y, db, x, m)
				d.BiasDropoutAddBackwardKey(y, db, x, key)
				d.ForwardChannels(y, x, 4, m, key)
				d.BackwardChannels(y, x, 4, m)
				d.BackwardChannelsKey(y, x, 4, key)
				Draws(u, key)
				l.Forward(y, x, true)
				l.Backward(y, x)
				l.Forward(y, x, false)
				// n is not a multiple of 64: the mask conversions' partial
				// last word (a stack buffer) is covered too.
				maskToFloats(m, y)
				maskFromFloats(m, y)
				m.Bytes(b)
				m.SetBytes(b)
				m.Bools(bs)
				m.SetBools(bs)
			}); a != 0 {
				t.Errorf("%s offset %d: %v allocations per run", k.name, off, a)
			}
		}
		// A Parallel Dropout's calls are long enough to be split.
		pn := k.parMin + 100
		px, py, pm := make([]T, pn), make([]T, pn), make(Mask, MaskLen(pn))
		pbias := make([]T, pn/4)
		pd := d.Parallel(3)
		pd.Forward(py, px, pm, Key{}) // start the workers
		if a := testing.AllocsPerRun(5, func() {
			pd.Forward(py, px, pm, Key{Offset: 3})
			pd.Backward(py, px, pm)
			pd.BackwardKey(py, px, Key{})
			pd.Infer(py, px)
			pd.DropoutAdd(py, px, px, pm, Key{Offset: 5})
			pd.BiasDropoutAdd(py, px, pbias, px, pm, Key{})
		}); a != 0 {
			t.Errorf("%s Parallel: %v allocations per run", k.name, a)
		}
	})
}

// TestKernelSelection checks that the path in use is the one the test
// command meant to test (DROPOUT_EXPECT_KERNEL), so a detection bug cannot
// test the generic path several times over, and that UseKernel works.
func TestKernelSelection(t *testing.T) {
	if want := getenv("DROPOUT_EXPECT_KERNEL"); want != "" && Kernel() != want {
		t.Fatalf("Kernel() = %q, want %q (DROPOUT_DISABLE=%q, available %v)", Kernel(), want, getenv("DROPOUT_DISABLE"), Kernels())
	}
	names := Kernels()
	if names[len(names)-1] != "generic" || names[0] != Kernel() {
		t.Fatalf("Kernels() = %v, Kernel() = %q", names, Kernel())
	}
	defer UseKernel(Kernel())
	for _, name := range names {
		if err := UseKernel(name); err != nil || Kernel() != name {
			t.Fatalf("UseKernel(%q): %v, Kernel() = %q", name, err, Kernel())
		}
	}
	if err := UseKernel("sse9"); err == nil || !strings.Contains(err.Error(), "sse9") || !strings.Contains(err.Error(), "generic") {
		t.Fatalf("UseKernel(sse9): %v", err)
	}
}
