// Command _asm generates the amd64 assembly of package dropout with avo:
// asm_amd64.s and asm_amd64_stubs.go in the package root. Run it with
// `go generate ./...` in the package root, which runs
//
//	go run -C _asm . -out ../asm_amd64.s -stubs ../asm_amd64_stubs.go -pkg dropout
//
// It is its own module so that avo never becomes a dependency of the library.
//
// Every kernel family is ONE Go function here, called once per ISA (isa:
// AVX-512 with K registers, AVX2 with ymm vectors and movemask) and, for the
// float kernels, per element type (elem: float32 and float64).
// The kernel contract is in dispatch.go (what every path's kernels take)
// and in the stub docs (docs.go: each stub's Go loop); generic.go holds the
// Go references every kernel reproduces bit for bit.
//
// The 16 xoshiro128+ lanes live in registers for a whole call: one zmm per
// state word on AVX-512, two ymm per state word on AVX2 (lanes 0-7, then
// 8-15). One step of the 16 lanes serves 16 consecutive elements; a loop
// iteration does four steps, which is 64 elements and one 64-bit mask word.
//
// Rules every kernel keeps (each was measured or is a contract point):
//   - Constants reach vector registers by VEX or EVEX instructions only
//     (VMOVD from a general register, VPBROADCAST*, VBROADCASTSS from memory):
//     one legacy SSE instruction measured ~140 ns a call here, a state
//     transition. Hence no avo Load of a float parameter (that is MOVSS).
//   - VZEROUPPER before every RET that follows vector code.
//   - A length of 0 returns before touching memory or vector registers.
//   - Every element is loaded before the store of the same offset, so y may
//     be exactly x (or res, or, for add, dst may be a or b).
//   - Products are real multiplies (x * factor with factor = keep ? sb : +0):
//     NaN*0 = NaN, -x*0 = -0; fwdAdd rounds the product, then adds (never a
//     fused multiply-add).
//   - Non-temporal loops (nt) prefetch their inputs 4096 bytes ahead into L2
//     (PREFETCHT1) and store the mask words with normal stores; fwd and
//     fwdAdd do not fence (the driver calls fenceAMD64), bwd and scale do.
package main

import (
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func main() {
	// amd64 too: the stub file's name (asm_amd64_stubs.go) does not end in
	// _amd64.go, so its name alone does not restrict it to amd64.
	ConstraintExpr("amd64,!purego") // avo's syntax for amd64 && !purego

	// The constant tables first, each once, at the top of the file.
	bitWeights()
	byteSpread()
	packOrder()
	seedConst()
	seedPick()
	signShift()
	pairOrder()
	laneOrder()

	// The float64 kernels after all the float32 ones, so that the float32
	// part of asm_amd64.s reads as it did before float64.
	for _, s := range isas {
		fwd(s, f32, false)
		fwd(s, f32, true)
		draws(s)
		skip(s)
		bwd(s, f32)
		scale(s, f32)
		add(s, f32)
		unpack8(s)
		pack8(s)
		unpack(s, f32)
		pack(s, f32)
		seed(s)
	}
	fence()
	for _, s := range isas {
		fwd(s, f64, false)
		fwd(s, f64, true)
		bwd(s, f64)
		scale(s, f64)
		add(s, f64)
		unpack(s, f64)
		pack(s, f64)
	}

	Generate()
}

// isa describes one amd64 vector path. Kernels branch on kmask where the two
// ISAs differ in kind (K registers against vector masks and movemask); vector
// widths, offsets and register counts come from vbytes.
type isa struct {
	name   string // stub suffix: AVX512 or AVX2
	vbytes int    // bytes per vector register: 64 (zmm) or 32 (ymm)
	kmask  bool   // AVX-512: compares write K registers, masked moves select
}

var (
	avx512 = isa{name: "AVX512", vbytes: 64, kmask: true}
	avx2   = isa{name: "AVX2", vbytes: 32, kmask: false}
	isas   = []isa{avx512, avx2}
)

// vec returns a new virtual vector register of the ISA's width.
func (s isa) vec() reg.VecVirtual {
	if s.kmask {
		return ZMM()
	}
	return YMM()
}

// lanes32 is the number of 32-bit lanes per vector: 16 or 8.
func (s isa) lanes32() int { return s.vbytes / 4 }

// halves is the number of vectors that hold one state word of the 16
// generator lanes: 1 (zmm) or 2 (ymm).
func (s isa) halves() int { return 16 / s.lanes32() }

// elem describes the element type of the float kernels. The keep bits and
// the generator are the same for every type (16 lanes, one bit per
// element); what changes is how many elements a vector holds, hence how many
// vectors one generator step of 16 lanes feeds (perStep), and the
// instructions of the float operations.
type elem struct {
	name   string // stub suffix: 32 or 64
	size   int    // bytes per element
	goType string // float32 or float64
	bitsGo string // the factor's bits type: uint32 or uint64
	one    uint64 // the bits of 1.0 (unpack)
	abs    uint64 // every bit but the sign (pack: x&abs != 0 is x != 0)
	// Instructions, all VEX/EVEX.
	bcast func(ops ...Op)     // broadcast an element from memory: VBROADCASTSS, VBROADCASTSD
	mul   func(ops ...Op)     // VMULPS, VMULPD
	addf  func(ops ...Op)     // VADDPS, VADDPD
	movu  func(ops ...Op)     // unaligned load or store: VMOVUPS, VMOVUPD
	movnt func(xyz, m Op)     // non-temporal store: VMOVNTPS, VMOVNTPD
	movz  func(mxyz, k, d Op) // zero-masked move (AVX-512): VMOVAPS.Z, VMOVAPD.Z
}

var (
	f32 = elem{
		name: "32", size: 4, goType: "float32", bitsGo: "uint32", one: 0x3f800000, abs: 0x7fffffff,
		bcast: VBROADCASTSS, mul: VMULPS, addf: VADDPS, movu: VMOVUPS, movnt: VMOVNTPS, movz: VMOVAPS_Z,
	}
	f64 = elem{
		name: "64", size: 8, goType: "float64", bitsGo: "uint64", one: 0x3ff0000000000000, abs: 0x7fffffffffffffff,
		bcast: VBROADCASTSD, mul: VMULPD, addf: VADDPD, movu: VMOVUPD, movnt: VMOVNTPD, movz: VMOVAPD_Z,
	}
)

// store writes the vector v to m: a non-temporal store with nt, else an
// unaligned one.
func (e elem) store(v, m Op, nt bool) {
	if nt {
		e.movnt(v, m)
	} else {
		e.movu(v, m)
	}
}

// perVec is the number of elements per vector register.
func (e elem) perVec(s isa) int { return s.vbytes / e.size }

// perStep is the number of element vectors one generator vector (lanes32
// lanes) feeds: 1 for float32, 2 for float64 (the generator vector's keep
// mask split between them: see splitKeep).
func (e elem) perStep() int { return e.size / 4 }

// ---------------------------------------------------------------------------
// Small helpers.
// ---------------------------------------------------------------------------

// paramAddr is the stack address of a basic (or basic component) parameter.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// at is the memory operand off(base).
func at(base reg.Register, off int) Mem { return Mem{Base: base, Disp: off} }

// kernel starts the kernel named base+s.name (base ends in e.name for the
// float kernels): its TEXT with the signature sig, its doc comment (the
// equivalent Go loop, from the template doc) and //go:noescape. sig and doc
// are templates of docs.go, expanded for s and e.
func kernel(base string, s isa, e elem, sig, doc string) {
	name := base + s.name
	r := s.templates(name, e)
	TEXT(name, NOSPLIT, "func"+r.Replace(sig))
	Pragma("noescape")
	Doc(strings.Split(strings.TrimSpace(r.Replace(doc)), "\n")...)
}

// ptr loads the base pointer of the slice parameter param into a new
// register.
func ptr(param string) reg.Register { return Load(Param(param).Base(), GP64()) }

// count loads len(param) into a new register, divides it by div (a power
// of two) and jumps to label ret if the result is 0.
func count(param string, shift int, ret string) reg.Register {
	n := Load(Param(param).Len(), GP64())
	if shift > 0 {
		SHRQ(U8(shift), n)
	} else {
		TESTQ(n, n)
	}
	JZ(LabelRef(ret))
	return n
}

// broadcast32 puts the 32-bit constant c in every lane of a new vector with
// VEX/EVEX instructions only: MOVL to a general register, then EVEX
// VPBROADCASTD from it (AVX-512) or VMOVD and VPBROADCASTD (AVX2).
func (s isa) broadcast32(c uint32) reg.VecVirtual {
	g := GP32()
	MOVL(U32(c), g)
	v := s.vec()
	if s.kmask {
		VPBROADCASTD(g, v)
	} else {
		VMOVD(g, v.AsX())
		VPBROADCASTD(v.AsX(), v)
	}
	return v
}

// broadcastElem puts the element-sized constant c in every element of a
// new vector (VEX/EVEX only, as broadcast32; for 8-byte elements MOVQ,
// then VPBROADCASTQ, from the general register on AVX-512, through VMOVQ
// on AVX2).
func (s isa) broadcastElem(e elem, c uint64) reg.VecVirtual {
	if e.size == 4 {
		return s.broadcast32(uint32(c))
	}
	g := GP64()
	MOVQ(U64(c), g)
	v := s.vec()
	if s.kmask {
		VPBROADCASTQ(g, v)
	} else {
		VMOVQ(g, v.AsX())
		VPBROADCASTQ(v.AsX(), v)
	}
	return v
}

// done ends a kernel: VZEROUPPER, then the label that the zero-length check
// jumps to, then RET.
func done(ret string) {
	VZEROUPPER()
	Label(ret)
	RET()
}

// stride is a pointer that a loop steps on by a fixed number of bytes an
// iteration.
type stride struct {
	p  reg.Register
	by int
}

// next ends an iteration of the loop at label: every pointer steps on by its
// stride (ADDQ, with an 8-bit immediate where it fits), n counts down and
// the loop repeats while n != 0.
func next(label string, n reg.Register, ss ...stride) {
	for _, st := range ss {
		if st.by < 128 {
			ADDQ(U8(st.by), st.p)
		} else {
			ADDQ(U32(st.by), st.p)
		}
	}
	DECQ(n)
	JNZ(LabelRef(label))
}

// ntLoops emits the two loops of a kernel whose stores may be non-temporal
// (the pf parameter, > 0): iter(nt) is the work of one iteration (64
// elements), ss the pointers' strides. The non-temporal loop prefetches the
// next 64 elements (of type e) of in, the input it streams, pf bytes ahead
// into L2, and fences its stores (SFENCE).
func ntLoops(n, in reg.Register, e elem, iter func(nt bool), ss ...stride) {
	pf := toNT()
	Comment("Normal stores.")
	Label("loop")
	iter(false)
	next("loop", n, ss...)
	JMP(LabelRef("done"))
	Comment("Non-temporal stores, then SFENCE.")
	Label("nt")
	prefetch(in, pf, 64*e.size)
	iter(true)
	next("nt", n, ss...)
	SFENCE()
	Label("done")
	done("ret")
}

// toNT loads the pf parameter and jumps to label nt if it is not 0 (the
// non-temporal loops); it returns pf's register, for prefetch.
func toNT() reg.Register {
	pf := Load(Param("pf"), GP64())
	TESTQ(pf, pf)
	JNZ(LabelRef("nt"))
	return pf
}

// fence emits fenceAMD64.
func fence() {
	TEXT("fenceAMD64", NOSPLIT, "func()")
	Doc("fenceAMD64 is SFENCE: it orders the non-temporal stores issued before it",
		"(by the fwd and fwdAdd kernels with nt, which do not fence) before every",
		"later store.")
	SFENCE()
	RET()
}
