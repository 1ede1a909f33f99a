// Shared by kernel_arm64.s and mask_arm64.s (included by both).

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
