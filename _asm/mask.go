package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The mask conversions: packed keep bits to 0/1 bytes or 0/1.0 floats and
// back, one 64-bit mask word (64 elements) per loop iteration. AVX-512
// moves a word through K registers (VMOVDQU8.Z, VMOVAPS.Z and VMOVAPD.Z
// expand it, VPTESTMB, VPTESTMD and VPTESTMQ gather it); AVX2 broadcasts
// the word or a 32-bit half and lets each lane pick its bit, and VPMOVMSKB
// gathers the bits back.
//
// pack32 and pack64 test the bits, x & abs != 0 (abs: every bit but the
// sign), never a float compare: the result is that of x != 0 (±0 zero; NaN,
// Inf, subnormals nonzero) whatever MXCSR's denormals-are-zero bit says.

// unpack8 emits unpack8<ISA>: byte i = bit i of the words.
func unpack8(s isa) {
	kernel("unpack8", s, f32, "(dst []uint8, words []uint64)", unpack8Doc)
	n := count("words", 0, "ret")
	pd, pw := ptr("dst"), ptr("words")
	if s.kmask {
		ones := s.broadcast32(0x01010101) // 1 in every byte
		Label("loop")
		k, v := K(), ZMM()
		KMOVQ(at(pw, 0), k)    // k = the word
		VMOVDQU8_Z(ones, k, v) // byte j = bit j ? 1 : 0
		VMOVDQU8(v, at(pd, 0)) // 64 bytes
	} else {
		Comment("IDX: VPSHUFB indices, byte j takes byte j/8 of the half; BITS: 1<<(j%8) in byte j.")
		idx, bits := YMM(), YMM()
		VMOVDQU(byteSpread(), idx)
		VMOVDQU(byteSpread().Offset(32), bits)
		ones := s.broadcast32(0x01010101) // 1 in every byte
		Label("loop")
		for h := 0; h < 2; h++ {
			Commentf("Bits %d..%d.", 32*h, 32*h+31)
			t := YMM()
			VPBROADCASTD(at(pw, 4*h), t) // the half word in every dword
			VPSHUFB(idx, t, t)           // byte j = byte j/8 of the half
			VPAND(bits, t, t)            // byte j = its own bit, 1<<(j%8) or 0
			VPMINUB(ones, t, t)          // byte j = 1 or 0
			VMOVDQU(t, at(pd, 32*h))     // 32 bytes
		}
	}
	next("loop", n, stride{pw, 8}, stride{pd, 64})
	done("ret")
}

// pack8 emits pack8<ISA>: bit i of the words = byte i != 0.
func pack8(s isa) {
	kernel("pack8", s, f32, "(words []uint64, src []uint8)", pack8Doc)
	n := count("words", 0, "ret")
	pw, ps := ptr("words"), ptr("src")
	if s.kmask {
		all := s.broadcast32(0xffffffff) // every bit set
		Label("loop")
		k := K()
		VPTESTMB(at(ps, 0), all, k) // bit j of k = src[j] != 0
		KMOVQ(k, at(pw, 0))         // the word
	} else {
		zero := s.broadcast32(0)
		Label("loop")
		lo, hi := GP64(), GP64()
		t0, t1 := YMM(), YMM()
		VPCMPEQB(at(ps, 0), zero, t0)  // byte j of t0 = src[j] == 0 ? 0xff : 0
		VPCMPEQB(at(ps, 32), zero, t1) // bytes 32..63
		VPMOVMSKB(t0, lo.As32())       // bit j = src[j] == 0, j < 32
		VPMOVMSKB(t1, hi.As32())       // bit j = src[32+j] == 0
		SHLQ(U8(32), hi)               // to bits 32..63
		ORQ(hi, lo)                    // bit j = src[j] == 0
		NOTQ(lo)                       // bit j = src[j] != 0
		MOVQ(lo, at(pw, 0))            // the word
	}
	next("loop", n, stride{pw, 8}, stride{ps, 64})
	done("ret")
}

// unpack emits unpack<e><ISA>: element i = bit i of the words ? 1.0 : +0,
// with the keep masks of bwd (wordMasks) selecting the constant 1.0.
func unpack(s isa, e elem) {
	kernel("unpack"+e.name, s, e, "(dst []@T@, words []uint64)", unpackDoc)
	n := count("words", 0, "ret")
	pd, pw := ptr("dst"), ptr("words")
	wm := s.wordMasks(e)
	one := s.broadcastElem(e, e.one) // 1.0 in every element
	Label("loop")
	for v := 0; v < vecsPer64(s, e); v++ {
		first := v * e.perVec(s)
		Commentf("Elements %d..%d.", first, first+e.perVec(s)-1)
		f := s.selectConst(e, wm.at(pw, first), one, nil) // bit ? 1.0 : +0
		e.movu(f, at(pd, first*e.size))
	}
	next("loop", n, stride{pw, 8}, stride{pd, 64 * e.size})
	done("ret")
}

// pack emits pack<e><ISA>: bit i of the words = element i is not ±0.
func pack(s isa, e elem) {
	kernel("pack"+e.name, s, e, "(words []uint64, src []@T@)", packDoc)
	n := count("words", 0, "ret")
	pw, ps := ptr("words"), ptr("src")
	abs := s.broadcastElem(e, e.abs) // every bit but the sign
	if s.kmask {
		Label("loop")
		for q := 0; q < 4; q++ {
			Commentf("Elements %d..%d.", 16*q, 16*q+15)
			k := K()
			if e.size == 4 {
				VPTESTMD(at(ps, 64*q), abs, k) // bit j of k = element j is not ±0
			} else {
				lo, hi := K(), K()
				VPTESTMQ(at(ps, 128*q), abs, lo)    // bit j of lo = element j is not ±0, j < 8
				VPTESTMQ(at(ps, 128*q+64), abs, hi) // elements 8..15
				KUNPCKBW(lo, hi, k)                 // k = hi<<8 | lo
			}
			// Four 16-bit stores measured faster than joining the K
			// registers with KUNPCK, which competes with VPTESTMD for
			// port 5.
			KMOVW(k, at(pw, 2*q))
		}
	} else {
		zero := s.broadcast32(0)
		// Signed saturation keeps zero and nonzero apart, so the elements
		// x & abs are packed to bytes before the compare; the packs
		// interleave the 128-bit lanes, and a permutation puts the
		// elements back in order.
		order := YMM()
		if e.size == 4 {
			VMOVDQU(packOrder(), order) // dword order 0 4 1 5 2 6 3 7
		} else {
			VMOVDQU(pairOrder(), order) // pair order 0 2 4 6 1 3 5 7 in each half
		}
		Label("loop")
		var halves [2]reg.GPVirtual
		for h := 0; h < 2; h++ {
			Commentf("Elements %d..%d: bit j = element j is ±0.", 32*h, 32*h+31)
			t := make([]reg.VecVirtual, e.size) // 32 elements, 32 bytes a vector
			for c := range t {
				t[c] = YMM()
				VPAND(at(ps, 32*e.size*h+32*c), abs, t[c]) // drop the sign bits
			}
			if e.size == 8 {
				// One pack level more: each qword's two dwords saturated
				// to words make a dword that is zero iff the element is
				// ±0. Vector c then holds the elements 8c + (0 1 4 5 | 2 3
				// 6 7), and the three packs below, which see these dwords
				// as float32 elements, leave in their bytes the elements
				// 0 1 4 5 8 9 ... 28 29 | 2 3 6 7 ... 30 31: pairs
				// 0 2 4 ... 14 | 1 3 5 ... 15 (pair p: elements 2p, 2p+1).
				for c := 0; c < 4; c++ {
					VPACKSSDW(t[2*c+1], t[2*c], t[2*c])
					t[c] = t[2*c]
				}
			}
			VPACKSSDW(t[1], t[0], t[0]) // words (float32): 0-3 8-11 | 4-7 12-15
			VPACKSSDW(t[3], t[2], t[2]) // words: 16-19 24-27 | 20-23 28-31
			VPACKSSWB(t[2], t[0], t[0]) // bytes: 0-3 8-11 16-19 24-27 | 4-7 12-15 20-23 28-31
			if e.size == 4 {
				VPERMD(t[0], order, t[0]) // bytes 0..31 in order
			} else {
				VPERMQ(U8(0xd8), t[0], t[0]) // pairs 0 2 4 6 1 3 5 7 | 8 10 12 14 9 11 13 15
				VPSHUFB(order, t[0], t[0])   // bytes 0..31 in order
			}
			VPCMPEQB(zero, t[0], t[0]) // 0xff iff ±0
			halves[h] = GP64()
			VPMOVMSKB(t[0], halves[h].As32())
		}
		SHLQ(U8(32), halves[1])    // to bits 32..63
		ORQ(halves[1], halves[0])  // bit j = element j is ±0
		NOTQ(halves[0])            // bit j = element j is not ±0
		MOVQ(halves[0], at(pw, 0)) // the word
	}
	next("loop", n, stride{pw, 8}, stride{ps, 64 * e.size})
	done("ret")
}
