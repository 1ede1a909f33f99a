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
// not, every operation.
func TestPathsAgainstGeneric(t *testing.T) {
	if len(available) == 1 {
		t.Skip("only the generic path here")
	}
	maxN, offStep := 1100, 1
	if testing.Short() {
		maxN, offStep = 300, 7
	}
	r := rand.New(rand.NewPCG(41, 42))
	x := specialInputs(r, maxN+1)
	res := specialInputs(r, maxN+1)
	ps := []float64{0, 1, 1e-9, 1 - 1e-9, 0.5, 0.1}
	var offsets []uint64
	for o := 0; o <= 40; o += offStep {
		offsets = append(offsets, uint64(o))
	}
	offsets = append(offsets, BlockSize-1, BlockSize-17, BlockSize-64, BlockSize-600, 7*BlockSize-333)
	type outs struct {
		y, yNoMask, yInPlace, dx, dxKey, inf, add []float32
		u                                         []uint32
		m                                         Mask
	}
	run := func(d Dropout[float32], n int, key Key) outs {
		o := outs{y: make([]float32, n), yNoMask: make([]float32, n), dx: make([]float32, n), dxKey: make([]float32, n),
			inf: make([]float32, n), add: make([]float32, n), u: make([]uint32, n), m: filled(MaskLen(n), ^uint64(0))}
		d.Forward(o.y, x[:n], o.m, key)
		d.Forward(o.yNoMask, x[:n], nil, key)
		o.yInPlace = append([]float32(nil), x[:n]...)
		d.Forward(o.yInPlace, o.yInPlace, nil, key)
		d.Backward(o.dx, res[:n], o.m)
		d.BackwardKey(o.dxKey, res[:n], key)
		d.Infer(o.inf, x[:n])
		d.DropoutAdd(o.add, x[:n], res[:n], nil, key)
		Draws(o.u, key)
		return o
	}
	for n := 0; n <= maxN; n++ {
		for oi, off := range offsets {
			p := ps[(n+oi)%len(ps)]
			d, _ := New[float32](p, Mode((n+oi)%2))
			key := Key{Seed: uint64(n) * 31, Offset: off}
			var want outs
			withPath(&genericPath, func() { want = run(d, n, key) })
			for _, k := range available[:len(available)-1] {
				var got outs
				withPath(k, func() { got = run(d, n, key) })
				where := fmt.Sprintf("%s n=%d off=%d %v", k.name, n, off, d)
				sameF32(t, where+" Forward", got.y, want.y)
				sameF32(t, where+" Forward no mask", got.yNoMask, want.yNoMask)
				sameF32(t, where+" Forward in place", got.yInPlace, want.yInPlace)
				sameF32(t, where+" Backward", got.dx, want.dx)
				sameF32(t, where+" BackwardKey", got.dxKey, want.dxKey)
				sameF32(t, where+" Infer", got.inf, want.inf)
				sameF32(t, where+" DropoutAdd", got.add, want.add)
				sameMask(t, where+" mask", got.m, want.m)
				for i := range want.u {
					if got.u[i] != want.u[i] {
						t.Fatalf("%s: draw %d = %d, want %d", where, i, got.u[i], want.u[i])
					}
				}
			}
		}
	}
}
