package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestParallelSameBits: for 1..8 workers, chunk boundaries that cut mask
// words and RNG blocks, and unaligned offsets, a Parallel Dropout[T] gives
// the serial bits for every operation, on every path, for both element
// types (the fused ops: TestFusedParallel).
func TestParallelSameBits(t *testing.T) {
	forEachType(t, testParallelSameBits[float32], testParallelSameBits[float64])
}

func testParallelSameBits[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sizes := []int{parMinGeneric - 1, parMinGeneric, parMinGeneric + 1, 100000 + 17, 15*BlockSize + 13, parMinAsm - 1, parMinAsm + 77}
	if testing.Short() {
		sizes = []int{parMinGeneric + 1, 100000 + 17, parMinAsm + 77}
	}
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range sizes {
			x := specialInputs[T](r, n)
			for _, mode := range []Mode{Classic, Inverted} {
				d, _ := New[T](0.37, mode)
				for _, off := range []uint64{0, 37, BlockSize - 5} {
					key := Key{Seed: uint64(n), Offset: off}
					wantY := make([]T, n)
					wantM := make(Mask, MaskLen(n))
					d.Forward(wantY, x, wantM, key)
					wantDX := make([]T, n)
					d.Backward(wantDX, x, wantM)
					wantI := make([]T, n)
					d.Infer(wantI, x)
					for w := 1; w <= 8; w++ {
						pd := d.Parallel(w)
						where := fmt.Sprintf("%s n=%d %v off=%d workers=%d", k.name, n, mode, off, w)
						y := make([]T, n)
						m := filled(MaskLen(n), ^uint64(0))
						pd.Forward(y, x, m, key)
						sameFloats(t, where+" Forward", y, wantY)
						sameMask(t, where+" Forward", m, wantM)
						pd.Backward(y, x, m)
						sameFloats(t, where+" Backward", y, wantDX)
						pd.BackwardKey(y, x, key)
						sameFloats(t, where+" BackwardKey", y, wantDX)
						pd.Infer(y, x)
						sameFloats(t, where+" Infer", y, wantI)
						copy(y, x)
						pd.Forward(y, y, nil, key)
						sameFloats(t, where+" Forward in place", y, wantY)
					}
				}
			}
		}
	})
}

func TestParallelAPI(t *testing.T) {
	forEachType(t, testParallelAPI[float32], testParallelAPI[float64])
}

func testParallelAPI[T Float](t *testing.T) {
	d, _ := New[T](0.5, Inverted)
	if d.Workers() != 1 || d.Parallel(1).Workers() != 1 || d.Parallel(3).Workers() != 3 || d.Parallel(0).Workers() < 1 ||
		d.Parallel(1000).Workers() != maxWorkers {
		t.Fatal("Workers")
	}
	if s := d.Parallel(3).String(); s != "Dropout["+typeName[T]()+"](p=0.5, Inverted, 3 workers)" {
		t.Fatal(s)
	}
	if p := d.Parallel(3); p.P() != d.P() || p.Mode() != d.Mode() || p.Scale() != d.Scale() || p.Parallel(1) != d {
		t.Fatalf("Parallel(3) changed the configuration: %v", p)
	}
	mustPanic(t, []string{"Dropout.Parallel", "-2"}, func() { d.Parallel(-2) })
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	n := parMinAsm + 100
	x, y, m := make([]T, n), make([]T, n), make(Mask, MaskLen(n))
	pd := d.Parallel(4)
	pd.Forward(y, x, m, Key{}) // start the workers
	if a := testing.AllocsPerRun(20, func() {
		pd.Forward(y, x, m, Key{Offset: 3})
		pd.Backward(y, x, m)
		pd.BackwardKey(y, x, Key{})
		pd.Infer(y, x)
	}); a != 0 {
		t.Fatalf("Parallel calls allocate %v per run", a)
	}
}

// BenchmarkParallel: Forward with a mask and Backward on every path, one
// worker against two, for the speed-up, for each element type.
func BenchmarkParallel(b *testing.B) {
	b.Run("float32", benchParallel[float32])
	b.Run("float64", benchParallel[float64])
}

func benchParallel[T Float](b *testing.B) {
	d, _ := New[T](0.5, Inverted)
	es := int(unsafe.Sizeof(*new(T)))
	for _, n := range benchN(262144, 16777216) {
		r := rand.New(rand.NewPCG(1, uint64(n)))
		x, y, mask := make([]T, n), make([]T, n), randomWords(r, MaskLen(n))
		for i := range x {
			x[i] = T(r.Float64()*2 - 1)
		}
		copy(y, x) // touch y's pages now, not in the first benchmark that writes it
		for _, k := range available {
			for _, w := range []int{1, 2} {
				pd := d.Parallel(w)
				b.Run(fmt.Sprintf("Forward/%s/workers=%d/n=%d", k.name, w, n), func(b *testing.B) {
					withPath(k, func() {
						b.SetBytes(int64(2 * es * n))
						b.ReportAllocs()
						for b.Loop() {
							pd.Forward(y, x, mask, Key{Seed: 1})
						}
					})
				})
				b.Run(fmt.Sprintf("Backward/%s/workers=%d/n=%d", k.name, w, n), func(b *testing.B) {
					withPath(k, func() {
						b.SetBytes(int64(2 * es * n))
						b.ReportAllocs()
						for b.Loop() {
							pd.Backward(y, x, mask)
						}
					})
				})
			}
		}
	}
}
