//go:build !purego

#include "textflag.h"
#include "bits_arm64.h"

// NEON kernels of the "neon" path. kernel_arm64.go gives each one's Go
// equivalent.
//
// The Go assembler has no vector FMUL, FADD or CMHS (golang/go#41092): they
// are WORDs, with the instruction in Arm syntax at the start of the comment
// ("FMUL Vd.4S, Vn.4S, Vm.4S: ..."). neon_words_test.go encodes every such
// comment again and compares it with its WORD. The comments name registers
// by their #defines (below and in bits_arm64.h), which the test resolves, so
// a #define changed without its WORDs fails the test.
// The assembler does have VFMLA, a fused multiply-add: the dropout-add
// kernels must not use it (it rounds x*f+res once; see APPLY_ADD).
//
// The keep test of the stream kernels is one CMHS per 4 lanes on the
// unshifted sum: u = (s0+s3)>>8 >= thr iff s0+s3 >= thr<<8 (kernel_arm64.go
// handles thr = 1<<24, which lim = thr<<8 cannot express). The UMIN+CMEQ
// workaround on the shifted draw would take 3 instructions instead of 1.

// Lane state of the stream kernels, in registers for the whole call. Sk<q>
// holds word sk of lanes 4q .. 4q+3: the four vectors of st[k].
#define S00 V0
#define S01 V1
#define S02 V2
#define S03 V3
#define S10 V4
#define S11 V5
#define S12 V6
#define S13 V7
#define S20 V8
#define S21 V9
#define S22 V10
#define S23 V11
#define S30 V12
#define S31 V13
#define S32 V14
#define S33 V15

// V16-V23 are the working registers of a step. Each name below means one
// value; names of the same register are never live at once: a step's
// elements (V16-V19: X, then P, then Y; or DS, then U) and keep test
// (V20-V23: SUM, then K, then FK, then RS) are dead before XOSHIRO uses the
// same registers for its temporaries (SH, XR). Each group of four is lanes
// 0-3, 4-7, 8-11, 12-15 of the step (elements 16t .. 16t+15 of step t).
#define SH0 V16 // XOSHIRO: t = s1 << 9
#define SH1 V17
#define SH2 V18
#define SH3 V19
#define XR0 V20 // XOSHIRO: r = s3 ^ s1, the new s3 before its rotation
#define XR1 V21
#define XR2 V22
#define XR3 V23
#define X0 V16  // KEEP: 16 elements of x
#define X1 V17
#define X2 V18
#define X3 V19
#define P0 V16  // FACTOR_MUL: the products x * f (y of fwd32NEON), in place of X
#define P1 V17
#define P2 V18
#define P3 V19
#define Y0 V16  // APPLY_ADD: y = res + p, in place of P
#define Y1 V17
#define Y2 V18
#define Y3 V19
#define DS0 V16 // DRAW_STEP: the sums s0 + s3
#define DS1 V17
#define DS2 V18
#define DS3 V19
#define U0 V16  // DRAW_STEP: the draws u = (s0 + s3) >> 8, in place of DS
#define U1 V17
#define U2 V18
#define U3 V19
#define SUM0 V20 // KEEP: the sums s0 + s3 (the draw << 8 plus 8 low bits)
#define SUM1 V21
#define SUM2 V22
#define SUM3 V23
#define K0 V20  // KEEP: the keep masks, all ones where s0 + s3 >= lim, in place of SUM
#define K1 V21
#define K2 V22
#define K3 V23
#define FK0 V20 // FACTOR_MUL: the factors k & sb (sb or +0), in place of K
#define FK1 V21
#define FK2 V22
#define FK3 V23
#define RS0 V20 // APPLY_ADD: 16 elements of res, once the factors are dead
#define RS1 V21
#define RS2 V22
#define RS3 V23

// Constants of the stream kernels; fwd32NEON's keep bytes B0-B3 are
// V24-V27 (bits_arm64.h).
#define LIM V28 // lim = thr<<8 in every lane
#define FSB V29 // bits of the keep factor in every lane
#define IDX V30 // TBL indices 0, 4, ..., 60: byte 0 of each K lane
#define WT V31  // byte weights 1, 2, 4, ..., 128, 1, 2, ..., 128

// LOAD_STATE and STORE_STATE move *st (R0, clobbers p) to and from V0-V15.
#define LOAD_STATE(p) \
	MOVD    R0, p                                       /* p = &st[0] */ \
	VLD1.P  64(p), [S00.S4, S01.S4, S02.S4, S03.S4]     /* s0 of lanes 0-15 */ \
	VLD1.P  64(p), [S10.S4, S11.S4, S12.S4, S13.S4]     /* s1 */ \
	VLD1.P  64(p), [S20.S4, S21.S4, S22.S4, S23.S4]     /* s2 */ \
	VLD1    (p), [S30.S4, S31.S4, S32.S4, S33.S4]       /* s3 */

#define STORE_STATE(p) \
	MOVD    R0, p                                       /* p = &st[0] */ \
	VST1.P  [S00.S4, S01.S4, S02.S4, S03.S4], 64(p)     /* s0 of lanes 0-15 */ \
	VST1.P  [S10.S4, S11.S4, S12.S4, S13.S4], 64(p)     /* s1 */ \
	VST1.P  [S20.S4, S21.S4, S22.S4, S23.S4], 64(p)     /* s2 */ \
	VST1    [S30.S4, S31.S4, S32.S4, S33.S4], (p)       /* s3 */

// XOSHIRO advances the 16 lanes one step: 32 instructions, four
// independent chains. Clobbers SH0-SH3 and XR0-XR3.
#define XOSHIRO \
	VSHL    $9, S10.S4, SH0.S4                          /* t = s1 << 9, lanes 0-3 */ \
	VSHL    $9, S11.S4, SH1.S4                          /* lanes 4-7 */ \
	VSHL    $9, S12.S4, SH2.S4                          /* lanes 8-11 */ \
	VSHL    $9, S13.S4, SH3.S4                          /* lanes 12-15 */ \
	VEOR    S00.B16, S20.B16, S20.B16                   /* s2 ^= s0 */ \
	VEOR    S01.B16, S21.B16, S21.B16                   /* lanes 4-7 */ \
	VEOR    S02.B16, S22.B16, S22.B16                   /* lanes 8-11 */ \
	VEOR    S03.B16, S23.B16, S23.B16                   /* lanes 12-15 */ \
	VEOR    S10.B16, S30.B16, XR0.B16                   /* r = s3 ^ s1 (the new s3 before rotation) */ \
	VEOR    S11.B16, S31.B16, XR1.B16                   /* lanes 4-7 */ \
	VEOR    S12.B16, S32.B16, XR2.B16                   /* lanes 8-11 */ \
	VEOR    S13.B16, S33.B16, XR3.B16                   /* lanes 12-15 */ \
	VEOR    S20.B16, S10.B16, S10.B16                   /* s1 ^= s2 */ \
	VEOR    S21.B16, S11.B16, S11.B16                   /* lanes 4-7 */ \
	VEOR    S22.B16, S12.B16, S12.B16                   /* lanes 8-11 */ \
	VEOR    S23.B16, S13.B16, S13.B16                   /* lanes 12-15 */ \
	VEOR    XR0.B16, S00.B16, S00.B16                   /* s0 ^= r */ \
	VEOR    XR1.B16, S01.B16, S01.B16                   /* lanes 4-7 */ \
	VEOR    XR2.B16, S02.B16, S02.B16                   /* lanes 8-11 */ \
	VEOR    XR3.B16, S03.B16, S03.B16                   /* lanes 12-15 */ \
	VEOR    SH0.B16, S20.B16, S20.B16                   /* s2 ^= t */ \
	VEOR    SH1.B16, S21.B16, S21.B16                   /* lanes 4-7 */ \
	VEOR    SH2.B16, S22.B16, S22.B16                   /* lanes 8-11 */ \
	VEOR    SH3.B16, S23.B16, S23.B16                   /* lanes 12-15 */ \
	VSHL    $11, XR0.S4, S30.S4                         /* s3 = r << 11 */ \
	VSHL    $11, XR1.S4, S31.S4                         /* lanes 4-7 */ \
	VSHL    $11, XR2.S4, S32.S4                         /* lanes 8-11 */ \
	VSHL    $11, XR3.S4, S33.S4                         /* lanes 12-15 */ \
	VSRI    $21, XR0.S4, S30.S4                         /* s3 |= r >> 21: s3 = rotl(r, 11) */ \
	VSRI    $21, XR1.S4, S31.S4                         /* lanes 4-7 */ \
	VSRI    $21, XR2.S4, S32.S4                         /* lanes 8-11 */ \
	VSRI    $21, XR3.S4, S33.S4                         /* lanes 12-15 */

// KEEP loads the step's 16 elements of x from R2 into X0-X3 and sets K0-K3
// to the keep masks: all ones where s0+s3 >= lim. 9 instructions.
#define KEEP \
	VLD1.P  64(R2), [X0.S4, X1.S4, X2.S4, X3.S4]        /* x[16 elements] */ \
	VADD    S00.S4, S30.S4, SUM0.S4                     /* sum = s0 + s3: the draw << 8 plus 8 low bits */ \
	VADD    S01.S4, S31.S4, SUM1.S4                     /* lanes 4-7 */ \
	VADD    S02.S4, S32.S4, SUM2.S4                     /* lanes 8-11 */ \
	VADD    S03.S4, S33.S4, SUM3.S4                     /* lanes 12-15 */ \
	WORD    $0x6ebc3e94                                 /* CMHS K0.4S, SUM0.4S, LIM.4S: k = sum >= lim (unsigned) ? ^0 : 0 */ \
	WORD    $0x6ebc3eb5                                 /* CMHS K1.4S, SUM1.4S, LIM.4S: lanes 4-7 */ \
	WORD    $0x6ebc3ed6                                 /* CMHS K2.4S, SUM2.4S, LIM.4S: lanes 8-11 */ \
	WORD    $0x6ebc3ef7                                 /* CMHS K3.4S, SUM3.4S, LIM.4S: lanes 12-15 */

// FACTOR_MUL turns the keep masks K0-K3 into the factors FK0-FK3 = k & sb
// and sets P0-P3 to the products x * f. 8 instructions.
#define FACTOR_MUL \
	VAND    FSB.B16, K0.B16, FK0.B16                    /* f = k & sb: scale or +0 */ \
	VAND    FSB.B16, K1.B16, FK1.B16                    /* lanes 4-7 */ \
	VAND    FSB.B16, K2.B16, FK2.B16                    /* lanes 8-11 */ \
	VAND    FSB.B16, K3.B16, FK3.B16                    /* lanes 12-15 */ \
	WORD    $0x6e34de10                                 /* FMUL P0.4S, X0.4S, FK0.4S: p = x * f, a real multiply */ \
	WORD    $0x6e35de31                                 /* FMUL P1.4S, X1.4S, FK1.4S: lanes 4-7 */ \
	WORD    $0x6e36de52                                 /* FMUL P2.4S, X2.4S, FK2.4S: lanes 8-11 */ \
	WORD    $0x6e37de73                                 /* FMUL P3.4S, X3.4S, FK3.4S: lanes 12-15 */

// APPLY makes y = x * f (FACTOR_MUL) and stores the 16 elements of y to R1.
// 9 instructions.
#define APPLY \
	FACTOR_MUL                                          /* p = x * f */ \
	VST1.P  [P0.S4, P1.S4, P2.S4, P3.S4], 64(R1)        /* y[16 elements] = p */

// APPLY_ADD is APPLY with the residual: after the multiply it loads the 16
// elements of res from R8 into RS0-RS3 (the factors are dead by then) and
// adds the products to them with a separate FADD, so each product is rounded
// to float32 before the add, as in the generic kernel; never a fused
// multiply-add (FMLA rounds once). Both inputs of the 16 elements are loaded
// before their y is stored, so y may be x or res. 14 instructions.
#define APPLY_ADD \
	FACTOR_MUL                                          /* p = x * f, rounded to float32 */ \
	VLD1.P  64(R8), [RS0.S4, RS1.S4, RS2.S4, RS3.S4]    /* res[16 elements] */ \
	WORD    $0x4e30d690                                 /* FADD Y0.4S, RS0.4S, P0.4S: y = res + p */ \
	WORD    $0x4e31d6b1                                 /* FADD Y1.4S, RS1.4S, P1.4S: lanes 4-7 */ \
	WORD    $0x4e32d6d2                                 /* FADD Y2.4S, RS2.4S, P2.4S: lanes 8-11 */ \
	WORD    $0x4e33d6f3                                 /* FADD Y3.4S, RS3.4S, P3.4S: lanes 12-15 */ \
	VST1.P  [Y0.S4, Y1.S4, Y2.S4, Y3.S4], 64(R1)        /* y[16 elements] */

// FWD_MASK_STEP is one step of 16 elements, their 16 keep bytes to b. MAKE_Y
// makes and stores their y: APPLY, or APPLY_ADD for the dropout-add.
#define FWD_MASK_STEP(MAKE_Y, b) \
	KEEP                                                /* x and keep masks */ \
	VTBL    IDX.B16, [K0.B16, K1.B16, K2.B16, K3.B16], b.B16 /* b[j] = byte 0 of lane j's mask */ \
	MAKE_Y                                              /* y */ \
	XOSHIRO                                             /* next step */

// FWD_MASK_BODY is the rest of fwd32NEON and fwdAdd32NEON with keep bits once the
// arguments are in registers (R0 = st, R1 = &y[0], R2 = &x[0], R3 = x_len,
// a multiple of 64 and not 0, R4 = &bits[0], R5 = lim, R6 = sb, and R8 =
// &res[0] for APPLY_ADD), with MAKE_Y (APPLY or APPLY_ADD) making y.
//
// 64 elements per iteration: four steps, then their 64 keep bytes become one
// mask word: each byte ANDed with its bit weight, then pairwise byte sums
// (distinct bits, so sums are ORs) reduce 64 bytes to 8. The labels are the
// kernel's own (labels are function scoped); fwdmask_done is its CBZ target
// for no elements.
#define FWD_MASK_BODY(MAKE_Y) \
	VDUP    R5, LIM.S4                                  /* LIM = lim in every lane */ \
	VDUP    R6, FSB.S4                                  /* FSB = sb in every lane */ \
	LANE_BYTE0(IDX)                                     /* IDX = 0, 4, 8, ..., 60 */ \
	BYTE_WEIGHTS(WT)                                    /* WT = 1, 2, 4, ..., 128 twice */ \
	LOAD_STATE(R7)                                      /* V0-V15 = *st */ \
fwdmask_loop:                                       /* one mask word per iteration */ \
	FWD_MASK_STEP(MAKE_Y, B0)                           /* elements 0-15 of the word, bytes to B0 */ \
	FWD_MASK_STEP(MAKE_Y, B1)                           /* elements 16-31 */ \
	FWD_MASK_STEP(MAKE_Y, B2)                           /* elements 32-47 */ \
	FWD_MASK_STEP(MAKE_Y, B3)                           /* elements 48-63 */ \
	WORD_BITS(B0, B1, B2, B3, WT, R4)                   /* bits[w] = the 64 keep bits */ \
	SUBS    $64, R3, R3                                 /* 64 elements done */ \
	BNE     fwdmask_loop                                /* more to do */ \
	STORE_STATE(R7)                                     /* *st = V0-V15 */ \
fwdmask_done:                                       /* also the CBZ target for no elements */ \
	RET                                                 /* done */

// FWD_BODY is the rest of fwd32NEON and fwdAdd32NEON without keep bits once the arguments are in
// registers (R0 = st, R1 = &y[0], R2 = &x[0], R3 = x_len, a multiple of 64
// and not 0, R5 = lim, R6 = sb, and R8 = &res[0] for APPLY_ADD), with MAKE_Y
// (APPLY or APPLY_ADD) making y: 64 elements (four steps) per iteration.
// fwd_done is the kernel's CBZ target for no elements.
#define FWD_BODY(MAKE_Y) \
	VDUP    R5, LIM.S4                                  /* LIM = lim in every lane */ \
	VDUP    R6, FSB.S4                                  /* FSB = sb in every lane */ \
	LOAD_STATE(R7)                                      /* V0-V15 = *st */ \
fwd_loop:                                           /* 64 elements per iteration */ \
	KEEP                                                /* elements 0-15: masks */ \
	MAKE_Y                                              /* y */ \
	XOSHIRO                                             /* next step */ \
	KEEP                                                /* elements 16-31 */ \
	MAKE_Y                                              /* y */ \
	XOSHIRO                                             /* next step */ \
	KEEP                                                /* elements 32-47 */ \
	MAKE_Y                                              /* y */ \
	XOSHIRO                                             /* next step */ \
	KEEP                                                /* elements 48-63 */ \
	MAKE_Y                                              /* y */ \
	XOSHIRO                                             /* next step */ \
	SUBS    $64, R3, R3                                 /* 64 elements done */ \
	BNE     fwd_loop                                    /* more to do */ \
	STORE_STATE(R7)                                     /* *st = V0-V15 */ \
fwd_done:                                           /* also the CBZ target for no elements */ \
	RET                                                 /* done */

// func fwd32NEON(st *[4][16]uint32, y, x []float32, bits []uint64, lim, sb uint32)
//
// With keep bits (len(bits) != 0), FWD_MASK_BODY with APPLY: 215
// instructions per iteration of 64 elements, 53.75 per 16 elements: 32
// xoshiro, 4 VADD + 4 CMHS keep test, 4 VAND + 4 FMUL, 1 load, 1 store, 1
// TBL, and 2.75 for the word (AND, ADDP, store) and the loop. Without,
// FWD_BODY with APPLY: 202 instructions, 50.5 per 16 elements.
TEXT ·fwd32NEON(SB), NOSPLIT, $0-88
	MOVD    st+0(FP), R0                                // R0 = st
	MOVD    y_base+8(FP), R1                            // R1 = &y[0]
	MOVD    x_base+32(FP), R2                           // R2 = &x[0]
	MOVD    x_len+40(FP), R3                            // R3 = elements left, a multiple of 64
	MOVD    bits_base+56(FP), R4                        // R4 = &bits[0]
	MOVD    bits_len+64(FP), R9                         // R9 = mask words, 0 for no mask
	MOVWU   lim+80(FP), R5                              // R5 = lim
	MOVWU   sb+84(FP), R6                               // R6 = sb
	CBZ     R3, fwdmask_done                            // nothing to do
	CBZ     R9, fwd_nomask                              // no keep bits wanted
	FWD_MASK_BODY(APPLY)                                // y = x * f and the mask words

fwd_nomask:
	FWD_BODY(APPLY)                                     // y = x * f

// func fwdAdd32NEON(st *[4][16]uint32, y, x, res []float32, bits []uint64, lim, sb uint32)
//
// fwd32NEON with y = res + x * f (APPLY_ADD): 64 elements per iteration,
// 235 instructions (58.75 per 16 elements: those of fwd32NEON plus 1 load
// of res and 4 FADD) with keep bits, 222 (55.5) without.
TEXT ·fwdAdd32NEON(SB), NOSPLIT, $0-112
	MOVD    st+0(FP), R0                                // R0 = st
	MOVD    y_base+8(FP), R1                            // R1 = &y[0]
	MOVD    x_base+32(FP), R2                           // R2 = &x[0]
	MOVD    x_len+40(FP), R3                            // R3 = elements left, a multiple of 64
	MOVD    res_base+56(FP), R8                         // R8 = &res[0]
	MOVD    bits_base+80(FP), R4                        // R4 = &bits[0]
	MOVD    bits_len+88(FP), R9                         // R9 = mask words, 0 for no mask
	MOVWU   lim+104(FP), R5                             // R5 = lim
	MOVWU   sb+108(FP), R6                              // R6 = sb
	CBZ     R3, fwdmask_done                            // nothing to do
	CBZ     R9, fwdadd_nomask                           // no keep bits wanted
	FWD_MASK_BODY(APPLY_ADD)                            // y = res + x * f and the mask words

fwdadd_nomask:
	FWD_BODY(APPLY_ADD)                                 // y = res + x * f

// DRAW_STEP stores the 16 draws (s0+s3)>>8 of a step to R1 and advances.
#define DRAW_STEP \
	VADD    S00.S4, S30.S4, DS0.S4                      /* s0 + s3, lanes 0-3 */ \
	VADD    S01.S4, S31.S4, DS1.S4                      /* lanes 4-7 */ \
	VADD    S02.S4, S32.S4, DS2.S4                      /* lanes 8-11 */ \
	VADD    S03.S4, S33.S4, DS3.S4                      /* lanes 12-15 */ \
	VUSHR   $8, DS0.S4, U0.S4                           /* u = (s0 + s3) >> 8 */ \
	VUSHR   $8, DS1.S4, U1.S4                           /* lanes 4-7 */ \
	VUSHR   $8, DS2.S4, U2.S4                           /* lanes 8-11 */ \
	VUSHR   $8, DS3.S4, U3.S4                           /* lanes 12-15 */ \
	VST1.P  [U0.S4, U1.S4, U2.S4, U3.S4], 64(R1)        /* u[16 elements] */ \
	XOSHIRO                                             /* next step */

// func drawsNEON(st *[4][16]uint32, u []uint32)
//
// 64 draws (four steps) per iteration: 166 instructions, 41.5 per 16.
TEXT ·drawsNEON(SB), NOSPLIT, $0-32
	MOVD    st+0(FP), R0                                // R0 = st
	MOVD    u_base+8(FP), R1                            // R1 = &u[0]
	MOVD    u_len+16(FP), R3                            // R3 = draws left, a multiple of 64
	CBZ     R3, draws_done                              // nothing to do
	LOAD_STATE(R7)                                      // V0-V15 = *st

draws_loop:
	DRAW_STEP                                           // u[0:16]
	DRAW_STEP                                           // u[16:32]
	DRAW_STEP                                           // u[32:48]
	DRAW_STEP                                           // u[48:64]
	SUBS    $64, R3, R3                                 // 64 draws done
	BNE     draws_loop                                  // more to do

	STORE_STATE(R7)                                     // *st = V0-V15

draws_done:
	RET

// func skipNEON(st *[4][16]uint32, n int)
TEXT ·skipNEON(SB), NOSPLIT, $0-16
	MOVD    st+0(FP), R0                                // R0 = st
	MOVD    n+8(FP), R3                                 // R3 = steps left
	CBZ     R3, skip_done                               // nothing to do
	LOAD_STATE(R7)                                      // V0-V15 = *st

skip_loop:
	XOSHIRO                                             // one step of every lane
	SUBS    $1, R3, R3                                  // a step done
	BNE     skip_loop                                   // more to do

	STORE_STATE(R7)                                     // *st = V0-V15

skip_done:
	RET

// bwd32NEON registers: 16 elements of dy and of dx (computed in place),
// their keep masks and factors (in place), the broadcast half word of keep
// bits and sb; the bit each lane tests is in M0-M7 (V16-V23, bits_arm64.h).
// The stream kernels' names of V0-V10 mean nothing here.
#define DY0 V0  // dy, elements 0-3 of the 16
#define DY1 V1  // elements 4-7
#define DY2 V2  // elements 8-11
#define DY3 V3  // elements 12-15
#define DX0 V0  // dx = dy * f, in place of DY0-DY3
#define DX1 V1
#define DX2 V2
#define DX3 V3
#define BK0 V4  // keep masks: all ones where the element's bit is set
#define BK1 V5
#define BK2 V6
#define BK3 V7
#define BF0 V4  // factors k & sb (sb or +0), in place of BK0-BK3
#define BF1 V5
#define BF2 V6
#define BF3 V7
#define BLO V8  // bits 0-31 of the mask word in every lane
#define BHI V9  // bits 32-63
#define BSB V10 // sb in every lane

// BWD16 does 16 elements: lane j of vector q tests bit 4q+j of w in bits
// (BLO or BHI) against m0-m3 (M0-M3 or M4-M7). 14 instructions.
#define BWD16(w, m0, m1, m2, m3) \
	VLD1.P  64(R2), [DY0.S4, DY1.S4, DY2.S4, DY3.S4]    /* dy[16 elements] */ \
	VCMTST  m0.S4, w.S4, BK0.S4                         /* k = w & m != 0 ? ^0 : 0 */ \
	VCMTST  m1.S4, w.S4, BK1.S4                         /* lanes 4-7 */ \
	VCMTST  m2.S4, w.S4, BK2.S4                         /* lanes 8-11 */ \
	VCMTST  m3.S4, w.S4, BK3.S4                         /* lanes 12-15 */ \
	VAND    BSB.B16, BK0.B16, BF0.B16                   /* f = k & sb */ \
	VAND    BSB.B16, BK1.B16, BF1.B16                   /* lanes 4-7 */ \
	VAND    BSB.B16, BK2.B16, BF2.B16                   /* lanes 8-11 */ \
	VAND    BSB.B16, BK3.B16, BF3.B16                   /* lanes 12-15 */ \
	WORD    $0x6e24dc00                                 /* FMUL DX0.4S, DY0.4S, BF0.4S: dx = dy * f */ \
	WORD    $0x6e25dc21                                 /* FMUL DX1.4S, DY1.4S, BF1.4S: lanes 4-7 */ \
	WORD    $0x6e26dc42                                 /* FMUL DX2.4S, DY2.4S, BF2.4S: lanes 8-11 */ \
	WORD    $0x6e27dc63                                 /* FMUL DX3.4S, DY3.4S, BF3.4S: lanes 12-15 */ \
	VST1.P  [DX0.S4, DX1.S4, DX2.S4, DX3.S4], 64(R1)    /* dx[16 elements] */

// func bwd32NEON(dx, dy []float32, words []uint64, sb uint32)
//
// 64 elements (one mask word) per iteration: 60 instructions, 15 per 16.
TEXT ·bwd32NEON(SB), NOSPLIT, $0-76
	MOVD    dx_base+0(FP), R1                           // R1 = &dx[0]
	MOVD    dy_base+24(FP), R2                          // R2 = &dy[0]
	MOVD    dy_len+32(FP), R3                           // R3 = elements left, a multiple of 64
	MOVD    words_base+48(FP), R4                       // R4 = &words[0]
	CBZ     R3, bwd_done                                // nothing to do
	MOVWU   sb+72(FP), R6                               // R6 = sb
	VDUP    R6, BSB.S4                                  // BSB = sb in every lane
	BIT_LANES(M0, M1, M2, M3, M4, M5, M6, M7)           // lane j of Mk = 1 << (4k+j)

bwd_loop:
	VLD1R.P 4(R4), [BLO.S4]                             // BLO = bits 0-31 of the word (little endian)
	VLD1R.P 4(R4), [BHI.S4]                             // BHI = bits 32-63
	BWD16(BLO, M0, M1, M2, M3)                          // elements 0-15
	BWD16(BLO, M4, M5, M6, M7)                          // elements 16-31
	BWD16(BHI, M0, M1, M2, M3)                          // elements 32-47
	BWD16(BHI, M4, M5, M6, M7)                          // elements 48-63
	SUBS    $64, R3, R3                                 // 64 elements done
	BNE     bwd_loop                                    // more to do

bwd_done:
	RET

// scale32NEON registers: 16 elements of x, their products y (computed in
// place), and a.
#define SX0 V0  // x, elements 0-3 of the 16
#define SX1 V1  // elements 4-7
#define SX2 V2  // elements 8-11
#define SX3 V3  // elements 12-15
#define SY0 V0  // y = x * a, in place of SX0-SX3
#define SY1 V1
#define SY2 V2
#define SY3 V3
#define SA V4   // a in every lane

// func scale32NEON(y, x []float32, a uint32)
//
// y = x * a with a the bits of a float32, len(x) a multiple of 64 (the Go
// side finishes tails): 16 elements per iteration, 8 instructions (1 load,
// 4 FMUL, 1 store and the loop). x is loaded before y is stored, so y may be
// x.
TEXT ·scale32NEON(SB), NOSPLIT, $0-52
	MOVD    y_base+0(FP), R1                            // R1 = &y[0]
	MOVD    x_base+24(FP), R2                           // R2 = &x[0]
	MOVD    x_len+32(FP), R3                            // R3 = elements left, a multiple of 64
	CBZ     R3, scale_done                              // nothing to do
	MOVWU   a+48(FP), R4                                // R4 = a (float32 bits)
	VDUP    R4, SA.S4                                   // SA = a in every lane

scale_loop:
	VLD1.P  64(R2), [SX0.S4, SX1.S4, SX2.S4, SX3.S4]    // x[16 elements]
	WORD    $0x6e24dc00                                 // FMUL SY0.4S, SX0.4S, SA.4S: y = x * a
	WORD    $0x6e24dc21                                 // FMUL SY1.4S, SX1.4S, SA.4S: elements 4-7
	WORD    $0x6e24dc42                                 // FMUL SY2.4S, SX2.4S, SA.4S: elements 8-11
	WORD    $0x6e24dc63                                 // FMUL SY3.4S, SX3.4S, SA.4S: elements 12-15
	VST1.P  [SY0.S4, SY1.S4, SY2.S4, SY3.S4], 64(R1)    // y[16 elements]
	SUBS    $16, R3, R3                                 // 16 done
	BNE     scale_loop                                  // more to do

scale_done:
	RET

// add32NEON registers: 16 elements of a and of b, and their sums dst
// (computed in place of a).
#define AV0 V0  // a, elements 0-3 of the 16
#define AV1 V1  // elements 4-7
#define AV2 V2  // elements 8-11
#define AV3 V3  // elements 12-15
#define BV0 V4  // b, elements 0-3
#define BV1 V5
#define BV2 V6
#define BV3 V7
#define DV0 V0  // dst = a + b, in place of AV0-AV3
#define DV1 V1
#define DV2 V2
#define DV3 V3

// func add32NEON(dst, a, b []float32)
//
// dst = a + b, len(a) a multiple of 64 (the Go side finishes tails): 16
// elements per iteration, 9 instructions (2 loads, 4 FADD, 1 store and the
// loop). Each group's a and b are loaded before its dst is stored, so dst
// may be a or b.
TEXT ·add32NEON(SB), NOSPLIT, $0-72
	MOVD    dst_base+0(FP), R1                          // R1 = &dst[0]
	MOVD    a_base+24(FP), R2                           // R2 = &a[0]
	MOVD    a_len+32(FP), R4                            // R4 = elements left, a multiple of 64
	MOVD    b_base+48(FP), R3                           // R3 = &b[0]
	CBZ     R4, add_done                                // nothing to do

add_loop:
	VLD1.P  64(R2), [AV0.S4, AV1.S4, AV2.S4, AV3.S4]    // a[16 elements]
	VLD1.P  64(R3), [BV0.S4, BV1.S4, BV2.S4, BV3.S4]    // b[16 elements]
	WORD    $0x4e24d400                                 // FADD DV0.4S, AV0.4S, BV0.4S: dst = a + b
	WORD    $0x4e25d421                                 // FADD DV1.4S, AV1.4S, BV1.4S: elements 4-7
	WORD    $0x4e26d442                                 // FADD DV2.4S, AV2.4S, BV2.4S: elements 8-11
	WORD    $0x4e27d463                                 // FADD DV3.4S, AV3.4S, BV3.4S: elements 12-15
	VST1.P  [DV0.S4, DV1.S4, DV2.S4, DV3.S4], 64(R1)    // dst[16 elements]
	SUBS    $16, R4, R4                                 // 16 done
	BNE     add_loop                                    // more to do

add_done:
	RET

// The float64 kernels: each is its float32 sibling with 8-byte elements,
// two per vector (.D2), so the 16 elements of a step take eight vectors. The
// stream kernels compute the 32-bit keep masks as the float32 ones do (one
// CMHS per 4 lanes on the sums; so the keep bits are fwd32NEON's for the
// same st and lim) and widen each lane's mask to its element's 64 bits with
// ZIP1/ZIP2 of the mask with itself: the 32-bit lanes k, k of a 64-bit lane
// are both all ones or both zero. stubs_arm64.go gives each one's Go
// equivalent.

// Registers of fwd64NEON and fwdAdd64NEON besides the state (S00-S33,
// V0-V15), LIM, WT and B0-B3. A step is done in two halves of 8 elements,
// lanes 0-7 then lanes 8-15, each using all of V16-V23; XOSHIRO uses them
// once both halves are done. As above, names of one register are never
// live at once: XD, then PD, then YD; SUMD, then KD, then WD, then FD, then
// RD.
#define XD0 V16 // KEEP64: 8 elements of x, elements 0-1 of the half
#define XD1 V17 // elements 2-3
#define XD2 V18 // elements 4-5
#define XD3 V19 // elements 6-7
#define PD0 V16 // FACTOR_MUL64: the products x * f, in place of XD
#define PD1 V17
#define PD2 V18
#define PD3 V19
#define YD0 V16 // APPLY_ADD64: y = res + p, in place of PD
#define YD1 V17
#define YD2 V18
#define YD3 V19
#define SUMD0 V20 // KEEP64: the sums s0 + s3 of the half's lanes 0-3
#define SUMD1 V21 // lanes 4-7
#define KD0 V20 // KEEP64: the 32-bit keep masks of lanes 0-3 of the half, in place of SUMD
#define KD1 V21 // lanes 4-7
#define WD0 V22 // FACTOR_MUL64: the keep masks widened to 64 bits, elements 0-1 (ZIP1 of KD0)
#define WD1 V20 // elements 2-3 (ZIP2 of KD0, in place)
#define WD2 V23 // elements 4-5 (ZIP1 of KD1)
#define WD3 V21 // elements 6-7 (ZIP2 of KD1, in place)
#define FD0 V22 // FACTOR_MUL64: the factors w & sb (sb or +0), in place of WD
#define FD1 V20
#define FD2 V23
#define FD3 V21
#define RD0 V20 // APPLY_ADD64: 8 elements of res, once the factors are dead
#define RD1 V21
#define RD2 V22
#define RD3 V23
#define FSBD V29 // bits of the keep factor (float64) in both 64-bit lanes
#define HIDX V30 // TBL indices 32, 36, ..., 60, then 0, 4, ..., 28 (see STEP64_MASK)

// HALF_IDX sets v to the TBL indices 32, 36, ..., 60, 0, 4, ..., 28: the
// indices of LANE_BYTE0 with their halves swapped. 1 instruction (a literal
// load).
#define HALF_IDX(v) \
	VMOVQ   $0x3c3834302c282420, $0x1c1814100c080400, v /* v = 32, 36, ..., 60, 0, 4, ..., 28 */

// KEEP64 loads 8 elements of x from R2 into XD0-XD3 and sets KD0-KD1 to the
// 32-bit keep masks of their lanes, all ones where s0+s3 >= lim: s0a, s3a
// are the state words of the half's lanes 0-3, s0b, s3b of lanes 4-7. 5
// instructions.
#define KEEP64(s0a, s3a, s0b, s3b) \
	VLD1.P  64(R2), [XD0.D2, XD1.D2, XD2.D2, XD3.D2]    /* x[8 elements] */ \
	VADD    s0a.S4, s3a.S4, SUMD0.S4                    /* sum = s0 + s3, lanes 0-3 of the half */ \
	VADD    s0b.S4, s3b.S4, SUMD1.S4                    /* lanes 4-7 */ \
	WORD    $0x6ebc3e94                                 /* CMHS KD0.4S, SUMD0.4S, LIM.4S: k = sum >= lim (unsigned) ? ^0 : 0 */ \
	WORD    $0x6ebc3eb5                                 /* CMHS KD1.4S, SUMD1.4S, LIM.4S: lanes 4-7 */

// FACTOR_MUL64 widens the keep masks KD0-KD1 to one 64-bit mask per
// element (WD0-WD3), turns them into the factors FD0-FD3 = w & sb and sets
// PD0-PD3 to the products x * f. 12 instructions.
#define FACTOR_MUL64 \
	VZIP1   KD0.S4, KD0.S4, WD0.S4                      /* w = k0, k0, k1, k1: the masks of elements 0-1 */ \
	VZIP2   KD0.S4, KD0.S4, WD1.S4                      /* k2, k2, k3, k3: elements 2-3 */ \
	VZIP1   KD1.S4, KD1.S4, WD2.S4                      /* k4, k4, k5, k5: elements 4-5 */ \
	VZIP2   KD1.S4, KD1.S4, WD3.S4                      /* k6, k6, k7, k7: elements 6-7 */ \
	VAND    FSBD.B16, WD0.B16, FD0.B16                  /* f = w & sb: scale or +0 */ \
	VAND    FSBD.B16, WD1.B16, FD1.B16                  /* elements 2-3 */ \
	VAND    FSBD.B16, WD2.B16, FD2.B16                  /* elements 4-5 */ \
	VAND    FSBD.B16, WD3.B16, FD3.B16                  /* elements 6-7 */ \
	WORD    $0x6e76de10                                 /* FMUL PD0.2D, XD0.2D, FD0.2D: p = x * f, a real multiply */ \
	WORD    $0x6e74de31                                 /* FMUL PD1.2D, XD1.2D, FD1.2D: elements 2-3 */ \
	WORD    $0x6e77de52                                 /* FMUL PD2.2D, XD2.2D, FD2.2D: elements 4-5 */ \
	WORD    $0x6e75de73                                 /* FMUL PD3.2D, XD3.2D, FD3.2D: elements 6-7 */

// APPLY64 makes y = x * f (FACTOR_MUL64) and stores the 8 elements of y to
// R1. 13 instructions.
#define APPLY64 \
	FACTOR_MUL64                                        /* p = x * f */ \
	VST1.P  [PD0.D2, PD1.D2, PD2.D2, PD3.D2], 64(R1)    /* y[8 elements] = p */

// APPLY_ADD64 is APPLY64 with the residual, as APPLY_ADD: the products are
// rounded to float64 by FMUL, then added to res by a separate FADD (never a
// fused multiply-add). x and res are loaded before y is stored, so y may be
// x or res. 18 instructions.
#define APPLY_ADD64 \
	FACTOR_MUL64                                        /* p = x * f, rounded to float64 */ \
	VLD1.P  64(R8), [RD0.D2, RD1.D2, RD2.D2, RD3.D2]    /* res[8 elements] */ \
	WORD    $0x4e70d690                                 /* FADD YD0.2D, RD0.2D, PD0.2D: y = res + p */ \
	WORD    $0x4e71d6b1                                 /* FADD YD1.2D, RD1.2D, PD1.2D: elements 2-3 */ \
	WORD    $0x4e72d6d2                                 /* FADD YD2.2D, RD2.2D, PD2.2D: elements 4-5 */ \
	WORD    $0x4e73d6f3                                 /* FADD YD3.2D, RD3.2D, PD3.2D: elements 6-7 */ \
	VST1.P  [YD0.D2, YD1.D2, YD2.D2, YD3.D2], 64(R1)    /* y[8 elements] */

// STEP64 is one step of 16 elements without keep bits: MAKE_Y (APPLY64 or
// APPLY_ADD64) makes and stores y of each half. 68 instructions with
// APPLY64: 32 xoshiro, 4 VADD + 4 CMHS, 8 ZIP + 8 VAND + 8 FMUL, 2 loads,
// 2 stores.
#define STEP64(MAKE_Y) \
	KEEP64(S00, S30, S01, S31)                          /* elements 0-7: x and masks of lanes 0-7 */ \
	MAKE_Y                                              /* y */ \
	KEEP64(S02, S32, S03, S33)                          /* elements 8-15: lanes 8-15 */ \
	MAKE_Y                                              /* y */ \
	XOSHIRO                                             /* next step */

// STEP64_MASK is STEP64 with the 16 keep bytes to b. The two halves' masks
// are in the same two registers KD0-KD1 (V20-V21), so the bytes are
// gathered in two table lookups with one index vector, HIDX = 32, 36, ...,
// 60, 0, 4, ..., 28: TBL with the four-register table XD2, XD3, KD0, KD1
// (V18-V21) puts byte 0 of lanes 0-7 (table bytes 32-63) into bytes 0-7 of
// b and filler from x into bytes 8-15; TBX with the two-register table KD0,
// KD1 leaves bytes 0-7 (indices 32-60, out of range) alone and puts byte 0
// of lanes 8-15 into bytes 8-15. 70 instructions with APPLY64.
#define STEP64_MASK(MAKE_Y, b) \
	KEEP64(S00, S30, S01, S31)                          /* elements 0-7: x and masks of lanes 0-7 */ \
	VTBL    HIDX.B16, [XD2.B16, XD3.B16, KD0.B16, KD1.B16], b.B16 /* b[0:8] = byte 0 of lane j's mask, b[8:16] filler */ \
	MAKE_Y                                              /* y */ \
	KEEP64(S02, S32, S03, S33)                          /* elements 8-15: lanes 8-15 */ \
	VTBX    HIDX.B16, [KD0.B16, KD1.B16], b.B16         /* b[8:16] = byte 0 of lane 8+j's mask, b[0:8] kept */ \
	MAKE_Y                                              /* y */ \
	XOSHIRO                                             /* next step */

// FWD64_MASK_BODY is FWD_MASK_BODY for float64 (the same registers, R6 = sb
// as float64 bits): four STEP64_MASK, then WORD_BITS. fwd64mask_done is the
// kernel's CBZ target for no elements.
#define FWD64_MASK_BODY(MAKE_Y) \
	VDUP    R5, LIM.S4                                  /* LIM = lim in every lane */ \
	VDUP    R6, FSBD.D2                                 /* FSBD = sb in both 64-bit lanes */ \
	HALF_IDX(HIDX)                                      /* HIDX = 32, 36, ..., 60, 0, 4, ..., 28 */ \
	BYTE_WEIGHTS(WT)                                    /* WT = 1, 2, 4, ..., 128 twice */ \
	LOAD_STATE(R7)                                      /* V0-V15 = *st */ \
fwd64mask_loop:                                     /* one mask word per iteration */ \
	STEP64_MASK(MAKE_Y, B0)                             /* elements 0-15 of the word, bytes to B0 */ \
	STEP64_MASK(MAKE_Y, B1)                             /* elements 16-31 */ \
	STEP64_MASK(MAKE_Y, B2)                             /* elements 32-47 */ \
	STEP64_MASK(MAKE_Y, B3)                             /* elements 48-63 */ \
	WORD_BITS(B0, B1, B2, B3, WT, R4)                   /* bits[w] = the 64 keep bits */ \
	SUBS    $64, R3, R3                                 /* 64 elements done */ \
	BNE     fwd64mask_loop                              /* more to do */ \
	STORE_STATE(R7)                                     /* *st = V0-V15 */ \
fwd64mask_done:                                     /* also the CBZ target for no elements */ \
	RET                                                 /* done */

// FWD64_BODY is FWD_BODY for float64: four STEP64 per 64 elements.
#define FWD64_BODY(MAKE_Y) \
	VDUP    R5, LIM.S4                                  /* LIM = lim in every lane */ \
	VDUP    R6, FSBD.D2                                 /* FSBD = sb in both 64-bit lanes */ \
	LOAD_STATE(R7)                                      /* V0-V15 = *st */ \
fwd64_loop:                                         /* 64 elements per iteration */ \
	STEP64(MAKE_Y)                                      /* elements 0-15 */ \
	STEP64(MAKE_Y)                                      /* elements 16-31 */ \
	STEP64(MAKE_Y)                                      /* elements 32-47 */ \
	STEP64(MAKE_Y)                                      /* elements 48-63 */ \
	SUBS    $64, R3, R3                                 /* 64 elements done */ \
	BNE     fwd64_loop                                  /* more to do */ \
	STORE_STATE(R7)                                     /* *st = V0-V15 */ \
	RET                                                 /* done */

// func fwd64NEON(st *[4][16]uint32, y, x []float64, bits []uint64, lim uint32, sb uint64)
//
// With keep bits, FWD64_MASK_BODY with APPLY64: 291 instructions per
// iteration of 64 elements (fwd32NEON: 215), 72.75 per 16: 32 xoshiro, 4
// VADD + 4 CMHS keep test, 8 ZIP widening, 8 VAND + 8 FMUL, 2 loads, 2
// stores, 1 TBL + 1 TBX, and 2.75 for the word and the loop. Without,
// FWD64_BODY with APPLY64: 274 (fwd32NEON: 202), 68.5 per 16.
TEXT ·fwd64NEON(SB), NOSPLIT, $0-96
	MOVD    st+0(FP), R0                                // R0 = st
	MOVD    y_base+8(FP), R1                            // R1 = &y[0]
	MOVD    x_base+32(FP), R2                           // R2 = &x[0]
	MOVD    x_len+40(FP), R3                            // R3 = elements left, a multiple of 64
	MOVD    bits_base+56(FP), R4                        // R4 = &bits[0]
	MOVD    bits_len+64(FP), R9                         // R9 = mask words, 0 for no mask
	MOVWU   lim+80(FP), R5                              // R5 = lim
	MOVD    sb+88(FP), R6                               // R6 = sb (float64 bits)
	CBZ     R3, fwd64mask_done                          // nothing to do
	CBZ     R9, fwd64_nomask                            // no keep bits wanted
	FWD64_MASK_BODY(APPLY64)                            // y = x * f and the mask words

fwd64_nomask:
	FWD64_BODY(APPLY64)                                 // y = x * f

// func fwdAdd64NEON(st *[4][16]uint32, y, x, res []float64, bits []uint64, lim uint32, sb uint64)
//
// fwd64NEON with y = res + x * f (APPLY_ADD64): 64 elements per iteration,
// 331 instructions (82.75 per 16: those of fwd64NEON plus 2 loads of res
// and 8 FADD) with keep bits, 314 (78.5) without.
TEXT ·fwdAdd64NEON(SB), NOSPLIT, $0-120
	MOVD    st+0(FP), R0                                // R0 = st
	MOVD    y_base+8(FP), R1                            // R1 = &y[0]
	MOVD    x_base+32(FP), R2                           // R2 = &x[0]
	MOVD    x_len+40(FP), R3                            // R3 = elements left, a multiple of 64
	MOVD    res_base+56(FP), R8                         // R8 = &res[0]
	MOVD    bits_base+80(FP), R4                        // R4 = &bits[0]
	MOVD    bits_len+88(FP), R9                         // R9 = mask words, 0 for no mask
	MOVWU   lim+104(FP), R5                             // R5 = lim
	MOVD    sb+112(FP), R6                              // R6 = sb (float64 bits)
	CBZ     R3, fwd64mask_done                          // nothing to do
	CBZ     R9, fwdadd64_nomask                         // no keep bits wanted
	FWD64_MASK_BODY(APPLY_ADD64)                        // y = res + x * f and the mask words

fwdadd64_nomask:
	FWD64_BODY(APPLY_ADD64)                             // y = res + x * f

// bwd64NEON registers: 16 elements of dy and of dx (computed in place),
// their keep masks and factors (in place), 16 bits of the mask word and sb;
// the bits each 64-bit lane tests are in MD0-MD7 (V16-V23, bits_arm64.h).
#define DYD0 V0  // dy, elements 0-1 of the 16
#define DYD1 V1  // elements 2-3
#define DYD2 V2  // elements 4-5
#define DYD3 V3  // elements 6-7
#define DYD4 V4  // elements 8-9
#define DYD5 V5  // elements 10-11
#define DYD6 V6  // elements 12-13
#define DYD7 V7  // elements 14-15
#define DXD0 V0  // dx = dy * f, in place of DYD0-DYD7
#define DXD1 V1
#define DXD2 V2
#define DXD3 V3
#define DXD4 V4
#define DXD5 V5
#define DXD6 V6
#define DXD7 V7
#define BKD0 V8  // keep masks (64-bit): all ones where the element's bit is set
#define BKD1 V9
#define BKD2 V10
#define BKD3 V11
#define BKD4 V12
#define BKD5 V13
#define BKD6 V14
#define BKD7 V15
#define BFD0 V8  // factors k & sb (sb or +0), in place of BKD0-BKD7
#define BFD1 V9
#define BFD2 V10
#define BFD3 V11
#define BFD4 V12
#define BFD5 V13
#define BFD6 V14
#define BFD7 V15
#define BH V24   // the next 16 bits of the mask word in every 16-bit lane
#define BSBD V25 // sb in both 64-bit lanes

// BWD64_16 does the 16 elements of the next 16 bits of the mask word (R4):
// 64-bit lane j of vector k tests bit 2k+j of them against MDk. 29
// instructions.
#define BWD64_16 \
	VLD1R.P 2(R4), [BH.H8]                              /* BH = the 16 bits in every 16-bit lane (little endian) */ \
	VLD1.P  64(R2), [DYD0.D2, DYD1.D2, DYD2.D2, DYD3.D2] /* dy, elements 0-7 */ \
	VLD1.P  64(R2), [DYD4.D2, DYD5.D2, DYD6.D2, DYD7.D2] /* elements 8-15 */ \
	VCMTST  MD0.D2, BH.D2, BKD0.D2                      /* k = bits & m != 0 ? ^0 : 0 */ \
	VCMTST  MD1.D2, BH.D2, BKD1.D2                      /* elements 2-3 */ \
	VCMTST  MD2.D2, BH.D2, BKD2.D2                      /* elements 4-5 */ \
	VCMTST  MD3.D2, BH.D2, BKD3.D2                      /* elements 6-7 */ \
	VCMTST  MD4.D2, BH.D2, BKD4.D2                      /* elements 8-9 */ \
	VCMTST  MD5.D2, BH.D2, BKD5.D2                      /* elements 10-11 */ \
	VCMTST  MD6.D2, BH.D2, BKD6.D2                      /* elements 12-13 */ \
	VCMTST  MD7.D2, BH.D2, BKD7.D2                      /* elements 14-15 */ \
	VAND    BSBD.B16, BKD0.B16, BFD0.B16                /* f = k & sb */ \
	VAND    BSBD.B16, BKD1.B16, BFD1.B16                /* elements 2-3 */ \
	VAND    BSBD.B16, BKD2.B16, BFD2.B16                /* elements 4-5 */ \
	VAND    BSBD.B16, BKD3.B16, BFD3.B16                /* elements 6-7 */ \
	VAND    BSBD.B16, BKD4.B16, BFD4.B16                /* elements 8-9 */ \
	VAND    BSBD.B16, BKD5.B16, BFD5.B16                /* elements 10-11 */ \
	VAND    BSBD.B16, BKD6.B16, BFD6.B16                /* elements 12-13 */ \
	VAND    BSBD.B16, BKD7.B16, BFD7.B16                /* elements 14-15 */ \
	WORD    $0x6e68dc00                                 /* FMUL DXD0.2D, DYD0.2D, BFD0.2D: dx = dy * f */ \
	WORD    $0x6e69dc21                                 /* FMUL DXD1.2D, DYD1.2D, BFD1.2D: elements 2-3 */ \
	WORD    $0x6e6adc42                                 /* FMUL DXD2.2D, DYD2.2D, BFD2.2D: elements 4-5 */ \
	WORD    $0x6e6bdc63                                 /* FMUL DXD3.2D, DYD3.2D, BFD3.2D: elements 6-7 */ \
	WORD    $0x6e6cdc84                                 /* FMUL DXD4.2D, DYD4.2D, BFD4.2D: elements 8-9 */ \
	WORD    $0x6e6ddca5                                 /* FMUL DXD5.2D, DYD5.2D, BFD5.2D: elements 10-11 */ \
	WORD    $0x6e6edcc6                                 /* FMUL DXD6.2D, DYD6.2D, BFD6.2D: elements 12-13 */ \
	WORD    $0x6e6fdce7                                 /* FMUL DXD7.2D, DYD7.2D, BFD7.2D: elements 14-15 */ \
	VST1.P  [DXD0.D2, DXD1.D2, DXD2.D2, DXD3.D2], 64(R1) /* dx, elements 0-7 */ \
	VST1.P  [DXD4.D2, DXD5.D2, DXD6.D2, DXD7.D2], 64(R1) /* elements 8-15 */

// func bwd64NEON(dx, dy []float64, words []uint64, sb uint64)
//
// 64 elements (one mask word, read 16 bits at a time) per iteration: 118
// instructions (bwd32NEON: 60), 29.5 per 16.
TEXT ·bwd64NEON(SB), NOSPLIT, $0-80
	MOVD    dx_base+0(FP), R1                           // R1 = &dx[0]
	MOVD    dy_base+24(FP), R2                          // R2 = &dy[0]
	MOVD    dy_len+32(FP), R3                           // R3 = elements left, a multiple of 64
	MOVD    words_base+48(FP), R4                       // R4 = &words[0]
	CBZ     R3, bwd64_done                              // nothing to do
	MOVD    sb+72(FP), R6                               // R6 = sb (float64 bits)
	VDUP    R6, BSBD.D2                                 // BSBD = sb in both 64-bit lanes
	BIT_PAIRS(MD0, MD1, MD2, MD3, MD4, MD5, MD6, MD7)   // lane j of MDk = 1 << (2k+j)

bwd64_loop:
	BWD64_16                                            // elements 0-15: bits 0-15 of the word
	BWD64_16                                            // elements 16-31
	BWD64_16                                            // elements 32-47
	BWD64_16                                            // elements 48-63
	SUBS    $64, R3, R3                                 // 64 elements done
	BNE     bwd64_loop                                  // more to do

bwd64_done:
	RET

// scale64NEON registers: 16 elements of x, their products y (computed in
// place), and a.
#define SXD0 V0  // x, elements 0-1 of the 16
#define SXD1 V1  // elements 2-3
#define SXD2 V2  // elements 4-5
#define SXD3 V3  // elements 6-7
#define SXD4 V4  // elements 8-9
#define SXD5 V5  // elements 10-11
#define SXD6 V6  // elements 12-13
#define SXD7 V7  // elements 14-15
#define SYD0 V0  // y = x * a, in place of SXD0-SXD7
#define SYD1 V1
#define SYD2 V2
#define SYD3 V3
#define SYD4 V4
#define SYD5 V5
#define SYD6 V6
#define SYD7 V7
#define SAD V8   // a in both 64-bit lanes

// func scale64NEON(y, x []float64, a uint64)
//
// y = x * a with a the bits of a float64: 16 elements per iteration, 14
// instructions (2 loads, 8 FMUL, 2 stores and the loop). x is loaded before
// y is stored, so y may be x.
TEXT ·scale64NEON(SB), NOSPLIT, $0-56
	MOVD    y_base+0(FP), R1                            // R1 = &y[0]
	MOVD    x_base+24(FP), R2                           // R2 = &x[0]
	MOVD    x_len+32(FP), R3                            // R3 = elements left, a multiple of 64
	CBZ     R3, scale64_done                            // nothing to do
	MOVD    a+48(FP), R4                                // R4 = a (float64 bits)
	VDUP    R4, SAD.D2                                  // SAD = a in both 64-bit lanes

scale64_loop:
	VLD1.P  64(R2), [SXD0.D2, SXD1.D2, SXD2.D2, SXD3.D2] // x, elements 0-7
	VLD1.P  64(R2), [SXD4.D2, SXD5.D2, SXD6.D2, SXD7.D2] // elements 8-15
	WORD    $0x6e68dc00                                 // FMUL SYD0.2D, SXD0.2D, SAD.2D: y = x * a
	WORD    $0x6e68dc21                                 // FMUL SYD1.2D, SXD1.2D, SAD.2D: elements 2-3
	WORD    $0x6e68dc42                                 // FMUL SYD2.2D, SXD2.2D, SAD.2D: elements 4-5
	WORD    $0x6e68dc63                                 // FMUL SYD3.2D, SXD3.2D, SAD.2D: elements 6-7
	WORD    $0x6e68dc84                                 // FMUL SYD4.2D, SXD4.2D, SAD.2D: elements 8-9
	WORD    $0x6e68dca5                                 // FMUL SYD5.2D, SXD5.2D, SAD.2D: elements 10-11
	WORD    $0x6e68dcc6                                 // FMUL SYD6.2D, SXD6.2D, SAD.2D: elements 12-13
	WORD    $0x6e68dce7                                 // FMUL SYD7.2D, SXD7.2D, SAD.2D: elements 14-15
	VST1.P  [SYD0.D2, SYD1.D2, SYD2.D2, SYD3.D2], 64(R1) // y, elements 0-7
	VST1.P  [SYD4.D2, SYD5.D2, SYD6.D2, SYD7.D2], 64(R1) // elements 8-15
	SUBS    $16, R3, R3                                 // 16 done
	BNE     scale64_loop                                // more to do

scale64_done:
	RET

// add64NEON registers: 16 elements of a and of b, and their sums dst
// (computed in place of a).
#define AVD0 V0  // a, elements 0-1 of the 16
#define AVD1 V1  // elements 2-3
#define AVD2 V2  // elements 4-5
#define AVD3 V3  // elements 6-7
#define AVD4 V4  // elements 8-9
#define AVD5 V5  // elements 10-11
#define AVD6 V6  // elements 12-13
#define AVD7 V7  // elements 14-15
#define BVD0 V8  // b, elements 0-1
#define BVD1 V9
#define BVD2 V10
#define BVD3 V11
#define BVD4 V12
#define BVD5 V13
#define BVD6 V14
#define BVD7 V15
#define DVD0 V0  // dst = a + b, in place of AVD0-AVD7
#define DVD1 V1
#define DVD2 V2
#define DVD3 V3
#define DVD4 V4
#define DVD5 V5
#define DVD6 V6
#define DVD7 V7

// func add64NEON(dst, a, b []float64)
//
// dst = a + b: 16 elements per iteration, 16 instructions (4 loads, 8 FADD,
// 2 stores and the loop). The 16 elements of a and b are loaded before
// their dst is stored, so dst may be a or b.
TEXT ·add64NEON(SB), NOSPLIT, $0-72
	MOVD    dst_base+0(FP), R1                          // R1 = &dst[0]
	MOVD    a_base+24(FP), R2                           // R2 = &a[0]
	MOVD    a_len+32(FP), R4                            // R4 = elements left, a multiple of 64
	MOVD    b_base+48(FP), R3                           // R3 = &b[0]
	CBZ     R4, add64_done                              // nothing to do

add64_loop:
	VLD1.P  64(R2), [AVD0.D2, AVD1.D2, AVD2.D2, AVD3.D2] // a, elements 0-7
	VLD1.P  64(R2), [AVD4.D2, AVD5.D2, AVD6.D2, AVD7.D2] // elements 8-15
	VLD1.P  64(R3), [BVD0.D2, BVD1.D2, BVD2.D2, BVD3.D2] // b, elements 0-7
	VLD1.P  64(R3), [BVD4.D2, BVD5.D2, BVD6.D2, BVD7.D2] // elements 8-15
	WORD    $0x4e68d400                                 // FADD DVD0.2D, AVD0.2D, BVD0.2D: dst = a + b
	WORD    $0x4e69d421                                 // FADD DVD1.2D, AVD1.2D, BVD1.2D: elements 2-3
	WORD    $0x4e6ad442                                 // FADD DVD2.2D, AVD2.2D, BVD2.2D: elements 4-5
	WORD    $0x4e6bd463                                 // FADD DVD3.2D, AVD3.2D, BVD3.2D: elements 6-7
	WORD    $0x4e6cd484                                 // FADD DVD4.2D, AVD4.2D, BVD4.2D: elements 8-9
	WORD    $0x4e6dd4a5                                 // FADD DVD5.2D, AVD5.2D, BVD5.2D: elements 10-11
	WORD    $0x4e6ed4c6                                 // FADD DVD6.2D, AVD6.2D, BVD6.2D: elements 12-13
	WORD    $0x4e6fd4e7                                 // FADD DVD7.2D, AVD7.2D, BVD7.2D: elements 14-15
	VST1.P  [DVD0.D2, DVD1.D2, DVD2.D2, DVD3.D2], 64(R1) // dst, elements 0-7
	VST1.P  [DVD4.D2, DVD5.D2, DVD6.D2, DVD7.D2], 64(R1) // elements 8-15
	SUBS    $16, R4, R4                                 // 16 done
	BNE     add64_loop                                  // more to do

add64_done:
	RET
