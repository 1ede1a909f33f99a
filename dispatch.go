package dropout

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// kernels is one implementation path. Its operations dispatch with a switch
// on id to direct calls (never through function values, which would make
// every lane state and buffer escape to the heap): id 0 is the generic path,
// other ids belong to the architecture file, which defines the arch*
// functions. The stream kernels (fwd, draws) start at lane 0 of the state's
// current step and take lengths that are multiples of 64; bwd takes a
// multiple of 64 elements and their mask words; scale and skip take any
// length. Every path must give exactly the bits of the generic kernels in
// kernel_generic.go.
type kernels struct {
	name string
	id   int // 0: generic; otherwise an architecture path
	// ntMin is the call length from which the non-temporal hint is set
	// (the data cannot stay in cache anyway); 0 means never.
	ntMin int
	// fused: the architecture file implements archFwdAdd and archAdd;
	// otherwise those two operations run the generic kernels (the same
	// bits, only slower).
	fused bool
	// vseed: the architecture file implements archSeed (seedBlock in
	// vector registers); otherwise the Go seedBlock runs.
	vseed bool
	// masks: the architecture file implements the mask conversions
	// (archUnpack8, archPack8, archUnpack32, archPack32); otherwise the
	// generic ones run.
	masks bool
}

// seed sets st to block blk's lanes at step 0, as lanes.seedBlock.
func (k *kernels) seed(st *lanes, base, blk uint64) {
	if k.id == 0 || !k.vseed {
		st.seedBlock(base, blk)
		return
	}
	archSeed(k.id, st, base, blk)
}

// fwd: y[i] = x[i]*(u_i >= thr ? scale : 0), keep bits to bits unless nil;
// st advances len(x)/16 steps. nt asks for non-temporal stores of y.
func (k *kernels) fwd(st *lanes, y, x []float32, bits []uint64, thr uint32, scale float32, nt bool) {
	if k.id == 0 {
		fwdGeneric(st, y, x, bits, thr, scale)
		return
	}
	archFwd(k.id, st, y, x, bits, thr, scale, nt)
}

// fwdAdd: y[i] = res[i] + float32(x[i]*(u_i >= thr ? scale : 0)), the
// product rounded to float32 before the add (never a fused multiply-add);
// keep bits to bits unless nil; st advances len(x)/16 steps. y may be x or
// res (exactly): the kernel must not read an element after writing it.
func (k *kernels) fwdAdd(st *lanes, y, x, res []float32, bits []uint64, thr uint32, scale float32, nt bool) {
	if k.id == 0 || !k.fused {
		fwdAddGeneric(st, y, x, res, bits, thr, scale)
		return
	}
	archFwdAdd(k.id, st, y, x, res, bits, thr, scale, nt)
}

// add: dst[i] = a[i] + b[i], any length; dst may be a or b.
func (k *kernels) add(dst, a, b []float32) {
	if k.id == 0 || !k.fused {
		addGeneric(dst, a, b)
		return
	}
	archAdd(k.id, dst, a, b)
}

// fence orders the non-temporal stores that the fwd and fwdAdd kernels of
// one stream call left unfenced (one SFENCE per call on amd64, not one per
// block); stream calls it at the end of every call made with nt set.
func (k *kernels) fence() {
	if k.id != 0 {
		archFence(k.id)
	}
}

// draws: u[i] = u_i; st advances len(u)/16 steps.
func (k *kernels) draws(st *lanes, u []uint32) {
	if k.id == 0 {
		drawsGeneric(st, u)
		return
	}
	archDraws(k.id, st, u)
}

// bwd: dx[i] = dy[i]*(bit i of words ? scale : 0).
func (k *kernels) bwd(dx, dy []float32, words []uint64, scale float32, nt bool) {
	if k.id == 0 {
		bwdGeneric(dx, dy, words, scale)
		return
	}
	archBwd(k.id, dx, dy, words, scale, nt)
}

// scale: y[i] = x[i]*a.
func (k *kernels) scale(y, x []float32, a float32, nt bool) {
	if k.id == 0 {
		scaleGeneric(y, x, a)
		return
	}
	archScale(k.id, y, x, a, nt)
}

// skip: advance every lane n steps.
func (k *kernels) skip(st *lanes, n int) {
	if k.id == 0 {
		st.skip(n)
		return
	}
	archSkip(k.id, st, n)
}

// unpack8: dst[i] = bit i of words as byte 0 or 1; len(dst) = 64*len(words).
func (k *kernels) unpack8(dst []uint8, words []uint64) {
	if k.id == 0 || !k.masks {
		unpack8Generic(dst, words)
		return
	}
	archUnpack8(k.id, dst, words)
}

// pack8: bit i of words = src[i] != 0; len(src) = 64*len(words).
func (k *kernels) pack8(words []uint64, src []uint8) {
	if k.id == 0 || !k.masks {
		pack8Generic(words, src)
		return
	}
	archPack8(k.id, words, src)
}

// unpack32: dst[i] = 1 or +0 from bit i of words; len(dst) = 64*len(words).
func (k *kernels) unpack32(dst []float32, words []uint64) {
	if k.id == 0 || !k.masks {
		unpack32Generic(dst, words)
		return
	}
	archUnpack32(k.id, dst, words)
}

// pack32: bit i of words = src[i] != 0 (NaN nonzero, -0 zero);
// len(src) = 64*len(words).
func (k *kernels) pack32(words []uint64, src []float32) {
	if k.id == 0 || !k.masks {
		pack32Generic(words, src)
		return
	}
	archPack32(k.id, words, src)
}

var genericKernels = kernels{name: "generic"}

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
