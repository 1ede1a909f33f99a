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

func fuzzDropout(t *testing.T, p float64, mode uint8) (Dropout, float64, bool) {
	p = math.Abs(p)
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return Dropout{}, 0, false
	}
	if p > 1 {
		p = p - math.Floor(p)
	}
	d, err := New(p, Mode(mode%2))
	if err != nil {
		t.Fatalf("New(%v): %v", p, err)
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
		forEachPath(t, func(_ testing.TB, k *kernels) {
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
		forEachPath(t, func(_ testing.TB, k *kernels) {
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
		forEachPath(t, func(_ testing.TB, k *kernels) {
			d.Backward(dx, dy, mask)
			sameF32(t, k.name+" Backward", dx, want)
		})
	})
}
