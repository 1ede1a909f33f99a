package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dropkernel/dropout"
)

// bufs are the operands of the Go rows at one size, shared by them (the
// rows run one after the other, never at once).
type bufs struct {
	n        int
	x, y     []float32 // Forward and Infer: y = f(x)
	dy, dx   []float32 // Backward: dx = f(dy)
	mask     dropout.Mask
	boolMask []bool // the naive loops' mask, as a user stores it
	seed     uint64
}

var shared *bufs

// sharedBufs returns the operands for n elements, reusing them across rows.
func sharedBufs(n int) *bufs {
	if shared != nil && shared.n == n {
		return shared
	}
	shared = nil // let the previous size go before allocating the next
	b := &bufs{
		n: n, x: make([]float32, n), y: make([]float32, n),
		dy: make([]float32, n), dx: make([]float32, n),
		mask: make(dropout.Mask, dropout.MaskLen(n)), boolMask: make([]bool, n),
	}
	r := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range b.x {
		b.x[i] = r.Float32()*2 - 1
		b.dy[i] = r.Float32()*2 - 1
		b.boolMask[i] = r.Uint32()&1 == 1
	}
	shared = b
	return b
}

func releaseShared() { shared = nil }

// extraBufs are the operands of the -ops groups at one size, next to the
// shared ones.
type extraBufs struct {
	n     int
	bias  []float32    // rowLen elements
	dbias []float32    // rowLen elements: the bias gradient
	bytes []uint8      // a 0/1 byte mask
	f32   []float32    // a 0/1 float32 mask
	mask2 dropout.Mask // the pack destination
}

var sharedExtra *extraBufs

func extraFor(n int) (*bufs, *extraBufs) {
	b := sharedBufs(n)
	if sharedExtra != nil && sharedExtra.n == n {
		return b, sharedExtra
	}
	sharedExtra = nil
	e := &extraBufs{n: n, bias: make([]float32, rowLen), dbias: make([]float32, rowLen), bytes: make([]uint8, n), f32: make([]float32, n),
		mask2: make(dropout.Mask, dropout.MaskLen(n))}
	r := rand.New(rand.NewPCG(2, uint64(n)))
	for i := range e.bias {
		e.bias[i] = r.Float32()*2 - 1
	}
	for i, v := range b.boolMask {
		if v {
			e.bytes[i], e.f32[i] = 1, 1
		}
	}
	// The unpack source: the bits of boolMask.
	b.mask.SetBools(b.boolMask)
	sharedExtra = e
	return b, e
}

func releaseExtra() { shared, sharedExtra = nil, nil }

// cellClock is the clock of the cells: wall time (monotonic) by default;
// with -clock thread the CPU time of the calling thread (load_linux.go),
// which leaves out the time other processes hold the core.
var cellClock = wallClock

var clockStart = time.Now()

func wallClock() time.Duration { return time.Since(clockStart) }

// timed runs f k times and returns the elapsed time.
func timed(k int, f func()) (time.Duration, error) {
	t0 := cellClock()
	for range k {
		f()
	}
	return cellClock() - t0, nil
}

// restorePath switches back to the path that was in use before the rows
// switched paths.
func restorePath(name string) {
	if err := dropout.UseKernel(name); err != nil {
		panic(fmt.Sprint("bench: ", err))
	}
}
