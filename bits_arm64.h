// Shared by kernel_arm64.s and mask_arm64.s (included by both): the
// constant tables both build, the mask-word reduction, and the names of the
// registers both files use for the same thing. Each file names its other
// registers itself; a name means one thing in both (TestNEONWords rejects a
// name #defined twice).

// Keep bytes of the 64 elements of a mask word (0xff kept, 0 dropped), the
// input of WORD_BITS: fwd32NEON with keep bits and pack32NEON.
#define B0 V24  // elements 0-15
#define B1 V25  // elements 16-31
#define B2 V26  // elements 32-47
#define B3 V27  // elements 48-63

// Per-lane bit vectors of BIT_LANES (bwd32NEON and unpack32NEON): lane j of
// Mk holds 1 << (4k+j).
#define M0 V16  // 1 << j
#define M1 V17  // 1 << (4+j)
#define M2 V18  // 1 << (8+j)
#define M3 V19  // 1 << (12+j)
#define M4 V20  // 1 << (16+j)
#define M5 V21  // 1 << (20+j)
#define M6 V22  // 1 << (24+j)
#define M7 V23  // 1 << (28+j)

// BYTE_WEIGHTS sets v to the byte weights 1, 2, 4, ..., 128, twice: byte j
// holds 1 << (j%8), the bit of element j in its byte of a mask word. 1
// instruction (a literal load).
#define BYTE_WEIGHTS(v) \
	VMOVQ   $0x8040201008040201, $0x8040201008040201, v /* v = 1, 2, 4, ..., 128 twice */

// LANE_BYTE0 sets v to the TBL indices 0, 4, 8, ..., 60: with a table of
// four vectors of 32-bit lanes (all ones or zero), TBL gathers byte 0 of
// each lane, one byte per element. 1 instruction (a literal load).
#define LANE_BYTE0(v) \
	VMOVQ   $0x1c1814100c080400, $0x3c3834302c282420, v /* v = 0, 4, 8, ..., 60 */

// WORD_BITS turns 64 keep bytes (0xff or 0) in b0-b3 into one mask word
// and stores it to ptr, post-incremented by 8: each byte ANDed with its bit
// weight (wt = 1, 2, 4, ..., 128 twice), then pairwise byte sums (distinct
// bits, so sums are ORs) reduce 64 bytes to 8. 9 instructions; clobbers
// b0-b3.
#define WORD_BITS(b0, b1, b2, b3, wt, ptr) \
	VAND    wt.B16, b0.B16, b0.B16                      /* byte j of b0 = keep_j << j%8 */ \
	VAND    wt.B16, b1.B16, b1.B16                      /* byte j of b1 = keep_{16+j} << j%8 */ \
	VAND    wt.B16, b2.B16, b2.B16                      /* byte j of b2 = keep_{32+j} << j%8 */ \
	VAND    wt.B16, b3.B16, b3.B16                      /* byte j of b3 = keep_{48+j} << j%8 */ \
	VADDP   b1.B16, b0.B16, b0.B16                      /* b0 = pair sums of b0, then of b1 */ \
	VADDP   b3.B16, b2.B16, b2.B16                      /* b2 = pair sums of b2, then of b3 */ \
	VADDP   b2.B16, b0.B16, b0.B16                      /* b0 = sums of 4 bytes: elements 0-3, 4-7, ..., 60-63 */ \
	VADDP   b0.B16, b0.B16, b0.B16                      /* byte k of b0 = the keep bits of elements 8k .. 8k+7 */ \
	VST1.P  b0.D[0], 8(ptr)                             /* *ptr = the low 64 bits of b0 */

// BIT_LANES sets m0-m7 to the per-lane bit of a 32-bit half word: lane j
// of mk holds 1 << (4k+j), so CMTST of the half word (in every lane)
// against mk tests bits 4k .. 4k+3. 9 instructions.
#define BIT_LANES(m0, m1, m2, m3, m4, m5, m6, m7) \
	VMOVQ   $0x0000000200000001, $0x0000000800000004, m0 /* m0 = 1, 2, 4, 8 */ \
	VSHL    $4, m0.S4, m1.S4                            /* m1 = m0 << 4 */ \
	VSHL    $8, m0.S4, m2.S4                            /* m2 = m0 << 8 */ \
	VSHL    $12, m0.S4, m3.S4                           /* m3 = m0 << 12 */ \
	VSHL    $16, m0.S4, m4.S4                           /* m4 = m0 << 16 */ \
	VSHL    $20, m0.S4, m5.S4                           /* m5 = m0 << 20 */ \
	VSHL    $24, m0.S4, m6.S4                           /* m6 = m0 << 24 */ \
	VSHL    $28, m0.S4, m7.S4                           /* m7 = m0 << 28 */

// Per-lane bit vectors of BIT_PAIRS (bwd64NEON and unpack64NEON): 64-bit
// lane j of MDk holds 1 << (2k+j). Same registers as M0-M7, never live at
// once with them.
#define MD0 V16 // 1 << j
#define MD1 V17 // 1 << (2+j)
#define MD2 V18 // 1 << (4+j)
#define MD3 V19 // 1 << (6+j)
#define MD4 V20 // 1 << (8+j)
#define MD5 V21 // 1 << (10+j)
#define MD6 V22 // 1 << (12+j)
#define MD7 V23 // 1 << (14+j)

// BIT_PAIRS sets md0-md7 to the per-lane bit of a 16-bit piece of a mask
// word, for the float64 kernels (two elements per vector): 64-bit lane j of
// mdk holds 1 << (2k+j), so CMTST (.D2) of the piece broadcast to every
// 16-bit lane against mdk tests bits 2k and 2k+1 of the piece. 8
// instructions.
#define BIT_PAIRS(md0, md1, md2, md3, md4, md5, md6, md7) \
	VMOVQ   $0x0000000000000001, $0x0000000000000002, md0 /* md0 = 1, 2 */ \
	VSHL    $2, md0.D2, md1.D2                          /* md1 = md0 << 2 */ \
	VSHL    $4, md0.D2, md2.D2                          /* md2 = md0 << 4 */ \
	VSHL    $6, md0.D2, md3.D2                          /* md3 = md0 << 6 */ \
	VSHL    $8, md0.D2, md4.D2                          /* md4 = md0 << 8 */ \
	VSHL    $10, md0.D2, md5.D2                         /* md5 = md0 << 10 */ \
	VSHL    $12, md0.D2, md6.D2                         /* md6 = md0 << 12 */ \
	VSHL    $14, md0.D2, md7.D2                         /* md7 = md0 << 14 */
