//go:build !purego

package dropout

import (
	"math/rand/v2"
	"testing"
)

// The amd64-only kernel test; everything the paths share is in
// kernel_paths_test.go.

// TestSeedAVX2 checks seedAVX2 itself against lanes.seedBlock. TestPathSeed
// covers it through the avx2 path, but the avx512 path seeds with
// seedAVX512 when the CPU has AVX512DQ, so with DROPOUT_DISABLE=avx2 on such
// a CPU nothing else would run it.
func TestSeedAVX2(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	r := rand.New(rand.NewPCG(21, 22))
	g := uint64(golden)
	bases := []uint64{0, 1, ^uint64(0), -g, -g * 17, 1 << 63}
	for range 4000 {
		bases = append(bases, r.Uint64())
	}
	for _, base := range bases {
		blk := r.Uint64N(1 << 30)
		var want lanes
		want.seedBlock(base, blk)
		got := randLanes(r) // every word must be overwritten
		seedAVX2(&got.s, base+blk*(2*Lanes)*golden+golden)
		if got != want {
			t.Fatalf("seedAVX2(base=%#x, blk=%#x) = %v, want %v", base, blk, got.s, want.s)
		}
	}
}
