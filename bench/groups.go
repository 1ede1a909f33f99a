package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dropkernel/dropout"
)

// group is a set of ops measured together (one call of measure), with its
// own rows, sizes and GOMAXPROCS, selected by -ops. Each group is in its
// own file, group_<name>.go; this file holds what they share.
type group struct {
	name   string
	ops    []op
	python bool // has numpy or torch rows
	// rows are the group's rows of every dtype of -dtype (see typed).
	rows  func(cfg config, w *pyWorker, pyErr error) []row
	sizes func(cfg config) []sizeSpec // nil: -sizes
	procs func(cfg config) int        // nil: -threads
	notes func(res *result) []string
	// otherLoad: measure how busy other processes kept the CPUs.
	otherLoad bool
}

// allGroups are the op groups in the order they run and print.
func allGroups() []group {
	return []group{classicGroup(), nomaskGroup(), fusedGroup(), channelsGroup(), maskGroup(), parallelGroup(), subnormalGroup()}
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

// calls are the operations of a Go row at one size: per op, one call of
// it, or the reason the op does not exist for the row.
type calls struct {
	f  [numOps]func()
	na [numOps]string
}

// naCalls makes every op of ops n/a with the same reason.
func naCalls(ops []op, reason string) *calls {
	c := &calls{}
	for _, o := range ops {
		c.na[o] = reason
	}
	return c
}

// funcRow is a row whose cells time k calls of the functions setup returns
// for each size; with path != "" every cell first switches to that path
// (dropout.UseKernel), so that rows of different paths interleave.
func funcRow(name, path string, ops []op, release func(), setup func(n int) (*calls, error)) row {
	return row{
		name: name, ops: ops, release: release,
		prepare: func(n int) (*prepared, error) {
			c, err := setup(n)
			if err != nil {
				return nil, err
			}
			pr := &prepared{na: c.na}
			for o, f := range c.f {
				switch {
				case f == nil:
				case path != "":
					pr.cells[o] = pathCell(path, f)
				default:
					pr.cells[o] = func(k int) (time.Duration, error) { return timed(k, f) }
				}
			}
			return pr, nil
		},
	}
}

// perPath is funcRow on every path of dropout.Kernels(), named
// prefix/<path>, in that order.
func perPath(prefix string, ops []op, release func(), setup func(n int) (*calls, error)) []row {
	var rows []row
	for _, path := range dropout.Kernels() {
		rows = append(rows, funcRow(prefix+"/"+path, path, ops, release, setup))
	}
	return rows
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

// copyRow is copy(y, x) of []T for every op of ops: the memory-bandwidth
// reference of the groups' tables of T.
func copyRow[T dropout.Float](ops []op, release func()) row {
	return funcRow("copy", "", ops, release, func(n int) (*calls, error) {
		b := sharedBufs[T](n)
		c := &calls{}
		for _, o := range ops {
			c.f[o] = func() { copy(b.y, b.x) }
		}
		return c, nil
	})
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

// ratio is time(num) / time(den) of dtype d in op o at size index si: NaN
// when either row has no measurement there.
func (res *result) ratio(o op, num, den string, d dtype, si int) float64 {
	return res.get(o, num, d, si) / res.get(o, den, d, si)
}

// bySize joins "<size>: <part(si)>" with "; " over the sizes for which part
// is not "", the size as the table of d labels it ("n = 2048 (16 KiB)").
func (res *result) bySize(d dtype, part func(si int) string) string {
	var parts []string
	for si, sz := range res.sizes {
		if s := part(si); s != "" {
			parts = append(parts, fmt.Sprintf("%s: %s", sz.label(d), s))
		}
	}
	return strings.Join(parts, "; ")
}

// times formats a ratio as "0.51x", "" when it is NaN.
func times(r float64) string {
	if math.IsNaN(r) {
		return ""
	}
	return fmt.Sprintf("%.2fx", r)
}
