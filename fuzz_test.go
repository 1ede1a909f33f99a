package dropout

import (
	"encoding/binary"
	"math"
	"testing"
)

// Native fuzz targets (go test -fuzz=FuzzForward): every available path
// against the element-by-element reference, on inputs the fuzzer chooses
// bit by bit, for both element types: a Dropout[float32] and a
// Dropout[float64] on the same bytes and key, whose masks must agree.

func fuzzFloats(data []byte) []float32 {
	x := make([]float32, len(data)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return x
}

func fuzzFloats64(data []byte) []float64 {
	x := make([]float64, len(data)/8)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return x
}

// fuzzP maps the fuzzer's p into [0, 1]; false for NaN and ±Inf.
func fuzzP(p float64) (float64, bool) {
	p = math.Abs(p)
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return 0, false
	}
	if p > 1 {
		p = p - math.Floor(p)
	}
	return p, true
}

func fuzzDropout[T Float](t *testing.T, p float64, mode uint8) Dropout[T] {
	d, err := New[T](p, Mode(mode%2))
	if err != nil {
		t.Fatalf("New(%v): %v", p, err)
	}
	return d
}

// fuzzFactors is the semantics element by element, for T: keep_i iff
// u_i >= floor(p*2^24) (the draws of the independent reference), factor
// 1 (Classic) or T(1/(1-p)) with the division in float64 (Inverted) when
// kept, +0 when dropped; and the inference factor T(1-p) (Classic) or 1.
func fuzzFactors[T Float](p float64, mode Mode, n int, key Key) (f []T, keep []bool, inf T) {
	thr := uint32(math.Floor(p * (1 << 24)))
	s, inf := T(1), T(1-p)
	if mode == Inverted {
		s, inf = T(1/(1-p)), 1
	}
	u := refDraws(key, n)
	f, keep = make([]T, n), make([]bool, n)
	for i := range u {
		if keep[i] = u[i] >= thr; keep[i] {
			f[i] = s
		}
	}
	return f, keep, inf
}

// fuzzCheck checks every operation of d on x at key, on the active path,
// against the element-by-element semantics: Forward (with a stale mask,
// without a mask, in place), its keep bits and the bits past n, Backward
// and BackwardKey, DropoutAdd and Infer, with dy and the residual made from
// x's elements too. It returns the mask Forward wrote.
func fuzzCheck[T Float](t *testing.T, where string, d Dropout[T], x []T, key Key) Mask {
	t.Helper()
	n := len(x)
	f, keep, inf := fuzzFactors[T](d.P(), d.Mode(), n, key)
	dy, res := make([]T, n), make([]T, n)
	for i := range x {
		dy[i], res[i] = x[n-1-i], x[(i+1)%n]
	}
	wantY, wantDX, wantAdd, wantInf := make([]T, n), make([]T, n), make([]T, n), make([]T, n)
	for i := range x {
		wantY[i] = x[i] * f[i]
		wantDX[i] = dy[i] * f[i]
		wantAdd[i] = res[i] + T(x[i]*f[i]) // the product rounded to T, then the add
		wantInf[i] = x[i] * inf
	}
	where += " " + d.String()

	y := make([]T, n)
	mask := stale(MaskLen(n) + 1)
	d.Forward(y, x, mask, key)
	goldSame(t, where+" Forward", y, wantY)
	for i, k := range keep {
		if mask.Kept(i) != k {
			t.Fatalf("%s: keep bit %d = %v, want %v", where, i, mask.Kept(i), k)
		}
	}
	if n%64 != 0 && mask[n/64]>>uint(n%64) != 0 {
		t.Fatalf("%s: bits past n in the last word are %#x, want 0", where, mask[n/64])
	}
	if mask[MaskLen(n)] != ^uint64(0) {
		t.Fatalf("%s: Forward wrote past MaskLen(n)", where)
	}
	mask = mask[:MaskLen(n)]
	d.Forward(y, x, nil, key)
	goldSame(t, where+" Forward, no mask", y, wantY)
	copy(y, x)
	d.Forward(y, y, nil, key)
	goldSame(t, where+" Forward in place", y, wantY)

	dx := make([]T, n)
	d.Backward(dx, dy, mask)
	goldSame(t, where+" Backward", dx, wantDX)
	d.BackwardKey(dx, dy, key)
	goldSame(t, where+" BackwardKey", dx, wantDX)

	m := stale(MaskLen(n))
	d.DropoutAdd(y, x, res, m, key)
	goldSame(t, where+" DropoutAdd", y, wantAdd)
	goldMask(t, where+" DropoutAdd mask", m, mask)

	d.Infer(y, x)
	goldSame(t, where+" Infer", y, wantInf)
	return mask
}

// sameKeepBits fails unless the first n bits of a and b agree: the masks
// of the two element types for one key.
func sameKeepBits(t *testing.T, where string, a, b Mask, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if a.Kept(i) != b.Kept(i) {
			t.Fatalf("%s: keep bit %d is %v for float32, %v for float64", where, i, a.Kept(i), b.Kept(i))
		}
	}
}

func FuzzForward(f *testing.F) {
	f.Add(uint64(1), uint64(0), 0.5, uint8(0), make([]byte, 4*100))
	f.Add(uint64(2), uint64(BlockSize-7), 0.1, uint8(1), make([]byte, 4*300))
	f.Add(uint64(3), uint64(math.MaxUint64-20), 1e-9, uint8(1), []byte{0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0xff, 0, 0, 0, 0x80})
	f.Add(uint64(4), uint64(63), 1.0/3, uint8(1), []byte{1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x80,
		1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0x7f})
	f.Fuzz(func(t *testing.T, seed, offset uint64, p float64, mode uint8, data []byte) {
		p, ok := fuzzP(p)
		if !ok {
			return
		}
		d32, d64 := fuzzDropout[float32](t, p, mode), fuzzDropout[float64](t, p, mode)
		x32, x64 := fuzzFloats(data), fuzzFloats64(data)
		key := Key{Seed: seed, Offset: offset}
		forEachPath(t, func(t *testing.T, k *path) {
			m32 := fuzzCheck(t, k.name, d32, x32, key)
			m64 := fuzzCheck(t, k.name, d64, x64, key)
			sameKeepBits(t, k.name, m32, m64, len(x64)) // len(x64) <= len(x32)
		})
	})
}

func FuzzSplit(f *testing.F) {
	f.Add(uint64(1), uint64(0), uint16(100), uint16(1000), 0.5)
	f.Add(uint64(9), uint64(BlockSize-100), uint16(64), uint16(BlockSize), 0.25)
	f.Fuzz(func(t *testing.T, seed, offset uint64, cut, n uint16, p float64) {
		p, ok := fuzzP(p)
		if !ok {
			return
		}
		c := int(cut) % (int(n) + 1)
		key := Key{Seed: seed, Offset: offset}
		forEachPath(t, func(t *testing.T, k *path) {
			m32 := fuzzSplit(t, k.name, fuzzDropout[float32](t, p, 1), int(n), c, key)
			m64 := fuzzSplit(t, k.name, fuzzDropout[float64](t, p, 1), int(n), c, key)
			goldMask(t, k.name+" float32 and float64", m64, m32)
		})
	})
}

// fuzzSplit checks that Forward over n elements cut at c into two calls
// whose keys continue one another gives the bits of one call, and returns
// the whole call's mask.
func fuzzSplit[T Float](t *testing.T, where string, d Dropout[T], n, c int, key Key) Mask {
	t.Helper()
	x := make([]T, n)
	for i := range x {
		x[i] = T(i)/3 - 100.5 // for float64, not a float32
	}
	whole, parts := make([]T, n), make([]T, n)
	wm, m1, m2 := make(Mask, MaskLen(n)), make(Mask, MaskLen(c)), make(Mask, MaskLen(n-c))
	d.Forward(whole, x, wm, key)
	d.Forward(parts[:c], x[:c], m1, key)
	d.Forward(parts[c:], x[c:], m2, Key{Seed: key.Seed, Offset: key.Offset + uint64(c)})
	goldSame(t, where+" "+d.String()+" split", parts, whole)
	for i := 0; i < n; i++ {
		got := i < c && m1.Kept(i) || i >= c && m2.Kept(i-c)
		if got != wm.Kept(i) {
			t.Fatalf("%s %v: keep bit %d differs after a split at %d", where, d, i, c)
		}
	}
	return wm
}

func FuzzBackward(f *testing.F) {
	f.Add(0.5, uint8(1), []byte{1, 2, 3}, make([]byte, 4*70))
	f.Fuzz(func(t *testing.T, p float64, mode uint8, maskBytes, data []byte) {
		p, ok := fuzzP(p)
		if !ok {
			return
		}
		forEachPath(t, func(t *testing.T, k *path) {
			fuzzBackward(t, k.name, fuzzDropout[float32](t, p, mode), maskBytes, fuzzFloats(data))
			fuzzBackward(t, k.name, fuzzDropout[float64](t, p, mode), maskBytes, fuzzFloats64(data))
		})
	})
}

// fuzzBackward checks Backward with the fuzzer's mask words against
// dy[i] * factor_i.
func fuzzBackward[T Float](t *testing.T, where string, d Dropout[T], maskBytes []byte, dy []T) {
	t.Helper()
	n := len(dy)
	mask := make(Mask, MaskLen(n))
	for i := range mask {
		var w [8]byte
		copy(w[:], maskBytes[min(len(maskBytes), 8*i):])
		mask[i] = binary.LittleEndian.Uint64(w[:])
	}
	s := T(1)
	if d.Mode() == Inverted {
		s = T(1 / (1 - d.P()))
	}
	want := make([]T, n)
	for i := range dy {
		f := T(0)
		if mask.Kept(i) {
			f = s
		}
		want[i] = dy[i] * f
	}
	dx := make([]T, n)
	d.Backward(dx, dy, mask)
	goldSame(t, where+" "+d.String()+" Backward", dx, want)
}

// FuzzMask: the mask conversions of every path against the definition, on
// bytes and floats (float32 and float64) the fuzzer chooses, at a start
// offset within the slice it chooses too (unaligned starts).
func FuzzMask(f *testing.F) {
	f.Add(uint8(0), make([]byte, 4*130))
	f.Add(uint8(3), []byte{0, 0, 0, 0x80, 1, 0, 0, 0, 0, 0, 0xc0, 0x7f})
	f.Add(uint8(1), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f})
	f.Fuzz(func(t *testing.T, skip uint8, data []byte) {
		s := min(int(skip%8), len(data))
		bytes := data[s:]
		floats := fuzzFloats(data[s:])
		floats64 := fuzzFloats64(data[s:])
		m8, m32, m64 := make(Mask, MaskLen(len(bytes))), make(Mask, MaskLen(len(floats))), make(Mask, MaskLen(len(floats64)))
		b8, f32, f64 := make([]uint8, len(bytes)), make([]float32, len(floats)), make([]float64, len(floats64))
		forEachPath(t, func(t *testing.T, k *path) {
			m8.SetBytes(bytes)
			m32.SetFloat32s(floats)
			m64.SetFloat64s(floats64)
			for i, v := range bytes {
				if m8.Kept(i) != (v != 0) {
					t.Fatalf("%s SetBytes: bit %d = %v for byte %#x", k.name, i, m8.Kept(i), v)
				}
			}
			for i, v := range floats {
				if m32.Kept(i) != (v != 0) {
					t.Fatalf("%s SetFloat32s: bit %d = %v for %#08x", k.name, i, m32.Kept(i), math.Float32bits(v))
				}
			}
			for i, v := range floats64 {
				if m64.Kept(i) != (v != 0) {
					t.Fatalf("%s SetFloat64s: bit %d = %v for %#016x", k.name, i, m64.Kept(i), math.Float64bits(v))
				}
			}
			for _, m := range []struct {
				m Mask
				n int
			}{{m8, len(bytes)}, {m32, len(floats)}, {m64, len(floats64)}} {
				if r := m.n % 64; r != 0 && m.m[m.n/64]>>uint(r) != 0 {
					t.Fatalf("%s: bits past %d in the last word are %#x, want 0", k.name, m.n, m.m[m.n/64])
				}
			}
			// Unpack the fuzzer's bytes read as mask words.
			words := make(Mask, MaskLen(len(bytes)))
			for i := range words {
				var w [8]byte
				copy(w[:], bytes[8*i:])
				words[i] = binary.LittleEndian.Uint64(w[:])
			}
			words.Bytes(b8)
			for i, v := range b8 {
				if want := uint8(words[i/64] >> uint(i%64) & 1); v != want {
					t.Fatalf("%s Bytes: element %d = %d, want %d", k.name, i, v, want)
				}
			}
			words.Float32s(f32)
			for i, v := range f32 {
				if want := uint32(words[i/64]>>uint(i%64)&1) * 0x3f800000; math.Float32bits(v) != want {
					t.Fatalf("%s Float32s: element %d = %#08x, want %#08x", k.name, i, math.Float32bits(v), want)
				}
			}
			words.Float64s(f64)
			for i, v := range f64 {
				if want := uint64(words[i/64]>>uint(i%64)&1) * 0x3ff0000000000000; math.Float64bits(v) != want {
					t.Fatalf("%s Float64s: element %d = %#016x, want %#016x", k.name, i, math.Float64bits(v), want)
				}
			}
		})
	})
}
