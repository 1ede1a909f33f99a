package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/dropkernel/dropout"
)

// classicGroup: Forward, Backward and Infer, the default tables, with
// every peer: the Go rows below, gorgonia (rows_gorgonia.go), spago
// (rows_spago.go), NumPy and PyTorch (python.go), for every dtype.
func classicGroup() group {
	return group{
		name: "classic", ops: classicOps, python: true,
		rows: func(cfg config, w *pyWorker, pyErr error) []row {
			return typed(cfg, func() []row { return classicRows[float32](cfg, w, pyErr) },
				func() []row { return classicRows[float64](cfg, w, pyErr) })
		},
		notes: classicNotes,
	}
}

// classicRows are the rows of the classic tables of T.
func classicRows[T dropout.Float](cfg config, w *pyWorker, pyErr error) []row {
	rows := goRows[T](cfg)
	rows = append(rows, gorgoniaRow[T](cfg), spagoRow[T](cfg))
	if w != nil || pyErr != nil {
		rows = append(rows, pythonRows(w, pyErr, dtypeOf[T]())...)
	}
	return rows
}

// passes are this package's three classic calls at one size: Inverted
// Forward (a new seed every call) and Backward, and Classic Infer
// (y = x*(1-p), the book's and NumPy's inference; Inverted inference is
// copy() itself), on d and c (Parallel or not).
func passes[T dropout.Float](b *bufs[T], inv, cls dropout.Dropout[T]) *calls {
	return &calls{f: [numOps]func(){
		opForward: func() {
			b.seed++
			inv.Forward(b.y, b.x, b.mask, dropout.Key{Seed: b.seed})
		},
		opBackward: func() { inv.Backward(b.dx, b.dy, b.mask) },
		opInfer:    func() { cls.Infer(b.y, b.x) },
	}}
}

// newPair is an Inverted and a Classic Dropout with drop probability p,
// on threads goroutines when threads > 1.
func newPair[T dropout.Float](p float64, threads int) (inv, cls dropout.Dropout[T], err error) {
	if inv, err = dropout.New[T](p, dropout.Inverted); err != nil {
		return
	}
	if cls, err = dropout.New[T](p, dropout.Classic); err != nil {
		return
	}
	if threads > 1 {
		inv, cls = inv.Parallel(threads), cls.Parallel(threads)
	}
	return
}

// goRows are the rows of T measured in this process with plain Go.
func goRows[T dropout.Float](cfg config) []row {
	p := cfg.p
	s := T(1 / (1 - p)) // inverted scale, as in PyTorch
	inf := T(1 - p)     // the book's inference factor
	rows := []row{
		copyRow[T](classicOps, releaseShared),
		funcRow("scale", "", nil, releaseShared, func(n int) (*calls, error) {
			b := sharedBufs[T](n)
			f := func() { scaleLoop(b.y, b.x, inf) }
			return &calls{f: [numOps]func(){f, f, f}}, nil
		}),
	}
	rows = append(rows, perPath("dropout", nil, releaseShared, func(n int) (*calls, error) {
		inv, cls, err := newPair[T](p, 1)
		if err != nil {
			return nil, err
		}
		return passes(sharedBufs[T](n), inv, cls), nil
	})...)

	// With -threads > 1: the default path on that many goroutines
	// (Dropout.Parallel), to set against torch with as many threads.
	if cfg.threads > 1 {
		path := dropout.Kernels()[0]
		rows = append(rows, funcRow("parallel/"+path, path, nil, releaseShared, func(n int) (*calls, error) {
			inv, cls, err := newPair[T](p, cfg.threads)
			if err != nil {
				return nil, err
			}
			return passes(sharedBufs[T](n), inv, cls), nil
		}))
	}

	naive := func(name string, src func() rand.Source) row {
		return funcRow("naive/"+name, "", nil, releaseShared, func(n int) (*calls, error) {
			b := sharedBufs[T](n)
			r := rand.New(src())
			return &calls{
				f: [numOps]func(){
					opForward:  func() { naiveForward(r, b.y, b.x, p, s) },
					opBackward: func() { naiveBackward(b.dx, b.dy, b.boolMask, s) },
				},
				na: [numOps]string{opInfer: "the scale row"},
			}, nil
		})
	}
	return append(rows,
		naive("pcg", func() rand.Source { return rand.NewPCG(1, 2) }),
		naive("chacha8", func() rand.Source { return rand.NewChaCha8([32]byte{1}) }),
	)
}

// naiveForward is the loop a user writes with math/rand/v2: a uniform of
// the data's type per element (r.Float32() for float32, r.Float64() for
// float64), kept when it is above p. The two loops are written out: a
// draw through a function value would add an indirect call per element.
func naiveForward[T dropout.Float](r *rand.Rand, y, x []T, p float64, s T) {
	x = x[:len(y)]
	switch y := any(y).(type) {
	case []float32:
		x, p, s := any(x).([]float32), float32(p), float32(s)
		for i := range y {
			if r.Float32() > p {
				y[i] = x[i] * s
			} else {
				y[i] = 0
			}
		}
	case []float64:
		x, s := any(x).([]float64), float64(s)
		for i := range y {
			if r.Float64() > p {
				y[i] = x[i] * s
			} else {
				y[i] = 0
			}
		}
	}
}

// naiveBackward is the gradient loop with a []bool mask (no random
// numbers: the same for both naive rows).
func naiveBackward[T dropout.Float](dx, dy []T, m []bool, s T) {
	dy, m = dy[:len(dx)], m[:len(dx)]
	for i := range dx {
		if m[i] {
			dx[i] = dy[i] * s
		} else {
			dx[i] = 0
		}
	}
}

// scaleLoop is the plain Go loop y[i] = x[i] * a (the Go compiler does not
// vectorize it).
func scaleLoop[T dropout.Float](y, x []T, a T) {
	x = x[:len(y)]
	for i := range y {
		y[i] = x[i] * a
	}
}

// nomaskGroup: ForwardNoMask (Forward with a nil mask: no keep bits
// stored) and BackwardKey (the keep bits drawn again from the key), the
// pair a layer uses when it does not keep the mask (-ops nomask). Only
// this package has them: copy and the per-path rows.
func nomaskGroup() group {
	ops := []op{opForwardNoMask, opBackwardKey}
	rows := func(cfg config, _ *pyWorker, _ error) []row {
		return typed(cfg, func() []row { return nomaskRows[float32](cfg, ops) }, func() []row { return nomaskRows[float64](cfg, ops) })
	}
	return group{name: "nomask", ops: ops, rows: rows, notes: func(res *result) []string { return dtypeNotes(res, "dropout") }}
}

func nomaskRows[T dropout.Float](cfg config, ops []op) []row {
	rows := []row{copyRow[T](ops, releaseShared)}
	return append(rows, perPath("dropout", ops, releaseShared, func(n int) (*calls, error) {
		b := sharedBufs[T](n)
		d, err := dropout.New[T](cfg.p, dropout.Inverted)
		if err != nil {
			return nil, err
		}
		c := &calls{}
		c.f[opForwardNoMask] = func() {
			b.seed++
			d.Forward(b.y, b.x, nil, dropout.Key{Seed: b.seed})
		}
		c.f[opBackwardKey] = func() { d.BackwardKey(b.dx, b.dy, dropout.Key{Seed: b.seed}) }
		return c, nil
	})...)
}

// classicNotes: float64 against float32 per path, and the float64 targets.
func classicNotes(res *result) []string {
	return append(dtypeNotes(res, "dropout"), targetNotes(res)...)
}

// dtypeNotes: the time per element of float64 over that of float32, per
// op, for the rows prefix/<path> and copy, when both dtypes were measured.
// With -sizes in bytes the two columns of a size hold the same bytes of x
// (twice the float32 elements).
func dtypeNotes(res *result, prefix string) []string {
	if len(res.dtypes()) < 2 {
		return nil
	}
	notes := []string{"float64 / float32, time per element (same row, same column: the same bytes of x with -sizes in bytes):"}
	for _, o := range res.ops {
		names := []string{"copy"}
		for _, path := range dropout.Kernels() {
			names = append(names, prefix+"/"+path)
		}
		for _, name := range names {
			var parts []string
			for si, sz := range res.sizes {
				r := res.get(o, name, f64, si) / res.get(o, name, f32, si)
				if !math.IsNaN(r) {
					parts = append(parts, fmt.Sprintf("%s %.2fx", sz.short(), r))
				}
			}
			if len(parts) > 0 {
				notes = append(notes, fmt.Sprintf("  %-14s %-16s %s", strings.TrimSuffix(o.String(), ", Parallel"), name, strings.Join(parts, ", ")))
			}
		}
	}
	return notes
}

// target is one of the float64 goals: the time of Forward, Backward or
// Infer at bytes of x over copy() of the same float64 slice (or, vsF32,
// over the float32 row's time per element at the same bytes of x) at most
// limit.
type target struct {
	o     op
	bytes int
	vsF32 bool
	limit float64
}

var float64Targets = []target{
	{opForward, 64 << 20, false, 0.80},
	{opForward, 1 << 20, false, 1.5},
	{opBackward, 64 << 20, false, 1.05},
	{opInfer, 64 << 20, false, 1.05},
	{opForward, 16 << 10, true, 1.3},
}

// targetNotes: the float64 goals, per path, for the sizes that were
// measured (16 KiB, 1 MiB and 64 MiB of x, as -sizes' default).
func targetNotes(res *result) []string {
	at := func(d dtype, bytes int) int {
		for si, sz := range res.sizes {
			if sz.n(d)*d.size() == bytes {
				return si
			}
		}
		return -1
	}
	var notes []string
	for _, path := range dropout.Kernels() {
		row := "dropout/" + path
		var parts []string
		for _, t := range float64Targets {
			si := at(f64, t.bytes)
			if si < 0 {
				continue
			}
			r, what := res.ratio(t.o, row, "copy", f64, si), "copy"
			if t.vsF32 {
				if sj := at(f32, t.bytes); sj >= 0 {
					r, what = res.get(t.o, row, f64, si)/res.get(t.o, row, f32, sj), "float32"
				} else {
					r = math.NaN()
				}
			}
			if math.IsNaN(r) {
				continue
			}
			verdict := "holds"
			if r > t.limit {
				verdict = "MISSED"
			}
			parts = append(parts, fmt.Sprintf("%s %s %.3fx %s (<= %v) %s", t.o, byteSize(t.bytes), r, what, t.limit, verdict))
		}
		if len(parts) > 0 {
			notes = append(notes, fmt.Sprintf("  %-8s %s", path, strings.Join(parts, "; ")))
		}
	}
	if len(notes) == 0 {
		return nil
	}
	return append([]string{"float64 targets: time / time of copy() of the same float64 slice (float32: / time per element of the float32 row):"}, notes...)
}
