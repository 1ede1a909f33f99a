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

func checkMask(fn string, mask Mask, n int) {
	if need := MaskLen(n); len(mask) < need {
		panic(fmt.Sprintf("dropout: %s: len(mask) = %d, need MaskLen(%d) = %s", fn, len(mask), n, plural(need, "word")))
	}
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
	if len(out) != len(in) {
		panic(fmt.Sprintf("dropout: %s: len(%s) = %d, len(%s) = %d: lengths differ", fn, outName, len(out), inName, len(in)))
	}
	if len(in) == 0 {
		return
	}
	po, _ := bytesOf(out)
	pi, _ := bytesOf(in)
	es := unsafe.Sizeof(in[0])
	size := uintptr(len(in)) * es
	if po != pi && po < pi+size && pi < po+size {
		where := fmt.Sprintf("%s starts %s after %s", outName, plural(int((po-pi)/es), "element"), inName)
		if po < pi {
			where = fmt.Sprintf("%s starts %s before %s", outName, plural(int((pi-po)/es), "element"), inName)
		}
		panic(fmt.Sprintf("dropout: %s: %s and %s partly overlap (%s); they must be the same slice or disjoint",
			fn, outName, inName, where))
	}
}

// checkApart panics if out, an output, shares any memory with in, another
// operand that it may not alias at all.
func checkApart[A, B any](fn, outName string, out []A, inName string, in []B) {
	if len(out) == 0 || len(in) == 0 {
		return
	}
	ol, oh := bytesOf(out)
	il, ih := bytesOf(in)
	if ol < ih && il < oh {
		panic(fmt.Sprintf("dropout: %s: %s and %s overlap; they must be disjoint", fn, outName, inName))
	}
}

// checkMaskApart panics if mask, an output, shares memory with any of the
// float slices of the call (possible only through unsafe, and then the
// result would depend on the order of the stores).
func checkMaskApart[T Float](fn string, mask Mask, names []string, slices ...[]T) {
	if mask == nil {
		return
	}
	m := mask
	for i, s := range slices {
		checkApart(fn, "mask", m, names[i], s)
	}
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
