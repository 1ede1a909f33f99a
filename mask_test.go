package dropout

import (
	"fmt"
	"math"
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
// must stay untouched (guarded), and the mask words around too.
func TestMaskConversionsPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range maskSizes() {
			for a := 0; a < 4; a++ {
				where := fmt.Sprintf("%s n=%d align=%d", k.name, n, a)
				checkMaskConversions(t, r, where, n, a)
			}
		}
	})
}

func checkMaskConversions(t testing.TB, r *rand.Rand, where string, n, a int) {
	t.Helper()
	w := MaskLen(n)
	// The bits past n in the last word are random: unpacking ignores them.
	words, mIntact := guarded(w, 0, randomWords(r, w))
	m := Mask(words)
	bit := func(i int) uint64 { return m[i/64] >> uint(i%64) & 1 }

	// Unpack to bytes and bools.
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

	// Unpack to float32.
	f, intact := guarded[float32](n, a, nil)
	m.Float32s(f)
	intact(t, where+" Float32s")
	for i, v := range f {
		if got, want := math.Float32bits(v), uint32(bit(i))*0x3f800000; got != want {
			t.Fatalf("%s: Float32s: element %d bits %#08x, want %#08x", where, i, got, want)
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

	// Pack float32: zero iff ±0.
	fsrc := make([]float32, n+a)[a:]
	for i := range fsrc {
		if r.IntN(2) == 0 {
			fsrc[i] = math.Float32frombits(specialBits[r.IntN(len(specialBits))])
		} else if r.IntN(2) == 0 {
			fsrc[i] = float32(r.NormFloat64())
		}
	}
	checkPacked(t, where+" SetFloat32s", n, func(m Mask) { m.SetFloat32s(fsrc) }, func(i int) bool { return fsrc[i] != 0 })
}

// checkPacked runs pack on MaskLen(n) guarded words whose stale bits are
// all ones (pack must clear them, the bits past n too) and checks every bit
// against want.
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
			b, bs, f := make([]uint8, n), make([]bool, n), make([]float32, n)
			m.Bytes(b)
			m.Bools(bs)
			m.Float32s(f)
			for name, set := range map[string]func(Mask){
				"bytes": func(m Mask) { m.SetBytes(b) }, "bools": func(m Mask) { m.SetBools(bs) },
				"float32s": func(m Mask) { m.SetFloat32s(f) },
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

// BenchmarkMaskConversions: Bytes, SetBytes, Float32s and SetFloat32s on
// every path. SetBytes counts the bytes of the unpacked slice (1 or 4 per
// element).
func BenchmarkMaskConversions(b *testing.B) {
	for _, n := range benchN(4096, 262144) {
		r := rand.New(rand.NewPCG(7, uint64(n)))
		m := randomWords(r, MaskLen(n))
		u8, f32 := make([]uint8, n), make([]float32, n)
		m.Bytes(u8)
		m.Float32s(f32)
		ops := []struct {
			name string
			size int
			f    func()
		}{
			{"Bytes", 1, func() { m.Bytes(u8) }},
			{"SetBytes", 1, func() { m.SetBytes(u8) }},
			{"Float32s", 4, func() { m.Float32s(f32) }},
			{"SetFloat32s", 4, func() { m.SetFloat32s(f32) }},
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
