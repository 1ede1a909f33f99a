package dropout

import (
	"fmt"
	"unsafe"
)

// The input checks of the public functions. Each panics with a message that
// starts "dropout: " and the public function's name and gives the values;
// every check runs before anything is written, so a call that panics
// changes nothing.

// plural returns "1 word", "2 words".
func plural(n int, unit string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// The checks below are an inline test and a call out of line for the
// message: on the Zen 3 VM the three checks of a Forward with a mask took
// 27 ns as plain calls (a third of a 64-element call).

func checkMask(fn string, mask Mask, n int) {
	if len(mask) < MaskLen(n) {
		maskPanic(fn, mask, n)
	}
}

// maskPanic is checkMask's message, out of line as the comment above says
// (without the directive the compiler inlined it, Sprintf and all).
//
//go:noinline
func maskPanic(fn string, mask Mask, n int) {
	panic(fmt.Sprintf("dropout: %s: len(mask) = %d, need MaskLen(%d) = %s", fn, len(mask), n, plural(MaskLen(n), "word")))
}

// bytesOf returns the address range [lo, hi) of s's elements.
func bytesOf[T any](s []T) (lo, hi uintptr) {
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	var z T
	return lo, lo + uintptr(len(s))*unsafe.Sizeof(z)
}

// checkPair panics unless out and in have the same length and are either
// the same slice or disjoint.
func checkPair[T Float](fn, outName, inName string, out, in []T) {
	if len(out) != len(in) || overlap(out, in) && &out[0] != &in[0] {
		pairPanic(fn, outName, inName, out, in)
	}
}

func pairPanic[T Float](fn, outName, inName string, out, in []T) {
	if len(out) != len(in) {
		panic(fmt.Sprintf("dropout: %s: len(%s) = %d, len(%s) = %d: lengths differ", fn, outName, len(out), inName, len(in)))
	}
	po, _ := bytesOf(out)
	pi, _ := bytesOf(in)
	es := unsafe.Sizeof(in[0])
	where := fmt.Sprintf("%s starts %s after %s", outName, plural(int((po-pi)/es), "element"), inName)
	if po < pi {
		where = fmt.Sprintf("%s starts %s before %s", outName, plural(int((pi-po)/es), "element"), inName)
	}
	panic(fmt.Sprintf("dropout: %s: %s and %s partly overlap (%s); they must be the same slice or disjoint",
		fn, outName, inName, where))
}

// checkApart panics if out, an output, shares any memory with in, another
// operand that it may not alias at all.
func checkApart[A, B any](fn, outName string, out []A, inName string, in []B) {
	if overlap(out, in) {
		panic(fmt.Sprintf("dropout: %s: %s and %s overlap; they must be disjoint", fn, outName, inName))
	}
}

// checkMaskApart panics if mask, an output, shares memory with any of the
// float slices of the call (possible only through unsafe, and then the
// result would depend on the order of the stores); residual and bias are
// nil for the ops without them. The test is inline, the message not: four
// calls of checkApart took 16 ns a Forward on the Zen 3 VM.
func checkMaskApart[T Float](fn string, mask Mask, y, x, residual, bias []T) {
	if overlap(mask, y) || overlap(mask, x) || overlap(mask, residual) || overlap(mask, bias) {
		checkApart(fn, "mask", mask, "y", y)
		checkApart(fn, "mask", mask, "x", x)
		checkApart(fn, "mask", mask, "residual", residual)
		checkApart(fn, "mask", mask, "bias", bias)
	}
}

// overlap reports whether a and b share memory.
func overlap[A, B any](a []A, b []B) bool {
	al, ah := bytesOf(a)
	bl, bh := bytesOf(b)
	return len(a) > 0 && len(b) > 0 && al < bh && bl < ah
}

func checkBias[T Float](fn, xName string, n int, biasName string, bias []T) {
	if len(bias) == 0 || n%len(bias) != 0 {
		panic(fmt.Sprintf("dropout: %s: len(%s) = %d is not a whole number of rows of len(%s) = %d", fn, xName, n, biasName, len(bias)))
	}
}

func checkChannels(fn, xName string, n, size int) int {
	if size < 1 {
		panic(fmt.Sprintf("dropout: %s: size = %d: a channel must have at least 1 element", fn, size))
	}
	if n%size != 0 {
		panic(fmt.Sprintf("dropout: %s: len(%s) = %d is not a whole number of channels of size %d", fn, xName, n, size))
	}
	return n / size
}

// checkBiasBackward checks the operands of BiasDropoutAddBackward(Key).
func checkBiasBackward[T Float](fn string, dx, dbias, dy []T) {
	checkPair(fn, "dx", "dy", dx, dy)
	checkBias(fn, "dy", len(dy), "dbias", dbias)
	checkApart(fn, "dbias", dbias, "dx", dx)
	checkApart(fn, "dbias", dbias, "dy", dy)
}
