package main

import (
	"fmt"
	"math"
	"runtime"
	"strings"

	"github.com/dropkernel/dropout"
)

// parallelGroup: Forward and Backward on one worker and with Parallel(0)
// (-ops parallel), on all the cores whatever -threads is, at 1 MiB and
// 64 MiB of x unless -sizes is given.
func parallelGroup() group {
	rows := func(cfg config, _ *pyWorker, _ error) []row {
		return typed(cfg, func() []row { return parallelRows[float32](cfg) }, func() []row { return parallelRows[float64](cfg) })
	}
	return group{
		name: "parallel", ops: []op{opParForward, opParBackward}, rows: rows, notes: parallelNotes,
		otherLoad: true,
		sizes: func(cfg config) []sizeSpec {
			if cfg.parSizes != nil {
				return cfg.parSizes
			}
			return cfg.sizes
		},
		// All the cores, whatever -threads: the group measures the
		// speed-up of Parallel(0) over one worker.
		procs: func(cfg config) int { return max(cfg.threads, runtime.NumCPU()) },
	}
}

// parallelRows: Forward and Backward of T on one worker (dropout/<path>)
// and with Parallel(0) (parallel/<path>: GOMAXPROCS workers), every path.
func parallelRows[T dropout.Float](cfg config) []row {
	ops := []op{opParForward, opParBackward}
	rows := []row{copyRow[T](ops, releaseShared)}
	for _, par := range []bool{false, true} {
		prefix := "dropout"
		if par {
			prefix = "parallel"
		}
		rows = append(rows, perPath(prefix, ops, releaseShared, func(n int) (*calls, error) {
			b := sharedBufs[T](n)
			d, err := dropout.New[T](cfg.p, dropout.Inverted)
			if err != nil {
				return nil, err
			}
			if par {
				d = d.Parallel(0)
			}
			c := &calls{}
			c.f[opParForward] = func() {
				b.seed++
				d.Forward(b.y, b.x, b.mask, dropout.Key{Seed: b.seed})
			}
			c.f[opParBackward] = func() { d.Backward(b.dx, b.dy, b.mask) }
			return c, nil
		})...)
	}
	return rows
}

func parallelNotes(res *result) []string {
	notes := []string{fmt.Sprintf("speed-up of Parallel(0) (%d workers at GOMAXPROCS=%d) over one worker, time(dropout/<path>) / time(parallel/<path>):", res.procs, res.procs)}
	for _, o := range res.ops {
		for _, d := range res.dtypes() {
			for _, path := range dropout.Kernels() {
				one, par := "dropout/"+path, "parallel/"+path
				s := res.bySize(d, func(si int) string {
					r := res.ratio(o, one, par, d, si)
					if math.IsNaN(r) {
						return ""
					}
					return fmt.Sprintf("%.2fx (%.1f -> %.1f GB/s)", r, opBytes(o, d)/res.get(o, one, d, si), opBytes(o, d)/res.get(o, par, d, si))
				})
				if s != "" {
					notes = append(notes, fmt.Sprintf("  %-8s %s %-8s %s", strings.TrimSuffix(o.String(), ", Parallel"), d, path, s))
				}
			}
		}
	}
	return notes
}
