package main

import (
	"fmt"
	"strings"

	"github.com/dropkernel/dropout"
)

// maskGroup: the Mask conversions (-ops mask). The float32 tables have the
// rows that do not depend on a float type (bytes, bools) next to
// float32s, at the float32 n of each size; the float64 tables have
// float64s, at the float64 n.
func maskGroup() group {
	rows := func(cfg config, w *pyWorker, pyErr error) []row {
		return typed(cfg, func() []row { return maskRows[float32](cfg, w, pyErr) }, func() []row { return maskRows[float64](cfg, w, pyErr) })
	}
	return group{name: "mask", ops: []op{opMaskUnpack, opMaskPack}, python: true, rows: rows, notes: maskNotes}
}

// The plain Go loops a user writes to convert a packed mask.

func loopUnpackBytes(dst []uint8, m dropout.Mask) {
	for i := range dst {
		dst[i] = uint8(m[i>>6] >> uint(i&63) & 1)
	}
}

func loopUnpackBools(dst []bool, m dropout.Mask) {
	for i := range dst {
		dst[i] = m[i>>6]>>uint(i&63)&1 != 0
	}
}

// loopUnpackFloats is the unpack loop into float32s or float64s; the
// compiler makes one copy per element type (float32 and float64 are
// different shapes), so it runs as the two written out would.
func loopUnpackFloats[T dropout.Float](dst []T, m dropout.Mask) {
	for i := range dst {
		dst[i] = T(m[i>>6] >> uint(i&63) & 1)
	}
}

// loopPack is the pack loop over bytes, float32s and float64s (a nonzero
// element sets its bit), one copy per element type as above.
func loopPack[T uint8 | float32 | float64](m dropout.Mask, src []T) {
	w := m[:dropout.MaskLen(len(src))]
	clear(w)
	for i, v := range src {
		if v != 0 {
			w[i>>6] |= 1 << uint(i&63)
		}
	}
}

func loopPackBools(m dropout.Mask, src []bool) {
	w := m[:dropout.MaskLen(len(src))]
	clear(w)
	for i, v := range src {
		if v {
			w[i>>6] |= 1 << uint(i&63)
		}
	}
}

// maskRows: for T = float32 Mask.Bytes/Bools/Float32s and
// SetBytes/SetBools/SetFloat32s, for float64 Mask.Float64s and
// SetFloat64s, against the plain loops above and NumPy's
// unpackbits/packbits (bitorder="little", the Mask's bit order). copy is a
// copy of n bytes.
func maskRows[T dropout.Float](cfg config, w *pyWorker, pyErr error) []row {
	ops := []op{opMaskUnpack, opMaskPack}
	type fn func(b *bufs[T], e *extraBufs[T])
	// setup is the unpack and pack calls of a row.
	setup := func(unpack, pack fn) func(n int) (*calls, error) {
		return func(n int) (*calls, error) {
			b, e := extraFor[T](n)
			c := &calls{}
			c.f[opMaskUnpack] = func() { unpack(b, e) }
			c.f[opMaskPack] = func() { pack(b, e) }
			return c, nil
		}
	}
	var byteCopy []uint8
	copyBytes := func(b *bufs[T], e *extraBufs[T]) {
		if len(byteCopy) != len(e.bytes) {
			byteCopy = make([]uint8, len(e.bytes))
		}
		copy(byteCopy, e.bytes)
	}
	rows := []row{funcRow("copy", "", ops, func() { byteCopy = nil; releaseExtra() }, setup(copyBytes, copyBytes))}
	var kinds []string
	// kind adds mask/<kind>/<path> for every path, then loop/<kind>.
	kind := func(k string, unpack, pack, loopUnpack, loopPack fn) {
		kinds = append(kinds, k)
		rows = append(rows, perPath("mask/"+k, ops, releaseExtra, setup(unpack, pack))...)
		rows = append(rows, funcRow("loop/"+k, "", ops, releaseExtra, setup(loopUnpack, loopPack)))
	}
	if dtypeOf[T]() == f32 {
		kind("bytes", func(b *bufs[T], e *extraBufs[T]) { b.mask.Bytes(e.bytes) }, func(b *bufs[T], e *extraBufs[T]) { e.mask2.SetBytes(e.bytes) },
			func(b *bufs[T], e *extraBufs[T]) { loopUnpackBytes(e.bytes, b.mask) }, func(b *bufs[T], e *extraBufs[T]) { loopPack(e.mask2, e.bytes) })
		kind("bools", func(b *bufs[T], e *extraBufs[T]) { b.mask.Bools(b.boolMask) }, func(b *bufs[T], e *extraBufs[T]) { e.mask2.SetBools(b.boolMask) },
			func(b *bufs[T], e *extraBufs[T]) { loopUnpackBools(b.boolMask, b.mask) }, func(b *bufs[T], e *extraBufs[T]) { loopPackBools(e.mask2, b.boolMask) })
	}
	unpack, pack := floatConvs[T]()
	kind(floatsKind[T](), func(b *bufs[T], e *extraBufs[T]) { unpack(b.mask, e.floats) }, func(b *bufs[T], e *extraBufs[T]) { pack(e.mask2, e.floats) },
		func(b *bufs[T], e *extraBufs[T]) { loopUnpackFloats(e.floats, b.mask) }, func(b *bufs[T], e *extraBufs[T]) { loopPack(e.mask2, e.floats) })
	if w != nil || pyErr != nil {
		for _, v := range kinds {
			rows = append(rows, pyRow(w, pyErr, "numpy/"+v, "numpy", v, dtypeOf[T](), ops, nil))
		}
	}
	return rows
}

// floatsKind is the name of the float rows of T: "float32s" or "float64s",
// after the Mask methods.
func floatsKind[T dropout.Float]() string { return dtypeOf[T]().String() + "s" }

// floatConvs are Mask.Float32s and Mask.SetFloat32s, or Mask.Float64s and
// Mask.SetFloat64s, by T: picked once, so that the rows call the method
// itself (through a function value) with no conversion per call.
func floatConvs[T dropout.Float]() (unpack, pack func(dropout.Mask, []T)) {
	if dtypeOf[T]() == f64 {
		return any(dropout.Mask.Float64s).(func(dropout.Mask, []T)), any(dropout.Mask.SetFloat64s).(func(dropout.Mask, []T))
	}
	return any(dropout.Mask.Float32s).(func(dropout.Mask, []T)), any(dropout.Mask.SetFloat32s).(func(dropout.Mask, []T))
}

func maskNotes(res *result) []string {
	var notes []string
	for _, o := range res.ops {
		notes = append(notes, fmt.Sprintf("%s: time / time of the plain Go loop (loop/<kind>):", o))
		for _, d := range res.dtypes() {
			for si, sz := range res.sizes {
				var parts []string
				for _, v := range []string{"bytes", "bools", "float32s", "float64s"} {
					loop := "loop/" + v
					if times(res.ratio(o, loop, loop, d, si)) == "" {
						continue // no loop measurement at this size
					}
					var ps []string
					for _, path := range dropout.Kernels() {
						if r := times(res.ratio(o, "mask/"+v+"/"+path, loop, d, si)); r != "" {
							ps = append(ps, path+" "+r)
						}
					}
					if r := times(res.ratio(o, "numpy/"+v, loop, d, si)); r != "" {
						ps = append(ps, "numpy "+r)
					}
					parts = append(parts, v+" "+strings.Join(ps, ", "))
				}
				if len(parts) > 0 {
					notes = append(notes, fmt.Sprintf("  n = %d: %s", sz.n(d), strings.Join(parts, "; ")))
				}
			}
		}
	}
	return notes
}
