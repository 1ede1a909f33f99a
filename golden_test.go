package dropout

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// The golden file is written by NumPy (fuzz/referee.py golden): the stream
// recomputed from its specification and the book's layer run literally. It
// freezes the stream, and plain `go test` checks every path against it with
// no Python. Arrays are little-endian hex, so it means the same on big-endian
// machines.

type goldenCase struct {
	Seed     uint64  `json:"seed"`
	Offset   uint64  `json:"offset"`
	P        float64 `json:"p"`
	Mode     string  `json:"mode"`
	X        string  `json:"x"`
	DY       string  `json:"dy"`
	Draws    string  `json:"draws"`
	Forward  string  `json:"forward"`
	Mask     string  `json:"mask"`
	Backward string  `json:"backward"`
	Infer    string  `json:"infer"`
}

func loadGolden(t *testing.T) []goldenCase {
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []goldenCase }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 20 {
		t.Fatalf("golden file has only %d cases", len(doc.Cases))
	}
	return doc.Cases
}

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexF32(t *testing.T, s string) []float32 {
	b := unhex(t, s)
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func hexU32(t *testing.T, s string) []uint32 {
	b := unhex(t, s)
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

func hexU64(t *testing.T, s string) []uint64 {
	b := unhex(t, s)
	out := make([]uint64, len(b)/8)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return out
}

func parseMode(t *testing.T, s string) Mode {
	switch s {
	case "Classic":
		return Classic
	case "Inverted":
		return Inverted
	}
	t.Fatalf("bad mode %q", s)
	return 0
}

func TestGoldenNumPy(t *testing.T) {
	cases := loadGolden(t)
	forEachPath(t, func(t *testing.T, k *path) {
		for ci, c := range cases {
			d, err := New(c.P, parseMode(t, c.Mode))
			if err != nil {
				t.Fatal(err)
			}
			key := Key{Seed: c.Seed, Offset: c.Offset}
			x, dy := hexF32(t, c.X), hexF32(t, c.DY)
			n := len(x)
			where := func(what string) string {
				return k.name + " case " + strconv.Itoa(ci) + " " + d.String() + " " + what
			}
			u := make([]uint32, n)
			Draws(u, key)
			for i, v := range hexU32(t, c.Draws) {
				if u[i] != v {
					t.Fatalf("%s: u[%d] = %d, numpy %d", where("draws"), i, u[i], v)
				}
			}
			y := make([]float32, n)
			mask := make(Mask, MaskLen(n))
			for i := range mask {
				mask[i] = ^uint64(0) // stale contents must be overwritten
			}
			d.Forward(y, x, mask, key)
			sameF32(t, where("forward"), y, hexF32(t, c.Forward))
			for i, w := range hexU64(t, c.Mask) {
				if mask[i] != w {
					t.Fatalf("%s: mask[%d] = %#x, numpy %#x", where("mask"), i, mask[i], w)
				}
			}
			dx := make([]float32, n)
			d.Backward(dx, dy, mask)
			sameF32(t, where("backward"), dx, hexF32(t, c.Backward))
			d.BackwardKey(dx, dy, key)
			sameF32(t, where("backward key"), dx, hexF32(t, c.Backward))
			d.Infer(y, x)
			sameF32(t, where("infer"), y, hexF32(t, c.Infer))
		}
	})
}
