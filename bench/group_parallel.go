package main

import (
	"fmt"
	"math"
	"runtime"
	"strings"

	"github.com/dropkernel/dropout"
)

// parallelGroup: Forward and Backward on one worker and with Parallel(0)
// (-ops parallel), on all the cores whatever -threads is, at 262144 and
// 16777216 elements unless -sizes is given.
func parallelGroup() group {
	return group{
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
	}
}

// parallelRows: Forward and Backward on one worker (dropout/<path>) and
// with Parallel(0) (parallel/<path>: GOMAXPROCS workers), every path.
func parallelRows(cfg config, _ *pyWorker, _ error) []row {
	ops := []op{opParForward, opParBackward}
	rows := []row{copyRow(ops, releaseShared)}
	for _, par := range []bool{false, true} {
		prefix := "dropout"
		if par {
			prefix = "parallel"
		}
		rows = append(rows, perPath(prefix, ops, releaseShared, func(n int) (*calls, error) {
			b := sharedBufs(n)
			d, err := dropout.New[float32](cfg.p, dropout.Inverted)
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
		for _, path := range dropout.Kernels() {
			one, par := "dropout/"+path, "parallel/"+path
			s := res.bySize(func(si int) string {
				r := res.ratio(o, one, par, si)
				if math.IsNaN(r) {
					return ""
				}
				return fmt.Sprintf("%.2fx (%.1f -> %.1f GB/s)", r, opBytes[o]/res.get(o, one, si), opBytes[o]/res.get(o, par, si))
			})
			if s != "" {
				notes = append(notes, fmt.Sprintf("  %-8s %-8s %s", strings.TrimSuffix(o.String(), ", Parallel"), path, s))
			}
		}
	}
	return notes
}
