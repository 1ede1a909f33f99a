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

// randomWords returns words whose bits have density varying with the word
// (all zero, all one, sparse, dense, half).
func randomWords(r *rand.Rand, n int) Mask {
	m := make(Mask, n)
	for i := range m {
		switch i % 5 {
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
		}
	}
	return m
}

// specialFloatBits: values SetFloat32s must sort into zero (the two
// zeros) and nonzero (everything else: NaNs of every kind, infinities,
// the smallest subnormals, ordinary numbers).
var specialFloatBits = []uint32{
	0x00000000, 0x80000000, // +0, -0: zero
	0x7fc00000, 0xffc00000, 0x7f800001, 0xffffffff, 0x7fffffff, // NaNs
	0x7f800000, 0xff800000, // ±Inf
	0x00000001, 0x80000001, 0x007fffff, // subnormals
	0x3f800000, 0xbf800000, 0x00800000, 0x7f7fffff, // 1, -1, smallest normal, max
}

// TestMaskConversionsPaths: every conversion on every path against the
// element-by-element definition, for every n in 0..700 and around larger
// vector and word boundaries, at every start alignment 0..3 of the
// destination and source slices; guards before and after the destination
// must stay untouched, and the mask words past MaskLen(n) too.
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

const guardWord = 0x5a5a5a5a5a5a5a5a

func checkMaskConversions(t testing.TB, r *rand.Rand, where string, n, a int) {
	w := MaskLen(n)
	// A mask longer than needed: the extra word is never read by unpack
	// nor written by pack.
	buf := randomWords(r, w+2)
	m := buf[1 : w+1 : w+2]
	buf[0], buf[w+1] = guardWord, guardWord

	// Unpack to bytes and bools.
	b8 := make([]uint8, n+a+8)
	for i := range b8 {
		b8[i] = 0xa5
	}
	dst := b8[a : a+n]
	m.Bytes(dst)
	for i := range b8 {
		want := uint8(0xa5)
		if i >= a && i < a+n {
			want = uint8(m[(i-a)/64] >> uint((i-a)%64) & 1)
		}
		if b8[i] != want {
			t.Fatalf("%s: Bytes: byte %d (element %d) = %#x, want %#x", where, i, i-a, b8[i], want)
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
	f := make([]float32, n+a+8)
	for i := range f {
		f[i] = math.Float32frombits(0x7fa5a5a5)
	}
	m.Float32s(f[a : a+n])
	for i := range f {
		want := uint32(0x7fa5a5a5)
		if i >= a && i < a+n {
			want = uint32(m[(i-a)/64]>>uint((i-a)%64)&1) * 0x3f800000
		}
		if got := math.Float32bits(f[i]); got != want {
			t.Fatalf("%s: Float32s: float %d (element %d) bits %#08x, want %#08x", where, i, i-a, got, want)
		}
	}

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
	m2 := fillMask(buf, w)
	m2.SetBytes(src)
	checkPacked(t, where+" SetBytes", buf, w, n, func(i int) bool { return src[i] != 0 })
	bsrc := make([]bool, n+a)[a:]
	for i := range bsrc {
		bsrc[i] = r.IntN(2) == 0
	}
	m2 = fillMask(buf, w)
	m2.SetBools(bsrc)
	checkPacked(t, where+" SetBools", buf, w, n, func(i int) bool { return bsrc[i] })

	// Pack float32: zero iff ±0.
	fsrc := make([]float32, n+a)[a:]
	for i := range fsrc {
		if r.IntN(2) == 0 {
			fsrc[i] = math.Float32frombits(specialFloatBits[r.IntN(len(specialFloatBits))])
		} else if r.IntN(2) == 0 {
			fsrc[i] = float32(r.NormFloat64())
		}
	}
	m2 = fillMask(buf, w)
	m2.SetFloat32s(fsrc)
	checkPacked(t, where+" SetFloat32s", buf, w, n, func(i int) bool { return fsrc[i] != 0 })
}

// fillMask sets words 1..w of buf to all ones (stale bits pack must clear)
// and the guards around them, and returns those words.
func fillMask(buf Mask, w int) Mask {
	for i := range buf {
		buf[i] = ^uint64(0)
	}
	buf[0], buf[w+1] = guardWord, guardWord
	return buf[1 : w+1]
}

func checkPacked(t testing.TB, where string, buf Mask, w, n int, want func(i int) bool) {
	t.Helper()
	if buf[0] != guardWord || buf[w+1] != guardWord {
		t.Fatalf("%s: wrote outside its %d words: %#x %#x", where, w, buf[0], buf[w+1])
	}
	m := buf[1 : w+1]
	for i := 0; i < 64*w; i++ {
		if got, wt := m[i/64]>>uint(i%64)&1 != 0, i < n && want(i); got != wt {
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
