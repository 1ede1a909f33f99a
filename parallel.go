package dropout

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Multi-core calls. Because element i draws from stream position Offset+i
// whatever the split, a call cut into chunks run on several goroutines gives
// the same output and mask bits as one call: chunks start at multiples of 64
// elements, so no two goroutines write the same mask word.

// Calls shorter than the active path's parMin are never split: below it,
// handing chunks to other goroutines costs more than it saves. On the
// 2-vCPU Intel VM of the measurements (bench/README.md, "Parallel
// thresholds"), two workers first beat one at 32768 elements on the generic
// path and at 262144 on the assembly paths, once idle workers poll for a
// while (nextTask): before that, waking a parked worker cost tens of
// microseconds a call.
const (
	parMinGeneric = 1 << 15
	parMinAsm     = 1 << 18
)

// Parallel returns a copy of d whose large calls (from 32768 elements on the
// generic path, 262144 on the assembly paths) are cut into chunks run on up to
// workers goroutines: 0 means GOMAXPROCS at the time of the call, 1 means no
// splitting. The results are bit-identical to d's for every worker count.
// The chunks go to a set of worker goroutines started on first use and
// reused by every later call, so a call allocates nothing.
func (d Dropout[T]) Parallel(workers int) Dropout[T] {
	switch {
	case workers < 0:
		panic(fmt.Sprintf("dropout: Dropout.Parallel: workers = %d is negative", workers))
	case workers == 0:
		d.c.par = -1
	case workers == 1:
		d.c.par = 0
	default:
		d.c.par = int32(min(workers, maxWorkers))
	}
	return d
}

// Workers returns how many goroutines a large call may use: 1 for a Dropout
// that is not Parallel, and at most 256.
func (d Dropout[T]) Workers() int { return d.c.workers() }

func (c config) workers() int {
	switch {
	case c.par < 0:
		return min(runtime.GOMAXPROCS(0), maxWorkers)
	case c.par == 0:
		return 1
	}
	return int(c.par)
}

// maxWorkers bounds the chunks of one call, and so the worker goroutines.
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

// task is one chunk of a call, run by a worker: its operands are o32 or,
// for a call on float64, o64 (a task is a plain value in the queue, so that
// handing it over allocates nothing).
type task struct {
	op   opKind
	wide bool   // the operands are o64
	c    config // serial
	o32  operands[float32]
	o64  operands[float64]
	key  Key
	call *call
}

// ops returns the task's operands of element type T.
func ops[T Float](t *task) *operands[T] {
	if wide[T]() {
		return (*operands[T])(unsafe.Pointer(&t.o64)) // T is float64
	}
	return (*operands[T])(unsafe.Pointer(&t.o32)) // T is float32
}

// call tracks the chunks of one split call. A worker never blocks on it:
// left counts the chunks not done, and the worker that finishes the last
// one sends the call's only value on done (capacity 1). So workers only
// ever wait for work, callers only for the queue or their own call, and no
// number of callers, chunks or GOMAXPROCS can deadlock them.
type call struct {
	left atomic.Int32
	done chan struct{}
}

func (t *task) run() {
	if t.wide {
		runTask(t, ops[float64](t))
	} else {
		runTask(t, ops[float32](t))
	}
}

func runTask[T Float](t *task, o *operands[T]) {
	switch t.op {
	case opForward, opBackwardKey, opDropoutAdd, opBiasDropoutAdd:
		stream(t.c, o, t.key)
	case opBackward:
		backward(t.c, o.y, o.x, o.mask)
	case opInfer:
		infer(t.c, o.y, o.x)
	}
}

var (
	workQueue   = make(chan task, maxWorkers)
	workerCount atomic.Int32
	workerMu    sync.Mutex
	// calls recycles the call records (a sync.Pool would drop them at
	// every GC and allocate again).
	calls = make(chan *call, maxWorkers)
)

// nextTask returns the next chunk, polling the queue (yielding to any other
// goroutine between polls) for spinFor before it blocks. A worker that
// blocks parks its thread, and on the VM of the measurements above waking
// it for the next call's chunk took tens of microseconds, which made a
// split call of 262144 elements on the generic path 1.5x faster than one
// worker instead of 1.9x. Like OpenMP's wait policy, this trades a little
// CPU after each parallel call for latency on back-to-back calls (a
// training step makes many).
func nextTask() task {
	deadline := time.Now().Add(spinFor)
	for time.Now().Before(deadline) {
		select {
		case t := <-workQueue:
			return t
		default:
			runtime.Gosched()
		}
	}
	return <-workQueue
}

// spinFor is how long an idle worker polls before it blocks.
const spinFor = 50 * time.Microsecond

// ensureWorkers starts workers until at least k are running.
func ensureWorkers(k int) {
	if int(workerCount.Load()) >= k {
		return
	}
	workerMu.Lock()
	defer workerMu.Unlock()
	for int(workerCount.Load()) < k {
		go func() {
			for {
				t := nextTask()
				t.run()
				if t.call.left.Add(-1) == 0 {
					t.call.done <- struct{}{} // the call's only send: never blocks
				}
			}
		}()
		workerCount.Add(1)
	}
}

// split runs op over n elements, in chunks on several goroutines when c is
// Parallel and n is large enough, and reports whether it did; otherwise the
// caller runs the call itself. out is y or dx, in is x or dy.
func split[T Float](c config, op opKind, out, in, res, bias []T, mask Mask, key Key) bool {
	return c.par != 0 && splitPar(c, op, out, in, res, bias, mask, key)
}

// splitPar is split for a Parallel c.
func splitPar[T Float](c config, op opKind, out, in, res, bias []T, mask Mask, key Key) bool {
	n := len(in)
	pm := active.Load().parMin
	if n < pm {
		return false
	}
	w := min(c.workers(), n/(pm/2), maxWorkers)
	if w < 2 {
		return false
	}
	chunk := ((n+w-1)/w + 63) &^ 63
	chunks := (n + chunk - 1) / chunk
	serial := c
	serial.par = 0
	ensureWorkers(chunks)
	var cl *call
	select {
	case cl = <-calls:
	default:
		cl = &call{done: make(chan struct{}, 1)}
	}
	cl.left.Store(int32(chunks))
	// part is the chunk [lo, hi) as a task.
	part := func(lo, hi int) task {
		t := task{op: op, wide: wide[T](), c: serial, key: Key{Seed: key.Seed, Offset: key.Offset + uint64(lo)}, call: cl}
		o := ops[T](&t)
		*o = operands[T]{y: out[lo:hi], x: in[lo:hi], bias: bias}
		if res != nil {
			o.res = res[lo:hi]
		}
		if bias != nil {
			o.biasOff = lo % len(bias)
		}
		if mask != nil {
			o.mask = mask[lo/64 : MaskLen(hi)]
		}
		return t
	}
	// Every chunk goes to a worker and the caller blocks at once. A woken
	// worker waits in the run-next slot of the caller's P, so a caller that
	// kept computing chunk 0 delayed it (measured: generic 262144 took 1.2x
	// less time on two workers that way, 1.6x less this way).
	for lo := 0; lo < n; lo += chunk {
		workQueue <- part(lo, min(lo+chunk, n))
	}
	<-cl.done
	select {
	case calls <- cl:
	default:
	}
	return true
}
