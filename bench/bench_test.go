package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropkernel/dropout"
)

// smokeConfig is the harness with tiny sizes and few repetitions.
func smokeConfig(t *testing.T) config {
	return config{
		sizes:   []int{100, 4096},
		p:       0.5,
		reps:    2,
		minTime: 200 * time.Microsecond,
		threads: 1,
		python:  "/usr/bin/python3",
		plot:    filepath.Join(t.TempDir(), "throughput.png"),
	}
}

// expectedRows are the rows of a default run on this machine.
func expectedRows() []string {
	rows := []string{"copy", "scale"}
	for _, k := range dropout.Kernels() {
		rows = append(rows, "dropout/"+k)
	}
	return append(rows, "naive/pcg", "naive/chacha8", "gorgonia", "spago", "numpy", "torch")
}

// tableRows returns, per op section, the first column of each row line.
func tableRows(table string) map[string]map[string]string {
	sections := map[string]map[string]string{}
	var cur map[string]string
	for _, line := range strings.Split(table, "\n") {
		if t := strings.TrimSpace(line); slices.Contains(opNames[:], t) {
			cur = map[string]string{}
			sections[t] = cur
			continue
		}
		if cur == nil || !strings.Contains(line, "|") {
			continue
		}
		name, rest, _ := strings.Cut(line, "|")
		if name = strings.TrimSpace(name); name != "" && name != "row" {
			cur[name] = rest
		}
	}
	return sections
}

func TestSmoke(t *testing.T) {
	cfg := smokeConfig(t)
	var progress bytes.Buffer
	cfg.progress = &progress
	res := run(cfg)
	var out bytes.Buffer
	res.writeTable(&out)
	table := out.String()
	t.Logf("\n%s", table)
	for _, h := range []string{"CPU:", "Go:", "paths:", "ns/el", "GB/s", "xcopy", "n = 100", "n = 4096"} {
		if !strings.Contains(table, h) {
			t.Errorf("table lacks %q", h)
		}
	}
	if !strings.Contains(progress.String(), "repetition 2/2") {
		t.Errorf("progress output %q lacks the repetitions", progress.String())
	}
	number := regexp.MustCompile(`^\s*[0-9.]+\s+[0-9.]+\s+[0-9.]+\s*$`)
	sections := tableRows(table)
	for _, o := range opNames[:len(classicOps)] {
		sec := sections[o]
		if sec == nil {
			t.Fatalf("no %s section", o)
		}
		for _, name := range expectedRows() {
			rest, ok := sec[name]
			if !ok {
				t.Errorf("%s: no row %q", o, name)
				continue
			}
			cells := strings.Split(rest, "|")
			if len(cells) != len(cfg.sizes) {
				t.Errorf("%s/%s: %d cells, want %d: %q", o, name, len(cells), len(cfg.sizes), rest)
				continue
			}
			for _, c := range cells {
				c = strings.TrimSpace(c)
				if i := strings.Index(c, "  ("); i >= 0 {
					c = c[:i] // the note after the last cell
				}
				switch {
				case number.MatchString(c):
				case strings.HasPrefix(c, "skipped"):
					if name != "numpy" && name != "torch" {
						t.Errorf("%s/%s skipped: %q", o, name, rest)
					}
				case strings.HasPrefix(c, "n/a"):
				default:
					t.Errorf("%s/%s: cell %q is neither a measurement, skipped nor n/a", o, name, c)
				}
			}
		}
	}
	// Every Go row measures Forward.
	for _, name := range expectedRows()[:len(expectedRows())-2] {
		if strings.Contains(sections["Forward"][name], "n/a") {
			t.Errorf("Forward/%s is n/a", name)
		}
	}
	if err := res.part("classic").writePlot(cfg.plot); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(cfg.plot); err != nil || fi.Size() < 1000 {
		t.Errorf("plot %s: %v", cfg.plot, err)
	}
	if got := dropout.Kernel(); got != dropout.Kernels()[0] {
		t.Errorf("the run left path %q in use, want the default %q", got, dropout.Kernels()[0])
	}
}

// pythonRowsSkipped runs the copy, numpy and torch rows at n = 256 with the
// interpreter python, checks that every classic op reports numpy and torch
// as "skipped: " + reason(name), and returns the table's sections.
func pythonRowsSkipped(t *testing.T, python string, reason func(name string) string) map[string]map[string]string {
	t.Helper()
	cfg := smokeConfig(t)
	cfg.sizes = []int{256}
	cfg.python = python
	cfg.peers = []string{"copy", "numpy", "torch"}
	res := run(cfg)
	var out bytes.Buffer
	res.writeTable(&out)
	sections := tableRows(out.String())
	for _, o := range opNames[:len(classicOps)] {
		for _, name := range []string{"numpy", "torch"} {
			if want := "skipped: " + reason(name); !strings.Contains(sections[o][name], want) {
				t.Errorf("%s/%s = %q, want it to contain %q", o, name, sections[o][name], want)
			}
		}
	}
	return sections
}

// TestSmokeNoPython: without an interpreter the numpy and torch rows are
// reported as skipped, with the reason, not dropped.
func TestSmokeNoPython(t *testing.T) {
	sections := pythonRowsSkipped(t, filepath.Join(t.TempDir(), "no-python3"), func(string) string { return "no Python interpreter" })
	for _, o := range opNames[:len(classicOps)] {
		if _, ok := sections[o]["gorgonia"]; ok {
			t.Errorf("-peers copy,numpy,torch ran gorgonia")
		}
	}
}

// TestSmokeGoOnly: a selection without the Python rows does not start the
// worker and runs only what it names.
func TestSmokeGoOnly(t *testing.T) {
	cfg := smokeConfig(t)
	cfg.sizes = []int{256}
	cfg.peers = []string{"copy", "dropout"}
	rep := run(cfg)
	res := rep.part("classic")
	want := []string{"copy"}
	for _, k := range dropout.Kernels() {
		want = append(want, "dropout/"+k)
	}
	if strings.Join(res.rows, ",") != strings.Join(want, ",") {
		t.Errorf("rows %q, want %q", res.rows, want)
	}
	if len(rep.parts) != 1 {
		t.Errorf("%d op groups ran, want the classic one", len(rep.parts))
	}
	if rep.env.python != "" {
		t.Errorf("python %q: the worker started for a Go-only selection", res.env.python)
	}
}

func TestFlags(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.sizes) != 3 || cfg.sizes[0] != 4096 || cfg.sizes[1] != 262144 || cfg.sizes[2] != 16777216 {
		t.Errorf("default sizes %v", cfg.sizes)
	}
	if cfg.p != 0.5 || cfg.threads != 1 || cfg.plot != "throughput.png" || cfg.peers != nil {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = parseFlags([]string{"-quick", "-peers", "dropout,torch", "-p", "0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.sizes) != 2 || cfg.reps != 3 || !cfg.want("dropout/avx2") || !cfg.want("torch") || cfg.want("copy") || cfg.p != 0.1 {
		t.Errorf("-quick -peers dropout,torch: %+v", cfg)
	}
	if cfg, err = parseFlags([]string{"-clock", "thread", "-ops", "subnormal"}); haveThreadClock && (err != nil || cfg.clock != "thread") {
		t.Errorf("-clock thread -ops subnormal: %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{"-p", "1"}, {"-p", "-0.1"}, {"-sizes", "0"}, {"-sizes", "x"}, {"-reps", "0"}, {"extra"},
		{"-clock", "cpu"}, {"-clock", "thread", "-threads", "2"}, {"-clock", "thread", "-ops", "parallel"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

// TestMeasureStatuses: a row that fails, one that is skipped and an op that
// does not exist are reported as such, next to a measured row.
func TestMeasureStatuses(t *testing.T) {
	cfg := smokeConfig(t)
	cfg.sizes = []int{64}
	ok := func(k int) (time.Duration, error) { return time.Duration(k) * time.Microsecond, nil }
	rows := []row{
		{name: "copy", prepare: func(int) (*prepared, error) {
			return &prepared{cells: [numOps]cell{ok, ok, ok}}, nil
		}},
		{name: "fails", prepare: func(int) (*prepared, error) {
			return &prepared{
				cells: [numOps]cell{ok, func(int) (time.Duration, error) { return 0, errors.New("boom") }},
				na:    [numOps]string{opInfer: "nothing to infer"},
			}, nil
		}},
		{name: "absent", skip: "not installed"},
	}
	res := measure(cfg, classicOps, cfg.sizes, rows)
	var out bytes.Buffer
	res.writeTable(&out)
	sec := tableRows(out.String())
	for _, c := range []struct{ op, row, want string }{
		{"Forward", "fails", "1.00"},
		{"Backward", "fails", "error: boom"},
		{"Infer", "fails", "n/a: nothing to infer"},
		{"Forward", "absent", "skipped: not installed"},
		{"Infer", "absent", "skipped: not installed"},
	} {
		if got := sec[c.op][c.row]; !strings.Contains(got, c.want) {
			t.Errorf("%s/%s = %q, want it to contain %q", c.op, c.row, got, c.want)
		}
	}
	if got := res.ns[opForward][0][0]; got != 1e3/64 {
		t.Errorf("copy: %v ns/element, want %v (1 µs per call of 64 elements)", got, 1e3/64)
	}
}

// TestSmokeNoModules: an interpreter without numpy and torch (python3 -S:
// no site-packages) gives "skipped: numpy does not import: ...".
func TestSmokeNoModules(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	wrapper := filepath.Join(t.TempDir(), "python3-nosite")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	pythonRowsSkipped(t, wrapper, func(name string) string { return name + " does not import: No module named" })
}

// TestSmokeGroups runs the -ops groups other than the classic one at tiny
// sizes: every row of every table is there, with numbers, skipped (Python
// rows only, and torch/fused when torch has no such operator) or n/a.
func TestSmokeGroups(t *testing.T) {
	cfg := smokeConfig(t)
	cfg.sizes = []int{100, 2048}
	cfg.parSizes = []int{65536} // the generic path splits from 32768 elements (the assembly paths from 1M)
	var err error
	if cfg.ops, err = parseOps("fused,channels,mask,parallel,subnormal"); err != nil {
		t.Fatal(err)
	}
	procs := runtime.GOMAXPROCS(0)
	rep := run(cfg)
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS = %d after the run, want %d", got, procs)
	}
	var out bytes.Buffer
	rep.writeTable(&out)
	table := out.String()
	t.Logf("\n%s", table)
	if rep.part("classic") != nil {
		t.Errorf("-ops fused,channels,mask,parallel,subnormal ran the classic ops")
	}
	if p := rep.part("parallel"); p == nil || p.procs != max(1, runtime.NumCPU()) {
		t.Errorf("parallel group: %+v, want GOMAXPROCS = NumCPU = %d", p, runtime.NumCPU())
	}
	paths := dropout.Kernels()
	withPaths := func(prefixes ...string) []string {
		var rows []string
		for _, p := range prefixes {
			for _, k := range paths {
				rows = append(rows, p+"/"+k)
			}
		}
		return rows
	}
	maskRowNames := []string{"copy"}
	for _, v := range []string{"bytes", "bools", "float32s"} {
		maskRowNames = append(append(maskRowNames, withPaths("mask/"+v)...), "loop/"+v)
	}
	maskRowNames = append(maskRowNames, "numpy/bytes", "numpy/bools", "numpy/float32s")
	subRowNames := []string{"copy", "scale/0%", "scale/10%"}
	for _, k := range paths {
		subRowNames = append(subRowNames, "dropout/"+k+"/0%", "dropout/"+k+"/10%")
	}
	subRowNames = append(subRowNames, "numpy/0%", "numpy/10%")
	expect := map[string][]string{
		"BiasDropoutAdd":             append(append([]string{"copy"}, withPaths("bias_dropout_add", "unfused", "dropout_add")...), "numpy", "torch", "torch/fused"),
		"ForwardChannels":            append(append([]string{"copy"}, withPaths("channels")...), "numpy", "torch"),
		"BiasDropoutAddBackward":     append(append([]string{"copy"}, withPaths("bias_dropout_add", "unfused", "dropout_add")...), "numpy", "torch", "torch/fused"),
		"BackwardChannels":           append(append([]string{"copy"}, withPaths("channels")...), "numpy", "torch"),
		"Mask unpack":                maskRowNames,
		"Mask pack":                  maskRowNames,
		"Forward, Parallel":          append([]string{"copy"}, withPaths("dropout", "parallel")...),
		"Backward, Parallel":         append([]string{"copy"}, withPaths("dropout", "parallel")...),
		"Forward, subnormal inputs":  subRowNames,
		"Backward, subnormal inputs": subRowNames,
		"Infer, subnormal inputs":    subRowNames,
	}
	number := regexp.MustCompile(`^\s*[0-9.]+\s+[0-9.]+\s+[0-9.]+\s*$`)
	sections := tableRows(table)
	for sec, rows := range expect {
		got := sections[sec]
		if got == nil {
			t.Errorf("no %s section", sec)
			continue
		}
		if len(got) != len(rows) {
			t.Errorf("%s: %d rows, want %d (%q)", sec, len(got), len(rows), rows)
		}
		for _, name := range rows {
			rest, ok := got[name]
			if !ok {
				t.Errorf("%s: no row %q", sec, name)
				continue
			}
			for i, c := range strings.Split(rest, "|") {
				c = strings.TrimSpace(c)
				if j := strings.Index(c, "  ("); j >= 0 {
					c = c[:j]
				}
				py := strings.HasPrefix(name, "numpy") || strings.HasPrefix(name, "torch")
				switch {
				case number.MatchString(c):
				case strings.HasPrefix(c, "skipped") && py:
				case strings.HasPrefix(c, "n/a") && i == 0 && !slices.Contains(opNames[opMaskUnpack:], sec) && name != "copy" && name != "torch/fused":
					// n = 100 is not a whole number of rows of 1024.
				case strings.HasPrefix(c, "n/a") && sec == "BiasDropoutAddBackward" && (strings.HasPrefix(name, "dropout_add/") || name == "torch/fused"):
					// DropoutAdd's gradient is Backward.
				default:
					t.Errorf("%s/%s: cell %d %q is not a measurement", sec, name, i, c)
				}
			}
		}
	}
	for _, want := range []string{"time / time of unfused/", "time / time of the plain Go loop", "speed-up of Parallel(0)", "n = 2048 (C = 2)", "(GOMAXPROCS=",
		"Forward, subnormal inputs: time at 10% subnormal inputs / time at 0%", "  dropout/" + paths[0] + " "} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if got := dropout.Kernel(); got != dropout.Kernels()[0] {
		t.Errorf("the run left path %q in use, want the default %q", got, dropout.Kernels()[0])
	}
}

// TestUnfusedMatchesFused: the unfused row computes exactly what
// BiasDropoutAdd computes (same y bits, same mask), on every path.
func TestUnfusedMatchesFused(t *testing.T) {
	defer restorePath(dropout.Kernel())
	const n = 3 * rowLen
	b, e := extraFor(n)
	defer releaseExtra()
	d, err := dropout.New[float32](0.3, dropout.Inverted)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range dropout.Kernels() {
		if err := dropout.UseKernel(path); err != nil {
			t.Fatal(err)
		}
		key := dropout.Key{Seed: 7, Offset: 64}
		y1, y2 := make([]float32, n), make([]float32, n)
		m1, m2 := make(dropout.Mask, dropout.MaskLen(n)), make(dropout.Mask, dropout.MaskLen(n))
		d.BiasDropoutAdd(y1, b.x, e.bias, b.dy, m1, key)
		unfusedBiasDropoutAdd(d, y2, b.x, e.bias, b.dy, m2, key)
		if !slices.Equal(m1, m2) {
			t.Errorf("%s: masks differ", path)
		}
		for i := range y1 {
			if math.Float32bits(y1[i]) != math.Float32bits(y2[i]) {
				t.Errorf("%s: y[%d] = %v fused, %v unfused", path, i, y1[i], y2[i])
				break
			}
		}
		// The backward rows: the same dx and dbias bits.
		db1, db2 := make([]float32, rowLen), make([]float32, rowLen)
		d.BiasDropoutAddBackward(y1, db1, b.dy, m1)
		unfusedBiasDropoutAddBackward(d, y2, db2, b.dy, m1)
		for i := range y1 {
			if math.Float32bits(y1[i]) != math.Float32bits(y2[i]) {
				t.Errorf("%s: dx[%d] = %v fused, %v unfused", path, i, y1[i], y2[i])
				break
			}
		}
		for j := range db1 {
			if math.Float32bits(db1[j]) != math.Float32bits(db2[j]) {
				t.Errorf("%s: dbias[%d] = %v fused, %v unfused", path, j, db1[j], db2[j])
				break
			}
		}
	}
}

// TestMaskLoops: the plain loops of the mask rows give what the Mask
// methods give.
func TestMaskLoops(t *testing.T) {
	const n = 1000
	b, e := extraFor(n)
	defer releaseExtra()
	u1, u2 := make([]uint8, n), make([]uint8, n)
	b.mask.Bytes(u1)
	loopUnpackBytes(u2, b.mask)
	bo1, bo2 := make([]bool, n), make([]bool, n)
	b.mask.Bools(bo1)
	loopUnpackBools(bo2, b.mask)
	f1, f2 := make([]float32, n), make([]float32, n)
	b.mask.Float32s(f1)
	loopUnpackFloat32s(f2, b.mask)
	if !slices.Equal(u1, u2) || !slices.Equal(bo1, bo2) || !slices.Equal(f1, f2) || !slices.Equal(bo1, b.boolMask) {
		t.Fatal("unpack loops differ from Mask.Bytes/Bools/Float32s")
	}
	m1, m2 := make(dropout.Mask, dropout.MaskLen(n)), make(dropout.Mask, dropout.MaskLen(n))
	for _, c := range []struct {
		name      string
		lib, loop func(m dropout.Mask)
	}{
		{"bytes", func(m dropout.Mask) { m.SetBytes(e.bytes) }, func(m dropout.Mask) { loopPack(m, e.bytes) }},
		{"bools", func(m dropout.Mask) { m.SetBools(b.boolMask) }, func(m dropout.Mask) { loopPackBools(m, b.boolMask) }},
		{"float32s", func(m dropout.Mask) { m.SetFloat32s(e.f32) }, func(m dropout.Mask) { loopPack(m, e.f32) }},
	} {
		for i := range m1 {
			m1[i], m2[i] = ^uint64(0), ^uint64(0) // the packers must clear
		}
		c.lib(m1)
		c.loop(m2)
		if !slices.Equal(m1, m2) || !slices.Equal(m1, b.mask) {
			t.Errorf("%s: pack loop and Mask method differ", c.name)
		}
	}
}

func TestOpsFlag(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.ops, classicOps) {
		t.Errorf("default -ops = %v, want the classic three", cfg.ops)
	}
	if !slices.Equal(cfg.parSizes, []int{262144, 16777216}) {
		t.Errorf("default parallel sizes %v", cfg.parSizes)
	}
	cfg, err = parseFlags([]string{"-ops", "fused, mask,forward", "-sizes", "2048"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []op{opForward, opBiasDropoutAdd, opBiasBackward, opMaskUnpack, opMaskPack}; !slices.Equal(cfg.ops, want) {
		t.Errorf("-ops fused,mask,forward = %v, want %v", cfg.ops, want)
	}
	if cfg.parSizes != nil {
		t.Errorf("-sizes given: parallel sizes %v, want -sizes", cfg.parSizes)
	}
	if cfg, _ = parseFlags([]string{"-ops", "all"}); len(cfg.ops) != int(numOps) {
		t.Errorf("-ops all = %v", cfg.ops)
	}
	for _, bad := range []string{"fwd", ","} {
		if _, err := parseFlags([]string{"-ops", bad}); err == nil {
			t.Errorf("-ops %q accepted", bad)
		}
	}
}

// TestSubnormalInputs: the 10% rows get about 10% subnormal x and dy (and
// nothing else changes), the 0% rows the shared operands themselves.
func TestSubnormalInputs(t *testing.T) {
	const n = 100000
	defer releaseSub()
	b, x0, dy0 := subnormalOperands(n, 0)
	if &x0[0] != &b.x[0] || &dy0[0] != &b.dy[0] {
		t.Fatal("0%: not the shared operands")
	}
	_, x, dy := subnormalOperands(n, 10)
	for name, v := range map[string][]float32{"x": x, "dy": dy} {
		orig := b.x
		if name == "dy" {
			orig = b.dy
		}
		sub := 0
		for i, f := range v {
			bits := math.Float32bits(f)
			switch {
			case bits&0x7f800000 == 0 && bits&0x7fffff != 0:
				sub++
			case bits != math.Float32bits(orig[i]):
				t.Fatalf("%s[%d] = %v: neither subnormal nor the original %v", name, i, f, orig[i])
			}
		}
		if got := float64(sub) / n; got < 0.095 || got > 0.105 {
			t.Errorf("%s: %.4f subnormal, want 0.10", name, got)
		}
	}
	if _, x2, _ := subnormalOperands(n, 10); &x2[0] != &x[0] {
		t.Error("the 10% operands are not reused at the same size")
	}
}

// TestThreadClock: -clock thread measures this thread's CPU time: a sleep
// costs (almost) nothing, spinning costs its time.
func TestThreadClock(t *testing.T) {
	if !haveThreadClock {
		t.Skip("no per-thread CPU clock here")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cellClock = threadClock
	defer func() { cellClock = wallClock }()
	if d, _ := timed(1, func() { time.Sleep(20 * time.Millisecond) }); d > 5*time.Millisecond {
		t.Errorf("a 20 ms sleep took %v of thread CPU time", d)
	}
	// Spinning advances it (by 10 ms within 30 s of wall time, however
	// busy the machine).
	t0, w0 := cellClock(), time.Now()
	for cellClock()-t0 < 10*time.Millisecond {
		if time.Since(w0) > 30*time.Second {
			t.Fatalf("30 s of spinning: %v of thread CPU time", cellClock()-t0)
		}
	}
}
