package dropout

// Fused residual operations: the transformer hot path, where dropout's output
// is added to a residual stream, optionally after a bias. One pass over
// memory instead of three, with exactly the roundings of the unfused
// sequence of operations in the element type T.

// DropoutAdd is y = residual + dropout(x) in one pass (PyTorch's
// dropout_add): y[i] = residual[i] + T(x[i]*factor_i), the product
// rounded to T before the add, never a fused multiply-add. Keep bits
// go to mask unless it is nil, exactly as Forward writes them for the same
// key. In NumPy: y = residual + x * mask (times s for Inverted).
//
// The gradient needs no new kernel: dx = Backward(dy, mask) or
// BackwardKey(dy, key), and the residual's gradient is dy itself.
//
// y may be x or residual itself. It panics if the lengths differ, if mask
// is not nil and shorter than MaskLen(len(x)), or if y partly overlaps x or
// residual.
func (d Dropout[T]) DropoutAdd(y, x, residual []T, mask Mask, key Key) {
	const fn = "Dropout.DropoutAdd"
	checkPair(fn, "y", "x", y, x)
	checkPair(fn, "y", "residual", y, residual)
	if mask != nil {
		checkMask(fn, mask, len(x))
		checkMaskApart(fn, mask, y, x, residual, nil)
	}
	if !split(d.c, opDropoutAdd, y, x, residual, nil, mask, key) {
		stream(d.c, &operands[T]{y: y, x: x, res: residual, mask: mask}, key)
	}
}

// BiasDropoutAdd is y = residual + dropout(x + bias) in one pass
// (Megatron-LM's bias_dropout_add), with x and residual laid out as rows of
// len(bias) elements and bias broadcast over the rows:
//
//	t_i = T(x[i] + bias[i % len(bias)])
//	y[i] = residual[i] + T(t_i * factor_i)
//
// bit for bit the unfused sequence of operations in the element type T. Keep bits go to
// mask unless it is nil. In NumPy: y = residual + (x + bias) * mask.
// The gradient is BiasDropoutAddBackward (or ...BackwardKey).
//
// y may be x or residual itself. It panics if bias is empty, if len(x) is
// not a multiple of len(bias), if the lengths of y, x and residual differ,
// if mask is not nil and shorter than MaskLen(len(x)), if y partly
// overlaps x or residual, or if y shares any memory with bias.
func (d Dropout[T]) BiasDropoutAdd(y, x, bias, residual []T, mask Mask, key Key) {
	const fn = "Dropout.BiasDropoutAdd"
	checkPair(fn, "y", "x", y, x)
	checkPair(fn, "y", "residual", y, residual)
	checkBias(fn, "x", len(x), "bias", bias)
	checkApart(fn, "y", y, "bias", bias)
	if mask != nil {
		checkMask(fn, mask, len(x))
		checkMaskApart(fn, mask, y, x, residual, bias)
	}
	if !split(d.c, opBiasDropoutAdd, y, x, residual, bias, mask, key) {
		stream(d.c, &operands[T]{y: y, x: x, res: residual, bias: bias, mask: mask}, key)
	}
}

// BiasDropoutAddBackward is the gradient of BiasDropoutAdd with the mask
// it wrote: dx[i] = dy[i] * factor_i (as Backward), and
//
//	dbias[j] = dx[j] + dx[nb+j] + dx[2nb+j] + ...   (nb = len(dbias))
//
// summed in T in row order, left to right, starting from the first
// row (+0 when there are no rows): the same bits on every path and worker
// count. The residual's gradient is dy itself. dx may be dy itself. It
// panics if len(dx) != len(dy), if dbias is empty or len(dy) is not a
// multiple of it, if mask is shorter than MaskLen(len(dy)), if dx and dy
// partly overlap, or if dbias shares any memory with dx or dy.
func (d Dropout[T]) BiasDropoutAddBackward(dx, dbias, dy []T, mask Mask) {
	const fn = "Dropout.BiasDropoutAddBackward"
	checkBiasBackward(fn, dx, dbias, dy)
	checkMask(fn, mask, len(dy))
	d.Backward(dx, dy, mask)
	columnSums(dbias, dx)
}

// BiasDropoutAddBackwardKey is BiasDropoutAddBackward with the keep bits
// regenerated from the key of the BiasDropoutAdd call: no mask memory. It
// panics as BiasDropoutAddBackward does.
func (d Dropout[T]) BiasDropoutAddBackwardKey(dx, dbias, dy []T, key Key) {
	const fn = "Dropout.BiasDropoutAddBackwardKey"
	checkBiasBackward(fn, dx, dbias, dy)
	d.BackwardKey(dx, dy, key)
	columnSums(dbias, dx)
}
