package gdropout

import (
	"errors"
	"fmt"

	"github.com/dropkernel/dropout"
	G "gorgonia.org/gorgonia"
)

// Apply returns inverted dropout of x with drop probability p, the
// replacement of gorgonia.Dropout(x, p) with a seed. The k-th gdropout op
// added to x's graph (k = 0, 1, ...) draws from the stream of
// StreamSeed(seed, k), from Offset 0, advancing by x's number of elements on
// every forward execution; the only (or first) dropout of a graph therefore
// draws exactly what dropout.NewLayer[float32](p, dropout.Inverted, seed) draws
// (Inverted mode). The same graph built the same way with the same seed gives
// the same masks; two dropouts of one node give different masks.
//
// x may be Float32 or Float64: both draw the same masks for the same seed.
// It returns an error for a scalar x, for another dtype, and for a bad p.
func Apply(x *G.Node, p float64, seed uint64) (*G.Node, error) {
	if x == nil || x.Graph() == nil {
		return nil, errors.New("gdropout: Apply of a nil node or a node without a graph")
	}
	if x.IsScalar() {
		return nil, fmt.Errorf("gdropout: Apply of scalar %v: dropout needs a tensor", x)
	}
	k := 0
	for _, n := range x.Graph().AllNodes() {
		if _, ok := n.Op().(*Op); ok {
			k++
		}
	}
	// A second try can only follow a 32-bit hash collision with an existing
	// dropout of x (gorgonia then returns the existing node): the op moves to
	// the next stream. A few tries are plenty.
	for try := 0; try < 8; try++ {
		op, err := New(p, dropout.Key{Seed: StreamSeed(seed, k)})
		if err != nil {
			return nil, err
		}
		if _, err := op.kernelFor(x.Dtype()); err != nil {
			return nil, err
		}
		y, err := G.ApplyOp(op, x)
		if err != nil {
			return nil, fmt.Errorf("gdropout: %w", err)
		}
		if y.Op() == G.Op(op) {
			return y, nil
		}
		k++
	}
	return nil, errors.New("gdropout: the graph merged every new dropout with an existing node")
}

// StreamSeed returns the seed of the k-th dropout of a graph built with
// Apply(x, p, seed): seed itself for k = 0, and seed XOR the k-th output of
// SplitMix64 started from 0 otherwise. Unlike seed+k, it does not give the
// second dropout of seed s the stream of the first dropout of seed s+1.
func StreamSeed(seed uint64, k int) uint64 {
	return seed ^ mix64(uint64(k)*0x9e3779b97f4a7c15)
}

// mix64 is SplitMix64's output function (mix64(0) = 0).
func mix64(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}
