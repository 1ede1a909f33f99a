package dropout

import (
	"math"
	"math/bits"
)

// The pure-Go kernels. They are compiled on every architecture and with every
// build tag, so that each assembly path is tested against them, and they are
// the path used under the purego tag and on architectures without assembly.
//
// The stream kernels (fwdGeneric, drawsGeneric) take a lane state positioned
// at lane 0 of some step and a length that is a multiple of 64, so that their
// keep bits fill whole mask words; the driver in kernel.go does heads and
// tails element by element. They walk the lanes one at a time over a chunk
// of chunkSteps steps, so each lane's four state words stay in registers;
// x, y and the keep-bit words of a chunk stay in L1 meanwhile.

const chunkSteps = 64 // steps per lane pass: 1024 elements, 16 mask words

// fwdGeneric is the reference Forward kernel: for i in [0, len(x)),
// keep_i = u_i >= thr, y[i] = x[i] * (keep_i ? scale : 0), and keep_i is bit
// i%64 of bits[i/64] when bits is not nil. len(x) is a multiple of 64,
// len(y) == len(x), and st advances by len(x)/16 steps.
func fwdGeneric(st *lanes, y, x []float32, bits []uint64, thr uint32, scale float32) {
	sb := math.Float32bits(scale)
	var w [chunkSteps / 4]uint64
	for len(x) > 0 {
		n := min(len(x), chunkSteps*Lanes)
		groups := n / 64
		w = [chunkSteps / 4]uint64{}
		for l := 0; l < Lanes; l++ {
			fwdLane(st, l, y[:n], x[:n], &w, thr, sb)
		}
		if bits != nil {
			copy(bits, w[:groups])
			bits = bits[groups:]
		}
		x, y = x[n:], y[n:]
	}
}

// fwdLane runs lane l of st over elements l, l+16, l+32, ... of x (a
// multiple of 64 elements, at most chunkSteps*Lanes), ORing its keep bits
// into w. Four steps per iteration: one mask word's worth of this lane.
func fwdLane(st *lanes, l int, y, x []float32, w *[chunkSteps / 4]uint64, thr, sb uint32) {
	s0, s1, s2, s3 := st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]
	for g := 0; g < len(x)/64; g++ {
		xg := x[g*64+l:][:49]
		yg := y[g*64+l:][:49]
		var u, k0, k1, k2, k3 uint32
		u, s0, s1, s2, s3 = xoshiro(s0, s1, s2, s3)
		k0 = keepMask(u, thr)
		yg[0] = xg[0] * math.Float32frombits(k0&sb)
		u, s0, s1, s2, s3 = xoshiro(s0, s1, s2, s3)
		k1 = keepMask(u, thr)
		yg[16] = xg[16] * math.Float32frombits(k1&sb)
		u, s0, s1, s2, s3 = xoshiro(s0, s1, s2, s3)
		k2 = keepMask(u, thr)
		yg[32] = xg[32] * math.Float32frombits(k2&sb)
		u, s0, s1, s2, s3 = xoshiro(s0, s1, s2, s3)
		k3 = keepMask(u, thr)
		yg[48] = xg[48] * math.Float32frombits(k3&sb)
		acc := uint64(k0&1) | uint64(k1&1)<<16 | uint64(k2&1)<<32 | uint64(k3&1)<<48
		w[g&(chunkSteps/4-1)] |= acc << uint(l)
	}
	st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = s0, s1, s2, s3
}

// xoshiro is one step of xoshiro128+: it returns the 24-bit draw (the top
// 24 bits of s0+s3) and the next state.
func xoshiro(s0, s1, s2, s3 uint32) (u, n0, n1, n2, n3 uint32) {
	u = (s0 + s3) >> 8
	t := s1 << 9
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	return u, s0, s1, s2, bits.RotateLeft32(s3, 11)
}

// keepMask is all ones if u >= thr (kept) and zero otherwise, without a
// branch: u and thr are below 2^25, so u-thr is negative as an int32 iff
// u < thr.
func keepMask(u, thr uint32) uint32 { return ^uint32(int32(u-thr) >> 31) }

// drawsGeneric writes the raw 24-bit draws: u[i] = u_i for i in
// [0, len(u)), len(u) a multiple of 64; st advances by len(u)/16 steps.
func drawsGeneric(st *lanes, u []uint32) {
	for len(u) > 0 {
		n := min(len(u), chunkSteps*Lanes)
		cu := u[:n]
		steps := n / Lanes
		for l := 0; l < Lanes; l++ {
			s0, s1, s2, s3 := st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]
			for t := 0; t < steps; t++ {
				cu[t*Lanes+l] = (s0 + s3) >> 8
				t9 := s1 << 9
				s2 ^= s0
				s3 ^= s1
				s1 ^= s2
				s0 ^= s3
				s2 ^= t9
				s3 = rotl11(s3)
			}
			st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = s0, s1, s2, s3
		}
		u = u[n:]
	}
}

// bwdGeneric is the reference Backward kernel: for i in [0, len(dy)),
// dx[i] = dy[i] * (bit i%64 of words[i/64] ? scale : 0). len(dy) is a
// multiple of 64 and len(words) == len(dy)/64.
func bwdGeneric(dx, dy []float32, words []uint64, scale float32) {
	sb := math.Float32bits(scale)
	for k, w := range words {
		cx, cy := dx[k*64:k*64+64], dy[k*64:k*64+64]
		for j := range cy {
			m := -uint32((w >> uint(j)) & 1) // all ones iff kept
			cx[j] = cy[j] * math.Float32frombits(m&sb)
		}
	}
}

// scaleGeneric is y[i] = x[i] * a for every i.
func scaleGeneric(y, x []float32, a float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v * a
	}
}

func rotl11(x uint32) uint32 { return bits.RotateLeft32(x, 11) }
