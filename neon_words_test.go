package dropout

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The arm64 assembly files (neonFiles) spell the instructions the Go
// assembler lacks (vector FMUL, FADD and CMHS, golang/go#41092) as WORDs with
// the instruction, in Arm syntax, at the start of the line's comment:
//
//	WORD $0x6e34de10 // FMUL V16.4S, V16.4S, V20.4S: what it is for
//	WORD $0x6ebc3e94 /* CMHS V20.4S, V20.4S, V28.4S: inside a #define */
//
// TestNEONWords encodes every such comment again from the architecture's
// fields and compares it with the WORD. It reads text files only, so it runs
// on every GOARCH.

// simdThreeSame is an Advanced SIMD "three same" instruction (Arm ARM
// C4.1.96, "Advanced SIMD three same"):
//
//	0 | Q | U | 01110 | size | 1 | Rm | opcode | 1 | Rn | Rd
//	31  30  29  28-24   23-22  21  20-16 15-11  10  9-5   4-0
//
// For the floating-point forms, size is a:sz with sz selecting single (0)
// or double (1) precision.
type simdThreeSame struct {
	u, opcode uint32
	float     bool
	a         uint32 // bit 23 of the floating-point forms
}

var threeSame = map[string]simdThreeSame{
	"FMUL": {u: 1, opcode: 0b11011, float: true},
	"FADD": {u: 0, opcode: 0b11010, float: true},
	"CMHS": {u: 1, opcode: 0b00111},
	"CMHI": {u: 1, opcode: 0b00110},
}

// arrangement returns Q and size (or sz) of an arrangement specifier.
func arrangement(t string, float bool) (q, size uint32, ok bool) {
	if float {
		switch t {
		case "2S":
			return 0, 0, true
		case "4S":
			return 1, 0, true
		case "2D":
			return 1, 1, true
		}
		return 0, 0, false
	}
	switch t {
	case "8B":
		return 0, 0, true
	case "16B":
		return 1, 0, true
	case "4H":
		return 0, 1, true
	case "8H":
		return 1, 1, true
	case "2S":
		return 0, 2, true
	case "4S":
		return 1, 2, true
	case "2D":
		return 1, 3, true
	}
	return 0, 0, false
}

var neonInstRE = regexp.MustCompile(`^([A-Z]+) V(\d+)\.(\w+), V(\d+)\.(\w+), V(\d+)\.(\w+)$`)

// encodeNEON encodes an instruction written "MNEMONIC Vd.T, Vn.T, Vm.T".
func encodeNEON(inst string) (uint32, error) {
	m := neonInstRE.FindStringSubmatch(inst)
	if m == nil {
		return 0, fmt.Errorf("%q: not of the form MNEMONIC Vd.T, Vn.T, Vm.T", inst)
	}
	op, ok := threeSame[m[1]]
	if !ok {
		return 0, fmt.Errorf("%q: unknown mnemonic %s", inst, m[1])
	}
	if m[3] != m[5] || m[3] != m[7] {
		return 0, fmt.Errorf("%q: operands have different arrangements", inst)
	}
	q, size, ok := arrangement(m[3], op.float)
	if !ok {
		return 0, fmt.Errorf("%q: arrangement %s is not valid for %s", inst, m[3], m[1])
	}
	if op.float {
		size |= op.a << 1
	}
	var reg [3]uint32
	for i, s := range []string{m[2], m[4], m[6]} {
		r, err := strconv.Atoi(s)
		if err != nil || r > 31 {
			return 0, fmt.Errorf("%q: bad register V%s", inst, s)
		}
		reg[i] = uint32(r)
	}
	d, n, mm := reg[0], reg[1], reg[2]
	return q<<30 | op.u<<29 | 0b01110<<24 | size<<22 | 1<<21 | mm<<16 | op.opcode<<11 | 1<<10 | n<<5 | d, nil
}

// TestEncodeNEON checks the encoder against encodings printed by
// llvm-mc -triple=aarch64 -show-encoding.
func TestEncodeNEON(t *testing.T) {
	for _, c := range []struct {
		inst string
		want uint32
	}{
		{"FMUL V0.4S, V1.4S, V2.4S", 0x6e22dc20},
		{"FMUL V31.2D, V30.2D, V29.2D", 0x6e7ddfdf},
		{"FMUL V3.2S, V4.2S, V5.2S", 0x2e25dc83},
		{"CMHS V1.16B, V2.16B, V3.16B", 0x6e233c41},
		{"CMHS V7.8H, V8.8H, V9.8H", 0x6e693d07},
		{"CMHS V31.2D, V0.2D, V17.2D", 0x6ef13c1f},
		{"CMHS V2.8B, V3.8B, V4.8B", 0x2e243c62},
		{"CMHI V5.4S, V6.4S, V7.4S", 0x6ea734c5},
		{"FADD V0.4S, V1.4S, V2.4S", 0x4e22d420},
		{"FADD V31.2D, V30.2D, V29.2D", 0x4e7dd7df},
		{"FADD V3.2S, V4.2S, V5.2S", 0x0e25d483},
	} {
		got, err := encodeNEON(c.inst)
		if err != nil || got != c.want {
			t.Errorf("encodeNEON(%q) = %#08x, %v; want %#08x", c.inst, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"FMUL V0.4S, V1.4S",
		"FMUL V0.4S, V1.4S, V2.2S",
		"FMUL V0.16B, V1.16B, V2.16B",
		"FMLA V0.4S, V1.4S, V2.4S",
		"FADD V0.16B, V1.16B, V2.16B",
		"CMHS V32.4S, V1.4S, V2.4S",
	} {
		if got, err := encodeNEON(bad); err == nil {
			t.Errorf("encodeNEON(%q) = %#08x, want an error", bad, got)
		}
	}
}

var wordOpRE = regexp.MustCompile(`\bWORD\b`)

var wordRE = regexp.MustCompile(`\bWORD\s+\$0x([0-9a-fA-F]{8})\s*(?://|/\*)\s*([^:*]*[^:*\s])`)

// neonFiles are the arm64 assembly files whose WORDs TestNEONWords checks.
var neonFiles = []string{"kernel_arm64.s", "mask_arm64.s"}

func TestNEONWords(t *testing.T) {
	checked := 0
	for _, file := range neonFiles {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			code, _, _ := strings.Cut(line, "//")
			code, _, _ = strings.Cut(code, "/*")
			if !wordOpRE.MatchString(code) {
				continue // no WORD, or one in a comment
			}
			m := wordRE.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s:%d: WORD without \"$0x%%08x // INSTRUCTION\": %s", file, i+1, strings.TrimSpace(line))
				continue
			}
			word, _ := strconv.ParseUint(m[1], 16, 32)
			want, err := encodeNEON(m[2])
			if err != nil {
				t.Errorf("%s:%d: %v", file, i+1, err)
				continue
			}
			if uint32(word) != want {
				t.Errorf("%s:%d: WORD $0x%08x, but %s encodes as 0x%08x", file, i+1, word, m[2], want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Errorf("no WORD found in %v", neonFiles)
	}
	t.Logf("%d WORDs checked", checked)
}

// fmaRE matches the Go assembler's fused multiply-add mnemonics, vector and
// scalar. WORDs cannot hide one: TestNEONWords re-encodes each from its
// comment, and encodeNEON knows no fused instruction.
var fmaRE = regexp.MustCompile(`\b(VFMLA|VFMLS|FN?M(ADD|SUB)[SD])\b`)

// TestNEONNoFusedMultiplyAdd checks that kernel_arm64.s has no fused
// multiply-add: the dropout-add kernels must round each product to float32
// before adding the residual, as the generic kernels do.
func TestNEONNoFusedMultiplyAdd(t *testing.T) {
	src, err := os.ReadFile("kernel_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		code, _, _ := strings.Cut(line, "//")
		code, _, _ = strings.Cut(code, "/*")
		if m := fmaRE.FindString(code); m != "" {
			t.Errorf("kernel_arm64.s:%d: %s is a fused multiply-add: %s", i+1, m, strings.TrimSpace(line))
		}
	}
	for _, s := range []string{"VFMLA V1.S4, V2.S4, V3.S4", "FMADDS F1, F2, F3, F4", "FNMSUBD F1, F2, F3, F4"} {
		if !fmaRE.MatchString(s) {
			t.Errorf("fmaRE does not match %q", s)
		}
	}
}
