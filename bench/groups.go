package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/dropkernel/dropout"
)

// group is a set of ops measured together (one call of measure), with its
// own rows, sizes and GOMAXPROCS, selected by -ops.
type group struct {
	name   string
	ops    []op
	python bool // has numpy or torch rows
	rows   func(cfg config, w *pyWorker, pyErr error) []row
	sizes  func(cfg config) []int // nil: -sizes
	procs  func(cfg config) int   // nil: -threads
	notes  func(res *result) []string
	// otherLoad: measure how busy other processes kept the CPUs.
	otherLoad bool
}

// selected returns the ops of g that -ops selects.
func (g group) selected(cfg *config) []op {
	var ops []op
	for _, o := range g.ops {
		if cfg.wantOp(o) {
			ops = append(ops, o)
		}
	}
	return ops
}

// rowLen is the row length of the fused group (len(bias)) and the channel
// size of the channels group.
const rowLen = 1024

func allGroups() []group {
	return []group{
		{
			name: "classic", ops: classicOps, python: true,
			rows: func(cfg config, w *pyWorker, pyErr error) []row {
				rows := goRows(cfg)
				rows = append(rows, gorgoniaRow(cfg), spagoRow(cfg))
				if w != nil || pyErr != nil {
					rows = append(rows, pythonRows(cfg, w, pyErr)...)
				}
				return rows
			},
		},
		{name: "fused", ops: []op{opBiasDropoutAdd, opBiasBackward}, python: true, rows: fusedRows, notes: fusedNotes},
		{name: "channels", ops: []op{opChannels, opChanBackward}, python: true, rows: channelRows, notes: channelNotes},
		{name: "mask", ops: []op{opMaskUnpack, opMaskPack}, python: true, rows: maskRows, notes: maskNotes},
		{
			name: "parallel", ops: []op{opParForward, opParBackward}, rows: parallelRows, notes: parallelNotes,
			otherLoad: true,
			sizes: func(cfg config) []int {
				if cfg.parSizes != nil {
					return cfg.parSizes
				}
				return cfg.sizes
			},
			// All the cores, whatever -threads: the group measures the
			// speed-up of Parallel(0) over one worker.
			procs: func(cfg config) int { return max(cfg.threads, runtime.NumCPU()) },
		},
	}
}

// extraBufs are the operands of the -ops groups at one size, next to the
// shared ones.
type extraBufs struct {
	n     int
	bias  []float32    // rowLen elements
	dbias []float32    // rowLen elements: the bias gradient
	bytes []uint8      // a 0/1 byte mask
	f32   []float32    // a 0/1 float32 mask
	mask2 dropout.Mask // the pack destination
}

var sharedExtra *extraBufs

func extraFor(n int) (*bufs, *extraBufs) {
	b := sharedBufs(n)
	if sharedExtra != nil && sharedExtra.n == n {
		return b, sharedExtra
	}
	sharedExtra = nil
	e := &extraBufs{n: n, bias: make([]float32, rowLen), dbias: make([]float32, rowLen), bytes: make([]uint8, n), f32: make([]float32, n),
		mask2: make(dropout.Mask, dropout.MaskLen(n))}
	r := rand.New(rand.NewPCG(2, uint64(n)))
	for i := range e.bias {
		e.bias[i] = r.Float32()*2 - 1
	}
	for i, v := range b.boolMask {
		if v {
			e.bytes[i], e.f32[i] = 1, 1
		}
	}
	// The unpack source: the bits of boolMask.
	b.mask.SetBools(b.boolMask)
	sharedExtra = e
	return b, e
}

func releaseExtra() { shared, sharedExtra = nil, nil }

// copyRow is copy(y, x) for every op of ops: the memory-bandwidth
// reference of the groups.
func copyRow(ops []op) row {
	return row{
		name: "copy", ops: ops, release: releaseExtra,
		prepare: func(n int) (*prepared, error) {
			b := sharedBufs(n)
			pr := &prepared{}
			for _, o := range ops {
				pr.cells[o] = func(k int) (time.Duration, error) { return timed(k, func() { copy(b.y, b.x) }) }
			}
			return pr, nil
		},
	}
}

// pathCell switches to path, then times k calls of f.
func pathCell(path string, f func()) cell {
	return func(k int) (time.Duration, error) {
		if err := dropout.UseKernel(path); err != nil {
			return 0, err
		}
		return timed(k, f)
	}
}

// notRows is the n/a reason when n is not a whole number of rows.
func notRows(n int) string {
	if n%rowLen == 0 {
		return ""
	}
	return fmt.Sprintf("n = %d is not a multiple of %d", n, rowLen)
}

// wholeRows makes the ops of row r n/a at the sizes that are not a whole
// number of rows of rowLen elements.
func wholeRows(r row) row {
	prepare := r.prepare
	if prepare == nil {
		return r
	}
	r.prepare = func(n int) (*prepared, error) {
		if na := notRows(n); na != "" {
			pr := &prepared{}
			for _, o := range r.ops {
				pr.na[o] = na
			}
			return pr, nil
		}
		return prepare(n)
	}
	return r
}

// unfusedBiasDropoutAdd is y = residual + dropout(x + bias) the way a user
// writes it with this package without the fused call: a Go loop for
// x + bias (into y), Forward in place, a Go loop for + residual. The same
// bits as BiasDropoutAdd.
func unfusedBiasDropoutAdd(d dropout.Dropout, y, x, bias, residual []float32, mask dropout.Mask, key dropout.Key) {
	nb := len(bias)
	for r := 0; r+nb <= len(x); r += nb {
		yr, xr := y[r:r+nb], x[r:r+nb]
		for j, b := range bias {
			yr[j] = xr[j] + b
		}
	}
	d.Forward(y, y, mask, key)
	residual = residual[:len(y)]
	for i := range y {
		y[i] += residual[i]
	}
}

// unfusedBiasDropoutAddBackward is BiasDropoutAddBackward written with
// this package's Backward and a Go loop summing the rows of dx in row
// order: the same bits.
func unfusedBiasDropoutAddBackward(d dropout.Dropout, dx, dbias, dy []float32, mask dropout.Mask) {
	d.Backward(dx, dy, mask)
	nb := len(dbias)
	copy(dbias, dx[:nb])
	for r := nb; r+nb <= len(dx); r += nb {
		row := dx[r : r+nb]
		for j, v := range row {
			dbias[j] += v
		}
	}
}

// fusedRows: BiasDropoutAdd with rows of rowLen elements (bias of rowLen),
// against the unfused sequence on the same path, DropoutAdd (no bias),
// NumPy and PyTorch. The residual is the dy buffer.
func fusedRows(cfg config, w *pyWorker, pyErr error) []row {
	ops := []op{opBiasDropoutAdd, opBiasBackward}
	var rows []row
	rows = append(rows, copyRow(ops))
	// kind adds a row per path: fwd for BiasDropoutAdd, bwd for its
	// backward (nil: n/a with the reason naBwd).
	type fn func(d dropout.Dropout, b *bufs, e *extraBufs, key dropout.Key)
	kind := func(name string, fwd, bwd fn, naBwd string) {
		for _, path := range dropout.Kernels() {
			rows = append(rows, row{
				name: name + "/" + path, ops: ops, release: releaseExtra,
				prepare: func(n int) (*prepared, error) {
					pr := &prepared{}
					if na := notRows(n); na != "" {
						pr.na[opBiasDropoutAdd], pr.na[opBiasBackward] = na, na
						return pr, nil
					}
					b, e := extraFor(n)
					d, err := dropout.New(cfg.p, dropout.Inverted)
					if err != nil {
						return nil, err
					}
					pr.cells[opBiasDropoutAdd] = pathCell(path, func() {
						b.seed++
						fwd(d, b, e, dropout.Key{Seed: b.seed})
					})
					if bwd == nil {
						pr.na[opBiasBackward] = naBwd
					} else {
						pr.cells[opBiasBackward] = pathCell(path, func() { bwd(d, b, e, dropout.Key{}) })
					}
					return pr, nil
				},
			})
		}
	}
	kind("bias_dropout_add", func(d dropout.Dropout, b *bufs, e *extraBufs, key dropout.Key) {
		d.BiasDropoutAdd(b.y, b.x, e.bias, b.dy, b.mask, key)
	}, func(d dropout.Dropout, b *bufs, e *extraBufs, _ dropout.Key) {
		d.BiasDropoutAddBackward(b.dx, e.dbias, b.dy, b.mask)
	}, "")
	kind("unfused", func(d dropout.Dropout, b *bufs, e *extraBufs, key dropout.Key) {
		unfusedBiasDropoutAdd(d, b.y, b.x, e.bias, b.dy, b.mask, key)
	}, func(d dropout.Dropout, b *bufs, e *extraBufs, _ dropout.Key) {
		unfusedBiasDropoutAddBackward(d, b.dx, e.dbias, b.dy, b.mask)
	}, "")
	kind("dropout_add", func(d dropout.Dropout, b *bufs, e *extraBufs, key dropout.Key) {
		d.DropoutAdd(b.y, b.x, b.dy, b.mask, key)
	}, nil, "DropoutAdd's gradient is Backward (the classic tables)")
	if w != nil || pyErr != nil {
		rows = append(rows,
			wholeRows(pyRow(w, pyErr, "numpy", "numpy", "", ops, nil)),
			wholeRows(pyRow(w, pyErr, "torch", "torch", "", ops, nil)))
		fused := wholeRows(pyRow(w, pyErr, "torch/fused", "torch", "fused", ops, map[op]string{
			opBiasBackward: "the torch row's autograd backward is the same graph",
		}))
		if fused.skip == "" && w.libs["torch"].FusedAdd == "" {
			fused.skip = fmt.Sprintf("torch %s has no fused dropout-add operator; torch.ops.aten has %s (_fused_dropout: CUDA only)",
				w.libs["torch"].Version, strings.Join(w.libs["torch"].AtenDropout, ", "))
		}
		rows = append(rows, fused)
	}
	return rows
}

// fusedNotes: BiasDropoutAdd and DropoutAdd over the unfused sequence, per
// path, the same for the backward, and the project's goal (fused <= 0.6x
// unfused at n = 262144).
func fusedNotes(res *result) []string {
	var notes []string
	for _, o := range res.ops {
		what := "(x+bias loop, Forward, +residual loop)"
		if o == opBiasBackward {
			what = "(Backward, column-sum loop)"
		}
		notes = append(notes, fmt.Sprintf("%s: time / time of unfused/<path> %s on the same path:", o, what))
		for _, path := range dropout.Kernels() {
			var parts []string
			for si, n := range res.sizes {
				u := res.get(o, "unfused/"+path, si)
				f := res.get(o, "bias_dropout_add/"+path, si)
				if math.IsNaN(u) {
					continue
				}
				s := fmt.Sprintf("n = %d: %.2fx", n, f/u)
				if a := res.get(o, "dropout_add/"+path, si); !math.IsNaN(a) {
					s += fmt.Sprintf(" (DropoutAdd %.2fx)", a/u)
				}
				parts = append(parts, s)
			}
			if len(parts) > 0 {
				notes = append(notes, fmt.Sprintf("  %-8s %s", path, strings.Join(parts, "; ")))
			}
		}
	}
	if si := slices.Index(res.sizes, 262144); si >= 0 {
		var parts []string
		for _, path := range dropout.Kernels() {
			u := res.get(opBiasDropoutAdd, "unfused/"+path, si)
			f := res.get(opBiasDropoutAdd, "bias_dropout_add/"+path, si)
			if math.IsNaN(u) || math.IsNaN(f) {
				continue
			}
			verdict := "holds"
			if f/u > 0.6 {
				verdict = "MISSED"
			}
			parts = append(parts, fmt.Sprintf("%s %.2fx %s", path, f/u, verdict))
		}
		if len(parts) > 0 {
			notes = append(notes, "goal BiasDropoutAdd <= 0.6x unfused at n = 262144: "+strings.Join(parts, ", "))
		}
	}
	return notes
}

// channelRows: ForwardChannels with channels of rowLen elements against
// NumPy (one uniform per channel) and torch's F.dropout2d on (1, C, 32, 32).
func channelRows(cfg config, w *pyWorker, pyErr error) []row {
	ops := []op{opChannels, opChanBackward}
	rows := []row{copyRow(ops)}
	for _, path := range dropout.Kernels() {
		rows = append(rows, row{
			name: "channels/" + path, ops: ops, release: releaseExtra,
			prepare: func(n int) (*prepared, error) {
				pr := &prepared{}
				if na := notRows(n); na != "" {
					pr.na[opChannels], pr.na[opChanBackward] = na, na
					return pr, nil
				}
				b := sharedBufs(n)
				d, err := dropout.New(cfg.p, dropout.Inverted)
				if err != nil {
					return nil, err
				}
				pr.cells[opChannels] = pathCell(path, func() {
					b.seed++
					d.ForwardChannels(b.y, b.x, rowLen, b.mask, dropout.Key{Seed: b.seed})
				})
				pr.cells[opChanBackward] = pathCell(path, func() { d.BackwardChannels(b.dx, b.dy, rowLen, b.mask) })
				return pr, nil
			},
		})
	}
	if w != nil || pyErr != nil {
		rows = append(rows,
			wholeRows(pyRow(w, pyErr, "numpy", "numpy", "", ops, nil)),
			wholeRows(pyRow(w, pyErr, "torch", "torch", "", ops, nil)))
	}
	return rows
}

func channelNotes(res *result) []string {
	var notes []string
	for _, o := range res.ops {
		for si, n := range res.sizes {
			var parts []string
			for _, path := range dropout.Kernels() {
				c := res.get(o, "channels/"+path, si)
				if math.IsNaN(c) {
					continue
				}
				s := fmt.Sprintf("%s %.2fx copy", path, c/res.get(o, "copy", si))
				for _, peer := range []string{"numpy", "torch"} {
					if t := res.get(o, peer, si); !math.IsNaN(t) {
						s += fmt.Sprintf(", %.1fx faster than %s", t/c, peer)
					}
				}
				parts = append(parts, s)
			}
			if len(parts) > 0 {
				notes = append(notes, fmt.Sprintf("%s, n = %d (C = %d): %s", o, n, n/rowLen, strings.Join(parts, "; ")))
			}
		}
	}
	return notes
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

func loopPackBytes(m dropout.Mask, src []uint8) {
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

func loopPackFloat32s(m dropout.Mask, src []float32) {
	w := m[:dropout.MaskLen(len(src))]
	clear(w)
	for i, v := range src {
		if v != 0 {
			w[i>>6] |= 1 << uint(i&63)
		}
	}
}

// maskRows: Mask.Bytes/Bools/Float32s and SetBytes/SetBools/SetFloat32s
// against the plain loops above and NumPy's unpackbits/packbits
// (bitorder="little", the Mask's bit order). copy is a copy of n bytes.
func maskRows(cfg config, w *pyWorker, pyErr error) []row {
	ops := []op{opMaskUnpack, opMaskPack}
	// mk is a row; with path != "" its cells run on that path.
	mk := func(name, path string, unpack func(b *bufs, e *extraBufs), pack func(b *bufs, e *extraBufs)) row {
		return row{
			name: name, ops: ops, release: releaseExtra,
			prepare: func(n int) (*prepared, error) {
				b, e := extraFor(n)
				pr := &prepared{}
				cellOf := func(f func(b *bufs, e *extraBufs)) cell {
					if path != "" {
						return pathCell(path, func() { f(b, e) })
					}
					return func(k int) (time.Duration, error) { return timed(k, func() { f(b, e) }) }
				}
				pr.cells[opMaskUnpack] = cellOf(unpack)
				pr.cells[opMaskPack] = cellOf(pack)
				return pr, nil
			},
		}
	}
	var byteCopy []uint8
	copyBytes := func(b *bufs, e *extraBufs) {
		if len(byteCopy) != len(e.bytes) {
			byteCopy = make([]uint8, len(e.bytes))
		}
		copy(byteCopy, e.bytes)
	}
	rows := []row{mk("copy", "", copyBytes, copyBytes)}
	// kind adds mask/<kind>/<path> for every path, then loop/<kind>.
	kind := func(k string, unpack, pack, loopUnpack, loopPack func(b *bufs, e *extraBufs)) {
		for _, path := range dropout.Kernels() {
			rows = append(rows, mk("mask/"+k+"/"+path, path, unpack, pack))
		}
		rows = append(rows, mk("loop/"+k, "", loopUnpack, loopPack))
	}
	kind("bytes", func(b *bufs, e *extraBufs) { b.mask.Bytes(e.bytes) }, func(b *bufs, e *extraBufs) { e.mask2.SetBytes(e.bytes) },
		func(b *bufs, e *extraBufs) { loopUnpackBytes(e.bytes, b.mask) }, func(b *bufs, e *extraBufs) { loopPackBytes(e.mask2, e.bytes) })
	kind("bools", func(b *bufs, e *extraBufs) { b.mask.Bools(b.boolMask) }, func(b *bufs, e *extraBufs) { e.mask2.SetBools(b.boolMask) },
		func(b *bufs, e *extraBufs) { loopUnpackBools(b.boolMask, b.mask) }, func(b *bufs, e *extraBufs) { loopPackBools(e.mask2, b.boolMask) })
	kind("float32s", func(b *bufs, e *extraBufs) { b.mask.Float32s(e.f32) }, func(b *bufs, e *extraBufs) { e.mask2.SetFloat32s(e.f32) },
		func(b *bufs, e *extraBufs) { loopUnpackFloat32s(e.f32, b.mask) }, func(b *bufs, e *extraBufs) { loopPackFloat32s(e.mask2, e.f32) })
	rows[0].release = func() { byteCopy = nil; releaseExtra() }
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
				l := res.get(o, "loop/"+v, si)
				if math.IsNaN(l) {
					continue
				}
				var ps []string
				for _, path := range dropout.Kernels() {
					if m := res.get(o, "mask/"+v+"/"+path, si); !math.IsNaN(m) {
						ps = append(ps, fmt.Sprintf("%s %.2fx", path, m/l))
					}
				}
				if np := res.get(o, "numpy/"+v, si); !math.IsNaN(np) {
					ps = append(ps, fmt.Sprintf("numpy %.2fx", np/l))
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

// parallelRows: Forward and Backward on one worker (dropout/<path>) and
// with Parallel(0) (parallel/<path>: GOMAXPROCS workers), every path.
func parallelRows(cfg config, _ *pyWorker, _ error) []row {
	ops := []op{opParForward, opParBackward}
	rows := []row{{
		name: "copy", ops: ops, release: releaseShared,
		prepare: func(n int) (*prepared, error) {
			b := sharedBufs(n)
			c := func(k int) (time.Duration, error) { return timed(k, func() { copy(b.y, b.x) }) }
			pr := &prepared{}
			pr.cells[opParForward], pr.cells[opParBackward] = c, c
			return pr, nil
		},
	}}
	for _, par := range []bool{false, true} {
		for _, path := range dropout.Kernels() {
			name := "dropout/" + path
			if par {
				name = "parallel/" + path
			}
			rows = append(rows, row{
				name: name, ops: ops, release: releaseShared,
				prepare: func(n int) (*prepared, error) {
					b := sharedBufs(n)
					d, err := dropout.New(cfg.p, dropout.Inverted)
					if err != nil {
						return nil, err
					}
					if par {
						d = d.Parallel(0)
					}
					pr := &prepared{}
					pr.cells[opParForward] = pathCell(path, func() {
						b.seed++
						d.Forward(b.y, b.x, b.mask, dropout.Key{Seed: b.seed})
					})
					pr.cells[opParBackward] = pathCell(path, func() { d.Backward(b.dx, b.dy, b.mask) })
					return pr, nil
				},
			})
		}
	}
	return rows
}

func parallelNotes(res *result) []string {
	notes := []string{fmt.Sprintf("speed-up of Parallel(0) (%d workers at GOMAXPROCS=%d) over one worker, time(dropout/<path>) / time(parallel/<path>):", res.procs, res.procs)}
	for _, o := range res.ops {
		for _, path := range dropout.Kernels() {
			var parts []string
			for si, n := range res.sizes {
				s, p := res.get(o, "dropout/"+path, si), res.get(o, "parallel/"+path, si)
				if math.IsNaN(s) || math.IsNaN(p) {
					continue
				}
				parts = append(parts, fmt.Sprintf("n = %d: %.2fx (%.1f -> %.1f GB/s)", n, s/p, opBytes[o]/s, opBytes[o]/p))
			}
			if len(parts) > 0 {
				notes = append(notes, fmt.Sprintf("  %-8s %-8s %s", strings.TrimSuffix(o.String(), ", Parallel"), path, strings.Join(parts, "; ")))
			}
		}
	}
	return notes
}
