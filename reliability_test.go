package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Reliability: no call can deadlock, hold a stop-the-world request for long,
// or change state when it panics.

// TestParallelManyProcs: with GOMAXPROCS = 1024 and a parMin small enough
// for the most chunks a call can have, several callers share the workers;
// every call finishes (within a generous deadline) with the serial bits.
// Before the completion count, workers blocked on a full done channel while
// callers blocked on the full queue: with these sizes the old code
// deadlocked within seconds.
func TestParallelManyProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1024))
	n := 1 << 16
	callers, iters := 4, 20
	if testing.Short() {
		callers, iters = 3, 5
	}
	forEachPath(t, func(t *testing.T, k *path) {
		small := *k
		small.parMin = 128 // n/(parMin/2) = 1024 chunks asked for: the most a call gets
		withPath(&small, func() {
			d, _ := New[float32](0.5, Inverted)
			x := specialInputs(rand.New(rand.NewPCG(1, 2)), n)
			want := make([]float32, n)
			d.Forward(want, x, nil, Key{Seed: 1})
			dp := d.Parallel(0)
			if dp.Workers() != maxWorkers {
				t.Fatalf("Workers() = %d with GOMAXPROCS 1024, want %d", dp.Workers(), maxWorkers)
			}
			done := make(chan string, callers)
			for c := range callers {
				go func() {
					y := make([]float32, n)
					for range iters {
						dp.Forward(y, x, nil, Key{Seed: 1})
					}
					if j := firstDiff(y, want); j >= 0 {
						done <- fmt.Sprintf("caller %d: y[%d] differs from the serial call", c, j)
						return
					}
					done <- ""
				}()
			}
			deadline := time.After(2 * time.Minute)
			for range callers {
				select {
				case msg := <-done:
					if msg != "" {
						t.Error(msg)
					}
				case <-deadline:
					t.Fatal("Parallel calls with GOMAXPROCS = 1024 did not finish in 2 minutes: deadlock")
				}
			}
		})
	})
}

// firstDiff is the first index where a and b differ in bits (NaN as a
// class), or -1.
func firstDiff(a, b []float32) int {
	for i := range a {
		if !sameBits(a[i], b[i]) {
			return i
		}
	}
	return -1
}

// TestPiecesBounded: no kernel call, memclr or memmove of any op on any path
// gets more than pieceLen elements, so a stop-the-world request waits for
// one piece at most (Go cannot preempt assembly). Deterministic: the
// dispatch layer reports every kernel call to testHookPiece.
func TestPiecesBounded(t *testing.T) {
	n := 2*pieceLen + 100
	r := rand.New(rand.NewPCG(3, 4))
	x, y, res := specialInputs(r, n), make([]float32, n), specialInputs(r, n)
	bias := specialInputs(r, pieceLen+100) // rows longer than a piece
	n2 := 3 * len(bias)
	x2, y2 := specialInputs(r, n2), make([]float32, n2)
	m := make(Mask, MaskLen(n2))
	b8, u := make([]uint8, n), make([]uint32, n)
	classic, _ := New[float32](0.3, Classic)
	inverted, _ := New[float32](0.3, Inverted)
	forEachPath(t, func(t *testing.T, k *path) {
		var mu sync.Mutex
		largest := map[string]int{}
		testHookPiece = func(kernel string, c int) {
			mu.Lock()
			largest[kernel] = max(largest[kernel], c)
			mu.Unlock()
		}
		defer func() { testHookPiece = nil }()
		for _, d := range []Dropout[float32]{classic, inverted, inverted.Parallel(2)} {
			key := Key{Seed: 1, Offset: 37} // unaligned: the mask is cleared first
			d.Forward(y, x, m, key)
			d.Backward(y, x, m)
			d.BackwardKey(y, x, key)
			d.Infer(y, x)
			d.DropoutAdd(y, x, res, m, key)
			d.BiasDropoutAdd(y2, x2, bias, x2, m, key)
			d.BiasDropoutAddBackward(y2, bias, x2, m)
			d.BiasDropoutAddBackward(y2[:0], bias, x2[:0], m) // no rows: dbias cleared
			d.ForwardChannels(y, x, 1, m, key)
			d.ForwardChannels(y, x, n/4, m, key)
		}
		Draws(u, Key{Seed: 2})
		m.Bytes(b8)
		m.SetBytes(b8)
		m.Float32s(y)
		m.SetFloat32s(y)
		testHookPiece = nil
		for _, kernel := range []string{"seed", "skip", "fwd32", "fwdAdd32", "draws", "bwd32", "scale32", "add32", "copy", "clear",
			"unpack8", "pack8", "unpack32", "pack32"} {
			c, ok := largest[kernel]
			switch {
			case !ok:
				t.Errorf("%s: no call of the %s kernel was seen", k.name, kernel)
			case c > pieceLen:
				t.Errorf("%s: a call of the %s kernel got %d elements, more than pieceLen = %d", k.name, kernel, c, pieceLen)
			}
		}
	})
}

// BenchmarkSTWWait measures how long a stop-the-world request
// (runtime.ReadMemStats) waits while another goroutine runs each op over
// 2^24 elements (2^20 without -dropout.full) in a loop on the active path;
// it reports the median and the largest wait. Before the kernels were cut
// into pieces, the waits at 64 Mi elements were 27-29 ms for Backward,
// Infer and ForwardChannels on an Intel Xeon.
func BenchmarkSTWWait(b *testing.B) {
	n := 1 << 24
	if !*benchFull {
		n = 1 << 20
	}
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	m := make(Mask, MaskLen(n))
	u8 := make([]uint8, n)
	inv, _ := New[float32](0.5, Inverted)
	cla, _ := New[float32](0.5, Classic)
	key := Key{Seed: 1}
	ops := []struct {
		name string
		f    func()
	}{
		{"Forward", func() { inv.Forward(y, x, m, key) }},
		{"Backward", func() { inv.Backward(y, x, m) }},
		{"BackwardKey", func() { inv.BackwardKey(y, x, key) }},
		{"Infer", func() { cla.Infer(y, x) }},
		{"InferCopy", func() { inv.Infer(y, x) }},
		{"ForwardChannels", func() { inv.ForwardChannels(y, x, n/16, nil, key) }},
		{"MaskBytes", func() { m.Bytes(u8) }},
		{"MaskSetBytes", func() { m.SetBytes(u8) }},
	}
	for _, op := range ops {
		b.Run(op.name+"/"+Kernel(), func(b *testing.B) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						op.f()
					}
				}
			}()
			var waits []float64
			var ms runtime.MemStats
			for b.Loop() {
				time.Sleep(300 * time.Microsecond)
				t0 := time.Now()
				runtime.ReadMemStats(&ms)
				waits = append(waits, float64(time.Since(t0).Microseconds()))
			}
			close(stop)
			wg.Wait()
			sort.Float64s(waits)
			b.ReportMetric(waits[len(waits)/2], "p50-µs")
			b.ReportMetric(waits[len(waits)-1], "max-µs")
		})
	}
}

// TestFailedCallChangesNothing: a Layer.Forward that panics keeps the
// layer's mask, length and position; inference panics name Layer.Forward.
func TestFailedCallChangesNothing(t *testing.T) {
	l, _ := NewLayer[float32](0.5, Classic, 7)
	x := specialInputs(rand.New(rand.NewPCG(5, 6)), 300)
	y := make([]float32, 300)
	l.Forward(y, x, true)
	mask, key := slices.Clone(l.Mask()), l.Key()
	mustPanic(t, []string{"Layer.Forward", "len(y) = 299", "len(x) = 300"}, func() { l.Forward(y[:299], x, true) })
	mustPanic(t, []string{"Layer.Forward", "len(y) = 1", "len(x) = 1000"}, func() { l.Forward(y[:1], make([]float32, 1000), true) })
	buf := make([]float32, 400)
	mustPanic(t, []string{"Layer.Forward", "partly overlap"}, func() { l.Forward(buf[1:301], buf[:300], true) })
	if !slices.Equal(l.Mask(), mask) || l.Key() != key {
		t.Fatalf("a failed Forward changed the layer: mask %v, key %+v (was %+v)", !slices.Equal(l.Mask(), mask), l.Key(), key)
	}
	dx := make([]float32, 300)
	l.Backward(dx, x) // still the mask of the last good Forward
	want := make([]float32, 300)
	l.Dropout().Backward(want, x, mask)
	sameF32(t, "Backward after a failed Forward", dx, want)
	mustPanic(t, []string{"Layer.Forward", "len(y) = 299"}, func() { l.Forward(y[:299], x, false) })
	mustPanic(t, []string{"Layer.Backward", "len(dx) = 299", "len(dy) = 300"}, func() { l.Backward(dx[:299], x) })
	l.Forward(y[:1], x[:1], true)
	mustPanic(t, []string{"Layer.Backward", "len(dy) = 2", "had 1 element"}, func() { l.Backward(dx[:2], x[:2]) })
}

// TestZeroLayer: the zero Layer[float32] is the identity (p = 0, Classic, seed 0),
// and like any Layer[float32] it panics on Backward before a training Forward.
func TestZeroLayer(t *testing.T) {
	var l Layer[float32]
	mustPanic(t, []string{"Layer.Backward", "no training Forward"}, func() { l.Backward(nil, nil) })
	if l.Mask() != nil || l.Key() != (Key{}) {
		t.Fatalf("zero Layer[float32]: mask %v key %+v", l.Mask(), l.Key())
	}
	x := specialInputs(rand.New(rand.NewPCG(7, 8)), 100)
	y := make([]float32, 100)
	l.Forward(y, x, true)
	sameF32(t, "zero Layer[float32] Forward", y, x)
	if l.Mask().Count(100) != 100 || l.Key().Offset != 100 {
		t.Fatalf("zero Layer[float32] kept %d of 100, position %d", l.Mask().Count(100), l.Key().Offset)
	}
	l.Backward(y, x)
	sameF32(t, "zero Layer[float32] Backward", y, x)
	l.Reseed(9)
	if l.Key() != (Key{Seed: 9}) || l.Mask().Count(100) != 100 {
		t.Fatalf("Reseed: key %+v", l.Key())
	}
}

// TestOverlapRules: outputs may alias an input only as the docs allow.
func TestOverlapRules(t *testing.T) {
	d, _ := New[float32](0.5, Inverted)
	buf := make([]float32, 1000)
	for i := range buf {
		buf[i] = float32(i%13) + 0.5
	}
	k := Key{}
	x, res := buf[:100], buf[100:200]
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "y and bias overlap"}, func() { d.BiasDropoutAdd(buf[300:400], x, buf[390:400], res, nil, k) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "y and bias overlap"}, func() { d.BiasDropoutAdd(x, x, x[:10], res, nil, k) })
	mustPanic(t, []string{"Dropout.BiasDropoutAdd", "y and residual partly overlap"}, func() { d.BiasDropoutAdd(buf[300:400], x, buf[500:510], buf[301:401], nil, k) })
	mustPanic(t, []string{"Dropout.BiasDropoutAddBackward", "dbias and dx overlap"}, func() {
		d.BiasDropoutAddBackward(buf[300:400], buf[395:405], x, make(Mask, 2))
	})
	mustPanic(t, []string{"Dropout.BiasDropoutAddBackwardKey", "dbias and dy overlap"}, func() {
		d.BiasDropoutAddBackwardKey(buf[300:400], x[:10], x, k)
	})
	mustPanic(t, []string{"Dropout.DropoutAdd", "y and residual partly overlap", "1 element after"}, func() { d.DropoutAdd(buf[101:201], x, res, nil, k) })
	// Allowed: y = x, y = residual, dx = dy, and bias/dbias apart.
	before := slices.Clone(buf)
	d.BiasDropoutAdd(x, x, buf[500:510], res, nil, k)
	d.BiasDropoutAdd(res, x, buf[500:510], res, nil, k)
	d.BiasDropoutAddBackward(x, buf[500:510], x, make(Mask, 2))
	if slices.Equal(before, buf) {
		t.Fatal("the allowed aliasing calls wrote nothing")
	}
}

// TestMessages: the size and plural wording of the panics, and MaskLen for
// every n up to math.MaxInt.
func TestMessages(t *testing.T) {
	if got, want := MaskLen(math.MaxInt), math.MaxInt/64+1; got != want {
		t.Fatalf("MaskLen(MaxInt) = %d, want %d", got, want)
	}
	for _, n := range []int{0, 1, 63, 64, 65, 127, 128, math.MaxInt - 63, math.MaxInt - 64} {
		if got, want := MaskLen(n), int((uint64(n)+63)/64); got != want {
			t.Fatalf("MaskLen(%d) = %d, want %d", n, got, want)
		}
	}
	mustPanic(t, []string{"dropout: MaskLen: n = -1 is negative"}, func() { MaskLen(-1) })
	mustPanic(t, []string{"dropout: Mask.Count", "len(mask) = 1", "MaskLen(9223372036854775807)"}, func() { make(Mask, 1).Count(math.MaxInt) })
	mustPanic(t, []string{"dropout: Mask.Count", "need MaskLen(65) = 2 words"}, func() { make(Mask, 1).Count(65) })
	mustPanic(t, []string{"dropout: Mask.Bools", "need MaskLen(1) = 1 word"}, func() { Mask{}.Bools(make([]bool, 1)) })
	d, _ := New[float32](0.5, Classic)
	buf := make([]float32, 10)
	mustPanic(t, []string{"y starts 1 element after x"}, func() { d.Forward(buf[1:5], buf[:4], nil, Key{}) })
	mustPanic(t, []string{"y starts 1 element before x"}, func() { d.Forward(buf[:4], buf[1:5], nil, Key{}) })
	mustPanic(t, []string{"Dropout.BackwardChannels", "size = -3", "at least 1 element"}, func() { d.BackwardChannels(buf, buf, -3, Mask{0}) })
	// Every panic message of the package starts with "dropout: ".
	for _, f := range []func(){
		func() { MaskLen(-5) },
		func() { d.Infer(buf[:3], buf[:4]) },
		func() { make(Mask, 1).Kept(64) },
		func() { d.Parallel(-1) },
		func() { (&Layer[float32]{}).Backward(nil, nil) },
	} {
		func() {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.HasPrefix(msg, "dropout: ") {
					t.Errorf("panic %q does not start with \"dropout: \"", msg)
				}
			}()
			f()
		}()
	}
}

// TestShards: data- and tensor-parallel training with Offset = the global
// element index gives, shard by shard, the bits of one call over the whole
// tensor, for any number of shards (Key's doc).
func TestShards(t *testing.T) {
	const rows, rowLen = 12, 1000
	n := rows * rowLen
	x := specialInputs(rand.New(rand.NewPCG(9, 10)), n)
	d, _ := New[float32](0.25, Inverted)
	for step := uint64(0); step < 3; step++ {
		key := Key{Seed: 42, Offset: step * uint64(n)}
		want := make([]float32, n)
		wantM := make(Mask, MaskLen(n))
		d.Forward(want, x, wantM, key)
		for _, shards := range []int{1, 2, 3, 4, 6, 12} {
			got := make([]float32, n)
			per := rows / shards * rowLen
			for s := range shards {
				lo := s * per
				m := make(Mask, MaskLen(per))
				d.Forward(got[lo:lo+per], x[lo:lo+per], m, Key{Seed: 42, Offset: step*uint64(n) + uint64(lo)})
				for i := range per {
					if m.Kept(i) != wantM.Kept(lo+i) {
						t.Fatalf("step %d, %d shards: keep bit %d of shard %d differs", step, shards, i, s)
					}
				}
			}
			sameF32(t, fmt.Sprintf("step %d, %d shards", step, shards), got, want)
		}
	}
}
