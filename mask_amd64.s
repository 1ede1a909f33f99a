//go:build !purego

#include "textflag.h"

// AVX-512 and AVX2 mask conversions: packed keep bits to 0/1 bytes or
// 0/1.0 floats and back, one 64-bit mask word (64 elements) per loop
// iteration. The Go stubs in mask_amd64.go document each function with its
// equivalent Go loop; mask.go holds the generic functions every loop here
// reproduces bit for bit. The Go wrappers pass whole words only (n > 0 of
// them) and finish a partial last word themselves.
//
// General registers: DI = dst (bytes or floats), SI = src, DX = mask words,
// CX = words left. Every access is inside the slices: one word, 64 bytes or
// 256 bytes of floats per iteration.
//
// pack32 tests the bits, x & 0x7fffffff != 0, never a float compare: the
// result is that of x != 0 (±0 zero; NaN, Inf, subnormals nonzero) whatever
// MXCSR's denormals-are-zero bit says.
//
// Constants reach the vector registers by VEX or EVEX instructions only
// (VMOVD, not MOVQ, from a general register): one legacy SSE instruction
// measured ~140 ns a call here, a state transition.

// NEXTWORD advances DX by one mask word, ptr by step bytes, and loops to
// label while words remain.
#define NEXTWORD(ptr, step, label) \
	ADDQ $8, DX       \ // next mask word
	ADDQ $step, ptr   \ // next 64 elements
	DECQ CX           \ // one word done
	JNZ  label          // more words

// ---------------------------------------------------------------------------
// AVX-512 (AVX512F + AVX512BW): a mask word is a K register.
// ---------------------------------------------------------------------------

#define ONES Z1 // unpack8: 0x01 in every byte
#define ALL Z1  // pack8: every bit set
#define ONEF Z1 // unpack32: 1.0 (0x3f800000) in every lane
#define ABS Z1  // pack32: 0x7fffffff in every lane
#define V0 Z2
#define V1 Z3
#define V2 Z4
#define V3 Z5

// func unpack8AVX512(dst *uint8, words *uint64, n int)
TEXT ·unpack8AVX512(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI   // DI = dst
	MOVQ         words+8(FP), DX // DX = words
	MOVQ         n+16(FP), CX    // CX = words left
	TESTQ        CX, CX          // nothing to do?
	JZ           unpack8x512ret  // then return
	MOVL         $0x01010101, AX // four bytes of 1
	VPBROADCASTD AX, ONES        // ONES = 1 in every byte

unpack8x512loop:
	KMOVQ       (DX), K1          // k1 = words[i]
	VMOVDQU8.Z  ONES, K1, V0      // byte j = bit j ? 1 : 0
	VMOVDQU8    V0, (DI)          // store dst[64i:64i+64]
	NEXTWORD(DI, 64, unpack8x512loop) // loop
	VZEROUPPER                    // clean upper registers

unpack8x512ret:
	RET // done

// func pack8AVX512(words *uint64, src *uint8, n int)
TEXT ·pack8AVX512(SB), NOSPLIT, $0-24
	MOVQ       words+0(FP), DX  // DX = words
	MOVQ       src+8(FP), SI    // SI = src
	MOVQ       n+16(FP), CX     // CX = words left
	TESTQ      CX, CX           // nothing to do?
	JZ         pack8x512ret     // then return
	VPTERNLOGD $0xff, ALL, ALL, ALL // ALL = every bit set

pack8x512loop:
	VPTESTMB (SI), ALL, K1         // bit j of k1 = src[64i+j] != 0
	KMOVQ    K1, (DX)              // words[i] = k1
	NEXTWORD(SI, 64, pack8x512loop) // loop
	VZEROUPPER                     // clean upper registers

pack8x512ret:
	RET // done

// func unpack32AVX512(dst *float32, words *uint64, n int)
TEXT ·unpack32AVX512(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI   // DI = dst
	MOVQ         words+8(FP), DX // DX = words
	MOVQ         n+16(FP), CX    // CX = words left
	TESTQ        CX, CX          // nothing to do?
	JZ           unpack32x512ret // then return
	MOVL         $0x3f800000, AX // 1.0
	VPBROADCASTD AX, ONEF        // ONEF = 1.0 in every lane

unpack32x512loop:
	KMOVW       0(DX), K1          // k1 = bits 0..15 of words[i] (a load, no ALU uop)
	KMOVW       2(DX), K2          // k2 = bits 16..31
	KMOVW       4(DX), K3          // k3 = bits 32..47
	KMOVW       6(DX), K4          // k4 = bits 48..63
	VMOVDQA32.Z ONEF, K1, V0       // lane j = bit j ? 1.0 : +0
	VMOVDQA32.Z ONEF, K2, V1       // elements 16..31
	VMOVDQA32.Z ONEF, K3, V2       // elements 32..47
	VMOVDQA32.Z ONEF, K4, V3       // elements 48..63
	VMOVDQU32   V0, 0(DI)          // store dst[0:16] of this word
	VMOVDQU32   V1, 64(DI)         // dst[16:32]
	VMOVDQU32   V2, 128(DI)        // dst[32:48]
	VMOVDQU32   V3, 192(DI)        // dst[48:64]
	NEXTWORD(DI, 256, unpack32x512loop) // loop
	VZEROUPPER                     // clean upper registers

unpack32x512ret:
	RET // done

// func pack32AVX512(words *uint64, src *float32, n int)
TEXT ·pack32AVX512(SB), NOSPLIT, $0-24
	MOVQ         words+0(FP), DX // DX = words
	MOVQ         src+8(FP), SI   // SI = src
	MOVQ         n+16(FP), CX    // CX = words left
	TESTQ        CX, CX          // nothing to do?
	JZ           pack32x512ret   // then return
	MOVL         $0x7fffffff, AX // every bit but the sign
	VPBROADCASTD AX, ABS         // ABS = 0x7fffffff in every lane

pack32x512loop:
	VPTESTMD 0(SI), ABS, K1       // bit j of k1 = src[64i+j] is not ±0
	VPTESTMD 64(SI), ABS, K2      // elements 16..31
	VPTESTMD 128(SI), ABS, K3     // elements 32..47
	VPTESTMD 192(SI), ABS, K4     // elements 48..63
	KMOVW    K1, 0(DX)            // bits 0..15 of words[i] (four stores
	KMOVW    K2, 2(DX)            // measured faster than joining the K
	KMOVW    K3, 4(DX)            // registers with KUNPCK, which competes
	KMOVW    K4, 6(DX)            // with VPTESTMD for port 5)
	NEXTWORD(SI, 256, pack32x512loop) // loop
	VZEROUPPER                    // clean upper registers

pack32x512ret:
	RET // done

#undef ONES
#undef ALL
#undef ONEF
#undef ABS
#undef V0
#undef V1
#undef V2
#undef V3

// ---------------------------------------------------------------------------
// AVX2: a 32-bit half of a mask word is broadcast to every lane and each
// lane picks its own bit; VPMOVMSKB gathers the bits back, 32 bytes at a
// time (pack32 packs its dwords to bytes first).
// ---------------------------------------------------------------------------

#define IDX Y0  // unpack8: VPSHUFB indices, byte j takes byte j/8 of the half
#define BITS Y1 // unpack8: 1<<(j%8) in byte j
#define ONES Y2 // unpack8: 0x01 in every byte
#define ZERO Y0 // pack8, pack32: all zero
#define ABS Y1  // pack32: 0x7fffffff in every lane
#define W0 Y0   // unpack32: 1<<(8c+j) in lane j for chunk c = 0..3
#define W1 Y1
#define W2 Y2
#define W3 Y3
#define ONEF Y4 // unpack32: 1.0 in every lane
#define T0 Y5   // temporaries
#define T1 Y6
#define T2 Y7
#define T3 Y8
#define PERM Y2 // pack32: VPERMD indices 0 4 1 5 2 6 3 7

// maskConst<>: at 0, the VPSHUFB indices of unpack8 (bytes 0..3 of the
// half, eight times each); at 32, 1<<(j%8) in byte j; at 64, 1<<j in dword j
// for j = 0..31; at 192, the VPERMD indices of pack32.
DATA maskConst<>+0(SB)/8, $0x0000000000000000
DATA maskConst<>+8(SB)/8, $0x0101010101010101
DATA maskConst<>+16(SB)/8, $0x0202020202020202
DATA maskConst<>+24(SB)/8, $0x0303030303030303
DATA maskConst<>+32(SB)/8, $0x8040201008040201
DATA maskConst<>+40(SB)/8, $0x8040201008040201
DATA maskConst<>+48(SB)/8, $0x8040201008040201
DATA maskConst<>+56(SB)/8, $0x8040201008040201
DATA maskConst<>+64(SB)/8, $0x0000000200000001
DATA maskConst<>+72(SB)/8, $0x0000000800000004
DATA maskConst<>+80(SB)/8, $0x0000002000000010
DATA maskConst<>+88(SB)/8, $0x0000008000000040
DATA maskConst<>+96(SB)/8, $0x0000020000000100
DATA maskConst<>+104(SB)/8, $0x0000080000000400
DATA maskConst<>+112(SB)/8, $0x0000200000001000
DATA maskConst<>+120(SB)/8, $0x0000800000004000
DATA maskConst<>+128(SB)/8, $0x0002000000010000
DATA maskConst<>+136(SB)/8, $0x0008000000040000
DATA maskConst<>+144(SB)/8, $0x0020000000100000
DATA maskConst<>+152(SB)/8, $0x0080000000400000
DATA maskConst<>+160(SB)/8, $0x0200000001000000
DATA maskConst<>+168(SB)/8, $0x0800000004000000
DATA maskConst<>+176(SB)/8, $0x2000000010000000
DATA maskConst<>+184(SB)/8, $0x8000000040000000
DATA maskConst<>+192(SB)/8, $0x0000000400000000
DATA maskConst<>+200(SB)/8, $0x0000000500000001
DATA maskConst<>+208(SB)/8, $0x0000000600000002
DATA maskConst<>+216(SB)/8, $0x0000000700000003
GLOBL maskConst<>(SB), RODATA|NOPTR, $224

// UNPACK8_2 writes the 32 bytes at byte offset off of dst from the half
// word at byte offset woff of the word.
#define UNPACK8_2(woff, off) \
	VPBROADCASTD woff(DX), T0 \ // the half word in every dword
	VPSHUFB      IDX, T0, T0  \ // byte j = byte j/8 of the half
	VPAND        BITS, T0, T0 \ // byte j = its own bit, 1<<(j%8) or 0
	VPMINUB      ONES, T0, T0 \ // byte j = 1 or 0
	VMOVDQU      T0, off(DI)    // store 32 bytes

// func unpack8AVX2(dst *uint8, words *uint64, n int)
TEXT ·unpack8AVX2(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI   // DI = dst
	MOVQ         words+8(FP), DX // DX = words
	MOVQ         n+16(FP), CX    // CX = words left
	TESTQ        CX, CX          // nothing to do?
	JZ           unpack8x2ret    // then return
	VMOVDQU      maskConst<>+0(SB), IDX   // shuffle indices
	VMOVDQU      maskConst<>+32(SB), BITS // byte bit weights
	MOVL         $1, AX          // 1
	VMOVD        AX, X2          // in byte 0 of ONES
	VPBROADCASTB X2, ONES        // ONES = 1 in every byte

unpack8x2loop:
	UNPACK8_2(0, 0)              // bits 0..31 to dst[0:32] of this word
	UNPACK8_2(4, 32)             // bits 32..63 to dst[32:64]
	NEXTWORD(DI, 64, unpack8x2loop) // loop
	VZEROUPPER                   // clean upper registers

unpack8x2ret:
	RET // done

// func pack8AVX2(words *uint64, src *uint8, n int)
TEXT ·pack8AVX2(SB), NOSPLIT, $0-24
	MOVQ  words+0(FP), DX // DX = words
	MOVQ  src+8(FP), SI   // SI = src
	MOVQ  n+16(FP), CX    // CX = words left
	TESTQ CX, CX          // nothing to do?
	JZ    pack8x2ret      // then return
	VPXOR ZERO, ZERO, ZERO // ZERO = 0

pack8x2loop:
	VPCMPEQB  0(SI), ZERO, T0  // byte j of t0 = src[j] == 0 ? 0xff : 0
	VPCMPEQB  32(SI), ZERO, T1 // bytes 32..63
	VPMOVMSKB T0, AX           // bit j of ax = src[j] == 0, j < 32
	VPMOVMSKB T1, BX           // bit j of bx = src[32+j] == 0
	SHLQ      $32, BX          // to bits 32..63
	ORQ       BX, AX           // bit j = src[j] == 0
	NOTQ      AX               // bit j = src[j] != 0
	MOVQ      AX, (DX)         // words[i]
	NEXTWORD(SI, 64, pack8x2loop) // loop
	VZEROUPPER                 // clean upper registers

pack8x2ret:
	RET // done

// UNPACK32_8 writes the 8 floats at byte offset off of dst from the bits of
// T0 (a half word in every lane) selected by the weights W.
#define UNPACK32_8(W, off) \
	VPAND    W, T0, T1    \ // lane j = its own bit, weight or 0
	VPCMPEQD W, T1, T1    \ // all ones iff the bit is set
	VPAND    ONEF, T1, T1 \ // 1.0 or +0
	VMOVDQU  T1, off(DI)    // store 8 floats

// UNPACK32_32 writes the 32 floats at byte offset off of dst from the half
// word at byte offset woff of the word.
#define UNPACK32_32(woff, off) \
	VPBROADCASTD woff(DX), T0 \ // the half word in every lane
	UNPACK32_8(W0, off)       \ // elements +0..7
	UNPACK32_8(W1, off+32)    \ // elements +8..15
	UNPACK32_8(W2, off+64)    \ // elements +16..23
	UNPACK32_8(W3, off+96)      // elements +24..31

// func unpack32AVX2(dst *float32, words *uint64, n int)
TEXT ·unpack32AVX2(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI   // DI = dst
	MOVQ         words+8(FP), DX // DX = words
	MOVQ         n+16(FP), CX    // CX = words left
	TESTQ        CX, CX          // nothing to do?
	JZ           unpack32x2ret   // then return
	VMOVDQU      maskConst<>+64(SB), W0  // weights 1<<0..1<<7
	VMOVDQU      maskConst<>+96(SB), W1  // weights 1<<8..1<<15
	VMOVDQU      maskConst<>+128(SB), W2 // weights 1<<16..1<<23
	VMOVDQU      maskConst<>+160(SB), W3 // weights 1<<24..1<<31
	MOVL         $0x3f800000, AX // 1.0
	VMOVD        AX, X4          // in lane 0 of ONEF
	VPBROADCASTD X4, ONEF        // ONEF = 1.0 in every lane

unpack32x2loop:
	UNPACK32_32(0, 0)              // bits 0..31 to dst[0:32] of this word
	UNPACK32_32(4, 128)            // bits 32..63 to dst[32:64]
	NEXTWORD(DI, 256, unpack32x2loop) // loop
	VZEROUPPER                     // clean upper registers

unpack32x2ret:
	RET // done

// PACK32_32 leaves in BX the bits of the 32 floats at byte offset off of
// src, set where the float is ±0. Signed saturation keeps zero and nonzero
// apart, so the dwords x & 0x7fffffff are packed to bytes before the
// compare; the packs interleave the 128-bit lanes, and VPERMD puts the
// groups of four back in order.
#define PACK32_32(off) \
	VPAND     off(SI), ABS, T0    \ // elements +0..7: drop the sign bits
	VPAND     off+32(SI), ABS, T1 \ // elements +8..15
	VPAND     off+64(SI), ABS, T2 \ // elements +16..23
	VPAND     off+96(SI), ABS, T3 \ // elements +24..31
	VPACKSSDW T1, T0, T0          \ // words: 0-3 8-11 | 4-7 12-15
	VPACKSSDW T3, T2, T2          \ // words: 16-19 24-27 | 20-23 28-31
	VPACKSSWB T2, T0, T0          \ // bytes: 0-3 8-11 16-19 24-27 | 4-7 12-15 20-23 28-31
	VPERMD    T0, PERM, T0        \ // bytes 0..31 in order
	VPCMPEQB  ZERO, T0, T0        \ // 0xff iff ±0
	VPMOVMSKB T0, BX                // bit j = element j is ±0

// func pack32AVX2(words *uint64, src *float32, n int)
TEXT ·pack32AVX2(SB), NOSPLIT, $0-24
	MOVQ         words+0(FP), DX // DX = words
	MOVQ         src+8(FP), SI   // SI = src
	MOVQ         n+16(FP), CX    // CX = words left
	TESTQ        CX, CX          // nothing to do?
	JZ           pack32x2ret     // then return
	VPXOR        ZERO, ZERO, ZERO // ZERO = 0
	MOVL         $0x7fffffff, AX // every bit but the sign
	VMOVD        AX, X1          // in lane 0 of ABS
	VPBROADCASTD X1, ABS         // ABS = 0x7fffffff in every lane
	VMOVDQU      maskConst<>+192(SB), PERM // dword order 0 4 1 5 2 6 3 7

pack32x2loop:
	PACK32_32(0)        // bit j of bx: element j is ±0
	MOVQ BX, AX         // bits 0..31
	PACK32_32(128)      // elements 32..63
	SHLQ $32, BX        // to bits 32..63
	ORQ  BX, AX         // bit j = element j is ±0
	NOTQ AX             // bit j = element j is nonzero
	MOVQ AX, (DX)       // words[i]
	NEXTWORD(SI, 256, pack32x2loop) // loop
	VZEROUPPER          // clean upper registers

pack32x2ret:
	RET // done
