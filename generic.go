package dropout

import (
	"encoding/binary"
	"unsafe"
)

// The generic kernels: the reference that every assembly path reproduces bit
// for bit, and the "generic" path (the purego build, and architectures
// without assembly). They are compiled on every architecture and with every
// build tag, so that each assembly path is tested against them.
//
// They keep the contract of every path's kernels (see dispatch.go): whole
// 64-element groups, the threshold as lim = thr<<8 (kept iff s0+s3 >= lim),
// factors as the bits of the element type T (float32 or float64: one Go
// function for both, instantiated per type). The stream kernels (fwdGeneric, drawsGeneric)
// take a lane state positioned at lane 0 of some step; the driver does heads
// and tails element by element. They walk the lanes one at a time over a
// chunk of chunkSteps steps, so each lane's four state words stay in
// registers; x, y and the keep-bit words of a chunk stay in L1 meanwhile.

const chunkSteps = 64 // steps per lane pass: 1024 elements, 16 mask words

// fwdGeneric is the reference Forward kernel: for i in [0, len(x)),
// keep_i = s0+s3 >= lim (u_i >= thr for lim = thr<<8; lim = 0 keeps all),
// y[i] = x[i] * (keep_i ? sb : +0) with sb the factor's bits as a T, and
// keep_i is bit i%64 of bits[i/64] when bits is not nil. len(x) is a
// multiple of 64, len(y) == len(x), and st advances by len(x)/16 steps.
//
// It walks the lanes one at a time over chunks of up to chunkSteps steps,
// so that a lane's four state words stay in registers; x, y and the chunk's
// keep words stay in L1 meanwhile.
func fwdGeneric[T Float](st *lanes, y, x []T, bits []uint64, lim uint32, sb uint64) {
	// s0+s3 >= lim  <=>  s0+s3 > lim - 1, as 64-bit numbers (lim - 1 wraps
	// to 2^64-1 for lim = 0: everything kept).
	thr8m1 := uint64(lim) - 1
	var w [chunkSteps / 4]uint64
	for len(x) > 0 {
		n := min(len(x), chunkSteps*Lanes)
		w = [chunkSteps / 4]uint64{}
		for l := range Lanes {
			fwdLane(st, l, y[:n], x[:n], &w, thr8m1, sb)
		}
		if bits != nil {
			copy(bits, w[:n/64])
			bits = bits[n/64:]
		}
		x, y = x[n:], y[n:]
	}
}

// fwdLane runs lane l over elements l, l+16, l+32, ... of x (a multiple of
// 64 elements, at most chunkSteps*Lanes): four steps, one mask word's
// worth, per iteration. It ORs the lane's keep bits into w.
//
// It walks x and y with unsafe pointers: with slices, the compiler spilled
// their headers in this loop and ran 40% slower. The bounds are checked
// once, here: len(y) == len(x), len(x) a multiple of 64, l < 16, so the
// last access, element len(x)-64+48+15, is inside both slices.
func fwdLane[T Float](st *lanes, l int, y, x []T, w *[chunkSteps / 4]uint64, thr8m1, sb uint64) {
	groups := len(x) / 64
	if len(y) != len(x) || len(x)%64 != 0 || groups > len(w) || uint(l) >= Lanes {
		panic("dropout: fwdLane: bad arguments")
	}
	if groups == 0 {
		return
	}
	s0, s1, s2, s3 := st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]
	px, py := unsafe.Pointer(&x[l]), unsafe.Pointer(&y[l])
	pw := unsafe.Pointer(&w[0])
	shift := uint(l)
	es := unsafe.Sizeof(x[0])     // a step is 16 elements: 16*es bytes
	f := [2]T{0, fromBits[T](sb)} // the factors of a dropped and a kept element
	for g := groups; ; {
		// k is 1 if kept (s0+s3 > thr8-1, wrapping to keep all when
		// thr8 = 0), 0 if dropped: the index of the factor.
		k := (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(py) = *(*T)(px) * f[k]
		kept := k
		k = (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(unsafe.Add(py, 16*es)) = *(*T)(unsafe.Add(px, 16*es)) * f[k]
		kept |= k << 16
		k = (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(unsafe.Add(py, 32*es)) = *(*T)(unsafe.Add(px, 32*es)) * f[k]
		kept |= k << 32
		k = (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(unsafe.Add(py, 48*es)) = *(*T)(unsafe.Add(px, 48*es)) * f[k]
		kept |= k << 48
		*(*uint64)(pw) |= kept << shift
		if g--; g == 0 { // never form a pointer past the slices
			break
		}
		px, py, pw = unsafe.Add(px, 64*es), unsafe.Add(py, 64*es), unsafe.Add(pw, 8)
	}
	st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = s0, s1, s2, s3
}

// keepMask is all ones (64 bits: a mask for the bits of either element
// type's factor) if u >= thr (kept) and zero otherwise, without a branch:
// u and thr are below 2^25, so u-thr is negative as an int32 iff u < thr.
func keepMask(u, thr uint32) uint64 { return ^uint64(int64(int32(u-thr)) >> 63) }

// fwdAddGeneric is the reference fused dropout-add kernel:
// y[i] = res[i] + T(x[i]*factor_i), each product rounded to T before the
// add; otherwise as fwdGeneric. y may be x or res: every element
// is read before it is written.
func fwdAddGeneric[T Float](st *lanes, y, x, res []T, bits []uint64, lim uint32, sb uint64) {
	thr8m1 := uint64(lim) - 1 // as in fwdGeneric
	var w [chunkSteps / 4]uint64
	for len(x) > 0 {
		n := min(len(x), chunkSteps*Lanes)
		w = [chunkSteps / 4]uint64{}
		for l := range Lanes {
			fwdAddLane(st, l, y[:n], x[:n], res[:n], &w, thr8m1, sb)
		}
		if bits != nil {
			copy(bits, w[:n/64])
			bits = bits[n/64:]
		}
		x, y, res = x[n:], y[n:], res[n:]
	}
}

// fwdAddLane is fwdLane with the residual added to each product:
// y[i] = res[i] + T(x[i]*factor_i), the product rounded first (Go fuses
// a*b+c into one multiply-add on arm64, ppc64, s390x and riscv64 unless the
// product is converted explicitly, hence the T(...) round each product). Same bounds argument as fwdLane, with len(res) ==
// len(x) too. It repeats fwdLane's loop rather than sharing it: one lane
// loop with a nil check for res made the generic Forward about 10% slower
// (1.87 against 1.70 ns/element at 4096).
func fwdAddLane[T Float](st *lanes, l int, y, x, res []T, w *[chunkSteps / 4]uint64, thr8m1, sb uint64) {
	groups := len(x) / 64
	if len(y) != len(x) || len(res) != len(x) || len(x)%64 != 0 || groups > len(w) || uint(l) >= Lanes {
		panic("dropout: fwdAddLane: bad arguments")
	}
	if groups == 0 {
		return
	}
	s0, s1, s2, s3 := st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]
	px, py, pr := unsafe.Pointer(&x[l]), unsafe.Pointer(&y[l]), unsafe.Pointer(&res[l])
	pw := unsafe.Pointer(&w[0])
	shift := uint(l)
	es := unsafe.Sizeof(x[0])
	f := [2]T{0, fromBits[T](sb)}
	for g := groups; ; {
		k := (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(py) = *(*T)(pr) + T(*(*T)(px)*f[k])
		kept := k
		k = (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(unsafe.Add(py, 16*es)) = *(*T)(unsafe.Add(pr, 16*es)) + T(*(*T)(unsafe.Add(px, 16*es))*f[k])
		kept |= k << 16
		k = (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(unsafe.Add(py, 32*es)) = *(*T)(unsafe.Add(pr, 32*es)) + T(*(*T)(unsafe.Add(px, 32*es))*f[k])
		kept |= k << 32
		k = (thr8m1 - uint64(s0+s3)) >> 63
		s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
		*(*T)(unsafe.Add(py, 48*es)) = *(*T)(unsafe.Add(pr, 48*es)) + T(*(*T)(unsafe.Add(px, 48*es))*f[k])
		kept |= k << 48
		*(*uint64)(pw) |= kept << shift
		if g--; g == 0 { // never form a pointer past the slices
			break
		}
		px, py, pr, pw = unsafe.Add(px, 64*es), unsafe.Add(py, 64*es), unsafe.Add(pr, 64*es), unsafe.Add(pw, 8)
	}
	st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = s0, s1, s2, s3
}

// addGeneric is dst[i] = a[i] + b[i], four at a time (one bounds check
// per four; the compiler does not unroll).
func addGeneric[T Float](dst, a, b []T) {
	dst, b = dst[:len(a)], b[:len(a)]
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d, x, y := dst[i:i+4:i+4], a[i:i+4:i+4], b[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = x[0]+y[0], x[1]+y[1], x[2]+y[2], x[3]+y[3]
	}
	for ; i < len(a); i++ {
		dst[i] = a[i] + b[i]
	}
}

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
				s0, s1, s2, s3 = xoshiroNext(s0, s1, s2, s3)
			}
			st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = s0, s1, s2, s3
		}
		u = u[n:]
	}
}

// bwdGeneric is the reference Backward kernel: for i in [0, len(dy)),
// dx[i] = dy[i] * (bit i%64 of words[i/64] ? sb : +0), sb the factor's
// bits as a T. len(dy) is a multiple of 64 and len(words) == len(dy)/64.
//
// Four elements an iteration, and not inlined: the one-at-a-time loop,
// inlined into the dispatch layer's kbwd, ran 1.2-1.3x slower than before
// the dispatch layer at 262144 elements on an AMD EPYC (the same
// instructions, another layout); this form measured 0.9-1.0x of that old
// time (alternating runs in one session).
//
//go:noinline
func bwdGeneric[T Float](dx, dy []T, words []uint64, sb uint64) {
	f := [2]T{0, fromBits[T](sb)} // the factors of a dropped and a kept element
	for k, w := range words {
		cx, cy := dx[k*64:k*64+64], dy[k*64:k*64+64]
		for j := 0; j < 64; j += 4 { // four at a time, the bits shifted out
			d, s := cx[j:j+4:j+4], cy[j:j+4:j+4]
			d[0] = s[0] * f[w&1]
			d[1] = s[1] * f[w>>1&1]
			d[2] = s[2] * f[w>>2&1]
			d[3] = s[3] * f[w>>3&1]
			w >>= 4
		}
	}
}

// scaleGeneric is y[i] = x[i] * a for every i (a as the bits of a T), four
// at a time (1.5-2.5x faster than the plain loop here).
func scaleGeneric[T Float](y, x []T, ab uint64) {
	a := fromBits[T](ab)
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d, s := y[i:i+4:i+4], x[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = s[0]*a, s[1]*a, s[2]*a, s[3]*a
	}
	for ; i < len(x); i++ {
		y[i] = x[i] * a
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// The generic mask conversions, on whole words: len(dst) or len(src) is
// 64*len(words). The assembly paths reproduce them bit for bit.

// unpack8Generic: dst[i] = bit i of words as byte 0 or 1, eight bytes at a
// time from a table.
func unpack8Generic(dst []uint8, words []uint64) {
	for q, w := range words {
		d := dst[64*q : 64*q+64]
		for k := 0; k < 64; k += 8 {
			binary.LittleEndian.PutUint64(d[k:], spread[uint8(w>>uint(k))])
		}
	}
}

// spread[b] holds bit k of b in byte k, little-endian.
var spread = func() (t [256]uint64) {
	for b := range t {
		for k := 0; k < 8; k++ {
			t[b] |= uint64(b>>k&1) << (8 * k)
		}
	}
	return t
}()

// pack8Generic: bit i of words = src[i] != 0, eight bytes at a time: each
// byte is folded onto its lowest bit, and one multiply gathers the eight
// low bits.
func pack8Generic(words []uint64, src []uint8) {
	for q := range words {
		s := src[64*q : 64*q+64]
		var w uint64
		for k := 0; k < 64; k += 8 {
			v := binary.LittleEndian.Uint64(s[k:])
			v |= v >> 4 // bits 0..3 of each byte: OR with bits 4..7 of the same byte
			v |= v >> 2
			v |= v >> 1
			v &= 0x0101010101010101
			w |= (v * 0x0102040810204080 >> 56) << uint(k) // byte j's bit to bit j
		}
		words[q] = w
	}
}

// unpackFGeneric: dst[i] = 1 if bit i of words is set, +0 otherwise, with
// no branch.
func unpackFGeneric[T Float](dst []T, words []uint64) {
	f := [2]T{0, 1}
	for q, w := range words {
		d := dst[64*q : 64*q+64]
		for i := range d {
			d[i] = f[w&1]
			w >>= 1
		}
	}
}

// packFGeneric: bit i of words = src[i] != 0 (NaN is nonzero, -0 is zero),
// no branch on the data.
func packFGeneric[T Float](words []uint64, src []T) {
	for q := range words {
		var w uint64
		for _, v := range src[64*q : 64*q+64] {
			w = w>>1 | uint64(b2u(v != 0))<<63
		}
		words[q] = w
	}
}
