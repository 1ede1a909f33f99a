//go:build !purego

package dropout

// The amd64 mask conversions: whole words in asm_amd64.s (generated), one 64-bit word
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
		unpack8AVX512(dst, words)
		return
	}
	unpack8AVX2(dst, words)
}

func archPack8(id int, words []uint64, src []uint8) {
	if len(words) == 0 {
		return
	}
	src = src[:64*len(words)]
	raceRead(src)
	raceWrite(words)
	if id == idAVX512 {
		pack8AVX512(words, src)
		return
	}
	pack8AVX2(words, src)
}

func archUnpack32(id int, dst []float32, words []uint64) {
	if len(words) == 0 {
		return
	}
	dst = dst[:64*len(words)]
	raceRead(words)
	raceWrite(dst)
	if id == idAVX512 {
		unpack32AVX512(dst, words)
		return
	}
	unpack32AVX2(dst, words)
}

func archPack32(id int, words []uint64, src []float32) {
	if len(words) == 0 {
		return
	}
	src = src[:64*len(words)]
	raceRead(src)
	raceWrite(words)
	if id == idAVX512 {
		pack32AVX512(words, src)
		return
	}
	pack32AVX2(words, src)
}
