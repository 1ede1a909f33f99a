package main

import (
	"time"

	"github.com/dropkernel/dropout"
	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"
)

// spagoRow is github.com/nlpodyssey/spago's ag.Dropout on an n x 1 matrix
// of T (mat.Dense is generic over float32 and float64) that requires
// gradients:
//
//   - Forward: y := ag.Dropout(x, p) (the operator runs synchronously);
//   - Backward: y.AccGrad(dy); ag.Backward(y), after an untimed forward,
//     then x.ZeroGrad() (untimed), so that every call starts alike; n/a
//     with -clock thread, since ag.Backward runs each operator's backward
//     on a goroutine of its own, which the thread clock does not see;
//   - Infer: n/a: there is no inference mode (users leave Dropout out, or
//     pass p = 0, which returns x itself).
func spagoRow[T dropout.Float](cfg config) row {
	p := cfg.p
	return row{
		name:    "spago",
		release: releaseShared,
		prepare: func(n int) (*prepared, error) {
			na := ""
			if cfg.clock == "thread" {
				// The clock would see only the caller's share.
				na = "-clock thread: ag.Backward runs each operator's backward on a goroutine of its own (go o.executeBackward); use -clock wall"
			}
			b := sharedBufs[T](n)
			x := mat.NewDense[T](mat.WithBacking(b.x), mat.WithShape(n, 1), mat.WithGrad(true))
			dy := mat.NewDense[T](mat.WithBacking(b.dy), mat.WithShape(n, 1))
			return &prepared{
				cells: [numOps]cell{
					func(k int) (time.Duration, error) {
						return timed(k, func() { _ = ag.Dropout(x, p) })
					},
					func(k int) (time.Duration, error) {
						var t time.Duration
						for range k {
							y := ag.Dropout(x, p)
							t0 := cellClock()
							y.AccGrad(dy)
							err := ag.Backward(y)
							t += (cellClock() - t0)
							if err != nil {
								return 0, err
							}
							x.ZeroGrad()
						}
						return t, nil
					},
				},
				na: [numOps]string{opInfer: "no inference mode (identity)", opBackward: na},
			}, nil
		},
	}
}
