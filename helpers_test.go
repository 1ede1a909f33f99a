package dropout

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// The helpers every test file shares: the element types, the special
// values and random inputs, float and integer comparisons, canary-guarded
// slices, random lane states and mask words, and panics. (Guard pages, the
// OS-level check that nothing outside a slice is even read, are in
// guard_test.go.)
//
// A test that is the same for float32 and float64 is written once, as a
// generic function testX[T Float], and run for both by forEachType as the
// subtests "float32" and "float64" (go test -run 'TestX/float64/neon').

// forEachType runs a test written once over the element type for both
// types: f32 and f64 are its two instantiations (testX[float32] and
// testX[float64]), run as the subtests "float32" and "float64".
func forEachType(t *testing.T, f32, f64 func(t *testing.T)) {
	t.Helper()
	t.Run("float32", f32)
	t.Run("float64", f64)
}

// is64 reports whether T is float64. The tests keep their own helpers for
// the element type (is64, fbits, ffrom) rather than the library's wide,
// toBits and fromBits: a bug there must not hide in the tests too.
func is64[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 8
}

// typeName is "float32" or "float64".
func typeName[T Float]() string { return fmt.Sprintf("%T", *new(T)) }

// fbits returns the bits of v (a float32's in the low half).
func fbits[T Float](v T) uint64 {
	if is64[T]() {
		return *(*uint64)(unsafe.Pointer(&v))
	}
	return uint64(*(*uint32)(unsafe.Pointer(&v)))
}

// ffrom returns the T with bits b (a float32's from the low half).
func ffrom[T Float](b uint64) T {
	if is64[T]() {
		return *(*T)(unsafe.Pointer(&b))
	}
	b32 := uint32(b)
	return *(*T)(unsafe.Pointer(&b32))
}

// pick returns f32 as a float32 or f64 as a float64: a value that differs
// by type (a near-overflow number, a subnormal, a machine epsilon).
func pick[T Float](f32 float32, f64 float64) T {
	if is64[T]() {
		return T(f64)
	}
	return T(f32)
}

// hexBits formats the bits of v with the digits of its width.
func hexBits[T Float](v T) string {
	if is64[T]() {
		return fmt.Sprintf("%#016x", fbits(v))
	}
	return fmt.Sprintf("%#08x", fbits(v))
}

// specialBits32 and specialBits64 are the inputs where a blend, a zeroing,
// a fused multiply-add or a zero test would differ from the real
// operations: NaNs (quiet, signaling, negative, every payload bit),
// infinities, signed zeros, subnormals, the smallest normals, values whose
// products overflow, the largest finite values, and plain numbers. The
// float64 ones add values that round differently in float32 (0.1, 1+2^-30,
// 2^24+1), that are Inf, subnormal or zero as float32 (1e39, 1e-40,
// 1e-50), and MaxFloat32 rounded up.
var (
	specialBits32 = []uint32{
		0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xffc12345, 0x7fffffff, 0xffffffff, // NaNs
		0x7f800000, 0xff800000, // ±Inf
		0x00000000, 0x80000000, // ±0
		0x00000001, 0x80000001, 0x00400000, 0x007fffff, 0x807fffff, 0x800571cc, // subnormals
		0x00800000, 0x80800000, // ±smallest normal
		0x7f61b1e6, 0xff61b1e6, // ±3e38
		0x7f7fffff, 0xff7fffff, // ±MaxFloat32
		0x3f800000, 0xbf800000, 0x3f000000, // 1, -1, 0.5
	}
	specialBits64 = []uint64{
		0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x7ff7ffffffffffff, // NaNs
		0xfff8000000012345, 0xfff8000012345678, 0x7ff00000ffffffff, 0x7fffffffffffffff, 0xffffffffffffffff,
		0x7ff0000000000000, 0xfff0000000000000, // ±Inf
		0x0000000000000000, 0x8000000000000000, // ±0
		0x0000000000000001, 0x8000000000000001, 0x0008000000000000, 0x000fffffffffffff, // subnormals
		0x800fffffffffffff, 0x800571cc12345678,
		0x00000000ffffffff, 0x0000000100000000, // subnormals with a zero 32-bit half: a zero test must see the other half
		0x0010000000000000, 0x8010000000000000, // ±smallest normal
		0x7fe1ccf385ebc8a0, 0xffe1ccf385ebc8a0, // ±1e308
		0x7fefffffffffffff, 0xffefffffffffffff, // ±MaxFloat64
		0x3ff0000000000000, 0xbff0000000000000, 0x3fe0000000000000, 0x4000000000000000, // 1, -1, 0.5, 2
		0x3fb999999999999a, 0x3ff0000000400000, 0x4170000010000000, // 0.1, 1+2^-30, 2^24+1
		0x48078287f49c4a1d, 0x37a16c262777579c, 0xb58dee7a4ad4b81f, // 1e39, 1e-40, -1e-50
		0x47effffff0000000, // MaxFloat32 rounded up: Inf as a float32
	}
)

// specials returns the special values of T.
func specials[T Float]() []T {
	var s []T
	if is64[T]() {
		for _, b := range specialBits64 {
			s = append(s, ffrom[T](b))
		}
	} else {
		for _, b := range specialBits32 {
			s = append(s, ffrom[T](uint64(b)))
		}
	}
	return s
}

// specialInputs returns n values of T: a quarter special values, the rest
// finite numbers, half of them of every magnitude (any exponent, so
// products overflow and underflow) and half normally distributed.
func specialInputs[T Float](r *rand.Rand, n int) []T {
	sp := specials[T]()
	x := make([]T, n)
	for i := range x {
		switch r.IntN(8) {
		case 0, 1:
			x[i] = sp[r.IntN(len(sp))]
		case 2, 3, 4:
			if is64[T]() { // sign and mantissa random, any finite exponent
				x[i] = ffrom[T](r.Uint64()&^(0x7ff<<52) | uint64(r.IntN(2047))<<52)
			} else {
				x[i] = ffrom[T](uint64(r.Uint32()&^(0xff<<23) | uint32(r.IntN(255))<<23))
			}
		default:
			x[i] = T(r.NormFloat64() * 10)
		}
	}
	return x
}

// sameBits reports whether a and b have the same bits, NaN as a class:
// arm64's default NaN is not x86's, and the stream's semantics do not fix
// NaN payloads.
func sameBits[T Float](a, b T) bool {
	if a != a && b != b {
		return true
	}
	return fbits(a) == fbits(b)
}

// sameFloats fails unless got and want have the same length and bits (NaN
// as a class). inputs, if given, are the operands of the element: printed
// with a difference.
func sameFloats[T Float](t testing.TB, where string, got, want []T, inputs ...[]T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", where, len(got), len(want))
	}
	for i := range got {
		if !sameBits(got[i], want[i]) {
			var in strings.Builder
			for j, s := range inputs {
				if i < len(s) {
					fmt.Fprintf(&in, "; input %d = %v (%s)", j, s[i], hexBits(s[i]))
				}
			}
			t.Fatalf("%s: [%d] = %v (%s), want %v (%s)%s", where, i,
				got[i], hexBits(got[i]), want[i], hexBits(want[i]), in.String())
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
	uint8 | uint32 | uint64 | float32 | float64
}

// pattern returns the element of type T whose every byte is b; as a float,
// 0xa5 gives a small negative number (-2.9e-16 as a float32, -2.5e-127 as
// a float64) and 0x5a a large one (1.5e16, 1.8e127): values that no
// kernel writes for the tests' inputs by chance.
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

// sameElems fails unless got and want hold the same bytes: outputs with
// one right value (unpacked masks) and inputs that must not change.
func sameElems[E canaryElem](t testing.TB, where string, got, want []E) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", where, len(got), len(want))
	}
	size := int(unsafe.Sizeof(*new(E)))
	raw := func(s []E) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*size) }
	g, w := raw(got), raw(want)
	for i := range g {
		if g[i] != w[i] {
			j := i / size
			t.Fatalf("%s: [%d] = %v, want %v", where, j, got[j], want[j])
		}
	}
}

// maskToFloats is Mask.Float32s or Mask.Float64s, by T.
func maskToFloats[T Float](m Mask, dst []T) {
	switch d := any(dst).(type) {
	case []float32:
		m.Float32s(d)
	case []float64:
		m.Float64s(d)
	}
}

// maskFromFloats is Mask.SetFloat32s or Mask.SetFloat64s, by T.
func maskFromFloats[T Float](m Mask, src []T) {
	switch s := any(src).(type) {
	case []float32:
		m.SetFloat32s(s)
	case []float64:
		m.SetFloat64s(s)
	}
}
