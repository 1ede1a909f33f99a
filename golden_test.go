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
// recomputed from its specification and the book's layer run literally, on
// float32 and on float64 arrays (each case's dtype). It freezes the stream,
// and plain `go test` checks every path against it with no Python. Arrays
// are little-endian hex, so it means the same on big-endian machines.

type goldenCase struct {
	Seed           uint64  `json:"seed"`
	Offset         uint64  `json:"offset"`
	P              float64 `json:"p"`
	Mode           string  `json:"mode"`
	Dtype          string  `json:"dtype"`
	X              string  `json:"x"`
	DY             string  `json:"dy"`
	Residual       string  `json:"residual"`
	Bias           string  `json:"bias"`
	Draws          string  `json:"draws"`
	Forward        string  `json:"forward"`
	Mask           string  `json:"mask"`
	Backward       string  `json:"backward"`
	Infer          string  `json:"infer"`
	DropoutAdd     string  `json:"dropout_add"`
	BiasDropoutAdd string  `json:"bias_dropout_add"`
	DBias          string  `json:"dbias"`
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
	count := map[string]int{}
	for _, c := range doc.Cases {
		count[c.Dtype]++
	}
	if count["float32"] < 20 || count["float64"] < 20 || len(count) != 2 {
		t.Fatalf("golden file has cases %v: want at least 20 float32 and 20 float64, nothing else", count)
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
func fromHex[T float32 | float64 | uint32 | uint64](t *testing.T, s string) []T {
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

// goldBits is the bit pattern of v (a float32's in the low half).
func goldBits[T Float](v T) uint64 {
	if unsafe.Sizeof(v) == 8 {
		return *(*uint64)(unsafe.Pointer(&v))
	}
	return uint64(*(*uint32)(unsafe.Pointer(&v)))
}

// goldSame fails unless got and want have the same length and bits, NaN
// as a class (payloads differ across CPUs). The golden and fuzz tests keep
// this comparison of their own for both element types.
func goldSame[T Float](t testing.TB, where string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", where, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g != g && w != w {
			continue
		}
		if goldBits(g) != goldBits(w) {
			t.Fatalf("%s: [%d] = %v (%#x), want %v (%#x)", where, i, g, goldBits(g), w, goldBits(w))
		}
	}
}

// goldMask fails unless got and want are the same words.
func goldMask(t testing.TB, where string, got, want Mask) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d mask words, want %d", where, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: mask[%d] = %#x, want %#x", where, i, got[i], want[i])
		}
	}
}

// stale returns n mask words of all ones: stale contents that every
// operation writing a mask must overwrite.
func stale(n int) Mask {
	m := make(Mask, n)
	for i := range m {
		m[i] = ^uint64(0)
	}
	return m
}

// maskAs is the mask that a Dropout[U] with p and mode writes for n
// elements at key: the keep bits must not depend on the element type.
func maskAs[U Float](t *testing.T, p float64, mode Mode, n int, key Key) Mask {
	d, err := New[U](p, mode)
	if err != nil {
		t.Fatal(err)
	}
	m := stale(MaskLen(n))
	d.Forward(make([]U, n), make([]U, n), m, key)
	return m
}

func TestGoldenNumPy(t *testing.T) {
	cases := loadGolden(t)
	forEachPath(t, func(t *testing.T, k *path) {
		for ci, c := range cases {
			switch c.Dtype {
			case "float32":
				checkGolden[float32](t, k.name, ci, c)
				goldMask(t, k.name+" case "+strconv.Itoa(ci)+" Dropout[float64] mask",
					maskAs[float64](t, c.P, parseMode(t, c.Mode), len(fromHex[float32](t, c.X)), Key{Seed: c.Seed, Offset: c.Offset}),
					fromHex[uint64](t, c.Mask))
			case "float64":
				checkGolden[float64](t, k.name, ci, c)
				goldMask(t, k.name+" case "+strconv.Itoa(ci)+" Dropout[float32] mask",
					maskAs[float32](t, c.P, parseMode(t, c.Mode), len(fromHex[float64](t, c.X)), Key{Seed: c.Seed, Offset: c.Offset}),
					fromHex[uint64](t, c.Mask))
			default:
				t.Fatalf("case %d: dtype %q", ci, c.Dtype)
			}
		}
	})
}

// checkGolden runs one case through every operation of a Dropout[T] and
// compares each output with NumPy's, bit for bit (NaN as a class), and
// each mask written with NumPy's mask.
func checkGolden[T Float](t *testing.T, pathName string, ci int, c goldenCase) {
	t.Helper()
	d, err := New[T](c.P, parseMode(t, c.Mode))
	if err != nil {
		t.Fatal(err)
	}
	key := Key{Seed: c.Seed, Offset: c.Offset}
	x, dy := fromHex[T](t, c.X), fromHex[T](t, c.DY)
	res, bias := fromHex[T](t, c.Residual), fromHex[T](t, c.Bias)
	n := len(x)
	if len(dy) != n || len(res) != n || len(bias) == 0 || n%len(bias) != 0 {
		t.Fatalf("case %d: n = %d, len(dy) = %d, len(residual) = %d, len(bias) = %d", ci, n, len(dy), len(res), len(bias))
	}
	where := func(what string) string {
		return pathName + " case " + strconv.Itoa(ci) + " " + d.String() + " key=" +
			strconv.FormatUint(c.Seed, 10) + "/" + strconv.FormatUint(c.Offset, 10) + " " + what
	}
	u := make([]uint32, n)
	Draws(u, key)
	for i, v := range fromHex[uint32](t, c.Draws) {
		if u[i] != v {
			t.Fatalf("%s: u[%d] = %d, numpy %d", where("draws"), i, u[i], v)
		}
	}
	wantMask := fromHex[uint64](t, c.Mask)
	if len(wantMask) != MaskLen(n) {
		t.Fatalf("%s: %d words for %d elements", where("golden mask"), len(wantMask), n)
	}
	wantY := fromHex[T](t, c.Forward)

	y := make([]T, n)
	mask := stale(MaskLen(n))
	d.Forward(y, x, mask, key)
	goldSame(t, where("forward"), y, wantY)
	goldMask(t, where("forward mask"), mask, wantMask)
	d.Forward(y, x, nil, key)
	goldSame(t, where("forward, no mask"), y, wantY)
	copy(y, x)
	d.Forward(y, y, nil, key)
	goldSame(t, where("forward in place"), y, wantY)

	wantDX := fromHex[T](t, c.Backward)
	dx := make([]T, n)
	d.Backward(dx, dy, mask)
	goldSame(t, where("backward"), dx, wantDX)
	d.BackwardKey(dx, dy, key)
	goldSame(t, where("backward key"), dx, wantDX)

	d.Infer(y, x)
	goldSame(t, where("infer"), y, fromHex[T](t, c.Infer))

	wantAdd := fromHex[T](t, c.DropoutAdd)
	m := stale(MaskLen(n))
	d.DropoutAdd(y, x, res, m, key)
	goldSame(t, where("DropoutAdd"), y, wantAdd)
	goldMask(t, where("DropoutAdd mask"), m, wantMask)
	copy(y, res)
	d.DropoutAdd(y, x, y, nil, key)
	goldSame(t, where("DropoutAdd y=residual"), y, wantAdd)

	wantBAdd := fromHex[T](t, c.BiasDropoutAdd)
	m = stale(MaskLen(n))
	d.BiasDropoutAdd(y, x, bias, res, m, key)
	goldSame(t, where("BiasDropoutAdd"), y, wantBAdd)
	goldMask(t, where("BiasDropoutAdd mask"), m, wantMask)
	copy(y, x)
	d.BiasDropoutAdd(y, y, bias, res, nil, key)
	goldSame(t, where("BiasDropoutAdd y=x"), y, wantBAdd)

	wantDB := fromHex[T](t, c.DBias)
	dbias := make([]T, len(bias))
	d.BiasDropoutAddBackward(dx, dbias, dy, mask)
	goldSame(t, where("BiasDropoutAddBackward dx"), dx, wantDX)
	goldSame(t, where("BiasDropoutAddBackward dbias"), dbias, wantDB)
	clear(dbias)
	d.BiasDropoutAddBackwardKey(dx, dbias, dy, key)
	goldSame(t, where("BiasDropoutAddBackwardKey dx"), dx, wantDX)
	goldSame(t, where("BiasDropoutAddBackwardKey dbias"), dbias, wantDB)
}
