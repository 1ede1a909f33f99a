package dropout

import (
	"encoding/binary"
	"math"
	"testing"
)

// Native fuzz targets (go test -fuzz=FuzzForward): every available path
// against the element-by-element reference, on inputs the fuzzer chooses
// bit by bit.

func fuzzFloats(data []byte) []float32 {
	x := make([]float32, len(data)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return x
}

func fuzzDropout(t *testing.T, p float64, mode uint8) (Dropout[float32], float64, bool) {
	p = math.Abs(p)
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return Dropout[float32]{}, 0, false
	}
	if p > 1 {
		p = p - math.Floor(p)
	}
	d, err := New[float32](p, Mode(mode%2))
	if err != nil {
		t.Fatalf("New[float32](%v): %v", p, err)
	}
	return d, p, true
}

func FuzzForward(f *testing.F) {
	f.Add(uint64(1), uint64(0), 0.5, uint8(0), make([]byte, 4*100))
	f.Add(uint64(2), uint64(BlockSize-7), 0.1, uint8(1), make([]byte, 4*300))
	f.Add(uint64(3), uint64(math.MaxUint64-20), 1e-9, uint8(1), []byte{0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0xff, 0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, seed, offset uint64, p float64, mode uint8, data []byte) {
		d, p, ok := fuzzDropout(t, p, mode)
		if !ok {
			return
		}
		x := fuzzFloats(data)
		key := Key{Seed: seed, Offset: offset}
		forEachPath(t, func(t *testing.T, k *path) {
			checkForward(t, k.name, p, d.Mode(), x, key)
		})
	})
}

func FuzzSplit(f *testing.F) {
	f.Add(uint64(1), uint64(0), uint16(100), uint16(1000), 0.5)
	f.Add(uint64(9), uint64(BlockSize-100), uint16(64), uint16(BlockSize), 0.25)
	f.Fuzz(func(t *testing.T, seed, offset uint64, cut, n uint16, p float64) {
		d, _, ok := fuzzDropout(t, p, 1)
		if !ok {
			return
		}
		c := int(cut) % (int(n) + 1)
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i) - 100.5
		}
		key := Key{Seed: seed, Offset: offset}
		whole, parts := make([]float32, n), make([]float32, n)
		wm, m1, m2 := make(Mask, MaskLen(int(n))), make(Mask, MaskLen(c)), make(Mask, MaskLen(int(n)-c))
		forEachPath(t, func(t *testing.T, k *path) {
			d.Forward(whole, x, wm, key)
			d.Forward(parts[:c], x[:c], m1, key)
			d.Forward(parts[c:], x[c:], m2, Key{Seed: seed, Offset: offset + uint64(c)})
			sameF32(t, k.name+" split", parts, whole)
			for i := 0; i < int(n); i++ {
				got := i < c && m1.Kept(i) || i >= c && m2.Kept(i-c)
				if got != wm.Kept(i) {
					t.Fatalf("%s: keep bit %d differs after a split at %d", k.name, i, c)
				}
			}
		})
	})
}

func FuzzBackward(f *testing.F) {
	f.Add(0.5, uint8(1), []byte{1, 2, 3}, make([]byte, 4*70))
	f.Fuzz(func(t *testing.T, p float64, mode uint8, maskBytes, data []byte) {
		d, _, ok := fuzzDropout(t, p, mode)
		if !ok {
			return
		}
		dy := fuzzFloats(data)
		n := len(dy)
		mask := make(Mask, MaskLen(n))
		for i := range mask {
			var w [8]byte
			copy(w[:], maskBytes[min(len(maskBytes), 8*i):])
			mask[i] = binary.LittleEndian.Uint64(w[:])
		}
		want := make([]float32, n)
		for i := range dy {
			f := float32(0)
			if mask.Kept(i) {
				f = d.Scale()
			}
			want[i] = dy[i] * f
		}
		dx := make([]float32, n)
		forEachPath(t, func(t *testing.T, k *path) {
			d.Backward(dx, dy, mask)
			sameF32(t, k.name+" Backward", dx, want)
		})
	})
}

// FuzzMask: the mask conversions of every path against the definition, on
// bytes and floats the fuzzer chooses, at a start offset within the slice it
// chooses too (unaligned starts).
func FuzzMask(f *testing.F) {
	f.Add(uint8(0), make([]byte, 4*130))
	f.Add(uint8(3), []byte{0, 0, 0, 0x80, 1, 0, 0, 0, 0, 0, 0xc0, 0x7f})
	f.Fuzz(func(t *testing.T, skip uint8, data []byte) {
		s := min(int(skip%4), len(data))
		bytes := data[s:]
		floats := fuzzFloats(data[s:])
		m8, m32 := make(Mask, MaskLen(len(bytes))), make(Mask, MaskLen(len(floats)))
		b8, f32 := make([]uint8, len(bytes)), make([]float32, len(floats))
		forEachPath(t, func(t *testing.T, k *path) {
			m8.SetBytes(bytes)
			m32.SetFloat32s(floats)
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
		})
	})
}
