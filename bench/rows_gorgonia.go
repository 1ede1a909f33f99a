package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/dropkernel/dropout"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgoniaRow is gorgonia.org/gorgonia's Dropout through a real graph and
// TapeMachine, on a vector of T (tensor.Float32 or tensor.Float64: the op
// has a loop for each):
//
//   - Forward: a machine for the graph x -> Dropout(x, p), RunAll + Reset;
//   - Backward: a machine for x -> Dropout(x, p) -> Sum with the symbolic
//     gradient of the sum w.r.t. x (Grad), minus the Forward machine in the
//     same repetition (from 1M elements, an untimed garbage collection before each machine): the gradient part of a training step, including the
//     Sum and its broadcast gradient, the least gorgonia needs to produce a
//     gradient from a graph;
//   - Infer: n/a: its Dropout has no inference mode in the graph API (the
//     op returns its input unchanged when not training).
//
// With -clock thread the row is skipped: RunAll runs the graph on a
// goroutine of its own, which the thread clock does not see.
func gorgoniaRow[T dropout.Float](cfg config) row {
	p := cfg.p
	var fwd, full G.VM
	release := func() {
		for _, m := range []G.VM{fwd, full} {
			if m != nil {
				m.Close()
			}
		}
		fwd, full = nil, nil
	}
	r := row{
		name:    "gorgonia",
		release: release,
		prepare: func(n int) (*prepared, error) {
			release()
			b := sharedBufs[T](n)
			var err error
			fwd, err = gorgoniaMachine(b.x, p, false)
			if err != nil {
				return nil, err
			}
			full, err = gorgoniaMachine(b.x, p, true)
			if err != nil {
				return nil, err
			}
			run := func(m G.VM) error {
				err := m.RunAll()
				m.Reset()
				return err
			}
			// runTimed is one timed run, after an untimed collection when gc.
			runTimed := func(m G.VM, gc bool) (time.Duration, error) {
				if gc {
					runtime.GC()
				}
				t0 := cellClock()
				err := run(m)
				return cellClock() - t0, err
			}
			return &prepared{
				cells: [numOps]cell{
					func(k int) (time.Duration, error) {
						t0 := cellClock()
						for range k {
							if err := run(fwd); err != nil {
								return 0, err
							}
						}
						return (cellClock() - t0), nil
					},
					func(k int) (time.Duration, error) {
						// From 1M elements, an untimed collection before each
						// machine, so that neither pays for the other's
						// garbage: without it, at 16M elements the Forward
						// machine collected the gradient machine's tensors
						// often enough that the difference was <= 0 in most
						// repetitions. Not below: small sizes calibrate k
						// up to 1e7 calls, and a collection per call would
						// take minutes.
						gc := n >= 1<<20
						var tf, tg time.Duration
						for range k {
							dg, err := runTimed(full, gc)
							if err != nil {
								return 0, err
							}
							df, err := runTimed(fwd, gc)
							if err != nil {
								return 0, err
							}
							tg += dg
							tf += df
						}
						return max(tg-tf, 0), nil
					},
				},
				na: [numOps]string{opInfer: "no inference mode (identity)"},
			}, nil
		},
	}
	if cfg.clock == "thread" {
		r.skip = threadClockSkip
	}
	return r
}

// threadClockSkip is why the gorgonia row is not measured with -clock
// thread: the clock would see almost none of its work.
const threadClockSkip = "-clock thread: TapeMachine.RunAll runs the graph on a goroutine of its own (go m.runall), on another thread than the clock's; use -clock wall"

// gorgoniaMachine builds the graph x -> Dropout(x, p) (-> Sum, Grad when
// grad) on the values of x and returns its TapeMachine.
func gorgoniaMachine[T dropout.Float](x []T, p float64, grad bool) (G.VM, error) {
	g := G.NewGraph()
	xt := tensor.New(tensor.WithShape(len(x)), tensor.WithBacking(x))
	xn := G.NewVector(g, byType[T](tensor.Float32, tensor.Float64), G.WithShape(len(x)), G.WithName("x"), G.WithValue(xt))
	y, err := G.Dropout(xn, p)
	if err != nil {
		return nil, fmt.Errorf("gorgonia.Dropout: %w", err)
	}
	if grad {
		cost, err := G.Sum(y)
		if err != nil {
			return nil, fmt.Errorf("gorgonia.Sum: %w", err)
		}
		if _, err := G.Grad(cost, xn); err != nil {
			return nil, fmt.Errorf("gorgonia.Grad: %w", err)
		}
	}
	return G.NewTapeMachine(g), nil
}
