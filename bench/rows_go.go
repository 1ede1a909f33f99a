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

// timed runs f k times and returns the elapsed time.
func timed(k int, f func()) (time.Duration, error) {
	t0 := time.Now()
	for range k {
		f()
	}
	return time.Since(t0), nil
}

// goRows are the rows measured in this process with plain Go.
func goRows(cfg config) []row {
	p := cfg.p
	s := float32(1 / (1 - p)) // inverted scale, as in PyTorch
	inf := float32(1 - p)     // the book's inference factor
	var rows []row

	rows = append(rows, row{
		name: "copy",
		prepare: func(n int) (*prepared, error) {
			b := sharedBufs(n)
			c := func(k int) (time.Duration, error) { return timed(k, func() { copy(b.y, b.x) }) }
			return &prepared{cells: [numOps]cell{c, c, c}}, nil
		},
		release: releaseShared,
	})

	rows = append(rows, row{
		name: "scale",
		prepare: func(n int) (*prepared, error) {
			b := sharedBufs(n)
			c := func(k int) (time.Duration, error) {
				return timed(k, func() {
					y, x := b.y, b.x[:len(b.y)]
					for i := range y {
						y[i] = x[i] * inf
					}
				})
			}
			return &prepared{cells: [numOps]cell{c, c, c}}, nil
		},
		release: releaseShared,
	})

	for _, path := range dropout.Kernels() {
		rows = append(rows, row{
			name: "dropout/" + path,
			prepare: func(n int) (*prepared, error) {
				b := sharedBufs(n)
				inv, err := dropout.New(p, dropout.Inverted)
				if err != nil {
					return nil, err
				}
				// Classic for Infer: y = x*(1-p), the book's (and NumPy's)
				// inference; Inverted inference is copy() itself.
				cls, err := dropout.New(p, dropout.Classic)
				if err != nil {
					return nil, err
				}
				use := func() error { return dropout.UseKernel(path) }
				return &prepared{cells: [numOps]cell{
					func(k int) (time.Duration, error) {
						if err := use(); err != nil {
							return 0, err
						}
						return timed(k, func() {
							b.seed++
							inv.Forward(b.y, b.x, b.mask, dropout.Key{Seed: b.seed})
						})
					},
					func(k int) (time.Duration, error) {
						if err := use(); err != nil {
							return 0, err
						}
						return timed(k, func() { inv.Backward(b.dx, b.dy, b.mask) })
					},
					func(k int) (time.Duration, error) {
						if err := use(); err != nil {
							return 0, err
						}
						return timed(k, func() { cls.Infer(b.y, b.x) })
					},
				}}, nil
			},
			release: releaseShared,
		})
	}

	// With -threads > 1: the default path on that many goroutines
	// (Dropout.Parallel), to set against torch with as many threads.
	if cfg.threads > 1 {
		path := dropout.Kernels()[0]
		rows = append(rows, row{
			name: fmt.Sprintf("parallel/%s", path),
			prepare: func(n int) (*prepared, error) {
				b := sharedBufs(n)
				inv, err := dropout.New(p, dropout.Inverted)
				if err != nil {
					return nil, err
				}
				cls, err := dropout.New(p, dropout.Classic)
				if err != nil {
					return nil, err
				}
				inv, cls = inv.Parallel(cfg.threads), cls.Parallel(cfg.threads)
				use := func() error { return dropout.UseKernel(path) }
				return &prepared{cells: [numOps]cell{
					func(k int) (time.Duration, error) {
						if err := use(); err != nil {
							return 0, err
						}
						return timed(k, func() {
							b.seed++
							inv.Forward(b.y, b.x, b.mask, dropout.Key{Seed: b.seed})
						})
					},
					func(k int) (time.Duration, error) {
						if err := use(); err != nil {
							return 0, err
						}
						return timed(k, func() { inv.Backward(b.dx, b.dy, b.mask) })
					},
					func(k int) (time.Duration, error) {
						if err := use(); err != nil {
							return 0, err
						}
						return timed(k, func() { cls.Infer(b.y, b.x) })
					},
				}}, nil
			},
			release: releaseShared,
		})
	}

	naive := func(name string, src func() rand.Source) row {
		return row{
			name: "naive/" + name,
			prepare: func(n int) (*prepared, error) {
				b := sharedBufs(n)
				r := rand.New(src())
				p32 := float32(p)
				return &prepared{
					cells: [numOps]cell{
						func(k int) (time.Duration, error) {
							return timed(k, func() {
								y, x := b.y, b.x[:len(b.y)]
								for i := range y {
									if r.Float32() > p32 {
										y[i] = x[i] * s
									} else {
										y[i] = 0
									}
								}
							})
						},
						func(k int) (time.Duration, error) {
							return timed(k, func() {
								dx, dy, m := b.dx, b.dy[:len(b.dx)], b.boolMask[:len(b.dx)]
								for i := range dx {
									if m[i] {
										dx[i] = dy[i] * s
									} else {
										dx[i] = 0
									}
								}
							})
						},
					},
					na: [numOps]string{opInfer: "the scale row"},
				}, nil
			},
			release: releaseShared,
		}
	}
	rows = append(rows,
		naive("pcg", func() rand.Source { return rand.NewPCG(1, 2) }),
		naive("chacha8", func() rand.Source { return rand.NewChaCha8([32]byte{1}) }),
	)
	return rows
}

// checkPaths restores the default path after the rows switched paths.
func restorePath(name string) {
	if err := dropout.UseKernel(name); err != nil {
		panic(fmt.Sprint("bench: ", err))
	}
}
