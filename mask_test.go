package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// maskSizes: every n in 0..maxN, then sizes around larger multiples of the
// vector widths (16, 32, 64 elements) and of the 64-element mask word.
func maskSizes() []int {
	maxN := 700
	if testing.Short() {
		maxN = 200
	}
	var ns []int
	for n := 0; n <= maxN; n++ {
		ns = append(ns, n)
	}
	for _, c := range []int{1024, 4096, 65536} {
		for d := -65; d <= 65; d += 5 {
			ns = append(ns, c+d)
		}
	}
	return ns
}

// TestMaskConversionsPaths: every conversion on every path against the
// element-by-element definition, for every n in 0..700 and around larger
// vector and word boundaries, at every start alignment 0..3 of the
// destination and source slices; guards before and after the destination
// must stay untouched (guarded), and the mask words around too. Bytes and
// bools, then the float conversions of each type.
func TestMaskConversionsPaths(t *testing.T) {
	t.Run("bytes", func(t *testing.T) { eachMaskCase(t, checkByteConversions) })
	forEachType(t,
		func(t *testing.T) { eachMaskCase(t, checkFloatConversions[float32]) },
		func(t *testing.T) { eachMaskCase(t, checkFloatConversions[float64]) })
}

// eachMaskCase runs check on every path for every n of maskSizes and
// alignment 0..3.
func eachMaskCase(t *testing.T, check func(t testing.TB, r *rand.Rand, where string, n, a int)) {
	r := rand.New(rand.NewPCG(61, 62))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range maskSizes() {
			for a := 0; a < 4; a++ {
				check(t, r, fmt.Sprintf("%s n=%d align=%d", k.name, n, a), n, a)
			}
		}
	})
}

// checkByteConversions: Bytes, Bools, SetBytes and SetBools.
func checkByteConversions(t testing.TB, r *rand.Rand, where string, n, a int) {
	t.Helper()
	w := MaskLen(n)
	// The bits past n in the last word are random: unpacking ignores them.
	words, mIntact := guarded(w, 0, randomWords(r, w))
	m := Mask(words)
	bit := func(i int) uint64 { return m[i/64] >> uint(i%64) & 1 }

	b8, intact := guarded[uint8](n, a, nil)
	m.Bytes(b8)
	intact(t, where+" Bytes")
	for i, v := range b8 {
		if want := uint8(bit(i)); v != want {
			t.Fatalf("%s: Bytes: element %d = %#x, want %#x", where, i, v, want)
		}
	}
	bools := make([]bool, n+a)[a:]
	m.Bools(bools)
	for i, v := range bools {
		if v != m.Kept(i) {
			t.Fatalf("%s: Bools[%d] = %v, want %v", where, i, v, m.Kept(i))
		}
	}
	mIntact(t, where+" unpacked mask")

	// Pack bytes: any nonzero byte is kept.
	src := make([]uint8, n+a)[a:]
	for i := range src {
		switch r.IntN(4) {
		case 0:
			src[i] = uint8(1 + r.IntN(255))
		case 1:
			src[i] = []uint8{1, 0x80, 0xff, 0x10}[r.IntN(4)]
		}
	}
	checkPacked(t, where+" SetBytes", n, func(m Mask) { m.SetBytes(src) }, func(i int) bool { return src[i] != 0 })
	bsrc := make([]bool, n+a)[a:]
	for i := range bsrc {
		bsrc[i] = r.IntN(2) == 0
	}
	checkPacked(t, where+" SetBools", n, func(m Mask) { m.SetBools(bsrc) }, func(i int) bool { return bsrc[i] })
}

// checkFloatConversions: Float32s and SetFloat32s, or Float64s and
// SetFloat64s. Unpacked, a kept element is exactly 1 and a dropped one
// exactly +0 (their bits written out here); packed, an element is kept iff
// any bit but the sign is set: every NaN kept, -0 dropped.
func checkFloatConversions[T Float](t testing.TB, r *rand.Rand, where string, n, a int) {
	t.Helper()
	w := MaskLen(n)
	words, mIntact := guarded(w, 0, randomWords(r, w))
	m := Mask(words)
	one, sign := uint64(0x3f800000), uint64(1)<<31
	if is64[T]() {
		one, sign = 0x3ff0000000000000, 1<<63
	}
	name := "Float32s"
	if is64[T]() {
		name = "Float64s"
	}
	f, intact := guarded[T](n, a, nil)
	maskToFloats(m, f)
	intact(t, where+" "+name)
	for i, v := range f {
		if got, want := fbits(v), (m[i/64]>>uint(i%64)&1)*one; got != want {
			t.Fatalf("%s: %s: element %d bits %#x, want %#x", where, name, i, got, want)
		}
	}
	mIntact(t, where+" unpacked mask")

	// Pack: zero iff ±0; NaNs of every kind, subnormals and -0 among the
	// specials, ±0 a quarter of the time.
	sp := specials[T]()
	fsrc := make([]T, n+a)[a:]
	for i := range fsrc {
		switch r.IntN(4) {
		case 0, 1:
			fsrc[i] = sp[r.IntN(len(sp))]
		case 2:
			fsrc[i] = T(r.NormFloat64())
		default:
			fsrc[i] = ffrom[T](uint64(r.IntN(2)) * sign) // ±0
		}
	}
	checkPacked(t, where+" Set"+name, n, func(m Mask) { maskFromFloats(m, fsrc) }, func(i int) bool { return fbits(fsrc[i])&^sign != 0 })
}

// checkPacked runs pack on MaskLen(n) guarded words whose stale bits are
// all ones (pack must clear them, the bits past n too) and checks every bit
// against want; the guard's canaries are the words before and after
// MaskLen(n), which must stay untouched.
func checkPacked(t testing.TB, where string, n int, pack func(Mask), want func(i int) bool) {
	t.Helper()
	w := MaskLen(n)
	words, intact := guarded(w, 0, filled(w, ^uint64(0)))
	pack(words)
	intact(t, where)
	for i := 0; i < 64*w; i++ {
		if got, wt := words[i/64]>>uint(i%64)&1 != 0, i < n && want(i); got != wt {
			t.Fatalf("%s: bit %d = %v, want %v", where, i, got, wt)
		}
	}
}

// TestMaskRoundTrip: pack(unpack(m)) == m on every path, for every kind.
func TestMaskRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range []int{0, 1, 63, 64, 65, 127, 128, 129, 1000, 4097} {
			m := randomWords(r, MaskLen(n))
			if n%64 != 0 {
				m[n/64] &= 1<<uint(n%64) - 1
			}
			b, bs, f, f64 := make([]uint8, n), make([]bool, n), make([]float32, n), make([]float64, n)
			m.Bytes(b)
			m.Bools(bs)
			m.Float32s(f)
			m.Float64s(f64)
			for name, set := range map[string]func(Mask){
				"bytes": func(m Mask) { m.SetBytes(b) }, "bools": func(m Mask) { m.SetBools(bs) },
				"float32s": func(m Mask) { m.SetFloat32s(f) }, "float64s": func(m Mask) { m.SetFloat64s(f64) },
			} {
				got := filled(MaskLen(n), ^uint64(0))
				set(got)
				for i := range m {
					if got[i] != m[i] {
						t.Fatalf("%s n=%d %s: word %d = %#x, want %#x", k.name, n, name, i, got[i], m[i])
					}
				}
			}
		}
	})
}

// BenchmarkMaskConversions: Bytes, SetBytes, Float32s, SetFloat32s,
// Float64s and SetFloat64s on every path. SetBytes counts the bytes of the
// unpacked slice (1, 4 or 8 per element).
func BenchmarkMaskConversions(b *testing.B) {
	for _, n := range benchN(4096, 262144) {
		r := rand.New(rand.NewPCG(7, uint64(n)))
		m := randomWords(r, MaskLen(n))
		u8, f32, f64 := make([]uint8, n), make([]float32, n), make([]float64, n)
		m.Bytes(u8)
		m.Float32s(f32)
		m.Float64s(f64)
		ops := []struct {
			name string
			size int
			f    func()
		}{
			{"Bytes", 1, func() { m.Bytes(u8) }},
			{"SetBytes", 1, func() { m.SetBytes(u8) }},
			{"Float32s", 4, func() { m.Float32s(f32) }},
			{"SetFloat32s", 4, func() { m.SetFloat32s(f32) }},
			{"Float64s", 8, func() { m.Float64s(f64) }},
			{"SetFloat64s", 8, func() { m.SetFloat64s(f64) }},
		}
		for _, op := range ops {
			for _, k := range available {
				b.Run(fmt.Sprintf("%s/%s/n=%d", op.name, k.name, n), func(b *testing.B) {
					withPath(k, func() {
						b.SetBytes(int64(op.size * n))
						b.ReportAllocs()
						for b.Loop() {
							op.f()
						}
					})
				})
			}
		}
	}
}
