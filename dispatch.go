package dropout

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"unsafe"
)

// The dispatch layer. Every kernel call of the package goes through one of
// the path methods below, which do what every path needs, once:
//
//   - the race annotations (the race detector cannot see into assembly);
//   - reslicing every operand to exactly the length the kernel will touch;
//   - the empty call, and p = 1 (thr = 1<<24, which lim = thr<<8 cannot
//     express: the kernels then keep everything with factor +0, which gives
//     the products of a dropped element, and the keep bits are cleared);
//   - tails: a kernel only ever sees whole 64-element groups (whole mask
//     words); a partial last group goes through the same kernel on a
//     zero-padded 64-element stack buffer;
//   - non-temporal stores only on an output aligned to the path's vector;
//   - bounded pieces: no kernel call gets more than pieceLen elements, so
//     that a stop-the-world request (the garbage collector) never waits for
//     more than one piece: Go cannot preempt assembly, nor the runtime's own
//     memclr and memmove.
//
// Below this layer a path is a set of kernels with one narrow contract:
// float kernels, for float32 and float64 elements, take a multiple of 64
// elements, the keep threshold as lim = thr<<8 (kept iff the 32-bit sum
// s0+s3 >= lim, unsigned) and factors as the bits of the element type. The architecture files (path_amd64.go, path_arm64.go,
// path_noasm.go) only map a path id to its kernels; generic.go holds the
// reference kernels, which every path reproduces bit for bit.

// path is one implementation: the generic Go kernels (id 0) or an
// architecture's assembly (other ids, defined by the architecture file).
type path struct {
	name string
	id   int
	// align is the vector size in bytes: non-temporal stores need an
	// output aligned to it.
	align uintptr
	// ntMin is the size of x (bytes) from which outputs are stored with
	// non-temporal hints (the data cannot stay in the caches anyway); 0
	// means never.
	ntMin int
	// parMin is the call length from which a Parallel Dropout splits a
	// call over goroutines (measurements in parallel.go).
	parMin int
}

// pieceLen bounds the elements (or mask words' worth of elements) of one
// kernel call: 32768 float32 take 10-15 µs at DRAM speed on AVX-512 (float64
// twice that), and
// well under 1 ms even when every element is a subnormal (a microcode
// assist each), so a stop-the-world request waits at most that long. A
// multiple of 64 and of BlockSize.
const pieceLen = 1 << 15

// eachPiece calls f(i, j) for the pieces [i, j) of at most pieceLen
// elements that cover the whole 64-element groups of n elements, and
// returns body, the number of elements they cover: the tail [body, n) is
// the caller's, through a 64-element stack buffer.
func eachPiece(n int, f func(i, j int)) (body int) {
	body = n &^ 63
	for i := 0; i < body; i += pieceLen {
		f(i, min(body, i+pieceLen))
	}
	return body
}

// testHookPiece, when set by a test, sees every kernel call: the kernel's
// name and its length in elements.
var testHookPiece func(kernel string, n int)

// hook runs before every kernel call, memclr and memmove piece.
func hook(kernel string, n int) {
	if testHookPiece != nil {
		testHookPiece(kernel, n)
	}
}

// piece is hook for the memclr and memmove pieces, and their preemption
// point: not inlined and not a leaf, it has the stack check at which a
// goroutine stops for a stop-the-world request. A loop of pieces that
// calls only the runtime's memclr or memmove (assembly) can otherwise be
// stopped only by the asynchronous preemption signal landing between two
// pieces: measured, a stop-the-world request then waited 7.5 ms (median)
// during an Inverted Infer of 2^24 elements. The kernel pieces need no such
// call: each goes through a Go function of its own (kbwd, kscale, ...).
//
//go:noinline
func piece(kernel string, n int) { hook(kernel, n) }

// isAligned reports whether the first element of s is aligned to the
// path's vector size.
func isAligned[T Float](p *path, s []T) bool {
	return len(s) > 0 && uintptr(unsafe.Pointer(&s[0]))%p.align == 0
}

// useNT reports whether a call of n elements of T should store with
// non-temporal hints.
func useNT[T Float](p *path, n int) bool {
	var z T
	return p.ntMin > 0 && n >= p.ntMin/int(unsafe.Sizeof(z))
}

// seed sets st to block blk's lanes at step 0 (lanes.seedBlock).
func (p *path) seed(st *lanes, base, blk uint64) {
	hook("seed", 0)
	if p.id == 0 || !archSeed(p.id, &st.s, base+blk*(2*Lanes)*golden+golden) {
		st.seedBlock(base, blk)
	}
}

// skip advances every lane n steps (n < BlockSize/Lanes: a stream call skips
// inside one block).
func (p *path) skip(st *lanes, n int) {
	if n <= 0 {
		return
	}
	hook("skip", n*Lanes)
	if p.id == 0 {
		st.skip(n)
		return
	}
	archSkip(p.id, &st.s, n)
}

// The float kernels of a path are called through the generic functions
// below, for T = float32 or float64: the kernel's name for the hook is
// its family and the width, e.g. "fwd32" or "bwd64".

// kname returns the name of kernel family k for elements of type T.
func kname[T Float](k32, k64 string) string {
	if wide[T]() {
		return k64
	}
	return k32
}

// fwd is the stream kernel of Forward and, with res, of DropoutAdd:
// y[i] = x[i]*f_i (or res[i] + T(x[i]*f_i)), f_i = the T with bits sb if
// u_i >= thr and +0 otherwise, keep bits to bits unless nil. len(x) is a
// multiple of 64 and at most BlockSize (the driver calls it once per
// block); st advances len(x)/16 steps. y may be x or res; nt asks for
// non-temporal stores, which the driver fences once per call (fence).
func fwd[T Float](p *path, st *lanes, y, x, res []T, bits []uint64, thr uint32, sb uint64, nt bool) {
	n := len(x)
	if n == 0 {
		return
	}
	y = y[:n]
	if bits != nil {
		bits = bits[:n/64]
	}
	raceRead(x)
	raceWrite(y)
	raceWrite(bits)
	out, lim := bits, thr<<8
	if thr >= 1<<24 { // nothing kept: lim = 0 keeps all, with factor +0
		out, lim, sb = nil, 0, 0
	}
	nt = nt && isAligned(p, y)
	if res == nil {
		hook(kname[T]("fwd32", "fwd64"), n)
		if p.id == 0 {
			fwdGeneric(st, y, x, out, lim, sb)
		} else {
			archFwd(p.id, &st.s, y, x, out, lim, sb, nt)
		}
	} else {
		res = res[:n]
		raceRead(res)
		hook(kname[T]("fwdAdd32", "fwdAdd64"), n)
		if p.id == 0 {
			fwdAddGeneric(st, y, x, res, out, lim, sb)
		} else {
			archFwdAdd(p.id, &st.s, y, x, res, out, lim, sb, nt)
		}
	}
	if thr >= 1<<24 {
		clear(bits)
	}
}

// draws: u[i] = u_i, len(u) a multiple of 64 and at most BlockSize; st
// advances len(u)/16 steps.
func (p *path) draws(st *lanes, u []uint32) {
	if len(u) == 0 {
		return
	}
	raceWrite(u)
	hook("draws", len(u))
	if p.id == 0 {
		drawsGeneric(st, u)
		return
	}
	archDraws(p.id, &st.s, u)
}

// fence orders the non-temporal stores that the fwd kernels of one stream
// call left unfenced (one SFENCE per call on amd64, not one per block).
func (p *path) fence() {
	if p.id != 0 {
		archFence(p.id)
	}
}

// bwd: dx[i] = dy[i] * (bit i of words ? the T with bits sb : +0), any
// length; dx may be dy.
func bwd[T Float](p *path, dx, dy []T, words []uint64, sb uint64, nt bool) {
	n := len(dy)
	dx, words = dx[:n], words[:MaskLen(n)]
	raceRead(dy)
	raceRead(words)
	raceWrite(dx)
	body := eachPiece(n, func(i, j int) {
		kbwd(p, dx[i:j], dy[i:j], words[i/64:j/64], sb, nt && isAligned(p, dx[i:j]))
	})
	if body < n {
		var b [64]T
		copy(b[:], dy[body:])
		kbwd(p, b[:], b[:], words[body/64:], sb, false)
		copy(dx[body:], b[:])
	}
}

func kbwd[T Float](p *path, dx, dy []T, words []uint64, sb uint64, nt bool) {
	hook(kname[T]("bwd32", "bwd64"), len(dy))
	if p.id == 0 {
		bwdGeneric(dx, dy, words, sb)
		return
	}
	archBwd(p.id, dx, dy, words, sb, nt)
}

// scale: y[i] = x[i] * a (a as the bits of a T), any length; y may be x.
// With nt, the elements before the first vector-aligned one of y go
// through the stack buffer, so that the non-temporal stores are aligned.
func scale[T Float](p *path, y, x []T, a uint64, nt bool) {
	n := len(x)
	y = y[:n]
	raceRead(x)
	raceWrite(y)
	if nt && n > 0 && !isAligned(p, y) {
		es := unsafe.Sizeof(y[0])
		h := min(n, int((p.align-uintptr(unsafe.Pointer(&y[0]))%p.align)/es))
		scaleBuf(p, y[:h], x[:h], a)
		x, y, n = x[h:], y[h:], n-h
		nt = isAligned(p, y) // false only for a slice misaligned to its element size
	}
	body := eachPiece(n, func(i, j int) { kscale(p, y[i:j], x[i:j], a, nt) })
	if body < n {
		scaleBuf(p, y[body:], x[body:], a)
	}
}

// scaleBuf runs the scale kernel on fewer than 64 elements through a
// stack buffer.
func scaleBuf[T Float](p *path, y, x []T, a uint64) {
	var b [64]T
	copy(b[:], x)
	kscale(p, b[:], b[:], a, false)
	copy(y, b[:])
}

func kscale[T Float](p *path, y, x []T, a uint64, nt bool) {
	hook(kname[T]("scale32", "scale64"), len(x))
	if p.id == 0 {
		scaleGeneric(y, x, a)
		return
	}
	archScale(p.id, y, x, a, nt)
}

// add: dst[i] = a[i] + b[i], any length; dst may be a or b.
func add[T Float](p *path, dst, a, b []T) {
	n := len(a)
	dst, b = dst[:n], b[:n]
	raceRead(a)
	raceRead(b)
	raceWrite(dst)
	body := eachPiece(n, func(i, j int) { kadd(p, dst[i:j], a[i:j], b[i:j]) })
	if body < n {
		var ba, bb [64]T
		copy(ba[:], a[body:])
		copy(bb[:], b[body:])
		kadd(p, ba[:], ba[:], bb[:])
		copy(dst[body:], ba[:])
	}
}

func kadd[T Float](p *path, dst, a, b []T) {
	hook(kname[T]("add32", "add64"), len(a))
	if p.id == 0 {
		addGeneric(dst, a, b)
		return
	}
	archAdd(p.id, dst, a, b)
}

// maskElem is the element type of an unpacked mask: 0/1 bytes (and bools)
// or 0/1 floats.
type maskElem interface{ uint8 | float32 | float64 }

// as views s as a []E, for element types of the same size and
// representation ([]bool as its 0/1 bytes, or a maskElem as the type its
// size says it is: the callers check the size, a constant per
// instantiation). No conversion, no allocation.
func as[E, T any](s []T) []E {
	return unsafe.Slice((*E)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// unpack: dst[i] = bit i of words as 0 or 1 (bytes: unpack8; floats: 1 or
// +0, unpack32 and unpack64), any len(dst) <= 64*len(words).
func unpack[T maskElem](p *path, dst []T, words []uint64) {
	n := len(dst)
	words = words[:MaskLen(n)]
	raceRead(words)
	raceWrite(dst)
	if body := eachPiece(n, func(i, j int) { kunpack(p, dst[i:j], words[i/64:j/64]) }); body < n {
		var b [64]T
		kunpack(p, b[:], words[body/64:])
		copy(dst[body:], b[:])
	}
}

// The conversions by element type.
func (p *path) unpack8(dst []uint8, words []uint64)    { unpack(p, dst, words) }
func (p *path) unpack32(dst []float32, words []uint64) { unpack(p, dst, words) }
func (p *path) unpack64(dst []float64, words []uint64) { unpack(p, dst, words) }
func (p *path) pack8(words []uint64, src []uint8)      { pack(p, words, src) }
func (p *path) pack32(words []uint64, src []float32)   { pack(p, words, src) }
func (p *path) pack64(words []uint64, src []float64)   { pack(p, words, src) }

func kunpack[T maskElem](p *path, dst []T, words []uint64) {
	var z T
	switch unsafe.Sizeof(z) {
	case 1:
		hook("unpack8", len(dst))
		if p.id == 0 {
			unpack8Generic(as[uint8](dst), words)
		} else {
			archUnpack8(p.id, as[uint8](dst), words)
		}
	case 4:
		kunpackF(p, as[float32](dst), words)
	default:
		kunpackF(p, as[float64](dst), words)
	}
}

func kunpackF[T Float](p *path, dst []T, words []uint64) {
	hook(kname[T]("unpack32", "unpack64"), len(dst))
	if p.id == 0 {
		unpackFGeneric(dst, words)
	} else {
		archUnpackF(p.id, dst, words)
	}
}

// pack: bit i of words = src[i] != 0 (for floats: NaN nonzero, -0 zero),
// and the bits past len(src) in the last word cleared.
func pack[T maskElem](p *path, words []uint64, src []T) {
	n := len(src)
	words = words[:MaskLen(n)]
	raceWrite(words)
	raceRead(src)
	if body := eachPiece(n, func(i, j int) { kpack(p, words[i/64:j/64], src[i:j]) }); body < n {
		var b [64]T // its zeros clear the bits past n
		copy(b[:], src[body:])
		kpack(p, words[body/64:], b[:])
	}
}

func kpack[T maskElem](p *path, words []uint64, src []T) {
	var z T
	switch unsafe.Sizeof(z) {
	case 1:
		hook("pack8", len(src))
		if p.id == 0 {
			pack8Generic(words, as[uint8](src))
		} else {
			archPack8(p.id, words, as[uint8](src))
		}
	case 4:
		kpackF(p, words, as[float32](src))
	default:
		kpackF(p, words, as[float64](src))
	}
}

func kpackF[T Float](p *path, words []uint64, src []T) {
	hook(kname[T]("pack32", "pack64"), len(src))
	if p.id == 0 {
		packFGeneric(words, src)
	} else {
		archPackF(p.id, words, src)
	}
}

// clearPieces zeroes s in pieces: the runtime's memclr cannot be preempted
// either.
func clearPieces[T any](s []T) {
	for len(s) > 0 {
		c := min(len(s), pieceLen)
		piece("clear", c)
		clear(s[:c])
		s = s[c:]
	}
}

// copyPieces is copy(dst, src) in pieces, for the same reason.
func copyPieces[T any](dst, src []T) {
	n := min(len(dst), len(src))
	for i := 0; i < n; i += pieceLen {
		j := min(n, i+pieceLen)
		piece("copy", j-i)
		copy(dst[i:j], src[i:j])
	}
}

// The paths this CPU and build can run, best first, the generic path last;
// active holds the one in use.
var (
	genericPath = path{name: "generic", align: 4, parMin: parMinGeneric}
	available   []*path
	active      atomic.Pointer[path]
)

func init() {
	disabled := map[string]bool{}
	for _, name := range strings.Split(os.Getenv("DROPOUT_DISABLE"), ",") {
		disabled[strings.TrimSpace(strings.ToLower(name))] = true
	}
	for _, p := range archPaths() {
		if !disabled[p.name] {
			available = append(available, p)
		}
	}
	available = append(available, &genericPath)
	active.Store(available[0])
}

// Kernel returns the name of the path in use: "avx512", "avx2", "neon" or
// "generic". The best path the CPU supports is chosen once at start-up; the
// environment variable DROPOUT_DISABLE, a comma-separated list of path
// names read at start-up, turns paths off (DROPOUT_DISABLE=avx512,avx2
// leaves the generic path on amd64). Builds with the purego tag always use
// "generic".
func Kernel() string { return active.Load().name }

// Kernels returns the names of the paths this CPU and build can run, best
// first; "generic" is always last. Paths turned off by DROPOUT_DISABLE are
// not listed.
func Kernels() []string {
	names := make([]string, len(available))
	for i, p := range available {
		names[i] = p.name
	}
	return names
}

// UseKernel makes the named path, one of Kernels(), the one in use by every
// later call, and returns an error naming the available paths otherwise.
// Every path gives the same bits; this is for benchmarks and tests that
// compare them. Calls already running finish on the path they started with.
func UseKernel(name string) error {
	for _, p := range available {
		if p.name == name {
			active.Store(p)
			return nil
		}
	}
	return fmt.Errorf("dropout.UseKernel: %q is not available here; available: %s", name, strings.Join(Kernels(), ", "))
}
