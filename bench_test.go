package dropout

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Benchmarks: one sub-benchmark per dtype, path and size, named like
// BenchmarkForward/float64/avx2/n=131072, with BenchmarkCopy/float64/n=131072
// beside them as the memory-bandwidth reference: compare ns/op of the same
// dtype and n. Each row also reports xcopy, its time over that of as many
// copy() calls of the same slices run right after it. The sizes are bytes of x, the same for both types (1 MiB is
// 262144 float32 or 131072 float64 elements). SetBytes counts the bytes
// read plus written (2 elements of T per element: 8 for float32, 16 for
// float64), the same for every row of a dtype, so MB/s compares directly
// with copy's.
//
// A plain `go test -bench .` is a quick look: 16 KiB of x only (in cache).
// The README table takes every size, with -dropout.full (make gobench
// passes it):
//
//	go test -run '^$' -bench . -args -dropout.full

var benchFull = flag.Bool("dropout.full", false, "benchmarks: every size (the README table, make gobench); without it 16 KiB of x only (the per-path rows) or the first size of the others")

// fullBytes are the sizes of x of the README table, quickBytes those of a
// plain go test -bench: in bytes, so that both dtypes meet the same caches.
var (
	fullBytes  = []int{256, 4 << 10, 16 << 10, 1 << 20, 64 << 20}
	quickBytes = []int{16 << 10}
)

// benchBytes are the sizes of x of the per-path benchmarks: fullBytes
// under -dropout.full, else quickBytes.
func benchBytes() []int {
	if *benchFull {
		return fullBytes
	}
	return quickBytes
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

// benchOperands are the operands of the benchmarks of T at one size.
type benchOperands[T Float] struct {
	x, y []T
	mask Mask
}

// benchBufs are the float32 operands, bufs(n) those at n elements: the
// other benchmarks' operands.
type benchBufs = benchOperands[float32]

func bufs(n int) *benchBufs { return benchOperandsFor[float32](n) }

// benchData holds the operands by element size and n, made once.
var benchData = map[[2]int]any{}

// benchOperandsFor returns the operands of T for n elements: x uniform in
// [-1, 1), random mask bits, y touched.
func benchOperandsFor[T Float](n int) *benchOperands[T] {
	key := [2]int{elemSize[T](), n}
	if b, ok := benchData[key]; ok {
		return b.(*benchOperands[T])
	}
	b := &benchOperands[T]{x: make([]T, n), y: make([]T, n), mask: make(Mask, MaskLen(n))}
	r := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range b.x {
		b.x[i] = T(r.Float64()*2 - 1)
	}
	for i := range b.mask {
		b.mask[i] = r.Uint64()
	}
	copy(b.y, b.x) // touch y's pages now, not in the first benchmark that writes it
	benchData[key] = b
	return b
}

// elemSize is the bytes of a T.
func elemSize[T Float]() int {
	var z T
	if _, ok := any(z).(float64); ok {
		return 8
	}
	return 4
}

// benchPaths runs body for every path and size of x as sub-benchmarks
// named <dtype>/<path>/n=<elements>, switching paths with UseKernel (the
// public switch, as a user would) and restoring the active one.
func benchPaths[T Float](b *testing.B, body func(bf *benchOperands[T])) {
	saved := Kernel()
	defer UseKernel(saved)
	for _, k := range Kernels() {
		for _, bytes := range benchBytes() {
			n := bytes / elemSize[T]()
			bf := benchOperandsFor[T](n)
			b.Run(fmt.Sprintf("%s/%s/n=%d", typeName[T](), k, n), func(b *testing.B) {
				if err := UseKernel(k); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(2 * elemSize[T]() * n))
				b.ReportAllocs()
				for b.Loop() {
					body(bf)
				}
				b.ReportMetric(xcopy(b, bf.y, bf.x), "xcopy")
			})
		}
	}
}

// xcopy returns the time of b's loop over the time of as many copy(y, x)
// right after it (outside the timer): the row's ratio to copy() measured in
// the same second, where BenchmarkCopy's row ran minutes apart (make
// gobench runs every row's counts back to back, and at 64 MiB a shared
// machine's bandwidth moves by 10-20% over that time).
func xcopy[T Float](b *testing.B, y, x []T) float64 {
	t0 := time.Now()
	for range b.N {
		copy(y, x)
	}
	return float64(b.Elapsed()) / float64(time.Since(t0))
}

// benchTypes runs the float32 and the float64 benchmarks of a Dropout
// method: f makes the body from a Dropout[T] of p = 0.5 in mode.
func benchTypes(b *testing.B, mode Mode, f32 func(d Dropout[float32]) func(*benchOperands[float32]), f64 func(d Dropout[float64]) func(*benchOperands[float64])) {
	d32, _ := New[float32](0.5, mode)
	d64, _ := New[float64](0.5, mode)
	benchPaths(b, f32(d32))
	benchPaths(b, f64(d64))
}

// The bodies of the benchmarks, one generic function each, instantiated
// for both types.

func forwardBody[T Float](d Dropout[T]) func(*benchOperands[T]) {
	return func(bf *benchOperands[T]) { d.Forward(bf.y, bf.x, bf.mask, Key{Seed: 1}) }
}

func forwardNoMaskBody[T Float](d Dropout[T]) func(*benchOperands[T]) {
	return func(bf *benchOperands[T]) { d.Forward(bf.y, bf.x, nil, Key{Seed: 1}) }
}

func backwardBody[T Float](d Dropout[T]) func(*benchOperands[T]) {
	return func(bf *benchOperands[T]) { d.Backward(bf.y, bf.x, bf.mask) }
}

func backwardKeyBody[T Float](d Dropout[T]) func(*benchOperands[T]) {
	return func(bf *benchOperands[T]) { d.BackwardKey(bf.y, bf.x, Key{Seed: 1}) }
}

func inferBody[T Float](d Dropout[T]) func(*benchOperands[T]) {
	return func(bf *benchOperands[T]) { d.Infer(bf.y, bf.x) }
}

func BenchmarkForward(b *testing.B) {
	benchTypes(b, Inverted, forwardBody[float32], forwardBody[float64])
}

func BenchmarkForwardNoMask(b *testing.B) {
	benchTypes(b, Inverted, forwardNoMaskBody[float32], forwardNoMaskBody[float64])
}

func BenchmarkBackward(b *testing.B) {
	benchTypes(b, Inverted, backwardBody[float32], backwardBody[float64])
}

func BenchmarkBackwardKey(b *testing.B) {
	benchTypes(b, Inverted, backwardKeyBody[float32], backwardKeyBody[float64])
}

// BenchmarkInfer is Classic Infer, y = x*(1-p) (Inverted Infer is copy
// itself).
func BenchmarkInfer(b *testing.B) {
	benchTypes(b, Classic, inferBody[float32], inferBody[float64])
}

// BenchmarkCopy is Go's copy() of the same slices: the memory-bandwidth
// reference every row above is compared with, per dtype and size.
func BenchmarkCopy(b *testing.B) {
	benchCopy[float32](b)
	benchCopy[float64](b)
}

func benchCopy[T Float](b *testing.B) {
	for _, bytes := range benchBytes() {
		n := bytes / elemSize[T]()
		bf := benchOperandsFor[T](n)
		b.Run(fmt.Sprintf("%s/n=%d", typeName[T](), n), func(b *testing.B) {
			b.SetBytes(int64(2 * elemSize[T]() * n))
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
