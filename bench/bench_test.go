package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
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
		switch strings.TrimSpace(line) {
		case "Forward", "Backward", "Infer":
			cur = map[string]string{}
			sections[strings.TrimSpace(line)] = cur
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
	for _, o := range opNames {
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
	if err := res.writePlot(cfg.plot); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(cfg.plot); err != nil || fi.Size() < 1000 {
		t.Errorf("plot %s: %v", cfg.plot, err)
	}
	if got := dropout.Kernel(); got != dropout.Kernels()[0] {
		t.Errorf("the run left path %q in use, want the default %q", got, dropout.Kernels()[0])
	}
}

// TestSmokeNoPython: without an interpreter the numpy and torch rows are
// reported as skipped, with the reason, not dropped.
func TestSmokeNoPython(t *testing.T) {
	cfg := smokeConfig(t)
	cfg.sizes = []int{256}
	cfg.python = filepath.Join(t.TempDir(), "no-python3")
	cfg.peers = []string{"copy", "numpy", "torch"}
	res := run(cfg)
	var out bytes.Buffer
	res.writeTable(&out)
	sections := tableRows(out.String())
	for _, o := range opNames {
		for _, name := range []string{"numpy", "torch"} {
			if rest := sections[o][name]; !strings.Contains(rest, "skipped: no Python interpreter") {
				t.Errorf("%s/%s = %q, want skipped with the reason", o, name, rest)
			}
		}
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
	res := run(cfg)
	want := []string{"copy"}
	for _, k := range dropout.Kernels() {
		want = append(want, "dropout/"+k)
	}
	if strings.Join(res.rows, ",") != strings.Join(want, ",") {
		t.Errorf("rows %q, want %q", res.rows, want)
	}
	if res.env.python != "" {
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
	for _, bad := range [][]string{{"-p", "1"}, {"-p", "-0.1"}, {"-sizes", "0"}, {"-sizes", "x"}, {"-reps", "0"}, {"extra"}} {
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
	res := measure(cfg, rows)
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
	cfg := smokeConfig(t)
	cfg.sizes = []int{256}
	cfg.python = wrapper
	cfg.peers = []string{"copy", "numpy", "torch"}
	res := run(cfg)
	var out bytes.Buffer
	res.writeTable(&out)
	sections := tableRows(out.String())
	for _, o := range opNames {
		for _, name := range []string{"numpy", "torch"} {
			if rest := sections[o][name]; !strings.Contains(rest, "skipped: "+name+" does not import: No module named") {
				t.Errorf("%s/%s = %q, want skipped because it does not import", o, name, rest)
			}
		}
	}
}
