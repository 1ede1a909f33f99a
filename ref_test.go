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

// refThreshold is T = floor(p * 2^24): kept iff u >= T.
func refThreshold(p float64) uint32 { return uint32(math.Floor(p * 16777216)) }

// refScale is the keep factor of a kept element: 1 for Classic, T(1/(1-p))
// for Inverted (the division in float64, then one rounding to T; +Inf for
// p = 1).
func refScale[T Float](p float64, mode Mode) T {
	if mode == Inverted {
		return T(1 / (1 - p))
	}
	return 1
}

// refInferScale is Infer's factor: T(1-p) for Classic (the subtraction in
// float64, then one rounding to T), 1 for Inverted.
func refInferScale[T Float](p float64, mode Mode) T {
	if mode == Classic {
		return T(1 - p)
	}
	return 1
}

// refForward is Forward element by element: it returns y = x * factor, a
// real multiply in T, and the keep bits.
func refForward[T Float](p float64, mode Mode, x []T, key Key) ([]T, []bool) {
	thr, s := refThreshold(p), refScale[T](p, mode)
	u := refDraws(key, len(x))
	y := make([]T, len(x))
	keep := make([]bool, len(x))
	for i := range x {
		keep[i] = u[i] >= thr
		var f T
		if keep[i] {
			f = s
		}
		y[i] = x[i] * f
	}
	return y, keep
}

// refBiasDropoutAdd is the unfused sequence in T, element by element:
// t = T(x + bias), q = T(t * factor), y = residual + q. bias nil: no bias,
// t = x (DropoutAdd).
func refBiasDropoutAdd[T Float](p float64, mode Mode, x, bias, res []T, key Key) []T {
	thr, s := refThreshold(p), refScale[T](p, mode)
	u := refDraws(key, len(x))
	y := make([]T, len(x))
	for i := range x {
		t := x[i]
		if bias != nil {
			t = T(t + bias[i%len(bias)])
		}
		var f T
		if u[i] >= thr {
			f = s
		}
		q := T(t * f)
		y[i] = res[i] + q
	}
	return y
}
