// Package dropout provides fused dropout kernels for contiguous []float32
// and []float64: mask generation, the multiply and the packed keep bits in
// one pass, with
// AVX-512, AVX2 and NEON assembly chosen at run time and a pure-Go path that
// gives the same bits everywhere.
//
// Two conventions are supported. Classic is the layer of the book Deep
// Learning from Scratch and of plain NumPy code; Inverted is the one of
// PyTorch, TensorFlow and JAX:
//
//	           training y            inference y       gradient dx
//	Classic    x * mask              x * (1 - p)       dy * mask
//	Inverted   x * mask / (1 - p)    x                 dy * mask / (1 - p)
//
// Layer[T] wraps a Dropout[T] with a seed, a stream position and a mask
// buffer, as the book's class does. Dropout's methods are the kernels
// themselves, for frameworks that keep their own state. T is float32 or
// float64 (Float); the keep bits never depend on T.
//
// # Semantics
//
// These rules are normative: every path (generic, AVX2, AVX-512, NEON) and
// every way of splitting a call gives identical output bits for the same key;
// NaN results may differ only in their payload.
//
// Draws. Element i of a call with Key{Seed, Offset} draws u_i in [0, 2^24)
// from stream position q = Offset+i (mod 2^64) of Seed's stream. u_i depends
// only on (Seed, q): never on how a slice is split into calls, the vector
// width, the architecture or the number of goroutines.
//
// The stream. Positions are cut into blocks of BlockSize = 8192; position q
// is served by lane j%16 at step j/16 of block b = q/8192, j = q%8192. Each
// block runs 16 independent xoshiro128+ generators (32-bit words s0..s3):
//
//	u = (s0 + s3) >> 8                         // the draw: bits 31..8 of the output
//	t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl32(s3, 11)
//
// Block b's lanes are seeded from the SplitMix64 sequence z_w =
// mix64(base + (w+1)*0x9e3779b97f4a7c15), base = mix64(Seed), where mix64 is
// SplitMix64's output function (z ^= z>>30; z *= 0xbf58476d1ce4e5b9;
// z ^= z>>27; z *= 0x94d049bb133111eb; z ^= z>>31). Lane L takes
// a = z_{32b+2L}, c = z_{32b+2L+1}: s0 = low32(a), s1 = high32(a),
// s2 = low32(c), s3 = high32(c). Since mix64 is a bijection, a and c are
// never both zero, so no lane starts in xoshiro's all-zero fixed point.
// The golden files in testdata/ freeze this stream: changing it is a
// breaking change.
//
// Keep rule. With T = floor(p * 2^24) (exact in float64), element i is kept
// iff u_i >= T. This is the book's np.random.rand(...) > ratio with the
// uniform variate U_i = (u_i+1)/2^24 in (0, 1]: p = 0 keeps everything and
// p = 1 drops everything, exactly.
//
// Factors. A kept element has factor 1 (Classic) or s = T(1/(1-p))
// (Inverted; the division in float64, then one rounding to T, none for
// float64); a dropped one has factor 0. The output is a real multiply in T,
// y_i = x_i * factor_i, as NumPy's x * mask and PyTorch's CPU kernel compute
// it: a dropped NaN or ±Inf gives NaN, a dropped negative number gives -0.
// Never a select. The fused ops round every operation to T, as the unfused
// sequence does: never a fused multiply-add.
//
// Inference. Classic: y_i = x_i * T(1-p) (the subtraction in float64: for
// float64, NumPy's x * (1.0 - ratio) exactly). Inverted: y = x (a copy, or
// nothing when y is x).
//
// Element types. The keep bits depend only on the key and p: Dropout[float32]
// and Dropout[float64] write the same Mask for the same key.
//
// Gradient. Backward computes dx_i = dy_i * factor_i with the keep bits of a
// Mask; BackwardKey regenerates them from the key of the Forward call and
// gives the same bits.
//
// Masks. A Mask holds the keep bits packed: element i is bit i%64 of word
// i/64, 1 = kept. Forward writes MaskLen(n) words; the bits past n in the
// last word are written as 0 and stale contents are overwritten. The layout
// does not depend on byte order.
//
// Aliasing and errors. y may be exactly x (in place), dx exactly dy; any
// partial overlap panics. Length mismatches and masks shorter than
// MaskLen(n) panic with a message naming the function and the values. New
// returns an error for a NaN p or p outside [0, 1]. The zero Dropout is
// p = 0, Classic: the identity.
//
// # Paths
//
// Kernel reports the path in use, Kernels the ones available. The best one
// the CPU supports is chosen at start-up; DROPOUT_DISABLE=avx512,avx2 (or
// neon) turns paths off, and the purego build tag compiles no assembly.
//
// # Architecture
//
// The source is layered; each file belongs to one layer:
//
//	public API    dropout.go (Dropout, Key, Forward, ...), fused.go, channels.go,
//	              layer.go, mask.go; check.go validates every argument first
//	driver        driver.go: a call cut into stream blocks, heads and tails of a
//	              block element by element; parallel.go: chunks on worker goroutines
//	dispatch      dispatch.go: the path in use, and for every kernel call the race
//	              annotations, exact lengths, p = 1, tails, bounded pieces
//	kernels       path_amd64.go + asm_amd64.s (generated by the avo program in
//	              _asm/), path_arm64.go + kernel_arm64.s, mask_arm64.s (NEON),
//	              path_noasm.go (no assembly)
//	reference     generic.go: the Go kernels every path reproduces bit for bit
//	random stream stream.go: SplitMix64 seeding and the xoshiro128+ lanes
//
// Tests run over every path (forEachPath, a subtest per path), against
// generic.go at the kernel level and against an independent element-by-
// element reference (ref_test.go) and NumPy (testdata/golden.json,
// fuzz/referee.py) at the API level.
package dropout
