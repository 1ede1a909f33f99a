package main

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// readTable reads the classic tables (Forward, Backward, Infer, of every
// dtype) back from a table this program printed (results/table.txt):
// -replot draws the plot of a recorded run, so that a committed figure and
// its table are one measurement. Tables of the older format (headed
// "Forward", columns "n = 4096") are float32.
func readTable(path string) (*result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	res := &result{group: "classic", otherCores: math.NaN(), cfg: config{threads: 1}}
	header := regexp.MustCompile(`^p = ([0-9.]+), (\d+) interleaved repetitions.*threads = (\d+)(?:.*; clock (\w+))?`)
	goLine := regexp.MustCompile(`^Go:\s+(\S+) (\w+)/(\w+), GOMAXPROCS=(\d+)`)
	column := regexp.MustCompile(`^n = (\d+)`)
	var (
		cur   op = -1
		curD  dtype
		ns    [numTypes][]int // the element counts of each dtype's columns
		cells = map[[3]int][]string{}
		keys  [][3]int // op, row, dtype in the order read
	)
	for _, line := range strings.Split(string(b), "\n") {
		switch t := strings.TrimSpace(line); {
		case strings.HasPrefix(line, "CPU:"):
			res.env.cpu = strings.TrimSpace(strings.TrimPrefix(line, "CPU:"))
		case goLine.MatchString(line):
			m := goLine.FindStringSubmatch(line)
			res.env.goVersion, res.env.goos, res.env.goarch = m[1], m[2], m[3]
			res.env.gomaxprocs, _ = strconv.Atoi(m[4])
		case header.MatchString(line):
			m := header.FindStringSubmatch(line)
			res.cfg.p, _ = strconv.ParseFloat(m[1], 64)
			res.cfg.reps, _ = strconv.Atoi(m[2])
			res.cfg.threads, _ = strconv.Atoi(m[3])
			res.cfg.clock = m[4] // "" in the older format: wall
		case !strings.Contains(line, "|"):
			switch o, d := parseHeading(t); {
			case slices.Contains(classicOps, o):
				cur, curD = o, d
				if !slices.Contains(res.ops, o) {
					res.ops = append(res.ops, o)
				}
				if !slices.Contains(res.cfg.dtypes, d) {
					res.cfg.dtypes = append(res.cfg.dtypes, d)
				}
			case o >= 0:
				cur = -1 // the table of another op group
			}
		case cur < 0:
		default:
			parts := strings.Split(line, "|")
			name := strings.TrimSpace(parts[0])
			parts = parts[1:]
			switch name {
			case "":
				continue
			case "row":
				var sizes []int
				for _, c := range parts {
					m := column.FindStringSubmatch(strings.TrimSpace(c))
					if m == nil {
						return nil, fmt.Errorf("%s: bad size column %q", path, c)
					}
					n, _ := strconv.Atoi(m[1])
					sizes = append(sizes, n)
				}
				if ns[curD] == nil {
					ns[curD] = sizes
				} else if !slices.Equal(sizes, ns[curD]) {
					return nil, fmt.Errorf("%s: the %s tables have different sizes", path, curD)
				}
				continue
			}
			ri := -1
			for i, r := range res.rows {
				if r == name && res.types[i] == curD {
					ri = i
				}
			}
			if ri < 0 {
				ri = len(res.rows)
				res.rows = append(res.rows, name)
				res.types = append(res.types, curD)
				res.rowOps = append(res.rowOps, nil)
			}
			k := [3]int{int(cur), ri, int(curD)}
			if _, ok := cells[k]; !ok {
				keys = append(keys, k)
			}
			cells[k] = parts
		}
	}
	if len(res.ops) == 0 || len(res.rows) == 0 {
		return nil, fmt.Errorf("%s: no Forward, Backward or Infer table", path)
	}
	if res.sizes, err = columnSizes(ns); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for o := range numOps {
		res.ns[o] = make([][]float64, len(res.rows))
		res.status[o] = make([][]string, len(res.rows))
		for ri := range res.rows {
			res.ns[o][ri] = make([]float64, len(res.sizes))
			res.status[o][ri] = make([]string, len(res.sizes))
			for si := range res.sizes {
				res.ns[o][ri][si] = math.NaN()
			}
		}
	}
	for _, k := range keys {
		o, ri := op(k[0]), k[1]
		for si, c := range cells[k][:min(len(cells[k]), len(res.sizes))] {
			f := strings.Fields(c)
			if len(f) == 0 {
				continue
			}
			if v, err := strconv.ParseFloat(f[0], 64); err == nil {
				res.ns[o][ri][si] = v
			} else {
				res.status[o][ri][si] = strings.TrimSpace(c)
			}
		}
	}
	return res, nil
}

// columnSizes are the sizes of the columns, given the element counts of
// each dtype's tables: the same n in every dtype are element counts, else
// the same bytes of x are sizes in bytes.
func columnSizes(ns [numTypes][]int) ([]sizeSpec, error) {
	var ref []int
	var refD dtype
	for d, v := range ns {
		if v != nil {
			ref, refD = v, dtype(d)
			break
		}
	}
	same := func(bytes bool) bool {
		for d, v := range ns {
			if v == nil {
				continue
			}
			if len(v) != len(ref) {
				return false
			}
			for i := range v {
				if bytes && v[i]*dtype(d).size() != ref[i]*refD.size() || !bytes && v[i] != ref[i] {
					return false
				}
			}
		}
		return true
	}
	sizes := make([]sizeSpec, len(ref))
	switch {
	case same(false):
		for i, n := range ref {
			sizes[i] = sizeSpec{elems: n}
		}
	case same(true):
		for i, n := range ref {
			sizes[i] = sizeSpec{bytes: n * refD.size()}
		}
	default:
		return nil, fmt.Errorf("the float32 and float64 tables have neither the same n nor the same bytes in their columns")
	}
	return sizes, nil
}

// parseHeading reads a table's title: "Forward (float64)", or "Forward"
// (the older format: float32); the op is -1 when t is no title.
func parseHeading(t string) (op, dtype) {
	d := f32
	for dt := range numTypes {
		if s, ok := strings.CutSuffix(t, " ("+dt.String()+")"); ok {
			t, d = s, dt
		}
	}
	return opNamed(t), d
}

// opNamed is the op printed as name, -1 when there is none.
func opNamed(name string) op {
	for o := range numOps {
		if o.String() == name {
			return o
		}
	}
	return -1
}
