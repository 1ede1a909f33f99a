//go:build !purego

package dropout

// The amd64 mask conversions: whole words in mask_amd64.s, one 64-bit word
// (64 elements) per loop iteration. AVX-512 moves a word through a K
// register (VMOVDQU8.Z and VMOVDQA32.Z expand it, VPTESTMB and VPTESTMD
// gather it); AVX2 broadcasts a 32-bit half and lets each lane pick its bit,
// and VPMOVMSKB gathers the bits back. pack32 tests x&0x7fffffff, not
// x != 0 as floats, so MXCSR's denormals-are-zero bit cannot change it.
// Each wrapper reslices the element slice to 64*len(words), so the assembly
// stays inside both.

func archUnpack8(id int, dst []uint8, words []uint64) {
	if len(words) == 0 {
		return
	}
	dst = dst[:64*len(words)]
	raceRead(words)
	raceWrite(dst)
	if id == idAVX512 {
		unpack8AVX512(&dst[0], &words[0], len(words))
		return
	}
	unpack8AVX2(&dst[0], &words[0], len(words))
}

func archPack8(id int, words []uint64, src []uint8) {
	if len(words) == 0 {
		return
	}
	src = src[:64*len(words)]
	raceRead(src)
	raceWrite(words)
	if id == idAVX512 {
		pack8AVX512(&words[0], &src[0], len(words))
		return
	}
	pack8AVX2(&words[0], &src[0], len(words))
}

func archUnpack32(id int, dst []float32, words []uint64) {
	if len(words) == 0 {
		return
	}
	dst = dst[:64*len(words)]
	raceRead(words)
	raceWrite(dst)
	if id == idAVX512 {
		unpack32AVX512(&dst[0], &words[0], len(words))
		return
	}
	unpack32AVX2(&dst[0], &words[0], len(words))
}

func archPack32(id int, words []uint64, src []float32) {
	if len(words) == 0 {
		return
	}
	src = src[:64*len(words)]
	raceRead(src)
	raceWrite(words)
	if id == idAVX512 {
		pack32AVX512(&words[0], &src[0], len(words))
		return
	}
	pack32AVX2(&words[0], &src[0], len(words))
}

// unpack8AVX512 is unpack8Generic over n > 0 words:
//
//	for i := 0; i < 64*n; i++ {
//		dst[i] = uint8(words[i/64] >> (i % 64) & 1)
//	}
//
//go:noescape
func unpack8AVX512(dst *uint8, words *uint64, n int)

// unpack8AVX2 is unpack8AVX512 for AVX2.
//
//go:noescape
func unpack8AVX2(dst *uint8, words *uint64, n int)

// pack8AVX512 is pack8Generic over n > 0 words:
//
//	for i := 0; i < n; i++ {
//		var w uint64
//		for j := 0; j < 64; j++ {
//			if src[64*i+j] != 0 {
//				w |= 1 << j
//			}
//		}
//		words[i] = w
//	}
//
//go:noescape
func pack8AVX512(words *uint64, src *uint8, n int)

// pack8AVX2 is pack8AVX512 for AVX2.
//
//go:noescape
func pack8AVX2(words *uint64, src *uint8, n int)

// unpack32AVX512 is unpack32Generic over n > 0 words:
//
//	for i := 0; i < 64*n; i++ {
//		dst[i] = math.Float32frombits(-uint32(words[i/64]>>(i%64)&1) & 0x3f800000) // 1 or +0
//	}
//
//go:noescape
func unpack32AVX512(dst *float32, words *uint64, n int)

// unpack32AVX2 is unpack32AVX512 for AVX2.
//
//go:noescape
func unpack32AVX2(dst *float32, words *uint64, n int)

// pack32AVX512 is pack32Generic over n > 0 words, testing bits rather than
// comparing floats (so MXCSR's denormals-are-zero cannot matter):
//
//	for i := 0; i < n; i++ {
//		var w uint64
//		for j := 0; j < 64; j++ {
//			if math.Float32bits(src[64*i+j])&0x7fffffff != 0 { // src[64*i+j] != 0
//				w |= 1 << j
//			}
//		}
//		words[i] = w
//	}
//
//go:noescape
func pack32AVX512(words *uint64, src *float32, n int)

// pack32AVX2 is pack32AVX512 for AVX2.
//
//go:noescape
func pack32AVX2(words *uint64, src *float32, n int)
