package dropout

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"unsafe"
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

// fromHex decodes little-endian hex into elements of T.
func fromHex[T float32 | uint32 | uint64](t *testing.T, s string) []T {
	b := unhex(t, s)
	out := make([]T, len(b)/int(unsafe.Sizeof(*new(T))))
	if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, out); err != nil {
		t.Fatal(err)
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
			d, err := New[float32](c.P, parseMode(t, c.Mode))
			if err != nil {
				t.Fatal(err)
			}
			key := Key{Seed: c.Seed, Offset: c.Offset}
			x, dy := fromHex[float32](t, c.X), fromHex[float32](t, c.DY)
			n := len(x)
			where := func(what string) string {
				return k.name + " case " + strconv.Itoa(ci) + " " + d.String() + " " + what
			}
			u := make([]uint32, n)
			Draws(u, key)
			for i, v := range fromHex[uint32](t, c.Draws) {
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
			sameF32(t, where("forward"), y, fromHex[float32](t, c.Forward))
			for i, w := range fromHex[uint64](t, c.Mask) {
				if mask[i] != w {
					t.Fatalf("%s: mask[%d] = %#x, numpy %#x", where("mask"), i, mask[i], w)
				}
			}
			dx := make([]float32, n)
			d.Backward(dx, dy, mask)
			sameF32(t, where("backward"), dx, fromHex[float32](t, c.Backward))
			d.BackwardKey(dx, dy, key)
			sameF32(t, where("backward key"), dx, fromHex[float32](t, c.Backward))
			d.Infer(y, x)
			sameF32(t, where("infer"), y, fromHex[float32](t, c.Infer))
		}
	})
}
