package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaskPackValues: pack8 with every byte value at every bit position,
// pack32 with every sign and exponent and five mantissas at every bit
// position, on every path against the generic functions.
func TestMaskPackValues(t *testing.T) {
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
	// Every value at every position: 64 rotations.
	rot := make([]float32, 0, 64*len(src32))
	for s := 0; s < 64; s++ {
		rot = append(rot, src32[s:]...)
		rot = append(rot, src32[:s]...)
	}
	want8, want32 := make([]uint64, len(src8)/64), make([]uint64, len(rot)/64)
	pack8Generic(want8, src8)
	pack32Generic(want32, rot)
	for _, k := range available {
		got8, got32 := make([]uint64, len(want8)), make([]uint64, len(want32))
		k.pack8(got8, src8)
		k.pack32(got32, rot)
		for i := range want8 {
			if got8[i] != want8[i] {
				t.Fatalf("%s pack8: word %d = %#x, want %#x", k.name, i, got8[i], want8[i])
			}
		}
		for i := range want32 {
			if got32[i] != want32[i] {
				t.Fatalf("%s pack32: word %d = %#x, want %#x", k.name, i, got32[i], want32[i])
			}
		}
	}
}

// BenchmarkMaskConversions: Bytes, SetBytes, Float32s and SetFloat32s on
// every path. SetBytes counts the bytes of the unpacked slice (1 or 4 per
// element).
func BenchmarkMaskConversions(b *testing.B) {
	for _, n := range []int{4096, 262144} {
		r := rand.New(rand.NewPCG(7, uint64(n)))
		m := randomWords(r, MaskLen(n))
		u8, f32 := make([]uint8, n), make([]float32, n)
		m.Bytes(u8)
		m.Float32s(f32)
		ops := []struct {
			name string
			size int
			f    func()
		}{
			{"Bytes", 1, func() { m.Bytes(u8) }},
			{"SetBytes", 1, func() { m.SetBytes(u8) }},
			{"Float32s", 4, func() { m.Float32s(f32) }},
			{"SetFloat32s", 4, func() { m.SetFloat32s(f32) }},
		}
		for _, op := range ops {
			for _, k := range available {
				b.Run(fmt.Sprintf("%s/%s/n=%d", op.name, k.name, n), func(b *testing.B) {
					withPath(k, func() {
						b.SetBytes(int64(op.size * n))
						b.ReportAllocs()
						for b.Loop() {
							op.f()
						}
					})
				})
			}
		}
	}
}
