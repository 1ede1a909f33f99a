package dropout

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLayer(t *testing.T) {
	l, err := NewLayer[float32](0.5, Classic, 42)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewLayer[float32](2, Classic, 1); err == nil {
		t.Fatal("NewLayer[float32](2): no error")
	}
	mustPanic(t, []string{"Layer.Backward", "no training Forward"}, func() { l.Backward(make([]float32, 3), make([]float32, 3)) })
	if l.Mask() != nil {
		t.Fatal("mask before the first Forward")
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := specialInputs(r, 1000)
	y1, y2 := make([]float32, 1000), make([]float32, 1000)
	l.Forward(y1, x, true)
	m1 := append(Mask(nil), l.Mask()...)
	if l.Key() != (Key{Seed: 42, Offset: 1000}) {
		t.Fatalf("position after one pass: %+v", l.Key())
	}
	// The first pass equals the kernel at offset 0; the second, offset 1000.
	want := make([]float32, 1000)
	l.Dropout().Forward(want, x, nil, Key{Seed: 42})
	sameF32(t, "pass 1", y1, want)
	l.Forward(y2, x, true)
	l.Dropout().Forward(want, x, nil, Key{Seed: 42, Offset: 1000})
	sameF32(t, "pass 2", y2, want)
	same := 0
	for i := range m1 {
		if m1[i] == l.Mask()[i] {
			same++
		}
	}
	if same == len(m1) {
		t.Fatal("two training passes drew the same mask")
	}
	// Backward uses the last training mask, and inference leaves it alone.
	dy := specialInputs(r, 1000)
	dx := make([]float32, 1000)
	l.Forward(y1, x, false)
	sameF32(t, "inference", y1, func() []float32 { v := make([]float32, 1000); l.Dropout().Infer(v, x); return v }())
	l.Backward(dx, dy)
	wantDX := make([]float32, 1000)
	l.Dropout().BackwardKey(wantDX, dy, Key{Seed: 42, Offset: 1000})
	sameF32(t, "backward", dx, wantDX)
	mustPanic(t, []string{"Layer.Backward", "len(dy) = 5", "1000"}, func() { l.Backward(make([]float32, 5), make([]float32, 5)) })
	// Seek replays a pass.
	l.Seek(1000)
	l.Forward(y1, x, true)
	sameF32(t, "replay", y1, y2)
	if raceEnabled {
		return // the race detector allocates
	}
	// No allocation once the buffer is big enough, smaller passes included.
	if a := testing.AllocsPerRun(10, func() {
		l.Forward(y1, x, true)
		l.Forward(y1[:10], x[:10], true)
		l.Backward(dx[:10], dy[:10])
		l.Forward(y1, x, false)
	}); a != 0 {
		t.Fatalf("Layer allocates %v per run", a)
	}
}

func TestMaskHelpers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 63, 64, 65, 200} {
		src := make([]bool, n)
		for i := range src {
			src[i] = r.IntN(2) == 0
		}
		m := filled(MaskLen(n), ^uint64(0))
		m.SetBools(src)
		if n%64 != 0 && m[n/64]>>uint(n%64) != 0 {
			t.Fatalf("n=%d: SetBools left bits past n", n)
		}
		bs := make([]bool, n)
		m.Bools(bs)
		by := make([]uint8, n)
		m.Bytes(by)
		fs := make([]float32, n)
		m.Float32s(fs)
		count := 0
		for i := range src {
			if bs[i] != src[i] || m.Kept(i) != src[i] || (by[i] == 1) != src[i] || by[i] > 1 || (fs[i] == 1) != src[i] || (fs[i] != 0 && fs[i] != 1) {
				t.Fatalf("n=%d i=%d: round trip differs", n, i)
			}
			if src[i] {
				count++
			}
		}
		if m.Count(n) != count {
			t.Fatalf("n=%d: Count = %d, want %d", n, m.Count(n), count)
		}
	}
	// SetBytes and SetFloat32s: any nonzero value is kept.
	for _, n := range []int{0, 5, 8, 64, 77, 300} {
		by := make([]uint8, n)
		fs := make([]float32, n)
		want := make([]bool, n)
		for i := range by {
			switch r.IntN(4) {
			case 0:
				by[i] = uint8(r.IntN(255) + 1)
				fs[i] = float32(r.NormFloat64())
				want[i] = fs[i] != 0
			case 1:
				by[i] = 0x80
				fs[i] = float32(math.NaN())
				want[i] = true
			}
			if by[i] == 0 && want[i] {
				t.Fatal("bad test input")
			}
		}
		m1, m2 := filled(MaskLen(n), ^uint64(0)), filled(MaskLen(n), ^uint64(0))
		m1.SetBytes(by)
		m2.SetFloat32s(fs)
		for i := range by {
			if m1.Kept(i) != (by[i] != 0) || m2.Kept(i) != want[i] {
				t.Fatalf("n=%d i=%d: SetBytes %v (byte %d), SetFloat32s %v (%v)", n, i, m1.Kept(i), by[i], m2.Kept(i), fs[i])
			}
		}
		if n%64 != 0 && (m1[n/64]>>uint(n%64) != 0 || m2[n/64]>>uint(n%64) != 0) {
			t.Fatalf("n=%d: bits past n", n)
		}
	}
	// Count ignores bits past n.
	if got := (Mask{^uint64(0)}).Count(10); got != 10 {
		t.Fatalf("Count(10) of all ones = %d", got)
	}
}
