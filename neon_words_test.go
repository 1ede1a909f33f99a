package dropout

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The arm64 assembly files (neonFiles) spell the instructions the Go
// assembler lacks (vector FMUL, FADD and CMHS, golang/go#41092) as WORDs with
// the instruction, in Arm syntax, at the start of the line's comment:
//
//	WORD $0x6e22dc20 // FMUL V0.4S, V1.4S, V2.4S: what it is for
//	WORD $0x6ebc3e94 /* CMHS K0.4S, SUM0.4S, LIM.4S: inside a #define */
//
// A register is V0-V31 or a name #defined to one, in the file or in a header
// it includes (#define K0 V20): TestNEONWords resolves the names, encodes
// every such comment again from the architecture's fields and compares it
// with the WORD, so changing a #define without the WORDs that use it fails.
// It reads text files only, so it runs on every GOARCH.

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

var neonInstRE = regexp.MustCompile(`^([A-Z]+) (\w+)\.(\w+), (\w+)\.(\w+), (\w+)\.(\w+)$`)

var vregRE = regexp.MustCompile(`^V([0-9]|[12][0-9]|3[01])$`)

// encodeNEON encodes an instruction written "MNEMONIC Vd.T, Vn.T, Vm.T",
// where each register is V0-V31 or a name in regs (its number).
func encodeNEON(inst string, regs map[string]uint32) (uint32, error) {
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
		if v := vregRE.FindStringSubmatch(s); v != nil {
			r, _ := strconv.Atoi(v[1])
			reg[i] = uint32(r)
		} else if r, ok := regs[s]; ok {
			reg[i] = r
		} else {
			return 0, fmt.Errorf("%q: %s is neither V0-V31 nor a #define of one", inst, s)
		}
	}
	d, n, mm := reg[0], reg[1], reg[2]
	return q<<30 | op.u<<29 | 0b01110<<24 | size<<22 | 1<<21 | mm<<16 | op.opcode<<11 | 1<<10 | n<<5 | d, nil
}

var (
	defineRE  = regexp.MustCompile(`^\s*#define\s+(\w+)(\(?)\s*(\S*)`)
	undefRE   = regexp.MustCompile(`^\s*#undef\b`)
	includeRE = regexp.MustCompile(`^\s*#include\s+"([^"]+)"`)
)

// neonRegisters returns the register names of an assembly file: the
// object-like #defines of it and of the headers it includes (quoted
// #includes of files in the package directory, recursively; textflag.h
// comes from the toolchain and names no register) whose value is V0-V31 or
// another such name, with their register numbers. A name must mean one
// thing: defining it twice, or #undef, is an error.
func neonRegisters(file string) (map[string]uint32, error) {
	values := map[string]string{} // name -> value token
	where := map[string]string{}  // name -> file:line of its #define
	seen := map[string]bool{}
	var read func(file string) error
	read = func(file string) error {
		if seen[file] {
			return nil
		}
		seen[file] = true
		src, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			pos := fmt.Sprintf("%s:%d", file, i+1)
			if undefRE.MatchString(line) {
				return fmt.Errorf("%s: #undef: give the register a second name instead", pos)
			}
			if m := includeRE.FindStringSubmatch(line); m != nil {
				if m[1] == "textflag.h" {
					continue
				}
				if err := read(filepath.Join(filepath.Dir(file), m[1])); err != nil {
					return err
				}
				continue
			}
			m := defineRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if prev, ok := where[m[1]]; ok {
				return fmt.Errorf("%s: %s is #defined again (first at %s): a name must mean one thing", pos, m[1], prev)
			}
			where[m[1]] = pos
			if m[2] == "" { // object-like; function-like macros name no register
				values[m[1]] = m[3]
			}
		}
		return nil
	}
	if err := read(file); err != nil {
		return nil, err
	}
	regs := map[string]uint32{}
	for name := range values {
		v := name
		for hops := 0; hops <= len(values); hops++ {
			next, ok := values[v]
			if !ok {
				break
			}
			v = next
		}
		if m := vregRE.FindStringSubmatch(v); m != nil {
			r, _ := strconv.Atoi(m[1])
			regs[name] = uint32(r)
		}
	}
	return regs, nil
}

// testRegs are register names as neonRegisters returns them.
var testRegs = map[string]uint32{"K0": 20, "SUM0": 20, "LIM": 28, "P0": 16, "X0": 16}

// TestNEONRegisters checks neonRegisters on small files: names through an
// included header and through another name, and the errors for a name
// defined twice and for #undef.
func TestNEONRegisters(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o666); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("h.h", "#define K0 V20 // keep masks\n#define MAC(a) \\\n\tVAND a.B16, a.B16, a.B16\n")
	good := write("good.s", "#include \"textflag.h\"\n#include \"h.h\"\n#define LIM V28\n#define FK0 K0\n#define XOSHIRO \\\n")
	regs, err := neonRegisters(good)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint32{"K0": 20, "LIM": 28, "FK0": 20}
	if len(regs) != len(want) {
		t.Errorf("neonRegisters = %v, want %v", regs, want)
	}
	for k, v := range want {
		if regs[k] != v {
			t.Errorf("neonRegisters = %v, want %v", regs, want)
		}
	}
	for name, src := range map[string]string{
		"twice.s":    "#include \"h.h\"\n#define K0 V21\n",
		"undef.s":    "#define LIM V28\n#undef LIM\n#define LIM V27\n",
		"macro.s":    "#define MAC V3\n#include \"h.h\"\n",
		"noheader.s": "#include \"missing.h\"\n",
	} {
		if _, err := neonRegisters(write(name, src)); err == nil {
			t.Errorf("neonRegisters(%s) gave no error", name)
		}
	}
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
		{"CMHS K0.4S, SUM0.4S, LIM.4S", 0x6ebc3e94}, // names of testRegs
		{"FMUL P0.4S, X0.4S, V20.4S", 0x6e34de10},
	} {
		got, err := encodeNEON(c.inst, testRegs)
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
		"CMHS V07.4S, V1.4S, V2.4S",
		"CMHS K9.4S, K0.4S, LIM.4S", // not #defined
		"FMUL P0.4S, X0.4S, Q3.4S",
	} {
		if got, err := encodeNEON(bad, testRegs); err == nil {
			t.Errorf("encodeNEON(%q) = %#08x, want an error", bad, got)
		}
	}
}

var wordOpRE = regexp.MustCompile(`\bWORD\b`)

var wordRE = regexp.MustCompile(`\bWORD\s+\$0x([0-9a-fA-F]{8})\s*(?://|/\*)\s*([^:*]*[^:*\s])`)

// neonFiles returns the arm64 assembly files and headers whose WORDs
// TestNEONWords checks: every *_arm64.s and *_arm64.h of the package, so a
// new file (the float64 kernels) is checked without being listed; the
// float32 kernels' files must be among them.
func neonFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*_arm64.s", "*_arm64.h"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	for _, f := range []string{"kernel_arm64.s", "mask_arm64.s", "bits_arm64.h"} {
		if !slices.Contains(files, f) {
			t.Fatalf("%s is not among the arm64 files %v", f, files)
		}
	}
	return files
}

// neonAllNumbered matches an instruction whose registers are all V0-V31.
var neonAllNumbered = regexp.MustCompile(`^[A-Z]+ V\d+\.\w+, V\d+\.\w+, V\d+\.\w+$`)

func TestNEONWords(t *testing.T) {
	checked := 0
	named := 0
	files := neonFiles(t)
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		regs, err := neonRegisters(file)
		if err != nil {
			t.Error(err)
			continue
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
			want, err := encodeNEON(m[2], regs)
			if err != nil {
				t.Errorf("%s:%d: %v", file, i+1, err)
				continue
			}
			if uint32(word) != want {
				t.Errorf("%s:%d: WORD $0x%08x, but %s encodes as 0x%08x", file, i+1, word, m[2], want)
			}
			checked++
			if !neonAllNumbered.MatchString(m[2]) {
				named++
			}
		}
	}
	if checked == 0 && !t.Failed() {
		t.Errorf("no WORD found in %v", files)
	}
	t.Logf("%d WORDs checked, %d naming registers by #define", checked, named)
}

// fmaRE matches the Go assembler's fused multiply-add mnemonics, vector and
// scalar. WORDs cannot hide one: TestNEONWords re-encodes each from its
// comment, and encodeNEON knows no fused instruction.
var fmaRE = regexp.MustCompile(`\b(VFMLA|VFMLS|FN?M(ADD|SUB)[SD])\b`)

// TestNEONNoFusedMultiplyAdd checks that the arm64 assembly (neonFiles) has
// no fused multiply-add: the dropout-add kernels must round each product to
// the element type before adding the residual, as the generic kernels do.
func TestNEONNoFusedMultiplyAdd(t *testing.T) {
	for _, file := range neonFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			code, _, _ := strings.Cut(line, "//")
			code, _, _ = strings.Cut(code, "/*")
			if m := fmaRE.FindString(code); m != "" {
				t.Errorf("%s:%d: %s is a fused multiply-add: %s", file, i+1, m, strings.TrimSpace(line))
			}
		}
	}
	for _, s := range []string{"VFMLA V1.S4, V2.S4, V3.S4", "FMADDS F1, F2, F3, F4", "FNMSUBD F1, F2, F3, F4"} {
		if !fmaRE.MatchString(s) {
			t.Errorf("fmaRE does not match %q", s)
		}
	}
}
