package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// The helpers every test file shares: the special values and random inputs,
// float and integer comparisons, canary-guarded slices, random lane states
// and mask words, and panics. (Guard pages, the OS-level check that nothing
// outside a slice is even read, are in guard_test.go.)

// specialBits are the float32 inputs where a blend, a zeroing, a fused
// multiply-add or a zero test would differ from the real operations: NaNs
// (quiet, signaling, negative, every payload bit), infinities, signed
// zeros, subnormals, the smallest normals, values whose products overflow,
// the largest finite values, and plain numbers.
var specialBits = []uint32{
	0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xffc12345, 0x7fffffff, 0xffffffff, // NaNs
	0x7f800000, 0xff800000, // ±Inf
	0x00000000, 0x80000000, // ±0
	0x00000001, 0x80000001, 0x00400000, 0x007fffff, 0x807fffff, 0x800571cc, // subnormals
	0x00800000, 0x80800000, // ±smallest normal
	0x7f61b1e6, 0xff61b1e6, // ±3e38
	0x7f7fffff, 0xff7fffff, // ±MaxFloat32
	0x3f800000, 0xbf800000, 0x3f000000, // 1, -1, 0.5
}

// specialInputs returns n values: a quarter from specialBits, the rest
// finite numbers, half of them of every magnitude (any exponent, so
// products overflow and underflow) and half normally distributed.
func specialInputs(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch r.IntN(8) {
		case 0, 1:
			x[i] = math.Float32frombits(specialBits[r.IntN(len(specialBits))])
		case 2, 3, 4:
			x[i] = math.Float32frombits(r.Uint32()&^(0xff<<23) | uint32(r.IntN(255))<<23)
		default:
			x[i] = float32(r.NormFloat64() * 10)
		}
	}
	return x
}

// sameBits reports whether a and b have the same bits, NaN as a class:
// arm64's default NaN is not x86's, and the stream's semantics do not fix
// NaN payloads.
func sameBits(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// sameF32 fails unless got and want have the same length and bits (NaN as a
// class). inputs, if given, are the operands of the element: printed with a
// difference.
func sameF32(t testing.TB, where string, got, want []float32, inputs ...[]float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", where, len(got), len(want))
	}
	for i := range got {
		if !sameBits(got[i], want[i]) {
			var in strings.Builder
			for j, s := range inputs {
				if i < len(s) {
					fmt.Fprintf(&in, "; input %d = %v (%#08x)", j, s[i], math.Float32bits(s[i]))
				}
			}
			t.Fatalf("%s: [%d] = %v (%#08x), want %v (%#08x)%s", where, i,
				got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), in.String())
		}
	}
}

// sameInts fails unless got and want are equal: draws, mask words, bytes.
func sameInts[T uint8 | uint32 | uint64](t testing.TB, where string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", where, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: [%d] = %#x, want %#x", where, i, got[i], want[i])
		}
	}
}

// sameMask is sameInts for mask words.
func sameMask(t testing.TB, where string, got, want Mask) {
	t.Helper()
	sameInts(t, where+" (mask word)", got, want)
}

// canaryElem are the element types of guarded slices.
type canaryElem interface {
	uint8 | uint32 | uint64 | float32
}

// pattern returns the element of type T whose every byte is b; for
// float32, 0xa5 gives a signaling NaN (no arithmetic produces one) and
// 0x5a a finite number (about 1.5e16).
func pattern[T canaryElem](b byte) T {
	var v T
	p := unsafe.Slice((*byte)(unsafe.Pointer(&v)), unsafe.Sizeof(v))
	for i := range p {
		p[i] = b
	}
	return v
}

// guarded returns a slice of n elements whose first element lies off
// elements past a 64-byte boundary (off 0 is aligned for every vector
// size, so the non-temporal branches run), holding fill, and past fill
// (all of it when fill is nil) garbage that an output must overwrite. The 64 bytes and more on each
// side of the slice hold a canary; intact fails t if any changed: something
// wrote outside the slice. The slice's capacity is its length.
func guarded[T canaryElem](n, off int, fill []T) (s []T, intact func(t testing.TB, what string)) {
	var zero T
	size := int(unsafe.Sizeof(zero))
	pad := 64 / size // elements in 64 bytes
	buf := make([]T, 4*pad+off+n)
	canary := pattern[T](0xa5) // every byte 0xa5
	for i := range buf {
		buf[i] = canary
	}
	addr := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	start := pad + (64-(addr+pad*size)%64)%64/size + off
	s = buf[start : start+n : start+n]
	garbage := pattern[T](0x5a)
	for i := range s {
		s[i] = garbage
	}
	copy(s, fill)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), len(buf)*size)
	return s, func(t testing.TB, what string) {
		t.Helper()
		for _, side := range [2][2]int{{0, start * size}, {(start + n) * size, len(raw)}} {
			for i := side[0]; i < side[1]; i++ {
				if raw[i] != 0xa5 {
					t.Fatalf("%s: element %d outside the slice of %d was overwritten", what, i/size-start, n)
				}
			}
		}
	}
}

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

// randomWords returns n mask words whose bit density varies with the word:
// random, sparse, dense, none, all, and bits 0 and 63 alone (the first and
// last of a word). As keep bits they cover every case of a word; as stale
// contents they are what an output word must overwrite.
func randomWords(r *rand.Rand, n int) Mask {
	m := make(Mask, n)
	for i := range m {
		switch i % 6 {
		case 0:
			m[i] = r.Uint64()
		case 1:
			m[i] = r.Uint64() & r.Uint64() & r.Uint64()
		case 2:
			m[i] = r.Uint64() | r.Uint64() | r.Uint64()
		case 3:
			m[i] = 0
		case 4:
			m[i] = ^uint64(0)
		case 5:
			m[i] = 1<<63 | 1
		}
	}
	return m
}

// filled returns a mask of n words, each v.
func filled(n int, v uint64) Mask {
	m := make(Mask, n)
	for i := range m {
		m[i] = v
	}
	return m
}

// mustPanic fails unless f panics with a message containing every part.
func mustPanic(t *testing.T, parts []string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want one mentioning %q", parts)
		}
		msg := fmt.Sprint(r)
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				t.Fatalf("panic %q does not mention %q", msg, p)
			}
		}
	}()
	f()
}
