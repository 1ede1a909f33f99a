package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"unsafe"
)

// The kernel suite: every path's dispatch methods (dispatch.go: seed, skip,
// fwd with and without res, draws, fence, bwd, scale, add and the mask
// conversions) against the generic kernels (generic.go, stream.go), bit for
// bit with NaN as a class (arm64's default NaN is not x86's), as a subtest
// per path (go test -run 'TestPath.*/neon'). The references call the generic
// kernels directly on whole, zero-padded slices, so on the generic path too
// the tests compare something: the dispatch layer's reslicing, its tails
// through a 64-element buffer, its pieces and its p = 1 case against plain
// kernel calls. Every output is a guarded slice (helpers_test.go): nothing
// outside it may change. NEON runs under qemu-aarch64 (scripts/test.sh).

// kernelThrs are the threshold edges: keep all, the compare's ends, a half,
// and p = 1 (1<<24, which the dispatch handles itself); each test adds a
// random one.
var kernelThrs = []uint32{0, 1, 1 << 23, 1<<24 - 1, 1 << 24}

// kernelFactors are the keep factors: identity, exact, overflow to Inf (and
// Inf*0 = NaN), inexact products, and zero.
func kernelFactors[T Float]() []T { return []T{1, 2, T(math.Inf(1)), 1.25, 0} }

// scaleFactors adds, for scale (Infer's 1-p, the channel factors), a half,
// a negative, -0, a large, a subnormal and a NaN factor: a real multiply by
// each. fwd and bwd get them too: the kernels' contract is any factor's
// bits (a kernel that took the factor's magnitude, or blended its sign
// bit, would pass on the keep factors alone).
func scaleFactors[T Float]() []T {
	return append(kernelFactors[T](), 0.5, -1, T(math.Copysign(0, -1)), pick[T](3e38, 1e308),
		pick[T](math.Float32frombits(0x00400000), math.Float64frombits(0x0008000000000000)), T(math.NaN()))
}

// anyLens are the lengths of the kernels that take any length (bwd,
// scale, add, the mask conversions): every n in 0..300 (0..130 with
// -short), and larger ones around vector and word sizes and past pieceLen
// (several pieces and a tail).
func anyLens() []int {
	var ns []int
	for n := 0; n <= 300 && (n <= 130 || !testing.Short()); n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 1023, 1024, 4096+15, pieceLen-1, pieceLen+77, 2*pieceLen+64+13, 100003)
}

// noteGeneric logs, on the generic path, what the test compares there.
func noteGeneric(t *testing.T, k *path) {
	t.Helper()
	if k.id == 0 {
		t.Logf("generic path (%d path(s) in this build): the dispatch layer against direct generic kernel calls", len(available))
	}
}

// wantFwd is the generic fwd, or with res fwdAdd, on st (which it
// advances), at threshold thr and factor bits sb: y, and the keep bits
// when withBits. p = 1 (thr = 1<<24), which lim = thr<<8 cannot express, is
// written out from the definition: nothing kept, every product x*(+0), no
// bit set, the lanes advanced as for any threshold.
func wantFwd[T Float](st *lanes, x, res []T, withBits bool, thr uint32, sb uint64) ([]T, []uint64) {
	n := len(x)
	y := make([]T, n)
	var bits []uint64
	if withBits {
		bits = make([]uint64, n/64)
	}
	switch {
	case thr >= 1<<24:
		var zero T
		for i := range x {
			p := T(x[i] * zero)
			if res != nil {
				p = res[i] + p
			}
			y[i] = p
		}
		st.skip(n / Lanes)
	case res == nil:
		fwdGeneric(st, y, x, bits, thr<<8, sb)
	default:
		fwdAddGeneric(st, y, x, res, bits, thr<<8, sb)
	}
	return y, bits
}

// wantBwd is bwdGeneric at any length (the words' bits past len(dy) do
// not matter).
func wantBwd[T Float](dy []T, words []uint64, sb uint64) []T {
	n := len(dy)
	in, out := make([]T, 64*MaskLen(n)), make([]T, 64*MaskLen(n))
	copy(in, dy)
	bwdGeneric(out, in, words[:MaskLen(n)], sb)
	return out[:n]
}

// wantUnpack is the generic unpack kernel of E (unpack8Generic or
// unpackFGeneric) on whole words, cut to n elements.
func wantUnpack[E maskElem](words []uint64, n int) []E {
	d := make([]E, 64*MaskLen(n))
	w := words[:MaskLen(n)]
	switch d := any(d).(type) {
	case []uint8:
		unpack8Generic(d, w)
	case []float32:
		unpackFGeneric(d, w)
	case []float64:
		unpackFGeneric(d, w)
	}
	return d[:n]
}

// wantPack is the generic pack kernel of E (pack8Generic or packFGeneric)
// on src zero-padded to whole words.
func wantPack[E maskElem](src []E) []uint64 {
	s := make([]E, 64*MaskLen(len(src)))
	copy(s, src)
	w := make([]uint64, MaskLen(len(src)))
	switch s := any(s).(type) {
	case []uint8:
		pack8Generic(w, s)
	case []float32:
		packFGeneric(w, s)
	case []float64:
		packFGeneric(w, s)
	}
	return w
}

// unpackVia and packVia call the path's conversion method for E:
// unpack8/pack8, unpack32/pack32 or unpack64/pack64.
func unpackVia[E maskElem](k *path, dst []E, words []uint64) {
	switch d := any(dst).(type) {
	case []uint8:
		k.unpack8(d, words)
	case []float32:
		k.unpack32(d, words)
	case []float64:
		k.unpack64(d, words)
	}
}

func packVia[E maskElem](k *path, words []uint64, src []E) {
	switch s := any(src).(type) {
	case []uint8:
		k.pack8(words, s)
	case []float32:
		k.pack32(words, s)
	case []float64:
		k.pack64(words, s)
	}
}

func nop(testing.TB, string) {}

// checkFwd runs k.fwd once (with res when res0 is not nil) on guarded
// slices, y at element offset off and placed by alias ("y apart", "y=x",
// "y=res", "y=x=res"), the keep bits over stale words when withBits, and
// holds it to wantFwd: y, the bits, the lane state after the call, the
// inputs unchanged, nothing written outside any slice.
func checkFwd[T Float](t *testing.T, k *path, r *rand.Rand, where string, st0 lanes, x0, res0 []T,
	alias string, withBits bool, thr uint32, sb uint64, nt bool, off int) {
	t.Helper()
	n := len(x0)
	xIn, resIn := x0, res0
	if alias == "y=x=res" {
		resIn = x0
	}
	wst := st0
	want, wantBits := wantFwd(&wst, xIn, resIn, withBits, thr, sb)

	xOff, resOff := (off+5)%16, (off+11)%16
	switch alias {
	case "y=x", "y=x=res":
		xOff = off
	case "y=res":
		resOff = off
	}
	x, xOK := guarded(n, xOff, xIn)
	var y, res []T
	resOK, yOK, bitsOK := nop, nop, nop
	if resIn != nil {
		res, resOK = guarded(n, resOff, resIn)
	}
	switch alias {
	case "y apart":
		y, yOK = guarded[T](n, off, nil)
	case "y=x":
		y = x
	case "y=res":
		y = res
	case "y=x=res":
		res, resOK = x, nop
		y = x
	default:
		t.Fatalf("alias %q", alias)
	}
	var bits []uint64
	if withBits {
		bits, bitsOK = guarded(n/64, off%8, randomWords(r, n/64))
	}
	st := st0
	fwd(k, &st, y, x, res, bits, thr, sb, nt)
	k.fence()
	sameFloats(t, where+" y", y, want, xIn, resIn)
	if withBits {
		sameInts(t, where+" keep bits", bits, wantBits)
	}
	if st != wst {
		t.Fatalf("%s: lane state differs after the call", where)
	}
	if alias != "y=x" && alias != "y=x=res" {
		sameFloats(t, where+" x (an input)", x, xIn)
	}
	if res != nil && alias != "y=res" && alias != "y=x=res" {
		sameFloats(t, where+" res (an input)", res, resIn)
	}
	xOK(t, where+" x")
	resOK(t, where+" res")
	yOK(t, where+" y")
	bitsOK(t, where+" keep bits")
}

var (
	fwdAliases    = []string{"y apart", "y=x"}
	fwdAddAliases = []string{"y apart", "y=x", "y=res", "y=x=res"}
)

// TestPathFwd: fwd and fwdAdd (fwd with res) for every multiple of 64 up
// to 4096 and a whole block (BlockSize, the longest call the driver makes:
// many times any prefetch distance of the non-temporal loops), every
// threshold edge and a random one, every factor of scaleFactors, special
// inputs in x and res, every aliasing of y, with and without keep bits
// (over stale words: a kernel must store each word whole, neither OR nor
// AND into it), the non-temporal hint on and off, at output offsets
// cycling through 0..15 (the block at offset 0 with the first threshold:
// the non-temporal loops over a whole block, on the paths that have them).
// With -short, every third length.
func TestPathFwd(t *testing.T) {
	forEachType(t, testPathFwd[float32], testPathFwd[float64])
}

func testPathFwd[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	step := 64
	if testing.Short() {
		step = 3 * 64
	}
	var lens []int
	for n := 0; n <= 4096; n += step {
		lens = append(lens, n)
	}
	lens = append(lens, BlockSize)
	factors := scaleFactors[T]()
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range lens {
			x0, res0 := specialInputs[T](r, n), specialInputs[T](r, n)
			st0 := randLanes(r)
			thrs := append(slices.Clip(kernelThrs), r.Uint32N(1<<24))
			for ti, thr := range thrs {
				f := factors[(n/64+ti)%len(factors)] // every (thr, f) pair over the n
				off := (n/64 + 3*ti) % 16
				for _, add := range []bool{false, true} {
					res, aliases := []T(nil), fwdAliases
					if add {
						res, aliases = res0, fwdAddAliases
					}
					for _, alias := range aliases {
						for _, withBits := range []bool{true, false} {
							for _, nt := range []bool{false, true} {
								where := fmt.Sprintf("n=%d thr=%#x f=%v add=%v %s bits=%v nt=%v off=%d", n, thr, f, add, alias, withBits, nt, off)
								checkFwd(t, k, r, where, st0, x0, res, alias, withBits, thr, fbits(f), nt, off)
							}
						}
					}
				}
			}
		}
	})
}

// TestPathFwdAddNoFMA: fwdAdd rounds each product before the add. With x =
// factor = 1+ε and res = -(1+2ε) (ε = 2^-23 for float32, 2^-52 for
// float64), the product 1+2ε+ε² rounds to 1+2ε and the sum is +0, where a
// fused multiply-add gives ε².
func TestPathFwdAddNoFMA(t *testing.T) {
	forEachType(t, testPathFwdAddNoFMA[float32], testPathFwdAddNoFMA[float64])
}

func testPathFwdAddNoFMA[T Float](t *testing.T) {
	const n = 256
	eps := pick[T](0x1p-23, 0x1p-52)
	s, rv := 1+eps, -(1 + 2*eps)
	if fma := T(math.FMA(float64(s), float64(s), float64(rv))); fma == 0 {
		t.Fatal("the input does not tell a fused multiply-add apart")
	}
	x, res := make([]T, n), make([]T, n)
	for i := range x {
		x[i], res[i] = s, rv
	}
	forEachPath(t, func(t *testing.T, k *path) {
		for _, bits := range [][]uint64{nil, make([]uint64, n/64)} {
			for _, nt := range []bool{false, true} {
				y, _ := guarded[T](n, 0, nil)
				var st lanes
				k.seed(&st, 1, 2)
				fwd(k, &st, y, x, res, bits, 0, fbits(s), nt) // thr 0: everything kept
				k.fence()
				for i, v := range y {
					if fbits(v) != 0 {
						t.Fatalf("bits=%v nt=%v: y[%d] = %g, want +0 (a fused multiply-add?)", bits != nil, nt, i, v)
					}
				}
			}
		}
	})
}

// TestPathFwdSameStream: on every path, the float64 fwd kernels draw the
// float32 ones' stream: from the same lane state and threshold, fwd and
// fwdAdd of either type write the same keep bits (over the same stale
// words) and leave the same lane state, for every multiple of 64 up to
// 1024 and a block, every threshold edge and a random one, the
// non-temporal hint on and off (aligned outputs). TestPathFwd holds each
// type to its own generic instantiation; this holds the two widths to each
// other at the kernel level, the generic path's included
// (TestKeepBitsSameAcrossTypes, types_test.go, compares the keep bits
// through the API, where the lane state after a call is not seen).
func TestPathFwdSameStream(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	lens := []int{BlockSize}
	for n := 64; n <= 1024; n += 64 {
		lens = append(lens, n)
	}
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range lens {
			x32, x64 := specialInputs[float32](r, n), specialInputs[float64](r, n)
			for _, thr := range append(slices.Clip(kernelThrs), r.Uint32N(1<<24)) {
				for _, add := range []bool{false, true} {
					var res32 []float32
					var res64 []float64
					if add {
						res32, res64 = x32, x64
					}
					for _, nt := range []bool{false, true} {
						where := fmt.Sprintf("n=%d thr=%#x add=%v nt=%v", n, thr, add, nt)
						st0 := randLanes(r)
						st32, st64 := st0, st0
						stale := randomWords(r, n/64)
						bits32, bits64 := slices.Clone(stale), slices.Clone(stale)
						y32, _ := guarded[float32](n, 0, nil) // aligned: nt stores non-temporally
						y64, _ := guarded[float64](n, 0, nil)
						fwd(k, &st32, y32, x32, res32, bits32, thr, fbits(float32(2)), nt)
						fwd(k, &st64, y64, x64, res64, bits64, thr, fbits(2.0), nt)
						k.fence()
						sameInts(t, where+" keep bits: float64 against float32", bits64, bits32)
						if st64 != st32 {
							t.Fatalf("%s: lane state after the float64 kernel differs from the float32 kernel's", where)
						}
					}
				}
			}
		}
	})
}

// checkDraws runs k.draws on a guarded u at offset off against
// drawsGeneric: the draws, the lane state after, nothing outside u.
func checkDraws(t *testing.T, k *path, where string, st0 lanes, n, off int) {
	t.Helper()
	want, wst := make([]uint32, n), st0
	drawsGeneric(&wst, want)
	u, ok := guarded[uint32](n, off, nil)
	st := st0
	k.draws(&st, u)
	sameInts(t, where+" draws", u, want)
	if st != wst {
		t.Fatalf("%s: lane state differs after the call", where)
	}
	ok(t, where+" u")
}

// TestPathDraws: draws for every multiple of 64 up to 4096.
func TestPathDraws(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for n := 0; n <= 4096; n += 64 {
			checkDraws(t, k, fmt.Sprint("n=", n), randLanes(r), n, n/64%16)
		}
	})
}

// checkBwd runs k.bwd on guarded slices, dx at offset off (dx = dy when
// inPlace), against wantBwd: dx, the inputs unchanged, nothing outside the
// slices.
func checkBwd[T Float](t *testing.T, k *path, where string, dy0 []T, words []uint64, sb uint64, inPlace, nt bool, off int) {
	t.Helper()
	n := len(dy0)
	want := wantBwd(dy0, words, sb)
	words0 := slices.Clone(words)
	dy, dyOK := guarded(n, off, dy0)
	dx, dxOK := dy, nop
	if !inPlace {
		dy, dyOK = guarded(n, (off+7)%16, dy0)
		dx, dxOK = guarded[T](n, off, nil)
	}
	bwd(k, dx, dy, words, sb, nt)
	sameFloats(t, where+" dx", dx, want, dy0)
	if !inPlace {
		sameFloats(t, where+" dy (an input)", dy, dy0)
	}
	sameInts(t, where+" words (an input)", words, words0)
	dyOK(t, where+" dy")
	dxOK(t, where+" dx")
}

// TestPathBwd: bwd at every multiple of 64 up to 4096 and at anyLens, six
// factors of scaleFactors at each length (a window that moves with the
// length, so every factor over neighbouring lengths: the time of the six
// keep factors this test ran before), words of every density, in place and
// not, the non-temporal hint on and off.
func TestPathBwd(t *testing.T) {
	forEachType(t, testPathBwd[float32], testPathBwd[float64])
}

func testPathBwd[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	lens := anyLens()
	for n := 320; n <= 4096; n += 64 {
		lens = append(lens, n)
	}
	factors := scaleFactors[T]()
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range lens {
			dy0 := specialInputs[T](r, n)
			words := randomWords(r, MaskLen(n)) // bits past n too: they must not matter
			for j := range 6 {
				fi := (n + j) % len(factors)
				f := factors[fi]
				for _, inPlace := range []bool{false, true} {
					for _, nt := range []bool{false, true} {
						off := (n + fi) % 16
						where := fmt.Sprintf("n=%d f=%v inPlace=%v nt=%v off=%d", n, f, inPlace, nt, off)
						checkBwd(t, k, where, dy0, words, fbits(f), inPlace, nt, off)
					}
				}
			}
		}
	})
}

// checkScale runs k.scale on guarded slices, y at offset off (y = x when
// inPlace), against scaleGeneric.
func checkScale[T Float](t *testing.T, k *path, where string, x0 []T, a uint64, inPlace, nt bool, off int) {
	t.Helper()
	n := len(x0)
	want := make([]T, n)
	scaleGeneric(want, x0, a)
	x, xOK := guarded(n, off, x0)
	y, yOK := x, nop
	if !inPlace {
		x, xOK = guarded(n, (off+9)%16, x0)
		y, yOK = guarded[T](n, off, nil)
	}
	scale(k, y, x, a, nt)
	sameFloats(t, where+" y", y, want, x0)
	if !inPlace {
		sameFloats(t, where+" x (an input)", x, x0)
	}
	xOK(t, where+" x")
	yOK(t, where+" y")
}

// TestPathScale: scale at anyLens, every factor of scaleFactors, in place
// and not, the non-temporal hint on and off (with it, an unaligned y's
// head goes through the buffer).
func TestPathScale(t *testing.T) {
	forEachType(t, testPathScale[float32], testPathScale[float64])
}

func testPathScale[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range anyLens() {
			x0 := specialInputs[T](r, n)
			for fi, f := range scaleFactors[T]() {
				for _, inPlace := range []bool{false, true} {
					for _, nt := range []bool{false, true} {
						off := (n + 3*fi) % 16
						where := fmt.Sprintf("n=%d a=%v inPlace=%v nt=%v off=%d", n, f, inPlace, nt, off)
						checkScale(t, k, where, x0, fbits(f), inPlace, nt, off)
					}
				}
			}
		}
	})
}

// checkAdd runs k.add on guarded slices, dst at offset off and placed by
// alias ("dst apart", "dst=a", "dst=b", "dst=a=b"), against addGeneric.
func checkAdd[T Float](t *testing.T, k *path, where string, a0, b0 []T, alias string, off int) {
	t.Helper()
	n := len(a0)
	aIn, bIn := a0, b0
	if alias == "dst=a=b" {
		bIn = a0
	}
	want := make([]T, n)
	addGeneric(want, aIn, bIn)
	aOff, bOff := (off+5)%16, (off+10)%16
	switch alias {
	case "dst=a", "dst=a=b":
		aOff = off
	case "dst=b":
		bOff = off
	}
	a, aOK := guarded(n, aOff, aIn)
	b, bOK := guarded(n, bOff, bIn)
	dst, dstOK := a, nop
	switch alias {
	case "dst apart":
		dst, dstOK = guarded[T](n, off, nil)
	case "dst=b":
		dst = b
	case "dst=a=b":
		b, bOK = a, nop
	}
	add(k, dst, a, b)
	sameFloats(t, where+" dst", dst, want, aIn, bIn)
	if alias == "dst apart" {
		sameFloats(t, where+" a (an input)", a, aIn)
		sameFloats(t, where+" b (an input)", b, bIn)
	}
	aOK(t, where+" a")
	bOK(t, where+" b")
	dstOK(t, where+" dst")
}

var addAliases = []string{"dst apart", "dst=a", "dst=b", "dst=a=b"}

// TestPathAdd: add at anyLens, every aliasing of dst.
func TestPathAdd(t *testing.T) {
	forEachType(t, testPathAdd[float32], testPathAdd[float64])
}

func testPathAdd[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range anyLens() {
			a0, b0 := specialInputs[T](r, n), specialInputs[T](r, n)
			for ai, alias := range addAliases {
				off := (n + 5*ai) % 16
				checkAdd(t, k, fmt.Sprintf("n=%d %s off=%d", n, alias, off), a0, b0, alias, off)
			}
		}
	})
}

// maskSources returns n elements of E to pack: for bytes, zeros and every
// kind of nonzero byte; for floats, ±0 (zero) and special inputs (NaNs,
// subnormals: nonzero). Some 64-element words are all zeros and some have
// none (zeroes): a kernel must store their words over stale bits like any
// other, not skip them nor OR or AND into the old word.
func maskSources[E maskElem](r *rand.Rand, n int) []E {
	var s any
	switch any(*new(E)).(type) {
	case uint8:
		b := make([]uint8, n)
		for i := range b {
			if zeroes(r, i) {
				continue
			}
			if r.IntN(2) == 0 {
				b[i] = uint8(1 + r.IntN(255))
			} else {
				b[i] = []uint8{1, 0x80, 0xff}[r.IntN(3)]
			}
		}
		s = b
	case float32:
		s = withZeros(r, specialInputs[float32](r, n))
	case float64:
		s = withZeros(r, specialInputs[float64](r, n))
	}
	return s.([]E)
}

// zeroes reports whether source element i is to be a zero: in the first of
// every three 64-element words half of them at random, in the second all,
// in the third none.
func zeroes(r *rand.Rand, i int) bool {
	switch i / 64 % 3 {
	case 0:
		return r.IntN(2) == 0
	case 1:
		return true
	}
	return false
}

// withZeros sets the elements of x that zeroes picks to +0 or -0, and the
// others that are ±0 (special inputs) to the smallest subnormal.
func withZeros[T Float](r *rand.Rand, x []T) []T {
	for i := range x {
		switch {
		case zeroes(r, i):
			x[i] = 0
			if r.IntN(2) == 0 {
				x[i] = T(math.Copysign(0, -1))
			}
		case x[i] == 0:
			x[i] = ffrom[T](1)
		}
	}
	return x
}

// checkMaskKernels runs the path's unpack and pack of E (unpack8 and pack8,
// unpack32 and pack32, or unpack64 and pack64) for n elements on guarded
// slices at offset off against the generic kernels on whole words: random
// bits past n in the words unpacked (ignored), stale words of every density
// under the packed ones (randomWords: overwritten, not ORed nor ANDed
// into; all ones past n, which must be cleared), sources with zeros and
// every kind of nonzero (maskSources).
func checkMaskKernels[E maskElem](t *testing.T, k *path, r *rand.Rand, where string, n, off int) {
	t.Helper()
	w := MaskLen(n)
	words0 := randomWords(r, w)
	words, wOK := guarded(w, off%8, words0)
	d, dOK := guarded[E](n, off, nil)
	unpackVia(k, d, words)
	sameElems(t, where+" unpack", d, wantUnpack[E](words0, n))
	sameInts(t, where+" unpacked words (an input)", words, words0)
	wOK(t, where+" unpacked words")
	dOK(t, where+" unpack")

	src := maskSources[E](r, n)
	s, sOK := guarded(n, (off+3)%16, src)
	stale := randomWords(r, w)
	if n%64 != 0 {
		stale[w-1] |= ^uint64(0) << (n % 64)
	}
	p, pOK := guarded(w, off%8, stale)
	packVia(k, p, s)
	sameInts(t, where+" pack", p, wantPack(src))
	sameElems(t, where+" pack source (an input)", s, src)
	sOK(t, where+" pack source")
	pOK(t, where+" pack words")
}

// TestPathMaskKernels: the mask conversions of every element type at
// anyLens and offsets cycling through 0..15.
func TestPathMaskKernels(t *testing.T) {
	t.Run("uint8", testPathMaskKernels[uint8])
	forEachType(t, testPathMaskKernels[float32], testPathMaskKernels[float64])
}

func testPathMaskKernels[E maskElem](t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range anyLens() {
			for _, off := range []int{n % 16, (n + 7) % 16} {
				checkMaskKernels[E](t, k, r, fmt.Sprintf("n=%d off=%d", n, off), n, off)
			}
		}
	})
}

// packValues are the sources of TestPathPackValues: every byte value at
// every bit position; for floats, every sign and exponent with five
// mantissas (zero, the lowest bit, alternating, the top bit, all ones), at
// every bit position (64 rotations).
func packValues[E maskElem]() []E {
	switch any(*new(E)).(type) {
	case uint8:
		src := make([]uint8, 256*64)
		for i := range src {
			src[i] = uint8(i/64) ^ uint8(i%64) // each value once per position
		}
		return any(src).([]E)
	case float32:
		var v []float32
		for se := uint32(0); se < 1<<9; se++ {
			for _, mant := range []uint32{0, 1, 0x2aaaaa, 0x400000, 0x7fffff} {
				v = append(v, math.Float32frombits(se<<23|mant))
			}
		}
		return any(rotations(v)).([]E)
	default:
		var v []float64
		for se := uint64(0); se < 1<<12; se++ {
			for _, mant := range []uint64{0, 1, 0x5555555555555, 0x8000000000000, 0xfffffffffffff} {
				v = append(v, math.Float64frombits(se<<52|mant))
			}
		}
		return any(rotations(v)).([]E)
	}
}

// rotations pads v with zeros to whole words and returns its 64 rotations
// one after another: every value at every bit position.
func rotations[T Float](v []T) []T {
	for len(v)%64 != 0 {
		v = append(v, 0)
	}
	rot := make([]T, 0, 64*len(v))
	for s := range 64 {
		rot = append(rot, v[s:]...)
		rot = append(rot, v[:s]...)
	}
	return rot
}

// TestPathPackValues: pack of every element type with the sources of
// packValues.
func TestPathPackValues(t *testing.T) {
	t.Run("uint8", testPathPackValues[uint8])
	forEachType(t, testPathPackValues[float32], testPathPackValues[float64])
}

func testPathPackValues[E maskElem](t *testing.T) {
	src := packValues[E]()
	want := wantPack(src)
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		got := make([]uint64, len(want))
		packVia(k, got, src)
		sameInts(t, "pack", got, want)
	})
}

// TestPathUnaligned: every kernel at every output offset 0..15 (the inputs
// at other offsets), the non-temporal hint on and off: the aligned and
// unaligned branches give the same bits and nothing outside a slice
// changes. 1088 elements for the stream kernels (aligned non-temporal
// stores need 64-byte vectors), 1088+37 for the others (a tail too). Also
// on the generic kernels posing as a path with 64-byte vectors. The draws
// and the byte conversions, which have no element type, run in the float32
// subtest.
func TestPathUnaligned(t *testing.T) {
	forEachType(t, testPathUnaligned[float32], testPathUnaligned[float64])
}

func testPathUnaligned[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const n, n2 = 1024 + 64, 1024 + 64 + 37
	x0, res0 := specialInputs[T](r, n2), specialInputs[T](r, n2)
	words := randomWords(r, MaskLen(n2))
	st0 := randLanes(r)
	two, threeQuarters := fbits(T(2)), fbits(T(0.75))
	unaligned := func(t *testing.T, k *path) {
		for off := range 16 {
			for _, nt := range []bool{false, true} {
				where := fmt.Sprintf("off=%d nt=%v", off, nt)
				for _, withBits := range []bool{true, false} {
					checkFwd(t, k, r, where+" fwd", st0, x0[:n], nil, "y apart", withBits, 1<<23, two, nt, off)
					checkFwd(t, k, r, where+" fwd y=x", st0, x0[:n], nil, "y=x", withBits, 1<<23, two, nt, off)
					for _, alias := range fwdAddAliases {
						checkFwd(t, k, r, where+" fwdAdd "+alias, st0, x0[:n], res0[:n], alias, withBits, 1<<23, two, nt, off)
					}
				}
				for _, inPlace := range []bool{false, true} {
					checkBwd(t, k, where+" bwd", x0, words, two, inPlace, nt, off)
					checkScale(t, k, where+" scale", x0, threeQuarters, inPlace, nt, off)
				}
				for _, alias := range addAliases {
					checkAdd(t, k, where+" add "+alias, x0, res0, alias, off)
				}
				checkMaskKernels[T](t, k, r, where, n2, off)
				if !is64[T]() {
					checkDraws(t, k, where+" draws", st0, n, off)
					checkMaskKernels[uint8](t, k, r, where, n2, off)
				}
			}
		}
	}
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		unaligned(t, k)
	})
	// The generic kernels as if their vectors were 64 bytes: the dispatch
	// layer's alignment logic (scale's head through the buffer, the
	// non-temporal hint only on aligned outputs) runs in every build.
	g64 := genericPath
	g64.name, g64.align, g64.ntMin = "generic64", 64, 1
	t.Run(g64.name, func(t *testing.T) { withPath(&g64, func() { unaligned(t, &g64) }) })
}

// TestPathSkip: skip 0..600 steps against lanes.skip.
func TestPathSkip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for n := 0; n <= 600; n++ {
			st0 := randLanes(r)
			want, got := st0, st0
			want.skip(n)
			k.skip(&got, n)
			if got != want {
				t.Fatalf("skip(%d): lane state differs", n)
			}
		}
	})
}

// TestPathSeed: seed against lanes.seedBlock for many base and blk,
// including inputs that wrap around 2^64, over a random state (every word
// must be overwritten).
func TestPathSeed(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	type bb struct{ base, blk uint64 }
	g := uint64(golden)
	cases := []bb{{0, 0}, {0, 1}, {1, 0}, {^uint64(0), 0}, {^uint64(0), ^uint64(0)}, {0, ^uint64(0)},
		{-g, 0}, {-g * 17, 0}, {-g * 33, 1}, {1 << 63, 1 << 58}, {streamBase(1), 3}}
	for range 2000 {
		cases = append(cases, bb{r.Uint64(), r.Uint64()}, bb{r.Uint64(), r.Uint64N(1 << 20)})
	}
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, c := range cases {
			var want lanes
			want.seedBlock(c.base, c.blk)
			got := randLanes(r)
			k.seed(&got, c.base, c.blk)
			if got != want {
				t.Fatalf("seed(base=%#x, blk=%#x) = %v, want %v", c.base, c.blk, got.s, want.s)
			}
		}
	})
}

// TestKernelCallsWhole64: the driver keeps the kernels' contract on every
// path, for both element types: a float, draw or mask kernel only ever
// gets whole 64-element groups (whole mask words), and a stream kernel
// (fwd, fwdAdd, draws) at most one block. Calls at odd lengths and
// offsets, serial and Parallel; every kernel of both widths must be seen.
func TestKernelCallsWhole64(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	forEachPath(t, func(t *testing.T, k *path) {
		var mu sync.Mutex
		var bad []string
		seen := map[string]bool{}
		testHookPiece = func(kernel string, c int) {
			mu.Lock()
			defer mu.Unlock()
			seen[kernel] = true
			switch kernel {
			case "fwd32", "fwd64", "fwdAdd32", "fwdAdd64", "draws":
				if c%64 != 0 || c > BlockSize {
					bad = append(bad, fmt.Sprintf("%s(%d)", kernel, c))
				}
			case "bwd32", "bwd64", "scale32", "scale64", "add32", "add64", "unpack8", "pack8",
				"unpack32", "unpack64", "pack32", "pack64":
				if c%64 != 0 {
					bad = append(bad, fmt.Sprintf("%s(%d)", kernel, c))
				}
			}
		}
		defer func() { testHookPiece = nil }()
		for _, n := range []int{1, 63, 65, 200, BlockSize + 129, 3*BlockSize + 77} {
			kernelCalls[float32](r, n)
			kernelCalls[float64](r, n)
			u, b, m := make([]uint32, n), make([]uint8, n), make(Mask, MaskLen(n))
			for _, off := range []uint64{0, 5, BlockSize - 40} {
				Draws(u, Key{Seed: 1, Offset: off})
			}
			m.Bytes(b)
			m.SetBytes(b)
		}
		testHookPiece = nil
		if len(bad) > 0 {
			t.Fatalf("kernel calls with a partial group, or more than a block: %v", bad[:min(len(bad), 10)])
		}
		for _, kernel := range []string{"fwd32", "fwd64", "fwdAdd32", "fwdAdd64", "draws", "bwd32", "bwd64",
			"scale32", "scale64", "add32", "add64", "unpack8", "pack8", "unpack32", "unpack64", "pack32", "pack64"} {
			if !seen[kernel] {
				t.Errorf("no call of the %s kernel was seen", kernel)
			}
		}
	})
}

// kernelCalls makes every call of a Dropout[T] that reaches a kernel, on n
// elements at offsets around a block's start and end, serial and
// Parallel, and the mask conversions of T.
func kernelCalls[T Float](r *rand.Rand, n int) {
	x, res, y := specialInputs[T](r, n), specialInputs[T](r, n), make([]T, n)
	m := make(Mask, MaskLen(n))
	d, _ := New[T](0.3, Inverted)
	classic, _ := New[T](0.3, Classic)
	classic.Infer(y, x) // the scale kernel (Inverted Infer is a copy)
	for _, dd := range []Dropout[T]{d, d.Parallel(3)} {
		for _, off := range []uint64{0, 5, BlockSize - 40} {
			key := Key{Seed: 1, Offset: off}
			dd.Forward(y, x, m, key)
			dd.Forward(y, x, nil, key)
			dd.DropoutAdd(y, x, res, m, key)
			dd.Backward(y, x, m)
			dd.BackwardKey(y, x, key)
			dd.Infer(y, x)
			dd.BiasDropoutAdd(y, x, res, x, m, key) // one row: bias = res
			dd.BiasDropoutAddBackward(y, res, x, m)
			dd.ForwardChannels(y, x, 1, m, key)
			c := n / 3 * 3 // channels of 3: their bits spread over the elements
			dd.ForwardChannels(y[:c], x[:c], 3, m, key)
			dd.BackwardChannels(y[:c], x[:c], 3, m)
		}
	}
	maskToFloats(m, y)
	maskFromFloats(m, y)
}

// TestPathStreamEdges: whole calls at the stream's edges (block
// boundaries, odd offsets, the wrap at 2^64), where the driver mixes
// element-by-element heads and tails with kernel calls, on every path
// against the reference (ref_test.go): Forward (checkForward), Draws,
// DropoutAdd, BiasDropoutAdd and BiasDropoutAddBackward (the bias rows
// wrapping, the dbias column sums).
func TestPathStreamEdges(t *testing.T) {
	forEachType(t, testPathStreamEdges[float32], testPathStreamEdges[float64])
}

func testPathStreamEdges[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, p := range []float64{0, 0.1, 0.5, 1} {
			d, err := New[T](p, Inverted)
			if err != nil {
				t.Fatal(err)
			}
			for _, off := range []uint64{0, 1, 63, 64, BlockSize - 100, BlockSize - 64, 1<<64 - 300} {
				for _, n := range []int{0, 1, 64, 65, 200, 1000, BlockSize + 129} {
					key := Key{Seed: r.Uint64(), Offset: off}
					where := fmt.Sprintf("p=%v n=%d offset=%d", p, n, off)
					x, res := specialInputs[T](r, n), specialInputs[T](r, n)
					checkForward(t, where, p, Inverted, x, key)
					u := make([]uint32, n)
					Draws(u, key)
					sameInts(t, where+" Draws", u, refDraws(key, n))
					_, keep := refForward(p, Inverted, x, key)
					for _, nb := range []int{1, 5, 100, 1031, n} {
						if nb == 0 || n%nb != 0 {
							continue
						}
						bias := specialInputs[T](r, nb)
						y, m := make([]T, n), filled(MaskLen(n), ^uint64(0))
						d.DropoutAdd(y, x, res, nil, key)
						sameFloats(t, where+" DropoutAdd", y, refBiasDropoutAdd(p, Inverted, x, nil, res, key))
						d.BiasDropoutAdd(y, x, bias, res, m, key)
						sameFloats(t, fmt.Sprintf("%s nb=%d BiasDropoutAdd", where, nb), y, refBiasDropoutAdd(p, Inverted, x, bias, res, key))
						wantDX, wantDB := make([]T, n), make([]T, nb)
						s := refScale[T](p, Inverted)
						for i := range wantDX {
							var f T
							if keep[i] {
								f = s
							}
							wantDX[i] = T(res[i] * f) // rounded: never fused with the sum below
							if i < nb {
								wantDB[i] = wantDX[i]
							} else {
								wantDB[i%nb] += wantDX[i]
							}
						}
						dx, db := make([]T, n), specialInputs[T](r, nb)
						d.BiasDropoutAddBackward(dx, db, res, m)
						sameFloats(t, fmt.Sprintf("%s nb=%d BiasDropoutAddBackward dx", where, nb), dx, wantDX)
						sameFloats(t, fmt.Sprintf("%s nb=%d BiasDropoutAddBackward dbias", where, nb), db, wantDB)
					}
				}
			}
		}
	})
}

// TestPathNoAllocs: the kernel calls keep the lane state and their tail
// buffers on the stack (odd lengths: every tail buffer is used).
func TestPathNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	forEachType(t, testPathNoAllocs[float32], testPathNoAllocs[float64])
}

func testPathNoAllocs[T Float](t *testing.T) {
	const n = 4096
	x, y, res := make([]T, n), make([]T, n+7), make([]T, n)
	bits, u, b := make([]uint64, n/64), make([]uint32, n), make([]uint8, n)
	two, half := fbits(T(2)), fbits(T(0.5))
	forEachPath(t, func(t *testing.T, k *path) {
		if a := testing.AllocsPerRun(10, func() {
			var st lanes
			k.seed(&st, 1, 2)
			k.skip(&st, 7)
			fwd(k, &st, y, x, nil, bits, 1<<23, two, false)
			fwd(k, &st, y, x, nil, nil, 1<<24, two, true)
			fwd(k, &st, y, x, res, bits, 1<<23, two, true)
			k.fence()
			k.draws(&st, u)
			bwd(k, y, x[:n-5], bits, two, false)
			scale(k, y[7:], x[:n-9], half, true) // the unaligned head and the tail
			add(k, y, x[:n-3], res)
			k.unpack8(b[:n-1], bits)
			k.pack8(bits, b[:n-1])
			unpackVia(k, y[:n-1], bits)
			packVia(k, bits, y[:n-1])
		}); a != 0 {
			t.Errorf("%v allocations per run", a)
		}
	})
}

// kernelBench holds the operands of one BenchmarkKernels row.
type kernelBench[T Float] struct {
	x, y, res []T
	u         []uint32
	b         []uint8
	bits      []uint64
	st        lanes
}

// BenchmarkKernels times the kernels through the dispatch layer, without
// the driver (seeding, heads, checks): kernel throughput apart from call
// overhead, as type/path/op/n= (and nt= for the ops with a non-temporal
// hint), in MB/s and ns/elem: the float32 and float64 rows of an op at one
// n compare the kernels of the two widths. In cache (n up to BlockSize) the
// ops run once per call on 64-byte aligned slices, beside copy() of the
// same x, with the non-temporal hint off, and on (the fwd calls fenced) on
// the paths that have one: what non-temporal stores cost where the data
// would stay in the caches. The large calls run block by block as the
// driver does, beside copy(), with the hint forced on and off (nt=) on the
// paths that have one, to choose ntMin.
//
//	go test -run '^$' -bench 'Kernels/float/avx2/^fwd$/nt=/n=2048$' -args -dropout.full
func BenchmarkKernels(b *testing.B) {
	if !*benchFull {
		b.Skip("tuning benchmark: run with -dropout.full")
	}
	b.Run("float32", benchKernels[float32])
	b.Run("float64", benchKernels[float64])
}

// perElem reports the time per element of a row over n elements.
func perElem(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// ntHints are the non-temporal hints to time on path k: off, and on if k
// stores non-temporally.
func ntHints(k *path) []bool {
	if k.ntMin > 0 {
		return []bool{false, true}
	}
	return []bool{false}
}

func benchKernels[T Float](b *testing.B) {
	sb := fbits(T(2))
	es := int(unsafe.Sizeof(*new(T)))
	cached := []int{64, 1024, 2048, 4096, BlockSize}
	for _, n := range cached {
		x, y := make([]T, n), make([]T, n)
		b.Run(fmt.Sprintf("copy/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(2 * es * n))
			for b.Loop() {
				copy(y, x)
			}
			perElem(b, n)
		})
	}
	for _, k := range available {
		for _, n := range cached {
			run := func(op string, bytesPerElem int, f func(c *kernelBench[T])) {
				b.Run(fmt.Sprintf("%s/%s/n=%d", k.name, op, n), func(b *testing.B) {
					zeros := make([]T, n)
					c := &kernelBench[T]{u: make([]uint32, n), b: make([]uint8, n), bits: randomWords(rand.New(rand.NewPCG(1, 2)), n/64)}
					c.x, _ = guarded(n, 0, zeros) // 64-byte aligned: nt=true stores non-temporally
					c.y, _ = guarded(n, 0, zeros)
					c.res, _ = guarded(n, 0, zeros)
					k.seed(&c.st, 1, 0)
					b.SetBytes(int64(bytesPerElem * n))
					for b.Loop() {
						f(c)
					}
					perElem(b, n)
				})
			}
			for _, nt := range ntHints(k) {
				op := func(name string) string { return fmt.Sprintf("%s/nt=%v", name, nt) }
				// fwdCall is one fwd call, fenced if it stored
				// non-temporally, as the driver fences.
				fwdCall := func(c *kernelBench[T], res []T, bits []uint64) {
					fwd(k, &c.st, c.y, c.x, res, bits, 1<<23, sb, nt)
					if nt {
						k.fence()
					}
				}
				run(op("fwd"), 2*es, func(c *kernelBench[T]) { fwdCall(c, nil, c.bits) })
				run(op("fwdNoMask"), 2*es, func(c *kernelBench[T]) { fwdCall(c, nil, nil) })
				run(op("fwdAdd"), 3*es, func(c *kernelBench[T]) { fwdCall(c, c.res, c.bits) })
				run(op("bwd"), 2*es, func(c *kernelBench[T]) { bwd(k, c.y, c.x, c.bits, sb, nt) })
				run(op("scale"), 2*es, func(c *kernelBench[T]) { scale(k, c.y, c.x, sb, nt) })
			}
			run("add", 3*es, func(c *kernelBench[T]) { add(k, c.y, c.x, c.res) })
			run("unpack", es, func(c *kernelBench[T]) { unpackVia(k, c.y, c.bits) })
			run("pack", es, func(c *kernelBench[T]) { packVia(k, c.bits, c.x) })
			if !is64[T]() { // no element type: once, under float32
				run("draws", 4, func(c *kernelBench[T]) { k.draws(&c.st, c.u) })
				run("unpack8", 1, func(c *kernelBench[T]) { k.unpack8(c.b, c.bits) })
				run("pack8", 1, func(c *kernelBench[T]) { k.pack8(c.bits, c.b) })
			}
		}
		if !is64[T]() {
			b.Run(k.name+"/seed", func(b *testing.B) {
				var st lanes
				for b.Loop() {
					k.seed(&st, 1, 3)
				}
			})
			b.Run(k.name+"/skip/steps=100", func(b *testing.B) {
				var st lanes
				k.seed(&st, 1, 3)
				for b.Loop() {
					k.skip(&st, 100)
				}
			})
		}
	}
	for _, n := range []int{262144, 1 << 20, 1 << 24} {
		x, y, mask := make([]T, n), make([]T, n), make(Mask, MaskLen(n))
		r := rand.New(rand.NewPCG(1, uint64(n)))
		for i := range x {
			x[i] = T(r.Float64()*2 - 1)
		}
		b.Run(fmt.Sprintf("copy/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(2 * es * n))
			for b.Loop() {
				copy(y, x)
			}
			perElem(b, n)
		})
		for _, k := range available {
			for _, nt := range ntHints(k) {
				if nt && !isAligned(k, y) { // else the dispatch layer stores normally
					b.Fatalf("y is not aligned to the %s path's %d-byte vectors", k.name, k.align)
				}
				name := fmt.Sprintf("%s/%%s/nt=%v/n=%d", k.name, nt, n)
				b.Run(fmt.Sprintf(name, "fwd"), func(b *testing.B) {
					var st lanes
					b.SetBytes(int64(2 * es * n))
					for b.Loop() {
						for i := 0; i < n; i += BlockSize {
							k.seed(&st, 1, uint64(i/BlockSize))
							fwd(k, &st, y[i:i+BlockSize], x[i:i+BlockSize], nil, mask[i/64:], 1<<23, sb, nt)
						}
						k.fence()
					}
					perElem(b, n)
				})
				b.Run(fmt.Sprintf(name, "bwd"), func(b *testing.B) {
					b.SetBytes(int64(2 * es * n))
					for b.Loop() {
						bwd(k, y, x, mask, sb, nt)
					}
					perElem(b, n)
				})
				b.Run(fmt.Sprintf(name, "scale"), func(b *testing.B) {
					b.SetBytes(int64(2 * es * n))
					for b.Loop() {
						scale(k, y, x, sb, nt)
					}
					perElem(b, n)
				})
			}
		}
	}
}
