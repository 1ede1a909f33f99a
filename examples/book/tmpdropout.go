package main

// TEMPORARY: a local stand-in for the float64 API of
// github.com/dropkernel/dropout (dropout.NewLayer[float64], Layer.Forward,
// Layer.Backward, dropout.Kernel), which is still being written on main.
// It is the book's Classic Dropout in plain Go drawing from math/rand/v2.
// DELETE this file when main has the generic API, and switch the three
// names below (tmpLayer, tmpNewLayer, tmpKernel) to the real package.

import (
	"errors"
	"math/rand/v2"
)

type tmpMode int

const tmpClassic tmpMode = 0

type tmpLayer struct {
	ratio float64
	rng   *rand.Rand
	mask  []bool
}

func tmpNewLayer(ratio float64, mode tmpMode, seed uint64) (*tmpLayer, error) {
	if ratio < 0 || ratio >= 1 || mode != tmpClassic {
		return nil, errors.New("tmpNewLayer: ratio must be in [0, 1), mode Classic")
	}
	return &tmpLayer{ratio: ratio, rng: rand.New(rand.NewPCG(seed, 0x5eed))}, nil
}

func (l *tmpLayer) Forward(y, x []float64, train bool) {
	if !train {
		for i, v := range x {
			y[i] = v * (1 - l.ratio)
		}
		return
	}
	if cap(l.mask) < len(x) {
		l.mask = make([]bool, len(x))
	}
	l.mask = l.mask[:len(x)]
	for i, v := range x {
		keep := l.rng.Float64() > l.ratio
		l.mask[i] = keep
		if keep {
			y[i] = v
		} else {
			y[i] = 0
		}
	}
}

func (l *tmpLayer) Backward(dx, dy []float64) {
	for i, v := range dy {
		if l.mask[i] {
			dx[i] = v
		} else {
			dx[i] = 0
		}
	}
}

func tmpKernel() string { return "stand-in (temporary)" }
