package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The generator kernels: fwd and fwdAdd (mask generation fused with the
// multiply), draws and skip, all on the 16 xoshiro128+ lanes kept in
// registers.

// state is the lane state in registers: w[k][h] holds word sk of lanes
// h*lanes32 .. (h+1)*lanes32-1, in their order or, interleaved, in the
// order 0 4 1 5 2 6 3 7 (see interleaved).
type state struct {
	s     isa
	w     [4][]reg.VecVirtual
	inter bool
}

// interleaved reports whether the fwd kernels on elements e keep the
// lanes of each ymm interleaved, lane j and lane 4+j in dwords 2j and 2j+1
// (AVX2 float64): then a lane's keep mask reaches the sign bit of a qword
// in place (lanes 4..7, the high dwords) or with one VPSLLQ (lanes 0..3),
// in element order, and VBLENDVPD selects the factor by it; widening the
// dword masks of lanes in their order takes three shuffles (VPMOVSXDQ,
// VEXTRACTI128, VPMOVSXDQ), which compete with the generator's shifts for
// the same two ports on Zen 3. The cost: VPERMD at the load and the save of
// the state, and the keep bits, which VMOVMSKPS gathers in the register
// order, put back in order once per word (wordBits.store).
func (s isa) interleaved(e elem) bool { return !s.kmask && e.perStep() == 2 }

// loadState loads *st (st *[4][16]uint32, address in p) into new
// registers, interleaved or not.
func (s isa) loadState(p reg.Register, inter bool) *state {
	Comment("Lane state to registers: word k of lanes h*" + fmt.Sprint(s.lanes32()) + "... at 64k + " + fmt.Sprint(s.vbytes) + "h.")
	st := &state{s: s, inter: inter}
	var idx reg.VecVirtual
	if inter {
		Comment("Interleaved: lanes 0 4 1 5 2 6 3 7 of each half.")
		idx = YMM()
		VMOVDQU(packOrder(), idx)
	}
	for k := range st.w {
		for h := 0; h < s.halves(); h++ {
			v := s.vec()
			if inter {
				VPERMD(at(p, 64*k+s.vbytes*h), idx, v)
			} else {
				s.movdqu(at(p, 64*k+s.vbytes*h), v)
			}
			st.w[k] = append(st.w[k], v)
		}
	}
	return st
}

// save stores the lane state back to *st.
func (st *state) save(p reg.Register) {
	Comment("Lane state back to *st.")
	var idx reg.VecVirtual
	if st.inter {
		idx = YMM()
		VMOVDQU(laneOrder(), idx)
	}
	for k := range st.w {
		for h, v := range st.w[k] {
			if st.inter {
				t := YMM()
				VPERMD(v, idx, t) // lanes 0..7 in order
				v = t
			}
			st.s.movdqu(v, at(p, 64*k+st.s.vbytes*h))
		}
	}
}

// movdqu is an unaligned integer vector move: VMOVDQU32 (EVEX, zmm) or
// VMOVDQU.
func (s isa) movdqu(src, dst Op) {
	if s.kmask {
		VMOVDQU32(src, dst)
	} else {
		VMOVDQU(src, dst)
	}
}

// next advances lanes of half h one xoshiro128+ step:
//
//	t = s1<<9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)
//
// AVX-512: 6 instructions, the three-way XORs as VPTERNLOGD (0x96 is
// a^b^c) and the rotation as VPROLD. AVX2: 9, the rotation as two shifts
// and an OR.
func (st *state) next(h int) {
	s0, s1, s2, s3 := st.w[0][h], st.w[1][h], st.w[2][h], st.w[3][h]
	tx, tt := st.s.vec(), st.s.vec()
	if st.s.kmask {
		VPXORD(s1, s3, tx)               // tx = s3 ^ s1, the new s3 before rotation
		VPSLLD(U8(9), s1, tt)            // tt = s1 << 9
		VPTERNLOGD(U8(0x96), s0, s2, s1) // s1 ^= s2 ^ s0
		VPTERNLOGD(U8(0x96), tt, s0, s2) // s2 ^= s0 ^ tt
		VPXORD(tx, s0, s0)               // s0 ^= tx
		VPROLD(U8(11), tx, s3)           // s3 = rotl(tx, 11)
		return
	}
	ta := st.s.vec()
	VPXOR(s0, s2, ta)      // ta = s2 ^ s0, the new s2 before ^ t
	VPSLLD(U8(9), s1, tt)  // tt = s1 << 9
	VPXOR(s1, s3, tx)      // tx = s3 ^ s1, the new s3 before rotation
	VPXOR(ta, s1, s1)      // s1 ^= ta
	VPXOR(tt, ta, s2)      // s2 = ta ^ tt
	VPXOR(tx, s0, s0)      // s0 ^= tx
	VPSLLD(U8(11), tx, s3) // s3 = tx << 11
	VPSRLD(U8(21), tx, tx) // tx >>= 21
	VPOR(tx, s3, s3)       // s3 = rotl(tx, 11)
}

// keep is the keep mask of the lanes of one vector: a K register (AVX-512)
// or a vector of all-ones/zero lanes (AVX2).
type keep struct {
	k reg.Register
	v reg.VecVirtual
	// zero, if not nil (AVX2 float64 mask words), is a vector of +0 and only
	// the sign bit of each qword of v is the mask: it selects with
	// VBLENDVPD.
	zero reg.VecVirtual
}

// limit holds the keep threshold lim = thr<<8 in every lane: kept iff
// s0+s3 >= lim, unsigned (lim = 0 for thr = 0: keep all).
func (s isa) limit() reg.VecVirtual {
	v := s.vec()
	Comment("LIM = lim = thr<<8 in every lane: kept iff s0+s3 >= lim, unsigned.")
	VBROADCASTSS(paramAddr("lim"), v) // a bit copy (go vet knows VBROADCASTSS reads 4 bytes)
	return v
}

// keepOf computes the keep mask of half h's lanes at the current step:
// s0+s3 >= lim (unsigned), which is (s0+s3)>>8 >= thr. It leaves the draw
// register to the caller as a scratch vector (AVX-512: free once compared).
func (st *state) keepOf(h int, lim reg.VecVirtual) (keep, reg.VecVirtual) {
	u := st.s.vec()
	VPADDD(st.w[3][h], st.w[0][h], u) // u = s0 + s3, the draw is u>>8
	if st.s.kmask {
		k := K()
		VPCMPUD(U8(5), lim, u, k) // k = u >= lim (predicate 5: not less than)
		return keep{k: k}, u
	}
	t := st.s.vec()
	VPMAXUD(lim, u, t)     // t = max(u, lim), unsigned
	VPCMPEQD(u, t, u)      // keep = t == u, u >= lim: all ones or zero
	return keep{v: u}, nil // u is the mask itself
}

// splitKeep splits the keep mask of one generator vector (lanes32 lanes,
// as many elements) into the keep masks of the perStep element vectors
// those elements fill: itself for float32. For float64, on AVX-512 the low
// 8 bits of the 16-bit K register serve the first zmm (a qword-masked move
// reads bits 0..7 only) and KSHIFTRW brings bits 8..15 down for the
// second; on AVX2, with the lanes interleaved, VPSLLQ moves the masks of
// lanes 0..3 to the qwords' sign bits, and the mask itself has those of
// lanes 4..7 there: sign-bit masks against zero, a vector of +0.
func (s isa) splitKeep(e elem, kp keep, zero reg.VecVirtual) []keep {
	if e.perStep() == 1 {
		return []keep{kp}
	}
	if s.kmask {
		hi := K()
		KSHIFTRW(U8(8), kp.k, hi) // hi = keep bits 8..15, at 0..7
		return []keep{kp, {k: hi}}
	}
	lo := YMM()
	VPSLLQ(U8(32), kp.v, lo) // lo: the mask of lane j (dword 2j) at qword j's sign
	return []keep{{v: lo, zero: zero}, {v: kp.v, zero: zero}}
}

// selectConst returns keep ? c : +0 in every lane of elements e, in dst if not nil (a
// scratch register) or a new register: one zero-masked move (AVX-512), one
// AND (AVX2) or one VBLENDVPD (AVX2, a sign-bit mask).
func (s isa) selectConst(e elem, kp keep, c, dst reg.VecVirtual) reg.VecVirtual {
	if dst == nil {
		dst = s.vec()
	}
	switch {
	case s.kmask:
		e.movz(c, kp.k, dst) // dst = keep ? c : +0 (VMOVAPS.Z, VMOVAPD.Z)
	case kp.zero != nil:
		VBLENDVPD(kp.v, c, kp.zero, dst) // dst = sign of keep ? c : +0
	default:
		VPAND(c, kp.v, dst) // dst = keep & c
	}
	return dst
}

// wordBits gathers the keep bits of one group (4 steps, 64 elements) into a
// mask word: on AVX-512 the four 16-bit K registers are joined with
// KUNPCKWD/KUNPCKDQ, on AVX2 each 8-lane mask goes through VMOVMSKPS into a
// general register. With interleaved lanes, unshuffle holds the two masks
// that put each byte's bits back in order.
type wordBits struct {
	s         isa
	ks        []reg.Register
	word      reg.GPVirtual
	unshuffle *[2]reg.GPVirtual
}

// unshuffleMasks loads the masks of wordBits.store's bit unshuffle.
func unshuffleMasks() *[2]reg.GPVirtual {
	Comment("Masks of the keep bits' unshuffle (interleaved lanes).")
	m := &[2]reg.GPVirtual{GP64(), GP64()}
	MOVQ(U64(0x2222222222222222), m[0])
	MOVQ(U64(0x0c0c0c0c0c0c0c0c), m[1])
	return m
}

// add records the keep mask of the lanes starting at bit pos of the word.
func (b *wordBits) add(kp keep, pos int) {
	if b.s.kmask {
		b.ks = append(b.ks, kp.k)
		return
	}
	if pos == 0 {
		b.word = GP64()
		VMOVMSKPS(kp.v, b.word.As32()) // bits 0..7 (the sign bits)
		return
	}
	t := GP64()
	VMOVMSKPS(kp.v, t.As32()) // 8 keep bits
	SHLQ(U8(pos), t)          // to their place in the word
	ORQ(t, b.word)            // into the word
}

// store writes the word at m with a normal store (even in the non-temporal
// loops: an 8-byte MOVNTI measured twice as slow, the partial
// write-combining lines being flushed early).
func (b *wordBits) store(m Mem) {
	if b.unshuffle != nil {
		// Byte bits 0..7 hold elements 0 4 1 5 2 6 3 7: two delta swaps,
		// t = (w>>s ^ w) & mask; w ^= t ^ t<<s, exchange bits 1 and 2 of
		// each nibble (0 1 4 5 2 3 6 7), then bits 2-3 and 4-5 of each
		// byte.
		for i, sh := range []uint8{1, 2} {
			t := GP64()
			MOVQ(b.word, t)
			SHRQ(U8(sh), t)
			XORQ(b.word, t)
			ANDQ(b.unshuffle[i], t)
			XORQ(t, b.word)
			SHLQ(U8(sh), t)
			XORQ(t, b.word)
		}
	}
	if !b.s.kmask {
		MOVQ(b.word, m) // bits[g] = word
		return
	}
	lo, hi, w := K(), K(), K()
	KUNPCKWD(b.ks[0], b.ks[1], lo) // lo = k1<<16 | k0
	KUNPCKWD(b.ks[2], b.ks[3], hi) // hi = k3<<16 | k2
	KUNPCKDQ(lo, hi, w)            // w = hi<<32 | lo
	KMOVQ(w, m)                    // bits[g] = w
}

// prefetch asks for the cache lines of the bytes at p, pf bytes ahead (pf
// a register), into L2: PREFETCHT1 of each line. Only the non-temporal
// loops, which stream from DRAM, prefetch, and how far ahead is the
// caller's: path_amd64.go's pfStream and pfMul, with the measurements
// behind them.
func prefetch(p, pf reg.Register, bytes int) {
	for off := 0; off < bytes; off += 64 {
		PREFETCHT1(Mem{Base: p, Index: pf, Scale: 1, Disp: off})
	}
}

// fwd emits fwd<e><ISA> (add false) or fwdAdd<e><ISA> (add true).
//
// Per 16 elements (one step) of the loop:
//
//	AVX-512 fwd:    VPADDD, VPCMPUD into K, 6 xoshiro (VPTERNLOGD, VPROLD),
//	                VMOVAPS.Z of the factor, VMULPS with the x load folded,
//	                one store: 11; per 64: KUNPCKWD x2, KUNPCKDQ, KMOVQ
//	                store (mask loops), 3 ADDQ (4 with the mask), DECQ, JNZ.
//	AVX-512 fwdAdd: 12 (VADDPS with the res load folded), per 64 one ADDQ
//	                more.
//	AVX2 fwd:       per 8 elements VPADDD, VPMAXUD, VPCMPEQD, VPAND, VMULPS
//	                with the load folded, store, 9 xoshiro: 2 x 15 per 16,
//	                plus VMOVMSKPS, SHLQ, ORQ per 8 for the mask (the first
//	                of a word without SHLQ, ORQ), and the same per-64 loop
//	                overhead (MOVQ for the word).
//	AVX2 fwdAdd:    2 x 16 per 16.
//
// float64, two element vectors per generator vector (splitKeep):
//
//	AVX-512 fwd:    KSHIFTRW, then VMOVAPD.Z, VMULPD, store twice: 15 per
//	                16; fwdAdd 17.
//	AVX2 fwd:       per 8 elements VPADDD, VPMAXUD, VPCMPEQD, 9 xoshiro,
//	                VPSLLQ, then VBLENDVPD, VMULPD, store twice: 19, plus
//	                the mask's VMOVMSKPS, SHLQ, ORQ and, per 64, its
//	                unshuffle (2 x 7 scalar instructions); fwdAdd 21 per 8.
//
// Counted in the test binary (GNU objdump -d: go tool objdump does not
// decode EVEX), loop instructions per 64 elements; the float32 rows at
// 898b0b8, identical to the hand-written kernel_amd64.s of 5b75539
// instruction for instruction (same mnemonics, same counts):
//
//	                 mask   no mask   NT mask   NT no mask
//	fwd32AVX512        53        48        57           52   (13.25 per 16 with mask, 12 without)
//	fwdAdd32AVX512     58        53        66           61
//	fwd32AVX2         148       124       152          128   (37 per 16 with mask, 31 without)
//	fwdAdd32AVX2      157       133       165          141
//	fwd64AVX512        69        64        77           72   (17.25 per 16 with mask, 16 without)
//	fwdAdd64AVX512     78        73        94           89
//	fwd64AVX2         194       156       202          164   (48.5 per 16 with mask, 39 without)
//	fwdAdd64AVX2      211       173       227          189
//
// (NT loops: 4 PREFETCHT1 more, 8 with res; float64 twice that.) 512-bit
// code runs on ports 0 and 5 only, so the float32 AVX-512 loop is bound at
// about 5 cycles per 16 elements, the float64 one (13 vector uops, K shift
// included) at about 6.5. On the Zen 3 VM (AVX2), 16 KiB of x, minimum
// over 400 batches of 500 calls: fwd64AVX2 0.197 ns/element, fwd32AVX2
// 0.159 (1.23x); with the keep compare as VPSRLD and VPCMPGTD (a shift,
// like three of the nine xoshiro instructions and the float64 widening:
// Zen 3 shifts on two of its four vector pipes) 0.200 and 0.160 (1.25x);
// with the lanes in order and VPMOVSXDQ/VEXTRACTI128 widening (196 per
// 64), 0.25 (1.52x).
func fwd(s isa, e elem, add bool) {
	if add {
		kernel("fwdAdd"+e.name, s, e, "(st *[4][16]uint32, y, x, res []@T@, bits []uint64, lim uint32, sb @B@, pf int)", fwdDoc(add))
	} else {
		kernel("fwd"+e.name, s, e, "(st *[4][16]uint32, y, x []@T@, bits []uint64, lim uint32, sb @B@, pf int)", fwdDoc(add))
	}

	Comment("Arguments: n = len(x)/64 groups of 64 elements (one mask word each).")
	n := count("x", 6, "ret")
	pst := Load(Param("st"), GP64())
	py, px := ptr("y"), ptr("x")
	var pres reg.Register
	if add {
		pres = ptr("res")
	}
	pbits := ptr("bits")
	nbits := Load(Param("bits").Len(), GP64())
	lim := s.limit()
	Comment("SB = the keep factor (bits of sb) in every lane.")
	sb := s.vec()
	e.bcast(paramAddr("sb"), sb)
	inter := s.interleaved(e)
	var zero reg.VecVirtual
	var unshuffle *[2]reg.GPVirtual
	if inter {
		zero = YMM()
		VPXOR(zero, zero, zero) // +0, the factor of a dropped element
		unshuffle = unshuffleMasks()
	}
	st := s.loadState(pst, inter)

	// One loop per case, keep bits or not, non-temporal stores or not, so
	// that no loop branches on them.
	Comment("One loop for each case: keep bits or not, non-temporal stores or not.")
	pf := toNT()
	TESTQ(nbits, nbits)
	JZ(LabelRef("nobits"))

	// One iteration of the loop at label: a group of 64 elements.
	group := func(label string, bits, nt bool) {
		if nt {
			Comment("x (and res) ahead, into L2.")
			prefetch(px, pf, 64*e.size)
			if add {
				prefetch(pres, pf, 64*e.size)
			}
		}
		wb := &wordBits{s: s, unshuffle: unshuffle}
		var ss []stride // the pointers' steps, in this order
		// Four steps of the 16 lanes; each half of the lanes (one zmm, or
		// one of two ymm) does its elements, then advances.
		for step := 0; step < 4; step++ {
			for h := 0; h < s.halves(); h++ {
				first := 16*step + s.lanes32()*h // first element of these lanes
				Commentf("Elements %d..%d.", first, first+s.lanes32()-1)
				kp, scratch := st.keepOf(h, lim)
				if bits {
					wb.add(kp, first)
				}
				st.next(h)
				for j, kj := range s.splitKeep(e, kp, zero) {
					off := (first + j*e.perVec(s)) * e.size
					f := s.selectConst(e, kj, sb, scratch) // factor = keep ? sb : +0
					scratch = nil                          // a new register for the next part
					e.mul(at(px, off), f, f)               // f = x * factor (a real multiply)
					if add {
						e.addf(at(pres, off), f, f) // f = res + f, the product rounded first
					}
					e.store(f, at(py, off), nt)
				}
			}
		}
		if bits {
			Comment("The group's mask word.")
			wb.store(at(pbits, 0))
			ss = append(ss, stride{pbits, 8})
		}
		ss = append(ss, stride{px, 64 * e.size}, stride{py, 64 * e.size})
		if add {
			ss = append(ss, stride{pres, 64 * e.size})
		}
		next(label, n, ss...)
	}
	// The four loops, each ending in a jump to save but the last.
	for _, c := range []struct {
		label, about string
		bits, nt     bool
	}{
		{"bits", "Keep bits, normal stores.", true, false},
		{"nobits", "No keep bits, normal stores.", false, false},
		{"ntbits", "Keep bits, non-temporal stores (not fenced: the driver calls fenceAMD64).", true, true},
		{"ntnobits", "No keep bits, non-temporal stores (not fenced).", false, true},
	} {
		if c.label == "ntbits" {
			// The non-temporal loops' own test of len(bits).
			Label("nt")
			TESTQ(nbits, nbits)
			JZ(LabelRef("ntnobits"))
		}
		Comment(c.about)
		Label(c.label)
		group(c.label, c.bits, c.nt)
		if c.label != "ntnobits" {
			JMP(LabelRef("save"))
		}
	}

	Label("save")
	st.save(pst)
	done("ret")
}

// draws emits draws<ISA>: u[i] = (s0+s3)>>8 of lane i%16, a step per 16.
func draws(s isa) {
	kernel("draws", s, f32, "(st *[4][16]uint32, u []uint32)", drawsDoc)
	n := count("u", 6, "ret")
	pst := Load(Param("st"), GP64())
	pu := ptr("u")
	st := s.loadState(pst, false)
	Label("loop")
	for step := 0; step < 4; step++ {
		for h := 0; h < s.halves(); h++ {
			first := 16*step + s.lanes32()*h
			Commentf("Draws %d..%d.", first, first+s.lanes32()-1)
			u := s.vec()
			VPADDD(st.w[3][h], st.w[0][h], u) // u = s0 + s3
			VPSRLD(U8(8), u, u)               // u >>= 8: the 24-bit draw
			s.movdqu(u, at(pu, 4*first))
			st.next(h)
		}
	}
	next("loop", n, stride{pu, 256})
	st.save(pst)
	done("ret")
}

// skip emits skip<ISA>: n xoshiro steps of the 16 lanes.
func skip(s isa) {
	kernel("skip", s, f32, "(st *[4][16]uint32, n int)", skipDoc)
	n := Load(Param("n"), GP64())
	TESTQ(n, n)
	JLE(LabelRef("ret"))
	pst := Load(Param("st"), GP64())
	st := s.loadState(pst, false)
	Label("loop")
	for h := 0; h < s.halves(); h++ {
		st.next(h)
	}
	next("loop", n)
	st.save(pst)
	done("ret")
}
