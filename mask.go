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
		m.unpackBytes(unsafe.Slice((*uint8)(unsafe.Pointer(&dst[0])), len(dst)))
	}
}

// Bytes expands the first len(dst) bits to 0/1 bytes (oneDNN's u8 mask). In
// NumPy, with m as a little-endian uint64 array:
//
//	dst = np.unpackbits(m.view(np.uint8), count=n, bitorder="little")
func (m Mask) Bytes(dst []uint8) {
	checkMask("Mask.Bytes", m, len(dst))
	m.unpackBytes(dst)
}

// unpackBytes writes bit i as byte 0 or 1 with the active path's word
// kernel; a last partial word goes through a 64-byte buffer.
func (m Mask) unpackBytes(dst []uint8) {
	k := active.Load()
	body := len(dst) &^ 63
	k.unpack8(dst[:body], m[:body/64])
	if body < len(dst) {
		var buf [64]uint8
		k.unpack8(buf[:], m[body/64:body/64+1])
		copy(dst[body:], buf[:])
	}
}

// Float32s expands the first len(dst) bits to 0 and 1: the book's
// self.mask as a float array (+0 for dropped, 1 for kept), NumPy's
// mask.astype(np.float32).
func (m Mask) Float32s(dst []float32) {
	checkMask("Mask.Float32s", m, len(dst))
	k := active.Load()
	body := len(dst) &^ 63
	k.unpack32(dst[:body], m[:body/64])
	if body < len(dst) { // a last partial word, through a buffer
		var buf [64]float32
		k.unpack32(buf[:], m[body/64:body/64+1])
		copy(dst[body:], buf[:])
	}
}

// SetBools packs src into m: bit i is set iff src[i], and the bits past
// len(src) in the last word are cleared. It panics if m is shorter than
// MaskLen(len(src)).
func (m Mask) SetBools(src []bool) {
	checkMask("Mask.SetBools", m, len(src))
	if len(src) > 0 {
		m.packBytes(unsafe.Slice((*uint8)(unsafe.Pointer(&src[0])), len(src)))
	}
}

// SetBytes packs src into m: bit i is set iff src[i] != 0 (PyTorch's or
// oneDNN's u8 mask), and the bits past len(src) in the last word are
// cleared. In NumPy: np.packbits(src != 0, bitorder="little"), zero-padded
// to whole little-endian uint64 words.
func (m Mask) SetBytes(src []uint8) {
	checkMask("Mask.SetBytes", m, len(src))
	m.packBytes(src)
}

// packBytes sets bit i iff src[i] != 0 with the active path's word kernel;
// a last partial word goes through a zeroed 64-byte buffer, whose zeros
// clear the bits past len(src).
func (m Mask) packBytes(src []uint8) {
	k := active.Load()
	body := len(src) &^ 63
	k.pack8(m[:body/64], src[:body])
	if body < len(src) {
		var buf [64]uint8
		copy(buf[:], src[body:])
		k.pack8(m[body/64:body/64+1], buf[:])
	}
}

// SetFloat32s packs src into m: bit i is set iff src[i] != 0 (the book's
// float mask; NaN counts as nonzero, -0 as zero), and the bits past
// len(src) in the last word are cleared.
func (m Mask) SetFloat32s(src []float32) {
	checkMask("Mask.SetFloat32s", m, len(src))
	k := active.Load()
	body := len(src) &^ 63
	k.pack32(m[:body/64], src[:body])
	if body < len(src) { // a last partial word, through a buffer of +0
		var buf [64]float32
		copy(buf[:], src[body:])
		k.pack32(m[body/64:body/64+1], buf[:])
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// The generic mask conversions, on whole words: len(dst) or len(src) is
// 64*len(words). The assembly paths reproduce them bit for bit.

// unpack8Generic: dst[i] = bit i of words as byte 0 or 1, eight bytes at a
// time from a table.
func unpack8Generic(dst []uint8, words []uint64) {
	for q, w := range words {
		d := dst[64*q : 64*q+64]
		for k := 0; k < 64; k += 8 {
			binary.LittleEndian.PutUint64(d[k:], spread[uint8(w>>uint(k))])
		}
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

// pack8Generic: bit i of words = src[i] != 0, eight bytes at a time: each
// byte is folded onto its lowest bit, and one multiply gathers the eight
// low bits.
func pack8Generic(words []uint64, src []uint8) {
	for q := range words {
		s := src[64*q : 64*q+64]
		var w uint64
		for k := 0; k < 64; k += 8 {
			v := binary.LittleEndian.Uint64(s[k:])
			v |= v >> 4 // bits 0..3 of each byte: OR with bits 4..7 of the same byte
			v |= v >> 2
			v |= v >> 1
			v &= 0x0101010101010101
			w |= (v * 0x0102040810204080 >> 56) << uint(k) // byte j's bit to bit j
		}
		words[q] = w
	}
}

// unpack32Generic: dst[i] = 1 if bit i of words is set, +0 otherwise, with
// no branch and no conversion.
func unpack32Generic(dst []float32, words []uint64) {
	for q, w := range words {
		d := dst[64*q : 64*q+64]
		for i := range d {
			d[i] = math.Float32frombits(-uint32(w&1) & 0x3f800000)
			w >>= 1
		}
	}
}

// pack32Generic: bit i of words = src[i] != 0 (NaN is nonzero, -0 is zero),
// no branch on the data.
func pack32Generic(words []uint64, src []float32) {
	for q := range words {
		var w uint64
		for _, v := range src[64*q : 64*q+64] {
			w = w>>1 | uint64(b2u(v != 0))<<63
		}
		words[q] = w
	}
}
