package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// The fused ops against the unfused sequence in T, element by element
// (refBiasDropoutAdd in ref_test.go), for both element types.

func TestFusedAgainstReference(t *testing.T) {
	forEachType(t, testFusedAgainstReference[float32], testFusedAgainstReference[float64])
}

func testFusedAgainstReference[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	biasLens := []int{1, 3, 16, 17, 63, 64, 100, 1000}
	forEachPath(t, func(t *testing.T, k *path) {
		for it, nb := range biasLens {
			for _, rows := range []int{0, 1, 2, 7, 40} {
				n := nb * rows
				if n > 3*BlockSize {
					continue
				}
				x, res, bias := specialInputs[T](r, n), specialInputs[T](r, n), specialInputs[T](r, nb)
				for _, mode := range []Mode{Classic, Inverted} {
					p := testPs[(it+rows)%len(testPs)]
					d, _ := New[T](p, mode)
					key := Key{Seed: uint64(n), Offset: testOffsets[(it+rows)%len(testOffsets)]}
					where := fmt.Sprintf("%s nb=%d rows=%d %v key=%+v", k.name, nb, rows, d, key)
					wantMask := make(Mask, MaskLen(n))
					d.Forward(make([]T, n), x, wantMask, key)

					// DropoutAdd, out of place, in place on x and on residual.
					want := refBiasDropoutAdd(p, mode, x, nil, res, key)
					y, m := make([]T, n), filled(MaskLen(n), ^uint64(0))
					d.DropoutAdd(y, x, res, m, key)
					sameFloats(t, where+" DropoutAdd", y, want)
					sameMask(t, where+" DropoutAdd mask", m, wantMask)
					y = append(y[:0], x...)
					d.DropoutAdd(y, y, res, nil, key)
					sameFloats(t, where+" DropoutAdd y=x", y, want)
					y = append(y[:0], res...)
					d.DropoutAdd(y, x, y, nil, key)
					sameFloats(t, where+" DropoutAdd y=residual", y, want)

					// BiasDropoutAdd.
					want = refBiasDropoutAdd(p, mode, x, bias, res, key)
					y, m = make([]T, n), filled(MaskLen(n), ^uint64(0))
					d.BiasDropoutAdd(y, x, bias, res, m, key)
					sameFloats(t, where+" BiasDropoutAdd", y, want)
					sameMask(t, where+" BiasDropoutAdd mask", m, wantMask)
					y = append(y[:0], x...)
					d.BiasDropoutAdd(y, y, bias, res, nil, key)
					sameFloats(t, where+" BiasDropoutAdd y=x", y, want)
					y = append(y[:0], res...)
					d.BiasDropoutAdd(y, x, bias, y, nil, key)
					sameFloats(t, where+" BiasDropoutAdd y=residual", y, want)

					// Backward: dx = dy*factor, dbias = row-order column sums.
					dy := specialInputs[T](r, n)
					wantDX := make([]T, n)
					d.BackwardKey(wantDX, dy, key)
					wantDB := make([]T, nb)
					for j := range wantDB {
						if rows > 0 {
							wantDB[j] = wantDX[j]
						}
						for row := 1; row < rows; row++ {
							wantDB[j] = wantDB[j] + wantDX[row*nb+j]
						}
					}
					dx, db := make([]T, n), specialInputs[T](r, nb)
					d.BiasDropoutAddBackward(dx, db, dy, m)
					sameFloats(t, where+" backward dx", dx, wantDX)
					sameFloats(t, where+" backward dbias", db, wantDB)
					db = specialInputs[T](r, nb)
					d.BiasDropoutAddBackwardKey(dx, db, dy, key)
					sameFloats(t, where+" backward key dx", dx, wantDX)
					sameFloats(t, where+" backward key dbias", db, wantDB)
				}
			}
		}
	})
}

// TestFusedParallel: chunk boundaries that cut rows of the bias.
func TestFusedParallel(t *testing.T) {
	forEachType(t, testFusedParallel[float32], testFusedParallel[float64])
}

func testFusedParallel[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, nb := range []int{1000, 4096, 77} {
		n := nb * (parMinAsm/nb + 3)
		x, res, bias := specialInputs[T](r, n), specialInputs[T](r, n), specialInputs[T](r, nb)
		d, _ := New[T](0.2, Inverted)
		key := Key{Seed: 3, Offset: 1000}
		want := make([]T, n)
		wm := make(Mask, MaskLen(n))
		d.BiasDropoutAdd(want, x, bias, res, wm, key)
		wantAdd := make([]T, n)
		d.DropoutAdd(wantAdd, x, res, nil, key)
		t.Run(fmt.Sprint("nb=", nb), func(t *testing.T) {
			forEachPath(t, func(t *testing.T, k *path) {
				for w := 2; w <= 8; w++ {
					pd := d.Parallel(w)
					where := fmt.Sprintf("%s nb=%d workers=%d", k.name, nb, w)
					y, m := make([]T, n), make(Mask, MaskLen(n))
					pd.BiasDropoutAdd(y, x, bias, res, m, key)
					sameFloats(t, where+" BiasDropoutAdd", y, want)
					sameMask(t, where+" BiasDropoutAdd", m, wm)
					pd.DropoutAdd(y, x, res, nil, key)
					sameFloats(t, where+" DropoutAdd", y, wantAdd)
				}
			})
		})
	}
}

func TestFusedPanics(t *testing.T) {
	forEachType(t, testFusedPanics[float32], testFusedPanics[float64])
}

func testFusedPanics[T Float](t *testing.T) {
	d, _ := New[T](0.5, Inverted)
	x := make([]T, 100)
	mustPanic(t, []string{"Dropout.DropoutAdd", "len(residual) = 99"}, func() { d.DropoutAdd(x, x, make([]T, 99), nil, Key{}) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "len(x) = 100", "len(bias) = 7"}, func() { d.BiasDropoutAdd(x, x, make([]T, 7), x, nil, Key{}) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "len(bias) = 0"}, func() { d.BiasDropoutAdd(x, x, nil, x, nil, Key{}) })
	mustPanic(t, []string{"Dropout.BiasDropoutAddBackward", "len(dbias) = 3"}, func() { d.BiasDropoutAddBackward(x, make([]T, 3), x, make(Mask, 2)) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "partly overlap", "y starts 1 element after x"}, func() {
		buf := make([]T, 300)
		d.BiasDropoutAdd(buf[1:101], buf[:100], make([]T, 10), buf[200:], nil, Key{})
	})
}

// BenchmarkFused: BiasDropoutAdd against the unfused sequence of calls
// (x+bias, Forward, +residual), BiasDropoutAddBackward and DropoutAdd, at
// n = 262144 and 16777216, rows of 1024, for each element type.
func BenchmarkFused(b *testing.B) {
	b.Run("float32", benchFused[float32])
	b.Run("float64", benchFused[float64])
}

func benchFused[T Float](b *testing.B) {
	d, _ := New[T](0.1, Inverted)
	es := int(unsafe.Sizeof(*new(T)))
	for _, n := range benchN(262144, 16777216) {
		nb := 1024
		x, res, bias, y, t := make([]T, n), make([]T, n), make([]T, nb), make([]T, n), make([]T, n)
		m := make(Mask, MaskLen(n))
		for _, k := range available {
			b.Run(fmt.Sprintf("BiasDropoutAdd/%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(3 * es * n))
					for b.Loop() {
						d.BiasDropoutAdd(y, x, bias, res, m, Key{Seed: 1})
					}
				})
			})
			b.Run(fmt.Sprintf("Unfused/%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(3 * es * n))
					for b.Loop() {
						for r := 0; r < n; r += nb {
							add(k, t[r:r+nb], x[r:r+nb], bias)
						}
						d.Forward(t, t, m, Key{Seed: 1})
						add(k, y, res, t)
					}
				})
			})
			b.Run(fmt.Sprintf("BiasDropoutAddBackward/%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(2 * es * n))
					for b.Loop() {
						d.BiasDropoutAddBackward(t, bias, y, m)
					}
				})
			})
			b.Run(fmt.Sprintf("DropoutAdd/%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(3 * es * n))
					for b.Loop() {
						d.DropoutAdd(y, x, res, m, Key{Seed: 1})
					}
				})
			})
		}
	}
}

// TestDropoutAddNoFMA: on every path, through the public calls (heads,
// bodies and tails), each product is rounded to T before the add. With
// x = s = Scale() and residual = -T(s*s), a kept element must come out +0
// exactly where a fused multiply-add gives the rounding error of s*s; a
// dropped one is residual + x*0 = residual.
func TestDropoutAddNoFMA(t *testing.T) {
	forEachType(t, testDropoutAddNoFMA[float32], testDropoutAddNoFMA[float64])
}

func testDropoutAddNoFMA[T Float](t *testing.T) {
	d, _ := New[T](0.1, Inverted)
	s := d.Scale()
	r := -T(s * s)
	if fma := T(math.FMA(float64(s), float64(s), float64(r))); fma == 0 {
		t.Fatalf("the input does not tell a fused multiply-add apart")
	}
	const n = 3000
	x, res, bias := make([]T, n), make([]T, n), make([]T, 10)
	for i := range x {
		x[i], res[i] = s, r
	}
	forEachPath(t, func(t *testing.T, k *path) {
		for _, off := range []uint64{0, 3, BlockSize - 100} {
			y, y2, m := make([]T, n), make([]T, n), make(Mask, MaskLen(n))
			d.DropoutAdd(y, x, res, m, Key{Seed: 5, Offset: off})
			d.BiasDropoutAdd(y2, x, bias, res, nil, Key{Seed: 5, Offset: off})
			for i := range y {
				want := uint64(0)
				if !m.Kept(i) {
					want = fbits(r)
				}
				if fbits(y[i]) != want || fbits(y2[i]) != want {
					t.Fatalf("%s off=%d: element %d (kept %v) = %g / %g, want bits %#x (a fused multiply-add?)", k.name, off, i, m.Kept(i), y[i], y2[i], want)
				}
			}
		}
	})
}
