package dropout

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuickRef(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 63, 64, 65, 1000, 8192, 8193, 20000} {
		for _, off := range []uint64{0, 1, 17, 64, 8191, 8192 - 100, 1 << 40} {
			key := Key{Seed: 42, Offset: off}
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(i) - 0.5
			}
			for _, mode := range []Mode{Classic, Inverted} {
				d, _ := New(0.3, mode)
				y := make([]float32, n)
				m := make(Mask, MaskLen(n))
				for i := range m {
					m[i] = ^uint64(0)
				}
				d.Forward(y, x, m, key)
				ry, rk := refForward(0.3, mode, x, key)
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(ry[i]) || m.Kept(i) != rk[i] {
						t.Fatalf("n=%d off=%d mode=%v i=%d: y=%v ref %v keep %v ref %v", n, off, mode, i, y[i], ry[i], m.Kept(i), rk[i])
					}
				}
				if n%64 != 0 && m[len(m)-1]>>uint(n%64) != 0 {
					t.Fatalf("stale bits")
				}
				u := make([]uint32, n)
				Draws(u, key)
				ru := refDraws(key, n)
				for i := range u {
					if u[i] != ru[i] {
						t.Fatalf("draws n=%d off=%d i=%d", n, off, i)
					}
				}
			}
		}
	}
}

func BenchmarkQuick(b *testing.B) {
	for _, n := range []int{4096, 262144} {
		x := make([]float32, n)
		y := make([]float32, n)
		m := make(Mask, MaskLen(n))
		d, _ := New(0.5, Inverted)
		b.Run("fwd", func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for i := 0; i < b.N; i++ {
				d.Forward(y, x, m, Key{1, 0})
			}
		})
		b.Run("naive", func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			r := rand.New(rand.NewPCG(1, 2))
			for i := 0; i < b.N; i++ {
				for j := range x {
					if r.Float32() > 0.5 {
						y[j] = x[j] * 2
					} else {
						y[j] = 0
					}
				}
			}
		})
		b.Run("copy", func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for i := 0; i < b.N; i++ {
				copy(y, x)
			}
		})
	}
	b.Run("seed", func(b *testing.B) {
		var st lanes
		for i := 0; i < b.N; i++ {
			st.seedBlock(7, uint64(i))
		}
	})
}
