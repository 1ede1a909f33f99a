package dropout

import "math"

// The reference: the semantics of the package doc written element by
// element, with its own SplitMix64 and xoshiro128+ and nothing shared with
// the kernels.

type refXoshiro struct{ s [4]uint32 }

func (g *refXoshiro) next() uint32 {
	r := g.s[0] + g.s[3]
	t := g.s[1] << 9
	g.s[2] ^= g.s[0]
	g.s[3] ^= g.s[1]
	g.s[1] ^= g.s[2]
	g.s[0] ^= g.s[3]
	g.s[2] ^= t
	g.s[3] = g.s[3]<<11 | g.s[3]>>21
	return r
}

type refSplitMix struct{ state uint64 }

func (g *refSplitMix) next() uint64 {
	g.state += 0x9e3779b97f4a7c15
	z := g.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// refDraws returns u_i for stream positions key.Offset+i, i < n.
func refDraws(key Key, n int) []uint32 {
	out := make([]uint32, n)
	base := (&refSplitMix{key.Seed - 0x9e3779b97f4a7c15}).next() // mix64(Seed)
	var gens [16]refXoshiro
	var produced [16]int
	cur := uint64(0)
	for i := range out {
		q := key.Offset + uint64(i)
		b, j := q/8192, int(q%8192)
		if i == 0 || b != cur {
			cur = b
			sm := refSplitMix{base + b*32*0x9e3779b97f4a7c15}
			for l := range gens {
				a, c := sm.next(), sm.next()
				gens[l] = refXoshiro{[4]uint32{uint32(a), uint32(a >> 32), uint32(c), uint32(c >> 32)}}
				produced[l] = 0
			}
		}
		l, t := j%16, j/16
		for produced[l] < t {
			gens[l].next()
			produced[l]++
		}
		out[i] = gens[l].next() >> 8
		produced[l]++
	}
	return out
}

// refForward is Forward element by element: it returns y and the keep bits.
func refForward(p float64, mode Mode, x []float32, key Key) ([]float32, []bool) {
	thr := uint32(math.Floor(p * 16777216))
	s := float32(1)
	if mode == Inverted {
		s = float32(1 / (1 - p))
	}
	u := refDraws(key, len(x))
	y := make([]float32, len(x))
	keep := make([]bool, len(x))
	for i := range x {
		keep[i] = u[i] >= thr
		f := float32(0)
		if keep[i] {
			f = s
		}
		y[i] = x[i] * f
	}
	return y, keep
}
