package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, size := range []int{1, 3, 16, 63, 64, 65, 500} {
			for _, chans := range []int{0, 1, 5, 64, 65, 1023, 1025, 2100} {
				if size*chans > 1<<20 {
					continue
				}
				n := size * chans
				x := specialInputs(r, n)
				for _, mode := range []Mode{Classic, Inverted} {
					d, _ := New[float32](0.4, mode)
					key := Key{Seed: uint64(size), Offset: uint64(chans) * 977}
					where := fmt.Sprintf("%s size=%d chans=%d %v", k.name, size, chans, d)
					u := refDraws(key, chans)
					want := make([]float32, n)
					for c := 0; c < chans; c++ {
						f := float32(0)
						if u[c] >= d.Threshold() {
							f = d.Scale()
						}
						for j := c * size; j < (c+1)*size; j++ {
							want[j] = x[j] * f
						}
					}
					y, m := make([]float32, n), filled(MaskLen(chans)+1, ^uint64(0))
					d.ForwardChannels(y, x, size, m, key)
					sameF32(t, where, y, want)
					for c := 0; c < chans; c++ {
						if m.Kept(c) != (u[c] >= d.Threshold()) {
							t.Fatalf("%s: keep bit %d", where, c)
						}
					}
					if chans%64 != 0 && m[chans/64]>>uint(chans%64) != 0 || m[MaskLen(chans)] != ^uint64(0) {
						t.Fatalf("%s: mask bits past the channels", where)
					}
					y = append(y[:0], x...)
					d.ForwardChannels(y, y, size, nil, key)
					sameF32(t, where+" in place", y, want)
					d.BackwardChannels(y, x, size, m)
					sameF32(t, where+" backward", y, want)
					d.BackwardChannelsKey(y, x, size, key)
					sameF32(t, where+" backward key", y, want)
				}
			}
		}
	})
	d, _ := New[float32](0.5, Classic)
	mustPanic(t, []string{"Dropout.ForwardChannels", "len(x) = 10", "size 3"}, func() { d.ForwardChannels(make([]float32, 10), make([]float32, 10), 3, nil, Key{}) })
	mustPanic(t, []string{"Dropout.ForwardChannels", "size = 0", "at least 1 element"}, func() { d.ForwardChannels(nil, nil, 0, nil, Key{}) })
	mustPanic(t, []string{"Dropout.BackwardChannels", "MaskLen(65) = 2"}, func() { d.BackwardChannels(make([]float32, 65), make([]float32, 65), 1, make(Mask, 1)) })
}
