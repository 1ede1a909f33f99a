package dropout

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks: one sub-benchmark per path and size, named like
// BenchmarkForward/avx512/n=4096, with BenchmarkCopy/n=4096 beside them as
// the memory-bandwidth reference: compare ns/op of the same n. SetBytes
// counts the float32 bytes read plus written (8 per element), the same for
// every row, so MB/s compares directly with copy's.
//
// A plain `go test -bench .` is a quick look: the in-cache sizes of
// quickSizes only. The README table takes every size, with
// -dropout.full (make gobench passes it):
//
//	go test -run '^$' -bench . -args -dropout.full

var benchFull = flag.Bool("dropout.full", false, "benchmarks: every size (the README table, make gobench); without it n = 4096 and 262144 only")

// fullSizes are the sizes of the README table, quickSizes those of a plain
// go test -bench.
var (
	fullSizes  = []int{64, 1024, 4096, 262144, 16777216}
	quickSizes = []int{4096, 262144}
)

// benchSizes are the sizes of the per-path benchmarks: fullSizes under
// -dropout.full, else quickSizes.
func benchSizes() []int {
	if *benchFull {
		return fullSizes
	}
	return quickSizes
}

// benchN returns sizes under -dropout.full, else only the first of them:
// for benchmarks with their own sizes, so that a plain go test -bench
// stays quick.
func benchN(sizes ...int) []int {
	if *benchFull {
		return sizes
	}
	return sizes[:1]
}

type benchBufs struct {
	x, y []float32
	mask Mask
}

var benchData = map[int]*benchBufs{}

func bufs(n int) *benchBufs {
	if b, ok := benchData[n]; ok {
		return b
	}
	b := &benchBufs{x: make([]float32, n), y: make([]float32, n), mask: make(Mask, MaskLen(n))}
	r := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range b.x {
		b.x[i] = r.Float32()*2 - 1
	}
	for i := range b.mask {
		b.mask[i] = r.Uint64()
	}
	copy(b.y, b.x) // touch y's pages now, not in the first benchmark that writes it
	benchData[n] = b
	return b
}

// benchPaths runs body for every path and size as sub-benchmarks.
func benchPaths(b *testing.B, body func(b *testing.B, bf *benchBufs)) {
	for _, k := range available {
		for _, n := range benchSizes() {
			bf := bufs(n)
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				withPath(k, func() {
					b.SetBytes(int64(8 * n))
					b.ReportAllocs()
					for b.Loop() {
						body(b, bf)
					}
				})
			})
		}
	}
}

var benchInverted, _ = New[float32](0.5, Inverted)

func BenchmarkForward(b *testing.B) {
	benchPaths(b, func(b *testing.B, bf *benchBufs) { benchInverted.Forward(bf.y, bf.x, bf.mask, Key{Seed: 1}) })
}

func BenchmarkForwardNoMask(b *testing.B) {
	benchPaths(b, func(b *testing.B, bf *benchBufs) { benchInverted.Forward(bf.y, bf.x, nil, Key{Seed: 1}) })
}

func BenchmarkBackward(b *testing.B) {
	benchPaths(b, func(b *testing.B, bf *benchBufs) { benchInverted.Backward(bf.y, bf.x, bf.mask) })
}

func BenchmarkBackwardKey(b *testing.B) {
	benchPaths(b, func(b *testing.B, bf *benchBufs) { benchInverted.BackwardKey(bf.y, bf.x, Key{Seed: 1}) })
}

func BenchmarkInfer(b *testing.B) {
	d, _ := New[float32](0.5, Classic) // Inverted Infer is copy itself
	benchPaths(b, func(b *testing.B, bf *benchBufs) { d.Infer(bf.y, bf.x) })
}

// BenchmarkCopy is Go's copy() of the same slices: the memory-bandwidth
// reference every row above is compared with.
func BenchmarkCopy(b *testing.B) {
	for _, n := range benchSizes() {
		bf := bufs(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				copy(bf.y, bf.x)
			}
		})
	}
}

// BenchmarkNaive is the loop a user writes with math/rand/v2 (PCG, the
// fastest generator in the standard library, and the global ChaCha8
// functions), for the pure-Go Forward's speed-up over it.
func BenchmarkNaive(b *testing.B) {
	const p = 0.5
	for _, n := range benchN(4096, 262144) {
		bf := bufs(n)
		b.Run(fmt.Sprintf("pcg/n=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				for i := range bf.x {
					if r.Float32() > p {
						bf.y[i] = bf.x[i] * 2
					} else {
						bf.y[i] = 0
					}
				}
			}
		})
		b.Run(fmt.Sprintf("global/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				for i := range bf.x {
					if rand.Float32() > p {
						bf.y[i] = bf.x[i] * 2
					} else {
						bf.y[i] = 0
					}
				}
			}
		})
	}
}
