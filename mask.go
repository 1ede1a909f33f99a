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
// NumPy's boolean mask (U > ratio) and PyTorch's bool tensors (a Go bool is
// one byte holding 0 or 1).
func (m Mask) Bools(dst []bool) { unpackAs(m, "Mask.Bools", as[uint8](dst)) }

// Bytes expands the first len(dst) bits to 0/1 bytes (oneDNN's u8 mask). In
// NumPy, with m as a little-endian uint64 array:
//
//	dst = np.unpackbits(m.view(np.uint8), count=n, bitorder="little")
func (m Mask) Bytes(dst []uint8) { unpackAs(m, "Mask.Bytes", dst) }

// Float32s expands the first len(dst) bits to 0 and 1: the book's
// self.mask as a float array (+0 for dropped, 1 for kept), NumPy's
// mask.astype(np.float32).
func (m Mask) Float32s(dst []float32) { unpackAs(m, "Mask.Float32s", dst) }

// Float64s expands the first len(dst) bits to 0 and 1 as float64: the
// book's self.mask as NumPy's default float array (+0 for dropped, 1 for
// kept), mask.astype(np.float64).
func (m Mask) Float64s(dst []float64) { unpackAs(m, "Mask.Float64s", dst) }

// SetBools packs src into m: bit i is set iff src[i], and the bits past
// len(src) in the last word are cleared. It panics if m is shorter than
// MaskLen(len(src)).
func (m Mask) SetBools(src []bool) { packAs(m, "Mask.SetBools", as[uint8](src)) }

// SetBytes packs src into m: bit i is set iff src[i] != 0 (PyTorch's or
// oneDNN's u8 mask), and the bits past len(src) in the last word are
// cleared. In NumPy: np.packbits(src != 0, bitorder="little"), zero-padded
// to whole little-endian uint64 words.
func (m Mask) SetBytes(src []uint8) { packAs(m, "Mask.SetBytes", src) }

// SetFloat32s packs src into m: bit i is set iff src[i] != 0 (the book's
// float mask; NaN counts as nonzero, -0 as zero), and the bits past
// len(src) in the last word are cleared.
func (m Mask) SetFloat32s(src []float32) { packAs(m, "Mask.SetFloat32s", src) }

// SetFloat64s packs src into m: bit i is set iff src[i] != 0 (NaN counts as
// nonzero, -0 as zero), and the bits past len(src) in the last word are
// cleared.
func (m Mask) SetFloat64s(src []float64) { packAs(m, "Mask.SetFloat64s", src) }

// unpackAs is the conversion to 0/1 elements, for the public function fn:
// it panics unless m has the bits of every element of dst.
func unpackAs[T maskElem](m Mask, fn string, dst []T) {
	checkMask(fn, m, len(dst))
	unpack(active.Load(), dst, m)
}

// packAs is the conversion from elements, zero or not, for the public
// function fn: it panics unless m can hold a bit for every element of src.
func packAs[T maskElem](m Mask, fn string, src []T) {
	checkMask(fn, m, len(src))
	pack(active.Load(), m, src)
}
