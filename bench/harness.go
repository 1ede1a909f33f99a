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
	opForwardNoMask  // -ops nomask
	opBackwardKey    // -ops nomask
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
	"Forward", "Backward", "Infer", "ForwardNoMask", "BackwardKey",
	"BiasDropoutAdd", "BiasDropoutAddBackward", "ForwardChannels", "BackwardChannels", "Mask unpack", "Mask pack",
	"Forward, Parallel", "Backward, Parallel",
	"Forward, subnormal inputs", "Backward, subnormal inputs", "Infer, subnormal inputs",
}

// opBytes is what a row of dtype d is charged per element in the GB/s
// column of op o, the same for every row of the table: two floats (read
// x, write y) unless opBytesDoc says otherwise.
func opBytes(o op, d dtype) float64 {
	switch o {
	case opMaskUnpack, opMaskPack:
		return 1
	case opBiasDropoutAdd:
		return float64(3 * d.size())
	}
	return float64(2 * d.size())
}

var opBytesDoc = [numOps]string{
	opBiasDropoutAdd: "3 floats per element (read x and residual, write y; bias and mask bits not counted)",
	opBiasBackward:   "2 floats per element (read dy, write dx; dbias and mask bits not counted)",
	opMaskUnpack:     "1 byte per element (the unpacked byte or bool written; the float rows write 4 or 8)",
	opMaskPack:       "1 byte per element (the unpacked byte or bool read; the float rows read 4 or 8)",
}

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

// row is one line of the tables: a name and a dtype (the rows of the
// other dtype with the same name are another line, in the other table).
type row struct {
	name  string
	dtype dtype
	// ops are the ops the row has a line in; nil: the classic three.
	ops []op
	// skip is non-empty when the whole row cannot run here ("numpy does
	// not import: ..."); it is printed as "skipped: <skip>".
	skip string
	// prepare allocates the row's data for n elements of its dtype.
	prepare func(n int) (*prepared, error)
	// release drops the data of the last prepare (optional).
	release func()
}

// config is what the flags set.
type config struct {
	sizes []sizeSpec
	// parSizes are the sizes of the parallel group (nil: sizes).
	parSizes []sizeSpec
	dtypes   []dtype // -dtype: the element types of the rows
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
	ops   []op       // the ops measured, one table per dtype each
	sizes []sizeSpec // the sizes measured
	procs int        // GOMAXPROCS during the measurements
	rows  []string
	// types[row] is the row's dtype.
	types []dtype
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
// Only the ops in ops are measured, at the given sizes; the rows of every
// dtype are measured together, each at the n of its dtype.
func measure(cfg config, ops []op, sizes []sizeSpec, rows []row) *result {
	res := &result{cfg: cfg, ops: ops, sizes: sizes, procs: runtime.GOMAXPROCS(0), otherCores: math.NaN()}
	for _, r := range rows {
		res.rows = append(res.rows, r.name)
		res.types = append(res.types, r.dtype)
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
		n   int // elements of the row's dtype
		k   int
		ns  []float64
	}
	measured := func(r row, o op) bool { return slices.Contains(ops, o) && rowHas(r.ops, o) }
	for si, sz := range sizes {
		var cells []*runCell
		cfg.status(true, "bench: %s: preparing %d rows", sz, len(rows))
		for ri, r := range rows {
			n := sz.n(r.dtype)
			if r.skip != "" {
				for o := range numOps {
					if measured(r, o) {
						res.status[o][ri][si] = "skipped: " + r.skip
					}
				}
				continue
			}
			cfg.status(false, "bench: %s: preparing %s %s", sz, r.dtype, r.name)
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
					cells = append(cells, &runCell{row: ri, op: o, c: pr.cells[o], n: n})
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
			cfg.status(false, "bench: %s: calibrating %s %s/%s", sz, rows[c.row].dtype, rows[c.row].name, c.op)
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
					cfg.status(true, "bench: %s: repetition %d/%d", sz, rep+1, cfg.reps)
				}
				if res.status[c.op][c.row][si] != "" {
					continue // failed in an earlier repetition
				}
				cfg.status(false, "bench: %s: repetition %d/%d: %s %s/%s", sz, rep+1, cfg.reps, rows[c.row].dtype, rows[c.row].name, c.op)
				runtime.GC() // garbage of the allocating rows is not charged to the next cell
				t, err := c.c(c.k)
				if err != nil {
					res.status[c.op][c.row][si] = "error: " + err.Error()
					continue
				}
				c.ns = append(c.ns, float64(t)/float64(c.k)/float64(c.n))
			}
		}
		for _, c := range cells {
			if res.status[c.op][c.row][si] != "" || len(c.ns) == 0 {
				continue
			}
			// A cell timed as a difference of two runs (gorgonia's
			// Backward: gradient machine minus forward machine) can lose
			// the difference in the noise: a median of 0 is no
			// measurement, and would print as +Inf GB/s.
			if m := median(c.ns); m > 0 {
				res.ns[c.op][c.row][si] = m
			} else {
				res.status[c.op][c.row][si] = "n/a: the median time is 0 (a difference of two timings lost in the noise)"
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
	var types []string
	for _, d := range cfg.dtypes {
		types = append(types, d.String())
	}
	clock := "wall (elapsed time)"
	if cfg.clock == "thread" {
		clock = "thread (CPU time of the measuring thread)"
	}
	fmt.Fprintf(w, "p = %v, %d interleaved repetitions of >= %v per cell, median; threads = %d; dtypes %s; clock %s\n", cfg.p, cfg.reps, cfg.minTime, cfg.threads, strings.Join(types, ", "), clock)
	fmt.Fprintf(w, "ns/el: nanoseconds per element; GB/s: 2 floats per element (read x, write y: 8 bytes for float32, 16 for float64) / time; xcopy: time / time of copy() of the same slice (same dtype and n)\n")
	for _, res := range rep.parts {
		res.writeTable(w)
	}
	fmt.Fprintf(w, "\nwall time of the measurements: %.1fs\n", rep.wall.Seconds())
}

// heading is the title of the table of op o at dtype d.
func heading(o op, d dtype) string { return fmt.Sprintf("%s (%s)", o, d) }

// dtypes are the dtypes of the result's rows, in -dtype order.
func (res *result) dtypes() []dtype {
	var ds []dtype
	for d := range numTypes {
		if slices.Contains(res.types, d) {
			ds = append(ds, d)
		}
	}
	return ds
}

// writeTable prints one table per op and dtype of the group, then its
// notes.
func (res *result) writeTable(w io.Writer) {
	nameW := len("row")
	for _, r := range res.rows {
		nameW = max(nameW, len(r))
	}
	const colW = 25
	for _, o := range res.ops {
		for _, d := range res.dtypes() {
			res.writeOne(w, o, d, nameW, colW)
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

// writeOne prints the table of op o at dtype d: the rows of that dtype
// that have a line in o, the ratio to its copy row.
func (res *result) writeOne(w io.Writer, o op, d dtype, nameW, colW int) {
	var lines []int
	for ri := range res.rows {
		if res.types[ri] == d && rowHas(res.rowOps[ri], o) {
			lines = append(lines, ri)
		}
	}
	if len(lines) == 0 {
		return
	}
	copyRow := res.index("copy", d)
	fmt.Fprintf(w, "\n%s\n", heading(o, d))
	if res.procs != res.cfg.threads {
		fmt.Fprintf(w, "(GOMAXPROCS=%d for this table)\n", res.procs)
	}
	if doc := opBytesDoc[o]; doc != "" {
		fmt.Fprintf(w, "(GB/s: %s)\n", doc)
	}
	fmt.Fprintf(w, "%-*s", nameW, "row")
	for _, sz := range res.sizes {
		fmt.Fprintf(w, " | %-*s", colW, sz.label(d))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-*s", nameW, "")
	for range res.sizes {
		fmt.Fprintf(w, " | %8s %7s %8s", "ns/el", "GB/s", "xcopy")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.Repeat("-", nameW+len(res.sizes)*(colW+3)))
	for _, ri := range lines {
		fmt.Fprintf(w, "%-*s", nameW, res.rows[ri])
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
			fmt.Fprintf(w, " | %8.3f %7.2f %8s", ns, opBytes(o, d)/ns, ratio)
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "  (%s)", strings.Join(notes, "; "))
		}
		fmt.Fprintln(w)
	}
}

// index is the row named name of dtype d, -1 when there is none.
func (res *result) index(name string, d dtype) int {
	for ri, r := range res.rows {
		if r == name && res.types[ri] == d {
			return ri
		}
	}
	return -1
}

// median ns per element of the named row of dtype d in op o at size index
// si; NaN when there is none.
func (res *result) get(o op, name string, d dtype, si int) float64 {
	ri := res.index(name, d)
	if ri < 0 || res.status[o][ri][si] != "" {
		return math.NaN()
	}
	return res.ns[o][ri][si]
}
