package dropout

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Multi-core calls. Because element i draws from stream position Offset+i
// whatever the split, a call cut into chunks run on several goroutines gives
// the same output and mask bits as one call: chunks start at multiples of 64
// elements, so no two goroutines write the same mask word.

// parMin is the call length from which a Parallel Dropout splits a call: below
// it, handing chunks to other goroutines costs more than it saves. Measured
// on the 2-core x86-64 VM of bench/README.md with the AVX-512 kernels: a
// 32768-element Forward takes ~6 µs on one core; waking a parked worker and
// waiting for it costs a few µs.
const parMin = 1 << 15

// Parallel returns a copy of d whose calls of at least 32768 elements are cut
// into chunks run on up to workers goroutines (0 means GOMAXPROCS at the time
// of the call; 1 means no splitting). The results are bit-identical to
// d's for every worker count. The calling goroutine runs one chunk itself;
// the others go to a set of worker goroutines started on first use and
// reused by every later call, so a call allocates nothing.
func (d Dropout) Parallel(workers int) Dropout {
	switch {
	case workers < 0:
		panic(fmt.Sprintf("dropout: Dropout.Parallel: workers = %d is negative", workers))
	case workers == 0:
		d.par = -1
	case workers == 1:
		d.par = 0
	default:
		d.par = int32(min(workers, maxWorkers))
	}
	return d
}

// Workers returns how many goroutines a large call may use: 1 for a Dropout
// that is not Parallel.
func (d Dropout) Workers() int {
	switch {
	case d.par < 0:
		return runtime.GOMAXPROCS(0)
	case d.par == 0:
		return 1
	}
	return int(d.par)
}

const maxWorkers = 256

type opKind uint8

const (
	opForward opKind = iota
	opBackward
	opBackwardKey
	opInfer
	opDropoutAdd
	opBiasDropoutAdd
)

// task is one chunk of a call, run by a worker.
type task struct {
	op   opKind
	d    Dropout // serial
	o    operands
	key  Key
	done chan struct{} // receives one value when the chunk is done
}

func (t *task) run() {
	switch t.op {
	case opForward, opBackwardKey, opDropoutAdd, opBiasDropoutAdd:
		t.d.stream(t.o, t.key)
	case opBackward:
		t.d.backward(t.o.y, t.o.x, t.o.mask)
	case opInfer:
		t.d.infer(t.o.y, t.o.x)
	}
}

var (
	workQueue   = make(chan task, maxWorkers)
	workerCount atomic.Int32
	workerMu    sync.Mutex
	// doneChans recycles the per-call completion channels (a sync.Pool
	// would drop them at every GC and allocate again).
	doneChans = make(chan chan struct{}, maxWorkers)
)

// ensureWorkers starts workers until at least k are running.
func ensureWorkers(k int) {
	if int(workerCount.Load()) >= k {
		return
	}
	workerMu.Lock()
	defer workerMu.Unlock()
	for int(workerCount.Load()) < k {
		go func() {
			for t := range workQueue {
				t.run()
				t.done <- struct{}{}
			}
		}()
		workerCount.Add(1)
	}
}

// split runs op over n elements, in chunks on several goroutines when d is
// Parallel and n is large enough, and reports whether it did; otherwise the
// caller runs the call itself. out is y or dx, in is x or dy.
func (d Dropout) split(op opKind, out, in, res, bias []float32, mask Mask, key Key) bool {
	n := len(in)
	if d.par == 0 || n < parMin {
		return false
	}
	w := min(d.Workers(), n/(parMin/2))
	if w < 2 {
		return false
	}
	chunk := ((n+w-1)/w + 63) &^ 63
	serial := d
	serial.par = 0
	ensureWorkers(w - 1)
	var done chan struct{}
	select {
	case done = <-doneChans:
	default:
		done = make(chan struct{}, maxWorkers)
	}
	// part is the chunk [lo, hi) as a task.
	part := func(lo, hi int) task {
		t := task{op: op, d: serial, key: Key{Seed: key.Seed, Offset: key.Offset + uint64(lo)}, done: done}
		t.o = operands{y: out[lo:hi], x: in[lo:hi], bias: bias}
		if res != nil {
			t.o.res = res[lo:hi]
		}
		if bias != nil {
			t.o.biasOff = lo % len(bias)
		}
		if mask != nil {
			t.o.mask = mask[lo/64 : MaskLen(hi)]
		}
		return t
	}
	sent := 0
	for lo := chunk; lo < n; lo += chunk {
		workQueue <- part(lo, min(lo+chunk, n))
		sent++
	}
	first := part(0, chunk)
	first.run()
	for ; sent > 0; sent-- {
		<-done
	}
	select {
	case doneChans <- done:
	default:
	}
	return true
}
