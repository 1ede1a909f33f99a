package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestChannels: ForwardChannels, BackwardChannels and BackwardChannelsKey
// on every path against the reference (one draw per channel, every element
// of a channel times its factor), the mask's bits past the channels and
// past MaskLen(C), in place, and the panics.
func TestChannels(t *testing.T) {
	forEachType(t, testChannels[float32], testChannels[float64])
}

func testChannels[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, size := range []int{1, 3, 7, 16, 49, 63, 64, 65, 500, 8193} {
			for _, chans := range []int{0, 1, 5, 64, 65, 1023, 1025, 2100} {
				if size*chans > 1<<20 {
					continue
				}
				n := size * chans
				x := specialInputs[T](r, n)
				for _, mode := range []Mode{Classic, Inverted} {
					const p = 0.4
					d, _ := New[T](p, mode)
					key := Key{Seed: uint64(size), Offset: uint64(chans) * 977}
					where := fmt.Sprintf("%s size=%d chans=%d %v", k.name, size, chans, d)
					u := refDraws(key, chans)
					thr, s := refThreshold(p), refScale[T](p, mode)
					want := make([]T, n)
					for c := 0; c < chans; c++ {
						var f T
						if u[c] >= thr {
							f = s
						}
						for j := c * size; j < (c+1)*size; j++ {
							want[j] = x[j] * f
						}
					}
					y, m := make([]T, n), filled(MaskLen(chans)+1, ^uint64(0))
					d.ForwardChannels(y, x, size, m, key)
					sameFloats(t, where, y, want)
					for c := 0; c < chans; c++ {
						if m.Kept(c) != (u[c] >= thr) {
							t.Fatalf("%s: keep bit %d", where, c)
						}
					}
					if chans%64 != 0 && m[chans/64]>>uint(chans%64) != 0 || m[MaskLen(chans)] != ^uint64(0) {
						t.Fatalf("%s: mask bits past the channels", where)
					}
					y = append(y[:0], x...)
					d.ForwardChannels(y, y, size, nil, key)
					sameFloats(t, where+" in place", y, want)
					d.BackwardChannels(y, x, size, m)
					sameFloats(t, where+" backward", y, want)
					d.BackwardChannelsKey(y, x, size, key)
					sameFloats(t, where+" backward key", y, want)
				}
			}
		}
	})
	d, _ := New[T](0.5, Classic)
	mustPanic(t, []string{"Dropout.ForwardChannels", "len(x) = 10", "size 3"}, func() { d.ForwardChannels(make([]T, 10), make([]T, 10), 3, nil, Key{}) })
	mustPanic(t, []string{"Dropout.ForwardChannels", "size = 0", "at least 1 element"}, func() { d.ForwardChannels(nil, nil, 0, nil, Key{}) })
	mustPanic(t, []string{"Dropout.BackwardChannels", "MaskLen(65) = 2"}, func() { d.BackwardChannels(make([]T, 65), make([]T, 65), 1, make(Mask, 1)) })
}

// BenchmarkChannels: ForwardChannels (with a mask) and BackwardChannels of
// 1 MiB of x on the active path, for channels of 1 element (N x C), 49
// (a 7x7 feature map) and 1024 (32x32): per-element time against
// BenchmarkCopy of the same n; small channels cost the spreading of their
// keep bits over the elements.
func BenchmarkChannels(b *testing.B) {
	benchChannels[float32](b)
	benchChannels[float64](b)
}

func benchChannels[T Float](b *testing.B) {
	d, _ := New[T](0.5, Inverted)
	for _, size := range []int{1, 49, 1024} {
		n := (1 << 20) / elemSize[T]() / size * size
		bf := benchOperandsFor[T](n)
		m := make(Mask, MaskLen(n/size))
		b.Run(fmt.Sprintf("forward/%s/size=%d/n=%d", typeName[T](), size, n), func(b *testing.B) {
			b.SetBytes(int64(2 * elemSize[T]() * n))
			b.ReportAllocs()
			for b.Loop() {
				d.ForwardChannels(bf.y, bf.x, size, m, Key{Seed: 1})
			}
		})
		b.Run(fmt.Sprintf("backward/%s/size=%d/n=%d", typeName[T](), size, n), func(b *testing.B) {
			b.SetBytes(int64(2 * elemSize[T]() * n))
			b.ReportAllocs()
			for b.Loop() {
				d.BackwardChannels(bf.y, bf.x, size, m)
			}
		})
	}
}
