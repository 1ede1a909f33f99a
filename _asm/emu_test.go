package main

// An emulator of the instructions the generated AVX-512 kernels use, so that
// they are checked on machines without AVX-512 (the development VM of
// 2026-11-29 is an AMD EPYC with AVX2 only, and qemu's TCG has no AVX-512).
// It reads ../asm_amd64.s, runs each AVX512 kernel on random arguments and
// compares every output, and the lane state, with the stub's documented Go
// loop (references below). It also fails on any memory access outside the
// argument slices and tables (the guard-page rule of the package's tests).
//
// Run: go test in _asm (after go generate in the package root).

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

type inst struct {
	op   string
	args []string
}

type prog struct {
	funcs  map[string][]inst
	labels map[string]map[string]int
	data   map[string][]byte // static tables
}

func parseAsm(t *testing.T, path string) *prog {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := &prog{funcs: map[string][]inst{}, labels: map[string]map[string]int{}, data: map[string][]byte{}}
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "DATA ") {
			// DATA name<>+off(SB)/8, $0x...
			rest := strings.TrimPrefix(line, "DATA ")
			name := rest[:strings.Index(rest, "<>")]
			off, _ := strconv.Atoi(rest[strings.Index(rest, "+")+1 : strings.Index(rest, "(SB)")])
			v, _ := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(rest[strings.Index(rest, "$")+1:]), "0x"), 16, 64)
			d := p.data[name]
			for len(d) < off+8 {
				d = append(d, 0)
			}
			binary.LittleEndian.PutUint64(d[off:], v)
			p.data[name] = d
			continue
		}
		if strings.HasPrefix(line, "GLOBL") {
			continue
		}
		if strings.HasPrefix(line, "TEXT ") {
			cur = line[strings.Index(line, "·")+len("·") : strings.Index(line, "(SB)")]
			p.labels[cur] = map[string]int{}
			continue
		}
		if strings.HasSuffix(line, ":") {
			p.labels[cur][strings.TrimSuffix(line, ":")] = len(p.funcs[cur])
			continue
		}
		op, rest, _ := strings.Cut(line, " ")
		var args []string
		for _, a := range strings.Split(rest, ",") {
			if a = strings.TrimSpace(a); a != "" {
				args = append(args, a)
			}
		}
		p.funcs[cur] = append(p.funcs[cur], inst{op, args})
	}
	return p
}

// machine is the emulated state: flat memory with named regions (the only
// addresses an access may touch), the frame arguments by name, registers.
type machine struct {
	t       *testing.T
	mem     []byte
	regions [][2]int // [start, end) of every slice and table
	symbols map[string]int
	args    map[string]uint64
	gp      map[string]uint64
	z       [32][64]byte
	k       [8]uint64
	zf, sf  bool
	touched bool // any access to argument memory
}

const memBase = 4096

func newMachine(t *testing.T, p *prog) *machine {
	m := &machine{t: t, mem: make([]byte, memBase), symbols: map[string]int{}, args: map[string]uint64{}, gp: map[string]uint64{}}
	for _, name := range []string{"bitWeights", "byteSpread", "packOrder", "seedConst", "seedPick", "signShift", "pairOrder"} {
		m.symbols[name] = m.alloc(p.data[name])
	}
	return m
}

// alloc places b in memory with a gap before it and returns its address.
func (m *machine) alloc(b []byte) int {
	m.mem = append(m.mem, make([]byte, 64+rand.IntN(64))...)
	a := len(m.mem)
	m.mem = append(m.mem, b...)
	m.regions = append(m.regions, [2]int{a, a + len(b)})
	return a
}

func (m *machine) check(a, n int) {
	for _, r := range m.regions {
		if a >= r[0] && a+n <= r[1] {
			return
		}
	}
	m.t.Fatalf("access of %d bytes at %#x outside every slice", n, a)
}

func (m *machine) read(a, n int) []byte {
	m.check(a, n)
	m.touched = true
	return m.mem[a : a+n]
}

func (m *machine) write(a int, b []byte) {
	m.check(a, len(b))
	m.touched = true
	copy(m.mem[a:], b)
}

// gpName maps the Go assembler's register names (which do not show width).
func isGP(s string) bool {
	switch s {
	case "AX", "BX", "CX", "DX", "SI", "DI", "BP", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15":
		return true
	}
	return false
}

func zreg(s string) int {
	if len(s) > 1 && (s[0] == 'Z' || s[0] == 'Y' || s[0] == 'X') {
		if n, err := strconv.Atoi(s[1:]); err == nil {
			return n
		}
	}
	return -1
}

func kreg(s string) int {
	if len(s) == 2 && s[0] == 'K' {
		return int(s[1] - '0')
	}
	return -1
}

func imm(s string) uint64 {
	s = strings.TrimPrefix(s, "$")
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), map[bool]int{true: 16, false: 10}[strings.HasPrefix(s, "0x")], 64)
	if err != nil {
		panic(s)
	}
	return v
}

// addr resolves a memory operand: off(REG), sym<>+off(SB); FP operands are
// handled by the caller.
func (m *machine) addr(s string) int {
	if strings.Contains(s, "(SB)") {
		name := s[:strings.Index(s, "<>")]
		off := 0
		if i := strings.Index(s, "+"); i >= 0 {
			off, _ = strconv.Atoi(s[i+1 : strings.Index(s, "(SB)")])
		}
		return m.symbols[name] + off
	}
	i := strings.Index(s, "(")
	off := 0
	if i > 0 {
		off, _ = strconv.Atoi(s[:i])
	}
	return int(m.gp[s[i+1:len(s)-1]]) + off
}

func isFP(s string) bool  { return strings.HasSuffix(s, "(FP)") }
func isMem(s string) bool { return strings.HasSuffix(s, ")") && !isFP(s) }
func fpName(s string) string {
	return s[:strings.Index(s, "+")]
}

// src reads n bytes from a register, memory or frame operand.
func (m *machine) src(s string, n int) []byte {
	switch {
	case isFP(s):
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, m.args[fpName(s)])
		return b[:n]
	case isMem(s):
		return append([]byte(nil), m.read(m.addr(s), n)...)
	case zreg(s) >= 0:
		return append([]byte(nil), m.z[zreg(s)][:n]...)
	case isGP(s):
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, m.gp[s])
		return b[:n]
	}
	m.t.Fatalf("bad source %q", s)
	return nil
}

func (m *machine) dstVec(s string, b []byte) {
	if isMem(s) {
		m.write(m.addr(s), b)
		return
	}
	m.z[zreg(s)] = [64]byte{}
	copy(m.z[zreg(s)][:], b)
}

func u32s(b []byte) []uint32 {
	r := make([]uint32, len(b)/4)
	for i := range r {
		r[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return r
}

func u64s(b []byte) []uint64 {
	r := make([]uint64, len(b)/8)
	for i := range r {
		r[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return r
}

func b32(v []uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

func b64(v []uint64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], x)
	}
	return b
}

// lanes applies f lane-wise to the lanes of a and b (b may be nil: y is
// then 0), decoded by dec and the result encoded by enc.
func lanes[T uint32 | uint64](a, b []byte, dec func([]byte) []T, enc func([]T) []byte, f func(x, y T) T) []byte {
	x := dec(a)
	var y []T
	if b != nil {
		y = dec(b)
	}
	r := make([]T, len(x))
	for i := range x {
		var yi T
		if y != nil {
			yi = y[i]
		}
		r[i] = f(x[i], yi)
	}
	return enc(r)
}

// lanes32 applies f to the 16 dwords of a and b, lanes64 to the 8 qwords.
func lanes32(a, b []byte, f func(x, y uint32) uint32) []byte { return lanes(a, b, u32s, b32, f) }
func lanes64(a, b []byte, f func(x, y uint64) uint64) []byte { return lanes(a, b, u64s, b64, f) }

func (m *machine) run(p *prog, fn string) {
	code, labels := p.funcs[fn], p.labels[fn]
	if code == nil {
		m.t.Fatalf("no function %s", fn)
	}
	for pc, steps := 0, 0; ; steps++ {
		if steps > 50_000_000 {
			m.t.Fatal("runaway")
		}
		in := code[pc]
		pc++
		a := in.args
		switch in.op {
		case "RET":
			return
		case "VZEROUPPER", "SFENCE":
		case "PREFETCHT1":
			// A hint: no access is made, so no bound applies.
		case "JMP":
			pc = labels[a[0]]
		case "JZ", "JE":
			if m.zf {
				pc = labels[a[0]]
			}
		case "JNZ", "JNE":
			if !m.zf {
				pc = labels[a[0]]
			}
		case "JLE":
			if m.zf || m.sf {
				pc = labels[a[0]]
			}
		case "MOVQ":
			if isMem(a[1]) {
				m.write(m.addr(a[1]), m.src(a[0], 8))
			} else if strings.HasPrefix(a[0], "$") {
				m.gp[a[1]] = imm(a[0])
			} else {
				m.gp[a[1]] = binary.LittleEndian.Uint64(m.src(a[0], 8))
			}
		case "MOVL":
			if strings.HasPrefix(a[0], "$") {
				m.gp[a[1]] = imm(a[0]) & 0xffffffff
			} else {
				m.gp[a[1]] = uint64(binary.LittleEndian.Uint32(m.src(a[0], 4)))
			}
		case "SHRQ":
			m.gp[a[1]] >>= imm(a[0])
			m.flags(m.gp[a[1]])
		case "SHRL":
			m.gp[a[1]] = (m.gp[a[1]] & 0xffffffff) >> imm(a[0])
			m.flags32(m.gp[a[1]])
		case "DECQ":
			m.gp[a[0]]--
			m.flags(m.gp[a[0]])
		case "DECL":
			m.gp[a[0]] = (m.gp[a[0]] - 1) & 0xffffffff
			m.flags32(m.gp[a[0]])
		case "ADDQ":
			m.gp[a[1]] += imm(a[0])
			m.flags(m.gp[a[1]])
		case "TESTQ":
			m.flags(m.gp[a[0]] & m.gp[a[1]])
		case "CMPB":
			v := m.src(a[0], 1)[0]
			m.zf = uint64(v) == imm(a[1])
			m.sf = int8(v-uint8(imm(a[1]))) < 0
		case "VPBROADCASTD":
			v := binary.LittleEndian.Uint32(m.src(a[0], 4))
			m.dstVec(a[1], b32(rep32(v)))
		case "VBROADCASTSS":
			v := binary.LittleEndian.Uint32(m.src(a[0], 4))
			m.dstVec(a[1], b32(rep32(v)))
		case "VPBROADCASTQ", "VBROADCASTSD":
			v := binary.LittleEndian.Uint64(m.src(a[0], 8))
			m.dstVec(a[1], b64([]uint64{v, v, v, v, v, v, v, v}))
		case "VMOVDQU32", "VMOVUPS", "VMOVUPD", "VMOVDQU8", "VMOVNTPS", "VMOVNTPD":
			if strings.HasPrefix(in.op, "VMOVNT") && m.addr(a[1])%64 != 0 {
				m.t.Fatalf("%s: misaligned non-temporal store", fn)
			}
			m.dstVec(a[1], m.src(a[0], 64))
		case "VPADDD":
			m.dstVec(a[2], lanes32(m.src(a[0], 64), m.src(a[1], 64), func(x, y uint32) uint32 { return x + y }))
		case "VPXORD":
			m.dstVec(a[2], lanes32(m.src(a[0], 64), m.src(a[1], 64), func(x, y uint32) uint32 { return x ^ y }))
		case "VPSLLD":
			n := imm(a[0])
			m.dstVec(a[2], lanes32(m.src(a[1], 64), nil, func(x, _ uint32) uint32 { return x << n }))
		case "VPSRLD":
			n := imm(a[0])
			m.dstVec(a[2], lanes32(m.src(a[1], 64), nil, func(x, _ uint32) uint32 { return x >> n }))
		case "VPROLD":
			n := int(imm(a[0]))
			m.dstVec(a[2], lanes32(m.src(a[1], 64), nil, func(x, _ uint32) uint32 { return bits.RotateLeft32(x, n) }))
		case "VPTERNLOGD":
			// Intel: vpternlogd A(dst), B, C, imm = Go: imm, C, B, A.
			t := uint32(imm(a[0]))
			c, b, d := u32s(m.src(a[1], 64)), u32s(m.src(a[2], 64)), u32s(m.src(a[3], 64))
			r := make([]uint32, 16)
			for i := range r {
				for j := 0; j < 32; j++ {
					idx := (d[i]>>j&1)<<2 | (b[i]>>j&1)<<1 | (c[i] >> j & 1)
					r[i] |= (t >> idx & 1) << j
				}
			}
			m.dstVec(a[3], b32(r))
		case "VPCMPUD":
			if imm(a[0]) != 5 {
				m.t.Fatalf("VPCMPUD predicate %s", a[0])
			}
			// Go: $5, B, A, K = Intel vpcmpud K, A, B, 5: K = A >= B.
			bb, aa := u32s(m.src(a[1], 64)), u32s(m.src(a[2], 64))
			var k uint64
			for i := range aa {
				if aa[i] >= bb[i] {
					k |= 1 << i
				}
			}
			m.k[kreg(a[3])] = k
		case "VMOVAPS.Z":
			s := u32s(m.src(a[0], 64))
			k := m.k[kreg(a[1])]
			for i := range s {
				if k>>i&1 == 0 {
					s[i] = 0
				}
			}
			m.dstVec(a[2], b32(s))
		case "VMOVAPD.Z":
			s := u64s(m.src(a[0], 64))
			k := m.k[kreg(a[1])]
			for i := range s {
				if k>>i&1 == 0 {
					s[i] = 0
				}
			}
			m.dstVec(a[2], b64(s))
		case "VMOVDQU8.Z":
			s := m.src(a[0], 64)
			k := m.k[kreg(a[1])]
			for i := range s {
				if k>>i&1 == 0 {
					s[i] = 0
				}
			}
			m.dstVec(a[2], s)
		case "VMULPS", "VADDPS":
			mul := in.op == "VMULPS"
			m.dstVec(a[2], lanes32(m.src(a[1], 64), m.src(a[0], 64), func(x, y uint32) uint32 {
				fx, fy := math.Float32frombits(x), math.Float32frombits(y)
				if mul {
					return math.Float32bits(fx * fy)
				}
				return math.Float32bits(fx + fy)
			}))
		case "VMULPD", "VADDPD":
			mul := in.op == "VMULPD"
			m.dstVec(a[2], lanes64(m.src(a[1], 64), m.src(a[0], 64), func(x, y uint64) uint64 {
				fx, fy := math.Float64frombits(x), math.Float64frombits(y)
				if mul {
					return math.Float64bits(fx * fy)
				}
				return math.Float64bits(fx + fy)
			}))
		case "KSHIFTRW":
			m.k[kreg(a[2])] = m.k[kreg(a[1])] & 0xffff >> imm(a[0])
		case "KUNPCKBW":
			m.k[kreg(a[2])] = m.k[kreg(a[0])]&0xff | (m.k[kreg(a[1])]&0xff)<<8
		case "KUNPCKWD":
			m.k[kreg(a[2])] = m.k[kreg(a[0])]&0xffff | (m.k[kreg(a[1])]&0xffff)<<16
		case "KUNPCKDQ":
			m.k[kreg(a[2])] = m.k[kreg(a[0])]&0xffffffff | (m.k[kreg(a[1])]&0xffffffff)<<32
		case "KMOVQ", "KMOVW":
			n := 8
			if in.op == "KMOVW" {
				n = 2
			}
			if kreg(a[0]) >= 0 {
				b := make([]byte, 8)
				binary.LittleEndian.PutUint64(b, m.k[kreg(a[0])])
				m.write(m.addr(a[1]), b[:n])
			} else {
				b := make([]byte, 8)
				copy(b, m.src(a[0], n))
				m.k[kreg(a[1])] = binary.LittleEndian.Uint64(b)
			}
		case "VPTESTMB":
			m.k[kreg(a[2])] = testMask(m.src(a[0], 64), m.src(a[1], 64))
		case "VPTESTMD":
			m.k[kreg(a[2])] = testMask(u32s(m.src(a[0], 64)), u32s(m.src(a[1], 64)))
		case "VPTESTMQ":
			m.k[kreg(a[2])] = testMask(u64s(m.src(a[0], 64)), u64s(m.src(a[1], 64)))
		case "VPADDQ":
			m.dstVec(a[2], lanes64(m.src(a[0], 64), m.src(a[1], 64), func(x, y uint64) uint64 { return x + y }))
		case "VPXORQ":
			m.dstVec(a[2], lanes64(m.src(a[0], 64), m.src(a[1], 64), func(x, y uint64) uint64 { return x ^ y }))
		case "VPMULLQ":
			m.dstVec(a[2], lanes64(m.src(a[0], 64), m.src(a[1], 64), func(x, y uint64) uint64 { return x * y }))
		case "VPSRLQ":
			n := imm(a[0])
			m.dstVec(a[2], lanes64(m.src(a[1], 64), nil, func(x, _ uint64) uint64 { return x >> n }))
		case "VPERMI2D":
			// Go: T2, T1, IDX = Intel vpermi2d IDX, T1, T2.
			t2, t1, idx := u32s(m.src(a[0], 64)), u32s(m.src(a[1], 64)), u32s(m.src(a[2], 64))
			r := make([]uint32, 16)
			for i := range r {
				j := idx[i] & 31
				if j < 16 {
					r[i] = t1[j]
				} else {
					r[i] = t2[j-16]
				}
			}
			m.dstVec(a[2], b32(r))
		default:
			m.t.Fatalf("%s: instruction %s not emulated", fn, in.op)
		}
	}
}

// testMask is the K mask of VPTESTMB (bytes), VPTESTMD (dwords) or
// VPTESTMQ (qwords): bit i is set iff lane i of s and v have a set bit in
// common.
func testMask[T uint8 | uint32 | uint64](s, v []T) uint64 {
	var k uint64
	for i := range s {
		if s[i]&v[i] != 0 {
			k |= 1 << i
		}
	}
	return k
}

func rep32(v uint32) []uint32 {
	r := make([]uint32, 16)
	for i := range r {
		r[i] = v
	}
	return r
}

func (m *machine) flags(v uint64)   { m.zf, m.sf = v == 0, int64(v) < 0 }
func (m *machine) flags32(v uint64) { m.zf, m.sf = uint32(v) == 0, int32(v) < 0 }

// slice places b in memory and sets the frame arguments name_base, name_len.
func (m *machine) slice(name string, b []byte, n int) int {
	a := m.alloc(b)
	m.args[name+"_base"] = uint64(a)
	m.args[name+"_len"] = uint64(n)
	m.args[name+"_cap"] = uint64(n)
	return a
}

// alignedSlice is slice with the start 64-byte aligned.
func (m *machine) alignedSlice(name string, b []byte, n int) int {
	for (len(m.mem)+64)%64 != 0 {
		m.mem = append(m.mem, 0)
	}
	m.mem = append(m.mem, make([]byte, 64)...)
	a := len(m.mem)
	m.mem = append(m.mem, b...)
	m.regions = append(m.regions, [2]int{a, a + len(b)})
	m.args[name+"_base"], m.args[name+"_len"], m.args[name+"_cap"] = uint64(a), uint64(n), uint64(n)
	return a
}

// ---------------------------------------------------------------------------
// References: the Go loops of the stubs' doc comments.
// ---------------------------------------------------------------------------

type st16 [4][16]uint32

// skip is lanes.skip(n) of stream.go (the stubs' doc): n steps of
// xoshiroNext on each lane. The step is restated here, folded into two
// assignments, since this module cannot import the package's unexported
// xoshiroNext: s2 ^= s0 and s3 ^= s1 first, then s0 ^= s3, s1 ^= s2,
// s2 ^= s1<<9 (the old s1) and s3 = rotl(s3, 11).
func (s *st16) skip(n int) {
	for range n {
		for l := range s[0] {
			s0, s1, s2, s3 := s[0][l], s[1][l], s[2][l]^s[0][l], s[3][l]^s[1][l]
			s[0][l], s[1][l], s[2][l], s[3][l] = s0^s3, s1^s2, s2^s1<<9, bits.RotateLeft32(s3, 11)
		}
	}
}

func (s *st16) bytes() []byte {
	var b []byte
	for k := range s {
		b = append(b, b32(s[k][:])...)
	}
	return b
}

// elemT is a float element type of the kernels; the tests handle its
// values as bits (uint64, a float32 in the low 32), and round every
// operation through them, so that no reference is a fused multiply-add.
type elemT struct {
	name     string // the kernels' infix: 32 or 64
	size     int    // bytes
	one, abs uint64 // the bits of 1.0; every bit but the sign
	specials []uint64
}

var elemTs = []elemT{
	{name: "32", size: 4, one: 0x3f800000, abs: 0x7fffffff, specials: []uint64{
		0, 0x80000000, 0x7f800000, 0xff800000, // ±0, ±Inf
		0x7fc00000, 0xffc12345, 0x7f800001, // NaNs, the last signaling
		1, 0x807fffff, 0x00800000, // subnormals, smallest normal
		0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, // ±MaxFloat32, ±1
	}},
	{name: "64", size: 8, one: 0x3ff0000000000000, abs: 1<<63 - 1, specials: []uint64{
		0, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, // ±0, ±Inf
		0x7ff8000000000000, 0xfff8000000012345, 0x7ff0000000000001, // NaNs, the last signaling
		1, 0x800fffffffffffff, 0x0010000000000000, // subnormals, smallest normal
		0x7fefffffffffffff, 0xffefffffffffffff, 0x3ff0000000000000, 0xbff0000000000000, // ±MaxFloat64, ±1
		0x0000000100000000, 0x8000000100000000, 0x00000000ffffffff, // one dword zero: a pack must see the other
	}},
}

func (e elemT) mul(a, b uint64) uint64 {
	if e.size == 4 {
		return uint64(math.Float32bits(math.Float32frombits(uint32(a)) * math.Float32frombits(uint32(b))))
	}
	return math.Float64bits(math.Float64frombits(a) * math.Float64frombits(b))
}

func (e elemT) add(a, b uint64) uint64 {
	if e.size == 4 {
		return uint64(math.Float32bits(math.Float32frombits(uint32(a)) + math.Float32frombits(uint32(b))))
	}
	return math.Float64bits(math.Float64frombits(a) + math.Float64frombits(b))
}

// enc is the memory image of elements v.
func (e elemT) enc(v []uint64) []byte {
	if e.size == 8 {
		return b64(v)
	}
	u := make([]uint32, len(v))
	for i := range v {
		u[i] = uint32(v[i])
	}
	return b32(u)
}

// of is the bits of the float f as an element of type e.
func (e elemT) of(f float64) uint64 {
	if e.size == 4 {
		return uint64(math.Float32bits(float32(f)))
	}
	return math.Float64bits(f)
}

// rand returns n elements, an eighth of them specials.
func (e elemT) rand(r *rand.Rand, n int) []uint64 {
	v := make([]uint64, n)
	for i := range v {
		if r.IntN(8) == 0 {
			v[i] = e.specials[r.IntN(len(e.specials))]
		} else {
			v[i] = e.of(r.NormFloat64())
		}
	}
	return v
}

// refFwd is the loop of the fwd and fwdAdd stubs' doc (fwdAdd with res not
// nil).
func refFwd(e elemT, st *st16, y, x, res []uint64, bitsOut []uint64, lim uint32, sb uint64) {
	for i := range x {
		l := i % 16
		keep := st[0][l]+st[3][l] >= lim
		f := uint64(0)
		if keep {
			f = sb
		}
		p := e.mul(x[i], f)
		if res != nil {
			p = e.add(res[i], p)
		}
		y[i] = p
		if len(bitsOut) > 0 && keep {
			bitsOut[i/64] |= 1 << (i % 64)
		}
		if l == 15 {
			st.skip(1)
		}
	}
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func randState(r *rand.Rand) (s st16) {
	for k := range s {
		for l := range s[k] {
			s[k][l] = r.Uint32()
		}
	}
	return
}

func eqBytes(t *testing.T, what string, got, want []byte, size int) {
	t.Helper()
	if string(got) != string(want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: first difference at byte %d (element %d)", what, i, i/size)
			}
		}
	}
}

// isNaN reports whether bits v are a NaN of type e.
func (e elemT) isNaN(v uint64) bool {
	if e.size == 4 {
		return v&0x7fffffff > 0x7f800000
	}
	return v&(1<<63-1) > 0x7ff0000000000000
}

// eqElems is eqBytes for floats, NaN as a class (as the package's
// sameBits): which NaN an operation on two NaNs returns depends on the
// order of its operands, which neither the stubs' loops nor Go fix.
func eqElems(t *testing.T, e elemT, what string, got []byte, want []uint64) {
	t.Helper()
	for i, w := range want {
		g := binary.LittleEndian.Uint64(append(got[e.size*i:e.size*i+e.size:e.size*i+e.size], make([]byte, 8-e.size)...))
		if g != w && !(e.isNaN(g) && e.isNaN(w)) {
			t.Fatalf("%s: element %d = %#x, want %#x", what, i, g, w)
		}
	}
}

func TestEmulatedAVX512(t *testing.T) {
	path := "../asm_amd64.s"
	if s := os.Getenv("EMU_ASM"); s != "" {
		path = s // a mutated copy, to check that the emulator catches errors
	}
	p := parseAsm(t, path)
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 64, 128, 192, 1024, 64 * 37}
	for _, e := range elemTs {
		emulateFloatKernels(t, p, r, e, sizes)
	}

	for _, n := range sizes {
		// draws
		m := newMachine(t, p)
		st := randState(r)
		pst := m.alloc(st.bytes())
		m.args["st"] = uint64(pst)
		pu := m.slice("u", make([]byte, 4*n), n)
		m.run(p, "drawsAVX512")
		want := make([]uint32, n)
		wst := st
		for i := range want {
			l := i % 16
			want[i] = (wst[0][l] + wst[3][l]) >> 8
			if l == 15 {
				wst.skip(1)
			}
		}
		eqBytes(t, fmt.Sprint("draws n=", n), m.mem[pu:pu+4*n], b32(want), 4)
		eqBytes(t, "draws state", m.mem[pst:pst+256], wst.bytes(), 4)

		// skip
		m = newMachine(t, p)
		pst = m.alloc(st.bytes())
		m.args["st"], m.args["n"] = uint64(pst), uint64(n/16)
		m.run(p, "skipAVX512")
		wst = st
		wst.skip(n / 16)
		eqBytes(t, "skip state", m.mem[pst:pst+256], wst.bytes(), 4)
	}

	// Byte masks, 0..5 words.
	for nw := 0; nw < 6; nw++ {
		words := make([]uint64, nw)
		for i := range words {
			words[i] = r.Uint64()
		}
		m := newMachine(t, p)
		pd := m.slice("dst", make([]byte, 64*nw), 64*nw)
		m.slice("words", b64(words), nw)
		m.run(p, "unpack8AVX512")
		want8 := make([]byte, 64*nw)
		for i := range want8 {
			want8[i] = byte(words[i/64] >> (i % 64) & 1)
		}
		eqBytes(t, "unpack8", m.mem[pd:pd+64*nw], want8, 1)

		src8 := make([]byte, 64*nw)
		for i := range src8 {
			if r.IntN(2) == 0 {
				src8[i] = byte(r.Uint32())
			}
		}
		m = newMachine(t, p)
		pw := m.slice("words", make([]byte, 8*nw), nw)
		m.slice("src", src8, 64*nw)
		m.run(p, "pack8AVX512")
		wantw := make([]uint64, nw)
		for i := range src8 {
			if src8[i] != 0 {
				wantw[i/64] |= 1 << (i % 64)
			}
		}
		eqBytes(t, "pack8", m.mem[pw:pw+8*nw], b64(wantw), 8)
	}

	// seed
	for range 200 {
		c := r.Uint64()
		m := newMachine(t, p)
		pst := m.alloc(make([]byte, 256))
		m.args["st"], m.args["c"] = uint64(pst), c
		m.run(p, "seedAVX512")
		var want st16
		for l := 0; l < 16; l++ {
			a, b := mix64(c+uint64(2*l)*golden), mix64(c+uint64(2*l+1)*golden)
			want[0][l], want[1][l] = uint32(a), uint32(a>>32)
			want[2][l], want[3][l] = uint32(b), uint32(b>>32)
		}
		eqBytes(t, "seed", m.mem[pst:pst+256], want.bytes(), 4)
	}
}

// emulateFloatKernels runs the float kernels of element type e (fwd,
// fwdAdd, bwd, scale, add, unpack, pack) against their stubs' loops.
func emulateFloatKernels(t *testing.T, p *prog, r *rand.Rand, e elemT, sizes []int) {
	fwdName, fwdAddName := "fwd"+e.name+"AVX512", "fwdAdd"+e.name+"AVX512"
	sz := e.size
	for _, n := range sizes {
		for _, add := range []bool{false, true} {
			for _, withBits := range []bool{false, true} {
				for _, nt := range []bool{false, true} {
					for _, thr := range []uint32{0, 1, 1 << 23, 1<<24 - 1, r.Uint32N(1 << 24)} {
						name := fwdName
						if add {
							name = fwdAddName
						}
						m := newMachine(t, p)
						st := randState(r)
						x := e.rand(r, n)
						res := e.rand(r, n)
						sb := e.of(1 / (1 - float64(thr)/(1<<24)))
						nb := 0
						if withBits {
							nb = n / 64
						}
						staleBits := make([]uint64, nb)
						for i := range staleBits {
							staleBits[i] = r.Uint64()
						}
						pst := m.alloc(st.bytes())
						m.args["st"] = uint64(pst)
						py := m.alignedSlice("y", make([]byte, sz*n), n)
						m.slice("x", e.enc(x), n)
						if add {
							m.slice("res", e.enc(res), n)
						}
						pb := m.slice("bits", b64(staleBits), nb)
						m.args["lim"], m.args["sb"] = uint64(thr<<8), sb
						m.args["pf"] = map[bool]uint64{true: 448, false: 0}[nt]
						m.run(p, name)
						if n == 0 && m.touched {
							t.Fatalf("%s: n = 0 touched memory", name)
						}
						wy := make([]uint64, n)
						wbits := make([]uint64, nb)
						wst := st
						var rr []uint64
						if add {
							rr = res
						}
						refFwd(e, &wst, wy, x, rr, wbits, thr<<8, sb)
						what := fmt.Sprintf("%s n=%d bits=%v nt=%v thr=%d", name, n, withBits, nt, thr)
						eqElems(t, e, what+" y", m.mem[py:py+sz*n], wy)
						eqBytes(t, what+" bits", m.mem[pb:pb+8*nb], b64(wbits), 8)
						eqBytes(t, what+" state", m.mem[pst:pst+256], wst.bytes(), 4)
					}
				}
			}
		}
	}

	// Aliasing: y = x (fwd) and y = res (fwdAdd).
	for _, name := range []string{fwdName, fwdAddName} {
		n := 256
		m := newMachine(t, p)
		st := randState(r)
		x, res := e.rand(r, n), e.rand(r, n)
		pst := m.alloc(st.bytes())
		m.args["st"] = uint64(pst)
		px := m.slice("x", e.enc(x), n)
		m.args["y_base"], m.args["y_len"] = uint64(px), uint64(n)
		var rr []uint64
		if name == fwdAddName {
			pr := m.slice("res", e.enc(res), n)
			m.args["y_base"] = uint64(pr)
			rr = res
		}
		m.slice("bits", nil, 0)
		m.args["lim"], m.args["sb"], m.args["pf"] = 1<<31, e.of(2), 0
		m.run(p, name)
		wy := make([]uint64, n)
		refFwd(e, &st, wy, x, rr, nil, 1<<31, e.of(2))
		eqElems(t, e, name+" aliased", m.mem[int(m.args["y_base"]):int(m.args["y_base"])+sz*n], wy)
	}

	for _, n := range sizes {
		// bwd and scale, dx = dy too
		for _, nt := range []bool{false, true} {
			for _, alias := range []bool{false, true} {
				for _, op := range []string{"bwd", "scale"} {
					name := op + e.name + "AVX512"
					m := newMachine(t, p)
					dy := e.rand(r, n)
					words := make([]uint64, n/64)
					for i := range words {
						words[i] = r.Uint64()
					}
					sb := e.of(r.NormFloat64())
					out, in := "dx", "dy"
					if op == "scale" {
						out, in = "y", "x"
					}
					pd := m.alignedSlice(in, e.enc(dy), n)
					if alias {
						m.args[out+"_base"], m.args[out+"_len"] = uint64(pd), uint64(n)
					} else {
						pd = m.alignedSlice(out, make([]byte, sz*n), n)
					}
					want := make([]uint64, n)
					if op == "bwd" {
						m.slice("words", b64(words), n/64)
						m.args["sb"] = sb
						for i := range want {
							f := uint64(0)
							if words[i/64]>>(i%64)&1 != 0 {
								f = sb
							}
							want[i] = e.mul(dy[i], f)
						}
					} else {
						m.args["a"] = sb
						for i := range want {
							want[i] = e.mul(dy[i], sb)
						}
					}
					m.args["pf"] = map[bool]uint64{true: 448, false: 0}[nt]
					m.run(p, name)
					if n == 0 && m.touched {
						t.Fatalf("%s: n = 0 touched memory", name)
					}
					eqElems(t, e, fmt.Sprint(name, " n=", n, " nt=", nt, " alias=", alias), m.mem[pd:pd+sz*n], want)
				}
			}
		}

		// add, dst = a and dst = b too
		for _, alias := range []string{"", "a", "b"} {
			name := "add" + e.name + "AVX512"
			m := newMachine(t, p)
			a, b := e.rand(r, n), e.rand(r, n)
			pa := m.slice("a", e.enc(a), n)
			pb := m.slice("b", e.enc(b), n)
			pd := map[string]int{"a": pa, "b": pb}[alias]
			if alias == "" {
				pd = m.slice("dst", make([]byte, sz*n), n)
			} else {
				m.args["dst_base"], m.args["dst_len"] = uint64(pd), uint64(n)
			}
			m.run(p, name)
			if n == 0 && m.touched {
				t.Fatalf("%s: n = 0 touched memory", name)
			}
			want := make([]uint64, n)
			for i := range want {
				want[i] = e.add(a[i], b[i])
			}
			eqElems(t, e, fmt.Sprint(name, " n=", n, " dst=", alias), m.mem[pd:pd+sz*n], want)
		}
	}

	// Mask conversions, 0..5 words.
	for nw := 0; nw < 6; nw++ {
		words := make([]uint64, nw)
		for i := range words {
			words[i] = r.Uint64()
		}
		name := "unpack" + e.name + "AVX512"
		m := newMachine(t, p)
		pd := m.slice("dst", make([]byte, 64*sz*nw), 64*nw)
		m.slice("words", b64(words), nw)
		m.run(p, name)
		want := make([]uint64, 64*nw)
		for i := range want {
			want[i] = -(words[i/64] >> (i % 64) & 1) & e.one
		}
		eqBytes(t, name, m.mem[pd:pd+64*sz*nw], e.enc(want), sz) // exact: no NaN

		name = "pack" + e.name + "AVX512"
		src := e.rand(r, 64*nw)
		m = newMachine(t, p)
		pw := m.slice("words", make([]byte, 8*nw), nw)
		m.slice("src", e.enc(src), 64*nw)
		m.run(p, name)
		wantw := make([]uint64, nw)
		for i, v := range src {
			if v&e.abs != 0 {
				wantw[i/64] |= 1 << (i % 64)
			}
		}
		eqBytes(t, name, m.mem[pw:pw+8*nw], b64(wantw), 8)
	}
}
