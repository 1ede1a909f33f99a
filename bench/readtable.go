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

// readTable reads the classic tables (Forward, Backward, Infer) back from
// a table this program printed (results/table.txt): -replot draws the plot
// of a recorded run, so that a committed figure and its table are one
// measurement.
func readTable(path string) (*result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	res := &result{group: "classic", otherCores: math.NaN(), cfg: config{threads: 1}}
	header := regexp.MustCompile(`^p = ([0-9.]+), (\d+) interleaved repetitions.*threads = (\d+)`)
	goLine := regexp.MustCompile(`^Go:\s+(\S+) (\w+)/(\w+), GOMAXPROCS=(\d+)`)
	var cur op = -1
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
		case slices.Contains(classicOps, opNamed(t)):
			cur = opNamed(t)
			res.ops = append(res.ops, cur)
		case cur < 0 || !strings.Contains(line, "|"):
		default:
			cells := strings.Split(line, "|")
			name := strings.TrimSpace(cells[0])
			cells = cells[1:]
			switch name {
			case "":
				continue
			case "row":
				var sizes []int
				for _, c := range cells {
					n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(c), "n = "))
					if err != nil {
						return nil, fmt.Errorf("%s: bad size column %q", path, c)
					}
					sizes = append(sizes, n)
				}
				if res.sizes == nil {
					res.sizes = sizes
				} else if !slices.Equal(sizes, res.sizes) {
					return nil, fmt.Errorf("%s: the tables have different sizes", path)
				}
				continue
			}
			ri := slices.Index(res.rows, name)
			if ri < 0 {
				ri = len(res.rows)
				res.rows = append(res.rows, name)
				res.rowOps = append(res.rowOps, nil)
				for o := range numOps {
					v := make([]float64, len(res.sizes))
					for i := range v {
						v[i] = math.NaN()
					}
					res.ns[o] = append(res.ns[o], v)
					res.status[o] = append(res.status[o], make([]string, len(res.sizes)))
				}
			}
			for si, c := range cells[:min(len(cells), len(res.sizes))] {
				f := strings.Fields(c)
				if len(f) == 0 {
					continue
				}
				if v, err := strconv.ParseFloat(f[0], 64); err == nil {
					res.ns[cur][ri][si] = v
				} else {
					res.status[cur][ri][si] = strings.TrimSpace(c)
				}
			}
		}
	}
	if len(res.ops) == 0 || len(res.rows) == 0 {
		return nil, fmt.Errorf("%s: no Forward, Backward or Infer table", path)
	}
	return res, nil
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
