package dropout

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"unsafe"
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
	if len(dst) > 0 {
		// A Go bool is one byte holding 0 or 1.
		m.expand(unsafe.Slice((*uint8)(unsafe.Pointer(&dst[0])), len(dst)))
	}
}

// Bytes expands the first len(dst) bits to 0/1 bytes (oneDNN's u8 mask).
func (m Mask) Bytes(dst []uint8) {
	checkMask("Mask.Bytes", m, len(dst))
	m.expand(dst)
}

// expand writes bit i as byte 0 or 1, eight at a time from a table.
func (m Mask) expand(dst []uint8) {
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		b := uint8(m[i>>6] >> uint(i&63))
		binary.LittleEndian.PutUint64(dst[i:], spread[b])
	}
	for ; i < len(dst); i++ {
		dst[i] = uint8(m[i>>6] >> uint(i&63) & 1)
	}
}

// spread[b] holds bit k of b in byte k, little-endian.
var spread = func() (t [256]uint64) {
	for b := range t {
		for k := 0; k < 8; k++ {
			t[b] |= uint64(b>>k&1) << (8 * k)
		}
	}
	return t
}()

// Float32s expands the first len(dst) bits to 0 and 1: the book's
// self.mask as a float array.
func (m Mask) Float32s(dst []float32) {
	checkMask("Mask.Float32s", m, len(dst))
	for q := 0; q < len(dst); q += 64 {
		w := m[q/64]
		chunk := dst[q:min(q+64, len(dst))]
		for i := range chunk {
			chunk[i] = math.Float32frombits(-uint32(w&1) & 0x3f800000) // 1.0 or +0, no conversion
			w >>= 1
		}
	}
}

// SetBools packs src into m: bit i is set iff src[i], and the bits past
// len(src) in the last word are cleared. It panics if m is shorter than
// MaskLen(len(src)).
func (m Mask) SetBools(src []bool) {
	checkMask("Mask.SetBools", m, len(src))
	if len(src) == 0 {
		return
	}
	m.pack(unsafe.Slice((*uint8)(unsafe.Pointer(&src[0])), len(src)))
}

// SetBytes packs src into m: bit i is set iff src[i] != 0 (PyTorch's or
// oneDNN's u8 mask), and the bits past len(src) in the last word are
// cleared.
func (m Mask) SetBytes(src []uint8) {
	checkMask("Mask.SetBytes", m, len(src))
	m.pack(src)
}

// SetFloat32s packs src into m: bit i is set iff src[i] != 0 (the book's
// float mask; NaN counts as nonzero), and the bits past len(src) in the last
// word are cleared.
func (m Mask) SetFloat32s(src []float32) {
	checkMask("Mask.SetFloat32s", m, len(src))
	words := m[:MaskLen(len(src))]
	for q := range words {
		chunk := src[64*q : min(64*q+64, len(src))]
		var w uint64
		for _, v := range chunk {
			w = w>>1 | uint64(b2u(v != 0))<<63 // no branch on the data
		}
		words[q] = w >> uint(64-len(chunk))
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// pack sets bit i iff src[i] != 0, eight bytes at a time: each byte is
// folded onto its lowest bit, and one multiply gathers the eight low bits.
func (m Mask) pack(src []uint8) {
	words := m[:MaskLen(len(src))]
	clear(words)
	i := 0
	for ; i+8 <= len(src); i += 8 {
		v := binary.LittleEndian.Uint64(src[i:])
		v |= v >> 4 // bit 0..3 of each byte: OR with bits 4..7 of the same byte
		v |= v >> 2
		v |= v >> 1
		v &= 0x0101010101010101
		b := v * 0x0102040810204080 >> 56 // byte k's bit to bit k
		words[i>>6] |= b << uint(i&63)
	}
	for ; i < len(src); i++ {
		if src[i] != 0 {
			words[i>>6] |= 1 << uint(i&63)
		}
	}
}
