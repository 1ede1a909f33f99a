//go:build amd64 && !purego

package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// The float64 kernels of asm_amd64.s, called directly against the plain Go
// loops of their stubs' docs (the dispatch layer's suite,
// kernel_paths_test.go, runs them against generic.go, and guard_test.go on
// guard pages): every multiple of 64 up to 64*20 and two long lengths,
// special inputs, the threshold edges and a random one, stale keep-bit
// words, every aliasing the kernels allow, non-temporal stores on aligned
// outputs and normal stores on misaligned ones, guarded slices
// (helpers_test.go) for every argument. Floats compare bit for bit, NaN as
// a class (sameFloats). The AVX-512 kernels run only on a CPU with
// AVX-512; the emulator in _asm checks them everywhere.

// kernels64 are the float64 kernels of one ISA.
type kernels64 struct {
	name   string
	fwd    func(st *[4][16]uint32, y, x []float64, bits []uint64, lim uint32, sb uint64, pf int)
	fwdAdd func(st *[4][16]uint32, y, x, res []float64, bits []uint64, lim uint32, sb uint64, pf int)
	bwd    func(dx, dy []float64, words []uint64, sb uint64, pf int)
	scale  func(y, x []float64, a uint64, pf int)
	add    func(dst, a, b []float64)
	unpack func(dst []float64, words []uint64)
	pack   func(words []uint64, src []float64)
}

func kernelSets64() []kernels64 {
	var ks []kernels64
	if hasAVX512 {
		ks = append(ks, kernels64{"avx512", fwd64AVX512, fwdAdd64AVX512, bwd64AVX512, scale64AVX512, add64AVX512, unpack64AVX512, pack64AVX512})
	}
	if hasAVX2 {
		ks = append(ks, kernels64{"avx2", fwd64AVX2, fwdAdd64AVX2, bwd64AVX2, scale64AVX2, add64AVX2, unpack64AVX2, pack64AVX2})
	}
	return ks
}

// forEachKernels64 runs f as a subtest per ISA of this CPU.
func forEachKernels64(t *testing.T, f func(t *testing.T, k kernels64)) {
	ks := kernelSets64()
	if len(ks) == 0 {
		t.Skip("no AVX2 on this CPU")
	}
	for _, k := range ks {
		t.Run(k.name, func(t *testing.T) { f(t, k) })
	}
}

// lens64 are the lengths: 0, every multiple of 64 to 64*20, a block
// (8192) and one group past pieceLen (32768), the longest call the
// dispatch layer makes, many times the non-temporal loops' prefetch
// distance.
func lens64() []int {
	var ns []int
	for n := 0; n <= 64*20; n += 64 {
		ns = append(ns, n)
	}
	return append(ns, 8192, 32768+64)
}

// factors64 are the kernel suite's scale factors (kernel_paths_test.go):
// identity, exact, inexact, overflow to Inf (Inf*0 = NaN), zero, negative,
// -0, a product overflow, a subnormal, NaN.
var factors64 = scaleFactors[float64]()

// fwd64Loop is the loop of the fwd64 and (res not nil) fwdAdd64 stubs'
// docs, on st (which it advances); bits, if not nil, start at zero.
func fwd64Loop(st *lanes, y, x, res []float64, bits []uint64, lim uint32, sb uint64) {
	for i := range x {
		l := i % 16
		keep := st.s[0][l]+st.s[3][l] >= lim
		f := 0.0
		if keep {
			f = math.Float64frombits(sb)
		}
		p := float64(x[i] * f) // rounded: never fused with the add
		if res != nil {
			p = res[i] + p
		}
		y[i] = p
		if bits != nil && keep {
			bits[i/64] |= 1 << (i % 64)
		}
		if l == 15 {
			st.skip(1)
		}
	}
}

// TestKernels64Fwd: fwd64 and fwdAdd64 at every length, threshold and
// aliasing, with and without keep bits, nt on aligned y and off on y
// misaligned by one element (x and res misaligned too).
func TestKernels64Fwd(t *testing.T) {
	forEachKernels64(t, func(t *testing.T, k kernels64) {
		r := rand.New(rand.NewPCG(64, 1))
		for ni, n := range lens64() {
			x0, res0 := specialInputs[float64](r, n), specialInputs[float64](r, n)
			st0 := randLanes(r)
			lims := []uint32{0, 1 << 8, r.Uint32N(1<<24) << 8, (1<<24 - 1) << 8}
			for li, lim := range lims {
				sb := math.Float64bits(factors64[(ni+li)%len(factors64)])
				for _, add := range []bool{false, true} {
					aliases := []string{"y apart", "y=x"}
					if add {
						aliases = append(aliases, "y=res")
					}
					for _, alias := range aliases {
						for _, withBits := range []bool{true, false} {
							for _, nt := range []bool{false, true} {
								where := fmt.Sprintf("%s n=%d lim=%#x sb=%#x add=%v %s bits=%v nt=%v", k.name, n, lim, sb, add, alias, withBits, nt)
								var res []float64
								if add {
									res = res0
								}
								checkFwd64(t, k, r, where, st0, x0, res, alias, withBits, lim, sb, nt)
							}
						}
					}
				}
			}
		}

		// fwdAdd rounds the product first: with x = factor = 1+2^-52 and
		// res = -(1+2^-51), the product rounds to 1+2^-51 and the sum is +0,
		// where a fused multiply-add gives 2^-104.
		s, rv := math.Float64frombits(0x3ff0000000000001), -math.Float64frombits(0x3ff0000000000002)
		x, res := make([]float64, 256), make([]float64, 256)
		for i := range x {
			x[i], res[i] = s, rv
		}
		checkFwd64(t, k, r, k.name+" fwdAdd no FMA", randLanes(r), x, res, "y apart", true, 0, math.Float64bits(s), false)
	})
}

// checkFwd64 runs k.fwd (k.fwdAdd with res0) once on guarded slices and
// holds it to fwd64Loop: y, the keep bits (over stale words), the lane
// state, the inputs unchanged, nothing written outside a slice. With nt,
// y is aligned (offset 0), else misaligned by one element.
func checkFwd64(t *testing.T, k kernels64, r *rand.Rand, where string, st0 lanes, x0, res0 []float64,
	alias string, withBits bool, lim uint32, sb uint64, nt bool) {
	t.Helper()
	n := len(x0)
	want := make([]float64, n)
	var wantBits []uint64
	if withBits {
		wantBits = make([]uint64, n/64)
	}
	wst := st0
	fwd64Loop(&wst, want, x0, res0, wantBits, lim, sb)

	off := 1
	if nt {
		off = 0
	}
	x, xOK := guarded(n, 3, x0)
	res, resOK := guarded(n, 5, res0)
	y, yOK := guarded[float64](n, off, nil)
	switch alias {
	case "y=x":
		x, xOK = guarded(n, off, x0)
		y = x
	case "y=res":
		res, resOK = guarded(n, off, res0)
		y = res
	}
	bits, bitsOK := guarded(len(wantBits), 1, randomWords(r, len(wantBits)))
	st := st0
	if res0 != nil {
		k.fwdAdd(&st.s, y, x, res, bits, lim, sb, pf(nt, pfStream))
	} else {
		k.fwd(&st.s, y, x, bits, lim, sb, pf(nt, pfStream))
	}
	fenceAMD64()
	sameFloats(t, where+" y", y, want)
	sameInts(t, where+" keep bits", bits, wantBits)
	if st != wst {
		t.Fatalf("%s: lane state differs after the call", where)
	}
	if alias != "y=x" {
		sameFloats(t, where+" x (an input)", x, x0)
	}
	if res0 != nil && alias != "y=res" {
		sameFloats(t, where+" res (an input)", res, res0)
	}
	xOK(t, where+" x")
	resOK(t, where+" res")
	yOK(t, where+" y")
	bitsOK(t, where+" keep bits")
}

// TestKernels64Elementwise: bwd64, scale64 (nt on aligned, off on
// misaligned outputs, the output apart or the input itself) and add64 (dst
// apart, a or b) at every length, with every factor.
func TestKernels64Elementwise(t *testing.T) {
	forEachKernels64(t, func(t *testing.T, k kernels64) {
		r := rand.New(rand.NewPCG(64, 2))
		for ni, n := range lens64() {
			in0, b0 := specialInputs[float64](r, n), specialInputs[float64](r, n)
			words, wordsOK := guarded(n/64, 1, randomWords(r, n/64))
			f := factors64[ni%len(factors64)]
			a := math.Float64bits(f)
			wantBwd, wantScale, wantAdd := make([]float64, n), make([]float64, n), make([]float64, n)
			for i, v := range in0 {
				keep := 0.0
				if words[i/64]>>(i%64)&1 != 0 {
					keep = f
				}
				wantBwd[i], wantScale[i], wantAdd[i] = v*keep, v*f, v+b0[i]
			}
			for _, nt := range []bool{false, true} {
				for _, alias := range []bool{false, true} {
					for _, op := range []string{"bwd", "scale"} {
						where := fmt.Sprintf("%s %s64 n=%d a=%v nt=%v in place=%v", k.name, op, n, f, nt, alias)
						off := 1
						if nt {
							off = 0
						}
						in, inOK := guarded(n, 3, in0)
						out, outOK := guarded[float64](n, off, nil)
						if alias {
							in, inOK = guarded(n, off, in0)
							out, outOK = in, nop
						}
						want := wantScale
						if op == "bwd" {
							k.bwd(out, in, words, a, pf(nt, pfMul))
							want = wantBwd
						} else {
							k.scale(out, in, a, pf(nt, pfMul))
						}
						sameFloats(t, where, out, want)
						if !alias {
							sameFloats(t, where+" input", in, in0)
						}
						inOK(t, where+" input")
						outOK(t, where+" output")
					}
				}
			}
			wordsOK(t, "bwd64 words")
			for _, dst := range []string{"apart", "a", "b"} {
				where := fmt.Sprintf("%s add64 n=%d dst %s", k.name, n, dst)
				x, xOK := guarded(n, 1, in0)
				y, yOK := guarded(n, 2, b0)
				d, dOK := guarded[float64](n, 0, nil)
				switch dst {
				case "a":
					d, dOK = x, nop
				case "b":
					d, dOK = y, nop
				}
				k.add(d, x, y)
				sameFloats(t, where, d, wantAdd)
				xOK(t, where+" a")
				yOK(t, where+" b")
				dOK(t, where+" dst")
			}
		}
	})
}

// TestKernels64Masks: unpack64 (exact bits: 1.0 or +0) and pack64 (bit i
// = src[i] is not ±0, over stale words), every word density.
func TestKernels64Masks(t *testing.T) {
	forEachKernels64(t, func(t *testing.T, k kernels64) {
		r := rand.New(rand.NewPCG(64, 3))
		for _, n := range lens64() {
			w0 := randomWords(r, n/64)
			words, wordsOK := guarded(n/64, 1, w0)
			want := make([]float64, n)
			src0 := specialInputs[float64](r, n)
			for i := range want {
				if w0[i/64]>>(i%64)&1 != 0 {
					want[i] = 1
					if src0[i] == 0 {
						src0[i] = math.Float64frombits(0x8000000100000000) // nonzero in the high half only
					}
				} else {
					src0[i] = math.Float64frombits(uint64(r.IntN(2)) << 63) // ±0
				}
			}
			for off := range 2 {
				where := fmt.Sprintf("%s unpack64 n=%d off=%d", k.name, n, off)
				dst, dstOK := guarded[float64](n, off, nil)
				k.unpack(dst, words)
				sameInts(t, where, as[uint64](dst), as[uint64](want))
				dstOK(t, where)

				where = fmt.Sprintf("%s pack64 n=%d off=%d", k.name, n, off)
				src, srcOK := guarded(n, off, src0)
				got, gotOK := guarded(n/64, 1, randomWords(r, n/64))
				k.pack(got, src)
				sameInts(t, where, got, w0)
				srcOK(t, where+" src")
				gotOK(t, where+" words")
			}
			wordsOK(t, "unpack64 words")
		}
	})
}

// The float64 AVX2 kernels' speed beside the float32 ones and copy() of the
// same float64 slice, in ns per element: in cache (2048 and 4096
// elements, normal stores) and at 1<<23 elements (64 MiB of float64 x,
// non-temporal stores, as the dispatch layer stores there). Forward
// writes keep bits.
//
//	go test -run '^$' -bench 'AVX2|Copy64' -count 5

var benchLens64 = []int{2048, 4096, 1 << 23}

// benchElems runs a sub-benchmark per length of benchLens64: make returns
// the function to time on n elements, which gets nt (at 1<<23); it
// reports ns per element.
func benchElems(b *testing.B, make func(n int) func(nt bool)) {
	if !hasAVX2 {
		b.Skip("no AVX2 on this CPU")
	}
	for _, n := range benchLens64 {
		f := make(n)
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			for b.Loop() {
				f(n >= 1<<20)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
		})
	}
}

// benchBufs64 returns x, y and keep-bit words for n elements of type T;
// x holds normally distributed numbers (no subnormal input or product,
// which would time the CPU's microcode assists), y is 64-byte aligned,
// which the non-temporal stores need.
func benchBufs64[T float32 | float64](n int) (y, x []T, bits []uint64) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y = make([]T, n), make([]T, n)
	for i := range x {
		x[i] = T(r.NormFloat64())
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(y)))%64 != 0 {
		panic("benchBufs64: y not 64-byte aligned")
	}
	return y, x, randomWords(r, n/64)
}

func BenchmarkFwd64AVX2(b *testing.B) {
	benchElems(b, func(n int) func(bool) {
		y, x, bits := benchBufs64[float64](n)
		var st lanes
		return func(nt bool) {
			fwd64AVX2(&st.s, y, x, bits, 1<<31, math.Float64bits(2), pf(nt, pfStream))
			fenceAMD64()
		}
	})
}

func BenchmarkFwd32AVX2(b *testing.B) {
	benchElems(b, func(n int) func(bool) {
		y, x, bits := benchBufs64[float32](n)
		var st lanes
		return func(nt bool) {
			fwd32AVX2(&st.s, y, x, bits, 1<<31, math.Float32bits(2), pf(nt, pfStream))
			fenceAMD64()
		}
	})
}

func BenchmarkBwd64AVX2(b *testing.B) {
	benchElems(b, func(n int) func(bool) {
		y, x, bits := benchBufs64[float64](n)
		return func(nt bool) { bwd64AVX2(y, x, bits, math.Float64bits(2), pf(nt, pfMul)) }
	})
}

func BenchmarkScale64AVX2(b *testing.B) {
	benchElems(b, func(n int) func(bool) {
		y, x, _ := benchBufs64[float64](n)
		return func(nt bool) { scale64AVX2(y, x, math.Float64bits(2), pf(nt, pfMul)) }
	})
}

func BenchmarkCopy64(b *testing.B) {
	benchElems(b, func(n int) func(bool) {
		y, x, _ := benchBufs64[float64](n)
		return func(bool) { copy(y, x) }
	})
}
