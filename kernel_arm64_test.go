//go:build !purego

package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The NEON kernels against the generic ones, bit for bit (NaN as a class:
// arm64's default NaN is not x86's), through the kernels methods so that the
// Go wrappers in kernel_arm64.go are covered too. Run them on an x86 machine
// with GOARCH=arm64 go test -exec qemu-aarch64. Helpers in kernel_test.go.

const neonMaxLen = 4096 // stream kernels: every multiple of 64 up to this

func TestNEONIsAvailable(t *testing.T) {
	ks := archKernels()
	if len(ks) != 1 || ks[0] != &neonKernels || neonKernels.name != "neon" || neonKernels.id == 0 {
		t.Fatalf("archKernels() = %v, want [&neonKernels] with a nonzero id", ks)
	}
	if !neonKernels.fused {
		t.Fatal("neonKernels.fused is false: fwdAdd and add would run the generic kernels")
	}
}

// TestNEONWhole64 checks that the wrappers refuse lengths the assembly
// cannot stop at, instead of running past the slices.
func TestNEONWhole64(t *testing.T) {
	var st lanes
	x := make([]float32, 65)
	for name, f := range map[string]func(){
		"fwd":    func() { neonKernels.fwd(&st, x, x, nil, 0, 1, false) },
		"draws":  func() { neonKernels.draws(&st, make([]uint32, 80)) },
		"bwd":    func() { neonKernels.bwd(x, x, make([]uint64, 2), 1, false) },
		"fwdAdd": func() { neonKernels.fwdAdd(&st, x, x, x, nil, 0, 1, false) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with 65 or 80 elements did not panic", name)
				}
			}()
			f()
		}()
	}
}

// neonSpecials are the inputs that a multiply by a masked factor could get
// wrong: NaNs (quiet, signaling, negative), infinities, signed zeros,
// subnormals, values whose products overflow, and ordinary numbers.
var neonSpecials = []uint32{
	0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xffc12345, // NaNs
	0x7f800000, 0xff800000, // ±Inf
	0x00000000, 0x80000000, // ±0
	0x00000001, 0x807fffff, 0x00400000, // subnormals
	0x7f61b1e6, 0xff61b1e6, // ±3e38
	0x7f7fffff, 0x3f800000, 0xbf800000, 0x3f000000,
}

// neonInput returns n+pad values, about a quarter from neonSpecials and the
// rest random finite floats of every magnitude.
func neonInput(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		if r.IntN(4) == 0 {
			x[i] = math.Float32frombits(neonSpecials[r.IntN(len(neonSpecials))])
		} else {
			x[i] = math.Float32frombits(r.Uint32()&^(0xff<<23) | uint32(r.IntN(255))<<23)
		}
	}
	return x
}

// guarded returns a slice of n elements starting at element off of a
// buffer with canary values on both sides, and a check that they survived.
func guarded[T any](n, off int, canary T, fill []T) ([]T, func(t *testing.T, what string)) {
	const pad = 16
	buf := make([]T, pad+off+n+pad)
	for i := range buf {
		buf[i] = canary
	}
	s := buf[pad+off : pad+off+n : pad+off+n]
	copy(s, fill)
	return s, func(t *testing.T, what string) {
		t.Helper()
		for i := range buf {
			if (i < pad+off || i >= pad+off+n) && any(buf[i]) != any(canary) {
				t.Fatalf("%s: element %d outside the slice was overwritten", what, i-pad-off)
			}
		}
	}
}

func neonThresholds(r *rand.Rand) []uint32 {
	return []uint32{0, 1, 1<<24 - 1, 1 << 24, r.Uint32N(1 << 24), 1 << 23}
}

var neonScales = []float32{1, 2, float32(math.Inf(1))}

func TestNEONForward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const canaryF, canaryW = float32(-7.5), uint64(0x5555aaaa5555aaaa)
	for n := 0; n <= neonMaxLen; n += 64 {
		x0 := neonInput(r, n)
		st0 := randLanes(r)
		off := n / 64 % 4 // element offset: unaligned vectors too
		for _, thr := range neonThresholds(r) {
			for _, scale := range neonScales {
				want := make([]float32, n)
				wantBits := make([]uint64, n/64)
				wantSt := st0
				genericKernels.fwd(&wantSt, want, x0, wantBits, thr, scale, false)
				for _, mask := range []bool{true, false} {
					for _, inPlace := range []bool{false, true} {
						x, checkX := guarded(n, off, canaryF, x0)
						y, checkY := x, checkX
						if !inPlace {
							y, checkY = guarded(n, 3-off, canaryF, nil)
						}
						var bits []uint64
						checkBits := func(*testing.T, string) {}
						if mask {
							bits, checkBits = guarded(n/64, 0, canaryW, randWords(r, n/64)) // every word must be overwritten
						}
						st := st0
						neonKernels.fwd(&st, y, x, bits, thr, scale, false)
						what := func() string {
							return fmt.Sprintf("n=%d thr=%#x scale=%v mask=%v inPlace=%v", n, thr, scale, mask, inPlace)
						}
						if i := sameFloats(y, want); i >= 0 {
							t.Fatalf("%s: y[%d] = %#08x, want %#08x (x = %#08x)", what(), i,
								math.Float32bits(y[i]), math.Float32bits(want[i]), math.Float32bits(x0[i]))
						}
						if mask && !slices.Equal(bits, wantBits) {
							i := 0
							for bits[i] == wantBits[i] {
								i++
							}
							t.Fatalf("%s: bits[%d] = %#016x, want %#016x", what(), i, bits[i], wantBits[i])
						}
						if st != wantSt {
							t.Fatalf("%s: lane state differs after the call", what())
						}
						if !inPlace && sameFloats(x, x0) >= 0 {
							t.Fatalf("%s: x was modified", what())
						}
						checkX(t, what()+": x")
						checkY(t, what()+": y")
						checkBits(t, what()+": bits")
					}
				}
			}
		}
	}
}

// neonAliases are the ways y of fwdAdd may share memory with its inputs.
var neonAliases = []string{"none", "y=x", "y=res", "y=x=res"}

// TestNEONForwardAdd checks fwdAdd (fwdAddMask32NEON and fwdAdd32NEON through
// archFwdAdd) against fwdAddGeneric: special values in x and in res, every
// threshold edge, with and without keep bits, y apart or the same slice as
// an input.
func TestNEONForwardAdd(t *testing.T) {
	if !neonKernels.fused {
		t.Fatal("neonKernels.fused is false: this would test the generic kernel against itself")
	}
	r := rand.New(rand.NewPCG(13, 14))
	const canaryF, canaryW = float32(-7.5), uint64(0x5555aaaa5555aaaa)
	for n := 0; n <= neonMaxLen; n += 64 {
		x0, r0 := neonInput(r, n), neonInput(r, n)
		st0 := randLanes(r)
		off := n / 64 % 4 // element offset: unaligned vectors too
		for _, thr := range neonThresholds(r) {
			for _, scale := range neonScales {
				for _, alias := range neonAliases {
					xIn, resIn := x0, r0
					if alias == "y=x=res" {
						resIn = x0
					}
					want := make([]float32, n)
					wantBits := make([]uint64, n/64)
					wantSt := st0
					genericKernels.fwdAdd(&wantSt, want, xIn, resIn, wantBits, thr, scale, false)
					for _, mask := range []bool{true, false} {
						x, checkX := guarded(n, off, canaryF, xIn)
						res, checkRes := guarded(n, (off+1)%4, canaryF, resIn)
						var y []float32
						checkY := func(*testing.T, string) {}
						switch alias {
						case "none":
							y, checkY = guarded(n, 3-off, canaryF, nil)
						case "y=x":
							y = x
						case "y=res":
							y = res
						case "y=x=res":
							res, checkRes = x, checkX
							y = x
						}
						var bits []uint64
						checkBits := func(*testing.T, string) {}
						if mask {
							bits, checkBits = guarded(n/64, 0, canaryW, randWords(r, n/64)) // every word must be overwritten
						}
						st := st0
						neonKernels.fwdAdd(&st, y, x, res, bits, thr, scale, false)
						what := func() string {
							return fmt.Sprintf("n=%d thr=%#x scale=%v mask=%v alias=%s", n, thr, scale, mask, alias)
						}
						if i := sameFloats(y, want); i >= 0 {
							t.Fatalf("%s: y[%d] = %#08x, want %#08x (x = %#08x, res = %#08x)", what(), i,
								math.Float32bits(y[i]), math.Float32bits(want[i]), math.Float32bits(xIn[i]), math.Float32bits(resIn[i]))
						}
						if mask && !slices.Equal(bits, wantBits) {
							i := 0
							for bits[i] == wantBits[i] {
								i++
							}
							t.Fatalf("%s: bits[%d] = %#016x, want %#016x", what(), i, bits[i], wantBits[i])
						}
						if st != wantSt {
							t.Fatalf("%s: lane state differs after the call", what())
						}
						if alias != "y=x" && alias != "y=x=res" && sameFloats(x, xIn) >= 0 {
							t.Fatalf("%s: x was modified", what())
						}
						if alias != "y=res" && alias != "y=x=res" && sameFloats(res, resIn) >= 0 {
							t.Fatalf("%s: res was modified", what())
						}
						checkX(t, what()+": x")
						checkRes(t, what()+": res")
						checkY(t, what()+": y")
						checkBits(t, what()+": bits")
					}
				}
			}
		}
	}
}

// TestNEONForwardAddRounding checks that the product is rounded to float32
// before the add: with x = 1+2^-23, scale = 1+2^-23 and res = -(1+2^-22),
// the unfused sum is 0 but a fused multiply-add gives 2^-46.
func TestNEONForwardAddRounding(t *testing.T) {
	const n = 128
	one := math.Float32frombits(0x3f800001) // 1 + 2^-23
	x, res, y := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], res[i] = one, -math.Float32frombits(0x3f800002)
	}
	for _, mask := range [][]uint64{nil, make([]uint64, n/64)} {
		var st lanes
		neonKernels.fwdAdd(&st, y, x, res, mask, 0, one, false)
		for i, v := range y {
			if v != 0 {
				t.Fatalf("mask=%v: y[%d] = %g, want 0 (the product rounded before the add)", mask != nil, i, v)
			}
		}
	}
}

// TestNEONAdd checks add (add32NEON through archAdd) against addGeneric at
// every length up to 300 and some large ones, dst apart or the same slice
// as a, b or both.
func TestNEONAdd(t *testing.T) {
	if !neonKernels.fused {
		t.Fatal("neonKernels.fused is false: this would test the generic kernel against itself")
	}
	r := rand.New(rand.NewPCG(15, 16))
	lengths := []int{1000, 1023, 1024, 4096, 4099, 100003}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		a0, b0 := neonInput(r, n), neonInput(r, n)
		for _, alias := range []string{"none", "dst=a", "dst=b", "dst=a=b"} {
			aIn, bIn := a0, b0
			if alias == "dst=a=b" {
				bIn = a0
			}
			want := make([]float32, n)
			genericKernels.add(want, aIn, bIn)
			a, checkA := guarded(n, n%4, float32(-7.5), aIn)
			b, checkB := guarded(n, (n+1)%4, float32(-7.5), bIn)
			var dst []float32
			checkDst := func(*testing.T, string) {}
			switch alias {
			case "none":
				dst, checkDst = guarded(n, (n+2)%4, float32(-7.5), nil)
			case "dst=a":
				dst = a
			case "dst=b":
				dst = b
			case "dst=a=b":
				b, checkB = a, checkA
				dst = a
			}
			neonKernels.add(dst, a, b)
			what := fmt.Sprintf("n=%d alias=%s", n, alias)
			if i := sameFloats(dst, want); i >= 0 {
				t.Fatalf("%s: dst[%d] = %#08x, want %#08x (a = %#08x, b = %#08x)", what, i,
					math.Float32bits(dst[i]), math.Float32bits(want[i]), math.Float32bits(aIn[i]), math.Float32bits(bIn[i]))
			}
			if alias == "none" && (sameFloats(a, aIn) >= 0 || sameFloats(b, bIn) >= 0) {
				t.Fatalf("%s: an input was modified", what)
			}
			checkA(t, what+": a")
			checkB(t, what+": b")
			checkDst(t, what+": dst")
		}
	}
}

func TestNEONDraws(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= neonMaxLen; n += 64 {
		st0 := randLanes(r)
		want := make([]uint32, n)
		wantSt := st0
		genericKernels.draws(&wantSt, want)
		u, check := guarded(n, n/64%4, uint32(0xdeadbeef), nil)
		st := st0
		neonKernels.draws(&st, u)
		if !slices.Equal(u, want) {
			i := 0
			for u[i] == want[i] {
				i++
			}
			t.Fatalf("n=%d: u[%d] = %#x, want %#x", n, i, u[i], want[i])
		}
		if st != wantSt {
			t.Fatalf("n=%d: lane state differs after the call", n)
		}
		check(t, fmt.Sprint("n=", n))
	}
}

func TestNEONBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= neonMaxLen; n += 64 {
		dy0 := neonInput(r, n)
		words := bwdWords(r, n/64)
		words0 := slices.Clone(words)
		for _, scale := range append(neonScales, 0.5, 0) {
			want := make([]float32, n)
			genericKernels.bwd(want, dy0, words, scale, false)
			for _, inPlace := range []bool{false, true} {
				dy, checkDy := guarded(n, n/64%4, float32(-7.5), dy0)
				dx, checkDx := dy, checkDy
				if !inPlace {
					dx, checkDx = guarded(n, 0, float32(-7.5), nil)
				}
				neonKernels.bwd(dx, dy, words, scale, false)
				what := fmt.Sprintf("n=%d scale=%v inPlace=%v", n, scale, inPlace)
				if i := sameFloats(dx, want); i >= 0 {
					t.Fatalf("%s: dx[%d] = %#08x, want %#08x (dy = %#08x, bit %d)", what, i,
						math.Float32bits(dx[i]), math.Float32bits(want[i]), math.Float32bits(dy0[i]), words[i/64]>>(i%64)&1)
				}
				if !slices.Equal(words, words0) {
					t.Fatalf("%s: words were modified", what)
				}
				checkDy(t, what+": dy")
				checkDx(t, what+": dx")
			}
		}
	}
}

func TestNEONScale(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	lengths := []int{1000, 1023, 4096, 4099, 100003}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		x0 := neonInput(r, n)
		for _, a := range []float32{0.5, 1, 2, float32(math.Inf(1)), 0, float32(math.Copysign(0, -1)), 3e38, float32(math.NaN())} {
			want := make([]float32, n)
			genericKernels.scale(want, x0, a, false)
			for _, inPlace := range []bool{false, true} {
				x, checkX := guarded(n, n%4, float32(-7.5), x0)
				y, checkY := x, checkX
				if !inPlace {
					y, checkY = guarded(n, (n+1)%4, float32(-7.5), nil)
				}
				neonKernels.scale(y, x, a, false)
				what := fmt.Sprintf("n=%d a=%v inPlace=%v", n, a, inPlace)
				if i := sameFloats(y, want); i >= 0 {
					t.Fatalf("%s: y[%d] = %#08x, want %#08x", what, i, math.Float32bits(y[i]), math.Float32bits(want[i]))
				}
				checkX(t, what+": x")
				checkY(t, what+": y")
			}
		}
	}
}

func TestNEONSkip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for n := 0; n <= 600; n++ {
		st0 := randLanes(r)
		want, got := st0, st0
		genericKernels.skip(&want, n)
		neonKernels.skip(&got, n)
		if got != want {
			t.Fatalf("skip(%d): lane state differs", n)
		}
	}
}

// neonStreamEdges calls f with each dropout rate, stream offset and length
// of the stream edge tests: block boundaries and odd offsets, where the
// driver mixes element-by-element parts with kernel calls.
func neonStreamEdges(t *testing.T, f func(d Dropout, p float64, off uint64, n int)) {
	for _, p := range []float64{0, 0.1, 0.5, 1} {
		d, err := New(p, Inverted)
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range []uint64{0, 1, 63, 64, 8191 - 100, 8192 - 64, 1<<64 - 300} {
			for _, n := range []int{0, 1, 64, 65, 200, 1000, 8192 + 129} {
				f(d, p, off, n)
			}
		}
	}
}

// TestNEONStreamEdges runs whole Forward/Draws calls on the neon path
// against the generic one at the stream edges (neonStreamEdges).
func TestNEONStreamEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	neonStreamEdges(t, func(d Dropout, p float64, off uint64, n int) {
		key := Key{Seed: r.Uint64(), Offset: off}
		x := neonInput(r, n)
		var want, got []float32
		var wantM, gotM Mask
		var wantU, gotU []uint32
		for _, k := range []*kernels{&genericKernels, &neonKernels} {
			y, m, u := make([]float32, n), make(Mask, MaskLen(n)), make([]uint32, n)
			withPath(k, func() {
				d.Forward(y, x, m, key)
				Draws(u, key)
			})
			if k == &genericKernels {
				want, wantM, wantU = y, m, u
			} else {
				got, gotM, gotU = y, m, u
			}
		}
		what := fmt.Sprintf("p=%v n=%d offset=%d", p, n, off)
		if i := sameFloats(got, want); i >= 0 {
			t.Fatalf("%s: y[%d] = %#08x, want %#08x", what, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
		if !slices.Equal(gotM, wantM) {
			t.Fatalf("%s: masks differ", what)
		}
		if !slices.Equal(gotU, wantU) {
			t.Fatalf("%s: draws differ", what)
		}
	})
}

// TestNEONFusedStreamEdges runs whole DropoutAdd, BiasDropoutAdd and
// BiasDropoutAddBackward calls on the neon path against the generic one at
// the stream edges (neonStreamEdges): the fused kernels inside the driver,
// the bias adds (runs that wrap around the bias) and the dbias column sums.
func TestNEONFusedStreamEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	neonStreamEdges(t, func(d Dropout, p float64, off uint64, n int) {
		for _, nb := range []int{1, 5, 100, 1031, n} {
			if nb == 0 || n%nb != 0 {
				continue
			}
			key := Key{Seed: r.Uint64(), Offset: off}
			x, res, bias := neonInput(r, n), neonInput(r, n), neonInput(r, nb)
			type out struct {
				add, biasAdd, dx, dbias []float32
				m, bm                   Mask
			}
			var o [2]out
			for j, k := range []*kernels{&genericKernels, &neonKernels} {
				o[j] = out{
					add: make([]float32, n), biasAdd: make([]float32, n), dx: make([]float32, n), dbias: make([]float32, nb),
					m: make(Mask, MaskLen(n)), bm: make(Mask, MaskLen(n)),
				}
				withPath(k, func() {
					d.DropoutAdd(o[j].add, x, res, o[j].m, key)
					d.BiasDropoutAdd(o[j].biasAdd, x, bias, res, o[j].bm, key)
					d.BiasDropoutAddBackward(o[j].dx, o[j].dbias, res, o[j].bm)
				})
			}
			what := fmt.Sprintf("p=%v n=%d nb=%d offset=%d", p, n, nb, off)
			for _, c := range []struct {
				name      string
				got, want []float32
			}{
				{"DropoutAdd", o[1].add, o[0].add},
				{"BiasDropoutAdd", o[1].biasAdd, o[0].biasAdd},
				{"BiasDropoutAddBackward dx", o[1].dx, o[0].dx},
				{"BiasDropoutAddBackward dbias", o[1].dbias, o[0].dbias},
			} {
				if i := sameFloats(c.got, c.want); i >= 0 {
					t.Fatalf("%s: %s[%d] = %#08x, want %#08x", what, c.name, i, math.Float32bits(c.got[i]), math.Float32bits(c.want[i]))
				}
			}
			if !slices.Equal(o[1].m, o[0].m) || !slices.Equal(o[1].bm, o[0].bm) {
				t.Fatalf("%s: masks differ", what)
			}
		}
	})
}
