package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// op is one measured operation: a table of the output. The first three
// are the classic passes every row of the default run is measured on; the
// others belong to the op groups selected with -ops (see groups.go and
// the group_*.go files).
type op int

const (
	opForward op = iota
	opBackward
	opInfer
	opBiasDropoutAdd // -ops fused
	opBiasBackward   // -ops fused
	opChannels       // -ops channels
	opChanBackward   // -ops channels
	opMaskUnpack     // -ops mask
	opMaskPack       // -ops mask
	opParForward     // -ops parallel
	opParBackward    // -ops parallel
	opSubForward     // -ops subnormal
	opSubBackward    // -ops subnormal
	opSubInfer       // -ops subnormal
	numOps
)

var opNames = [numOps]string{
	"Forward", "Backward", "Infer",
	"BiasDropoutAdd", "BiasDropoutAddBackward", "ForwardChannels", "BackwardChannels", "Mask unpack", "Mask pack",
	"Forward, Parallel", "Backward, Parallel",
	"Forward, subnormal inputs", "Backward, subnormal inputs", "Infer, subnormal inputs",
}

// opBytes is what a row is charged per element in the GB/s column of an op,
// the same for every row of the op; opBytesDoc says what it counts.
var (
	opBytes    = [numOps]float64{8, 8, 8, 12, 8, 8, 8, 1, 1, 8, 8, 8, 8, 8}
	opBytesDoc = [numOps]string{
		opBiasDropoutAdd: "12 bytes per element (read x and residual, write y; bias and mask bits not counted)",
		opBiasBackward:   "8 bytes per element (read dy, write dx; dbias and mask bits not counted)",
		opMaskUnpack:     "1 byte per element (the unpacked byte or bool written; the float32 rows write 4)",
		opMaskPack:       "1 byte per element (the unpacked byte or bool read; the float32 rows read 4)",
	}
)

// classicOps are the passes of the default run.
var classicOps = []op{opForward, opBackward, opInfer}

func (o op) String() string { return opNames[o] }

// cell runs an operation k times over the size it was prepared for and
// returns the time the operation itself took (a cell may leave per-call
// set-up, e.g. the forward pass before a backward, out of the time).
type cell func(k int) (time.Duration, error)

// prepared is a row at one size: a cell per op, or the reason the op does
// not exist for this row.
type prepared struct {
	cells [numOps]cell
	na    [numOps]string // non-empty: "n/a: ..." instead of a time
}

// row is one line of the tables.
type row struct {
	name string
	// ops are the ops the row has a line in; nil: the classic three.
	ops []op
	// skip is non-empty when the whole row cannot run here ("numpy does
	// not import: ..."); it is printed as "skipped: <skip>".
	skip string
	// prepare allocates the row's data for n elements.
	prepare func(n int) (*prepared, error)
	// release drops the data of the last prepare (optional).
	release func()
}

// config is what the flags set.
type config struct {
	sizes []int
	// parSizes are the sizes of the parallel group (nil: sizes).
	parSizes []int
	// ops are the selected ops (nil: the classic three).
	ops     []op
	p       float64
	reps    int
	minTime time.Duration // time one repetition of a cell runs at least
	threads int
	peers   []string // row names or groups ("dropout", "naive"); nil: all
	python  string   // interpreter of the numpy and torch rows
	plot    string   // PNG path; "" for none
	replot  string   // -replot: the table to draw -plot from, measuring nothing
	clock   string   // "wall" or "thread" (-clock)
	// progress receives a one-line status while running (nil: none).
	progress io.Writer
}

// result holds the medians of one op group: ns per element of each op,
// row and size.
type result struct {
	cfg   config
	group string
	ops   []op  // the ops measured, one table each
	sizes []int // the sizes measured
	procs int   // GOMAXPROCS during the measurements
	rows  []string
	// rowOps[row] are the ops the row has a line in.
	rowOps [][]op
	// ns[op][row][size]; NaN when status is set.
	ns     [numOps][][]float64
	status [numOps][][]string // "", "skipped: ...", "n/a: ...", "error: ..."
	// notes are printed after the tables (ratios between rows).
	notes []string
	// otherCores is the average number of cores that other processes kept
	// busy during the measurements (NaN: not measured).
	otherCores float64
	env        envInfo
	wall       time.Duration
}

// report is a whole run: the header and one result per op group.
type report struct {
	cfg   config
	env   envInfo
	parts []*result
	wall  time.Duration
}

// rowHas reports whether row r has a line in op o.
func rowHas(ops []op, o op) bool {
	if ops == nil {
		ops = classicOps
	}
	return slices.Contains(ops, o)
}

// wantOp reports whether -ops selects o.
func (c *config) wantOp(o op) bool {
	if c.ops == nil {
		return slices.Contains(classicOps, o)
	}
	return slices.Contains(c.ops, o)
}

// want reports whether the -peers selection includes the row name: the
// name itself, its first segment (the group: "dropout" for
// "dropout/avx2") or any leading segments ("dropout/avx2" for
// "dropout/avx2/10%").
func (c *config) want(name string) bool {
	if len(c.peers) == 0 {
		return true
	}
	group, _, _ := strings.Cut(name, "/")
	for _, p := range c.peers {
		if p == "all" || p == name || p == group || strings.HasPrefix(name, p+"/") {
			return true
		}
	}
	return false
}

// measure runs every selected row at every size: for each size it prepares
// all rows, calibrates how many calls one repetition makes, then runs the
// repetitions, each going once through every (row, op) cell, starting one
// cell further each time so that drift (frequency, other load) hits every
// row alike. The value of a cell is the median over the repetitions. A
// garbage collection runs (untimed) before every cell, so that the garbage
// of the rows that allocate (gorgonia, spago) is collected in their own
// time or not at all, never in another row's.
//
// Only the ops in ops are measured, at the given sizes.
func measure(cfg config, ops []op, sizes []int, rows []row) *result {
	res := &result{cfg: cfg, ops: ops, sizes: sizes, procs: runtime.GOMAXPROCS(0), otherCores: math.NaN()}
	for _, r := range rows {
		res.rows = append(res.rows, r.name)
		res.rowOps = append(res.rowOps, r.ops)
	}
	for o := range numOps {
		res.ns[o] = make([][]float64, len(rows))
		res.status[o] = make([][]string, len(rows))
		for i := range rows {
			res.ns[o][i] = make([]float64, len(sizes))
			res.status[o][i] = make([]string, len(sizes))
			for s := range sizes {
				res.ns[o][i][s] = math.NaN()
			}
		}
	}
	type runCell struct {
		row int
		op  op
		c   cell
		k   int
		ns  []float64
	}
	measured := func(r row, o op) bool { return slices.Contains(ops, o) && rowHas(r.ops, o) }
	for si, n := range sizes {
		var cells []*runCell
		cfg.status(true, "bench: n=%d: preparing %d rows", n, len(rows))
		for ri, r := range rows {
			if r.skip != "" {
				for o := range numOps {
					if measured(r, o) {
						res.status[o][ri][si] = "skipped: " + r.skip
					}
				}
				continue
			}
			cfg.status(false, "bench: n=%d: preparing %s", n, r.name)
			pr, err := r.prepare(n)
			if err != nil {
				for o := range numOps {
					if measured(r, o) {
						res.status[o][ri][si] = "error: " + err.Error()
					}
				}
				continue
			}
			for o := range numOps {
				if !measured(r, o) {
					continue
				}
				switch {
				case pr.na[o] != "":
					res.status[o][ri][si] = "n/a: " + pr.na[o]
				case pr.cells[o] != nil:
					cells = append(cells, &runCell{row: ri, op: o, c: pr.cells[o]})
				}
			}
		}
		// Warm up (page faults, lazy allocations, caches) and calibrate:
		// k calls take about minTime. The calibration uses the call's wall
		// time too: a cell that reports a difference of two timed runs
		// (gorgonia's Backward: forward+backward minus forward) can report
		// about 0 for a tiny n, and k calibrated on that alone ran for
		// minutes.
		var ok []*runCell
		for _, c := range cells {
			cfg.status(false, "bench: n=%d: calibrating %s/%s", n, rows[c.row].name, c.op)
			call := func() (time.Duration, error) {
				w0 := time.Now()
				t, err := c.c(1)
				return max(t, time.Since(w0)), err
			}
			t, err := call()
			if err == nil && t < cfg.minTime {
				// The first call paid for page faults and lazy set-up:
				// calibrate on a second one.
				t, err = call()
			}
			if err != nil {
				res.status[c.op][c.row][si] = "error: " + err.Error()
				continue
			}
			c.k = 1
			if t < cfg.minTime {
				c.k = int(min(1e7, math.Ceil(float64(cfg.minTime)/float64(max(t, time.Nanosecond)))))
			}
			ok = append(ok, c)
		}
		cells = ok
		for rep := range cfg.reps {
			for j := range cells {
				c := cells[(j+rep)%len(cells)]
				if j == 0 {
					cfg.status(true, "bench: n=%d: repetition %d/%d", n, rep+1, cfg.reps)
				}
				if res.status[c.op][c.row][si] != "" {
					continue // failed in an earlier repetition
				}
				cfg.status(false, "bench: n=%d: repetition %d/%d: %s/%s", n, rep+1, cfg.reps, rows[c.row].name, c.op)
				runtime.GC() // garbage of the allocating rows is not charged to the next cell
				t, err := c.c(c.k)
				if err != nil {
					res.status[c.op][c.row][si] = "error: " + err.Error()
					continue
				}
				c.ns = append(c.ns, float64(t)/float64(c.k)/float64(n))
			}
		}
		for _, c := range cells {
			if res.status[c.op][c.row][si] == "" && len(c.ns) > 0 {
				res.ns[c.op][c.row][si] = median(c.ns)
			}
		}
		for _, r := range rows {
			if r.release != nil && r.skip == "" {
				r.release()
			}
		}
	}
	cfg.status(false, "")
	return res
}

// status writes a progress line: on a terminal it is overwritten in place
// for every cell; otherwise (a log file, CI) only steps (size, repetition)
// get a line.
func (c *config) status(step bool, format string, args ...any) {
	if c.progress == nil {
		return
	}
	line := fmt.Sprintf(format, args...)
	if f, ok := c.progress.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(f, "\r\033[K%s", line)
			return
		}
	}
	if step && line != "" {
		fmt.Fprintln(c.progress, line)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// writeTable prints the header and the tables of every op group.
func (rep *report) writeTable(w io.Writer) {
	cfg := rep.cfg
	e := rep.env
	fmt.Fprintf(w, "CPU:     %s\n", e.cpu)
	fmt.Fprintf(w, "Go:      %s %s/%s, GOMAXPROCS=%d\n", e.goVersion, e.goos, e.goarch, e.gomaxprocs)
	if e.load != "" {
		fmt.Fprintf(w, "load:    %s (load average at the start: other processes share the cores)\n", e.load)
	}
	fmt.Fprintf(w, "paths:   %s (dropout.Kernels(); default %s)\n", strings.Join(e.paths, ", "), e.defaultPath)
	if e.python != "" {
		fmt.Fprintf(w, "python:  %s\n", e.python)
	}
	fmt.Fprintf(w, "p = %v, %d interleaved repetitions of >= %v per cell, median; threads = %d\n", cfg.p, cfg.reps, cfg.minTime, cfg.threads)
	fmt.Fprintf(w, "ns/el: nanoseconds per element; GB/s: 8 bytes per element (read x, write y) / time; xcopy: time / time of copy() at the same size\n")
	for _, res := range rep.parts {
		res.writeTable(w)
	}
	fmt.Fprintf(w, "\nwall time of the measurements: %.1fs\n", rep.wall.Seconds())
}

// writeTable prints one table per op of the group, then its notes.
func (res *result) writeTable(w io.Writer) {
	nameW := len("row")
	for _, r := range res.rows {
		nameW = max(nameW, len(r))
	}
	const colW = 25
	copyRow := slices.Index(res.rows, "copy")
	for _, o := range res.ops {
		fmt.Fprintf(w, "\n%s\n", o)
		if res.procs != res.cfg.threads {
			fmt.Fprintf(w, "(GOMAXPROCS=%d for this table)\n", res.procs)
		}
		if d := opBytesDoc[o]; d != "" {
			fmt.Fprintf(w, "(GB/s: %s)\n", d)
		}
		fmt.Fprintf(w, "%-*s", nameW, "row")
		for _, n := range res.sizes {
			fmt.Fprintf(w, " | %-*s", colW, fmt.Sprintf("n = %d", n))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%-*s", nameW, "")
		for range res.sizes {
			fmt.Fprintf(w, " | %8s %7s %8s", "ns/el", "GB/s", "xcopy")
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Repeat("-", nameW+len(res.sizes)*(colW+3)))
		for ri, name := range res.rows {
			if !rowHas(res.rowOps[ri], o) {
				continue
			}
			fmt.Fprintf(w, "%-*s", nameW, name)
			var notes []string
			for si := range res.sizes {
				if st := res.status[o][ri][si]; st != "" {
					short := st
					if i := strings.Index(st, ":"); i >= 0 {
						short = st[:i]
					}
					fmt.Fprintf(w, " | %-*s", colW, short)
					if !slices.Contains(notes, st) {
						notes = append(notes, st)
					}
					continue
				}
				ns := res.ns[o][ri][si]
				ratio := "-"
				if copyRow >= 0 && !math.IsNaN(res.ns[o][copyRow][si]) {
					ratio = fmt.Sprintf("%.2f", ns/res.ns[o][copyRow][si])
				}
				fmt.Fprintf(w, " | %8.3f %7.2f %8s", ns, opBytes[o]/ns, ratio)
			}
			if len(notes) > 0 {
				fmt.Fprintf(w, "  (%s)", strings.Join(notes, "; "))
			}
			fmt.Fprintln(w)
		}
	}
	if len(res.notes) > 0 || !math.IsNaN(res.otherCores) {
		fmt.Fprintln(w)
		for _, n := range res.notes {
			fmt.Fprintln(w, n)
		}
		if !math.IsNaN(res.otherCores) {
			fmt.Fprintf(w, "other processes kept %.2f of the %d logical CPUs busy on average during these tables (/proc/stat minus this process)\n", res.otherCores, runtime.NumCPU())
		}
	}
}

// median ns per element of the named row in op o at size index si; NaN
// when there is none.
func (res *result) get(o op, name string, si int) float64 {
	ri := slices.Index(res.rows, name)
	if ri < 0 || res.status[o][ri][si] != "" {
		return math.NaN()
	}
	return res.ns[o][ri][si]
}
