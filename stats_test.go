package dropout

import (
	"math"
	"testing"
)

// Statistical quality of the stream. Every check is a 5σ bound on a fixed
// seed, so a pass is deterministic and a failure means a real defect.

const statN = 1 << 22 // 4M draws

func draws4M(seed, offset uint64) []uint32 {
	u := make([]uint32, statN)
	Draws(u, Key{Seed: seed, Offset: offset})
	return u
}

// binomialOK reports whether count successes in trials are within 5σ of
// probability prob.
func binomialOK(count, trials int, prob float64) (bool, float64) {
	mean := float64(trials) * prob
	sd := math.Sqrt(float64(trials) * prob * (1 - prob))
	z := (float64(count) - mean) / sd
	return math.Abs(z) < 5, z
}

// pearson returns the correlation of a and b as float64 sequences.
func pearson(a, b []uint32) float64 {
	var sa, sb, saa, sbb, sab float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		sa += x
		sb += y
		saa += x * x
		sbb += y * y
		sab += x * y
	}
	n := float64(len(a))
	cov := sab/n - sa/n*sb/n
	return cov / math.Sqrt((saa/n-sa/n*sa/n)*(sbb/n-sb/n*sb/n))
}

func TestStreamKeepRate(t *testing.T) {
	for _, seed := range []uint64{0, 1, 0xdeadbeef} {
		u := draws4M(seed, seed<<20)
		for _, p := range []float64{0.001, 0.1, 0.5, 0.9, 0.999} {
			d, _ := New[float32](p, Classic)
			kept := 0
			for _, v := range u {
				if v >= d.Threshold() {
					kept++
				}
			}
			q := float64(1<<24-d.Threshold()) / (1 << 24)
			if ok, z := binomialOK(kept, statN, q); !ok {
				t.Errorf("seed %d p=%v: kept %d of %d, z = %.1f", seed, p, kept, statN, z)
			}
		}
	}
}

func TestStreamBitBalance(t *testing.T) {
	u := draws4M(12345, 0)
	for b := 0; b < 24; b++ {
		ones := 0
		for _, v := range u {
			ones += int(v >> uint(b) & 1)
		}
		if ok, z := binomialOK(ones, statN, 0.5); !ok {
			t.Errorf("bit %d: %d ones of %d, z = %.1f", b, ones, statN, z)
		}
	}
	for _, v := range u {
		if v >= 1<<24 {
			t.Fatalf("draw %d is not below 2^24", v)
		}
	}
}

// TestStreamNoPositionBias: the keep rate and mean draw do not depend on
// the index mod 16 (the lane), mod 64 (the mask word bit) or the position
// inside a block (buckets of 256).
func TestStreamNoPositionBias(t *testing.T) {
	u := draws4M(777, 0) // offset 0: index = stream position
	const mid = 1 << 23
	classes := []struct {
		name    string
		buckets int
		of      func(i int) int
	}{
		{"index mod 16", 16, func(i int) int { return i % 16 }},
		{"index mod 64", 64, func(i int) int { return i % 64 }},
		{"block position / 256", BlockSize / 256, func(i int) int { return i % BlockSize / 256 }},
	}
	for _, c := range classes {
		kept := make([]int, c.buckets)
		sum := make([]float64, c.buckets)
		total := make([]int, c.buckets)
		for i, v := range u {
			b := c.of(i)
			total[b]++
			sum[b] += float64(v)
			if v >= mid {
				kept[b]++
			}
		}
		for b := range kept {
			if ok, z := binomialOK(kept[b], total[b], 0.5); !ok {
				t.Errorf("%s = %d: kept %d of %d, z = %.1f", c.name, b, kept[b], total[b], z)
			}
			mean := sum[b] / float64(total[b])
			sd := (1 << 24) / math.Sqrt(12*float64(total[b]))
			if z := (mean - (1<<24-1)/2.0) / sd; math.Abs(z) > 5 {
				t.Errorf("%s = %d: mean draw %.0f, z = %.1f", c.name, b, mean, z)
			}
		}
	}
}

// TestStreamIndependence: keeps at lags 1 (neighbours), 16 (the same lane's
// next step), 17, 64 and BlockSize (the same place in the next block) are
// independent, and the draws uncorrelated.
func TestStreamIndependence(t *testing.T) {
	u := draws4M(4242, 3)
	for _, p := range []float64{0.5, 0.9} {
		d, _ := New[float32](p, Classic)
		q := float64(1<<24-d.Threshold()) / (1 << 24)
		for _, lag := range []int{1, 2, 16, 17, 64, BlockSize} {
			both, pairs := 0, len(u)-lag
			for i := 0; i < pairs; i++ {
				if u[i] >= d.Threshold() && u[i+lag] >= d.Threshold() {
					both++
				}
			}
			if ok, z := binomialOK(both, pairs, q*q); !ok {
				t.Errorf("p=%v lag %d: both kept %d of %d, z = %.1f", p, lag, both, pairs, z)
			}
			if p == 0.5 {
				if r := pearson(u[:pairs], u[lag:]); math.Abs(r) > 5/math.Sqrt(float64(pairs)) {
					t.Errorf("lag %d: correlation %.2g", lag, r)
				}
			}
		}
	}
}

// TestNeighbourSeedsAndBlocks: seeds s and s+1, and blocks b and b+1 of one
// seed, give uncorrelated draws at the same positions.
func TestNeighbourSeedsAndBlocks(t *testing.T) {
	const n = 1 << 20
	bound := 5 / math.Sqrt(n)
	for _, s := range []uint64{0, 1, 1 << 32, math.MaxUint64 - 1, 0x9e3779b97f4a7c15} {
		a, b := make([]uint32, n), make([]uint32, n)
		Draws(a, Key{Seed: s})
		Draws(b, Key{Seed: s + 1})
		if r := pearson(a, b); math.Abs(r) > bound {
			t.Errorf("seeds %d and %d: correlation %.2g", s, s+1, r)
		}
		agree := 0
		for i := range a {
			if (a[i] >= 1<<23) == (b[i] >= 1<<23) {
				agree++
			}
		}
		if ok, z := binomialOK(agree, n, 0.5); !ok {
			t.Errorf("seeds %d and %d: keep bits agree %d of %d, z = %.1f", s, s+1, agree, n, z)
		}
	}
	// Block b against block b+1, same in-block positions, many b.
	u := make([]uint32, n+BlockSize)
	Draws(u, Key{Seed: 31337, Offset: 1 << 50})
	if r := pearson(u[:n], u[BlockSize:]); math.Abs(r) > bound {
		t.Errorf("neighbouring blocks: correlation %.2g", r)
	}
	// And the first draws of every lane in consecutive blocks (the
	// seeding itself): block starts only.
	starts := 4096
	a, b := make([]uint32, 16*starts), make([]uint32, 16*starts)
	for k := 0; k < starts; k++ {
		Draws(a[16*k:16*k+16], Key{Seed: 5, Offset: uint64(k) * BlockSize})
		Draws(b[16*k:16*k+16], Key{Seed: 5, Offset: uint64(k+1) * BlockSize})
	}
	if r := pearson(a, b); math.Abs(r) > 5/math.Sqrt(float64(len(a))) {
		t.Errorf("first step of neighbouring blocks: correlation %.2g", r)
	}
}
