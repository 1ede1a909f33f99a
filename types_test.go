package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The keep bits depend only on the key and p, never on the element type
// (Float's doc): a framework can switch its dtype without changing its
// randomness. Everything else about the two types is tested once over both
// (forEachType); this file holds what compares one type with the other
// through the API (TestPathFwdSameStream, kernel_paths_test.go, does it
// for the fwd kernels themselves, lane state after a call included).

// keepMasks runs every op of a Dropout[T] that writes or regenerates keep
// bits over n elements of special inputs at key, and returns the masks by
// op: the ones written (over stale words, with one word more than
// MaskLen(n) that must stay untouched), and the ones BackwardKey and
// BackwardChannelsKey regenerate, read back as the nonzero elements of
// dx = 1 * factor. The channel ops use channels of one element and of
// three (the first n/3*3 elements: n/3 channels).
func keepMasks[T Float](d Dropout[T], r *rand.Rand, n int, key Key) map[string]Mask {
	x, res, y := specialInputs[T](r, n), specialInputs[T](r, n), make([]T, n)
	masks := map[string]Mask{}
	run := func(op string, bits int, f func(m Mask)) {
		m := filled(MaskLen(bits)+1, ^uint64(0))
		f(m)
		masks[op] = m
	}
	run("Forward", n, func(m Mask) { d.Forward(y, x, m, key) })
	run("Forward in place", n, func(m Mask) { copy(y, x); d.Forward(y, y, m, key) })
	run("DropoutAdd", n, func(m Mask) { d.DropoutAdd(y, x, res, m, key) })
	nb := n
	for _, c := range []int{7, 3, 2} {
		if n%c == 0 && n > 0 {
			nb = n / c
			break
		}
	}
	if n > 0 {
		run("BiasDropoutAdd", n, func(m Mask) { d.BiasDropoutAdd(y, x, specialInputs[T](r, nb), res, m, key) })
	}
	run("ForwardChannels size 1", n, func(m Mask) { d.ForwardChannels(y, x, 1, m, key) })
	c3 := n / 3
	run("ForwardChannels size 3", c3, func(m Mask) { d.ForwardChannels(y[:3*c3], x[:3*c3], 3, m, key) })
	ones := make([]T, n)
	for i := range ones {
		ones[i] = 1
	}
	run("BackwardKey", n, func(m Mask) {
		d.BackwardKey(y, ones, key)
		maskFromFloats(m, y)
	})
	run("BackwardChannelsKey size 3", c3, func(m Mask) {
		d.BackwardChannelsKey(y[:3*c3], ones[:3*c3], 3, key)
		dx := make([]T, c3) // one element per channel
		for c := range dx {
			dx[c] = y[3*c]
		}
		maskFromFloats(m, dx)
	})
	return masks
}

// TestKeepBitsSameAcrossTypes: for every op that writes or regenerates
// keep bits, a Dropout[float64] and a Dropout[float32] with the same p and
// mode give the same bits for the same key, on every path: lengths and
// offsets around mask words and stream blocks, the edge probabilities,
// both modes, serial and Parallel (a call long enough to be split).
func TestKeepBitsSameAcrossTypes(t *testing.T) {
	lens := []int{0, 1, 2, 63, 64, 65, 127, 128, 129, 1000, BlockSize - 1, BlockSize, BlockSize + 1, 2*BlockSize + 65}
	offsets := []uint64{0, 1, 63, 64, 65, BlockSize - 64, BlockSize - 1, BlockSize + 7, 1<<64 - 100}
	if testing.Short() {
		lens = []int{0, 1, 63, 65, 129, 1000, BlockSize + 1, 2*BlockSize + 65}
		offsets = []uint64{0, 1, 63, 64, BlockSize - 1, 1<<64 - 100}
	}
	r := rand.New(rand.NewPCG(71, 72))
	forEachPath(t, func(t *testing.T, k *path) {
		i := 0
		for _, n := range lens {
			for _, off := range offsets {
				p, mode := testPs[i%len(testPs)], Mode(i/len(testPs)%2)
				i++
				d32, _ := New[float32](p, mode)
				d64, _ := New[float64](p, mode)
				key := Key{Seed: uint64(n)*7 + off, Offset: off}
				sameOpMasks(t, fmt.Sprintf("%s n=%d off=%d p=%v %v", k.name, n, off, p, mode),
					keepMasks(d32, r, n, key), keepMasks(d64, r, n, key))
			}
		}
		n := k.parMin + 77
		key := Key{Seed: 5, Offset: BlockSize - 3}
		d32, _ := New[float32](0.3, Inverted)
		d64, _ := New[float64](0.3, Inverted)
		sameOpMasks(t, fmt.Sprintf("%s n=%d Parallel(3)", k.name, n),
			keepMasks(d32.Parallel(3), r, n, key), keepMasks(d64.Parallel(3), r, n, key))
	})
}

// sameOpMasks fails unless the float32 and float64 masks of every op are
// the same words, and every op on elements keeps what Forward keeps.
func sameOpMasks(t *testing.T, where string, m32, m64 map[string]Mask) {
	t.Helper()
	if len(m32) != len(m64) {
		t.Fatalf("%s: %d ops for float32, %d for float64", where, len(m32), len(m64))
	}
	for op, m := range m32 {
		sameMask(t, where+" "+op+": float64 against float32", m64[op], m)
		if op == "Forward in place" || op == "DropoutAdd" || op == "BiasDropoutAdd" ||
			op == "ForwardChannels size 1" || op == "BackwardKey" {
			sameMask(t, where+" "+op+" against Forward", m, m32["Forward"])
		}
	}
}
