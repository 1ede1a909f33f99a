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

// A case as referee.py reads it: the key, p, mode, element type and
// inputs, and per path the outputs, every array as little-endian hex.
type refCase map[string]any

// toHex is the little-endian hex of v's elements.
func toHex[T float32 | float64 | uint32 | uint64](v []T) string {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v) // cannot fail: fixed-size elements
	return hex.EncodeToString(b.Bytes())
}

// inputs returns n float32s: specials, any bit pattern, normal numbers.
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

// inputs64 returns n float64s: specials (NaN payloads, signed zeros,
// subnormals, ±max, values float32 cannot hold), any bit pattern, any
// exponent, normal numbers with full 53-bit significands.
func inputs64(r *rand.Rand, n int) []float64 {
	specials := []uint64{0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x7ff8000000000001, // NaNs
		0x7ff0000000000000, 0xfff0000000000000, 0, 1 << 63, // ±Inf, ±0
		1, 1<<63 | 1, 0x000fffffffffffff, 0x0010000000000000, // subnormals, smallest normal
		0x7fefffffffffffff, 0xffefffffffffffff, 0x7fe1ccf385ebc8a0, // ±max, 1e308
		0x47efffffe0000001, 0x3690000000000000, 0x3ff0000000000001, 0x3fb999999999999a} // not float32
	x := make([]float64, n)
	for i := range x {
		switch r.IntN(8) {
		case 0, 1:
			x[i] = math.Float64frombits(specials[r.IntN(len(specials))])
		case 2:
			x[i] = math.Float64frombits(r.Uint64()) // any bit pattern
		case 3:
			x[i] = math.Float64frombits(r.Uint64()&^(0x7ff<<52) | uint64(r.IntN(0x7ff))<<52) // any exponent
		default:
			x[i] = r.NormFloat64() * 10
		}
	}
	return x
}

// draw returns n inputs of type T.
func draw[T dropout.Float](r *rand.Rand, n int) []T {
	var z T
	if any(z) == any(float64(0)) {
		return any(inputs64(r, n)).([]T)
	}
	return any(inputs(r, n)).([]T)
}

// biasLen returns a length dividing n (any when n is 0).
func biasLen(r *rand.Rand, n int) int {
	if n == 0 {
		return 1 + r.IntN(4)
	}
	for {
		if nb := 1 + r.IntN(min(n, 200)); n%nb == 0 {
			return nb
		}
	}
}

// runCase runs a Dropout[T] with p and mode on n elements at key through
// every operation on every path, and returns the case for referee.py and
// the Forward mask (the same on every path, checked here).
func runCase[T dropout.Float](t *testing.T, r *rand.Rand, c int, p float64, mode dropout.Mode, n int, key dropout.Key) (refCase, dropout.Mask) {
	d, err := dropout.New[T](p, mode)
	if err != nil {
		t.Fatal(err)
	}
	x, dy, res := draw[T](r, n), draw[T](r, n), draw[T](r, n)
	bias := draw[T](r, biasLen(r, n))
	dtype := "float32"
	if _, ok := any(x).([]float64); ok {
		dtype = "float64"
	}
	rc := refCase{"seed": key.Seed, "offset": key.Offset, "p": p, "mode": mode.String(), "dtype": dtype,
		"x": toHex(x), "dy": toHex(dy), "residual": toHex(res), "bias": toHex(bias)}
	var outs []map[string]string
	var first dropout.Mask
	for _, path := range dropout.Kernels() {
		if err := dropout.UseKernel(path); err != nil {
			t.Fatal(err)
		}
		where := path + " case " + strconv.Itoa(c) + " " + d.String()
		u := make([]uint32, n)
		dropout.Draws(u, key)
		y := make([]T, n)
		mask := make(dropout.Mask, dropout.MaskLen(n))
		d.Forward(y, x, mask, key)
		if first == nil {
			first = mask
		} else if toHex(mask) != toHex(first) {
			t.Fatalf("%s: the Forward mask differs from path %s's", where, dropout.Kernels()[0])
		}
		dx := make([]T, n)
		d.Backward(dx, dy, mask)
		dk := make([]T, n)
		d.BackwardKey(dk, dy, key)
		if toHex(dk) != toHex(dx) {
			t.Fatalf("%s: BackwardKey differs from Backward", where)
		}
		inf := make([]T, n)
		d.Infer(inf, x)
		add := make([]T, n)
		am := make(dropout.Mask, dropout.MaskLen(n))
		d.DropoutAdd(add, x, res, am, key)
		badd := make([]T, n)
		bm := make(dropout.Mask, dropout.MaskLen(n))
		d.BiasDropoutAdd(badd, x, bias, res, bm, key)
		if toHex(am) != toHex(mask) || toHex(bm) != toHex(mask) {
			t.Fatalf("%s: the DropoutAdd or BiasDropoutAdd mask differs from Forward's", where)
		}
		dbias := make([]T, len(bias))
		d.BiasDropoutAddBackward(dk, dbias, dy, mask)
		if toHex(dk) != toHex(dx) {
			t.Fatalf("%s: BiasDropoutAddBackward's dx differs from Backward", where)
		}
		outs = append(outs, map[string]string{"path": path, "draws": toHex(u), "forward": toHex(y),
			"mask": toHex(mask), "backward": toHex(dx), "infer": toHex(inf),
			"dropout_add": toHex(add), "bias_dropout_add": toHex(badd), "dbias": toHex(dbias)})
	}
	rc["paths"] = outs
	return rc, first
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
		key := dropout.Key{Seed: r.Uint64(), Offset: off}
		// Both element types on the same key: the same keep bits.
		c32, m32 := runCase[float32](t, r, c, p, mode, n, key)
		c64, m64 := runCase[float64](t, r, c, p, mode, n, key)
		if toHex(m32) != toHex(m64) {
			t.Fatalf("case %d (p=%v %v key=%+v): the float64 mask differs from the float32 mask", c, p, mode, key)
		}
		doc.Cases = append(doc.Cases, c32, c64)
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
