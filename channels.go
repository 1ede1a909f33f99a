package dropout

// Channel dropout (PyTorch's Dropout1d/2d/3d, TensorFlow's noise_shape, Flax's
// broadcast_dims): one draw per channel, a run of size contiguous elements
// (a channel's feature map), so whole channels are kept or dropped and the
// Mask holds one bit per channel. Channel c of a call draws from stream
// position key.Offset+c. Inference is Infer, element by element, as for
// plain dropout.

// ForwardChannels is the training pass of channel dropout: with C =
// len(x)/size channels, y[c*size+k] = x[c*size+k] * factor_c, where factor_c
// is Scale() if u_c >= Threshold() and 0 otherwise, u_c the draw of stream
// position key.Offset+c. Keep bit c goes to mask unless it is nil
// (MaskLen(C) words). In NumPy, for x of shape (C, size):
//
//	mask = U[:, None] > p     # U of shape (C,)
//	y = x * mask              # Classic; x * mask * s for Inverted
//
// y may be x itself. It panics if size < 1, if len(x) is not a multiple of
// size, if len(y) != len(x), if the mask is short, or if y and x partly
// overlap.
func (d Dropout[T]) ForwardChannels(y, x []T, size int, mask Mask, key Key) {
	const fn = "Dropout.ForwardChannels"
	checkPair(fn, "y", "x", y, x)
	c := checkChannels(fn, "x", len(x), size)
	if mask != nil {
		checkMask(fn, mask, c)
		checkMaskApart(fn, mask, y, x, nil, nil)
	}
	channels(d.c, y, x, size, mask, &key)
}

// BackwardChannels is the gradient of ForwardChannels with the mask it
// wrote: dx[c*size+k] = dy[c*size+k] * factor_c. dx may be dy itself.
func (d Dropout[T]) BackwardChannels(dx, dy []T, size int, mask Mask) {
	const fn = "Dropout.BackwardChannels"
	checkPair(fn, "dx", "dy", dx, dy)
	c := checkChannels(fn, "dy", len(dy), size)
	checkMask(fn, mask, c)
	channels(d.c, dx, dy, size, mask, nil)
}

// BackwardChannelsKey is BackwardChannels with the keep bits regenerated
// from the key of the ForwardChannels call: no mask memory.
func (d Dropout[T]) BackwardChannelsKey(dx, dy []T, size int, key Key) {
	const fn = "Dropout.BackwardChannelsKey"
	checkPair(fn, "dx", "dy", dx, dy)
	checkChannels(fn, "dy", len(dy), size)
	channels(d.c, dx, dy, size, nil, &key)
}
