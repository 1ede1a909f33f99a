//go:build !purego

package dropout

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"unsafe"
)

// Direct tests of the amd64 kernels against the generic ones, bit for bit
// (helpers in kernel_test.go).

// asmPaths returns the amd64 paths this CPU can run (ignoring
// DROPOUT_DISABLE, so that CI pins nothing away by accident) and skips the
// test when there are none.
func asmPaths(t *testing.T) []*kernels {
	ks := archKernels()
	if len(ks) == 0 {
		t.Skip("no AVX2 or AVX-512 on this CPU")
	}
	return ks
}

// specials are the inputs where a blend or a zeroing would differ from a
// real multiply: NaN, ±Inf, ±0, subnormals and the largest magnitudes.
var specials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	0, float32(math.Copysign(0, -1)),
	math.Float32frombits(1), math.Float32frombits(0x807fffff), math.SmallestNonzeroFloat32,
	3e38, -3e38, math.MaxFloat32, -math.MaxFloat32, 1, -1, 0.5,
}

// randFloats returns n values, a fifth of them special.
func randFloats(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		if r.IntN(5) == 0 {
			x[i] = specials[r.IntN(len(specials))]
		} else {
			x[i] = (r.Float32()*2 - 1) * float32(math.Pow(2, float64(r.IntN(40)-20)))
		}
	}
	return x
}

var (
	testThrs   = []uint32{0, 1, 1 << 23, (1 << 24) - 1, 1 << 24}
	testScales = []float32{1, 2, float32(math.Inf(1)), 1.25, 0}
)

func TestAsmForward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range asmPaths(t) {
		for n := 64; n <= 4096; n += 64 {
			thr := testThrs[n/64%len(testThrs)]
			if n%3 == 0 {
				thr = r.Uint32N(1<<24 + 1)
			}
			scale := testScales[n/64%len(testScales)]
			x := randFloats(r, n)
			st0 := randLanes(r)
			for _, withBits := range []bool{true, false} {
				for _, inPlace := range []bool{false, true} {
					want := make([]float32, n)
					wantBits := make([]uint64, n/64)
					wst := st0
					fwdGeneric(&wst, want, x, wantBits, thr, scale)

					xin := append([]float32(nil), x...)
					y := make([]float32, n)
					if inPlace {
						y = xin
					}
					var bits []uint64
					if withBits {
						bits = randWords(r, n/64) // every word must be overwritten
					}
					gst := st0
					k.fwd(&gst, y, xin, bits, thr, scale, n%128 == 0)
					if i := sameFloats(y, want); i >= 0 {
						t.Fatalf("%s n=%d thr=%d scale=%v bits=%v inPlace=%v: y[%d] = %v (%#x), want %v (%#x) for x = %v",
							k.name, n, thr, scale, withBits, inPlace, i, y[i], math.Float32bits(y[i]), want[i], math.Float32bits(want[i]), x[i])
					}
					if gst != wst {
						t.Fatalf("%s n=%d: lane state differs after the call", k.name, n)
					}
					for i := range bits {
						if bits[i] != wantBits[i] {
							t.Fatalf("%s n=%d thr=%d: bits[%d] = %#x, want %#x", k.name, n, thr, i, bits[i], wantBits[i])
						}
					}
				}
			}
		}
	}
}

func TestAsmDraws(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range asmPaths(t) {
		for n := 64; n <= 4096; n += 64 {
			st0 := randLanes(r)
			want := make([]uint32, n)
			wst := st0
			drawsGeneric(&wst, want)
			got := make([]uint32, n)
			gst := st0
			k.draws(&gst, got)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s n=%d: u[%d] = %#x, want %#x", k.name, n, i, got[i], want[i])
				}
			}
			if gst != wst {
				t.Fatalf("%s n=%d: lane state differs after the call", k.name, n)
			}
		}
	}
}

func TestAsmBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, k := range asmPaths(t) {
		for n := 64; n <= 4096; n += 64 {
			scale := testScales[n/64%len(testScales)]
			dy := randFloats(r, n)
			words := bwdWords(r, n/64)
			want := make([]float32, n)
			bwdGeneric(want, dy, words, scale)
			for _, inPlace := range []bool{false, true} {
				in := append([]float32(nil), dy...)
				dx := make([]float32, n)
				if inPlace {
					dx = in
				}
				k.bwd(dx, in, words, scale, n%128 == 0)
				if i := sameFloats(dx, want); i >= 0 {
					t.Fatalf("%s n=%d inPlace=%v: dx[%d] = %#x, want %#x", k.name, n, inPlace, i, math.Float32bits(dx[i]), math.Float32bits(want[i]))
				}
			}
		}
	}
}

func TestAsmScale(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	sizes := []int{1000, 4096, 65536 + 13}
	for n := 0; n <= 300; n++ {
		sizes = append(sizes, n)
	}
	for _, k := range asmPaths(t) {
		for _, n := range sizes {
			for _, a := range []float32{0.5, 0, float32(math.Inf(1)), 3e-39} {
				x := randFloats(r, n)
				want := make([]float32, n)
				scaleGeneric(want, x, a)
				for _, nt := range []bool{false, true} {
					y := make([]float32, n)
					k.scale(y, x, a, nt)
					if i := sameFloats(y, want); i >= 0 {
						t.Fatalf("%s n=%d a=%v nt=%v: y[%d] = %#x, want %#x", k.name, n, a, nt, i, math.Float32bits(y[i]), math.Float32bits(want[i]))
					}
					in := append([]float32(nil), x...)
					k.scale(in, in, a, nt)
					if i := sameFloats(in, want); i >= 0 {
						t.Fatalf("%s n=%d a=%v nt=%v in place: y[%d] = %#x, want %#x", k.name, n, a, nt, i, math.Float32bits(in[i]), math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}

func TestAsmSkip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, k := range asmPaths(t) {
		for n := 0; n <= 600; n++ {
			st0 := randLanes(r)
			want, got := st0, st0
			want.skip(n)
			k.skip(&got, n)
			if got != want {
				t.Fatalf("%s skip(%d): lane state differs", k.name, n)
			}
		}
	}
}

// TestAsmUnaligned runs every kernel at element offsets 0..15 with the
// non-temporal hint on and off: the aligned (VMOVNTPS) and unaligned
// (fallback) branches must give the same bits, and nothing outside the
// slices may change.
func TestAsmUnaligned(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const n, pad = 1024 + 64, 32
	x := randFloats(r, n+pad)
	words := randWords(r, n/64)
	st0 := randLanes(r)
	// 64-byte aligned backing store for y.
	raw := make([]float32, n+2*pad+16)
	base := raw[(64-int(uintptr(unsafe.Pointer(&raw[0]))%64)/4)%16:]
	for _, k := range asmPaths(t) {
		for off := 0; off < 16; off++ {
			xs := x[off : off+n]
			wantY := make([]float32, n)
			wantBits := make([]uint64, n/64)
			wst := st0
			fwdGeneric(&wst, wantY, xs, wantBits, 1<<23, 2)
			wantB := make([]float32, n)
			bwdGeneric(wantB, xs, words, 2)
			wantS := make([]float32, n-off)
			scaleGeneric(wantS, xs[:n-off], 0.75)
			for _, nt := range []bool{false, true} {
				for i := range base {
					base[i] = -7
				}
				y := base[pad+off : pad+off+n]
				check := func(what string, want []float32) {
					t.Helper()
					if i := sameFloats(y[:len(want)], want); i >= 0 {
						t.Fatalf("%s %s off=%d nt=%v: y[%d] = %#x, want %#x", k.name, what, off, nt, i, math.Float32bits(y[i]), math.Float32bits(want[i]))
					}
					for i, v := range base[:pad+off] {
						if v != -7 {
							t.Fatalf("%s %s off=%d nt=%v: wrote %d elements before y", k.name, what, off, nt, pad+off-i)
						}
					}
					for i, v := range base[pad+off+len(want):] {
						if v != -7 {
							t.Fatalf("%s %s off=%d nt=%v: wrote element %d after y", k.name, what, off, nt, i)
						}
					}
				}
				bits := make([]uint64, n/64)
				gst := st0
				k.fwd(&gst, y, xs, bits, 1<<23, 2, nt)
				check("fwd", wantY)
				for i := range bits {
					if bits[i] != wantBits[i] {
						t.Fatalf("%s fwd off=%d nt=%v: bits[%d] = %#x, want %#x", k.name, off, nt, i, bits[i], wantBits[i])
					}
				}
				for i := range base {
					base[i] = -7
				}
				k.bwd(y, xs, words, 2, nt)
				check("bwd", wantB)
				for i := range base {
					base[i] = -7
				}
				y = base[pad+off : pad+n]
				k.scale(y, xs[:n-off], 0.75, nt)
				check("scale", wantS)
			}
		}
	}
}

// TestAsmDetection checks that the paths listed match the CPU features the
// kernels need, so that a detection bug cannot silently test the generic
// path alone.
func TestAsmDetection(t *testing.T) {
	names := map[string]bool{}
	for _, k := range archKernels() {
		names[k.name] = true
		if k.ntMin <= 0 {
			t.Errorf("%s: ntMin = %d, want > 0", k.name, k.ntMin)
		}
	}
	if names["avx512"] != hasAVX512 || names["avx2"] != hasAVX2 {
		t.Fatalf("archKernels() = %v with hasAVX512=%v hasAVX2=%v", names, hasAVX512, hasAVX2)
	}
	for _, k := range archKernels() {
		if !k.fused {
			t.Errorf("%s: fused = false, want true", k.name)
		}
		if !k.vseed {
			t.Errorf("%s: vseed = false, want true", k.name)
		}
	}
}

// TestAsmNoAllocs checks that the assembly calls keep the lane state and
// the buffers on the stack.
func TestAsmNoAllocs(t *testing.T) {
	x := make([]float32, 4096)
	y := make([]float32, 4096)
	bits := make([]uint64, 64)
	u := make([]uint32, 4096)
	for _, k := range asmPaths(t) {
		allocs := testing.AllocsPerRun(10, func() {
			var st lanes
			k.fwd(&st, y, x, bits, 1<<23, 2, false)
			k.draws(&st, u)
			k.skip(&st, 7)
			k.bwd(y, x, bits, 2, false)
			k.scale(y, x, 0.5, false)
			k.fwdAdd(&st, y, x, y, bits, 1<<23, 2, false)
			k.add(y, x, y[:4000])
			k.seed(&st, 1, 2)
			k.fence()
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per call", k.name, allocs)
		}
	}
}

// BenchmarkAsmKernels times the raw kernels, without the driver's seeding
// and checks, to separate kernel throughput from per-call overhead.
func BenchmarkAsmKernels(b *testing.B) {
	for _, k := range archKernels() {
		for _, n := range []int{64, 1024, 4096, 8192} {
			x := make([]float32, n)
			y := make([]float32, n)
			bits := make([]uint64, n/64)
			var st lanes
			st.seedBlock(1, 0)
			b.Run(k.name+"/fwd/n="+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					k.fwd(&st, y, x, bits, 1<<23, 2, false)
				}
			})
			b.Run(k.name+"/fwdnomask/n="+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					k.fwd(&st, y, x, nil, 1<<23, 2, false)
				}
			})
			b.Run(k.name+"/fwdadd/n="+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					k.fwdAdd(&st, y, x, y, bits, 1<<23, 2, false)
				}
			})
			b.Run(k.name+"/add/n="+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					k.add(y, x, y)
				}
			})
			b.Run(k.name+"/bwd/n="+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					k.bwd(y, x, bits, 2, false)
				}
			})
		}
	}
	for _, k := range archKernels() {
		for _, n := range []int{4096, 16384, 65536, 262144} {
			x := make([]float32, n)
			y := make([]float32, n)
			b.Run(k.name+"/scale/n="+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					k.scale(y, x, 0.5, false)
				}
			})
		}
	}
	var st lanes
	b.Run("seedBlock", func(b *testing.B) {
		for b.Loop() {
			st.seedBlock(1, 3)
		}
	})
	if hasAVX2 {
		b.Run("seedAVX2", func(b *testing.B) {
			for b.Loop() {
				seedAVX2(&st.s, 12345)
			}
		})
	}
	for _, k := range archKernels() {
		if k.vseed {
			b.Run(k.name+"/seed", func(b *testing.B) {
				for b.Loop() {
					k.seed(&st, 1, 3)
				}
			})
		}
	}
}

// BenchmarkAsmNT compares each path with non-temporal stores forced on and
// off, beside copy(), to choose ntMin.
func BenchmarkAsmNT(b *testing.B) {
	d, _ := New(0.5, Inverted)
	c, _ := New(0.5, Classic)
	for _, n := range []int{262144, 1 << 19, 1 << 20, 1 << 24} {
		bf := bufs(n)
		b.Run("copy/n="+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(bf.y, bf.x)
			}
		})
		for _, k := range archKernels() {
			for _, nt := range []bool{false, true} {
				kk := *k
				kk.ntMin = 1 << 62
				if nt {
					kk.ntMin = 1
				}
				name := k.name + "/nt=" + strconv.FormatBool(nt) + "/n=" + strconv.Itoa(n)
				b.Run("fwd/"+name, func(b *testing.B) {
					withPath(&kk, func() {
						b.SetBytes(int64(8 * n))
						for b.Loop() {
							d.Forward(bf.y, bf.x, bf.mask, Key{Seed: 1})
						}
					})
				})
				b.Run("bwd/"+name, func(b *testing.B) {
					withPath(&kk, func() {
						b.SetBytes(int64(8 * n))
						for b.Loop() {
							d.Backward(bf.y, bf.x, bf.mask)
						}
					})
				})
				b.Run("infer/"+name, func(b *testing.B) {
					withPath(&kk, func() {
						b.SetBytes(int64(8 * n))
						for b.Loop() {
							c.Infer(bf.y, bf.x)
						}
					})
				})
			}
		}
	}
}

// fwdAddThrs and fwdAddScales are the edges the fused kernel must get right:
// thr = 1<<24 takes the nothing-kept branch of archFwdAdd, 1<<24-1 and 1
// the extremes of the compare.
var (
	fwdAddThrs   = []uint32{0, 1, (1 << 24) - 1, 1 << 24}
	fwdAddScales = []float32{1, 2, float32(math.Inf(1))}
)

// TestAsmForwardAdd: archFwdAdd against fwdAddGeneric for every multiple of
// 64 up to 4096, every threshold edge and a random one, scales 1, 2 and
// +Inf, special values in x and res, y separate, y = x and y = res, with
// and without keep bits, non-temporal stores on and off.
func TestAsmForwardAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, k := range asmPaths(t) {
		for n := 64; n <= 4096; n += 64 {
			thrs := append(fwdAddThrs, r.Uint32N(1<<24))
			x, res := randFloats(r, n), randFloats(r, n)
			st0 := randLanes(r)
			for ti, thr := range thrs {
				scale := fwdAddScales[(n/64+ti)%len(fwdAddScales)]
				want := make([]float32, n)
				wantBits := make([]uint64, n/64)
				wst := st0
				fwdAddGeneric(&wst, want, append([]float32(nil), x...), append([]float32(nil), res...), wantBits, thr, scale)
				for alias := range 3 { // 0: y separate, 1: y = x, 2: y = res
					for _, withBits := range []bool{true, false} {
						nt := (n/64+alias)%2 == 0
						xin := append([]float32(nil), x...)
						rin := append([]float32(nil), res...)
						y := make([]float32, n)
						switch alias {
						case 1:
							y = xin
						case 2:
							y = rin
						}
						var bits []uint64
						if withBits {
							bits = randWords(r, n/64) // every word must be overwritten
						}
						gst := st0
						k.fwdAdd(&gst, y, xin, rin, bits, thr, scale, nt)
						k.fence()
						if i := sameFloats(y, want); i >= 0 {
							t.Fatalf("%s n=%d thr=%d scale=%v alias=%d bits=%v nt=%v: y[%d] = %v (%#x), want %v (%#x) for x = %v, res = %v",
								k.name, n, thr, scale, alias, withBits, nt, i, y[i], math.Float32bits(y[i]), want[i], math.Float32bits(want[i]), x[i], res[i])
						}
						if gst != wst {
							t.Fatalf("%s n=%d thr=%d: lane state differs after the call", k.name, n, thr)
						}
						for i := range bits {
							if bits[i] != wantBits[i] {
								t.Fatalf("%s n=%d thr=%d: bits[%d] = %#x, want %#x", k.name, n, thr, i, bits[i], wantBits[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestAsmForwardAddNoFMA: with x = scale = 1+2^-23 and res = -(1+2^-22),
// the product 1+2^-22+2^-46 rounds to 1+2^-22 and the unfused sum is 0,
// where a fused multiply-add would give 2^-46.
func TestAsmForwardAddNoFMA(t *testing.T) {
	const n = 256
	s := math.Float32frombits(0x3f800001) // 1+2^-23
	x, res := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], res[i] = s, -math.Float32frombits(0x3f800002) // -(1+2^-22)
	}
	if fma := float32(math.FMA(float64(s), float64(s), float64(res[0]))); fma == 0 {
		t.Fatalf("the input does not tell a fused multiply-add apart")
	}
	for _, k := range asmPaths(t) {
		for _, nt := range []bool{false, true} {
			y := make([]float32, n)
			var st lanes
			st.seedBlock(1, 2)
			k.fwdAdd(&st, y, x, res, nil, 0, s, nt) // thr 0: everything kept
			k.fence()
			for i, v := range y {
				if math.Float32bits(v) != 0 {
					t.Fatalf("%s nt=%v: y[%d] = %g, want +0 (a fused multiply-add?)", k.name, nt, i, v)
				}
			}
		}
	}
}

// TestAsmAdd: archAdd against addGeneric at every length 0..300 and a few
// large ones, separate, dst = a and dst = b, with sentinels around dst.
func TestAsmAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	sizes := []int{1000, 1023, 4096 + 15, 65536 + 13, 1<<20 + 7}
	for n := 0; n <= 300; n++ {
		sizes = append(sizes, n)
	}
	const pad = 16
	for _, k := range asmPaths(t) {
		for _, n := range sizes {
			a, b := randFloats(r, n), randFloats(r, n)
			want := make([]float32, n)
			addGeneric(want, a, b)
			for alias := range 3 { // 0: dst separate, 1: dst = a, 2: dst = b
				ain, bin := append([]float32(nil), a...), append([]float32(nil), b...)
				buf := make([]float32, n+2*pad)
				for i := range buf {
					buf[i] = -7
				}
				dst := buf[pad : pad+n]
				switch alias {
				case 1:
					dst = ain
				case 2:
					dst = bin
				}
				k.add(dst, ain, bin)
				if i := sameFloats(dst, want); i >= 0 {
					t.Fatalf("%s n=%d alias=%d: dst[%d] = %#x, want %#x", k.name, n, alias, i, math.Float32bits(dst[i]), math.Float32bits(want[i]))
				}
				for i, v := range append(buf[:pad:pad], buf[pad+n:]...) {
					if v != -7 && alias == 0 {
						t.Fatalf("%s n=%d: wrote outside dst (sentinel %d)", k.name, n, i)
					}
				}
			}
		}
	}
}

// TestAsmForwardAddUnaligned runs archFwdAdd at element offsets 0..15 of y,
// x and res with the non-temporal hint on and off: the same bits, and
// nothing outside y written.
func TestAsmForwardAddUnaligned(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const n, pad = 1024 + 64, 32
	x, res := randFloats(r, n+pad), randFloats(r, n+pad)
	st0 := randLanes(r)
	raw := make([]float32, n+2*pad+16)
	base := raw[(64-int(uintptr(unsafe.Pointer(&raw[0]))%64)/4)%16:]
	for _, k := range asmPaths(t) {
		for off := 0; off < 16; off++ {
			xs, rs := x[off:off+n], res[15-off:15-off+n]
			want := make([]float32, n)
			wantBits := make([]uint64, n/64)
			wst := st0
			fwdAddGeneric(&wst, want, xs, rs, wantBits, 1<<23, 2)
			for _, nt := range []bool{false, true} {
				for i := range base {
					base[i] = -7
				}
				y := base[pad+off : pad+off+n]
				bits := make([]uint64, n/64)
				gst := st0
				k.fwdAdd(&gst, y, xs, rs, bits, 1<<23, 2, nt)
				k.fence()
				if i := sameFloats(y, want); i >= 0 {
					t.Fatalf("%s off=%d nt=%v: y[%d] = %#x, want %#x", k.name, off, nt, i, math.Float32bits(y[i]), math.Float32bits(want[i]))
				}
				for i, v := range base {
					if (i < pad+off || i >= pad+off+n) && v != -7 {
						t.Fatalf("%s off=%d nt=%v: wrote base[%d] outside y", k.name, off, nt, i)
					}
				}
				for i := range bits {
					if bits[i] != wantBits[i] {
						t.Fatalf("%s off=%d nt=%v: bits[%d] = %#x, want %#x", k.name, off, nt, i, bits[i], wantBits[i])
					}
				}
				if gst != wst {
					t.Fatalf("%s off=%d nt=%v: lane state differs", k.name, off, nt)
				}
			}
		}
	}
}

// TestAsmSeed: the vector seeding against lanes.seedBlock for many base and
// blk, including inputs that wrap around 2^64.
func TestAsmSeed(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	type bb struct{ base, blk uint64 }
	g := uint64(golden)
	cases := []bb{{0, 0}, {0, 1}, {1, 0}, {^uint64(0), 0}, {^uint64(0), ^uint64(0)}, {0, ^uint64(0)},
		{-g, 0}, {-g * 17, 0}, {-g * 33, 1}, {1 << 63, 1 << 58}, {streamBase(1), 3}}
	for range 2000 {
		cases = append(cases, bb{r.Uint64(), r.Uint64()}, bb{r.Uint64(), r.Uint64N(1 << 20)})
	}
	tested := false
	for _, k := range asmPaths(t) {
		if !k.vseed {
			continue
		}
		tested = true
		for _, c := range cases {
			var want, got lanes
			want.seedBlock(c.base, c.blk)
			got = randLanes(r) // every word must be overwritten
			k.seed(&got, c.base, c.blk)
			if got != want {
				t.Fatalf("%s seed(base=%#x, blk=%#x) = %v, want %v", k.name, c.base, c.blk, got.s, want.s)
			}
		}
	}
	if !tested {
		t.Skip("no path with a vector seed on this CPU")
	}
}

// TestAsmSeedAVX2 checks seedAVX2 itself, which the avx512 path does not
// run when the CPU has AVX512DQ.
func TestAsmSeedAVX2(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(21, 22))
	g := uint64(golden)
	bases := []uint64{0, 1, ^uint64(0), -g, -g * 17, 1 << 63}
	for range 4000 {
		bases = append(bases, r.Uint64())
	}
	for _, base := range bases {
		blk := r.Uint64N(1 << 30)
		var want lanes
		want.seedBlock(base, blk)
		got := randLanes(r)
		seedAVX2(&got.s, base+blk*(2*Lanes)*golden+golden)
		if got != want {
			t.Fatalf("seedAVX2(base=%#x, blk=%#x) = %v, want %v", base, blk, got.s, want.s)
		}
	}
}
