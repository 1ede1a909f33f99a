// Command bench compares github.com/dropkernel/dropout with copy(), a plain
// Go loop, the naive math/rand/v2 loop, gorgonia, spago, NumPy and PyTorch
// on one core: ns per element, GB/s and the ratio to copy() for Forward,
// Backward and Infer, as a table on stdout and a log-log PNG plot.
//
// Run it from the repository root with
//
//	go -C bench run .
//
// See README.md in this directory for the flags and what each row is.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dropkernel/dropout"
	// Sets ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH before gorgonia's
	// go4.org/unsafe/assume-no-moving-gc checks it; see the package.
	"github.com/dropkernel/dropout/internal/gcenv"
	"github.com/klauspost/cpuid/v2"
)

// envInfo is the header of the table.
type envInfo struct {
	cpu, goVersion, goos, goarch string
	gomaxprocs                   int
	paths                        []string
	defaultPath                  string
	python                       string
	load                         string // /proc/loadavg at the start, when there is one
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if cfg.replot != "" {
		res, err := readTable(cfg.replot)
		if err == nil {
			err = res.writePlot(cfg.plot)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -replot:", err)
			os.Exit(1)
		}
		fmt.Printf("plot: %s (from %s, nothing measured)\n", cfg.plot, cfg.replot)
		return
	}
	if gcenv.Set {
		fmt.Fprintf(os.Stderr, "bench: set %s=%s for gorgonia's go4.org/unsafe/assume-no-moving-gc\n", gcenv.Var, gcenv.Want)
	}
	cfg.progress = os.Stderr
	rep := run(cfg)
	rep.writeTable(os.Stdout)
	if cfg.plot != "" {
		res := rep.part("classic")
		if res == nil {
			fmt.Printf("plot: none (only the Forward, Backward and Infer tables are plotted)\n")
			return
		}
		if err := res.writePlot(cfg.plot); err != nil {
			fmt.Fprintln(os.Stderr, "bench: plot:", err)
			os.Exit(1)
		}
		fmt.Printf("plot: %s\n", cfg.plot)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	sizes := fs.String("sizes", "4096,262144,16777216", "comma-separated element counts (the parallel group: 262144,16777216 unless given)")
	ops := fs.String("ops", "forward,backward,infer", "comma-separated ops or op groups: forward, backward, infer, classic, fused, channels, mask, parallel, subnormal, all")
	p := fs.Float64("p", 0.5, "drop probability")
	reps := fs.Int("reps", 9, "interleaved repetitions per cell (the median is reported)")
	minTime := fs.Duration("mintime", 10*time.Millisecond, "minimum time of one repetition of a cell (small sizes repeat the call)")
	threads := fs.Int("threads", 1, "threads of the multi-threaded peers (torch.set_num_threads, OMP/MKL/OpenBLAS) and GOMAXPROCS")
	peers := fs.String("peers", "all", "comma-separated rows or groups: copy, scale, dropout (or dropout/avx512, ...), parallel (with -threads > 1), naive (naive/pcg, naive/chacha8), gorgonia, spago, numpy, torch")
	python := fs.String("python", "/usr/bin/python3", "Python interpreter of the numpy and torch rows")
	plot := fs.String("plot", "throughput.png", "PNG plot of throughput vs size (\"\" for none); relative to the bench directory under go -C bench")
	clock := fs.String("clock", "wall", "clock of the cells: wall (elapsed time) or thread (CPU time of the measuring thread, Linux: leaves out the time other processes hold the core; one thread only)")
	replot := fs.String("replot", "", "measure nothing: draw -plot from the Forward, Backward and Infer tables of a previous run's output (e.g. results/table.txt)")
	quick := fs.Bool("quick", false, "quick look: -sizes 4096,262144 (parallel group: 262144) -reps 3 -mintime 2ms unless given")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["sizes"] {
			*sizes = "4096,262144"
		}
		if !set["reps"] {
			*reps = 3
		}
		if !set["mintime"] {
			*minTime = 2 * time.Millisecond
		}
	}
	cfg := config{p: *p, reps: *reps, minTime: *minTime, threads: *threads, python: *python, plot: *plot, replot: *replot, clock: *clock}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return config{}, fmt.Errorf("-sizes: %q is not a positive element count", s)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	if !set["sizes"] {
		cfg.parSizes = []int{262144, 16777216}
		if *quick {
			cfg.parSizes = []int{262144}
		}
	}
	var err error
	if cfg.ops, err = parseOps(*ops); err != nil {
		return config{}, err
	}
	if _, err := dropout.New[float32](cfg.p, dropout.Inverted); err != nil || cfg.p >= 1 {
		return config{}, fmt.Errorf("-p %v: need a probability in [0, 1)", cfg.p)
	}
	switch {
	case cfg.clock == "wall":
	case cfg.clock != "thread":
		return config{}, fmt.Errorf("-clock %q: wall or thread", cfg.clock)
	case !haveThreadClock:
		return config{}, fmt.Errorf("-clock thread: no per-thread CPU clock on %s", runtime.GOOS)
	case cfg.threads > 1 || slices.ContainsFunc(cfg.ops, func(o op) bool { return o == opParForward || o == opParBackward }):
		return config{}, fmt.Errorf("-clock thread measures one thread: not with -threads > 1 or -ops parallel")
	}
	if cfg.reps < 1 || cfg.threads < 1 {
		return config{}, fmt.Errorf("-reps and -threads must be at least 1")
	}
	for _, s := range strings.Split(*peers, ",") {
		if s = strings.TrimSpace(s); s != "" && s != "all" {
			cfg.peers = append(cfg.peers, s)
		}
	}
	return cfg, nil
}

// run measures the rows the config selects, op group after op group.
func run(cfg config) *report {
	start := time.Now()
	if cfg.clock == "thread" {
		// Every cell runs on this goroutine: keep it on one thread, whose
		// CPU time the cells read.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cellClock = threadClock
		defer func() { cellClock = wallClock }()
	}
	prevProcs := runtime.GOMAXPROCS(cfg.threads)
	defer runtime.GOMAXPROCS(prevProcs)
	defaultPath := dropout.Kernel()
	defer restorePath(defaultPath)

	env := envInfo{
		cpu:         cpuName(),
		goVersion:   runtime.Version(),
		goos:        runtime.GOOS,
		goarch:      runtime.GOARCH,
		gomaxprocs:  runtime.GOMAXPROCS(0),
		paths:       dropout.Kernels(),
		defaultPath: defaultPath,
	}
	env.load = loadAverage()
	rep := &report{cfg: cfg}
	var groups []group
	pyRows := false
	for _, g := range allGroups() {
		if ops := g.selected(&cfg); len(ops) > 0 {
			groups = append(groups, g)
			pyRows = pyRows || g.python
		}
	}
	var w *pyWorker
	var pyErr error
	if pyRows && (cfg.want("numpy") || cfg.want("torch")) {
		w, pyErr = startPython(cfg.python, cfg.p, cfg.threads, cfg.clock)
		if w != nil {
			defer w.close()
			env.python = w.desc
		} else {
			env.python = "skipped: " + pyErr.Error()
		}
	}
	for _, g := range groups {
		var sel []row
		for _, r := range g.rows(cfg, w, pyErr) {
			if cfg.want(r.name) {
				sel = append(sel, r)
			}
		}
		if len(sel) == 0 {
			continue
		}
		sizes := cfg.sizes
		if g.sizes != nil {
			sizes = g.sizes(cfg)
		}
		runtime.GOMAXPROCS(cfg.threads)
		if g.procs != nil {
			runtime.GOMAXPROCS(g.procs(cfg))
		}
		load := startLoad()
		res := measure(cfg, g.selected(&cfg), sizes, sel)
		if g.otherLoad {
			res.otherCores = load.others()
		}
		runtime.GOMAXPROCS(cfg.threads)
		res.group = g.name
		if g.notes != nil {
			res.notes = g.notes(res)
		}
		res.env = env
		rep.parts = append(rep.parts, res)
	}
	rep.env = env
	rep.wall = time.Since(start)
	for _, res := range rep.parts {
		res.wall = rep.wall
	}
	return rep
}

// part returns the result of the named op group, nil when it did not run.
func (rep *report) part(group string) *result {
	for _, res := range rep.parts {
		if res.group == group {
			return res
		}
	}
	return nil
}

// parseOps turns the -ops list into ops, in the order of the op list.
func parseOps(list string) ([]op, error) {
	groups := map[string][]op{
		"forward":   {opForward},
		"backward":  {opBackward},
		"infer":     {opInfer},
		"classic":   classicOps,
		"fused":     {opBiasDropoutAdd, opBiasBackward},
		"channels":  {opChannels, opChanBackward},
		"mask":      {opMaskUnpack, opMaskPack},
		"parallel":  {opParForward, opParBackward},
		"subnormal": {opSubForward, opSubBackward, opSubInfer},
	}
	sel := map[op]bool{}
	for _, s := range strings.Split(list, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == "":
		case s == "all":
			for o := range numOps {
				sel[o] = true
			}
		case groups[s] != nil:
			for _, o := range groups[s] {
				sel[o] = true
			}
		default:
			return nil, fmt.Errorf("-ops: unknown op %q (forward, backward, infer, classic, fused, channels, mask, parallel, subnormal, all)", s)
		}
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("-ops: no op selected")
	}
	var ops []op
	for o := range numOps {
		if sel[o] {
			ops = append(ops, o)
		}
	}
	return ops, nil
}

// cpuName is the CPU model with its family/model numbers and core count
// (virtual machines often report a generic brand string).
func cpuName() string {
	c := cpuid.CPU
	name := strings.TrimSpace(c.BrandName)
	if name == "" {
		name = "unknown CPU"
	}
	s := fmt.Sprintf("%s (%s family %d model %d", name, c.VendorString, c.Family, c.Model)
	if c.Cache.L2 > 0 {
		s += fmt.Sprintf(", L1d %d KiB, L2 %d KiB", c.Cache.L1D>>10, c.Cache.L2>>10)
	}
	if c.Cache.L3 > 0 {
		s += fmt.Sprintf(", L3 %d MiB", c.Cache.L3>>20)
	}
	return s + fmt.Sprintf(", %d logical CPUs)", runtime.NumCPU())
}
