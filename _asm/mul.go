package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The kernels without a generator: bwd (multiply by the factor a mask word
// selects), scale, add. Each loop iteration does 64 elements: the contract
// gives them multiples of 64, and the Go side does any tail.

// wordMasks turns the bits of mask words into keep masks for vectors of
// elements.
//
// AVX-512: a K register loaded straight from the word (KMOVW of 16 bits: a
// load, no ALU uop). With float64 (8 elements a zmm) the K register of
// elements 16c..16c+15 serves two zmm: a qword-masked move reads bits 0..7,
// and KSHIFTRW brings bits 8..15 down for the second. (KMOVB would load 8
// bits, but it is AVX512DQ, which the avx512 path does not require; a KMOVW
// at an odd byte would read past the last word.)
//
// AVX2, float32: each 32-bit half of the word is broadcast to every lane
// once, and each lane picks its own bit with the bitWeights (VPAND, then
// VPCMPEQD with the weight: all ones iff set).
//
// AVX2, float64: the word is broadcast to every qword once, and VPSLLVQ by
// the signShift counts moves bit 4c+j of qword j to its sign bit, which
// VBLENDVPD selects with: two instructions for four elements (weights and
// VPAND, VPCMPEQQ, VPAND would be three).
type wordMasks struct {
	s       isa
	el      elem
	weights []reg.VecVirtual // AVX2 float32: 1<<(8c+j) in lane j, c = 0..3
	half    reg.VecVirtual   // AVX2: the current half word (float32) or word (float64) in every lane
	zero    reg.VecVirtual   // AVX2 float64: +0, VBLENDVPD's other choice
	k16     reg.Register     // AVX-512 float64: the bits of the current 16 elements
}

func (s isa) wordMasks(e elem) *wordMasks {
	m := &wordMasks{s: s, el: e}
	switch {
	case s.kmask:
	case e.size == 8:
		m.zero = YMM()
		VPXOR(m.zero, m.zero, m.zero) // +0 in every element
	default:
		Comment("W0..W3: lane j holds the weight 1<<(8c+j) of bit 8c+j of a half word, c = 0..3.")
		bw := bitWeights()
		for c := 0; c < 4; c++ {
			w := YMM()
			VMOVDQU(bw.Offset(32*c), w)
			m.weights = append(m.weights, w)
		}
	}
	return m
}

// at returns the keep mask of the vector of elements first.. of the mask
// word at p (first a multiple of the elements per vector, below 64).
func (m *wordMasks) at(p reg.Register, first int) keep {
	switch {
	case m.s.kmask && m.el.perVec(m.s) == 8 && first%16 == 8:
		k := K()
		KSHIFTRW(U8(8), m.k16, k) // k = bits first..first+7 of the word
		return keep{k: k}
	case m.s.kmask:
		k := K()
		KMOVW(at(p, first/8), k) // k = bits first..first+15 of the word
		m.k16 = k
		return keep{k: k}
	case m.el.size == 8:
		if first == 0 {
			m.half = YMM()
			VPBROADCASTQ(at(p, 0), m.half) // the word in every qword
		}
		v := YMM()
		VPSLLVQ(signShift().Offset(8*first), m.half, v) // qword j: bit first+j at the sign
		return keep{v: v, zero: m.zero}
	}
	if first%32 == 0 {
		m.half = YMM()
		VPBROADCASTD(at(p, first/8), m.half) // the half word in every lane
	}
	w := m.weights[first%32/8]
	v := YMM()
	VPAND(w, m.half, v) // lane j = its own bit: weight or 0
	VPCMPEQD(w, v, v)   // all ones iff the bit is set
	return keep{v: v}
}

// vecsPer64 is the number of vectors of 64 elements.
func vecsPer64(s isa, e elem) int { return 64 * e.size / s.vbytes }

// bwd emits bwd<e><ISA>: dx = dy * (bit ? sb : +0).
func bwd(s isa, e elem) {
	kernel("bwd"+e.name, s, e, "(dx, dy []@T@, words []uint64, sb @B@, pf int)", bwdDoc)
	n := count("dy", 6, "ret")
	pdx, pdy, pw := ptr("dx"), ptr("dy"), ptr("words")
	sb := s.vec()
	e.bcast(paramAddr("sb"), sb)
	wm := s.wordMasks(e)
	ntLoops(n, pdy, e, func(nt bool) {
		for v := 0; v < vecsPer64(s, e); v++ {
			first := v * e.perVec(s)
			Commentf("Elements %d..%d.", first, first+e.perVec(s)-1)
			f := s.selectConst(e, wm.at(pw, first), sb, nil) // factor = bit ? sb : +0
			off := first * e.size
			e.mul(at(pdy, off), f, f) // f = dy * factor
			e.store(f, at(pdx, off), nt)
		}
	}, stride{pw, 8}, stride{pdy, 64 * e.size}, stride{pdx, 64 * e.size})
}

// scale emits scale<e><ISA>: y = x * a.
func scale(s isa, e elem) {
	kernel("scale"+e.name, s, e, "(y, x []@T@, a @B@, pf int)", scaleDoc)
	n := count("x", 6, "ret")
	py, px := ptr("y"), ptr("x")
	a := s.vec()
	e.bcast(paramAddr("a"), a)
	ntLoops(n, px, e, func(nt bool) {
		for v := 0; v < vecsPer64(s, e); v++ {
			off := v * s.vbytes
			p := s.vec()
			e.mul(at(px, off), a, p) // x * a
			e.store(p, at(py, off), nt)
		}
	}, stride{px, 64 * e.size}, stride{py, 64 * e.size})
}

// add emits add<e><ISA>: dst = a + b.
func add(s isa, e elem) {
	kernel("add"+e.name, s, e, "(dst, a, b []@T@)", addDoc)
	n := count("a", 6, "ret")
	pd, pa, pb := ptr("dst"), ptr("a"), ptr("b")
	Label("loop")
	for v := 0; v < vecsPer64(s, e); v++ {
		off := v * s.vbytes
		t := s.vec()
		e.movu(at(pa, off), t)    // a
		e.addf(at(pb, off), t, t) // a + b
		e.movu(t, at(pd, off))    // dst (after the loads of this offset: dst may be a or b)
	}
	next("loop", n, stride{pa, 64 * e.size}, stride{pb, 64 * e.size}, stride{pd, 64 * e.size})
	done("ret")
}
