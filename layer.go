package dropout

import "fmt"

// Layer is the book's Dropout class: it owns the seed, the stream position
// and the mask of the last training pass, so that Backward needs no
// arguments beyond the gradient. Each training Forward of n elements uses
// the stream positions [Key().Offset, Key().Offset+n) and then advances the
// position by n, so two passes get different masks and a run is
// reproducible from its seed. A Layer allocates only when its mask buffer
// must grow. It is not safe for concurrent use; the Dropout it wraps is.
//
// The zero Layer is usable: p = 0, Classic, seed 0, position 0 — the
// identity, which still records its (all-kept) mask. As for any Layer,
// Backward before a training Forward panics.
//
// In NumPy (Deep Learning from Scratch):
//
//	class Dropout:
//	    def forward(self, x, train_flg=True):
//	        if train_flg:
//	            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
//	            return x * self.mask
//	        return x * (1.0 - self.dropout_ratio)
//	    def backward(self, dout):
//	        return dout * self.mask
type Layer[T Float] struct {
	d       Dropout[T]
	seed    uint64
	pos     uint64
	mask    Mask
	n       int  // length of the last training Forward
	trained bool // a training Forward has run: mask and n are set
}

// NewLayer returns a Layer on []T dropping with probability p in the given
// mode, drawing from the stream of seed from position 0. It returns New's
// error for a bad p or mode.
func NewLayer[T Float](p float64, mode Mode, seed uint64) (*Layer[T], error) {
	d, err := New[T](p, mode)
	if err != nil {
		return nil, fmt.Errorf("dropout.NewLayer: %w", err)
	}
	return &Layer[T]{d: d, seed: seed}, nil
}

// Forward computes y from x: with train, Dropout.Forward at the layer's
// key, keeping the mask for Backward and advancing the stream position by
// len(x); without train, Dropout.Infer. y may be x itself. It panics if
// len(y) != len(x) or if they partly overlap, before changing anything: a
// Forward that panics leaves the layer's mask, position and last length as
// they were.
func (l *Layer[T]) Forward(y, x []T, train bool) {
	const fn = "Layer.Forward"
	if !train {
		l.d.inferAs(fn, y, x)
		return
	}
	checkPair(fn, "y", "x", y, x)
	n := len(x)
	if w := MaskLen(n); cap(l.mask) < w {
		l.mask = make(Mask, w)
	} else {
		l.mask = l.mask[:w]
	}
	l.d.Forward(y, x, l.mask, Key{Seed: l.seed, Offset: l.pos})
	l.pos += uint64(n)
	l.n = n
	l.trained = true
}

// Backward computes dx = dy * factor with the mask of the last training
// Forward (the book's dout * self.mask). dx may be dy itself. It panics if
// there was no training Forward yet, if len(dy) differs from its length,
// if len(dx) != len(dy), or if dx and dy partly overlap.
func (l *Layer[T]) Backward(dx, dy []T) {
	if !l.trained {
		panic("dropout: Layer.Backward: no training Forward has run, so there is no mask")
	}
	if len(dy) != l.n {
		panic(fmt.Sprintf("dropout: Layer.Backward: len(dy) = %d, but the last training Forward had %s", len(dy), plural(l.n, "element")))
	}
	checkPair("Layer.Backward", "dx", "dy", dx, dy)
	l.d.Backward(dx, dy, l.mask)
}

// Dropout returns the layer's configuration.
func (l *Layer[T]) Dropout() Dropout[T] { return l.d }

// Mask returns the keep bits of the last training Forward (nil before the
// first). The layer reuses this memory on the next training Forward.
func (l *Layer[T]) Mask() Mask {
	if !l.trained {
		return nil
	}
	return l.mask
}

// Key returns the key the next training Forward will use.
func (l *Layer[T]) Key() Key { return Key{Seed: l.seed, Offset: l.pos} }

// Seek sets the stream position of the next training Forward, e.g. to
// replay a pass or to resume a run from a checkpoint.
func (l *Layer[T]) Seek(pos uint64) { l.pos = pos }

// Reseed starts the stream of a new seed at position 0, e.g. for the next
// run of an experiment; the mask of the last training Forward stays
// available to Backward.
func (l *Layer[T]) Reseed(seed uint64) { l.seed, l.pos = seed, 0 }
