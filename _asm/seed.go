package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// seed emits seed<ISA>: lanes.seedBlock in vector registers. Given c, the
// SplitMix64 input of the block's first word, lane L takes
// a = mix64(c + 2L*golden) and b = mix64(c + (2L+1)*golden); s0, s1 are the
// low and high halves of a, s2, s3 those of b. The 16 a inputs and 16 b
// inputs fill 2 zmm or 4 ymm of qwords each; mix64 runs on all of them stage
// by stage, so that the multiplies of different vectors overlap. AVX-512
// multiplies with VPMULLQ (AVX512DQ); AVX2 builds the low 64 bits of each
// product from three VPMULUDQ.
func seed(s isa) {
	kernel("seed", s, f32, "(st *[4][16]uint32, c uint64)", seedDoc)
	pst := Load(Param("st"), GP64())
	qpv := s.vbytes / 8 // qwords (lanes) per vector
	nv := 16 / qpv      // vectors per word kind (a or b)
	sc := seedConst()

	Comment("A[v] lane j: c + 2(v*qpv+j)*golden, the input of lane v*qpv+j's a word; B = A + golden.")
	a := make([]reg.VecVirtual, nv)
	b := make([]reg.VecVirtual, nv)
	a[0] = s.vec()
	VPBROADCASTQ(paramAddr("c"), a[0]) // c in every qword
	VPADDQ(sc, a[0], a[0])             // + 2j*golden
	step, gold := s.vec(), s.vec()
	VPBROADCASTQ(sc.Offset(8*qpv), step) // 2*qpv*golden: from one vector to the next
	VPBROADCASTQ(sc.Offset(seedGolden), gold)
	for v := 1; v < nv; v++ {
		a[v] = s.vec()
		VPADDQ(step, a[v-1], a[v])
	}
	for v := range b {
		b[v] = s.vec()
		VPADDQ(gold, a[v], b[v])
	}

	Comment("mix64 on every vector: z ^= z>>30; z *= m1; z ^= z>>27; z *= m2; z ^= z>>31.")
	m1, m2 := s.vec(), s.vec()
	VPBROADCASTQ(sc.Offset(seedMul1), m1)
	VPBROADCASTQ(sc.Offset(seedMul2), m2)
	var m1h, m2h reg.VecVirtual
	if !s.kmask {
		m1h, m2h = s.vec(), s.vec()
		VPSRLQ(U8(32), m1, m1h) // high halves of the multipliers
		VPSRLQ(U8(32), m2, m2h)
	}
	zs := append(append([]reg.VecVirtual{}, a...), b...)
	xorshift := func(sh int) {
		for _, z := range zs {
			t := s.vec()
			VPSRLQ(U8(sh), z, t) // t = z >> sh
			if s.kmask {
				VPXORQ(t, z, z) // z ^= t
			} else {
				VPXOR(t, z, z)
			}
		}
	}
	mul := func(m, mh reg.VecVirtual) {
		for _, z := range zs {
			if s.kmask {
				VPMULLQ(m, z, z) // z *= m (mod 2^64)
				continue
			}
			// lo(z)*lo(m) + (hi(z)*lo(m) + lo(z)*hi(m))<<32 mod 2^64
			t2, t3 := s.vec(), s.vec()
			VPSRLQ(U8(32), z, t2)  // t2 = hi(z)
			VPMULUDQ(m, t2, t2)    // t2 = hi(z)*lo(m)
			VPMULUDQ(mh, z, t3)    // t3 = lo(z)*hi(m)
			VPADDQ(t3, t2, t2)     // t2 = the cross terms
			VPSLLQ(U8(32), t2, t2) // t2 <<= 32
			VPMULUDQ(m, z, z)      // z = lo(z)*lo(m), all 64 bits
			VPADDQ(t2, z, z)       // z = z*m mod 2^64
		}
	}
	xorshift(30)
	mul(m1, m1h)
	xorshift(27)
	mul(m2, m2h)
	xorshift(31)

	Comment("s0, s1 = low, high dwords of a; s2, s3 = those of b, lanes in order.")
	for k := 0; k < 4; k++ {
		src, hi := a, k%2
		if k >= 2 {
			src = b
		}
		if s.kmask {
			p := ZMM()
			VMOVDQU32(seedPick().Offset(64*hi), p) // VPERMI2D indices
			VPERMI2D(src[1], src[0], p)            // the picked dwords, lanes 0..15
			VMOVDQU32(p, at(pst, 64*k))            // st[k]
			continue
		}
		imm := uint8(0x88) // low dwords
		if hi == 1 {
			imm = 0xdd // high dwords
		}
		for h := 0; h < 2; h++ {
			t := YMM()
			VSHUFPS(U8(imm), src[2*h+1], src[2*h], t) // per 128 bits: 2 dwords of each
			VPERMQ(U8(0xd8), t, t)                    // qwords 0, 2, 1, 3: the 8 lanes in order
			VMOVDQU(t, at(pst, 64*k+32*h))            // st[k][8h : 8h+8]
		}
	}
	VZEROUPPER()
	RET()
}
