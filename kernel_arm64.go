//go:build !purego

package dropout

import "math"

// The "neon" path: Advanced SIMD kernels in kernel_arm64.s. NEON is part of
// the arm64 baseline, so the path is always available (DROPOUT_DISABLE=neon
// turns it off). The stream kernels keep the 16 lanes' state in V0-V15 (four
// 128-bit vectors per state word) for the whole call and store it back at
// the end. The non-temporal hint is ignored (ntMin 0). The path implements
// the fused dropout-add kernels (fused: true) and the mask conversions of
// mask_arm64.s (masks: true).

var neonKernels = kernels{name: "neon", id: 1, fused: true, masks: true}

func archKernels() []*kernels { return []*kernels{&neonKernels} }

// archFwd runs fwdMask32NEON or fwd32NEON. They compare the unshifted sum
// s0+s3 with lim = thr<<8 (u = (s0+s3)>>8 >= thr iff s0+s3 >= thr<<8), which
// cannot express thr = 1<<24 (nothing kept): that case runs with lim = 0
// (everything kept) and factor bits 0, which gives x * +0 as the generic
// kernel does, and then clears the keep bits.
func archFwd(_ int, st *lanes, y, x []float32, bits []uint64, thr uint32, scale float32, _ bool) {
	neonWhole64(len(x))
	y = y[:len(x)]
	raceRead(x)
	raceWrite(y)
	sb := math.Float32bits(scale)
	if thr >= 1<<24 { // u < 1<<24 <= thr: nothing is kept
		fwd32NEON(&st.s, y, x, 0, 0)
		if bits != nil {
			clear(bits[:len(x)/64])
		}
		return
	}
	if bits == nil {
		fwd32NEON(&st.s, y, x, thr<<8, sb)
		return
	}
	bits = bits[:len(x)/64]
	raceWrite(bits)
	fwdMask32NEON(&st.s, y, x, bits, thr<<8, sb)
}

// archFwdAdd runs fwdAddMask32NEON or fwdAdd32NEON, handling thr = 1<<24 as
// archFwd does (lim 0 and factor bits 0: y = res + x * +0, as the generic
// kernel computes it).
func archFwdAdd(_ int, st *lanes, y, x, res []float32, bits []uint64, thr uint32, scale float32, _ bool) {
	neonWhole64(len(x))
	y, res = y[:len(x)], res[:len(x)]
	raceRead(x)
	raceRead(res)
	raceWrite(y)
	sb := math.Float32bits(scale)
	if thr >= 1<<24 { // u < 1<<24 <= thr: nothing is kept
		fwdAdd32NEON(&st.s, y, x, res, 0, 0)
		if bits != nil {
			clear(bits[:len(x)/64])
		}
		return
	}
	if bits == nil {
		fwdAdd32NEON(&st.s, y, x, res, thr<<8, sb)
		return
	}
	bits = bits[:len(x)/64]
	raceWrite(bits)
	fwdAddMask32NEON(&st.s, y, x, res, bits, thr<<8, sb)
}

// archAdd runs add32NEON on the whole 64-element groups and addGeneric on
// the rest.
func archAdd(_ int, dst, a, b []float32) {
	dst, b = dst[:len(a)], b[:len(a)]
	raceRead(a)
	raceRead(b)
	raceWrite(dst)
	n := len(a) &^ 63
	add32NEON(dst[:n], a[:n], b[:n])
	addGeneric(dst[n:], a[n:], b[n:])
}

func archDraws(_ int, st *lanes, u []uint32) {
	neonWhole64(len(u))
	raceWrite(u)
	drawsNEON(&st.s, u)
}

func archBwd(_ int, dx, dy []float32, words []uint64, scale float32, _ bool) {
	neonWhole64(len(dy))
	dx, words = dx[:len(dy)], words[:len(dy)/64]
	raceRead(dy)
	raceRead(words)
	raceWrite(dx)
	bwd32NEON(dx, dy, words, math.Float32bits(scale))
}

// archScale runs scale32NEON on the whole 64-element groups and
// scaleGeneric on the rest.
func archScale(_ int, y, x []float32, a float32, _ bool) {
	y = y[:len(x)]
	raceRead(x)
	raceWrite(y)
	n := len(x) &^ 63
	scale32NEON(y[:n], x[:n], math.Float32bits(a))
	scaleGeneric(y[n:], x[n:], a)
}

func archSkip(_ int, st *lanes, n int) {
	if n > 0 {
		skipNEON(&st.s, n)
	}
}

// neonWhole64 panics unless n is a multiple of 64: the stream and backward
// kernels count down whole 64-element groups and would run past the slices
// otherwise.
func neonWhole64(n int) {
	if n%64 != 0 {
		panic("dropout: internal error: NEON kernel called with a length that is not a multiple of 64")
	}
}

// fwdMask32NEON is fwdGeneric with keep bits, len(x) a multiple of 64,
// len(y) == len(x), len(bits) == len(x)/64 and lim = thr<<8 with
// thr < 1<<24. In Go, with xoshiro as in kernel_generic.go:
//
//	for i := range x { // i = 16*step + lane; steps advance all 16 lanes
//		keep := st[0][i%16]+st[3][i%16] >= lim
//		f := uint32(0)
//		if keep {
//			f = sb
//			bits[i/64] |= 1 << (i % 64)
//		}
//		y[i] = x[i] * math.Float32frombits(f)
//		if i%16 == 15 {
//			l.skip(1) // st == &l.s: one step of every lane
//		}
//	}
//
// bits[i/64] is written whole, not ORed into.
//
//go:noescape
func fwdMask32NEON(st *[4][16]uint32, y, x []float32, bits []uint64, lim, sb uint32)

// fwd32NEON is fwdMask32NEON without keep bits: y[i] = x[i] * (keep ? sb : 0)
// as float32 bits, st advancing len(x)/16 steps. len(x) is a multiple of 64.
//
//go:noescape
func fwd32NEON(st *[4][16]uint32, y, x []float32, lim, sb uint32)

// fwdAddMask32NEON is fwdAddGeneric with keep bits: fwdMask32NEON with the
// residual added to each product, which is rounded to float32 first (a
// multiply, then an add: never a fused multiply-add). len(x) is a multiple
// of 64, len(y) == len(res) == len(x), len(bits) == len(x)/64 and
// lim = thr<<8 with thr < 1<<24; y may be x or res (exactly). In Go:
//
//	for i := range x { // i = 16*step + lane; steps advance all 16 lanes
//		keep := st[0][i%16]+st[3][i%16] >= lim
//		f := uint32(0)
//		if keep {
//			f = sb
//			bits[i/64] |= 1 << (i % 64)
//		}
//		p := x[i] * math.Float32frombits(f) // rounded to float32
//		y[i] = res[i] + p
//		if i%16 == 15 {
//			l.skip(1) // st == &l.s: one step of every lane
//		}
//	}
//
// bits[i/64] is written whole, not ORed into.
//
//go:noescape
func fwdAddMask32NEON(st *[4][16]uint32, y, x, res []float32, bits []uint64, lim, sb uint32)

// fwdAdd32NEON is fwdAddMask32NEON without keep bits: y[i] = res[i] + p with
// p = x[i] * (keep ? sb : 0 as float32 bits) rounded to float32, st
// advancing len(x)/16 steps. len(x) is a multiple of 64.
//
//go:noescape
func fwdAdd32NEON(st *[4][16]uint32, y, x, res []float32, lim, sb uint32)

// add32NEON is addGeneric for len(a) a multiple of 64, len(dst) == len(b)
// == len(a); dst may be a or b (exactly):
//
//	for i := range a {
//		dst[i] = a[i] + b[i]
//	}
//
//go:noescape
func add32NEON(dst, a, b []float32)

// drawsNEON is drawsGeneric, len(u) a multiple of 64:
//
//	for i := range u {
//		u[i] = (st[0][i%16] + st[3][i%16]) >> 8
//		if i%16 == 15 {
//			l.skip(1) // st == &l.s: one step of every lane
//		}
//	}
//
//go:noescape
func drawsNEON(st *[4][16]uint32, u []uint32)

// bwd32NEON is bwdGeneric, len(dy) a multiple of 64, len(dx) == len(dy) and
// len(words) == len(dy)/64:
//
//	for i := range dy {
//		f := uint32(0)
//		if words[i/64]>>(i%64)&1 != 0 {
//			f = sb
//		}
//		dx[i] = dy[i] * math.Float32frombits(f)
//	}
//
//go:noescape
func bwd32NEON(dx, dy []float32, words []uint64, sb uint32)

// scale32NEON is scaleGeneric for len(x) a multiple of 64, len(y) ==
// len(x), with a the bits of the factor; y may be x (exactly):
//
//	for i := range x {
//		y[i] = x[i] * math.Float32frombits(a)
//	}
//
//go:noescape
func scale32NEON(y, x []float32, a uint32)

// skipNEON is l.skip(n) for st == &l.s, n >= 0 (0 touches nothing).
//
//go:noescape
func skipNEON(st *[4][16]uint32, n int)

// archFence: the NEON kernels make no non-temporal stores.
func archFence(int) {}

// archSeed: the neon path seeds in Go (vseed is false); never called.
func archSeed(int, *lanes, uint64, uint64) { panic("dropout: archSeed is not implemented on neon") }
