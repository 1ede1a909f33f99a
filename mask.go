package dropout

import (
	"fmt"
	"math/bits"
)

// Mask holds packed keep bits: element i is bit i%64 of word i/64, 1 for
// kept and 0 for dropped. Forward writes MaskLen(n) words for n elements,
// with the bits past n in the last word set to 0.
type Mask []uint64

// Kept reports whether element i was kept. It panics if i is out of range.
func (m Mask) Kept(i int) bool {
	if i < 0 || i >= 64*len(m) {
		panic(fmt.Sprintf("dropout: Mask.Kept: index %d out of range for %d words", i, len(m)))
	}
	return m[i>>6]>>uint(i&63)&1 != 0
}

// Count returns how many of the first n elements were kept.
func (m Mask) Count(n int) int {
	checkMask("Mask.Count", m, n)
	c := 0
	for i, w := range m[:MaskLen(n)] {
		if r := n - 64*i; r < 64 {
			w &= 1<<uint(r) - 1
		}
		c += bits.OnesCount64(w)
	}
	return c
}

// Bools expands the first len(dst) bits: dst[i] = m.Kept(i), the layout of
// NumPy's boolean mask (U > ratio) and PyTorch's bool tensors.
func (m Mask) Bools(dst []bool) {
	checkMask("Mask.Bools", m, len(dst))
	for i := range dst {
		dst[i] = m[i>>6]>>uint(i&63)&1 != 0
	}
}

// Bytes expands the first len(dst) bits to 0/1 bytes (oneDNN's u8 mask).
func (m Mask) Bytes(dst []uint8) {
	checkMask("Mask.Bytes", m, len(dst))
	for i := range dst {
		dst[i] = uint8(m[i>>6] >> uint(i&63) & 1)
	}
}

// Float32s expands the first len(dst) bits to 0 and 1: the book's
// self.mask as a float array.
func (m Mask) Float32s(dst []float32) {
	checkMask("Mask.Float32s", m, len(dst))
	for i := range dst {
		dst[i] = float32(m[i>>6] >> uint(i&63) & 1)
	}
}

// SetBools packs src into m: bit i is set iff src[i], and the bits past
// len(src) in the last word are cleared. It panics if m is shorter than
// MaskLen(len(src)).
func (m Mask) SetBools(src []bool) {
	checkMask("Mask.SetBools", m, len(src))
	words := m[:MaskLen(len(src))]
	clear(words)
	for i, b := range src {
		if b {
			words[i>>6] |= 1 << uint(i&63)
		}
	}
}
