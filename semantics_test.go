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
// MaskLen(n) untouched.
func checkForward(t testing.TB, where string, p float64, mode Mode, x []float32, key Key) {
	t.Helper()
	d, err := New[float32](p, mode)
	if err != nil {
		t.Fatal(err)
	}
	n := len(x)
	wantY, wantKeep := refForward(p, mode, x, key)
	y := make([]float32, n)
	mask := filled(MaskLen(n)+1, ^uint64(0))
	d.Forward(y, x, mask, key)
	sameF32(t, where+" y", y, wantY)
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
	y2 := make([]float32, n)
	d.Forward(y2, x, nil, key)
	sameF32(t, where+" y (no mask)", y2, wantY)
	// In place.
	y3 := append([]float32(nil), x...)
	d.Forward(y3, y3, nil, key)
	sameF32(t, where+" y (in place)", y3, wantY)
	// Backward, BackwardKey, in place and not.
	dy := specialInputs(rand.New(rand.NewPCG(uint64(n), 9)), n)
	wantDX := make([]float32, n)
	s := d.Scale()
	for i := range dy {
		f := float32(0)
		if wantKeep[i] {
			f = s
		}
		wantDX[i] = dy[i] * f
	}
	dx := make([]float32, n)
	d.Backward(dx, dy, mask)
	sameF32(t, where+" Backward", dx, wantDX)
	d.BackwardKey(dx, dy, key)
	sameF32(t, where+" BackwardKey", dx, wantDX)
	dx = append(dx[:0], dy...)
	d.Backward(dx, dx, mask)
	sameF32(t, where+" Backward in place", dx, wantDX)
	dx = append(dx[:0], dy...)
	d.BackwardKey(dx, dx, key)
	sameF32(t, where+" BackwardKey in place", dx, wantDX)
}

func TestAgainstReference(t *testing.T) {
	sizes := testSizes()
	if testing.Short() {
		sizes = sizes[:120]
	}
	r := rand.New(rand.NewPCG(1, 2))
	forEachPath(t, func(t *testing.T, k *path) {
		for si, n := range sizes {
			x := specialInputs(r, n)
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
	r := rand.New(rand.NewPCG(3, 4))
	x := specialInputs(r, BlockSize+300)
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
			d, _ := New[float32](p, mode)
			m := make(Mask, MaskLen(len(x)))
			y := make([]float32, len(x))
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
			d, _ := New[float32](r.Float64(), Mode(r.IntN(2)))
			x := specialInputs(r, n)
			y := make([]float32, n)
			mask := make(Mask, MaskLen(n))
			d.Forward(y, x, mask, key)

			y2 := make([]float32, n)
			m1, m2 := make(Mask, MaskLen(cut)), make(Mask, MaskLen(n-cut))
			d.Forward(y2[:cut], x[:cut], m1, key)
			d.Forward(y2[cut:], x[cut:], m2, Key{Seed: key.Seed, Offset: key.Offset + uint64(cut)})
			where := fmt.Sprintf("%s n=%d cut=%d key=%+v", k.name, n, cut, key)
			sameF32(t, where, y2, y)
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

func TestInfer(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 100000} {
			x := specialInputs(r, n)
			for _, p := range testPs {
				for _, mode := range []Mode{Classic, Inverted} {
					d, _ := New[float32](p, mode)
					want := make([]float32, n)
					for i := range x {
						if mode == Classic {
							want[i] = x[i] * float32(1-p)
						} else {
							want[i] = x[i]
						}
					}
					y := make([]float32, n)
					d.Infer(y, x)
					where := fmt.Sprintf("%s n=%d %v", k.name, n, d)
					sameF32(t, where, y, want)
					y = append(y[:0], x...)
					d.Infer(y, y)
					sameF32(t, where+" in place", y, want)
				}
			}
		}
	})
}

func TestZeroDropoutIsIdentity(t *testing.T) {
	var d Dropout[float32]
	if d.P() != 0 || d.Mode() != Classic || d.Scale() != 1 || d.InferScale() != 1 || d.Threshold() != 0 {
		t.Fatalf("zero Dropout[float32]: %v scale %v infer %v thr %d", d, d.Scale(), d.InferScale(), d.Threshold())
	}
	x := specialInputs(rand.New(rand.NewPCG(1, 1)), 500)
	y := make([]float32, len(x))
	m := make(Mask, MaskLen(len(x)))
	d.Forward(y, x, m, Key{Seed: 3, Offset: 5})
	sameF32(t, "zero Forward", y, x)
	if m.Count(len(x)) != len(x) {
		t.Fatal("zero Dropout[float32] dropped something")
	}
	d.Infer(y, x)
	sameF32(t, "zero Infer", y, x)
}

func TestNewAndAccessors(t *testing.T) {
	for _, p := range []float64{math.NaN(), -0.1, 1.0000001, math.Inf(1), math.Inf(-1)} {
		if _, err := New[float32](p, Classic); err == nil || !strings.Contains(err.Error(), "dropout.New") || !strings.Contains(err.Error(), fmt.Sprint(p)) {
			t.Errorf("New[float32](%v): err = %v", p, err)
		}
	}
	if _, err := New[float32](0.5, Mode(7)); err == nil || !strings.Contains(err.Error(), "Mode(7)") {
		t.Errorf("New with Mode(7): err = %v", err)
	}
	d, err := New[float32](0.1, Inverted)
	if err != nil {
		t.Fatal(err)
	}
	if d.P() != 0.1 || d.Mode() != Inverted || d.Scale() != float32(1/(1-0.1)) || d.InferScale() != 1 ||
		d.Threshold() != uint32(math.Floor(0.1*(1<<24))) || d.String() != "Dropout[float32](p=0.1, Inverted)" {
		t.Errorf("accessors: %v %v %v %v %v %q", d.P(), d.Mode(), d.Scale(), d.InferScale(), d.Threshold(), d.String())
	}
	c, _ := New[float32](0.1, Classic)
	if c.Scale() != 1 || c.InferScale() != float32(1-0.1) {
		t.Errorf("Classic factors %v %v", c.Scale(), c.InferScale())
	}
	if Classic.String() != "Classic" || Inverted.String() != "Inverted" || Mode(9).String() != "Mode(9)" {
		t.Error("Mode.String")
	}
	one, _ := New[float32](1, Inverted)
	if !math.IsInf(float64(one.Scale()), 1) || one.Threshold() != 1<<24 {
		t.Errorf("p=1: scale %v thr %d", one.Scale(), one.Threshold())
	}
}

func TestBadInputPanics(t *testing.T) {
	d, _ := New[float32](0.5, Inverted)
	x := make([]float32, 100)
	y := make([]float32, 99)
	k := Key{}
	mustPanic(t, []string{"Dropout.Forward", "len(y) = 99", "len(x) = 100"}, func() { d.Forward(y, x, nil, k) })
	mustPanic(t, []string{"Dropout.Forward", "len(mask) = 1", "MaskLen(100) = 2"}, func() { d.Forward(x, x, make(Mask, 1), k) })
	mustPanic(t, []string{"Dropout.Backward", "len(dx) = 99", "len(dy) = 100"}, func() { d.Backward(y, x, make(Mask, 2)) })
	mustPanic(t, []string{"Dropout.Backward", "len(mask) = 0", "MaskLen(100) = 2"}, func() { d.Backward(x, x, nil) })
	mustPanic(t, []string{"Dropout.BackwardKey", "len(dx) = 99"}, func() { d.BackwardKey(y, x, k) })
	mustPanic(t, []string{"Dropout.Infer", "len(y) = 99"}, func() { d.Infer(y, x) })
	buf := make([]float32, 200)
	mustPanic(t, []string{"Dropout.Forward", "partly overlap", "3 elements"}, func() { d.Forward(buf[3:103], buf[:100], nil, k) })
	mustPanic(t, []string{"Dropout.Forward", "partly overlap", "y starts 3 elements before x"}, func() { d.Forward(buf[:100], buf[3:103], nil, k) })
	mustPanic(t, []string{"Dropout.Backward", "partly overlap"}, func() { d.Backward(buf[1:101], buf[:100], make(Mask, 2)) })
	mustPanic(t, []string{"Dropout.BackwardKey", "partly overlap"}, func() { d.BackwardKey(buf[:100], buf[99:199], k) })
	mustPanic(t, []string{"Dropout.Infer", "partly overlap"}, func() { d.Infer(buf[50:150], buf[:100]) })
	mustPanic(t, []string{"MaskLen", "-1"}, func() { MaskLen(-1) })
	mustPanic(t, []string{"Mask.Kept", "128"}, func() { make(Mask, 2).Kept(128) })
	mustPanic(t, []string{"Mask.Bools", "MaskLen(65) = 2"}, func() { make(Mask, 1).Bools(make([]bool, 65)) })
	// Adjacent, disjoint and identical slices are fine.
	d.Forward(buf[100:200], buf[:100], nil, k)
	d.Forward(buf[:100], buf[:100], nil, k)
	d.Infer(buf[:0], buf[1:1])
}

// TestNoAllocs: no call allocates, including the unaligned-offset mask
// path and every path.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	d, _ := New[float32](0.4, Inverted)
	n := 3*BlockSize + 100
	x, y := make([]float32, n), make([]float32, n)
	u := make([]uint32, n)
	b := make([]uint8, n)
	m := make(Mask, MaskLen(n))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, off := range []uint64{0, 37} {
			key := Key{Seed: 1, Offset: off}
			if a := testing.AllocsPerRun(5, func() {
				d.Forward(y, x, m, key)
				d.Forward(y, x, nil, key)
				d.Backward(y, x, m)
				d.BackwardKey(y, x, key)
				d.Infer(y, x)
				Draws(u, key)
				// n is not a multiple of 64: the mask conversions' partial
				// last word (a stack buffer) is covered too.
				m.Float32s(y)
				m.SetFloat32s(y)
				m.Bytes(b)
				m.SetBytes(b)
			}); a != 0 {
				t.Errorf("%s offset %d: %v allocations per run", k.name, off, a)
			}
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
