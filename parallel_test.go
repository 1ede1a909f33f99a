package dropout

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestParallelSameBits: for 1..8 workers, chunk boundaries that cut mask
// words and RNG blocks, and unaligned offsets, a Parallel Dropout[float32] gives the
// serial bits for every operation, on every path.
func TestParallelSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sizes := []int{parMinGeneric - 1, parMinGeneric, parMinGeneric + 1, 100000 + 17, 15*BlockSize + 13, parMinAsm - 1, parMinAsm + 77}
	if testing.Short() {
		sizes = []int{parMinGeneric + 1, 100000 + 17, parMinAsm + 77}
	}
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range sizes {
			x := specialInputs(r, n)
			for _, mode := range []Mode{Classic, Inverted} {
				d, _ := New[float32](0.37, mode)
				for _, off := range []uint64{0, 37, BlockSize - 5} {
					key := Key{Seed: uint64(n), Offset: off}
					wantY := make([]float32, n)
					wantM := make(Mask, MaskLen(n))
					d.Forward(wantY, x, wantM, key)
					wantDX := make([]float32, n)
					d.Backward(wantDX, x, wantM)
					wantI := make([]float32, n)
					d.Infer(wantI, x)
					for w := 1; w <= 8; w++ {
						pd := d.Parallel(w)
						where := fmt.Sprintf("%s n=%d %v off=%d workers=%d", k.name, n, mode, off, w)
						y := make([]float32, n)
						m := filled(MaskLen(n), ^uint64(0))
						pd.Forward(y, x, m, key)
						sameF32(t, where+" Forward", y, wantY)
						for i := range m {
							if m[i] != wantM[i] {
								t.Fatalf("%s: mask word %d = %#x, want %#x", where, i, m[i], wantM[i])
							}
						}
						pd.Backward(y, x, m)
						sameF32(t, where+" Backward", y, wantDX)
						pd.BackwardKey(y, x, key)
						sameF32(t, where+" BackwardKey", y, wantDX)
						pd.Infer(y, x)
						sameF32(t, where+" Infer", y, wantI)
						copy(y, x)
						pd.Forward(y, y, nil, key)
						sameF32(t, where+" Forward in place", y, wantY)
					}
				}
			}
		}
	})
}

func TestParallelAPI(t *testing.T) {
	d, _ := New[float32](0.5, Inverted)
	if d.Workers() != 1 || d.Parallel(1).Workers() != 1 || d.Parallel(3).Workers() != 3 || d.Parallel(0).Workers() < 1 {
		t.Fatal("Workers")
	}
	if !strings.Contains(d.Parallel(3).String(), "3 workers") {
		t.Fatal(d.Parallel(3).String())
	}
	mustPanic(t, []string{"Dropout.Parallel", "-2"}, func() { d.Parallel(-2) })
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	n := parMinAsm + 100
	x, y, m := make([]float32, n), make([]float32, n), make(Mask, MaskLen(n))
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
// worker against two, for the speed-up.
func BenchmarkParallel(b *testing.B) {
	d, _ := New[float32](0.5, Inverted)
	for _, n := range benchN(262144, 16777216) {
		bf := bufs(n)
		for _, k := range available {
			for _, w := range []int{1, 2} {
				pd := d.Parallel(w)
				b.Run(fmt.Sprintf("Forward/%s/workers=%d/n=%d", k.name, w, n), func(b *testing.B) {
					withPath(k, func() {
						b.SetBytes(int64(8 * n))
						b.ReportAllocs()
						for b.Loop() {
							pd.Forward(bf.y, bf.x, bf.mask, Key{Seed: 1})
						}
					})
				})
				b.Run(fmt.Sprintf("Backward/%s/workers=%d/n=%d", k.name, w, n), func(b *testing.B) {
					withPath(k, func() {
						b.SetBytes(int64(8 * n))
						b.ReportAllocs()
						for b.Loop() {
							pd.Backward(bf.y, bf.x, bf.mask)
						}
					})
				})
			}
		}
	}
}
