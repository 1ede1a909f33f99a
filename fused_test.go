package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refBiasDropoutAdd is the unfused float32 sequence, element by element:
// t = x + bias, p = t*factor, y = residual + p. bias nil: no bias.
func refBiasDropoutAdd(d Dropout[float32], x, bias, res []float32, key Key) []float32 {
	u := refDraws(key, len(x))
	y := make([]float32, len(x))
	for i := range x {
		t := x[i]
		if bias != nil {
			t = float32(t + bias[i%len(bias)])
		}
		f := float32(0)
		if u[i] >= d.Threshold() {
			f = d.Scale()
		}
		p := float32(t * f)
		y[i] = res[i] + p
	}
	return y
}

func TestFusedAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	biasLens := []int{1, 3, 16, 17, 63, 64, 100, 1000}
	forEachPath(t, func(t *testing.T, k *path) {
		for it, nb := range biasLens {
			for _, rows := range []int{0, 1, 2, 7, 40} {
				n := nb * rows
				if n > 3*BlockSize {
					continue
				}
				x, res, bias := specialInputs(r, n), specialInputs(r, n), specialInputs(r, nb)
				for _, mode := range []Mode{Classic, Inverted} {
					d, _ := New[float32](testPs[(it+rows)%len(testPs)], mode)
					key := Key{Seed: uint64(n), Offset: testOffsets[(it+rows)%len(testOffsets)]}
					where := fmt.Sprintf("%s nb=%d rows=%d %v key=%+v", k.name, nb, rows, d, key)
					wantMask := make(Mask, MaskLen(n))
					d.Forward(make([]float32, n), x, wantMask, key)

					// DropoutAdd, out of place, in place on x and on residual.
					want := refBiasDropoutAdd(d, x, nil, res, key)
					y, m := make([]float32, n), filled(MaskLen(n), ^uint64(0))
					d.DropoutAdd(y, x, res, m, key)
					sameF32(t, where+" DropoutAdd", y, want)
					sameMask(t, where+" DropoutAdd mask", m, wantMask)
					y = append(y[:0], x...)
					d.DropoutAdd(y, y, res, nil, key)
					sameF32(t, where+" DropoutAdd y=x", y, want)
					y = append(y[:0], res...)
					d.DropoutAdd(y, x, y, nil, key)
					sameF32(t, where+" DropoutAdd y=residual", y, want)

					// BiasDropoutAdd.
					want = refBiasDropoutAdd(d, x, bias, res, key)
					y, m = make([]float32, n), filled(MaskLen(n), ^uint64(0))
					d.BiasDropoutAdd(y, x, bias, res, m, key)
					sameF32(t, where+" BiasDropoutAdd", y, want)
					sameMask(t, where+" BiasDropoutAdd mask", m, wantMask)
					y = append(y[:0], x...)
					d.BiasDropoutAdd(y, y, bias, res, nil, key)
					sameF32(t, where+" BiasDropoutAdd y=x", y, want)

					// Backward: dx = dy*factor, dbias = row-order column sums.
					dy := specialInputs(r, n)
					wantDX := make([]float32, n)
					d.BackwardKey(wantDX, dy, key)
					wantDB := make([]float32, nb)
					for j := range wantDB {
						if rows > 0 {
							wantDB[j] = wantDX[j]
						}
						for row := 1; row < rows; row++ {
							wantDB[j] = wantDB[j] + wantDX[row*nb+j]
						}
					}
					dx, db := make([]float32, n), specialInputs(r, nb)
					d.BiasDropoutAddBackward(dx, db, dy, m)
					sameF32(t, where+" backward dx", dx, wantDX)
					sameF32(t, where+" backward dbias", db, wantDB)
					db = specialInputs(r, nb)
					d.BiasDropoutAddBackwardKey(dx, db, dy, key)
					sameF32(t, where+" backward key dx", dx, wantDX)
					sameF32(t, where+" backward key dbias", db, wantDB)
				}
			}
		}
	})
}

// TestFusedParallel: chunk boundaries that cut rows of the bias.
func TestFusedParallel(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, nb := range []int{1000, 4096, 77} {
		n := nb * (parMinAsm/nb + 3)
		x, res, bias := specialInputs(r, n), specialInputs(r, n), specialInputs(r, nb)
		d, _ := New[float32](0.2, Inverted)
		key := Key{Seed: 3, Offset: 1000}
		want := make([]float32, n)
		wm := make(Mask, MaskLen(n))
		d.BiasDropoutAdd(want, x, bias, res, wm, key)
		wantAdd := make([]float32, n)
		d.DropoutAdd(wantAdd, x, res, nil, key)
		forEachPath(t, func(t *testing.T, k *path) {
			for w := 2; w <= 8; w++ {
				pd := d.Parallel(w)
				y, m := make([]float32, n), make(Mask, MaskLen(n))
				pd.BiasDropoutAdd(y, x, bias, res, m, key)
				sameF32(t, fmt.Sprintf("%s nb=%d workers=%d", k.name, nb, w), y, want)
				sameMask(t, "parallel mask", m, wm)
				pd.DropoutAdd(y, x, res, nil, key)
				sameF32(t, "parallel DropoutAdd", y, wantAdd)
			}
		})
	}
}

func TestFusedPanics(t *testing.T) {
	d, _ := New[float32](0.5, Inverted)
	x := make([]float32, 100)
	mustPanic(t, []string{"Dropout.DropoutAdd", "len(residual) = 99"}, func() { d.DropoutAdd(x, x, make([]float32, 99), nil, Key{}) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "len(x) = 100", "len(bias) = 7"}, func() { d.BiasDropoutAdd(x, x, make([]float32, 7), x, nil, Key{}) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "len(bias) = 0"}, func() { d.BiasDropoutAdd(x, x, nil, x, nil, Key{}) })
	mustPanic(t, []string{"Dropout.BiasDropoutAddBackward", "len(dbias) = 3"}, func() { d.BiasDropoutAddBackward(x, make([]float32, 3), x, make(Mask, 2)) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "partly overlap"}, func() {
		buf := make([]float32, 300)
		d.BiasDropoutAdd(buf[1:101], buf[:100], make([]float32, 10), buf[200:], nil, Key{})
	})
}

// BenchmarkFused: BiasDropoutAdd against the unfused sequence of calls
// (x+bias, Forward, +residual), BiasDropoutAddBackward and DropoutAdd, at
// n = 262144 and 16777216, rows of 1024.
func BenchmarkFused(b *testing.B) {
	d, _ := New[float32](0.1, Inverted)
	for _, n := range benchN(262144, 16777216) {
		nb := 1024
		x, res, bias, y, t := make([]float32, n), make([]float32, n), make([]float32, nb), make([]float32, n), make([]float32, n)
		m := make(Mask, MaskLen(n))
		for _, k := range available {
			b.Run(fmt.Sprintf("BiasDropoutAdd/%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(12 * n))
					for b.Loop() {
						d.BiasDropoutAdd(y, x, bias, res, m, Key{Seed: 1})
					}
				})
			})
			b.Run(fmt.Sprintf("Unfused/%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(12 * n))
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
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						d.BiasDropoutAddBackward(t, bias, y, m)
					}
				})
			})
			b.Run(fmt.Sprintf("DropoutAdd/%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(12 * n))
					for b.Loop() {
						d.DropoutAdd(y, x, res, m, Key{Seed: 1})
					}
				})
			})
		}
	}
}

// TestDropoutAddNoFMA: on every path, through the public calls (heads,
// bodies and tails), each product is rounded before the add. With x = s =
// Scale() and residual = -float32(s*s), a kept element must come out +0
// exactly where a fused multiply-add gives the rounding error of s*s; a
// dropped one is residual + x*0 = residual.
func TestDropoutAddNoFMA(t *testing.T) {
	d, _ := New[float32](0.1, Inverted)
	s := d.Scale()
	r := -(s * s)
	if fma := float32(math.FMA(float64(s), float64(s), float64(r))); fma == 0 {
		t.Fatalf("the input does not tell a fused multiply-add apart")
	}
	const n = 3000
	x, res, bias := make([]float32, n), make([]float32, n), make([]float32, 10)
	for i := range x {
		x[i], res[i] = s, r
	}
	forEachPath(t, func(t *testing.T, k *path) {
		for _, off := range []uint64{0, 3, BlockSize - 100} {
			y, y2, m := make([]float32, n), make([]float32, n), make(Mask, MaskLen(n))
			d.DropoutAdd(y, x, res, m, Key{Seed: 5, Offset: off})
			d.BiasDropoutAdd(y2, x, bias, res, nil, Key{Seed: 5, Offset: off})
			for i := range y {
				want := uint32(0)
				if !m.Kept(i) {
					want = math.Float32bits(r)
				}
				if math.Float32bits(y[i]) != want || math.Float32bits(y2[i]) != want {
					t.Fatalf("%s off=%d: element %d (kept %v) = %g / %g, want bits %#x (a fused multiply-add?)", k.name, off, i, m.Kept(i), y[i], y2[i], want)
				}
			}
		}
	})
}
