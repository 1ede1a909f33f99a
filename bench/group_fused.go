package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dropkernel/dropout"
)

// fusedGroup: BiasDropoutAdd and its backward (-ops fused).
func fusedGroup() group {
	return group{name: "fused", ops: []op{opBiasDropoutAdd, opBiasBackward}, python: true, rows: fusedRows, notes: fusedNotes}
}

// unfusedBiasDropoutAdd is y = residual + dropout(x + bias) the way a user
// writes it with this package without the fused call: a Go loop for
// x + bias (into y), Forward in place, a Go loop for + residual. The same
// bits as BiasDropoutAdd.
func unfusedBiasDropoutAdd(d dropout.Dropout[float32], y, x, bias, residual []float32, mask dropout.Mask, key dropout.Key) {
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
func unfusedBiasDropoutAddBackward(d dropout.Dropout[float32], dx, dbias, dy []float32, mask dropout.Mask) {
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
	rows := []row{copyRow(ops, releaseExtra)}
	// kind adds a row per path: fwd for BiasDropoutAdd, bwd for its
	// backward (nil: n/a with the reason naBwd).
	type fn func(d dropout.Dropout[float32], b *bufs, e *extraBufs)
	kind := func(name string, fwd, bwd fn, naBwd string) {
		rows = append(rows, perPath(name, ops, releaseExtra, func(n int) (*calls, error) {
			if na := notRows(n); na != "" {
				return naCalls(ops, na), nil
			}
			b, e := extraFor(n)
			d, err := dropout.New[float32](cfg.p, dropout.Inverted)
			if err != nil {
				return nil, err
			}
			c := &calls{}
			c.f[opBiasDropoutAdd] = func() { fwd(d, b, e) }
			if bwd == nil {
				c.na[opBiasBackward] = naBwd
			} else {
				c.f[opBiasBackward] = func() { bwd(d, b, e) }
			}
			return c, nil
		})...)
	}
	key := func(b *bufs) dropout.Key { b.seed++; return dropout.Key{Seed: b.seed} }
	kind("bias_dropout_add", func(d dropout.Dropout[float32], b *bufs, e *extraBufs) {
		d.BiasDropoutAdd(b.y, b.x, e.bias, b.dy, b.mask, key(b))
	}, func(d dropout.Dropout[float32], b *bufs, e *extraBufs) {
		d.BiasDropoutAddBackward(b.dx, e.dbias, b.dy, b.mask)
	}, "")
	kind("unfused", func(d dropout.Dropout[float32], b *bufs, e *extraBufs) {
		unfusedBiasDropoutAdd(d, b.y, b.x, e.bias, b.dy, b.mask, key(b))
	}, func(d dropout.Dropout[float32], b *bufs, e *extraBufs) {
		unfusedBiasDropoutAddBackward(d, b.dx, e.dbias, b.dy, b.mask)
	}, "")
	kind("dropout_add", func(d dropout.Dropout[float32], b *bufs, e *extraBufs) {
		d.DropoutAdd(b.y, b.x, b.dy, b.mask, key(b))
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
			unfused := "unfused/" + path
			s := res.bySize(func(si int) string {
				r := times(res.ratio(o, "bias_dropout_add/"+path, unfused, si))
				if a := times(res.ratio(o, "dropout_add/"+path, unfused, si)); a != "" {
					r += " (DropoutAdd " + a + ")"
				}
				return r
			})
			if s != "" {
				notes = append(notes, fmt.Sprintf("  %-8s %s", path, s))
			}
		}
	}
	if si := slices.Index(res.sizes, 262144); si >= 0 {
		var parts []string
		for _, path := range dropout.Kernels() {
			r := res.ratio(opBiasDropoutAdd, "bias_dropout_add/"+path, "unfused/"+path, si)
			if s := times(r); s != "" {
				verdict := "holds"
				if r > 0.6 {
					verdict = "MISSED"
				}
				parts = append(parts, fmt.Sprintf("%s %s %s", path, s, verdict))
			}
		}
		if len(parts) > 0 {
			notes = append(notes, "goal BiasDropoutAdd <= 0.6x unfused at n = 262144: "+strings.Join(parts, ", "))
		}
	}
	return notes
}
