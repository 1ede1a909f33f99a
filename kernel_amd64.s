//go:build !purego

#include "textflag.h"

// AVX-512 and AVX2 dropout kernels. The Go stubs in kernel_amd64.go document
// each function with its equivalent Go loop; kernel_generic.go holds the
// reference every kernel here reproduces bit for bit.
//
// The 16 xoshiro128+ lanes live in registers for a whole call: one zmm per
// state word on AVX-512 (S0..S3), two ymm per state word on AVX2 (lanes 0-7
// in the L register, 8-15 in the H register). One step of the 16 lanes
// serves 16 consecutive elements; a loop iteration does four steps, which is
// 64 elements and one 64-bit mask word.
//
// General registers: DI = st, SI = x (or dy, or u), R8 = y (or dx),
// DX = mask words, CX = count of groups, vectors or steps left.
//
// Cost per 16 elements of the forward loop: AVX-512, 10 vector ALU
// instructions (add, compare into K, six for xoshiro with VPTERNLOGD and
// VPROLD, zero-masked move of scale, multiply with the x load folded in) and
// one store, plus 3 K-register unpacks and one 8-byte store per 64 elements;
// AVX2, 2 x 14 ALU instructions and 2 stores, plus VMOVMSKPS, SHLQ, ORQ per 8
// elements for the mask. 512-bit code runs on ports 0 and 5 only, so the
// AVX-512 loop is bound at about 5 cycles per 16 elements.
//
// The fused dropout-add loops (fwdAdd*, R10 = res) are the forward loops
// (FWD_LOOPS serves all four kernels, given FWDADD512_STEP or FWDADD2_HALF
// for a vector) with one VADDPS more per vector, its res load folded in:
// AVX-512, 11 ALU instructions and one store per 16 elements; AVX2, 2 x 15
// and 2 stores.
// The add is a separate instruction after the rounded VMULPS, never a
// VFMADD: the sum must round as the unfused float32 sequence does.
//
// Non-temporal stores: the fwd and fwdAdd loops do not SFENCE; the stream
// driver calls fenceAMD64 once at the end of a call (a call is many
// 8192-element blocks, one kernel call each). A goroutine moved to another
// thread meanwhile is no hazard: the scheduler's locked instructions and
// the preemption signal drain the write-combining buffers. bwd and scale
// are one kernel call per operation and fence their own stores.

// ---------------------------------------------------------------------------
// AVX-512 (AVX512F + AVX512BW for the 64-bit K-register moves)
// ---------------------------------------------------------------------------

#define S0 Z0
#define S1 Z1
#define S2 Z2
#define S3 Z3
#define THR8 Z4  // thr<<8 in every lane
#define SCALE Z5 // scale in every lane
#define TX Z6    // xoshiro temporary: s3 ^ s1
#define TT Z7    // xoshiro temporary: s1 << 9
#define U0 Z8    // draws, then factors, then products of steps 0..3
#define U1 Z9
#define U2 Z10
#define U3 Z11

// XOSHIRO512 advances the 16 lanes one step (6 instructions):
// t = s1<<9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11).
#define XOSHIRO512 \
	VPXORD     S1, S3, TX     \ // tx = s3 ^ s1, the new s3 before rotation
	VPSLLD     $9, S1, TT     \ // tt = s1 << 9
	VPTERNLOGD $0x96, S0, S2, S1 \ // s1 ^= s2 ^ s0
	VPTERNLOGD $0x96, TT, S0, S2 \ // s2 ^= s0 ^ tt
	VPXORD     TX, S0, S0     \ // s0 ^= tx
	VPROLD     $11, TX, S3      // s3 = rotl(tx, 11)

// FWD512_STEP does 16 elements at byte offset off of x and y, with the keep
// bits left in KR: kept iff s0+s3 >= thr<<8 (unsigned), which is
// (s0+s3)>>8 >= thr for thr < 1<<24. The product is a real multiply, so
// NaN, Inf and -0 behave as in x * factor.
#define FWD512_STEP(off, U, KR) \
	VPADDD    S3, S0, U       \ // u = s0 + s3, the draw is u>>8
	VPCMPUD   $5, THR8, U, KR \ // KR = u >= thr<<8 (predicate 5: not less than)
	XOSHIRO512                \ // next step
	VMOVAPS.Z SCALE, KR, U    \ // factor = keep ? scale : +0
	VMULPS    off(SI), U, U     // u = x * factor

// STORE4_512 stores the four products of a 64-element group with STORE
// (VMOVUPS or VMOVNTPS).
#define STORE4_512(STORE) \
	STORE U0, 0(R8)   \ // y[0:16]
	STORE U1, 64(R8)  \ // y[16:32]
	STORE U2, 128(R8) \ // y[32:48]
	STORE U3, 192(R8)   // y[48:64]

// FWD512_GROUP does 64 elements: four steps of STEP (FWD512_STEP, or
// FWDADD512_STEP in fwdAddAVX512), keep bits in K1..K4, then the four
// stores of y with STORE (VMOVUPS or VMOVNTPS).
#define FWD512_GROUP(STEP, STORE) \
	STEP(0, U0, K1)   \ // elements 0..15
	STEP(64, U1, K2)  \ // elements 16..31
	STEP(128, U2, K3) \ // elements 32..47
	STEP(192, U3, K4) \ // elements 48..63
	STORE4_512(STORE)   // store y

// FWD512_BITS stores the 64 keep bits of K1..K4 (element order) at (DX),
// with a normal store even in the non-temporal loops: an 8-byte MOVNTI
// measured twice as slow, the partial write-combining lines being flushed
// early.
#define FWD512_BITS \
	KUNPCKWD K1, K2, K5 \ // k5 = k2<<16 | k1
	KUNPCKWD K3, K4, K6 \ // k6 = k4<<16 | k3
	KUNPCKDQ K5, K6, K7 \ // k7 = k6<<32 | k5
	KMOVQ    K7, (DX)   \ // bits[g] = k7
	ADDQ     $8, DX       // next mask word

// FWD512_GROUPBITS is FWD512_GROUP followed by the group's mask word.
#define FWD512_GROUPBITS(STEP, STORE) \
	FWD512_GROUP(STEP, STORE) \ // 64 elements, keep bits in K1..K4
	FWD512_BITS                 // store the mask word

// NEXT64 advances SI and R8 by 64 elements and loops to label while
// groups remain (CX).
#define NEXT64(label) \
	ADDQ $256, SI \ // x += 64 elements
	ADDQ $256, R8 \ // y += 64 elements
	DECQ CX       \ // one group done
	JNZ  label      // more groups

// PREFETCH4 asks for the four cache lines of x (SI) PFDIST bytes ahead,
// into L2. Only the non-temporal loops, which stream from DRAM, prefetch:
// there it measured 10-20% faster than the hardware prefetcher alone
// (PREFETCHNTA, or distances of 1 or 2 KiB, measured slower).
#define PFDIST 4096
#define PREFETCH4 \
	PREFETCHT1 PFDIST(SI)     \ // line 0
	PREFETCHT1 PFDIST+64(SI)  \ // line 1
	PREFETCHT1 PFDIST+128(SI) \ // line 2
	PREFETCHT1 PFDIST+192(SI)   // line 3

// LOAD512 and SAVE512 move the lane state between *st (DI) and S0..S3.
#define LOAD512 \
	VMOVDQU32 0(DI), S0   \ // s0 of the 16 lanes
	VMOVDQU32 64(DI), S1  \ // s1
	VMOVDQU32 128(DI), S2 \ // s2
	VMOVDQU32 192(DI), S3   // s3

#define SAVE512 \
	VMOVDQU32 S0, 0(DI)   \ // s0 back to *st
	VMOVDQU32 S1, 64(DI)  \ // s1
	VMOVDQU32 S2, 128(DI) \ // s2
	VMOVDQU32 S3, 192(DI)   // s3

// FWD_LOOPS is the rest of the four forward kernels (fwdAVX512,
// fwdAddAVX512, fwdAVX2, fwdAddAVX2) once the arguments are in registers,
// the lane state is loaded and CMPB has compared nt with 0. It has one loop
// for each case, keep bits (DX not nil) or not, non-temporal stores or not;
// an iteration does 64 elements, GROUPBITS(VEC, STORE) with their mask word
// or GROUP(VEC, STORE) without (VEC: the macro for one vector of elements),
// then NEXT(label) advances the pointers and loops while groups remain.
// The non-temporal loops PREFETCH their inputs first and do not fence (see
// fenceAMD64). SAVE stores the lane state back to *st. The labels are the
// kernel's own (labels are function scoped); fwdret is its JZ target for
// groups = 0.
#define FWD_LOOPS(GROUPBITS, GROUP, VEC, NEXT, PREFETCH, SAVE) \
	JNE   fwdnt                \ // nt (the kernel's CMPB): the non-temporal loops
	TESTQ DX, DX               \ // keep bits wanted?
	JZ    fwdnobits            \ // no
fwdbits:                       \ // keep bits, normal stores
	GROUPBITS(VEC, VMOVUPS)    \ // 64 elements and their mask word
	NEXT(fwdbits)              \ // loop
	JMP   fwddone              \ // finish
fwdnobits:                     \ // no keep bits, normal stores
	GROUP(VEC, VMOVUPS)        \ // 64 elements
	NEXT(fwdnobits)            \ // loop
	JMP   fwddone              \ // finish
fwdnt:                         \ // non-temporal stores
	TESTQ DX, DX               \ // keep bits wanted?
	JZ    fwdntnobits          \ // no
fwdntbits:                     \ // keep bits, non-temporal stores
	PREFETCH                   \ // inputs ahead
	GROUPBITS(VEC, VMOVNTPS)   \ // 64 elements and their mask word, non-temporal
	NEXT(fwdntbits)            \ // loop
	JMP   fwddone              \ // finish, unfenced
fwdntnobits:                   \ // no keep bits, non-temporal stores
	PREFETCH                   \ // inputs ahead
	GROUP(VEC, VMOVNTPS)       \ // 64 elements, non-temporal
	NEXT(fwdntnobits)          \ // loop; unfenced
fwddone:                       \ // every group done
	SAVE                       \ // lane state back to *st
	VZEROUPPER                 \ // leave the upper registers clean for SSE code
fwdret:                        \ // also the target for groups = 0
	RET                          // done

// func fwdAVX512(st *lanes, y, x *float32, bits *uint64, groups int, thr8 uint32, scale float32, nt bool)
TEXT ·fwdAVX512(SB), NOSPLIT, $0-49
	MOVQ         st+0(FP), DI     // DI = st
	MOVQ         y+8(FP), R8      // R8 = y
	MOVQ         x+16(FP), SI     // SI = x
	MOVQ         bits+24(FP), DX  // DX = bits (nil: no mask)
	MOVQ         groups+32(FP), CX // CX = groups of 64 elements
	TESTQ        CX, CX           // nothing to do?
	JZ           fwdret           // then return (the label ends FWD_LOOPS)
	VBROADCASTSS thr8+40(FP), THR8 // THR8 = thr<<8 in every lane (bit copy)
	VBROADCASTSS scale+44(FP), SCALE // SCALE = scale in every lane
	LOAD512                       // lane state to S0..S3
	CMPB         nt+48(FP), $0    // non-temporal stores? FWD_LOOPS branches on it
	FWD_LOOPS(FWD512_GROUPBITS, FWD512_GROUP, FWD512_STEP, NEXT64, PREFETCH4, SAVE512) // y = x * factor

// DRAWS512_STEP stores the 16 draws of one step at byte offset off of u.
#define DRAWS512_STEP(off) \
	VPADDD    S3, S0, U0 \ // u = s0 + s3
	VPSRLD    $8, U0, U0 \ // u >>= 8: the 24-bit draw
	VMOVDQU32 U0, off(SI) \ // store 16 draws
	XOSHIRO512             // next step

// func drawsAVX512(st *lanes, u *uint32, groups int)
TEXT ·drawsAVX512(SB), NOSPLIT, $0-24
	MOVQ  st+0(FP), DI      // DI = st
	MOVQ  u+8(FP), SI       // SI = u
	MOVQ  groups+16(FP), CX // CX = groups of 64 draws
	TESTQ CX, CX            // nothing to do?
	JZ    draws512ret       // then return
	LOAD512                 // lane state to S0..S3

draws512loop:
	DRAWS512_STEP(0)   // draws 0..15
	DRAWS512_STEP(64)  // draws 16..31
	DRAWS512_STEP(128) // draws 32..47
	DRAWS512_STEP(192) // draws 48..63
	ADDQ $256, SI      // u += 64
	DECQ CX            // one group done
	JNZ  draws512loop  // more groups
	SAVE512            // lane state back to *st
	VZEROUPPER         // clean upper registers

draws512ret:
	RET // done

// func skipAVX512(st *lanes, n int)
TEXT ·skipAVX512(SB), NOSPLIT, $0-16
	MOVQ  st+0(FP), DI // DI = st
	MOVQ  n+8(FP), CX  // CX = steps
	TESTQ CX, CX       // nothing to do?
	JZ    skip512ret   // then return
	LOAD512            // lane state to S0..S3

skip512loop:
	XOSHIRO512      // one step
	DECQ CX         // counted
	JNZ  skip512loop // more steps
	SAVE512         // lane state back to *st
	VZEROUPPER      // clean upper registers

skip512ret:
	RET // done

// BWD512_STEP does 16 elements at byte offset off, KR holding their bits.
#define BWD512_STEP(off, U, KR) \
	VMOVAPS.Z SCALE, KR, U \ // factor = bit ? scale : +0
	VMULPS    off(SI), U, U  // u = dy * factor

// func bwdAVX512(dx, dy *float32, words *uint64, groups int, scale float32, nt bool)
TEXT ·bwdAVX512(SB), NOSPLIT, $0-37
	MOVQ         dx+0(FP), R8      // R8 = dx
	MOVQ         dy+8(FP), SI      // SI = dy
	MOVQ         words+16(FP), DX  // DX = words
	MOVQ         groups+24(FP), CX // CX = groups of 64 elements
	TESTQ        CX, CX            // nothing to do?
	JZ           bwd512ret         // then return
	VBROADCASTSS scale+32(FP), SCALE // SCALE = scale in every lane
	CMPB         nt+36(FP), $0     // non-temporal stores?
	JNE          bwd512nt          // yes

bwd512loop:
	KMOVW    0(DX), K1        // k1 = bits 0..15 of words[g] (a load, no ALU uop)
	KMOVW    2(DX), K2        // k2 = bits 16..31
	KMOVW    4(DX), K3        // k3 = bits 32..47
	KMOVW    6(DX), K4        // k4 = bits 48..63
	BWD512_STEP(0, U0, K1)    // elements 0..15
	BWD512_STEP(64, U1, K2)   // elements 16..31
	BWD512_STEP(128, U2, K3)  // elements 32..47
	BWD512_STEP(192, U3, K4)  // elements 48..63
	STORE4_512(VMOVUPS)     // store dx
	ADDQ     $8, DX           // next word
	NEXT64(bwd512loop)   // loop
	VZEROUPPER                // clean upper registers
	RET                       // done

bwd512nt:
	PREFETCH4                 // dy ahead
	KMOVW    0(DX), K1        // k1 = bits 0..15 of words[g] (a load, no ALU uop)
	KMOVW    2(DX), K2        // k2 = bits 16..31
	KMOVW    4(DX), K3        // k3 = bits 32..47
	KMOVW    6(DX), K4        // k4 = bits 48..63
	BWD512_STEP(0, U0, K1)    // elements 0..15
	BWD512_STEP(64, U1, K2)   // elements 16..31
	BWD512_STEP(128, U2, K3)  // elements 32..47
	BWD512_STEP(192, U3, K4)  // elements 48..63
	STORE4_512(VMOVNTPS)    // store dx, non-temporal
	ADDQ     $8, DX           // next word
	NEXT64(bwd512nt)     // loop
	SFENCE                    // order the non-temporal stores
	VZEROUPPER                // clean upper registers

bwd512ret:
	RET // done

// SCALE_LOOPS is the rest of scaleAVX512 and scaleAVX2 once CX holds the
// number of vectors (not 0), SCALE holds a and CMPB has compared nt with 0:
// four vectors an iteration, then one at a time, with normal or
// non-temporal stores (then one SFENCE). v0-v3 are the vector registers,
// w1-w3 the byte offsets of vectors 1-3, w4 that of the next four. The
// labels are the kernel's own (labels are function scoped).
#define SCALE_LOOPS(v0, v1, v2, v3, w1, w2, w3, w4) \
	JNE      scalent           \ // non-temporal stores: their loops
scalefour:                     \ // four vectors, normal stores
	CMPQ     CX, $4            \ // four vectors left?
	JB       scaleone          \ // no: one at a time
	VMULPS   0(SI), SCALE, v0  \ // x[0 : 1 vector] * a
	VMULPS   w1(SI), SCALE, v1 \ // vector 1
	VMULPS   w2(SI), SCALE, v2 \ // vector 2
	VMULPS   w3(SI), SCALE, v3 \ // vector 3
	VMOVUPS  v0, 0(R8)         \ // store y, vector 0
	VMOVUPS  v1, w1(R8)        \ // vector 1
	VMOVUPS  v2, w2(R8)        \ // vector 2
	VMOVUPS  v3, w3(R8)        \ // vector 3
	ADDQ     $w4, SI           \ // x += four vectors
	ADDQ     $w4, R8           \ // y += four vectors
	SUBQ     $4, CX            \ // four vectors done
	JMP      scalefour         \ // loop
scaleone:                      \ // one vector at a time
	TESTQ    CX, CX            \ // vectors left?
	JZ       scaledone         \ // no
	VMULPS   0(SI), SCALE, v0  \ // x[0 : 1 vector] * a
	VMOVUPS  v0, 0(R8)         \ // store y
	ADDQ     $w1, SI           \ // x += one vector
	ADDQ     $w1, R8           \ // y += one vector
	DECQ     CX                \ // one vector done
	JMP      scaleone          \ // loop
scalent:                       \ // four vectors, non-temporal stores
	CMPQ     CX, $4            \ // four vectors left?
	JB       scalentone        \ // no: one at a time
	PREFETCH4                  \ // x ahead (AVX2: half of it twice, harmless)
	VMULPS   0(SI), SCALE, v0  \ // x[0 : 1 vector] * a
	VMULPS   w1(SI), SCALE, v1 \ // vector 1
	VMULPS   w2(SI), SCALE, v2 \ // vector 2
	VMULPS   w3(SI), SCALE, v3 \ // vector 3
	VMOVNTPS v0, 0(R8)         \ // store y, vector 0, non-temporal
	VMOVNTPS v1, w1(R8)        \ // vector 1
	VMOVNTPS v2, w2(R8)        \ // vector 2
	VMOVNTPS v3, w3(R8)        \ // vector 3
	ADDQ     $w4, SI           \ // x += four vectors
	ADDQ     $w4, R8           \ // y += four vectors
	SUBQ     $4, CX            \ // four vectors done
	JMP      scalent           \ // loop
scalentone:                    \ // one vector at a time, non-temporal
	TESTQ    CX, CX            \ // vectors left?
	JZ       scalentdone       \ // no
	VMULPS   0(SI), SCALE, v0  \ // x[0 : 1 vector] * a
	VMOVNTPS v0, 0(R8)         \ // store y, non-temporal
	ADDQ     $w1, SI           \ // x += one vector
	ADDQ     $w1, R8           \ // y += one vector
	DECQ     CX                \ // one vector done
	JMP      scalentone        \ // loop
scalentdone:                   \ // after the non-temporal stores
	SFENCE                     \ // order them
scaledone:                     \ // done
	VZEROUPPER                 \ // clean upper registers
scaleret:                      \ // also the JZ target for no vectors
	RET                          // done

// func scaleAVX512(y, x *float32, n int, a float32, nt bool)
TEXT ·scaleAVX512(SB), NOSPLIT, $0-29
	MOVQ         y+0(FP), R8   // R8 = y
	MOVQ         x+8(FP), SI   // SI = x
	MOVQ         n+16(FP), CX  // CX = n, a multiple of 16
	SHRQ         $4, CX        // CX = vectors of 16
	JZ           scaleret      // none: return
	VBROADCASTSS a+24(FP), SCALE // SCALE = a in every lane
	CMPB         nt+28(FP), $0 // non-temporal stores?

	SCALE_LOOPS(U0, U1, U2, U3, 64, 128, 192, 256) // y = x * a

// ---------------------------------------------------------------------------
// AVX-512 fused dropout-add: y = res + float32(x * factor). R10 = res.
// ---------------------------------------------------------------------------

// FWDADD512_STEP is FWD512_STEP followed by the residual add: VMULPS rounds
// the product to float32, then VADDPS adds res[off] (never a fused
// multiply-add, whose single rounding would differ from the unfused
// sequence). x and res are loaded here, y stored after the four steps.
#define FWDADD512_STEP(off, U, KR) \
	FWD512_STEP(off, U, KR) \ // u = x * factor, rounded to float32
	VADDPS off(R10), U, U     // u = res + u, rounded

// NEXT64R is NEXT64 that also advances res (R10) by 64 elements.
#define NEXT64R(label) \
	ADDQ $256, R10 \ // res += 64 elements
	NEXT64(label)    // x, y += 64 elements; loop while groups remain

// PREFETCH4R is PREFETCH4 that also asks for the four lines of res (R10).
#define PREFETCH4R \
	PREFETCH4                  \ // x ahead
	PREFETCHT1 PFDIST(R10)     \ // res, line 0
	PREFETCHT1 PFDIST+64(R10)  \ // line 1
	PREFETCHT1 PFDIST+128(R10) \ // line 2
	PREFETCHT1 PFDIST+192(R10)   // line 3

// func fwdAddAVX512(st *lanes, y, x, res *float32, bits *uint64, groups int, thr8 uint32, scale float32, nt bool)
TEXT ·fwdAddAVX512(SB), NOSPLIT, $0-57
	MOVQ         st+0(FP), DI     // DI = st
	MOVQ         y+8(FP), R8      // R8 = y
	MOVQ         x+16(FP), SI     // SI = x
	MOVQ         res+24(FP), R10  // R10 = res
	MOVQ         bits+32(FP), DX  // DX = bits (nil: no mask)
	MOVQ         groups+40(FP), CX // CX = groups of 64 elements
	TESTQ        CX, CX           // nothing to do?
	JZ           fwdret           // then return (the label ends FWD_LOOPS)
	VBROADCASTSS thr8+48(FP), THR8 // THR8 = thr<<8 in every lane (bit copy)
	VBROADCASTSS scale+52(FP), SCALE // SCALE = scale in every lane
	LOAD512                       // lane state to S0..S3
	CMPB         nt+56(FP), $0    // non-temporal stores? FWD_LOOPS branches on it
	FWD_LOOPS(FWD512_GROUPBITS, FWD512_GROUP, FWDADD512_STEP, NEXT64R, PREFETCH4R, SAVE512) // y = res + x * factor

// func addAVX512(dst, a, b *float32, n int)
TEXT ·addAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), R8 // R8 = dst
	MOVQ a+8(FP), SI   // SI = a
	MOVQ b+16(FP), R10 // R10 = b
	MOVQ n+24(FP), CX  // CX = elements left

add512four:
	CMPQ    CX, $64           // 64 elements left?
	JB      add512one         // no: 16 at a time
	VMOVUPS 0(SI), U0         // a[0:16]
	VMOVUPS 64(SI), U1        // a[16:32]
	VMOVUPS 128(SI), U2       // a[32:48]
	VMOVUPS 192(SI), U3       // a[48:64]
	VADDPS  0(R10), U0, U0    // a[0:16] + b[0:16]
	VADDPS  64(R10), U1, U1   // a[16:32] + b[16:32]
	VADDPS  128(R10), U2, U2  // a[32:48] + b[32:48]
	VADDPS  192(R10), U3, U3  // a[48:64] + b[48:64]
	STORE4_512(VMOVUPS)     // store dst[0:64] (after every load: dst may be a or b)
	ADDQ    $256, SI          // a += 64
	ADDQ    $256, R10         // b += 64
	ADDQ    $256, R8          // dst += 64
	SUBQ    $64, CX           // 64 elements done
	JMP     add512four        // loop

add512one:
	CMPQ    CX, $16        // 16 elements left?
	JB      add512tail     // no: the masked tail
	VMOVUPS 0(SI), U0      // a[0:16]
	VADDPS  0(R10), U0, U0 // + b[0:16]
	VMOVUPS U0, 0(R8)      // store dst[0:16]
	ADDQ    $64, SI        // a += 16
	ADDQ    $64, R10       // b += 16
	ADDQ    $64, R8        // dst += 16
	SUBQ    $16, CX        // 16 elements done
	JMP     add512one      // loop

add512tail:
	TESTQ     CX, CX            // elements left (fewer than 16)?
	JZ        add512done        // no
	MOVL      $1, AX            // ax = 1
	SHLL      CX, AX            // ax = 1 << left
	DECL      AX                // ax = (1 << left) - 1: one bit per element left
	KMOVW     AX, K1            // k1 = those elements
	VMOVUPS.Z 0(SI), K1, U0     // a[0:left], masked: no access past the slices
	VMOVUPS.Z 0(R10), K1, U1    // b[0:left], masked
	VADDPS    U1, U0, U0        // a + b
	VMOVUPS   U0, K1, 0(R8)     // store dst[0:left], masked

add512done:
	VZEROUPPER // clean upper registers
	RET        // done

// ---------------------------------------------------------------------------
// AVX-512 seeding (AVX512DQ for VPMULLQ): lanes.seedBlock in registers.
// ---------------------------------------------------------------------------

// seedEven<> is k*golden mod 2^64 for k = 0, 2, ..., 14: the offsets of the
// SplitMix64 inputs of the a words of lanes 0..7 from the block's first.
DATA seedEven<>+0(SB)/8, $0x0000000000000000
DATA seedEven<>+8(SB)/8, $0x3c6ef372fe94f82a
DATA seedEven<>+16(SB)/8, $0x78dde6e5fd29f054
DATA seedEven<>+24(SB)/8, $0xb54cda58fbbee87e
DATA seedEven<>+32(SB)/8, $0xf1bbcdcbfa53e0a8
DATA seedEven<>+40(SB)/8, $0x2e2ac13ef8e8d8d2
DATA seedEven<>+48(SB)/8, $0x6a99b4b1f77dd0fc
DATA seedEven<>+56(SB)/8, $0xa708a824f612c926
GLOBL seedEven<>(SB), RODATA|NOPTR, $64

// seedConst<>: golden, 16*golden mod 2^64, and mix64's two multipliers.
DATA seedConst<>+0(SB)/8, $0x9e3779b97f4a7c15
DATA seedConst<>+8(SB)/8, $0xe3779b97f4a7c150
DATA seedConst<>+16(SB)/8, $0xbf58476d1ce4e5b9
DATA seedConst<>+24(SB)/8, $0x94d049bb133111eb
GLOBL seedConst<>(SB), RODATA|NOPTR, $32

// seedLo<> and seedHi<> are VPERMI2D indices picking the low (even) and
// high (odd) dwords of 16 qwords: lanes 0..7 from the first table, 8..15
// from the second.
DATA seedLo<>+0(SB)/8, $0x0000000200000000
DATA seedLo<>+8(SB)/8, $0x0000000600000004
DATA seedLo<>+16(SB)/8, $0x0000000a00000008
DATA seedLo<>+24(SB)/8, $0x0000000e0000000c
DATA seedLo<>+32(SB)/8, $0x0000001200000010
DATA seedLo<>+40(SB)/8, $0x0000001600000014
DATA seedLo<>+48(SB)/8, $0x0000001a00000018
DATA seedLo<>+56(SB)/8, $0x0000001e0000001c
GLOBL seedLo<>(SB), RODATA|NOPTR, $64
DATA seedHi<>+0(SB)/8, $0x0000000300000001
DATA seedHi<>+8(SB)/8, $0x0000000700000005
DATA seedHi<>+16(SB)/8, $0x0000000b00000009
DATA seedHi<>+24(SB)/8, $0x0000000f0000000d
DATA seedHi<>+32(SB)/8, $0x0000001300000011
DATA seedHi<>+40(SB)/8, $0x0000001700000015
DATA seedHi<>+48(SB)/8, $0x0000001b00000019
DATA seedHi<>+56(SB)/8, $0x0000001f0000001d
GLOBL seedHi<>(SB), RODATA|NOPTR, $64

#define ZA0 Z0   // a words of lanes 0..7 (SplitMix64 inputs, then outputs)
#define ZA1 Z1   // a words of lanes 8..15
#define ZB0 Z2   // b words of lanes 0..7
#define ZB1 Z3   // b words of lanes 8..15
#define TA0 Z4   // mix64 temporaries, one per word vector
#define TA1 Z5
#define TB0 Z6
#define TB1 Z7
#define MUL1 Z8  // 0xbf58476d1ce4e5b9 in every qword
#define MUL2 Z9  // 0x94d049bb133111eb in every qword
#define GOLD Z10 // golden in every qword
#define GOLD16 Z11 // 16*golden in every qword
#define PERM Z12 // VPERMI2D indices, then a state word

// MIX64STEP is z = (z ^ z>>sh) * mul on the four word vectors,
// interleaved so that the four multiplies overlap.
#define MIX64STEP(sh, mul) \
	VPSRLQ  $sh, ZA0, TA0 \ // ta0 = za0 >> sh
	VPSRLQ  $sh, ZA1, TA1 \ // ta1 = za1 >> sh
	VPSRLQ  $sh, ZB0, TB0 \ // tb0 = zb0 >> sh
	VPSRLQ  $sh, ZB1, TB1 \ // tb1 = zb1 >> sh
	VPXORQ  TA0, ZA0, ZA0 \ // za0 ^= ta0
	VPXORQ  TA1, ZA1, ZA1 \ // za1 ^= ta1
	VPXORQ  TB0, ZB0, ZB0 \ // zb0 ^= tb0
	VPXORQ  TB1, ZB1, ZB1 \ // zb1 ^= tb1
	VPMULLQ mul, ZA0, ZA0 \ // za0 *= mul (mod 2^64)
	VPMULLQ mul, ZA1, ZA1 \ // za1 *= mul
	VPMULLQ mul, ZB0, ZB0 \ // zb0 *= mul
	VPMULLQ mul, ZB1, ZB1   // zb1 *= mul

// SEEDWORD stores state word k (byte offset off in *st) from the dwords
// that the index table idx picks out of t0 (lanes 0..7) and t1 (8..15).
#define SEEDWORD(idx, t0, t1, off) \
	VMOVDQU32 idx<>(SB), PERM \ // indices
	VPERMI2D  t1, t0, PERM    \ // perm = the picked dwords, lanes 0..15
	VMOVDQU32 PERM, off(DI)     // st.s[k] = perm

// func seedAVX512(st *lanes, c uint64)
TEXT ·seedAVX512(SB), NOSPLIT, $0-16
	MOVQ         st+0(FP), DI          // DI = st
	VPBROADCASTQ c+8(FP), ZA0          // za0 = c, the input of z_{32blk}, in every qword
	VPBROADCASTQ seedConst<>+0(SB), GOLD    // GOLD = golden
	VPBROADCASTQ seedConst<>+8(SB), GOLD16  // GOLD16 = 16*golden
	VPBROADCASTQ seedConst<>+16(SB), MUL1   // MUL1 = first mix64 multiplier
	VPBROADCASTQ seedConst<>+24(SB), MUL2   // MUL2 = second mix64 multiplier
	VPADDQ       seedEven<>(SB), ZA0, ZA0  // za0[j] = c + 2j*golden: input of a, lane j
	VPADDQ       GOLD, ZA0, ZB0        // zb0[j] = c + (2j+1)*golden: input of b, lane j
	VPADDQ       GOLD16, ZA0, ZA1      // za1[j] = c + (16+2j)*golden: a, lane 8+j
	VPADDQ       GOLD16, ZB0, ZB1      // zb1[j] = c + (17+2j)*golden: b, lane 8+j
	MIX64STEP(30, MUL1)                // z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	MIX64STEP(27, MUL2)                // z = (z ^ z>>27) * 0x94d049bb133111eb
	VPSRLQ       $31, ZA0, TA0         // ta0 = za0 >> 31
	VPSRLQ       $31, ZA1, TA1         // ta1 = za1 >> 31
	VPSRLQ       $31, ZB0, TB0         // tb0 = zb0 >> 31
	VPSRLQ       $31, ZB1, TB1         // tb1 = zb1 >> 31
	VPXORQ       TA0, ZA0, ZA0         // za0 = mix64(input): the a words, lanes 0..7
	VPXORQ       TA1, ZA1, ZA1         // za1: a words, lanes 8..15
	VPXORQ       TB0, ZB0, ZB0         // zb0: b words, lanes 0..7
	VPXORQ       TB1, ZB1, ZB1         // zb1: b words, lanes 8..15
	SEEDWORD(seedLo, ZA0, ZA1, 0)      // s0 = uint32(a)
	SEEDWORD(seedHi, ZA0, ZA1, 64)     // s1 = uint32(a>>32)
	SEEDWORD(seedLo, ZB0, ZB1, 128)    // s2 = uint32(b)
	SEEDWORD(seedHi, ZB0, ZB1, 192)    // s3 = uint32(b>>32)
	VZEROUPPER                         // clean upper registers
	RET                                // done

#undef ZA0
#undef ZA1
#undef ZB0
#undef ZB1
#undef TA0
#undef TA1
#undef TB0
#undef TB1
#undef MUL1
#undef MUL2
#undef GOLD
#undef GOLD16
#undef PERM

#undef S0
#undef S1
#undef S2
#undef S3
#undef SCALE
#undef TX
#undef TT
#undef U0
#undef U1
#undef U2
#undef U3

// ---------------------------------------------------------------------------
// AVX2
// ---------------------------------------------------------------------------

#define S0L Y0 // s0 of lanes 0..7
#define S0H Y1 // s0 of lanes 8..15
#define S1L Y2
#define S1H Y3
#define S2L Y4
#define S2H Y5
#define S3L Y6
#define S3H Y7
#define THRM1 Y8 // thr-1 in every lane (signed compare)
#define SCALE Y9 // scale in every lane
#define KEEP Y10 // draw, then keep mask of the current half step
#define FAC Y11  // factor, then product
#define TA Y12   // xoshiro temporary: s2 ^ s0
#define TT Y13   // xoshiro temporary: s1 << 9
#define TX Y14   // xoshiro temporary: s3 ^ s1

// XOSHIRO2 advances 8 lanes one step (9 instructions).
#define XOSHIRO2(s0, s1, s2, s3) \
	VPXOR  s0, s2, TA  \ // ta = s2 ^ s0, the new s2 before ^ t
	VPSLLD $9, s1, TT  \ // tt = s1 << 9
	VPXOR  s1, s3, TX  \ // tx = s3 ^ s1, the new s3 before rotation
	VPXOR  TA, s1, s1  \ // s1 ^= ta
	VPXOR  TT, TA, s2  \ // s2 = ta ^ tt
	VPXOR  TX, s0, s0  \ // s0 ^= tx
	VPSLLD $11, TX, s3 \ // s3 = tx << 11
	VPSRLD $21, TX, TX \ // tx >>= 21
	VPOR   TX, s3, s3    // s3 = rotl(tx, 11)

// FWD2_MUL sets FAC to the 8 products at byte offset off of x with the
// lanes whose s0 and s3 are given, and KEEP to their keep mask. u and thr
// are below 2^25, so the signed u > thr-1 is u >= thr.
#define FWD2_MUL(off, s0, s3) \
	VPADDD   s3, s0, KEEP    \ // u = s0 + s3
	VPSRLD   $8, KEEP, KEEP  \ // u >>= 8: the 24-bit draw
	VPCMPGTD THRM1, KEEP, KEEP \ // keep = u > thr-1, all ones or zero
	VPAND    SCALE, KEEP, FAC \ // factor = keep ? scale : +0
	VMULPS   off(SI), FAC, FAC  // fac = x * factor, rounded to float32

// FWD2_HALF does 8 elements at byte offset off of x and y with 8 lanes,
// leaving their keep mask in KEEP.
#define FWD2_HALF(off, s0, s1, s2, s3, STORE) \
	FWD2_MUL(off, s0, s3)    \ // fac = x * factor
	STORE    FAC, off(R8)    \ // store y
	XOSHIRO2(s0, s1, s2, s3)   // next step of these 8 lanes

// FWD2_STEP does the 16 elements of one step at byte offset off with HALF
// (FWD2_HALF, or FWDADD2_HALF in fwdAddAVX2).
#define FWD2_STEP(HALF, off, STORE) \
	HALF(off, S0L, S1L, S2L, S3L, STORE) \ // lanes 0..7
	HALF(off+32, S0H, S1H, S2H, S3H, STORE) // lanes 8..15

// FWD2_MSK ORs the 8 keep bits of KEEP into AX at bit position sh.
#define FWD2_MSK(sh) \
	VMOVMSKPS KEEP, R9 \ // r9 = 8 keep bits (the sign bits)
	SHLQ      $sh, R9  \ // to their position in the word
	ORQ       R9, AX     // into the word

// FWD2_HALFBITS is HALF with the keep bits ORed into AX at sh.
#define FWD2_HALFBITS(HALF, off, s0, s1, s2, s3, STORE, sh) \
	HALF(off, s0, s1, s2, s3, STORE) \ // 8 elements
	FWD2_MSK(sh)                       // their 8 bits

// FWD2_GROUPBITS does 64 elements with HALF and stores their mask word at
// (DX), with a normal store even in the non-temporal loops (see
// FWD512_BITS).
#define FWD2_GROUPBITS(HALF, STORE) \
	HALF(0, S0L, S1L, S2L, S3L, STORE)                       \ // elements 0..7
	VMOVMSKPS KEEP, AX                                       \ // bits 0..7
	FWD2_HALFBITS(HALF, 32, S0H, S1H, S2H, S3H, STORE, 8)    \ // elements 8..15
	FWD2_HALFBITS(HALF, 64, S0L, S1L, S2L, S3L, STORE, 16)   \ // elements 16..23
	FWD2_HALFBITS(HALF, 96, S0H, S1H, S2H, S3H, STORE, 24)   \ // elements 24..31
	FWD2_HALFBITS(HALF, 128, S0L, S1L, S2L, S3L, STORE, 32)  \ // elements 32..39
	FWD2_HALFBITS(HALF, 160, S0H, S1H, S2H, S3H, STORE, 40)  \ // elements 40..47
	FWD2_HALFBITS(HALF, 192, S0L, S1L, S2L, S3L, STORE, 48)  \ // elements 48..55
	FWD2_HALFBITS(HALF, 224, S0H, S1H, S2H, S3H, STORE, 56)  \ // elements 56..63
	MOVQ      AX, (DX)                                       \ // bits[g] = word
	ADDQ      $8, DX                                           // next mask word

// FWD2_GROUP does 64 elements with HALF, without keep bits.
#define FWD2_GROUP(HALF, STORE) \
	FWD2_STEP(HALF, 0, STORE)   \ // elements 0..15
	FWD2_STEP(HALF, 64, STORE)  \ // elements 16..31
	FWD2_STEP(HALF, 128, STORE) \ // elements 32..47
	FWD2_STEP(HALF, 192, STORE)   // elements 48..63

// LOAD2 and SAVE2 move the lane state between *st (DI) and the registers.
#define LOAD2 \
	VMOVDQU 0(DI), S0L   \ // s0, lanes 0..7
	VMOVDQU 32(DI), S0H  \ // s0, lanes 8..15
	VMOVDQU 64(DI), S1L  \ // s1
	VMOVDQU 96(DI), S1H  \ // s1
	VMOVDQU 128(DI), S2L \ // s2
	VMOVDQU 160(DI), S2H \ // s2
	VMOVDQU 192(DI), S3L \ // s3
	VMOVDQU 224(DI), S3H   // s3

#define SAVE2 \
	VMOVDQU S0L, 0(DI)   \ // s0, lanes 0..7
	VMOVDQU S0H, 32(DI)  \ // s0, lanes 8..15
	VMOVDQU S1L, 64(DI)  \ // s1
	VMOVDQU S1H, 96(DI)  \ // s1
	VMOVDQU S2L, 128(DI) \ // s2
	VMOVDQU S2H, 160(DI) \ // s2
	VMOVDQU S3L, 192(DI) \ // s3
	VMOVDQU S3H, 224(DI)   // s3

// func fwdAVX2(st *lanes, y, x *float32, bits *uint64, groups int, thrm1 uint32, scale float32, nt bool)
TEXT ·fwdAVX2(SB), NOSPLIT, $0-49
	MOVQ         st+0(FP), DI       // DI = st
	MOVQ         y+8(FP), R8        // R8 = y
	MOVQ         x+16(FP), SI       // SI = x
	MOVQ         bits+24(FP), DX    // DX = bits (nil: no mask)
	MOVQ         groups+32(FP), CX  // CX = groups of 64 elements
	TESTQ        CX, CX             // nothing to do?
	JZ           fwdret             // then return (the label ends FWD_LOOPS)
	VBROADCASTSS thrm1+40(FP), THRM1 // THRM1 = thr-1 in every lane (bit copy)
	VBROADCASTSS scale+44(FP), SCALE // SCALE = scale in every lane
	LOAD2                           // lane state to registers
	CMPB         nt+48(FP), $0      // non-temporal stores? FWD_LOOPS branches on it
	FWD_LOOPS(FWD2_GROUPBITS, FWD2_GROUP, FWD2_HALF, NEXT64, PREFETCH4, SAVE2) // y = x * factor

// FWDADD2_HALF is FWD2_HALF with the residual (R10) added: VMULPS rounds
// the product to float32, then VADDPS adds res (never a fused
// multiply-add). x and res are loaded before y is stored, so y may be
// either of them.
#define FWDADD2_HALF(off, s0, s1, s2, s3, STORE) \
	FWD2_MUL(off, s0, s3)       \ // fac = x * factor, rounded to float32
	VADDPS   off(R10), FAC, FAC \ // fac = res + fac, rounded
	STORE    FAC, off(R8)       \ // store y
	XOSHIRO2(s0, s1, s2, s3)      // next step of these 8 lanes

// func fwdAddAVX2(st *lanes, y, x, res *float32, bits *uint64, groups int, thrm1 uint32, scale float32, nt bool)
TEXT ·fwdAddAVX2(SB), NOSPLIT, $0-57
	MOVQ         st+0(FP), DI       // DI = st
	MOVQ         y+8(FP), R8        // R8 = y
	MOVQ         x+16(FP), SI       // SI = x
	MOVQ         res+24(FP), R10    // R10 = res
	MOVQ         bits+32(FP), DX    // DX = bits (nil: no mask)
	MOVQ         groups+40(FP), CX  // CX = groups of 64 elements
	TESTQ        CX, CX             // nothing to do?
	JZ           fwdret             // then return (the label ends FWD_LOOPS)
	VBROADCASTSS thrm1+48(FP), THRM1 // THRM1 = thr-1 in every lane (bit copy)
	VBROADCASTSS scale+52(FP), SCALE // SCALE = scale in every lane
	LOAD2                           // lane state to registers
	CMPB         nt+56(FP), $0      // non-temporal stores? FWD_LOOPS branches on it
	FWD_LOOPS(FWD2_GROUPBITS, FWD2_GROUP, FWDADD2_HALF, NEXT64R, PREFETCH4R, SAVE2) // y = res + x * factor

// func addAVX2(dst, a, b *float32, n int)
TEXT ·addAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), R8 // R8 = dst
	MOVQ a+8(FP), SI   // SI = a
	MOVQ b+16(FP), R10 // R10 = b
	MOVQ n+24(FP), CX  // CX = elements, a multiple of 8
	SHRQ $3, CX        // CX = vectors of 8
	JZ   add2ret       // none: return

add2four:
	CMPQ    CX, $4           // four vectors left?
	JB      add2one          // no: one at a time
	VMOVUPS 0(SI), S0L       // a[0:8]
	VMOVUPS 32(SI), S0H      // a[8:16]
	VMOVUPS 64(SI), S1L      // a[16:24]
	VMOVUPS 96(SI), S1H      // a[24:32]
	VADDPS  0(R10), S0L, S0L // + b[0:8]
	VADDPS  32(R10), S0H, S0H // + b[8:16]
	VADDPS  64(R10), S1L, S1L // + b[16:24]
	VADDPS  96(R10), S1H, S1H // + b[24:32]
	VMOVUPS S0L, 0(R8)       // store dst[0:8] (after every load: dst may be a or b)
	VMOVUPS S0H, 32(R8)      // store dst[8:16]
	VMOVUPS S1L, 64(R8)      // store dst[16:24]
	VMOVUPS S1H, 96(R8)      // store dst[24:32]
	ADDQ    $128, SI         // a += 32
	ADDQ    $128, R10        // b += 32
	ADDQ    $128, R8         // dst += 32
	SUBQ    $4, CX           // four vectors done
	JMP     add2four         // loop

add2one:
	TESTQ   CX, CX           // vectors left?
	JZ      add2done         // no
	VMOVUPS 0(SI), S0L       // a[0:8]
	VADDPS  0(R10), S0L, S0L // + b[0:8]
	VMOVUPS S0L, 0(R8)       // store dst[0:8]
	ADDQ    $32, SI          // a += 8
	ADDQ    $32, R10         // b += 8
	ADDQ    $32, R8          // dst += 8
	DECQ    CX               // one vector done
	JMP     add2one          // loop

add2done:
	VZEROUPPER // clean upper registers

add2ret:
	RET // done

// DRAWS2_HALF stores the 8 draws of 8 lanes at byte offset off of u.
#define DRAWS2_HALF(off, s0, s1, s2, s3) \
	VPADDD  s3, s0, KEEP   \ // u = s0 + s3
	VPSRLD  $8, KEEP, KEEP \ // u >>= 8: the 24-bit draw
	VMOVDQU KEEP, off(SI)  \ // store 8 draws
	XOSHIRO2(s0, s1, s2, s3) // next step of these lanes

// func drawsAVX2(st *lanes, u *uint32, groups int)
TEXT ·drawsAVX2(SB), NOSPLIT, $0-24
	MOVQ  st+0(FP), DI      // DI = st
	MOVQ  u+8(FP), SI       // SI = u
	MOVQ  groups+16(FP), CX // CX = groups of 64 draws
	TESTQ CX, CX            // nothing to do?
	JZ    draws2ret         // then return
	LOAD2                   // lane state to registers

draws2loop:
	DRAWS2_HALF(0, S0L, S1L, S2L, S3L)   // draws 0..7
	DRAWS2_HALF(32, S0H, S1H, S2H, S3H)  // draws 8..15
	DRAWS2_HALF(64, S0L, S1L, S2L, S3L)  // draws 16..23
	DRAWS2_HALF(96, S0H, S1H, S2H, S3H)  // draws 24..31
	DRAWS2_HALF(128, S0L, S1L, S2L, S3L) // draws 32..39
	DRAWS2_HALF(160, S0H, S1H, S2H, S3H) // draws 40..47
	DRAWS2_HALF(192, S0L, S1L, S2L, S3L) // draws 48..55
	DRAWS2_HALF(224, S0H, S1H, S2H, S3H) // draws 56..63
	ADDQ $256, SI                        // u += 64
	DECQ CX                              // one group done
	JNZ  draws2loop                      // more groups
	SAVE2                                // lane state back to *st
	VZEROUPPER                           // clean upper registers

draws2ret:
	RET // done

// func skipAVX2(st *lanes, n int)
TEXT ·skipAVX2(SB), NOSPLIT, $0-16
	MOVQ  st+0(FP), DI // DI = st
	MOVQ  n+8(FP), CX  // CX = steps
	TESTQ CX, CX       // nothing to do?
	JZ    skip2ret     // then return
	LOAD2              // lane state to registers

skip2loop:
	XOSHIRO2(S0L, S1L, S2L, S3L) // lanes 0..7, one step
	XOSHIRO2(S0H, S1H, S2H, S3H) // lanes 8..15, one step
	DECQ CX                      // counted
	JNZ  skip2loop               // more steps
	SAVE2                        // lane state back to *st
	VZEROUPPER                   // clean upper registers

skip2ret:
	RET // done

#undef SCALE
#undef TA
#undef TT
#undef TX

// Backward registers: W0..W3 hold the bit weights 1<<(8c+i) of lane i for
// the four 8-element chunks of a 32-bit half word.
#define W0 Y0
#define W1 Y1
#define W2 Y2
#define W3 Y3
#define SCALE Y4 // scale in every lane
#define HALF Y5  // one 32-bit half of the mask word in every lane
#define F0 Y6    // factors, then products
#define F1 Y7
#define F2 Y8
#define F3 Y9

// bitWeights<> is 1<<k for k = 0..31, as dwords.
DATA bitWeights<>+0(SB)/8, $0x0000000200000001
DATA bitWeights<>+8(SB)/8, $0x0000000800000004
DATA bitWeights<>+16(SB)/8, $0x0000002000000010
DATA bitWeights<>+24(SB)/8, $0x0000008000000040
DATA bitWeights<>+32(SB)/8, $0x0000020000000100
DATA bitWeights<>+40(SB)/8, $0x0000080000000400
DATA bitWeights<>+48(SB)/8, $0x0000200000001000
DATA bitWeights<>+56(SB)/8, $0x0000800000004000
DATA bitWeights<>+64(SB)/8, $0x0002000000010000
DATA bitWeights<>+72(SB)/8, $0x0008000000040000
DATA bitWeights<>+80(SB)/8, $0x0020000000100000
DATA bitWeights<>+88(SB)/8, $0x0080000000400000
DATA bitWeights<>+96(SB)/8, $0x0200000001000000
DATA bitWeights<>+104(SB)/8, $0x0800000004000000
DATA bitWeights<>+112(SB)/8, $0x2000000010000000
DATA bitWeights<>+120(SB)/8, $0x8000000040000000
GLOBL bitWeights<>(SB), RODATA|NOPTR, $128

// BWD2_CHUNK turns the 8 bits of HALF selected by W into a factor in F and
// multiplies the 8 elements at byte offset off of dy by it.
#define BWD2_CHUNK(off, W, F) \
	VPAND    W, HALF, F    \ // f = half & weight: lane i keeps its own bit
	VPCMPEQD W, F, F       \ // f = all ones iff the bit is set
	VPAND    SCALE, F, F   \ // factor = bit ? scale : +0
	VMULPS   off(SI), F, F   // f = dy * factor

// BWD2_HALF does the 32 elements of one half of the mask word; the half is
// at byte offset woff of the word, the elements at byte offset off.
#define BWD2_HALF(woff, off, STORE) \
	VPBROADCASTD woff(DX), HALF \ // half word in every lane
	BWD2_CHUNK(off, W0, F0)     \ // elements +0..7
	BWD2_CHUNK(off+32, W1, F1)  \ // elements +8..15
	BWD2_CHUNK(off+64, W2, F2)  \ // elements +16..23
	BWD2_CHUNK(off+96, W3, F3)  \ // elements +24..31
	STORE F0, off(R8)           \ // store dx
	STORE F1, off+32(R8)        \ // store dx
	STORE F2, off+64(R8)        \ // store dx
	STORE F3, off+96(R8)          // store dx

// func bwdAVX2(dx, dy *float32, words *uint64, groups int, scale float32, nt bool)
TEXT ·bwdAVX2(SB), NOSPLIT, $0-37
	MOVQ         dx+0(FP), R8      // R8 = dx
	MOVQ         dy+8(FP), SI      // SI = dy
	MOVQ         words+16(FP), DX  // DX = words
	MOVQ         groups+24(FP), CX // CX = groups of 64 elements
	TESTQ        CX, CX            // nothing to do?
	JZ           bwd2ret           // then return
	VBROADCASTSS scale+32(FP), SCALE // SCALE = scale in every lane
	VMOVDQU      bitWeights<>+0(SB), W0  // weights 1<<0..1<<7
	VMOVDQU      bitWeights<>+32(SB), W1 // weights 1<<8..1<<15
	VMOVDQU      bitWeights<>+64(SB), W2 // weights 1<<16..1<<23
	VMOVDQU      bitWeights<>+96(SB), W3 // weights 1<<24..1<<31
	CMPB         nt+36(FP), $0     // non-temporal stores?
	JNE          bwd2nt            // yes

bwd2loop:
	BWD2_HALF(0, 0, VMOVUPS)    // elements 0..31, bits 0..31
	BWD2_HALF(4, 128, VMOVUPS)  // elements 32..63, bits 32..63
	ADDQ $8, DX                 // next word
	NEXT64(bwd2loop)       // loop
	VZEROUPPER                  // clean upper registers
	RET                         // done

bwd2nt:
	PREFETCH4                   // dy ahead
	BWD2_HALF(0, 0, VMOVNTPS)   // elements 0..31, non-temporal
	BWD2_HALF(4, 128, VMOVNTPS) // elements 32..63, non-temporal
	ADDQ $8, DX                 // next word
	NEXT64(bwd2nt)         // loop
	SFENCE                      // order the non-temporal stores
	VZEROUPPER                  // clean upper registers

bwd2ret:
	RET // done

// func scaleAVX2(y, x *float32, n int, a float32, nt bool)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-29
	MOVQ         y+0(FP), R8   // R8 = y
	MOVQ         x+8(FP), SI   // SI = x
	MOVQ         n+16(FP), CX  // CX = n, a multiple of 8
	SHRQ         $3, CX        // CX = vectors of 8
	JZ           scaleret      // none: return
	VBROADCASTSS a+24(FP), SCALE // SCALE = a in every lane
	CMPB         nt+28(FP), $0 // non-temporal stores?

	SCALE_LOOPS(F0, F1, F2, F3, 32, 64, 96, 128) // y = x * a

// func fenceAMD64()
TEXT ·fenceAMD64(SB), NOSPLIT, $0-0
	SFENCE // order the non-temporal stores of the calls before
	RET    // done

// ---------------------------------------------------------------------------
// AVX2 seeding: lanes.seedBlock with the 64-bit multiplies of mix64 built
// from three VPMULUDQ each (the low 64 bits of a product need only lo*lo
// and the two cross terms).
// ---------------------------------------------------------------------------

#define QA0 Y0   // a words of lanes 0..3 (SplitMix64 inputs, then outputs)
#define QA1 Y1   // a words of lanes 4..7
#define QA2 Y2   // a words of lanes 8..11
#define QA3 Y3   // a words of lanes 12..15
#define QB0 Y4   // b words of lanes 0..3
#define QB1 Y5   // b words of lanes 4..7
#define QB2 Y6   // b words of lanes 8..11
#define QB3 Y7   // b words of lanes 12..15
#define QM1 Y8   // first mix64 multiplier in every qword (VPMULUDQ reads its low half)
#define QM1H Y9  // its high half in every qword
#define QM2 Y10  // second mix64 multiplier
#define QM2H Y11 // its high half
#define QT1 Y12  // temporaries
#define QT2 Y13
#define QT3 Y14

// QXS is z ^= z >> sh.
#define QXS(z, sh) \
	VPSRLQ $sh, z, QT1 \ // t1 = z >> sh
	VPXOR  QT1, z, z     // z ^= t1

// QMUL is z *= m mod 2^64 with mh = m>>32:
// lo(z)*lo(m) + (hi(z)*lo(m) + lo(z)*hi(m))<<32.
#define QMUL(z, m, mh) \
	VPSRLQ   $32, z, QT2  \ // t2 = hi(z)
	VPMULUDQ m, QT2, QT2  \ // t2 = hi(z)*lo(m)
	VPMULUDQ mh, z, QT3   \ // t3 = lo(z)*hi(m)
	VPADDQ   QT3, QT2, QT2 \ // t2 = the cross terms
	VPSLLQ   $32, QT2, QT2 \ // t2 <<= 32
	VPMULUDQ m, z, z      \ // z = lo(z)*lo(m), all 64 bits
	VPADDQ   QT2, z, z      // z = z*m mod 2^64

// QMIX is z = mix64(z).
#define QMIX(z) \
	QXS(z, 30)           \ // z ^= z >> 30
	QMUL(z, QM1, QM1H)   \ // z *= 0xbf58476d1ce4e5b9
	QXS(z, 27)           \ // z ^= z >> 27
	QMUL(z, QM2, QM2H)   \ // z *= 0x94d049bb133111eb
	QXS(z, 31)             // z ^= z >> 31

// QWORD stores 8 lanes of a state word at off(DI): the low (imm 0x88) or
// high (imm 0xdd) dwords of t0 (4 lanes) and t1 (the next 4).
#define QWORD(imm, t0, t1, off) \
	VSHUFPS $imm, t1, t0, QT1 \ // per 128 bits: 2 dwords of t0, then 2 of t1
	VPERMQ  $0xd8, QT1, QT1   \ // qwords 0, 2, 1, 3: the 8 lanes in order
	VMOVDQU QT1, off(DI)        // st.s[k][lanes]

// func seedAVX2(st *lanes, c uint64)
TEXT ·seedAVX2(SB), NOSPLIT, $0-16
	MOVQ         st+0(FP), DI              // DI = st
	VPBROADCASTQ c+8(FP), QA0              // qa0 = c in every qword
	VPADDQ       seedEven<>(SB), QA0, QA0  // qa0[j] = c + 2j*golden: input of a, lane j
	VPBROADCASTQ seedEven<>+32(SB), QT1    // t1 = 8*golden
	VPBROADCASTQ seedConst<>+8(SB), QT2    // t2 = 16*golden
	VPBROADCASTQ seedConst<>+0(SB), QT3    // t3 = golden
	VPADDQ       QT1, QA0, QA1             // qa1: lanes 4..7
	VPADDQ       QT2, QA0, QA2             // qa2: lanes 8..11
	VPADDQ       QT2, QA1, QA3             // qa3: lanes 12..15
	VPADDQ       QT3, QA0, QB0             // qb0 = qa0 + golden: input of b
	VPADDQ       QT3, QA1, QB1             // qb1
	VPADDQ       QT3, QA2, QB2             // qb2
	VPADDQ       QT3, QA3, QB3             // qb3
	VPBROADCASTQ seedConst<>+16(SB), QM1   // QM1 = first multiplier
	VPSRLQ       $32, QM1, QM1H            // QM1H = its high half
	VPBROADCASTQ seedConst<>+24(SB), QM2   // QM2 = second multiplier
	VPSRLQ       $32, QM2, QM2H            // QM2H = its high half
	QMIX(QA0)                              // a words, lanes 0..3
	QMIX(QA1)                              // lanes 4..7
	QMIX(QA2)                              // lanes 8..11
	QMIX(QA3)                              // lanes 12..15
	QMIX(QB0)                              // b words, lanes 0..3
	QMIX(QB1)                              // lanes 4..7
	QMIX(QB2)                              // lanes 8..11
	QMIX(QB3)                              // lanes 12..15
	QWORD(0x88, QA0, QA1, 0)               // s0 = uint32(a), lanes 0..7
	QWORD(0x88, QA2, QA3, 32)              // lanes 8..15
	QWORD(0xdd, QA0, QA1, 64)              // s1 = uint32(a>>32), lanes 0..7
	QWORD(0xdd, QA2, QA3, 96)              // lanes 8..15
	QWORD(0x88, QB0, QB1, 128)             // s2 = uint32(b), lanes 0..7
	QWORD(0x88, QB2, QB3, 160)             // lanes 8..15
	QWORD(0xdd, QB0, QB1, 192)             // s3 = uint32(b>>32), lanes 0..7
	QWORD(0xdd, QB2, QB3, 224)             // lanes 8..15
	VZEROUPPER                             // clean upper registers
	RET                                    // done
