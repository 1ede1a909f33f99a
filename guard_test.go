//go:build linux || darwin || freebsd

package dropout

import (
	"runtime/debug"
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

func f32At(g *guardedRegion, n int, end bool) []float32 {
	b := g.bytesAt(4*n, end)
	if n == 0 {
		return []float32{}
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

func u32At(g *guardedRegion, n int, end bool) []uint32 {
	b := g.bytesAt(4*n, end)
	if n == 0 {
		return []uint32{}
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), n)
}

func maskAt(g *guardedRegion, n int, end bool) Mask {
	w := MaskLen(n)
	b := g.bytesAt(8*w, end)
	if w == 0 {
		return Mask{}
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), w)
}

func TestGuardPages(t *testing.T) {
	var sizes []int
	for n := 0; n <= 600; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 1023, 1024, 1025, BlockSize-1, BlockSize, BlockSize+1, 2*BlockSize+77)
	for _, k := range available {
		if k.ntMin > 0 {
			sizes = append(sizes, k.ntMin+77) // the non-temporal stores too
		}
	}
	maxN := 0
	for _, n := range sizes {
		maxN = max(maxN, n)
	}
	gx, gy, gm := newGuarded(t, 4*maxN), newGuarded(t, 4*maxN), newGuarded(t, 8*MaskLen(maxN))
	gr, gb := newGuarded(t, 4*maxN), newGuarded(t, 4*maxN)
	classic, _ := New[float32](0.3, Classic)
	inverted, _ := New[float32](0.7, Inverted)
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range sizes {
			for _, end := range []bool{true, false} {
				x, y, m := f32At(gx, n, end), f32At(gy, n, end), maskAt(gm, n, end)
				u := u32At(gy, n, end)
				res := f32At(gr, n, end)
				nb := max(1, n/3) // rows of nb elements when that divides n
				if n%nb != 0 {
					nb = n
				}
				bias := f32At(gb, max(nb, 1), end)
				for _, off := range []uint64{0, 5, 64 - 3, BlockSize - 40} {
					key := Key{Seed: uint64(n), Offset: off}
					for _, d := range []Dropout[float32]{classic, inverted} {
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
						d.ForwardChannels(y, x, 1, maskAt(gm, n, end), key)
						d.BackwardChannelsKey(y, x, 1, key)
						if n > 0 {
							d.BiasDropoutAdd(y, x, bias, res, m, key)
							d.BiasDropoutAdd(x, x, bias, res, nil, key)
							d.BiasDropoutAddBackward(y, bias, x, m)
							d.BiasDropoutAddBackwardKey(x, bias, x, key)
						}
					}
					Draws(u, key)
				}
			}
		}
	})
}

// TestGuardPagesMask: the mask conversions of every path on slices flush
// against the guard pages, for every n in 0..600 and larger sizes.
func TestGuardPagesMask(t *testing.T) {
	var sizes []int
	for n := 0; n <= 600; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 1023, 1024, 1025, 4096+63, 65536+1)
	maxN := sizes[len(sizes)-1]
	gv, gm := newGuarded(t, 4*maxN), newGuarded(t, 8*MaskLen(maxN))
	forEachPath(t, func(t *testing.T, k *path) {
		for _, n := range sizes {
			for _, end := range []bool{true, false} {
				m := maskAt(gm, n, end)
				b := gv.bytesAt(n, end)
				bs := unsafe.Slice((*bool)(unsafe.Pointer(unsafe.SliceData(b))), n)
				f := f32At(gv, n, end)
				m.Bytes(b)
				m.SetBytes(b)
				m.Bools(bs)
				m.SetBools(bs)
				m.Float32s(f)
				m.SetFloat32s(f)
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
		x := f32At(g, 16, end)
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
