package dropout

import "math/bits"

// The random stream. Everything here is frozen by the golden files in
// testdata/: changing any constant or step changes every output bit and is a
// breaking change.
//
// The stream is cut into blocks of BlockSize positions. Position q lies in
// block q/BlockSize; inside its block, position j = q%BlockSize is served by
// lane j%Lanes at step j/Lanes of that block's 16 xoshiro128+ generators.
// The lanes of block b are seeded from SplitMix64 words 32b .. 32b+31 of the
// key's sequence (see seedBlock).

const (
	// Lanes is the number of interleaved xoshiro128+ generators: element j
	// of a block is drawn by lane j%Lanes.
	Lanes = 16

	// BlockSize is the number of stream positions served by one seeding of
	// the Lanes generators. Stream position q belongs to block q/BlockSize.
	BlockSize = 8192

	// golden is SplitMix64's increment, 2^64/φ rounded to odd.
	golden = 0x9e3779b97f4a7c15
)

// lanes is the state of the 16 generators at one step, stored lane-wise
// (structure of arrays) so that s[k] loads as one AVX-512 vector, two AVX2
// vectors or four NEON vectors: s[0][L], s[1][L], s[2][L], s[3][L] are the
// words s0..s3 of xoshiro128+ lane L.
type lanes struct {
	s [4][Lanes]uint32
}

// mix64 is SplitMix64's output function (Stafford's variant 13), a bijection
// on uint64.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// streamBase is the starting state of the key's SplitMix64 sequence. Seeds
// go through mix64 first so that seeds differing by a multiple of golden do
// not share shifted sequences.
func streamBase(seed uint64) uint64 { return mix64(seed) }

// seedBlock sets st to the lanes of block blk at step 0. With
// z_w = mix64(base + (w+1)*golden), the SplitMix64 sequence started at base,
// lane L takes a = z_{32blk+2L} and b = z_{32blk+2L+1}:
//
//	s0 = uint32(a), s1 = uint32(a>>32), s2 = uint32(b), s3 = uint32(b>>32).
//
// Because mix64 is a bijection and a, b come from distinct inputs, they are
// never both zero: no lane can be in xoshiro's all-zero fixed point.
func (st *lanes) seedBlock(base, blk uint64) {
	c := base + blk*(2*Lanes)*golden + golden // input of z_{32blk}
	g := uint64(golden)
	for l := 0; l < Lanes; l += 2 { // two lanes a round: more independent multiplies in flight
		a0, b0 := mix64(c), mix64(c+g)
		a1, b1 := mix64(c+2*g), mix64(c+3*g)
		c += 4 * g
		st.s[0][l], st.s[0][l+1] = uint32(a0), uint32(a1)
		st.s[1][l], st.s[1][l+1] = uint32(a0>>32), uint32(a1>>32)
		st.s[2][l], st.s[2][l+1] = uint32(b0), uint32(b1)
		st.s[3][l], st.s[3][l+1] = uint32(b0>>32), uint32(b1>>32)
	}
}

// skip advances every lane by n steps without producing output.
func (st *lanes) skip(n int) {
	for l := 0; l < Lanes; l++ {
		s0, s1, s2, s3 := st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]
		for k := 0; k < n; k++ {
			s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		}
		st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = s0, s1, s2, s3
	}
}

// xoshiroNext is the xoshiro128+ state update: the one definition of a step
// in Go (the draw before it is (s0+s3)>>8).
func xoshiroNext(s0, s1, s2, s3 uint32) (n0, n1, n2, n3 uint32) {
	t := s1 << 9
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	return s0, s1, s2, bits.RotateLeft32(s3, 11)
}

// draw returns lane l's 24-bit draw at the current step: the top 24 bits of
// xoshiro128+'s output s0+s3. It does not advance the lane.
func (st *lanes) draw(l int) uint32 {
	return (st.s[0][l] + st.s[3][l]) >> 8
}

// threshold returns T = floor(p * 2^24): element i is kept iff u_i >= T.
func threshold(p float64) uint32 {
	return uint32(p * (1 << 24)) // p in [0,1]: exact product, truncation = floor
}
