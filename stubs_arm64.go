//go:build !purego

package dropout

// The NEON kernels (kernel_arm64.s, mask_arm64.s), with their Go
// equivalents. They keep the contract of every path's kernels (dispatch.go):
// whole 64-element groups (whole mask words), lim = thr<<8 with
// thr < 1<<24, factors as float32 bits, and they touch nothing outside their
// slices. st holds word k of lane L at st[k][L]; xoshiro is the step of
// xoshiroNext.

// fwd32NEON is fwdGeneric: len(x) is a multiple of 64, len(y) == len(x),
// and len(bits) is 0 (no keep bits) or len(x)/64:
//
//	for i := range x { // i = 16*step + lane; steps advance all 16 lanes
//		keep := st[0][i%16]+st[3][i%16] >= lim
//		f := uint32(0)
//		if keep {
//			f = sb
//			if len(bits) != 0 {
//				bits[i/64] |= 1 << (i % 64)
//			}
//		}
//		y[i] = x[i] * math.Float32frombits(f)
//		if i%16 == 15 {
//			xoshiro(st) // every lane one step
//		}
//	}
//
// bits[i/64] is written whole, not ORed into.
//
//go:noescape
func fwd32NEON(st *[4][16]uint32, y, x []float32, bits []uint64, lim, sb uint32)

// fwdAdd32NEON is fwdAddGeneric: fwd32NEON with the residual added to each
// product, which is rounded to float32 first (a multiply, then an add:
// never a fused multiply-add); y may be x or res:
//
//	p := x[i] * math.Float32frombits(f) // rounded to float32
//	y[i] = res[i] + p
//
//go:noescape
func fwdAdd32NEON(st *[4][16]uint32, y, x, res []float32, bits []uint64, lim, sb uint32)

// fwd64NEON is fwd32NEON for float64: the same stream and keep test (so
// the same keep bits for the same st and lim), sb the factor's float64
// bits:
//
//	for i := range x { // i = 16*step + lane; steps advance all 16 lanes
//		keep := st[0][i%16]+st[3][i%16] >= lim
//		f := uint64(0)
//		if keep {
//			f = sb
//			if len(bits) != 0 {
//				bits[i/64] |= 1 << (i % 64)
//			}
//		}
//		y[i] = x[i] * math.Float64frombits(f)
//		if i%16 == 15 {
//			xoshiro(st) // every lane one step
//		}
//	}
//
// bits[i/64] is written whole, not ORed into.
//
//go:noescape
func fwd64NEON(st *[4][16]uint32, y, x []float64, bits []uint64, lim uint32, sb uint64)

// fwdAdd64NEON is fwdAdd32NEON for float64: fwd64NEON with the residual
// added to each product, which is rounded to float64 first (never a fused
// multiply-add); y may be x or res:
//
//	p := x[i] * math.Float64frombits(f) // rounded to float64
//	y[i] = res[i] + p
//
//go:noescape
func fwdAdd64NEON(st *[4][16]uint32, y, x, res []float64, bits []uint64, lim uint32, sb uint64)

// drawsNEON is drawsGeneric, len(u) a multiple of 64:
//
//	for i := range u {
//		u[i] = (st[0][i%16] + st[3][i%16]) >> 8
//		if i%16 == 15 {
//			xoshiro(st)
//		}
//	}
//
//go:noescape
func drawsNEON(st *[4][16]uint32, u []uint32)

// skipNEON advances every lane n >= 0 steps (lanes.skip).
//
//go:noescape
func skipNEON(st *[4][16]uint32, n int)

// bwd32NEON is bwdGeneric, len(dy) a multiple of 64, len(dx) == len(dy),
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

// bwd64NEON is bwd32NEON for float64, len(dy) a multiple of 64, len(dx) ==
// len(dy), len(words) == len(dy)/64:
//
//	for i := range dy {
//		f := uint64(0)
//		if words[i/64]>>(i%64)&1 != 0 {
//			f = sb
//		}
//		dx[i] = dy[i] * math.Float64frombits(f)
//	}
//
//go:noescape
func bwd64NEON(dx, dy []float64, words []uint64, sb uint64)

// scale32NEON is scaleGeneric, len(x) a multiple of 64, len(y) == len(x):
//
//	for i := range x {
//		y[i] = x[i] * math.Float32frombits(a)
//	}
//
//go:noescape
func scale32NEON(y, x []float32, a uint32)

// scale64NEON is scale32NEON for float64, len(x) a multiple of 64, len(y)
// == len(x):
//
//	for i := range x {
//		y[i] = x[i] * math.Float64frombits(a)
//	}
//
//go:noescape
func scale64NEON(y, x []float64, a uint64)

// add32NEON is addGeneric, len(a) a multiple of 64, len(dst) == len(b) ==
// len(a); dst may be a or b:
//
//	for i := range a {
//		dst[i] = a[i] + b[i]
//	}
//
//go:noescape
func add32NEON(dst, a, b []float32)

// add64NEON is add32NEON for float64, len(a) a multiple of 64, len(dst) ==
// len(b) == len(a); dst may be a or b:
//
//	for i := range a {
//		dst[i] = a[i] + b[i]
//	}
//
//go:noescape
func add64NEON(dst, a, b []float64)

// unpack8NEON is unpack8Generic, len(dst) == 64*len(words):
//
//	for i := range dst {
//		dst[i] = uint8(words[i/64] >> (i % 64) & 1)
//	}
//
//go:noescape
func unpack8NEON(dst []uint8, words []uint64)

// pack8NEON is pack8Generic, len(src) == 64*len(words):
//
//	for q := range words {
//		var w uint64
//		for j, v := range src[64*q : 64*q+64] {
//			if v != 0 {
//				w |= 1 << j
//			}
//		}
//		words[q] = w
//	}
//
//go:noescape
func pack8NEON(words []uint64, src []uint8)

// unpack32NEON is unpackFGeneric for float32, len(dst) == 64*len(words):
//
//	for i := range dst {
//		dst[i] = math.Float32frombits(-uint32(words[i/64]>>(i%64)&1) & 0x3f800000) // 1 or +0
//	}
//
//go:noescape
func unpack32NEON(dst []float32, words []uint64)

// pack32NEON is packFGeneric for float32, len(src) == 64*len(words), the float test
// done on the bits (no FP compare, so no flush-to-zero can matter):
//
//	for q := range words {
//		var w uint64
//		for j, v := range src[64*q : 64*q+64] {
//			if math.Float32bits(v)&0x7fffffff != 0 { // v != 0, NaN included
//				w |= 1 << j
//			}
//		}
//		words[q] = w
//	}
//
//go:noescape
func pack32NEON(words []uint64, src []float32)

// unpack64NEON is unpack32NEON for float64, len(dst) == 64*len(words):
//
//	for i := range dst {
//		dst[i] = math.Float64frombits(-(words[i/64] >> (i % 64) & 1) & 0x3ff0000000000000) // 1 or +0
//	}
//
//go:noescape
func unpack64NEON(dst []float64, words []uint64)

// pack64NEON is pack32NEON for float64, len(src) == 64*len(words), the
// float test done on the bits:
//
//	for q := range words {
//		var w uint64
//		for j, v := range src[64*q : 64*q+64] {
//			if math.Float64bits(v)&0x7fffffffffffffff != 0 { // v != 0, NaN included
//				w |= 1 << j
//			}
//		}
//		words[q] = w
//	}
//
//go:noescape
func pack64NEON(words []uint64, src []float64)
