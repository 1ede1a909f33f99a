//go:build !purego

package dropout

// The arm64 mask conversions: NEON kernels in mask_arm64.s, one 64-bit mask
// word (64 elements) per iteration. The callers in mask.go pass whole words
// (len(dst) or len(src) == 64*len(words)) and finish a partial last word in
// Go; the reslicing below panics rather than let the assembly run past a
// slice that is too short.

func archUnpack8(_ int, dst []uint8, words []uint64) {
	dst = dst[:64*len(words)]
	raceRead(words)
	raceWrite(dst)
	unpack8NEON(dst, words)
}

func archPack8(_ int, words []uint64, src []uint8) {
	src = src[:64*len(words)]
	raceRead(src)
	raceWrite(words)
	pack8NEON(words, src)
}

func archUnpack32(_ int, dst []float32, words []uint64) {
	dst = dst[:64*len(words)]
	raceRead(words)
	raceWrite(dst)
	unpack32NEON(dst, words)
}

func archPack32(_ int, words []uint64, src []float32) {
	src = src[:64*len(words)]
	raceRead(src)
	raceWrite(words)
	pack32NEON(words, src)
}

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

// unpack32NEON is unpack32Generic, len(dst) == 64*len(words):
//
//	for i := range dst {
//		dst[i] = math.Float32frombits(-uint32(words[i/64]>>(i%64)&1) & 0x3f800000)
//	}
//
//go:noescape
func unpack32NEON(dst []float32, words []uint64)

// pack32NEON is pack32Generic, len(src) == 64*len(words), with the float
// test done on the bits (exact: no FP compare, so no flush-to-zero of
// subnormals can matter):
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
