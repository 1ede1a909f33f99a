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

func archFwd(_ int, st *[4][16]uint32, y, x []float32, bits []uint64, lim, sb uint32, _ bool) {
	fwd32NEON(st, y, x, bits, lim, sb)
}

func archFwdAdd(_ int, st *[4][16]uint32, y, x, res []float32, bits []uint64, lim, sb uint32, _ bool) {
	fwdAdd32NEON(st, y, x, res, bits, lim, sb)
}

func archDraws(_ int, st *[4][16]uint32, u []uint32) { drawsNEON(st, u) }

// archFence: the NEON kernels make no non-temporal stores.
func archFence(int) {}

func archBwd(_ int, dx, dy []float32, words []uint64, sb uint32, _ bool) {
	bwd32NEON(dx, dy, words, sb)
}

func archScale(_ int, y, x []float32, a uint32, _ bool) { scale32NEON(y, x, a) }

func archAdd(_ int, dst, a, b []float32) { add32NEON(dst, a, b) }

func archUnpack8(_ int, dst []uint8, words []uint64) { unpack8NEON(dst, words) }

func archPack8(_ int, words []uint64, src []uint8) { pack8NEON(words, src) }

func archUnpack32(_ int, dst []float32, words []uint64) { unpack32NEON(dst, words) }

func archPack32(_ int, words []uint64, src []float32) { pack32NEON(words, src) }
