package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
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

var (
	// kernelThrs are the threshold edges: keep all, the compare's ends, a
	// half, and p = 1 (1<<24, which the dispatch handles itself); each
	// test adds a random one.
	kernelThrs = []uint32{0, 1, 1 << 23, 1<<24 - 1, 1 << 24}
	// kernelFactors are the keep factors: identity, exact, overflow to
	// Inf (and Inf*0 = NaN), inexact products, and zero.
	kernelFactors = []float32{1, 2, float32(math.Inf(1)), 1.25, 0}
	// scaleFactors adds, for scale (Infer's 1-p, the channel factors),
	// a half, a negative, -0, a large, a subnormal and a NaN factor: a
	// real multiply by each.
	scaleFactors = append(slices.Clip(kernelFactors), 0.5, -1, float32(math.Copysign(0, -1)), 3e38,
		math.Float32frombits(0x00400000), float32(math.NaN()))
)

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
func wantFwd(st *lanes, x, res []float32, withBits bool, thr, sb uint32) ([]float32, []uint64) {
	n := len(x)
	y := make([]float32, n)
	var bits []uint64
	if withBits {
		bits = make([]uint64, n/64)
	}
	switch {
	case thr >= 1<<24:
		zero := float32(0)
		for i := range x {
			p := float32(x[i] * zero)
			if res != nil {
				p = res[i] + p
			}
			y[i] = p
		}
		st.skip(n / Lanes)
	case res == nil:
		fwdGeneric(st, y, x, bits, thr<<8, uint64(sb))
	default:
		fwdAddGeneric(st, y, x, res, bits, thr<<8, uint64(sb))
	}
	return y, bits
}

// wantBwd is bwdGeneric at any length (the words' bits past len(dy) do
// not matter).
func wantBwd(dy []float32, words []uint64, sb uint32) []float32 {
	n := len(dy)
	in, out := make([]float32, 64*MaskLen(n)), make([]float32, 64*MaskLen(n))
	copy(in, dy)
	bwdGeneric(out, in, words[:MaskLen(n)], uint64(sb))
	return out[:n]
}

func wantUnpack8(words []uint64, n int) []uint8 {
	d := make([]uint8, 64*MaskLen(n))
	unpack8Generic(d, words[:MaskLen(n)])
	return d[:n]
}

func wantUnpack32(words []uint64, n int) []float32 {
	d := make([]float32, 64*MaskLen(n))
	unpackFGeneric(d, words[:MaskLen(n)])
	return d[:n]
}

func wantPack8(src []uint8) []uint64 {
	s := make([]uint8, 64*MaskLen(len(src)))
	copy(s, src)
	w := make([]uint64, MaskLen(len(src)))
	pack8Generic(w, s)
	return w
}

func wantPack32(src []float32) []uint64 {
	s := make([]float32, 64*MaskLen(len(src)))
	copy(s, src)
	w := make([]uint64, MaskLen(len(src)))
	packFGeneric(w, s)
	return w
}

func nop(testing.TB, string) {}

// checkFwd runs k.fwd once (with res when res0 is not nil) on guarded
// slices, y at element offset off and placed by alias ("y apart", "y=x",
// "y=res", "y=x=res"), the keep bits over stale words when withBits, and
// holds it to wantFwd: y, the bits, the lane state after the call, the
// inputs unchanged, nothing written outside any slice.
func checkFwd(t *testing.T, k *path, r *rand.Rand, where string, st0 lanes, x0, res0 []float32,
	alias string, withBits bool, thr, sb uint32, nt bool, off int) {
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
	var y, res []float32
	resOK, yOK, bitsOK := nop, nop, nop
	if resIn != nil {
		res, resOK = guarded(n, resOff, resIn)
	}
	switch alias {
	case "y apart":
		y, yOK = guarded[float32](n, off, nil)
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
	fwd(k, &st, y, x, res, bits, thr, uint64(sb), nt)
	k.fence()
	sameF32(t, where+" y", y, want, xIn, resIn)
	if withBits {
		sameInts(t, where+" keep bits", bits, wantBits)
	}
	if st != wst {
		t.Fatalf("%s: lane state differs after the call", where)
	}
	if alias != "y=x" && alias != "y=x=res" {
		sameF32(t, where+" x (an input)", x, xIn)
	}
	if res != nil && alias != "y=res" && alias != "y=x=res" {
		sameF32(t, where+" res (an input)", res, resIn)
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
// to 4096, every threshold edge and a random one, every factor, special
// inputs in x and res, every aliasing of y, with and without keep bits
// (over stale words), the non-temporal hint on and off, at output offsets
// cycling through 0..15. With -short, every third length.
func TestPathFwd(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	step := 64
	if testing.Short() {
		step = 3 * 64
	}
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for n := 0; n <= 4096; n += step {
			x0, res0 := specialInputs(r, n), specialInputs(r, n)
			st0 := randLanes(r)
			thrs := append(slices.Clip(kernelThrs), r.Uint32N(1<<24))
			for ti, thr := range thrs {
				f := kernelFactors[(n/64+ti)%len(kernelFactors)] // every (thr, f) pair over the n
				off := (n/64 + 3*ti) % 16
				for _, add := range []bool{false, true} {
					res, aliases := []float32(nil), fwdAliases
					if add {
						res, aliases = res0, fwdAddAliases
					}
					for _, alias := range aliases {
						for _, withBits := range []bool{true, false} {
							for _, nt := range []bool{false, true} {
								where := fmt.Sprintf("n=%d thr=%#x f=%v add=%v %s bits=%v nt=%v off=%d", n, thr, f, add, alias, withBits, nt, off)
								checkFwd(t, k, r, where, st0, x0, res, alias, withBits, thr, math.Float32bits(f), nt, off)
							}
						}
					}
				}
			}
		}
	})
}

// TestPathFwdAddNoFMA: fwdAdd rounds each product before the add. With x =
// factor = 1+2^-23 and res = -(1+2^-22), the product 1+2^-22+2^-46 rounds
// to 1+2^-22 and the sum is +0, where a fused multiply-add gives 2^-46.
func TestPathFwdAddNoFMA(t *testing.T) {
	const n = 256
	s, rv := math.Float32frombits(0x3f800001), -math.Float32frombits(0x3f800002)
	if fma := float32(math.FMA(float64(s), float64(s), float64(rv))); fma == 0 {
		t.Fatal("the input does not tell a fused multiply-add apart")
	}
	x, res := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], res[i] = s, rv
	}
	forEachPath(t, func(t *testing.T, k *path) {
		for _, bits := range [][]uint64{nil, make([]uint64, n/64)} {
			for _, nt := range []bool{false, true} {
				y, _ := guarded[float32](n, 0, nil)
				var st lanes
				k.seed(&st, 1, 2)
				fwd(k, &st, y, x, res, bits, 0, uint64(math.Float32bits(s)), nt) // thr 0: everything kept
				k.fence()
				for i, v := range y {
					if math.Float32bits(v) != 0 {
						t.Fatalf("bits=%v nt=%v: y[%d] = %g, want +0 (a fused multiply-add?)", bits != nil, nt, i, v)
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
func checkBwd(t *testing.T, k *path, where string, dy0 []float32, words []uint64, sb uint32, inPlace, nt bool, off int) {
	t.Helper()
	n := len(dy0)
	want := wantBwd(dy0, words, sb)
	words0 := slices.Clone(words)
	dy, dyOK := guarded(n, off, dy0)
	dx, dxOK := dy, nop
	if !inPlace {
		dy, dyOK = guarded(n, (off+7)%16, dy0)
		dx, dxOK = guarded[float32](n, off, nil)
	}
	bwd(k, dx, dy, words, uint64(sb), nt)
	sameF32(t, where+" dx", dx, want, dy0)
	if !inPlace {
		sameF32(t, where+" dy (an input)", dy, dy0)
	}
	sameInts(t, where+" words (an input)", words, words0)
	dyOK(t, where+" dy")
	dxOK(t, where+" dx")
}

// TestPathBwd: bwd at every multiple of 64 up to 4096 and at anyLens, every
// factor, words of every density, in place and not, the non-temporal hint
// on and off.
func TestPathBwd(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	lens := anyLens()
	for n := 320; n <= 4096; n += 64 {
		lens = append(lens, n)
	}
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range lens {
			dy0 := specialInputs(r, n)
			words := randomWords(r, MaskLen(n)) // bits past n too: they must not matter
			for fi, f := range append(slices.Clip(kernelFactors), 0.5) {
				for _, inPlace := range []bool{false, true} {
					for _, nt := range []bool{false, true} {
						off := (n + fi) % 16
						where := fmt.Sprintf("n=%d f=%v inPlace=%v nt=%v off=%d", n, f, inPlace, nt, off)
						checkBwd(t, k, where, dy0, words, math.Float32bits(f), inPlace, nt, off)
					}
				}
			}
		}
	})
}

// checkScale runs k.scale on guarded slices, y at offset off (y = x when
// inPlace), against scaleGeneric.
func checkScale(t *testing.T, k *path, where string, x0 []float32, a uint32, inPlace, nt bool, off int) {
	t.Helper()
	n := len(x0)
	want := make([]float32, n)
	scaleGeneric(want, x0, uint64(a))
	x, xOK := guarded(n, off, x0)
	y, yOK := x, nop
	if !inPlace {
		x, xOK = guarded(n, (off+9)%16, x0)
		y, yOK = guarded[float32](n, off, nil)
	}
	scale(k, y, x, uint64(a), nt)
	sameF32(t, where+" y", y, want, x0)
	if !inPlace {
		sameF32(t, where+" x (an input)", x, x0)
	}
	xOK(t, where+" x")
	yOK(t, where+" y")
}

// TestPathScale: scale at anyLens, every factor of scaleFactors, in place
// and not, the non-temporal hint on and off (with it, an unaligned y's
// head goes through the buffer).
func TestPathScale(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range anyLens() {
			x0 := specialInputs(r, n)
			for fi, f := range scaleFactors {
				for _, inPlace := range []bool{false, true} {
					for _, nt := range []bool{false, true} {
						off := (n + 3*fi) % 16
						where := fmt.Sprintf("n=%d a=%v inPlace=%v nt=%v off=%d", n, f, inPlace, nt, off)
						checkScale(t, k, where, x0, math.Float32bits(f), inPlace, nt, off)
					}
				}
			}
		}
	})
}

// checkAdd runs k.add on guarded slices, dst at offset off and placed by
// alias ("dst apart", "dst=a", "dst=b", "dst=a=b"), against addGeneric.
func checkAdd(t *testing.T, k *path, where string, a0, b0 []float32, alias string, off int) {
	t.Helper()
	n := len(a0)
	aIn, bIn := a0, b0
	if alias == "dst=a=b" {
		bIn = a0
	}
	want := make([]float32, n)
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
		dst, dstOK = guarded[float32](n, off, nil)
	case "dst=b":
		dst = b
	case "dst=a=b":
		b, bOK = a, nop
	}
	add(k, dst, a, b)
	sameF32(t, where+" dst", dst, want, aIn, bIn)
	if alias == "dst apart" {
		sameF32(t, where+" a (an input)", a, aIn)
		sameF32(t, where+" b (an input)", b, bIn)
	}
	aOK(t, where+" a")
	bOK(t, where+" b")
	dstOK(t, where+" dst")
}

var addAliases = []string{"dst apart", "dst=a", "dst=b", "dst=a=b"}

// TestPathAdd: add at anyLens, every aliasing of dst.
func TestPathAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range anyLens() {
			a0, b0 := specialInputs(r, n), specialInputs(r, n)
			for ai, alias := range addAliases {
				off := (n + 5*ai) % 16
				checkAdd(t, k, fmt.Sprintf("n=%d %s off=%d", n, alias, off), a0, b0, alias, off)
			}
		}
	})
}

// checkMaskKernels runs unpack8, unpack32, pack8 and pack32 of n elements
// on guarded slices at offset off against the generic kernels on whole
// words: random bits past n in the words unpacked (ignored), all-ones stale
// words under the packed ones (overwritten, the bits past n cleared),
// sources with zeros (±0) and every kind of nonzero (NaNs, subnormals).
func checkMaskKernels(t *testing.T, k *path, r *rand.Rand, where string, n, off int) {
	t.Helper()
	w := MaskLen(n)
	words0 := randomWords(r, w)
	words, wOK := guarded(w, off%8, words0)
	b8, b8OK := guarded[uint8](n, off, nil)
	k.unpack8(b8, words)
	sameInts(t, where+" unpack8", b8, wantUnpack8(words0, n))
	f32, f32OK := guarded[float32](n, off, nil)
	k.unpack32(f32, words)
	sameF32(t, where+" unpack32", f32, wantUnpack32(words0, n))
	sameInts(t, where+" unpacked words (an input)", words, words0)
	wOK(t, where+" unpacked words")
	b8OK(t, where+" unpack8")
	f32OK(t, where+" unpack32")

	src8, src32 := make([]uint8, n), specialInputs(r, n)
	for i := range src8 {
		switch r.IntN(4) {
		case 0:
			src8[i] = uint8(1 + r.IntN(255))
		case 1:
			src8[i] = []uint8{1, 0x80, 0xff}[r.IntN(3)]
		}
		if r.IntN(2) == 0 {
			src32[i] = math.Float32frombits(uint32(r.IntN(2)) << 31) // ±0
		}
	}
	s8, s8OK := guarded(n, (off+3)%16, src8)
	p8, p8OK := guarded(w, off%8, filled(w, ^uint64(0)))
	k.pack8(p8, s8)
	sameInts(t, where+" pack8", p8, wantPack8(src8))
	sameInts(t, where+" pack8 source (an input)", s8, src8)
	s32, s32OK := guarded(n, (off+3)%16, src32)
	p32, p32OK := guarded(w, off%8, filled(w, ^uint64(0)))
	k.pack32(p32, s32)
	sameInts(t, where+" pack32", p32, wantPack32(src32))
	sameF32(t, where+" pack32 source (an input)", s32, src32)
	s8OK(t, where+" pack8 source")
	p8OK(t, where+" pack8 words")
	s32OK(t, where+" pack32 source")
	p32OK(t, where+" pack32 words")
}

// TestPathMaskKernels: the four mask conversions at anyLens and offsets
// cycling through 0..15.
func TestPathMaskKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		for _, n := range anyLens() {
			for _, off := range []int{n % 16, (n + 7) % 16} {
				checkMaskKernels(t, k, r, fmt.Sprintf("n=%d off=%d", n, off), n, off)
			}
		}
	})
}

// TestPathPackValues: pack8 with every byte value at every bit position,
// pack32 with every sign and exponent and five mantissas at every bit
// position.
func TestPathPackValues(t *testing.T) {
	src8 := make([]uint8, 256*64)
	for i := range src8 {
		src8[i] = uint8(i/64) ^ uint8(i%64) // each value once per position
	}
	var src32 []float32
	for se := uint32(0); se < 512; se++ {
		for _, mant := range []uint32{0, 1, 0x2aaaaa, 0x400000, 0x7fffff} {
			src32 = append(src32, math.Float32frombits(se<<23|mant))
		}
	}
	for len(src32)%64 != 0 {
		src32 = append(src32, 0)
	}
	rot := make([]float32, 0, 64*len(src32)) // every value at every position: 64 rotations
	for s := range 64 {
		rot = append(rot, src32[s:]...)
		rot = append(rot, src32[:s]...)
	}
	want8, want32 := wantPack8(src8), wantPack32(rot)
	forEachPath(t, func(t *testing.T, k *path) {
		noteGeneric(t, k)
		got8, got32 := make([]uint64, len(want8)), make([]uint64, len(want32))
		k.pack8(got8, src8)
		k.pack32(got32, rot)
		sameInts(t, "pack8", got8, want8)
		sameInts(t, "pack32", got32, want32)
	})
}

// TestPathUnaligned: every kernel at every output offset 0..15 (the inputs
// at other offsets), the non-temporal hint on and off: the aligned and
// unaligned branches give the same bits and nothing outside a slice
// changes. 1088 elements for the stream kernels (aligned non-temporal
// stores need 64-byte vectors), 1088+37 for the others (a tail too). Also
// on the generic kernels posing as a path with 64-byte vectors.
func TestPathUnaligned(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const n, n2 = 1024 + 64, 1024 + 64 + 37
	x0, res0 := specialInputs(r, n2), specialInputs(r, n2)
	words := randomWords(r, MaskLen(n2))
	st0 := randLanes(r)
	unaligned := func(t *testing.T, k *path) {
		for off := range 16 {
			for _, nt := range []bool{false, true} {
				where := fmt.Sprintf("off=%d nt=%v", off, nt)
				for _, withBits := range []bool{true, false} {
					sb := math.Float32bits(2)
					checkFwd(t, k, r, where+" fwd", st0, x0[:n], nil, "y apart", withBits, 1<<23, sb, nt, off)
					checkFwd(t, k, r, where+" fwd y=x", st0, x0[:n], nil, "y=x", withBits, 1<<23, sb, nt, off)
					for _, alias := range fwdAddAliases {
						checkFwd(t, k, r, where+" fwdAdd "+alias, st0, x0[:n], res0[:n], alias, withBits, 1<<23, sb, nt, off)
					}
				}
				checkDraws(t, k, where+" draws", st0, n, off)
				for _, inPlace := range []bool{false, true} {
					checkBwd(t, k, where+" bwd", x0, words, math.Float32bits(2), inPlace, nt, off)
					checkScale(t, k, where+" scale", x0, math.Float32bits(0.75), inPlace, nt, off)
				}
				for _, alias := range addAliases {
					checkAdd(t, k, where+" add "+alias, x0, res0, alias, off)
				}
				checkMaskKernels(t, k, r, where, n2, off)
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
// path: a float, draw or mask kernel only ever gets whole 64-element groups
// (whole mask words), and a stream kernel (fwd, fwdAdd, draws) at most one
// block. Calls at odd lengths and offsets, serial and Parallel.
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
			case "fwd32", "fwdAdd32", "draws":
				if c%64 != 0 || c > BlockSize {
					bad = append(bad, fmt.Sprintf("%s(%d)", kernel, c))
				}
			case "bwd32", "scale32", "add32", "unpack8", "pack8", "unpack32", "pack32":
				if c%64 != 0 {
					bad = append(bad, fmt.Sprintf("%s(%d)", kernel, c))
				}
			}
		}
		defer func() { testHookPiece = nil }()
		for _, n := range []int{1, 63, 65, 200, BlockSize + 129, 3*BlockSize + 77} {
			x, res, y := specialInputs(r, n), specialInputs(r, n), make([]float32, n)
			m, u, b := make(Mask, MaskLen(n)), make([]uint32, n), make([]uint8, n)
			d, _ := New[float32](0.3, Inverted)
			for _, dd := range []Dropout[float32]{d, d.Parallel(3)} {
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
					Draws(u, key)
				}
			}
			m.Bytes(b)
			m.SetBytes(b)
			m.Float32s(y)
			m.SetFloat32s(y)
		}
		testHookPiece = nil
		if len(bad) > 0 {
			t.Fatalf("kernel calls with a partial group, or more than a block: %v", bad[:min(len(bad), 10)])
		}
		for _, kernel := range []string{"fwd32", "fwdAdd32", "draws", "bwd32", "scale32", "add32", "unpack8", "pack8", "unpack32", "pack32"} {
			if !seen[kernel] {
				t.Errorf("no call of the %s kernel was seen", kernel)
			}
		}
	})
}

// TestPathStreamEdges: whole calls at the stream's edges (block
// boundaries, odd offsets, the wrap at 2^64), where the driver mixes
// element-by-element heads and tails with kernel calls, on every path
// against the reference (ref_test.go): Forward (checkForward), Draws,
// DropoutAdd, BiasDropoutAdd and BiasDropoutAddBackward (the bias rows
// wrapping, the dbias column sums).
func TestPathStreamEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, p := range []float64{0, 0.1, 0.5, 1} {
			d, err := New[float32](p, Inverted)
			if err != nil {
				t.Fatal(err)
			}
			for _, off := range []uint64{0, 1, 63, 64, BlockSize - 100, BlockSize - 64, 1<<64 - 300} {
				for _, n := range []int{0, 1, 64, 65, 200, 1000, BlockSize + 129} {
					key := Key{Seed: r.Uint64(), Offset: off}
					where := fmt.Sprintf("p=%v n=%d offset=%d", p, n, off)
					x, res := specialInputs(r, n), specialInputs(r, n)
					checkForward(t, where, p, Inverted, x, key)
					u := make([]uint32, n)
					Draws(u, key)
					sameInts(t, where+" Draws", u, refDraws(key, n))
					_, keep := refForward(p, Inverted, x, key)
					for _, nb := range []int{1, 5, 100, 1031, n} {
						if nb == 0 || n%nb != 0 {
							continue
						}
						bias := specialInputs(r, nb)
						y, m := make([]float32, n), filled(MaskLen(n), ^uint64(0))
						d.DropoutAdd(y, x, res, nil, key)
						sameF32(t, where+" DropoutAdd", y, refBiasDropoutAdd(d, x, nil, res, key))
						d.BiasDropoutAdd(y, x, bias, res, m, key)
						sameF32(t, fmt.Sprintf("%s nb=%d BiasDropoutAdd", where, nb), y, refBiasDropoutAdd(d, x, bias, res, key))
						wantDX, wantDB := make([]float32, n), make([]float32, nb)
						for i := range wantDX {
							f := float32(0)
							if keep[i] {
								f = d.Scale()
							}
							wantDX[i] = float32(res[i] * f) // rounded: never fused with the sum below
							if i < nb {
								wantDB[i] = wantDX[i]
							} else {
								wantDB[i%nb] += wantDX[i]
							}
						}
						dx, db := make([]float32, n), specialInputs(r, nb)
						d.BiasDropoutAddBackward(dx, db, res, m)
						sameF32(t, fmt.Sprintf("%s nb=%d BiasDropoutAddBackward dx", where, nb), dx, wantDX)
						sameF32(t, fmt.Sprintf("%s nb=%d BiasDropoutAddBackward dbias", where, nb), db, wantDB)
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
	const n = 4096
	x, y, res := make([]float32, n), make([]float32, n+7), make([]float32, n)
	bits, u, b := make([]uint64, n/64), make([]uint32, n), make([]uint8, n)
	forEachPath(t, func(t *testing.T, k *path) {
		if a := testing.AllocsPerRun(10, func() {
			var st lanes
			k.seed(&st, 1, 2)
			k.skip(&st, 7)
			fwd(k, &st, y, x, nil, bits, 1<<23, 0x40000000, false)
			fwd(k, &st, y, x, nil, nil, 1<<24, 0x40000000, true)
			fwd(k, &st, y, x, res, bits, 1<<23, 0x40000000, true)
			k.fence()
			k.draws(&st, u)
			bwd(k, y, x[:n-5], bits, 0x40000000, false)
			scale(k, y[7:], x[:n-9], 0x3f000000, true) // the unaligned head and the tail
			add(k, y, x[:n-3], res)
			k.unpack8(b[:n-1], bits)
			k.pack8(bits, b[:n-1])
			k.unpack32(y[:n-1], bits)
			k.pack32(bits, y[:n-1])
		}); a != 0 {
			t.Errorf("%v allocations per run", a)
		}
	})
}

// kernelBench holds the operands of one BenchmarkKernels row.
type kernelBench struct {
	x, y, res []float32
	u         []uint32
	b         []uint8
	bits      []uint64
	st        lanes
}

// BenchmarkKernels times the kernels through the dispatch layer, without
// the driver (seeding, heads, checks): kernel throughput apart from call
// overhead, as path/op/n=. The large calls run block by block as the driver
// does, beside copy(), with the non-temporal hint forced on and off (nt=) on
// the paths that have one, to choose ntMin.
func BenchmarkKernels(b *testing.B) {
	if !*benchFull {
		b.Skip("tuning benchmark: run with -dropout.full")
	}
	const sb = 0x40000000 // 2
	for _, k := range available {
		for _, n := range []int{64, 1024, 4096, BlockSize} {
			run := func(op string, bytesPerElem int, f func(c *kernelBench)) {
				b.Run(fmt.Sprintf("%s/%s/n=%d", k.name, op, n), func(b *testing.B) {
					c := &kernelBench{x: make([]float32, n), y: make([]float32, n), res: make([]float32, n),
						u: make([]uint32, n), b: make([]uint8, n), bits: randomWords(rand.New(rand.NewPCG(1, 2)), n/64)}
					k.seed(&c.st, 1, 0)
					b.SetBytes(int64(bytesPerElem * n))
					for b.Loop() {
						f(c)
					}
				})
			}
			run("fwd", 8, func(c *kernelBench) { fwd(k, &c.st, c.y, c.x, nil, c.bits, 1<<23, sb, false) })
			run("fwdNoMask", 8, func(c *kernelBench) { fwd(k, &c.st, c.y, c.x, nil, nil, 1<<23, sb, false) })
			run("fwdAdd", 12, func(c *kernelBench) { fwd(k, &c.st, c.y, c.x, c.res, c.bits, 1<<23, sb, false) })
			run("draws", 4, func(c *kernelBench) { k.draws(&c.st, c.u) })
			run("bwd", 8, func(c *kernelBench) { bwd(k, c.y, c.x, c.bits, sb, false) })
			run("scale", 8, func(c *kernelBench) { scale(k, c.y, c.x, sb, false) })
			run("add", 12, func(c *kernelBench) { add(k, c.y, c.x, c.res) })
			run("unpack32", 4, func(c *kernelBench) { k.unpack32(c.y, c.bits) })
			run("pack32", 4, func(c *kernelBench) { k.pack32(c.bits, c.x) })
			run("unpack8", 1, func(c *kernelBench) { k.unpack8(c.b, c.bits) })
			run("pack8", 1, func(c *kernelBench) { k.pack8(c.bits, c.b) })
		}
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
	for _, n := range []int{262144, 1 << 20, 1 << 24} {
		b.Run(fmt.Sprintf("copy/n=%d", n), func(b *testing.B) {
			bf := bufs(n)
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(bf.y, bf.x)
			}
		})
		for _, k := range available {
			nts := []bool{false}
			if k.ntMin > 0 { // a path with non-temporal stores
				nts = append(nts, true)
			}
			for _, nt := range nts {
				name := fmt.Sprintf("%s/%%s/nt=%v/n=%d", k.name, nt, n)
				b.Run(fmt.Sprintf(name, "fwd"), func(b *testing.B) {
					bf := bufs(n)
					var st lanes
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						for i := 0; i < n; i += BlockSize {
							k.seed(&st, 1, uint64(i/BlockSize))
							fwd(k, &st, bf.y[i:i+BlockSize], bf.x[i:i+BlockSize], nil, bf.mask[i/64:], 1<<23, sb, nt)
						}
						k.fence()
					}
				})
				b.Run(fmt.Sprintf(name, "bwd"), func(b *testing.B) {
					bf := bufs(n)
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						bwd(k, bf.y, bf.x, bf.mask, sb, nt)
					}
				})
				b.Run(fmt.Sprintf(name, "scale"), func(b *testing.B) {
					bf := bufs(n)
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						scale(k, bf.y, bf.x, sb, nt)
					}
				})
			}
		}
	}
}
