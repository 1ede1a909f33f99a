package dropout

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
// that is not Parallel, and at most 256.
func (d Dropout) Workers() int {
	switch {
	case d.par < 0:
		return min(runtime.GOMAXPROCS(0), maxWorkers)
	case d.par == 0:
		return 1
	}
	return int(d.par)
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

// task is one chunk of a call, run by a worker.
type task struct {
	op  opKind
	d   Dropout // serial
	o   operands
	key Key
	c   *call
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
				if t.c.left.Add(-1) == 0 {
					t.c.done <- struct{}{} // the call's only send: never blocks
				}
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
	if d.par == 0 {
		return false
	}
	pm := active.Load().parMin
	if n < pm {
		return false
	}
	w := min(d.Workers(), n/(pm/2), maxWorkers)
	if w < 2 {
		return false
	}
	chunk := ((n+w-1)/w + 63) &^ 63
	chunks := (n + chunk - 1) / chunk
	serial := d
	serial.par = 0
	ensureWorkers(chunks)
	var c *call
	select {
	case c = <-calls:
	default:
		c = &call{done: make(chan struct{}, 1)}
	}
	c.left.Store(int32(chunks))
	// part is the chunk [lo, hi) as a task.
	part := func(lo, hi int) task {
		t := task{op: op, d: serial, key: Key{Seed: key.Seed, Offset: key.Offset + uint64(lo)}, c: c}
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
	// Every chunk goes to a worker and the caller blocks at once. A woken
	// worker waits in the run-next slot of the caller's P, so a caller that
	// kept computing chunk 0 delayed it (measured: generic 262144 took 1.2x
	// less time on two workers that way, 1.6x less this way).
	for lo := 0; lo < n; lo += chunk {
		workQueue <- part(lo, min(lo+chunk, n))
	}
	<-c.done
	select {
	case calls <- c:
	default:
	}
	return true
}
