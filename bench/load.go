package main

import (
	"math"
	"time"
)

// How busy other processes keep the CPUs during a group (the parallel
// group prints it under its tables). The counters are per system:
// load_linux.go reads /proc/stat and getrusage(2); elsewhere
// (load_other.go) there are none and the figure is not printed.

// loadMark is the CPU time of the whole machine and of this process at
// one moment.
type loadMark struct {
	t          time.Time
	busy, self time.Duration
	ok         bool
}

// startLoad marks the start of a group's measurements.
func startLoad() loadMark {
	busy, ok := machineBusy()
	return loadMark{t: time.Now(), busy: busy, self: selfCPU(), ok: ok}
}

// others returns how many CPUs other processes kept busy on average since
// m: (busy time of the machine - CPU time of this process) / wall time;
// NaN without /proc/stat.
func (m loadMark) others() float64 {
	busy, ok := machineBusy()
	wall := time.Since(m.t)
	if !m.ok || !ok || wall <= 0 {
		return math.NaN()
	}
	return max(0, float64(busy-m.busy-(selfCPU()-m.self))/float64(wall))
}
