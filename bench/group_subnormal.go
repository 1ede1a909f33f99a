package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/dropkernel/dropout"
)

// subnormalGroup: Forward, Backward and Infer with 0% and 10% of the
// inputs subnormal (-ops subnormal). x86 takes a microcode assist for a
// subnormal operand of a multiply unless MXCSR's DAZ/FTZ bits are set,
// which Go never does; the tables show what that costs each path, a plain
// Go loop and NumPy. The library leaves MXCSR alone.
func subnormalGroup() group {
	rows := func(cfg config, w *pyWorker, pyErr error) []row {
		return typed(cfg, func() []row { return subnormalRows[float32](cfg, w, pyErr) }, func() []row { return subnormalRows[float64](cfg, w, pyErr) })
	}
	return group{name: "subnormal", ops: subOps, python: true, rows: rows, notes: subnormalNotes}
}

var subOps = []op{opSubForward, opSubBackward, opSubInfer}

// subPercents are the shares of subnormal inputs measured, in percent.
var subPercents = []int{0, 10}

// subName is the row name of base at pct percent subnormal inputs.
func subName(base string, pct int) string { return base + "/" + strconv.Itoa(pct) + "%" }

// subInputs are x and dy of T with a share of subnormal values, per
// percentage.
type subInputs[T dropout.Float] struct {
	n     int
	x, dy map[int][]T
}

var (
	sub32 *subInputs[float32]
	sub64 *subInputs[float64]
)

func releaseSub() { sub32, sub64 = nil, nil; releaseShared() }

// subnormalOperands returns the shared buffers of T and the x and dy of
// the subnormal rows at pct percent: the shared x and dy at 0, else copies
// of them with pct percent of the elements (at random positions) replaced
// by random subnormal values of T of either sign. The mask holds random
// bits (p = 0.5) from the start, so that Backward never sees an empty one.
func subnormalOperands[T dropout.Float](n, pct int) (b *bufs[T], x, dy []T) {
	b = sharedBufs[T](n)
	slot := byType[T](any(&sub32), any(&sub64)).(**subInputs[T])
	if *slot == nil || (*slot).n != n {
		*slot = &subInputs[T]{n: n, x: map[int][]T{}, dy: map[int][]T{}}
		b.mask.SetBools(b.boolMask)
	}
	sub := *slot
	if pct == 0 {
		return b, b.x, b.dy
	}
	if x, ok := sub.x[pct]; ok {
		return b, x, sub.dy[pct]
	}
	r := rand.New(rand.NewPCG(3, uint64(n*100+pct)))
	x, dy = withSubnormals(r, b.x, pct), withSubnormals(r, b.dy, pct)
	sub.x[pct], sub.dy[pct] = x, dy
	return b, x, dy
}

// withSubnormals is a copy of v with each element replaced, with
// probability pct/100, by a random subnormal value (exponent bits 0,
// mantissa not 0) of random sign.
func withSubnormals[T dropout.Float](r *rand.Rand, v []T, pct int) []T {
	out := make([]T, len(v))
	copy(out, v)
	for i := range out {
		if r.IntN(100) < pct {
			out[i] = randomSubnormal[T](r)
		}
	}
	return out
}

// randomSubnormal is a subnormal T of random sign and mantissa.
func randomSubnormal[T dropout.Float](r *rand.Rand) T {
	if dtypeOf[T]() == f64 {
		return T(math.Float64frombits(1 + r.Uint64N(1<<52-1) | r.Uint64()&(1<<63)))
	}
	return T(math.Float32frombits(1 + r.Uint32N(1<<23-1) | r.Uint32()&(1<<31)))
}

// subnormalRows: copy (the reference, normal inputs), then at each
// percentage: the plain Go loop y[i] = x[i]*(1-p) (dy for Backward), this
// package on every path (Inverted Forward and Backward, Classic Infer, as
// the classic tables) and NumPy's book layer (Forward rand > p, x * mask;
// Backward dout * mask; Infer x * (1.0 - p)).
func subnormalRows[T dropout.Float](cfg config, w *pyWorker, pyErr error) []row {
	inf := T(1 - cfg.p)
	rows := []row{copyRow[T](subOps, releaseSub)}
	for _, pct := range subPercents {
		rows = append(rows, funcRow(subName("scale", pct), "", subOps, releaseSub, func(n int) (*calls, error) {
			b, x, dy := subnormalOperands[T](n, pct)
			c := &calls{}
			c.f[opSubForward] = func() { scaleLoop(b.y, x, inf) }
			c.f[opSubBackward] = func() { scaleLoop(b.dx, dy, inf) }
			c.f[opSubInfer] = c.f[opSubForward]
			return c, nil
		}))
	}
	for _, path := range dropout.Kernels() {
		for _, pct := range subPercents {
			rows = append(rows, funcRow(subName("dropout/"+path, pct), path, subOps, releaseSub, func(n int) (*calls, error) {
				inv, cls, err := newPair[T](cfg.p, 1)
				if err != nil {
					return nil, err
				}
				b, x, dy := subnormalOperands[T](n, pct)
				c := &calls{}
				c.f[opSubForward] = func() {
					b.seed++
					inv.Forward(b.y, x, b.mask, dropout.Key{Seed: b.seed})
				}
				c.f[opSubBackward] = func() { inv.Backward(b.dx, dy, b.mask) }
				c.f[opSubInfer] = func() { cls.Infer(b.y, x) }
				return c, nil
			}))
		}
	}
	if w != nil || pyErr != nil {
		for _, pct := range subPercents {
			rows = append(rows, pyRow(w, pyErr, subName("numpy", pct), "numpy", strconv.Itoa(pct), dtypeOf[T](), subOps, nil))
		}
	}
	return rows
}

// subnormalNotes: the slow-down of every row from 0% to each other
// percentage, per op, dtype and size.
func subnormalNotes(res *result) []string {
	var notes []string
	for _, pct := range subPercents[1:] {
		for _, o := range res.ops {
			notes = append(notes, fmt.Sprintf("%s: time at %d%% subnormal inputs / time at 0%% (same row and size):", o, pct))
			bases := []string{"scale"}
			for _, path := range dropout.Kernels() {
				bases = append(bases, "dropout/"+path)
			}
			for _, d := range res.dtypes() {
				for _, base := range append(bases, "numpy") {
					if s := res.bySize(d, func(si int) string {
						return times(res.ratio(o, subName(base, pct), subName(base, 0), d, si))
					}); s != "" {
						notes = append(notes, fmt.Sprintf("  %s %-16s %s", d, base, s))
					}
				}
			}
		}
	}
	return notes
}
