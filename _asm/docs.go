package main

import (
	"fmt"
	"strings"
)

// The doc comments of the stubs: each gives the kernel's equivalent Go loop.
// In the templates (and in the stubs' signatures), @NAME@ is the stub's
// name, @T@ the element type, @B@ the factor's bits type, @FROMBITS@ the
// conversion of @B@ to @T@ and @TOBITS@ back, @E@ the element size in bits
// (32 or 64), @FOR@ nothing for float32 and " for float64" after the name
// of a generic kernel written for float32, @ONE@ and @ABS@ the bits of 1.0
// and of every bit but the sign, @ALIGN@ the vector size in bytes, @ISA@ a
// sentence on the ISA's requirements and @SEEDNOTE@ one on the seed's
// multiplies.

// templates is the expansion of the templates for the stub name of ISA s
// and element type e.
func (s isa) templates(name string, e elem) *strings.Replacer {
	isaNote := "It needs AVX2."
	seedNote := "Each 64-bit multiply is three VPMULUDQ."
	if s.kmask {
		isaNote = "It needs AVX512F, AVX512BW and AVX512VL."
		seedNote = "It needs AVX512DQ too (VPMULLQ)."
	}
	bitsName := strings.TrimPrefix(e.goType, "float") // 32 or 64
	forType := ""
	if e.name != f32.name {
		forType = " for " + e.goType
	}
	return strings.NewReplacer(
		"@NAME@", name,
		"@SEEDNOTE@", seedNote,
		"@FROMBITS@", "math.Float"+bitsName+"frombits",
		"@TOBITS@", "math.Float"+bitsName+"bits",
		"@E@", bitsName,
		"@FOR@", forType,
		"@ONE@", fmt.Sprintf("%#x", e.one),
		"@ABS@", fmt.Sprintf("%#x", e.abs),
		"@ALIGN@", fmt.Sprint(s.vbytes),
		"@ISA@", isaNote,
		"@T@", e.goType,
		"@B@", e.bitsGo,
	)
}

// fwdDoc is the doc of fwd (add false) or fwdAdd (add true): one loop, in
// which only the product's lines differ.
func fwdDoc(add bool) string {
	head, product := fwdHead, fwdProduct
	if add {
		head, product = fwdAddHead, fwdAddProduct
	}
	return head + strings.Replace(fwdLoop, "@PRODUCT@", product, 1)
}

const fwdHead = `
@NAME@ is fwdGeneric@FOR@ over len(x) elements, a multiple of 64 (0 returns at
once), with lim = thr<<8 (thr < 1<<24), sb the keep factor's bits, and
len(bits) == 0 (no mask) or len(x)/64; len(y) == len(x), y may be x.
@ISA@
`

const fwdAddHead = `
@NAME@ is fwdAddGeneric@FOR@: the fwd kernel of the same ISA with the residual
added, each product rounded before the add (never a fused multiply-add);
len(res) == len(x), and y may be x or res.
@ISA@
`

const (
	fwdProduct    = "\t\ty[i] = x[i] * f // a real multiply: NaN*0 = NaN, -x*0 = -0"
	fwdAddProduct = "\t\tp := x[i] * f // rounded to @T@\n\t\ty[i] = res[i] + p"
)

const fwdLoop = `
	for i := range x {
		l := i % 16
		keep := st[0][l]+st[3][l] >= lim // (s0+s3)>>8 >= thr, unsigned
		f := @T@(0)
		if keep {
			f = @FROMBITS@(sb)
		}
@PRODUCT@
		if len(bits) > 0 && keep {
			bits[i/64] |= 1 << (i % 64) // each word is stored whole
		}
		if l == 15 {
			skip(st, 1) // the next xoshiro128+ step of the 16 lanes
		}
	}

With pf > 0 (y @ALIGN@-byte aligned), y is stored with non-temporal stores,
not fenced (the caller runs fenceAMD64 after its last kernel call), and x
(and res) are prefetched into L2 pf bytes ahead; with pf == 0, normal
stores.
`

const drawsDoc = `
@NAME@ is drawsGeneric over len(u) draws, a multiple of 64.
@ISA@

	for i := range u {
		l := i % 16
		u[i] = (st[0][l] + st[3][l]) >> 8
		if l == 15 {
			skip(st, 1)
		}
	}
`

const skipDoc = `
@NAME@ is lanes.skip(n) in stream.go: n >= 0 xoshiro128+ steps of the 16
lanes, each lane's step being xoshiroNext in stream.go.
@ISA@
`

const bwdDoc = `
@NAME@ is bwdGeneric@FOR@ over len(dy) elements, a multiple of 64;
len(dx) == len(dy), len(words) == len(dy)/64, dx may be dy.
@ISA@

	for i := range dy {
		f := @T@(0)
		if words[i/64]>>(i%64)&1 != 0 {
			f = @FROMBITS@(sb)
		}
		dx[i] = dy[i] * f
	}

With pf > 0 (dx @ALIGN@-byte aligned), dx is stored with non-temporal stores,
then fenced (SFENCE), and dy is prefetched into L2 pf bytes ahead; with
pf == 0, normal stores.
`

const scaleDoc = `
@NAME@ is scaleGeneric@FOR@ over len(x) elements, a multiple of 64;
len(y) == len(x), y may be x.
@ISA@

	for i := range x {
		y[i] = x[i] * @FROMBITS@(a)
	}

With pf > 0 (y @ALIGN@-byte aligned), y is stored with non-temporal stores,
then fenced (SFENCE), and x is prefetched into L2 pf bytes ahead; with
pf == 0, normal stores.
`

const addDoc = `
@NAME@ is addGeneric@FOR@ over len(a) elements, a multiple of 64;
len(dst) == len(b) == len(a), dst may be a or b.
@ISA@

	for i := range a {
		dst[i] = a[i] + b[i]
	}
`

const unpack8Doc = `
@NAME@ is unpack8Generic over len(words) words; len(dst) == 64*len(words).
@ISA@

	for i := range dst {
		dst[i] = uint8(words[i/64] >> (i % 64) & 1)
	}
`

const pack8Doc = `
@NAME@ is pack8Generic over len(words) words; len(src) == 64*len(words).
@ISA@

	for i := range words {
		var w uint64
		for j := 0; j < 64; j++ {
			if src[64*i+j] != 0 {
				w |= 1 << j
			}
		}
		words[i] = w
	}
`

const unpackDoc = `
@NAME@ is unpackFGeneric@FOR@ over len(words) words; len(dst) == 64*len(words).
@ISA@

	for i := range dst {
		dst[i] = @FROMBITS@(-@B@(words[i/64]>>(i%64)&1) & @ONE@) // 1 or +0
	}
`

const packDoc = `
@NAME@ is packFGeneric@FOR@ over len(words) words, testing bits rather than
comparing floats (so MXCSR's denormals-are-zero cannot matter);
len(src) == 64*len(words).
@ISA@

	for i := range words {
		var w uint64
		for j := 0; j < 64; j++ {
			if @TOBITS@(src[64*i+j])&@ABS@ != 0 { // src[64*i+j] != 0
				w |= 1 << j
			}
		}
		words[i] = w
	}
`

const seedDoc = `
@NAME@ is st.seedBlock(base, blk) given c = base + blk*32*golden + golden
(mod 2^64), the SplitMix64 input of the block's first word.
@ISA@
@SEEDNOTE@

	for l := 0; l < 16; l++ {
		a, b := mix64(c+uint64(2*l)*golden), mix64(c+uint64(2*l+1)*golden)
		st[0][l], st[1][l] = uint32(a), uint32(a>>32)
		st[2][l], st[3][l] = uint32(b), uint32(b>>32)
	}
`
