package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dropkernel/dropout"
)

// bufs are the operands of the Go rows of one dtype at one size, shared by
// them (the rows run one after the other, never at once).
type bufs[T dropout.Float] struct {
	n        int
	x, y     []T // Forward and Infer: y = f(x)
	dy, dx   []T // Backward: dx = f(dy)
	mask     dropout.Mask
	boolMask []bool // the naive loops' mask, as a user stores it
	seed     uint64
}

// The shared operands of each dtype: at one size both exist, since the
// rows of both types are measured together (interleaved).
var (
	shared32 *bufs[float32]
	shared64 *bufs[float64]
)

// sharedBufs returns the operands of T for n elements, reusing them across
// rows.
func sharedBufs[T dropout.Float](n int) *bufs[T] {
	slot := byType[T](any(&shared32), any(&shared64)).(**bufs[T])
	if b := *slot; b != nil && b.n == n {
		return b
	}
	*slot = nil // let the previous size go before allocating the next
	b := &bufs[T]{
		n: n, x: make([]T, n), y: make([]T, n),
		dy: make([]T, n), dx: make([]T, n),
		mask: make(dropout.Mask, dropout.MaskLen(n)), boolMask: make([]bool, n),
	}
	r := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range b.x {
		b.x[i] = T(r.Float64()*2 - 1)
		b.dy[i] = T(r.Float64()*2 - 1)
		b.boolMask[i] = r.Uint32()&1 == 1
	}
	*slot = b
	return b
}

func releaseShared() { shared32, shared64 = nil, nil }

// extraBufs are the operands of the -ops groups of one dtype at one size,
// next to the shared ones.
type extraBufs[T dropout.Float] struct {
	n      int
	bias   []T          // rowLen elements
	dbias  []T          // rowLen elements: the bias gradient
	bytes  []uint8      // a 0/1 byte mask
	floats []T          // a 0/1 mask of T
	mask2  dropout.Mask // the pack destination
}

var (
	extra32 *extraBufs[float32]
	extra64 *extraBufs[float64]
)

func extraFor[T dropout.Float](n int) (*bufs[T], *extraBufs[T]) {
	b := sharedBufs[T](n)
	slot := byType[T](any(&extra32), any(&extra64)).(**extraBufs[T])
	if e := *slot; e != nil && e.n == n {
		return b, e
	}
	*slot = nil
	e := &extraBufs[T]{n: n, bias: make([]T, rowLen), dbias: make([]T, rowLen), bytes: make([]uint8, n), floats: make([]T, n),
		mask2: make(dropout.Mask, dropout.MaskLen(n))}
	r := rand.New(rand.NewPCG(2, uint64(n)))
	for i := range e.bias {
		e.bias[i] = T(r.Float64()*2 - 1)
	}
	for i, v := range b.boolMask {
		if v {
			e.bytes[i], e.floats[i] = 1, 1
		}
	}
	// The unpack source: the bits of boolMask.
	b.mask.SetBools(b.boolMask)
	*slot = e
	return b, e
}

func releaseExtra() { releaseShared(); extra32, extra64 = nil, nil }

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
