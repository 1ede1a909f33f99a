// Package fuzz holds the live NumPy referee: it runs the package's kernels on
// every path, writes inputs and outputs, and has fuzz/referee.py recompute
// them with NumPy (the stream from its specification, the book's layer
// literally) and compare bit for bit.
package fuzz

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dropkernel/dropout"
)

// A case as referee.py reads it: the key, p, mode and inputs, and per path
// the outputs, every array as little-endian hex.
type refCase map[string]any

// toHex is the little-endian hex of v's elements.
func toHex[T float32 | uint32 | uint64](v []T) string {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v) // cannot fail: fixed-size elements
	return hex.EncodeToString(b.Bytes())
}

func inputs(r *rand.Rand, n int) []float32 {
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, -5e-40, 3e38, -3e38, math.MaxFloat32}
	x := make([]float32, n)
	for i := range x {
		switch r.IntN(6) {
		case 0:
			x[i] = specials[r.IntN(len(specials))]
		case 1:
			x[i] = math.Float32frombits(r.Uint32()) // any bit pattern
		default:
			x[i] = float32(r.NormFloat64())
		}
	}
	return x
}

// python returns the interpreter that has NumPy, or "" and why not.
func python(t *testing.T) (string, string) {
	py := os.Getenv("DROPOUT_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	out, err := exec.Command(py, "-c", "import numpy; print(numpy.__version__)").CombinedOutput()
	if err != nil {
		return "", py + " cannot import numpy: " + strings.TrimSpace(string(out)) + " (" + err.Error() + ")"
	}
	return py, ""
}

// TestNumPyReferee is the live comparison. It skips without NumPy unless
// DROPOUT_REQUIRE_NUMPY=1, which the full test command sets so that the
// check cannot silently vanish. DROPOUT_REFEREE_SEED picks other cases.
func TestNumPyReferee(t *testing.T) {
	py, why := python(t)
	if py == "" {
		if os.Getenv("DROPOUT_REQUIRE_NUMPY") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	seed := uint64(20261127)
	if s := os.Getenv("DROPOUT_REFEREE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 1))
	ps := []float64{0, 1, 0.5, 0.1, 1e-9, 1 - 1e-9}
	offsets := []uint64{0, 1, 63, 64, dropout.BlockSize - 1, dropout.BlockSize - 300, math.MaxUint64 - 500}
	cases := 120
	if testing.Short() {
		cases = 30
	}
	var doc struct {
		Cases []refCase `json:"cases"`
	}
	saved := dropout.Kernel()
	defer dropout.UseKernel(saved)
	for c := 0; c < cases; c++ {
		n := r.IntN(300)
		if c%4 == 0 {
			n = r.IntN(3 * dropout.BlockSize)
		}
		p := r.Float64()
		if c < 2*len(ps) {
			p = ps[c/2]
		}
		off := r.Uint64() >> uint(r.IntN(64))
		if c%3 == 0 {
			off = offsets[r.IntN(len(offsets))]
		}
		mode := dropout.Mode(c % 2)
		d, err := dropout.New[float32](p, mode)
		if err != nil {
			t.Fatal(err)
		}
		key := dropout.Key{Seed: r.Uint64(), Offset: off}
		x, dy := inputs(r, n), inputs(r, n)
		rc := refCase{"seed": key.Seed, "offset": key.Offset, "p": p, "mode": mode.String(), "x": toHex(x), "dy": toHex(dy)}
		var outs []map[string]string
		for _, path := range dropout.Kernels() {
			if err := dropout.UseKernel(path); err != nil {
				t.Fatal(err)
			}
			u := make([]uint32, n)
			dropout.Draws(u, key)
			y := make([]float32, n)
			mask := make(dropout.Mask, dropout.MaskLen(n))
			d.Forward(y, x, mask, key)
			dx := make([]float32, n)
			d.Backward(dx, dy, mask)
			dk := make([]float32, n)
			d.BackwardKey(dk, dy, key)
			if toHex(dk) != toHex(dx) {
				t.Fatalf("%s case %d: BackwardKey differs from Backward", path, c)
			}
			inf := make([]float32, n)
			d.Infer(inf, x)
			outs = append(outs, map[string]string{"path": path, "draws": toHex(u), "forward": toHex(y),
				"mask": toHex(mask), "backward": toHex(dx), "infer": toHex(inf)})
		}
		rc["paths"] = outs
		doc.Cases = append(doc.Cases, rc)
	}
	file := filepath.Join(t.TempDir(), "cases.json")
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "referee.py", "check", file).CombinedOutput()
	t.Logf("referee (seed %d): %s", seed, strings.TrimSpace(string(out)))
	if err != nil || !strings.Contains(string(out), "all bit-identical") {
		t.Fatalf("NumPy disagrees (%v):\n%s", err, out)
	}
}
