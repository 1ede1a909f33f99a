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
