package dropout

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// kernels is one implementation path. The stream kernels (fwd, draws) start
// at lane 0 of the state's current step and take lengths that are multiples
// of 64; bwd takes a multiple of 64 elements and their mask words; scale and
// skip take any length. Each must give exactly the bits of the generic
// kernels in kernel_generic.go.
type kernels struct {
	name string
	// fwd: y[i] = x[i]*(u_i >= thr ? scale : 0); keep bits to bits unless nil.
	// nt asks for non-temporal stores of y: the whole call is at least ntMin
	// elements, too big to stay in cache.
	fwd func(st *lanes, y, x []float32, bits []uint64, thr uint32, scale float32, nt bool)
	// draws: u[i] = u_i.
	draws func(st *lanes, u []uint32)
	// bwd: dx[i] = dy[i]*(bit i of words ? scale : 0).
	bwd func(dx, dy []float32, words []uint64, scale float32, nt bool)
	// scale: y[i] = x[i]*a.
	scale func(y, x []float32, a float32, nt bool)
	// skip: advance every lane n steps.
	skip func(st *lanes, n int)
	// ntMin is the call length from which nt is set; 0 means never.
	ntMin int
}

var genericKernels = kernels{
	name:  "generic",
	fwd:   fwdGeneric,
	draws: drawsGeneric,
	bwd:   bwdGeneric,
	scale: scaleGeneric,
	skip:  (*lanes).skip,
}

// available lists the paths this CPU and build can run, best first; the
// generic path is always last. active holds the one in use.
var (
	available []*kernels
	active    atomic.Pointer[kernels]
)

func init() {
	disabled := map[string]bool{}
	for _, name := range strings.Split(os.Getenv("DROPOUT_DISABLE"), ",") {
		disabled[strings.TrimSpace(strings.ToLower(name))] = true
	}
	for _, k := range archKernels() {
		if !disabled[k.name] {
			available = append(available, k)
		}
	}
	available = append(available, &genericKernels)
	active.Store(available[0])
}

// Kernel returns the name of the path in use: "avx512", "avx2", "neon" or
// "generic". The best path the CPU supports is chosen once at start-up; the
// environment variable DROPOUT_DISABLE, a comma-separated list of path
// names read at start-up, turns paths off (DROPOUT_DISABLE=avx512,avx2
// leaves the generic path on amd64). Builds with the purego tag always use
// "generic".
func Kernel() string { return active.Load().name }

// Kernels returns the names of the paths this CPU and build can run, best
// first; "generic" is always last. Paths turned off by DROPOUT_DISABLE are
// not listed.
func Kernels() []string {
	names := make([]string, len(available))
	for i, k := range available {
		names[i] = k.name
	}
	return names
}

// UseKernel makes the named path, one of Kernels(), the one in use by every
// later call, and returns an error naming the available paths otherwise.
// Every path gives the same bits; this is for benchmarks and tests that
// compare them. Calls already running finish on the path they started with.
func UseKernel(name string) error {
	for _, k := range available {
		if k.name == name {
			active.Store(k)
			return nil
		}
	}
	return fmt.Errorf("dropout.UseKernel: %q is not available here; available: %s", name, strings.Join(Kernels(), ", "))
}
