package main

import (
	"fmt"
	"strings"

	"github.com/dropkernel/dropout"
)

// maskGroup: the Mask conversions (-ops mask).
func maskGroup() group {
	return group{name: "mask", ops: []op{opMaskUnpack, opMaskPack}, python: true, rows: maskRows, notes: maskNotes}
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

func loopUnpackFloat32s(dst []float32, m dropout.Mask) {
	for i := range dst {
		dst[i] = float32(m[i>>6] >> uint(i&63) & 1)
	}
}

// loopPack is the pack loop over bytes and float32s (a nonzero element sets
// its bit); the compiler makes one copy per element type (uint8 and float32
// are different shapes), so it runs as the two written out would.
func loopPack[T uint8 | float32](m dropout.Mask, src []T) {
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

// maskRows: Mask.Bytes/Bools/Float32s and SetBytes/SetBools/SetFloat32s
// against the plain loops above and NumPy's unpackbits/packbits
// (bitorder="little", the Mask's bit order). copy is a copy of n bytes.
func maskRows(cfg config, w *pyWorker, pyErr error) []row {
	ops := []op{opMaskUnpack, opMaskPack}
	type fn func(b *bufs, e *extraBufs)
	// setup is the unpack and pack calls of a row.
	setup := func(unpack, pack fn) func(n int) (*calls, error) {
		return func(n int) (*calls, error) {
			b, e := extraFor(n)
			c := &calls{}
			c.f[opMaskUnpack] = func() { unpack(b, e) }
			c.f[opMaskPack] = func() { pack(b, e) }
			return c, nil
		}
	}
	var byteCopy []uint8
	copyBytes := func(b *bufs, e *extraBufs) {
		if len(byteCopy) != len(e.bytes) {
			byteCopy = make([]uint8, len(e.bytes))
		}
		copy(byteCopy, e.bytes)
	}
	rows := []row{funcRow("copy", "", ops, func() { byteCopy = nil; releaseExtra() }, setup(copyBytes, copyBytes))}
	// kind adds mask/<kind>/<path> for every path, then loop/<kind>.
	kind := func(k string, unpack, pack, loopUnpack, loopPack fn) {
		rows = append(rows, perPath("mask/"+k, ops, releaseExtra, setup(unpack, pack))...)
		rows = append(rows, funcRow("loop/"+k, "", ops, releaseExtra, setup(loopUnpack, loopPack)))
	}
	kind("bytes", func(b *bufs, e *extraBufs) { b.mask.Bytes(e.bytes) }, func(b *bufs, e *extraBufs) { e.mask2.SetBytes(e.bytes) },
		func(b *bufs, e *extraBufs) { loopUnpackBytes(e.bytes, b.mask) }, func(b *bufs, e *extraBufs) { loopPack(e.mask2, e.bytes) })
	kind("bools", func(b *bufs, e *extraBufs) { b.mask.Bools(b.boolMask) }, func(b *bufs, e *extraBufs) { e.mask2.SetBools(b.boolMask) },
		func(b *bufs, e *extraBufs) { loopUnpackBools(b.boolMask, b.mask) }, func(b *bufs, e *extraBufs) { loopPackBools(e.mask2, b.boolMask) })
	kind("float32s", func(b *bufs, e *extraBufs) { b.mask.Float32s(e.f32) }, func(b *bufs, e *extraBufs) { e.mask2.SetFloat32s(e.f32) },
		func(b *bufs, e *extraBufs) { loopUnpackFloat32s(e.f32, b.mask) }, func(b *bufs, e *extraBufs) { loopPack(e.mask2, e.f32) })
	if w != nil || pyErr != nil {
		for _, v := range []string{"bytes", "bools", "float32s"} {
			rows = append(rows, pyRow(w, pyErr, "numpy/"+v, "numpy", v, ops, nil))
		}
	}
	return rows
}

func maskNotes(res *result) []string {
	var notes []string
	for _, o := range res.ops {
		notes = append(notes, fmt.Sprintf("%s: time / time of the plain Go loop (loop/<kind>):", o))
		for si, n := range res.sizes {
			var parts []string
			for _, v := range []string{"bytes", "bools", "float32s"} {
				loop := "loop/" + v
				if times(res.ratio(o, loop, loop, si)) == "" {
					continue // no loop measurement at this size
				}
				var ps []string
				for _, path := range dropout.Kernels() {
					if r := times(res.ratio(o, "mask/"+v+"/"+path, loop, si)); r != "" {
						ps = append(ps, path+" "+r)
					}
				}
				if r := times(res.ratio(o, "numpy/"+v, loop, si)); r != "" {
					ps = append(ps, "numpy "+r)
				}
				parts = append(parts, v+" "+strings.Join(ps, ", "))
			}
			if len(parts) > 0 {
				notes = append(notes, fmt.Sprintf("  n = %d: %s", n, strings.Join(parts, "; ")))
			}
		}
	}
	return notes
}
