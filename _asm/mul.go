package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The kernels without a generator: bwd (multiply by the factor a mask word
// selects), scale, add. Each loop iteration does 64 elements: the contract
// gives them multiples of 64, and the Go side does any tail.

// wordMasks turns the bits of mask words into keep masks for vectors of
// elements: on AVX-512 a K register loaded straight from the word (KMOVW of
// 16 bits: a load, no ALU uop); on AVX2 each 32-bit half of the word is
// broadcast to every lane once, and each lane picks its own bit with the
// bitWeights (VPAND, then VPCMPEQD with the weight: all ones iff set).
type wordMasks struct {
	s       isa
	el      elem
	weights []reg.VecVirtual // AVX2: 1<<(8c+j) in lane j, c = 0..3
	half    reg.VecVirtual   // AVX2: the current half word in every lane
}

func (s isa) wordMasks(e elem) *wordMasks {
	m := &wordMasks{s: s, el: e}
	if s.kmask {
		if e.perVec(s) != 16 {
			panic("wordMasks: KMOVB for 8 elements a vector (float64) not written yet")
		}
		return m
	}
	if e.perVec(s) != 8 {
		panic("wordMasks: qword weights for 4 elements a vector (float64) not written yet")
	}
	Comment("W0..W3: lane j holds the weight 1<<(8c+j) of bit 8c+j of a half word, c = 0..3.")
	bw := bitWeights()
	for c := 0; c < 4; c++ {
		w := YMM()
		VMOVDQU(bw.Offset(32*c), w)
		m.weights = append(m.weights, w)
	}
	return m
}

// at returns the keep mask of the vector of elements first.. of the mask
// word at p (first a multiple of the elements per vector, below 64).
func (m *wordMasks) at(p reg.Register, first int) keep {
	if m.s.kmask {
		k := K()
		KMOVW(at(p, first/8), k) // k = bits first..first+15 of the word
		return keep{k: k}
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
	name := "bwd" + e.name + s.name
	stub(name, fmt.Sprintf("(dx, dy []%s, words []uint64, sb %s, nt bool)", e.goType, e.bitsGo), docf(bwdDoc, name, s, e)...)
	n := count("dy", 6, "ret")
	pdx := Load(Param("dx").Base(), GP64())
	pdy := Load(Param("dy").Base(), GP64())
	pw := Load(Param("words").Base(), GP64())
	sb := s.vec()
	e.bcast(paramAddr("sb"), sb)
	wm := s.wordMasks(e)
	CMPB(paramAddr("nt"), U8(0))
	JNE(LabelRef("nt"))
	body := func(label string, nt bool) {
		Label(label)
		if nt {
			prefetch(pdy, 64*e.size)
		}
		for v := 0; v < vecsPer64(s, e); v++ {
			first := v * e.perVec(s)
			Commentf("Elements %d..%d.", first, first+e.perVec(s)-1)
			f := s.selectConst(e, wm.at(pw, first), sb, nil) // factor = bit ? sb : +0
			off := first * e.size
			e.mul(at(pdy, off), f, f) // f = dy * factor
			if nt {
				e.movnt(f, at(pdx, off))
			} else {
				e.movu(f, at(pdx, off))
			}
		}
		ADDQ(U8(8), pw)
		ADDQ(U32(64*e.size), pdy)
		ADDQ(U32(64*e.size), pdx)
		DECQ(n)
		JNZ(LabelRef(label))
	}
	Comment("Normal stores.")
	body("loop", false)
	JMP(LabelRef("done"))
	Comment("Non-temporal stores, then SFENCE.")
	body("nt", true)
	SFENCE()
	Label("done")
	done("ret")
}

// scale emits scale<e><ISA>: y = x * a.
func scale(s isa, e elem) {
	name := "scale" + e.name + s.name
	stub(name, fmt.Sprintf("(y, x []%s, a %s, nt bool)", e.goType, e.bitsGo), docf(scaleDoc, name, s, e)...)
	n := count("x", 6, "ret")
	py := Load(Param("y").Base(), GP64())
	px := Load(Param("x").Base(), GP64())
	a := s.vec()
	e.bcast(paramAddr("a"), a)
	CMPB(paramAddr("nt"), U8(0))
	JNE(LabelRef("nt"))
	body := func(label string, nt bool) {
		Label(label)
		if nt {
			prefetch(px, 64*e.size)
		}
		for v := 0; v < vecsPer64(s, e); v++ {
			off := v * s.vbytes
			p := s.vec()
			e.mul(at(px, off), a, p) // x * a
			if nt {
				e.movnt(p, at(py, off))
			} else {
				e.movu(p, at(py, off))
			}
		}
		ADDQ(U32(64*e.size), px)
		ADDQ(U32(64*e.size), py)
		DECQ(n)
		JNZ(LabelRef(label))
	}
	Comment("Normal stores.")
	body("loop", false)
	JMP(LabelRef("done"))
	Comment("Non-temporal stores, then SFENCE.")
	body("nt", true)
	SFENCE()
	Label("done")
	done("ret")
}

// add emits add<e><ISA>: dst = a + b.
func add(s isa, e elem) {
	name := "add" + e.name + s.name
	stub(name, fmt.Sprintf("(dst, a, b []%s)", e.goType), docf(addDoc, name, s, e)...)
	n := count("a", 6, "ret")
	pd := Load(Param("dst").Base(), GP64())
	pa := Load(Param("a").Base(), GP64())
	pb := Load(Param("b").Base(), GP64())
	Label("loop")
	for v := 0; v < vecsPer64(s, e); v++ {
		off := v * s.vbytes
		t := s.vec()
		e.movu(at(pa, off), t)    // a
		e.addf(at(pb, off), t, t) // a + b
		e.movu(t, at(pd, off))    // dst (after the loads of this offset: dst may be a or b)
	}
	ADDQ(U32(64*e.size), pa)
	ADDQ(U32(64*e.size), pb)
	ADDQ(U32(64*e.size), pd)
	DECQ(n)
	JNZ(LabelRef("loop"))
	done("ret")
}
