package dropout

import (
	"math"
	"math/rand/v2"
)

// Helpers of the tests that hold the assembly kernels to the generic ones
// (kernel_amd64_test.go, kernel_arm64_test.go).

// randLanes returns a random lane state (never all zero in practice).
func randLanes(r *rand.Rand) lanes {
	var st lanes
	for k := range st.s {
		for l := range st.s[k] {
			st.s[k][l] = r.Uint32()
		}
	}
	return st
}

// sameFloats reports the first index where got and want differ in bits,
// NaNs matching any NaN (arm64's default NaN is not x86's), or -1; 0 when
// the lengths differ.
func sameFloats(got, want []float32) int {
	if len(got) != len(want) {
		return 0
	}
	for i := range got {
		g, w := got[i], want[i]
		if g != g && w != w {
			continue
		}
		if math.Float32bits(g) != math.Float32bits(w) {
			return i
		}
	}
	return -1
}

// randWords returns n random words: keep bits for a backward kernel, or
// garbage that a forward kernel writing keep bits must overwrite.
func randWords(r *rand.Rand, n int) []uint64 {
	w := make([]uint64, n)
	for i := range w {
		w[i] = r.Uint64()
	}
	return w
}

// bwdWords returns n mask words for the backward kernels, cycling through
// random bits, a quarter of them, all, an eighth, and bits 0 and 63 alone
// (the first of the low half word, the last of the high one).
func bwdWords(r *rand.Rand, n int) []uint64 {
	w := make([]uint64, n)
	for i := range w {
		switch i % 5 {
		case 0:
			w[i] = r.Uint64()
		case 1:
			w[i] = r.Uint64() & r.Uint64()
		case 2:
			w[i] = ^uint64(0)
		case 3:
			w[i] = r.Uint64() & r.Uint64() & r.Uint64()
		case 4:
			w[i] = 1<<63 | 1
		}
	}
	return w
}
