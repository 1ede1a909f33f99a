//go:build !purego

package dropout

// The "neon" path: Advanced SIMD kernels, hand-written in kernel_arm64.s
// and mask_arm64.s (stubs and their Go equivalents in stubs_arm64.go). NEON
// is part of the arm64 baseline, so the path is always available
// (DROPOUT_DISABLE=neon turns it off). It makes no non-temporal stores
// (ntMin 0) and seeds blocks in Go. This file only maps the path to its
// kernels; dispatch.go does the rest.

func archPaths() []*path {
	return []*path{{name: "neon", id: 1, align: 16, parMin: parMinAsm}}
}

// archSeed: the neon path seeds in Go.
func archSeed(int, *[4][16]uint32, uint64) bool { return false }

func archSkip(_ int, st *[4][16]uint32, n int) { skipNEON(st, n) }

func archFwd[T Float](_ int, st *[4][16]uint32, y, x []T, bits []uint64, lim uint32, sb uint64, _ bool) {
	if wide[T]() {
		fwd64NEON(st, as[float64](y), as[float64](x), bits, lim, sb)
	} else {
		fwd32NEON(st, as[float32](y), as[float32](x), bits, lim, uint32(sb))
	}
}

func archFwdAdd[T Float](_ int, st *[4][16]uint32, y, x, res []T, bits []uint64, lim uint32, sb uint64, _ bool) {
	if wide[T]() {
		fwdAdd64NEON(st, as[float64](y), as[float64](x), as[float64](res), bits, lim, sb)
	} else {
		fwdAdd32NEON(st, as[float32](y), as[float32](x), as[float32](res), bits, lim, uint32(sb))
	}
}

func archDraws(_ int, st *[4][16]uint32, u []uint32) { drawsNEON(st, u) }

// archFence: the NEON kernels make no non-temporal stores.
func archFence(int) {}

func archBwd[T Float](_ int, dx, dy []T, words []uint64, sb uint64, _ bool) {
	if wide[T]() {
		bwd64NEON(as[float64](dx), as[float64](dy), words, sb)
	} else {
		bwd32NEON(as[float32](dx), as[float32](dy), words, uint32(sb))
	}
}

func archScale[T Float](_ int, y, x []T, a uint64, _ bool) {
	if wide[T]() {
		scale64NEON(as[float64](y), as[float64](x), a)
	} else {
		scale32NEON(as[float32](y), as[float32](x), uint32(a))
	}
}

func archAdd[T Float](_ int, dst, a, b []T) {
	if wide[T]() {
		add64NEON(as[float64](dst), as[float64](a), as[float64](b))
	} else {
		add32NEON(as[float32](dst), as[float32](a), as[float32](b))
	}
}

func archUnpack8(_ int, dst []uint8, words []uint64) { unpack8NEON(dst, words) }

func archPack8(_ int, words []uint64, src []uint8) { pack8NEON(words, src) }

func archUnpackF[T Float](_ int, dst []T, words []uint64) {
	if wide[T]() {
		unpack64NEON(as[float64](dst), words)
	} else {
		unpack32NEON(as[float32](dst), words)
	}
}

func archPackF[T Float](_ int, words []uint64, src []T) {
	if wide[T]() {
		pack64NEON(words, as[float64](src))
	} else {
		pack32NEON(words, as[float32](src))
	}
}
