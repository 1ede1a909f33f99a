//go:build !purego

#include "textflag.h"
#include "bits_arm64.h"

// NEON mask conversions of the "neon" path. mask_arm64.go gives each one's Go
// equivalent. Every loop does one 64-bit mask word (64 elements) per
// iteration and reads and writes only within its slices, at any alignment.
// No WORD is needed: the Go assembler knows every instruction used here.

// Registers. Each name means one value. V0-V3 hold 64 bytes (16 elements
// each) or 16 floats (4 each) under one name per stage, each stage computed
// in place of the one before (SPR -> KB -> DB, SRC -> KB, KM -> DF, SF -> KM).
#define SPR0 V0 // unpack8NEON: byte j = byte j/8 of the mask word (TBL)
#define SPR1 V1
#define SPR2 V2
#define SPR3 V3
#define KB0 V0  // keep bytes, 0xff or 0: unpack8NEON's bit test, pack8NEON's src != 0
#define KB1 V1
#define KB2 V2
#define KB3 V3
#define DB0 V0  // unpack8NEON: the dst bytes, 1 or 0, in place of KB0-KB3
#define DB1 V1
#define DB2 V2
#define DB3 V3
#define SRC0 V0 // pack8NEON: 64 bytes of src
#define SRC1 V1
#define SRC2 V2
#define SRC3 V3
#define KM0 V0  // keep masks, ^0 or 0: unpack32NEON's bit test, pack32NEON's x != 0
#define KM1 V1
#define KM2 V2
#define KM3 V3
#define DF0 V0  // unpack32NEON: 16 floats of dst, 1.0 or +0, in place of KM0-KM3
#define DF1 V1
#define DF2 V2
#define DF3 V3
#define SF0 V0  // pack32NEON: 16 floats of src
#define SF1 V1
#define SF2 V2
#define SF3 V3
#define W V4    // unpack8NEON: the mask word in bytes 0-7
#define LO V4   // unpack32NEON: bits 0-31 of the mask word in every lane
#define HI V5   // bits 32-63
#define ONE V6  // unpack32NEON: 0x3f800000 (1.0) in every lane
#define ABS V6  // pack32NEON: 0x7fffffff in every lane
#define I0 V16  // unpack8NEON TBL indices: byte 0 eight times, then byte 1
#define I1 V17  // bytes 2 and 3
#define I2 V18  // bytes 4 and 5
#define I3 V19  // bytes 6 and 7
// M0-M7 (unpack32NEON's per-lane bits, V16-V23) and B0-B3 (pack32NEON's
// keep bytes, V24-V27) are named in bits_arm64.h.
#define WT V28  // byte weights 1, 2, 4, ..., 128, 1, 2, ..., 128
#define IDX V29 // pack32NEON TBL indices 0, 4, ..., 60: byte 0 of each lane

// func unpack8NEON(dst []uint8, words []uint64)
//
// TBL spreads byte k of the word over the 8 bytes 8k .. 8k+7, CMTST against
// the weights picks bit j%8 in byte j, USHR turns 0xff into 1. 16
// instructions per word.
TEXT ·unpack8NEON(SB), NOSPLIT, $0-48
	MOVD    dst_base+0(FP), R1                          // R1 = &dst[0]
	MOVD    words_base+24(FP), R2                       // R2 = &words[0]
	MOVD    words_len+32(FP), R3                        // R3 = words left
	CBZ     R3, unpack8_done                            // nothing to do
	VMOVQ   $0x0000000000000000, $0x0101010101010101, I0 // I0 = 0 (8 times), 1 (8 times)
	VMOVQ   $0x0202020202020202, $0x0303030303030303, I1 // I1 = 2, 3
	VMOVQ   $0x0404040404040404, $0x0505050505050505, I2 // I2 = 4, 5
	VMOVQ   $0x0606060606060606, $0x0707070707070707, I3 // I3 = 6, 7
	BYTE_WEIGHTS(WT)                                    // WT = 1, 2, 4, ..., 128 twice

unpack8_loop:
	VLD1.P  8(R2), [W.B8]                               // W bytes 0-7 = words[q], little endian
	VTBL    I0.B16, [W.B16], SPR0.B16                   // byte j of SPR0 = byte j/8 of the word: elements 0-15
	VTBL    I1.B16, [W.B16], SPR1.B16                   // elements 16-31
	VTBL    I2.B16, [W.B16], SPR2.B16                   // elements 32-47
	VTBL    I3.B16, [W.B16], SPR3.B16                   // elements 48-63
	VCMTST  WT.B16, SPR0.B16, KB0.B16                   // byte j = bit j%8 of its byte set ? 0xff : 0
	VCMTST  WT.B16, SPR1.B16, KB1.B16                   // elements 16-31
	VCMTST  WT.B16, SPR2.B16, KB2.B16                   // elements 32-47
	VCMTST  WT.B16, SPR3.B16, KB3.B16                   // elements 48-63
	VUSHR   $7, KB0.B16, DB0.B16                        // 0xff -> 1, 0 -> 0
	VUSHR   $7, KB1.B16, DB1.B16                        // elements 16-31
	VUSHR   $7, KB2.B16, DB2.B16                        // elements 32-47
	VUSHR   $7, KB3.B16, DB3.B16                        // elements 48-63
	VST1.P  [DB0.B16, DB1.B16, DB2.B16, DB3.B16], 64(R1) // dst[64 elements]
	SUBS    $1, R3, R3                                  // a word done
	BNE     unpack8_loop                                // more to do

unpack8_done:
	RET

// func pack8NEON(words []uint64, src []uint8)
//
// CMTST of each byte with itself gives 0xff for nonzero, then WORD_BITS. 16
// instructions per word.
TEXT ·pack8NEON(SB), NOSPLIT, $0-48
	MOVD    words_base+0(FP), R1                        // R1 = &words[0]
	MOVD    words_len+8(FP), R3                         // R3 = words left
	MOVD    src_base+24(FP), R2                         // R2 = &src[0]
	CBZ     R3, pack8_done                              // nothing to do
	BYTE_WEIGHTS(WT)                                    // WT = 1, 2, 4, ..., 128 twice

pack8_loop:
	VLD1.P  64(R2), [SRC0.B16, SRC1.B16, SRC2.B16, SRC3.B16] // src[64 elements]
	VCMTST  SRC0.B16, SRC0.B16, KB0.B16                 // byte = src != 0 ? 0xff : 0, elements 0-15
	VCMTST  SRC1.B16, SRC1.B16, KB1.B16                 // elements 16-31
	VCMTST  SRC2.B16, SRC2.B16, KB2.B16                 // elements 32-47
	VCMTST  SRC3.B16, SRC3.B16, KB3.B16                 // elements 48-63
	WORD_BITS(KB0, KB1, KB2, KB3, WT, R1)               // words[q] = the 64 keep bits
	SUBS    $1, R3, R3                                  // a word done
	BNE     pack8_loop                                  // more to do

pack8_done:
	RET

// UNPACK32_16 does 16 elements: lane j of vector q tests bit 4q+j of w (LO
// or HI) against m0-m3 (M0-M3 or M4-M7) and keeps 1.0 or +0. 9
// instructions.
#define UNPACK32_16(w, m0, m1, m2, m3) \
	VCMTST  m0.S4, w.S4, KM0.S4                         /* k = w & m != 0 ? ^0 : 0 */ \
	VCMTST  m1.S4, w.S4, KM1.S4                         /* lanes 4-7 */ \
	VCMTST  m2.S4, w.S4, KM2.S4                         /* lanes 8-11 */ \
	VCMTST  m3.S4, w.S4, KM3.S4                         /* lanes 12-15 */ \
	VAND    ONE.B16, KM0.B16, DF0.B16                   /* k & 0x3f800000: 1.0 or +0 */ \
	VAND    ONE.B16, KM1.B16, DF1.B16                   /* lanes 4-7 */ \
	VAND    ONE.B16, KM2.B16, DF2.B16                   /* lanes 8-11 */ \
	VAND    ONE.B16, KM3.B16, DF3.B16                   /* lanes 12-15 */ \
	VST1.P  [DF0.S4, DF1.S4, DF2.S4, DF3.S4], 64(R1)    /* dst[16 elements] */

// func unpack32NEON(dst []float32, words []uint64)
//
// bwd32NEON's bit test with 1.0 for the factor and no multiply: 40
// instructions per word.
TEXT ·unpack32NEON(SB), NOSPLIT, $0-48
	MOVD    dst_base+0(FP), R1                          // R1 = &dst[0]
	MOVD    words_base+24(FP), R2                       // R2 = &words[0]
	MOVD    words_len+32(FP), R3                        // R3 = words left
	CBZ     R3, unpack32_done                           // nothing to do
	MOVW    $0x3f800000, R4                             // R4 = bits of 1.0
	VDUP    R4, ONE.S4                                  // ONE = 1.0 in every lane
	BIT_LANES(M0, M1, M2, M3, M4, M5, M6, M7)           // lane j of Mk = 1 << (4k+j)

unpack32_loop:
	VLD1R.P 4(R2), [LO.S4]                              // LO = bits 0-31 of words[q] (little endian)
	VLD1R.P 4(R2), [HI.S4]                              // HI = bits 32-63
	UNPACK32_16(LO, M0, M1, M2, M3)                     // elements 0-15
	UNPACK32_16(LO, M4, M5, M6, M7)                     // elements 16-31
	UNPACK32_16(HI, M0, M1, M2, M3)                     // elements 32-47
	UNPACK32_16(HI, M4, M5, M6, M7)                     // elements 48-63
	SUBS    $1, R3, R3                                  // a word done
	BNE     unpack32_loop                               // more to do

unpack32_done:
	RET

// PACK32_16 loads 16 floats and sets the 16 bytes of b to their keep bytes:
// x & 0x7fffffff != 0 is x != 0 as a float compare gives it (±0 zero; NaN,
// ±Inf and subnormals nonzero), on the bits, so flush-to-zero cannot
// matter. 6 instructions.
#define PACK32_16(b) \
	VLD1.P  64(R2), [SF0.S4, SF1.S4, SF2.S4, SF3.S4]    /* src[16 elements] */ \
	VCMTST  ABS.S4, SF0.S4, KM0.S4                      /* k = x & 0x7fffffff != 0 ? ^0 : 0 */ \
	VCMTST  ABS.S4, SF1.S4, KM1.S4                      /* lanes 4-7 */ \
	VCMTST  ABS.S4, SF2.S4, KM2.S4                      /* lanes 8-11 */ \
	VCMTST  ABS.S4, SF3.S4, KM3.S4                      /* lanes 12-15 */ \
	VTBL    IDX.B16, [KM0.B16, KM1.B16, KM2.B16, KM3.B16], b.B16 /* b[j] = byte 0 of lane j's k */

// func pack32NEON(words []uint64, src []float32)
//
// Four PACK32_16, then WORD_BITS: 35 instructions per word.
TEXT ·pack32NEON(SB), NOSPLIT, $0-48
	MOVD    words_base+0(FP), R1                        // R1 = &words[0]
	MOVD    words_len+8(FP), R3                         // R3 = words left
	MOVD    src_base+24(FP), R2                         // R2 = &src[0]
	CBZ     R3, pack32_done                             // nothing to do
	MOVW    $0x7fffffff, R4                             // R4 = all but the sign bit
	VDUP    R4, ABS.S4                                  // ABS = 0x7fffffff in every lane
	LANE_BYTE0(IDX)                                     // IDX = 0, 4, 8, ..., 60
	BYTE_WEIGHTS(WT)                                    // WT = 1, 2, 4, ..., 128 twice

pack32_loop:
	PACK32_16(B0)                                       // keep bytes of elements 0-15
	PACK32_16(B1)                                       // elements 16-31
	PACK32_16(B2)                                       // elements 32-47
	PACK32_16(B3)                                       // elements 48-63
	WORD_BITS(B0, B1, B2, B3, WT, R1)                   // words[q] = the 64 keep bits
	SUBS    $1, R3, R3                                  // a word done
	BNE     pack32_loop                                 // more to do

pack32_done:
	RET

// Registers of the float64 conversions (two elements per vector, .D2): 16
// elements in V0-V7 under one name per stage, as above (KMD -> DFD, SFD ->
// KMD). MD0-MD7 (unpack64NEON's per-lane bits, V16-V23) are named in
// bits_arm64.h; pack64NEON's keep bytes are B0-B3 and its weights WT.
#define KMD0 V0 // keep masks, 64-bit ^0 or 0: unpack64NEON's bit test, pack64NEON's x != 0; elements 0-1
#define KMD1 V1 // elements 2-3
#define KMD2 V2 // elements 4-5
#define KMD3 V3 // elements 6-7
#define KMD4 V4 // elements 8-9
#define KMD5 V5 // elements 10-11
#define KMD6 V6 // elements 12-13
#define KMD7 V7 // elements 14-15
#define DFD0 V0 // unpack64NEON: 16 floats of dst, 1.0 or +0, in place of KMD0-KMD7
#define DFD1 V1
#define DFD2 V2
#define DFD3 V3
#define DFD4 V4
#define DFD5 V5
#define DFD6 V6
#define DFD7 V7
#define SFD0 V0 // pack64NEON: 16 floats of src
#define SFD1 V1
#define SFD2 V2
#define SFD3 V3
#define SFD4 V4
#define SFD5 V5
#define SFD6 V6
#define SFD7 V7
#define HW V8   // unpack64NEON: the next 16 bits of the mask word in every 16-bit lane
#define ONED V9 // unpack64NEON: 0x3ff0000000000000 (1.0) in both 64-bit lanes
#define ABSD V9 // pack64NEON: 0x7fffffffffffffff in both 64-bit lanes
#define IDXD0 V30 // pack64NEON TBL indices 0, 8, ..., 56 (byte 0 of each 64-bit lane), then 8 out of range
#define IDXD1 V31 // 8 out of range, then 0, 8, ..., 56

// UNPACK64_16 does the 16 elements of the next 16 bits of the mask word
// (R2): 64-bit lane j of vector k tests bit 2k+j of them against MDk and
// keeps 1.0 or +0. 19 instructions.
#define UNPACK64_16 \
	VLD1R.P 2(R2), [HW.H8]                              /* HW = the 16 bits in every 16-bit lane (little endian) */ \
	VCMTST  MD0.D2, HW.D2, KMD0.D2                      /* k = bits & m != 0 ? ^0 : 0 */ \
	VCMTST  MD1.D2, HW.D2, KMD1.D2                      /* elements 2-3 */ \
	VCMTST  MD2.D2, HW.D2, KMD2.D2                      /* elements 4-5 */ \
	VCMTST  MD3.D2, HW.D2, KMD3.D2                      /* elements 6-7 */ \
	VCMTST  MD4.D2, HW.D2, KMD4.D2                      /* elements 8-9 */ \
	VCMTST  MD5.D2, HW.D2, KMD5.D2                      /* elements 10-11 */ \
	VCMTST  MD6.D2, HW.D2, KMD6.D2                      /* elements 12-13 */ \
	VCMTST  MD7.D2, HW.D2, KMD7.D2                      /* elements 14-15 */ \
	VAND    ONED.B16, KMD0.B16, DFD0.B16                /* k & 0x3ff0000000000000: 1.0 or +0 */ \
	VAND    ONED.B16, KMD1.B16, DFD1.B16                /* elements 2-3 */ \
	VAND    ONED.B16, KMD2.B16, DFD2.B16                /* elements 4-5 */ \
	VAND    ONED.B16, KMD3.B16, DFD3.B16                /* elements 6-7 */ \
	VAND    ONED.B16, KMD4.B16, DFD4.B16                /* elements 8-9 */ \
	VAND    ONED.B16, KMD5.B16, DFD5.B16                /* elements 10-11 */ \
	VAND    ONED.B16, KMD6.B16, DFD6.B16                /* elements 12-13 */ \
	VAND    ONED.B16, KMD7.B16, DFD7.B16                /* elements 14-15 */ \
	VST1.P  [DFD0.D2, DFD1.D2, DFD2.D2, DFD3.D2], 64(R1) /* dst, elements 0-7 */ \
	VST1.P  [DFD4.D2, DFD5.D2, DFD6.D2, DFD7.D2], 64(R1) /* elements 8-15 */

// func unpack64NEON(dst []float64, words []uint64)
//
// bwd64NEON's bit test with 1.0 for the factor and no multiply: 78
// instructions per word (unpack32NEON: 40).
TEXT ·unpack64NEON(SB), NOSPLIT, $0-48
	MOVD    dst_base+0(FP), R1                          // R1 = &dst[0]
	MOVD    words_base+24(FP), R2                       // R2 = &words[0]
	MOVD    words_len+32(FP), R3                        // R3 = words left
	CBZ     R3, unpack64_done                           // nothing to do
	MOVD    $0x3ff0000000000000, R4                     // R4 = bits of 1.0
	VDUP    R4, ONED.D2                                 // ONED = 1.0 in both 64-bit lanes
	BIT_PAIRS(MD0, MD1, MD2, MD3, MD4, MD5, MD6, MD7)   // lane j of MDk = 1 << (2k+j)

unpack64_loop:
	UNPACK64_16                                         // elements 0-15: bits 0-15 of words[q]
	UNPACK64_16                                         // elements 16-31
	UNPACK64_16                                         // elements 32-47
	UNPACK64_16                                         // elements 48-63
	SUBS    $1, R3, R3                                  // a word done
	BNE     unpack64_loop                               // more to do

unpack64_done:
	RET

// PACK64_16 loads 16 floats and sets the 16 bytes of b to their keep bytes:
// x & 0x7fffffffffffffff != 0 on the bits, as PACK32_16. TBL gathers byte 0
// of the masks of elements 0-7 into bytes 0-7 (IDXD0; bytes 8-15 zero), TBX
// those of elements 8-15 into bytes 8-15 (IDXD1; bytes 0-7 left alone). 12
// instructions.
#define PACK64_16(b) \
	VLD1.P  64(R2), [SFD0.D2, SFD1.D2, SFD2.D2, SFD3.D2] /* src, elements 0-7 */ \
	VLD1.P  64(R2), [SFD4.D2, SFD5.D2, SFD6.D2, SFD7.D2] /* elements 8-15 */ \
	VCMTST  ABSD.D2, SFD0.D2, KMD0.D2                   /* k = x & 0x7fffffffffffffff != 0 ? ^0 : 0 */ \
	VCMTST  ABSD.D2, SFD1.D2, KMD1.D2                   /* elements 2-3 */ \
	VCMTST  ABSD.D2, SFD2.D2, KMD2.D2                   /* elements 4-5 */ \
	VCMTST  ABSD.D2, SFD3.D2, KMD3.D2                   /* elements 6-7 */ \
	VCMTST  ABSD.D2, SFD4.D2, KMD4.D2                   /* elements 8-9 */ \
	VCMTST  ABSD.D2, SFD5.D2, KMD5.D2                   /* elements 10-11 */ \
	VCMTST  ABSD.D2, SFD6.D2, KMD6.D2                   /* elements 12-13 */ \
	VCMTST  ABSD.D2, SFD7.D2, KMD7.D2                   /* elements 14-15 */ \
	VTBL    IDXD0.B16, [KMD0.B16, KMD1.B16, KMD2.B16, KMD3.B16], b.B16 /* b[j] = byte 0 of element j's k, j < 8; b[8:16] = 0 */ \
	VTBX    IDXD1.B16, [KMD4.B16, KMD5.B16, KMD6.B16, KMD7.B16], b.B16 /* b[8+j] = byte 0 of element 8+j's k */

// func pack64NEON(words []uint64, src []float64)
//
// Four PACK64_16, then WORD_BITS: 59 instructions per word (pack32NEON:
// 35).
TEXT ·pack64NEON(SB), NOSPLIT, $0-48
	MOVD    words_base+0(FP), R1                        // R1 = &words[0]
	MOVD    words_len+8(FP), R3                         // R3 = words left
	MOVD    src_base+24(FP), R2                         // R2 = &src[0]
	CBZ     R3, pack64_done                             // nothing to do
	MOVD    $0x7fffffffffffffff, R4                     // R4 = all but the sign bit
	VDUP    R4, ABSD.D2                                 // ABSD = 0x7fffffffffffffff in both 64-bit lanes
	VMOVQ   $0x3830282018100800, $0xffffffffffffffff, IDXD0 // IDXD0 = 0, 8, ..., 56, then 8 x 255
	VMOVQ   $0xffffffffffffffff, $0x3830282018100800, IDXD1 // IDXD1 = 8 x 255, then 0, 8, ..., 56
	BYTE_WEIGHTS(WT)                                    // WT = 1, 2, 4, ..., 128 twice

pack64_loop:
	PACK64_16(B0)                                       // keep bytes of elements 0-15
	PACK64_16(B1)                                       // elements 16-31
	PACK64_16(B2)                                       // elements 32-47
	PACK64_16(B3)                                       // elements 48-63
	WORD_BITS(B0, B1, B2, B3, WT, R1)                   // words[q] = the 64 keep bits
	SUBS    $1, R3, R3                                  // a word done
	BNE     pack64_loop                                 // more to do

pack64_done:
	RET
