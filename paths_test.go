package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// forEachPath runs f once per path this CPU and build can run (every entry
// of available, the generic path last) as a subtest named after the path
// (go test -run 'TestX/avx2' selects one), with that path active, and
// restores the active path afterwards.
func forEachPath(t *testing.T, f func(t *testing.T, k *path)) {
	t.Helper()
	for _, k := range available {
		t.Run(k.name, func(t *testing.T) {
			withPath(k, func() { f(t, k) })
		})
	}
}

// withPath runs f with k active and restores the active path.
func withPath(k *path, f func()) {
	saved := active.Load()
	defer active.Store(saved)
	active.Store(k)
	f()
}

// TestPathsAgainstGeneric: every assembly path against the generic one, bit
// for bit, for every n in 0..1100 at offsets 0..40 and around block
// boundaries, both modes, edge probabilities, special inputs, in place and
// not, every operation, for both element types.
func TestPathsAgainstGeneric(t *testing.T) {
	if len(available) == 1 {
		t.Skip("only the generic path here")
	}
	forEachType(t, testPathsAgainstGeneric[float32], testPathsAgainstGeneric[float64])
}

func testPathsAgainstGeneric[T Float](t *testing.T) {
	maxN, offStep := 1100, 1
	if testing.Short() {
		maxN, offStep = 300, 7
	}
	r := rand.New(rand.NewPCG(41, 42))
	x := specialInputs[T](r, maxN+1)
	res := specialInputs[T](r, maxN+1)
	ps := []float64{0, 1, 1e-9, 1 - 1e-9, 0.5, 0.1}
	var offsets []uint64
	for o := 0; o <= 40; o += offStep {
		offsets = append(offsets, uint64(o))
	}
	offsets = append(offsets, BlockSize-1, BlockSize-17, BlockSize-64, BlockSize-600, 7*BlockSize-333)
	type outs struct {
		y, yNoMask, yInPlace, dx, dxKey, inf, add []T
		u                                         []uint32
		m                                         Mask
	}
	// The outputs are allocated once and filled with garbage before each
	// call, which must overwrite all of it.
	alloc := func() outs {
		return outs{y: make([]T, maxN), yNoMask: make([]T, maxN), yInPlace: make([]T, maxN), dx: make([]T, maxN),
			dxKey: make([]T, maxN), inf: make([]T, maxN), add: make([]T, maxN), u: make([]uint32, maxN), m: make(Mask, MaskLen(maxN))}
	}
	want, got := alloc(), alloc()
	run := func(o *outs, d Dropout[T], n int, key Key) outs {
		c := outs{y: o.y[:n], yNoMask: o.yNoMask[:n], yInPlace: o.yInPlace[:n], dx: o.dx[:n], dxKey: o.dxKey[:n],
			inf: o.inf[:n], add: o.add[:n], u: o.u[:n], m: o.m[:MaskLen(n)]}
		garbage := pattern[T](0x5a) // what an element left unwritten would show
		for _, s := range [][]T{c.y, c.yNoMask, c.dx, c.dxKey, c.inf, c.add} {
			for i := range s {
				s[i] = garbage
			}
		}
		for i := range c.u {
			c.u[i] = 1 << 31
		}
		for i := range c.m {
			c.m[i] = ^uint64(0)
		}
		d.Forward(c.y, x[:n], c.m, key)
		d.Forward(c.yNoMask, x[:n], nil, key)
		copy(c.yInPlace, x[:n])
		d.Forward(c.yInPlace, c.yInPlace, nil, key)
		d.Backward(c.dx, res[:n], c.m)
		d.BackwardKey(c.dxKey, res[:n], key)
		d.Infer(c.inf, x[:n])
		d.DropoutAdd(c.add, x[:n], res[:n], nil, key)
		Draws(c.u, key)
		return c
	}
	for n := 0; n <= maxN; n++ {
		for oi, off := range offsets {
			p := ps[(n+oi)%len(ps)]
			d, _ := New[T](p, Mode((n+oi)%2))
			key := Key{Seed: uint64(n) * 31, Offset: off}
			var w outs
			withPath(&genericPath, func() { w = run(&want, d, n, key) })
			for _, k := range available[:len(available)-1] {
				var g outs
				withPath(k, func() { g = run(&got, d, n, key) })
				where := fmt.Sprintf("%s n=%d off=%d %v", k.name, n, off, d)
				sameFloats(t, where+" Forward", g.y, w.y)
				sameFloats(t, where+" Forward no mask", g.yNoMask, w.yNoMask)
				sameFloats(t, where+" Forward in place", g.yInPlace, w.yInPlace)
				sameFloats(t, where+" Backward", g.dx, w.dx)
				sameFloats(t, where+" BackwardKey", g.dxKey, w.dxKey)
				sameFloats(t, where+" Infer", g.inf, w.inf)
				sameFloats(t, where+" DropoutAdd", g.add, w.add)
				sameMask(t, where+" mask", g.m, w.m)
				sameInts(t, where+" draws", g.u, w.u)
			}
		}
	}
}
