//go:build !purego

package dropout

import (
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// The amd64 paths: "avx512" (AVX512F, AVX512BW, AVX512VL: zmm registers and
// 64-bit K-register moves; with AVX512DQ too, VPMULLQ seeds the blocks in
// vector registers) and "avx2". Both seed blocks in vector registers
// (vseed): seedAVX512 with AVX512DQ, seedAVX2 otherwise (~12 and ~24 ns a
// block here, against ~38 ns for the Go seedBlock). Both keep the 16 lanes in registers
// for a whole call and do 64 elements, one mask word, per loop iteration;
// kernel_amd64.s holds the loops and kernel_generic.go the reference they
// reproduce bit for bit.

const (
	idAVX512 = 1
	idAVX2   = 2
)

var (
	hasAVX512 = cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL)
	hasAVX2   = cpuid.CPU.Supports(cpuid.AVX2)
	// hasAVX512DQ: the avx512 path seeds blocks with seedAVX512
	// (VPMULLQ); without it, with seedAVX2.
	hasAVX512DQ = hasAVX512 && cpuid.CPU.Supports(cpuid.AVX512DQ)
)

// ntMinAMD64 is the call length (elements) from which y is stored with
// non-temporal hints. Measured on an Emerald Rapids VM (2 MiB L2 per core):
// at 262144 elements (1 MiB of x, 1 MiB of y) normal stores win, the lines
// staying in L2/L3; from 524288 (x alone fills L2) NT stores win, saving
// the read-for-ownership of y and leaving the caches to x. Hence x alone
// the size of L2, and never below 524288.
func ntMinAMD64() int {
	n := 1 << 19
	if l2 := cpuid.CPU.Cache.L2; l2/4 > n {
		n = l2 / 4
	}
	return n
}

func archKernels() []*kernels {
	nt := ntMinAMD64()
	var ks []*kernels
	if hasAVX512 {
		ks = append(ks, &kernels{name: "avx512", id: idAVX512, ntMin: nt, fused: true, vseed: true, masks: true})
	}
	if hasAVX2 {
		ks = append(ks, &kernels{name: "avx2", id: idAVX2, ntMin: nt, fused: true, vseed: true, masks: true})
	}
	return ks
}

// aligned reports whether p is a multiple of a (a power of two).
func aligned[T any](p *T, a uintptr) bool { return uintptr(unsafe.Pointer(p))&(a-1) == 0 }

// maskWords returns the n/64 keep-bit words a stream kernel writes and a
// pointer to the first (nil when bits is nil), reporting them to the race
// detector.
func maskWords(bits []uint64, n int) ([]uint64, *uint64) {
	if bits == nil {
		return nil, nil
	}
	bits = bits[:n/64]
	raceWrite(bits)
	return bits, &bits[0]
}

func archFwd(id int, st *lanes, y, x []float32, bits []uint64, thr uint32, scale float32, nt bool) {
	n := len(x)
	if n == 0 {
		return
	}
	y = y[:n]
	bits, pb := maskWords(bits, n)
	raceRead(x)
	raceWrite(y)
	if id == idAVX512 {
		nt = nt && aligned(&y[0], 64)
		if thr >= 1<<24 {
			// Nothing is kept, and thr<<8 does not fit: keeping every
			// element with factor +0 gives the same products, then the
			// keep bits are all zero.
			fwdAVX512(st, &y[0], &x[0], nil, n/64, 0, 0, nt)
			clear(bits)
			return
		}
		fwdAVX512(st, &y[0], &x[0], pb, n/64, thr<<8, scale, nt)
		return
	}
	fwdAVX2(st, &y[0], &x[0], pb, n/64, thr-1, scale, nt && aligned(&y[0], 32))
}

// archFwdAdd is archFwd with the residual added (fwdAddGeneric), the
// same thr >= 1<<24 handling: factor +0 everywhere gives res + x*(+0),
// which is what the generic kernel computes for a dropped element.
func archFwdAdd(id int, st *lanes, y, x, res []float32, bits []uint64, thr uint32, scale float32, nt bool) {
	n := len(x)
	if n == 0 {
		return
	}
	y, res = y[:n], res[:n]
	bits, pb := maskWords(bits, n)
	raceRead(x)
	raceRead(res)
	raceWrite(y)
	if id == idAVX512 {
		nt = nt && aligned(&y[0], 64)
		if thr >= 1<<24 {
			fwdAddAVX512(st, &y[0], &x[0], &res[0], nil, n/64, 0, 0, nt)
			clear(bits)
			return
		}
		fwdAddAVX512(st, &y[0], &x[0], &res[0], pb, n/64, thr<<8, scale, nt)
		return
	}
	fwdAddAVX2(st, &y[0], &x[0], &res[0], pb, n/64, thr-1, scale, nt && aligned(&y[0], 32))
}

// archAdd is addGeneric: AVX-512 does any length in assembly (a masked
// tail); AVX2 does the multiple of 8 and the rest here.
func archAdd(id int, dst, a, b []float32) {
	n := len(a)
	if n == 0 {
		return
	}
	dst, b = dst[:n], b[:n]
	raceRead(a)
	raceRead(b)
	raceWrite(dst)
	if id == idAVX512 {
		addAVX512(&dst[0], &a[0], &b[0], n)
		return
	}
	body := n &^ 7
	if body > 0 {
		addAVX2(&dst[0], &a[0], &b[0], body)
	}
	for i := body; i < n; i++ {
		dst[i] = a[i] + b[i]
	}
}

// archSeed is st.seedBlock(base, blk): seedAVX512 with AVX512DQ,
// seedAVX2 otherwise.
func archSeed(id int, st *lanes, base, blk uint64) {
	c := base + blk*(2*Lanes)*golden + golden
	if id == idAVX512 && hasAVX512DQ {
		seedAVX512(st, c)
		return
	}
	seedAVX2(st, c)
}

// archFence orders the non-temporal stores that the fwd and fwdAdd
// kernels of a stream call left unfenced: one SFENCE per call, not one per
// 8192-element block.
func archFence(int) { fenceAMD64() }

func archDraws(id int, st *lanes, u []uint32) {
	if len(u) == 0 {
		return
	}
	raceWrite(u)
	if id == idAVX512 {
		drawsAVX512(st, &u[0], len(u)/64)
		return
	}
	drawsAVX2(st, &u[0], len(u)/64)
}

func archBwd(id int, dx, dy []float32, words []uint64, scale float32, nt bool) {
	n := len(dy)
	if n == 0 {
		return
	}
	dx = dx[:n]
	words = words[:n/64]
	raceRead(dy)
	raceRead(words)
	raceWrite(dx)
	if id == idAVX512 {
		bwdAVX512(&dx[0], &dy[0], &words[0], n/64, scale, nt && aligned(&dx[0], 64))
		return
	}
	bwdAVX2(&dx[0], &dy[0], &words[0], n/64, scale, nt && aligned(&dx[0], 32))
}

func archScale(id int, y, x []float32, a float32, nt bool) {
	n := len(x)
	y = y[:n]
	raceRead(x)
	raceWrite(y)
	vec, align := 16, uintptr(64)
	if id != idAVX512 {
		vec, align = 8, 32
	}
	if nt && n > 0 && !aligned(&y[0], align) {
		// Elements up to the next aligned address of y in Go, so that
		// the non-temporal stores are aligned.
		h := min(n, int((align-uintptr(unsafe.Pointer(&y[0]))%align)/4))
		scaleGeneric(y[:h], x[:h], a)
		x, y, n = x[h:], y[h:], n-h
		nt = n > 0 && aligned(&y[0], align) // false only for a misaligned float32
	}
	body := n &^ (vec - 1)
	if body > 0 {
		if id == idAVX512 {
			scaleAVX512(&y[0], &x[0], body, a, nt)
		} else {
			scaleAVX2(&y[0], &x[0], body, a, nt)
		}
	}
	for i := body; i < n; i++ {
		y[i] = x[i] * a
	}
}

func archSkip(id int, st *lanes, n int) {
	if n <= 0 {
		return
	}
	if id == idAVX512 {
		skipAVX512(st, n)
		return
	}
	skipAVX2(st, n)
}

// fwdAVX512 is fwdGeneric over groups*64 elements with thr8 = thr<<8
// (thr < 1<<24) and bits nil or groups words long:
//
//	for i := 0; i < groups*64; i++ {
//		l := i % 16
//		keep := st.s[0][l]+st.s[3][l] >= thr8 // (s0+s3)>>8 >= thr
//		f := float32(0)
//		if keep {
//			f = scale
//		}
//		y[i] = x[i] * f
//		if bits != nil && keep {
//			bits[i/64] |= 1 << (i % 64) // each word is stored whole
//		}
//		if l == 15 {
//			st.skip(1)
//		}
//	}
//
// With nt (y 64-byte aligned), y is stored with VMOVNTPS and not fenced:
// the caller runs fenceAMD64 once after its last kernel call.
//
//go:noescape
func fwdAVX512(st *lanes, y, x *float32, bits *uint64, groups int, thr8 uint32, scale float32, nt bool)

// fwdAVX2 is fwdAVX512 for AVX2, with thrm1 = thr-1 (wrapping to
// 0xffffffff for thr = 0), compared as int32: keep = int32(u) > int32(thrm1)
// with u = (s0+s3)>>8. With nt, y is 32-byte aligned (and not fenced).
//
//go:noescape
func fwdAVX2(st *lanes, y, x *float32, bits *uint64, groups int, thrm1 uint32, scale float32, nt bool)

// drawsAVX512 is drawsGeneric over groups*64 draws:
//
//	for i := 0; i < groups*64; i++ {
//		l := i % 16
//		u[i] = (st.s[0][l] + st.s[3][l]) >> 8
//		if l == 15 {
//			st.skip(1)
//		}
//	}
//
//go:noescape
func drawsAVX512(st *lanes, u *uint32, groups int)

// drawsAVX2 is drawsAVX512 for AVX2.
//
//go:noescape
func drawsAVX2(st *lanes, u *uint32, groups int)

// bwdAVX512 is bwdGeneric over groups*64 elements:
//
//	for i := 0; i < groups*64; i++ {
//		f := float32(0)
//		if words[i/64]>>(i%64)&1 != 0 {
//			f = scale
//		}
//		dx[i] = dy[i] * f
//	}
//
// With nt (dx 64-byte aligned), dx is stored with VMOVNTPS.
//
//go:noescape
func bwdAVX512(dx, dy *float32, words *uint64, groups int, scale float32, nt bool)

// bwdAVX2 is bwdAVX512 for AVX2; with nt, dx is 32-byte aligned.
//
//go:noescape
func bwdAVX2(dx, dy *float32, words *uint64, groups int, scale float32, nt bool)

// scaleAVX512 is scaleGeneric over n elements, n a multiple of 16:
//
//	for i := 0; i < n; i++ {
//		y[i] = x[i] * a
//	}
//
// With nt (y 64-byte aligned), y is stored with VMOVNTPS.
//
//go:noescape
func scaleAVX512(y, x *float32, n int, a float32, nt bool)

// scaleAVX2 is scaleAVX512 for AVX2 with n a multiple of 8; with nt, y is
// 32-byte aligned.
//
//go:noescape
func scaleAVX2(y, x *float32, n int, a float32, nt bool)

// skipAVX512 is st.skip(n) for n > 0:
//
//	for k := 0; k < n; k++ {
//		for l := 0; l < 16; l++ {
//			s0, s1, s2, s3 := st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]
//			t := s1 << 9
//			s2 ^= s0
//			s3 ^= s1
//			s1 ^= s2
//			s0 ^= s3
//			s2 ^= t
//			s3 = bits.RotateLeft32(s3, 11)
//			st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = s0, s1, s2, s3
//		}
//	}
//
//go:noescape
func skipAVX512(st *lanes, n int)

// skipAVX2 is skipAVX512 for AVX2.
//
//go:noescape
func skipAVX2(st *lanes, n int)

// fwdAddAVX512 is fwdAVX512 with the residual added, each product rounded
// to float32 before the add (VMULPS, then VADDPS: never a fused
// multiply-add); y may be x or res (exactly):
//
//	for i := 0; i < groups*64; i++ {
//		l := i % 16
//		keep := st.s[0][l]+st.s[3][l] >= thr8 // (s0+s3)>>8 >= thr
//		f := float32(0)
//		if keep {
//			f = scale
//		}
//		p := x[i] * f // rounded to float32
//		y[i] = res[i] + p
//		if bits != nil && keep {
//			bits[i/64] |= 1 << (i % 64) // each word is stored whole
//		}
//		if l == 15 {
//			st.skip(1)
//		}
//	}
//
// With nt (y 64-byte aligned), y is stored with VMOVNTPS and not fenced:
// the caller runs fenceAMD64 once after its last kernel call.
//
//go:noescape
func fwdAddAVX512(st *lanes, y, x, res *float32, bits *uint64, groups int, thr8 uint32, scale float32, nt bool)

// fwdAddAVX2 is fwdAddAVX512 for AVX2, with thrm1 = thr-1 compared as
// int32 as in fwdAVX2. With nt, y is 32-byte aligned (and not fenced).
//
//go:noescape
func fwdAddAVX2(st *lanes, y, x, res *float32, bits *uint64, groups int, thrm1 uint32, scale float32, nt bool)

// addAVX512 is addGeneric over n elements, any n >= 0 (the last n%16 with
// masked loads and stores, touching nothing past the slices); dst may be a
// or b (exactly):
//
//	for i := 0; i < n; i++ {
//		dst[i] = a[i] + b[i]
//	}
//
//go:noescape
func addAVX512(dst, a, b *float32, n int)

// addAVX2 is addAVX512 for AVX2 with n a multiple of 8.
//
//go:noescape
func addAVX2(dst, a, b *float32, n int)

// seedAVX512 is st.seedBlock(base, blk) given c = base + blk*32*golden +
// golden (mod 2^64), the SplitMix64 input of the block's first word; it
// needs AVX512DQ (VPMULLQ):
//
//	for l := 0; l < 16; l++ {
//		a, b := mix64(c+uint64(2*l)*golden), mix64(c+uint64(2*l+1)*golden)
//		st.s[0][l], st.s[1][l] = uint32(a), uint32(a>>32)
//		st.s[2][l], st.s[3][l] = uint32(b), uint32(b>>32)
//	}
//
//go:noescape
func seedAVX512(st *lanes, c uint64)

// seedAVX2 is seedAVX512 for AVX2, each 64-bit multiply made of three
// VPMULUDQ.
//
//go:noescape
func seedAVX2(st *lanes, c uint64)

// fenceAMD64 is SFENCE: it orders the non-temporal stores issued before it
// (by fwdAVX512, fwdAVX2, fwdAddAVX512 and fwdAddAVX2 with nt, which do not
// fence) before every later store.
func fenceAMD64()
