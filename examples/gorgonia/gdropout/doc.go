// Package gdropout is a drop-in replacement for gorgonia.Dropout (gorgonia
// v0.9.18) built on github.com/dropkernel/dropout: inverted dropout with a
// seed, a fresh mask every run and a correct gradient.
//
//	y, err := gdropout.Apply(x, 0.5, seed) // was: gorgonia.Dropout(x, 0.5)
//
// What differs from gorgonia.Dropout:
//
//   - The gradient is dy * mask / (1-p). gorgonia's is dy / p where y != 0:
//     scaled by 1/p instead of 1/(1-p), and zero for a kept element whose
//     input was 0.
//   - The mask comes from a seed: the same graph and seed give the same masks,
//     on every CPU and kernel path. Every forward execution advances the
//     op's stream position (dropout.Key.Offset) by the number of elements, so
//     every training step draws a new mask; the gradient regenerates the
//     mask of the latest forward execution from its key (BackwardKey): no
//     mask is stored between the passes.
//   - Two dropouts of the same node are two nodes with independent masks: the
//     op's hash holds its seed and start position. gorgonia's own Dropout
//     hashes alike for every call, so gorgonia merges them into one node.
//   - Inference (gorgonia.EvalMode() or SetTraining(false)) gives a copy of x.
//
// Float32 and Float64 graphs (gorgonia's default dtype is Float64) run
// dropout.Dropout[float32] and dropout.Dropout[float64], which draw the same
// keep bits for the same key: switching a graph's dtype does not change its
// masks. kernelFor in kernel.go is the one place a dtype picks a kernel.
//
// Importing this package sets ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH to the
// running Go's "goX.Y" (through the repository's internal/gcenv module, whose init runs
// before that of go4.org/unsafe/assume-no-moving-gc, which gorgonia imports
// and which panics on Go 1.19 and later without it), unless it is already
// set to that value.
package gdropout
