//go:build arm64 && !purego

package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The TestNEON64 tests call the float64 NEON kernels (kernel_arm64.s,
// mask_arm64.s) directly, each against a plain Go loop of its contract
// (stubs_arm64.go): every n in 0, 64, ..., 1280 and 8192, inputs with the
// float64 specials, outputs bit for bit with NaN as a class (sameF64), the
// outputs over stale contents and every slice guarded by canaries
// (guarded), inputs unchanged, and each in-place form the contract allows.
// fwd64NEON's keep bits and lane state must also be fwd32NEON's for the
// same st and lim. The dispatch layer's suite (kernel_paths_test.go) does
// not reach these kernels yet.

// special64Bits are the float64 counterparts of specialBits: NaNs (quiet,
// signaling, negative, payloads), ±Inf, ±0, subnormals, the smallest
// normals, the largest finite values and plain numbers.
var special64Bits = []uint64{
	0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x7ff7ffffffffffff, 0xfff8000012345678, 0x7fffffffffffffff, 0xffffffffffffffff, // NaNs
	0x7ff0000000000000, 0xfff0000000000000, // ±Inf
	0x0000000000000000, 0x8000000000000000, // ±0
	0x0000000000000001, 0x8000000000000001, 0x0008000000000000, 0x000fffffffffffff, 0x800fffffffffffff, // subnormals
	0x0010000000000000, 0x8010000000000000, // ±smallest normal
	0x7fefffffffffffff, 0xffefffffffffffff, // ±MaxFloat64
	0x3ff0000000000000, 0xbff0000000000000, 0x3fe0000000000000, // 1, -1, 0.5
}

// fwd64Factors are the keep factors (bits): identity, exact, inexact,
// overflow (and Inf*0 = NaN), a product overflow, zero; scale64Factors adds
// a half, -1, -0, a subnormal and a NaN.
var (
	fwd64Factors   = []float64{1, 2, 1.25, math.Inf(1), 1e300, 0}
	scale64Factors = append(fwd64Factors[:len(fwd64Factors):len(fwd64Factors)],
		0.5, -1, math.Copysign(0, -1), math.Float64frombits(0x0008000000000000), math.NaN())
)

// inputs64 returns the bits of n values: a quarter from special64Bits, 3/8
// with any exponent (products overflow and underflow), the rest normally
// distributed.
func inputs64(r *rand.Rand, n int) []uint64 {
	b := make([]uint64, n)
	for i := range b {
		switch r.IntN(8) {
		case 0, 1:
			b[i] = special64Bits[r.IntN(len(special64Bits))]
		case 2, 3, 4:
			b[i] = r.Uint64()&^(0x7ff<<52) | uint64(r.IntN(2047))<<52
		default:
			b[i] = math.Float64bits(r.NormFloat64() * 10)
		}
	}
	return b
}

// guarded64 is guarded for float64: n elements at element offset off over
// the bits fill (stale garbage past it), canaries around.
func guarded64(n, off int, fill []uint64) ([]float64, func(testing.TB, string)) {
	s, intact := guarded(n, off, fill)
	return as[float64](s), intact
}

// bits64 returns the bits of v with every NaN as one.
func bits64(v []float64) []uint64 {
	b := make([]uint64, len(v))
	for i, x := range v {
		b[i] = math.Float64bits(x)
		if x != x {
			b[i] = 0x7ff8000000000000
		}
	}
	return b
}

// sameF64 is sameF32 for float64: the same bits, NaN as a class.
func sameF64(t testing.TB, where string, got, want []float64) {
	t.Helper()
	sameInts(t, where, bits64(got), bits64(want))
}

// neon64Lens are n = 0, 64, ..., 64*20 and 8192 (one block).
func neon64Lens() []int {
	var ns []int
	for n := 0; n <= 64*20; n += 64 {
		ns = append(ns, n)
	}
	return append(ns, 8192)
}

// refFwd64 is the contract's loop of fwd64 (res == nil) and fwdAdd64: y
// and the keep bits, st advanced.
func refFwd64(st *lanes, x, res []float64, lim uint32, sb uint64) ([]float64, []uint64) {
	y, bits := make([]float64, len(x)), make([]uint64, len(x)/64)
	for i := range x {
		f := uint64(0)
		if st.s[0][i%16]+st.s[3][i%16] >= lim {
			f = sb
			bits[i/64] |= 1 << (i % 64)
		}
		p := float64(x[i] * math.Float64frombits(f)) // rounded: no fused multiply-add
		if res != nil {
			p = res[i] + p
		}
		y[i] = p
		if i%16 == 15 {
			st.skip(1)
		}
	}
	return y, bits
}

func TestNEON64Fwd(t *testing.T) {
	r := rand.New(rand.NewPCG(64, 1))
	for _, n := range neon64Lens() {
		for li, lim := range []uint32{0, 1 << 8, r.Uint32N(1<<24) << 8, (1<<24 - 1) << 8} {
			for _, add := range []bool{false, true} {
				aliases := fwdAliases
				if add {
					aliases = fwdAddAliases
				}
				for ai, alias := range aliases {
					for _, withBits := range []bool{false, true} {
						sb := math.Float64bits(fwd64Factors[(n/64+li+ai)%len(fwd64Factors)])
						where := fmt.Sprintf("n=%d lim=%#x add=%v %s bits=%v sb=%v", n, lim, add, alias, withBits, math.Float64frombits(sb))
						checkFwd64(t, r, where, n, lim, sb, add, alias, withBits)
					}
				}
			}
		}
	}
}

// checkFwd64 is checkFwd for fwd64NEON (add false) and fwdAdd64NEON, plus
// the keep bits and lane state of fwd32NEON on the same st and lim.
func checkFwd64(t *testing.T, r *rand.Rand, where string, n int, lim uint32, sb uint64, add bool, alias string, withBits bool) {
	t.Helper()
	st0 := randLanes(r)
	xIn := inputs64(r, n)
	var resIn []uint64
	if add {
		resIn = inputs64(r, n)
		if alias == "y=x=res" {
			resIn = xIn
		}
	}
	wst := st0
	want, wantBits := refFwd64(&wst, as[float64](xIn), as[float64](resIn), lim, sb)

	off := r.IntN(3)
	x, xOK := guarded64(n, off, xIn)
	y, yOK := x, nop
	res, resOK := x, nop
	switch alias {
	case "y apart":
		y, yOK = guarded64(n, off+1, nil)
	case "y=res":
		y = nil
	}
	if add && alias != "y=x=res" {
		res, resOK = guarded64(n, off+2, resIn)
		if y == nil {
			y = res
		}
	}
	nb := 0
	if withBits {
		nb = n / 64
	}
	bits, bitsOK := guarded(nb, off, randomWords(r, nb))
	st := st0
	if add {
		fwdAdd64NEON(&st.s, y, x, res, bits, lim, sb)
	} else {
		fwd64NEON(&st.s, y, x, bits, lim, sb)
	}
	sameF64(t, where+" y", y, want)
	if withBits {
		sameInts(t, where+" keep bits", bits, wantBits)
	}
	if st != wst {
		t.Fatalf("%s: lane state differs after the call", where)
	}
	if alias == "y apart" || alias == "y=res" {
		sameInts(t, where+" x (an input)", as[uint64](x), xIn)
	}
	if add && (alias == "y apart" || alias == "y=x") {
		sameInts(t, where+" res (an input)", as[uint64](res), resIn)
	}
	xOK(t, where+" x")
	yOK(t, where+" y")
	resOK(t, where+" res")
	bitsOK(t, where+" keep bits")

	// The same randomness as float32: fwd32NEON on the same st and lim.
	st32 := st0
	x32, bits32 := make([]float32, n), make([]uint64, n/64)
	fwd32NEON(&st32.s, x32, x32, bits32, lim, math.Float32bits(1))
	sameInts(t, where+" keep bits against fwd32NEON", wantBits, bits32)
	if st32 != st {
		t.Fatalf("%s: lane state differs from fwd32NEON's", where)
	}
}

func TestNEON64Bwd(t *testing.T) {
	r := rand.New(rand.NewPCG(64, 2))
	for _, n := range neon64Lens() {
		for _, f := range fwd64Factors {
			for _, inPlace := range []bool{false, true} {
				where := fmt.Sprintf("n=%d sb=%v in place=%v", n, f, inPlace)
				sb := math.Float64bits(f)
				dyIn, wordsIn := inputs64(r, n), randomWords(r, n/64)
				want := make([]float64, n)
				for i, v := range as[float64](dyIn) {
					g := uint64(0)
					if wordsIn[i/64]>>(i%64)&1 != 0 {
						g = sb
					}
					want[i] = v * math.Float64frombits(g)
				}
				off := r.IntN(3)
				dy, dyOK := guarded64(n, off, dyIn)
				dx, dxOK := dy, nop
				if !inPlace {
					dx, dxOK = guarded64(n, off+1, nil)
				}
				words, wordsOK := guarded(n/64, off, wordsIn)
				bwd64NEON(dx, dy, words, sb)
				sameF64(t, where+" dx", dx, want)
				if !inPlace {
					sameInts(t, where+" dy (an input)", as[uint64](dy), dyIn)
				}
				sameInts(t, where+" words (an input)", words, wordsIn)
				dyOK(t, where+" dy")
				dxOK(t, where+" dx")
				wordsOK(t, where+" words")
			}
		}
	}
}

func TestNEON64ScaleAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(64, 3))
	for _, n := range neon64Lens() {
		for _, a := range scale64Factors {
			for _, inPlace := range []bool{false, true} {
				where := fmt.Sprintf("scale n=%d a=%v in place=%v", n, a, inPlace)
				xIn := inputs64(r, n)
				want := make([]float64, n)
				for i, v := range as[float64](xIn) {
					want[i] = v * a
				}
				off := r.IntN(3)
				x, xOK := guarded64(n, off, xIn)
				y, yOK := x, nop
				if !inPlace {
					y, yOK = guarded64(n, off+1, nil)
				}
				scale64NEON(y, x, math.Float64bits(a))
				sameF64(t, where+" y", y, want)
				if !inPlace {
					sameInts(t, where+" x (an input)", as[uint64](x), xIn)
				}
				xOK(t, where+" x")
				yOK(t, where+" y")
			}
		}
		for _, alias := range []string{"apart", "dst=a", "dst=b", "dst=a=b"} {
			where := fmt.Sprintf("add n=%d %s", n, alias)
			aIn, bIn := inputs64(r, n), inputs64(r, n)
			if alias == "dst=a=b" {
				bIn = aIn
			}
			want := make([]float64, n)
			for i := range want {
				want[i] = as[float64](aIn)[i] + as[float64](bIn)[i]
			}
			off := r.IntN(3)
			a, aOK := guarded64(n, off, aIn)
			b, bOK := a, nop
			if alias != "dst=a=b" {
				b, bOK = guarded64(n, off+1, bIn)
			}
			dst, dstOK := a, nop
			switch alias {
			case "apart":
				dst, dstOK = guarded64(n, off+2, nil)
			case "dst=b":
				dst = b
			}
			add64NEON(dst, a, b)
			sameF64(t, where+" dst", dst, want)
			if alias == "apart" || alias == "dst=b" {
				sameInts(t, where+" a (an input)", as[uint64](a), aIn)
			}
			if alias == "apart" || alias == "dst=a" {
				sameInts(t, where+" b (an input)", as[uint64](b), bIn)
			}
			aOK(t, where+" a")
			bOK(t, where+" b")
			dstOK(t, where+" dst")
		}
	}
}

func TestNEON64Mask(t *testing.T) {
	r := rand.New(rand.NewPCG(64, 4))
	for _, n := range neon64Lens() {
		where := fmt.Sprintf("n=%d", n)
		off := r.IntN(3)

		wordsIn := randomWords(r, n/64)
		want := make([]float64, n)
		for i := range want {
			want[i] = math.Float64frombits(-(wordsIn[i/64] >> (i % 64) & 1) & 0x3ff0000000000000)
		}
		words, wordsOK := guarded(n/64, off, wordsIn)
		dst, dstOK := guarded64(n, off+1, nil)
		unpack64NEON(dst, words)
		sameInts(t, where+" unpack64 dst", as[uint64](dst), as[uint64](want)) // no NaN: exact
		sameInts(t, where+" unpack64 words (an input)", words, wordsIn)
		wordsOK(t, where+" unpack64 words")
		dstOK(t, where+" unpack64 dst")

		srcIn := inputs64(r, n)
		for i := range srcIn {
			if i/64%3 == 1 || r.IntN(4) == 0 { // ±0: every third word all of them, a quarter of the rest
				srcIn[i] &= 1 << 63
			}
		}
		wantW := make([]uint64, n/64)
		for i, b := range srcIn {
			if b&0x7fffffffffffffff != 0 {
				wantW[i/64] |= 1 << (i % 64)
			}
		}
		src, srcOK := guarded64(n, off, srcIn)
		packed, packedOK := guarded(n/64, off+1, randomWords(r, n/64))
		pack64NEON(packed, src)
		sameInts(t, where+" pack64 words", packed, wantW)
		sameInts(t, where+" pack64 src (an input)", as[uint64](src), srcIn)
		srcOK(t, where+" pack64 src")
		packedOK(t, where+" pack64 words")
	}
}
