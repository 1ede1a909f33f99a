package main

import (
	"bytes"
	"testing"

	"github.com/dropkernel/dropout"
)

// TestPacking unpacks the stream bit by bit as the package comment defines
// it (stream bit k = bit k%8 of byte k/8; draw i = stream bits 24i..24i+23,
// LSB first) and compares it with dropout.Draws, across a batch boundary and
// for one seed and three interleaved ones.
func TestPacking(t *testing.T) {
	const n = batch + 5 // crosses a batch boundary
	for _, seeds := range [][]uint64{{1}, {1, 2, 3}} {
		var buf bytes.Buffer
		const offset = 7
		if err := write(&buf, seeds, offset, n); err != nil {
			t.Fatal(err)
		}
		k := len(seeds)
		if got, want := buf.Len(), 3*k*n; got != want {
			t.Fatalf("seeds %v: %d bytes, want %d (24 bits per draw, no padding)", seeds, got, want)
		}
		want := make([][]uint32, k)
		for j, s := range seeds {
			want[j] = make([]uint32, n)
			dropout.Draws(want[j], dropout.Key{Seed: s, Offset: offset})
		}
		bits := buf.Bytes()
		for _, i := range []int{0, 1, 2, 3, batch - 1, batch, n - 1} {
			for j := range k {
				d := i*k + j // index of this draw in the output
				var v uint32
				for b := range 24 {
					q := 24*d + b
					v |= uint32(bits[q/8]>>(q%8)&1) << b
				}
				if v != want[j][i] {
					t.Fatalf("seeds %v: draw %d of seed %d = %#x, want %#x", seeds, i, seeds[j], v, want[j][i])
				}
			}
		}
		// Every draw, bytewise.
		for d := range k * n {
			i, j := d/k, d%k
			v := uint32(bits[3*d]) | uint32(bits[3*d+1])<<8 | uint32(bits[3*d+2])<<16
			if v != want[j][i] {
				t.Fatalf("seeds %v: draw %d of seed %d = %#x, want %#x", seeds, i, seeds[j], v, want[j][i])
			}
		}
	}
}

// TestFourDraws is the package comment's example: 4 draws make 12 bytes.
func TestFourDraws(t *testing.T) {
	var buf bytes.Buffer
	if err := write(&buf, []uint64{1}, 0, 4); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 12 {
		t.Fatalf("4 draws: %d bytes, want 12", buf.Len())
	}
}
