//go:build !linux

package main

import "time"

// Without /proc there is no portable way to read the machine's busy time
// or the load average: the header has no load line and the parallel group
// prints no "other processes" figure.

func loadAverage() string { return "" }

func machineBusy() (time.Duration, bool) { return 0, false }

func selfCPU() time.Duration { return 0 }

// -clock thread needs CLOCK_THREAD_CPUTIME_ID: Linux only here.
func threadClock() time.Duration { return 0 }

const haveThreadClock = false
