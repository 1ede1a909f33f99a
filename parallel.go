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

// Calls shorter than the active path's parMin are never split: below it,
// handing chunks to other goroutines costs more than it saves. Measured on
// the 2-vCPU x86-64 VM of bench/README.md (Forward with a mask, one worker
// against two):
//
//	n         generic          avx512
//	131072    225 → 165 µs     20 → 34 µs
//	262144    454 → 283 µs     52 → 87 µs
//	524288    954 → 530 µs     133 → 143 µs
//	1048576   1882 → 1012 µs   295 → 181 µs
//
// Scalar work scales; vector work does not until the data leaves the caches.
// Two goroutines doing independent AVX-512 work in L1 there take twice as
// long as one: the two vCPUs share one core's vector units. So the
// assembly paths split from 1M elements, the generic one from 32768.
const (
	parMinGeneric = 1 << 15
	parMinAsm     = 1 << 20
)

func parMin(k *kernels) int {
	if k.id == 0 {
		return parMinGeneric
	}
	return parMinAsm
}

// Parallel returns a copy of d whose large calls (from 32768 elements on the
// generic path, 1M on the assembly paths) are cut into chunks run on up to
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
	if d.par == 0 {
		return false
	}
	pm := parMin(active.Load())
	if n < pm {
		return false
	}
	w := min(d.Workers(), n/(pm/2))
	if w < 2 {
		return false
	}
	chunk := ((n+w-1)/w + 63) &^ 63
	serial := d
	serial.par = 0
	ensureWorkers(w)
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
	// Every chunk goes to a worker and the caller blocks at once. A woken
	// worker waits in the run-next slot of the caller's P, so a caller that
	// kept computing chunk 0 delayed it (measured: generic 262144 took 1.2x
	// less time on two workers that way, 1.6x less this way).
	sent := 0
	for lo := 0; lo < n; lo += chunk {
		workQueue <- part(lo, min(lo+chunk, n))
		sent++
	}
	for ; sent > 0; sent-- {
		<-done
	}
	select {
	case doneChans <- done:
	default:
	}
	return true
}
