package main

import (
	"math/rand/v2"

	"github.com/dropkernel/dropout"
)

// classicGroup: Forward, Backward and Infer, the default tables, with
// every peer: the Go rows below, gorgonia (rows_gorgonia.go), spago
// (rows_spago.go), NumPy and PyTorch (python.go).
func classicGroup() group {
	return group{
		name: "classic", ops: classicOps, python: true,
		rows: func(cfg config, w *pyWorker, pyErr error) []row {
			rows := goRows(cfg)
			rows = append(rows, gorgoniaRow(cfg), spagoRow(cfg))
			if w != nil || pyErr != nil {
				rows = append(rows, pythonRows(cfg, w, pyErr)...)
			}
			return rows
		},
	}
}

// passes are this package's three classic calls at one size: Inverted
// Forward (a new seed every call) and Backward, and Classic Infer
// (y = x*(1-p), the book's and NumPy's inference; Inverted inference is
// copy() itself), on d and c (Parallel or not).
func passes(b *bufs, inv, cls dropout.Dropout[float32]) *calls {
	return &calls{f: [numOps]func(){
		opForward: func() {
			b.seed++
			inv.Forward(b.y, b.x, b.mask, dropout.Key{Seed: b.seed})
		},
		opBackward: func() { inv.Backward(b.dx, b.dy, b.mask) },
		opInfer:    func() { cls.Infer(b.y, b.x) },
	}}
}

// newPair is an Inverted and a Classic Dropout with drop probability p,
// on threads goroutines when threads > 1.
func newPair(p float64, threads int) (inv, cls dropout.Dropout[float32], err error) {
	if inv, err = dropout.New[float32](p, dropout.Inverted); err != nil {
		return
	}
	if cls, err = dropout.New[float32](p, dropout.Classic); err != nil {
		return
	}
	if threads > 1 {
		inv, cls = inv.Parallel(threads), cls.Parallel(threads)
	}
	return
}

// goRows are the rows measured in this process with plain Go.
func goRows(cfg config) []row {
	p := cfg.p
	s := float32(1 / (1 - p)) // inverted scale, as in PyTorch
	inf := float32(1 - p)     // the book's inference factor
	rows := []row{
		copyRow(classicOps, releaseShared),
		funcRow("scale", "", nil, releaseShared, func(n int) (*calls, error) {
			b := sharedBufs(n)
			f := func() { scaleLoop(b.y, b.x, inf) }
			return &calls{f: [numOps]func(){f, f, f}}, nil
		}),
	}
	rows = append(rows, perPath("dropout", nil, releaseShared, func(n int) (*calls, error) {
		inv, cls, err := newPair(p, 1)
		if err != nil {
			return nil, err
		}
		return passes(sharedBufs(n), inv, cls), nil
	})...)

	// With -threads > 1: the default path on that many goroutines
	// (Dropout.Parallel), to set against torch with as many threads.
	if cfg.threads > 1 {
		path := dropout.Kernels()[0]
		rows = append(rows, funcRow("parallel/"+path, path, nil, releaseShared, func(n int) (*calls, error) {
			inv, cls, err := newPair(p, cfg.threads)
			if err != nil {
				return nil, err
			}
			return passes(sharedBufs(n), inv, cls), nil
		}))
	}

	naive := func(name string, src func() rand.Source) row {
		return funcRow("naive/"+name, "", nil, releaseShared, func(n int) (*calls, error) {
			b := sharedBufs(n)
			r := rand.New(src())
			p32 := float32(p)
			return &calls{
				f: [numOps]func(){
					opForward: func() {
						y, x := b.y, b.x[:len(b.y)]
						for i := range y {
							if r.Float32() > p32 {
								y[i] = x[i] * s
							} else {
								y[i] = 0
							}
						}
					},
					opBackward: func() {
						dx, dy, m := b.dx, b.dy[:len(b.dx)], b.boolMask[:len(b.dx)]
						for i := range dx {
							if m[i] {
								dx[i] = dy[i] * s
							} else {
								dx[i] = 0
							}
						}
					},
				},
				na: [numOps]string{opInfer: "the scale row"},
			}, nil
		})
	}
	return append(rows,
		naive("pcg", func() rand.Source { return rand.NewPCG(1, 2) }),
		naive("chacha8", func() rand.Source { return rand.NewChaCha8([32]byte{1}) }),
	)
}

// scaleLoop is the plain Go loop y[i] = x[i] * a (the Go compiler does not
// vectorize it).
func scaleLoop(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] = x[i] * a
	}
}
