//go:build linux || darwin || freebsd

package dropout

import (
	"runtime/debug"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Guard pages: every kernel of every path runs on slices placed flush
// against PROT_NONE pages, so a single byte read or written outside the
// slices it was given faults and kills the test.

// guardedRegion is a mapping whose first and last pages are PROT_NONE.
type guardedRegion struct {
	mapping []byte
	data    []byte // the accessible pages between the guards
}

func newGuarded(t testing.TB, size int) *guardedRegion {
	page := unix.Getpagesize()
	pages := (size+page-1)/page + 2
	m, err := unix.Mmap(-1, 0, pages*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	if err := unix.Mprotect(m[:page], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if err := unix.Mprotect(m[len(m)-page:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(m) })
	return &guardedRegion{mapping: m, data: m[page : len(m)-page]}
}

// bytesAt returns n bytes flush against the trailing guard page (end) or
// the leading one.
func (g *guardedRegion) bytesAt(n int, end bool) []byte {
	if end {
		return g.data[len(g.data)-n:]
	}
	return g.data[:n]
}

// elemsAt returns n elements of E flush against the trailing guard page
// (end) or the leading one.
func elemsAt[E any](g *guardedRegion, n int, end bool) []E {
	b := g.bytesAt(n*int(unsafe.Sizeof(*new(E))), end)
	if n == 0 {
		return []E{}
	}
	return unsafe.Slice((*E)(unsafe.Pointer(&b[0])), n)
}

func maskAt(g *guardedRegion, n int, end bool) Mask {
	return elemsAt[uint64](g, MaskLen(n), end)
}

// TestGuardPages: every op of a Dropout[T] on every path, for every n in
// 0..600 (0..300 with -short) and sizes around blocks and the
// non-temporal threshold, with every slice flush against a guard page at
// its end and at its start.
func TestGuardPages(t *testing.T) {
	forEachType(t, testGuardPages[float32], testGuardPages[float64])
}

func testGuardPages[T Float](t *testing.T) {
	es := int(unsafe.Sizeof(*new(T)))
	var sizes []int
	for n := 0; n <= 600 && (n <= 300 || !testing.Short()); n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 1023, 1024, 1025, BlockSize-1, BlockSize, BlockSize+1, 2*BlockSize+77)
	for _, k := range available {
		if k.ntMin > 0 {
			sizes = append(sizes, k.ntMin/es+77) // the non-temporal stores too
		}
	}
	maxN := slices.Max(sizes)
	gx, gy, gm := newGuarded(t, es*maxN), newGuarded(t, es*maxN), newGuarded(t, 8*MaskLen(maxN))
	gr, gb, gu := newGuarded(t, es*maxN), newGuarded(t, es*maxN), newGuarded(t, 4*maxN)
	classic, _ := New[T](0.3, Classic)
	inverted, _ := New[T](0.7, Inverted)
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range sizes {
			for _, end := range []bool{true, false} {
				x, y, m := elemsAt[T](gx, n, end), elemsAt[T](gy, n, end), maskAt(gm, n, end)
				u := elemsAt[uint32](gu, n, end)
				res := elemsAt[T](gr, n, end)
				nb := max(1, n/3) // rows of nb elements when that divides n
				if n%nb != 0 {
					nb = n
				}
				bias := elemsAt[T](gb, max(nb, 1), end)
				// Channels of one element (each scaled through the dispatch
				// layer's stack buffer) for short slices, else the rows: the
				// scale kernel on whole channels up to the guard page.
				cs := nb
				if n <= 64 {
					cs = 1
				}
				// Offsets: the kernels from the slice's first element, after
				// a head of 59 (every tail length as n runs), and across a
				// block boundary.
				for _, off := range []uint64{0, 5, BlockSize - 40} {
					key := Key{Seed: uint64(n), Offset: off}
					for _, d := range []Dropout[T]{classic, inverted} {
						d.Forward(y, x, m, key)
						d.Forward(y, x, nil, key)
						d.Forward(x, x, m, key)
						d.Backward(y, x, m)
						d.Backward(x, x, m)
						d.BackwardKey(y, x, key)
						d.Infer(y, x)
						d.Infer(x, x)
						d.DropoutAdd(y, x, res, m, key)
						d.DropoutAdd(res, x, res, nil, key)
						d.ForwardChannels(y, x, cs, m, key)
						d.BackwardChannels(y, x, cs, m)
						d.BackwardChannelsKey(y, x, cs, key)
						if n > 0 {
							d.BiasDropoutAdd(y, x, bias, res, m, key)
							d.BiasDropoutAdd(x, x, bias, res, nil, key)
							d.BiasDropoutAddBackward(y, bias, x, m)
							d.BiasDropoutAddBackwardKey(x, bias, x, key)
						}
					}
					if !is64[T]() { // no element type: once
						Draws(u, key)
					}
				}
			}
		}
	})
}

// TestGuardPagesMask: the mask conversions of every path on slices flush
// against the guard pages, for every n in 0..600 and larger sizes: bytes
// and bools, then the floats of each type.
func TestGuardPagesMask(t *testing.T) {
	forEachType(t, testGuardPagesMask[float32], testGuardPagesMask[float64])
}

func testGuardPagesMask[T Float](t *testing.T) {
	var sizes []int
	for n := 0; n <= 600; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 1023, 1024, 1025, 4096+63, 65536+1)
	maxN := sizes[len(sizes)-1]
	gv, gm := newGuarded(t, 8*maxN), newGuarded(t, 8*MaskLen(maxN))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range sizes {
			for _, end := range []bool{true, false} {
				m := maskAt(gm, n, end)
				f := elemsAt[T](gv, n, end)
				maskToFloats(m, f)
				maskFromFloats(m, f)
				if !is64[T]() { // no element type: once
					b := gv.bytesAt(n, end)
					bs := elemsAt[bool](gv, n, end)
					m.Bytes(b)
					m.SetBytes(b)
					m.Bools(bs)
					m.SetBools(bs)
				}
			}
		}
	})
}

// TestGuardPagesFault proves the guards are armed: touching the float just
// past a slice flush against the trailing guard, or just before one flush
// against the leading guard, faults.
func TestGuardPagesFault(t *testing.T) {
	g := newGuarded(t, 4096)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for _, end := range []bool{true, false} {
		x := elemsAt[float32](g, 16, end)
		p := unsafe.Pointer(&x[0])
		if end {
			p = unsafe.Add(p, 16*4)
		} else {
			p = unsafe.Add(p, -4)
		}
		faulted := func() (f bool) {
			defer func() { f = recover() != nil }()
			_ = *(*float32)(p)
			return false
		}()
		if !faulted {
			t.Fatalf("reading past the slice (end=%v) did not fault: the guard pages are not armed", end)
		}
	}
}
