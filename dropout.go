package dropout

import (
	"fmt"
	"math"
)

// Mode selects the dropout convention.
type Mode uint8

const (
	// Classic is the layer of the book and of NumPy code: training keeps an
	// element with factor 1 (y = x * mask), inference scales by 1-p
	// (y = x * (1.0 - ratio)), and the gradient is dx = dy * mask.
	Classic Mode = iota
	// Inverted is the convention of PyTorch, TensorFlow and JAX: training
	// scales kept elements by s = 1/(1-p) (y = x * mask * s), inference is
	// the identity (y = x), and the gradient is dx = dy * mask * s.
	Inverted
)

// String returns "Classic" or "Inverted".
func (m Mode) String() string {
	switch m {
	case Classic:
		return "Classic"
	case Inverted:
		return "Inverted"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Key names a position in the random stream: element i of a call draws
// u_i from stream position Offset+i (modulo 2^64) of the stream of Seed.
// Splitting a call into several calls whose Offsets continue one another
// gives the same draws.
//
// A Key is used once. The draws depend on nothing but (Seed, Offset+i), so
// calling Forward twice with the same Key draws the same mask twice: a
// training loop must advance Offset past every element it has used, and
// each layer needs its own stream (its own Seed, or its own disjoint range
// of Offsets). One way, with n the elements a layer sees per step:
//
//	key := dropout.Key{Seed: runSeed ^ uint64(layerIndex)<<32, Offset: step * uint64(n)}
//
// Layer does this bookkeeping itself (Layer.Key reports the next key).
//
// Across machines and devices the same rule gives the bits of one big call:
// in data-parallel training, a replica that holds rows [r0, r1) of a batch
// of n elements per step uses Offset = step*n + r0*rowLen, and in
// tensor-parallel training a shard holding elements [e0, e1) of a
// tensor uses Offset = base + e0: the global element index. Every replica
// or shard then draws exactly the bits that one call over the whole tensor
// would, whatever the number of machines, and a run can be resharded
// without changing its randomness.
type Key struct {
	Seed, Offset uint64
}

// Dropout is a validated dropout configuration: the drop probability p and
// the Mode. It is a small value, safe to copy and to use from many
// goroutines at once. The zero Dropout is p = 0 with Classic mode: the
// identity.
type Dropout struct {
	p     float64
	mode  Mode
	thr   uint32 // T = floor(p * 2^24): kept iff u >= T
	keepX uint32 // bits of the keep factor, XOR the bits of 1.0 (so zero value = 1.0)
	infX  uint32 // bits of the Classic inference factor float32(1-p), XOR 1.0
	par   int32  // Parallel: 0 serial, -1 GOMAXPROCS, else the worker count
}

const oneBits = 0x3f800000 // math.Float32bits(1)

// New returns the Dropout that drops each element with probability p (the
// book's dropout_ratio, PyTorch's p) in the given mode. It returns an error
// for a NaN p, for p outside [0, 1] and for an unknown mode.
func New(p float64, mode Mode) (Dropout, error) {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return Dropout{}, fmt.Errorf("dropout.New: p = %v: must be a probability in [0, 1]", p)
	}
	if mode != Classic && mode != Inverted {
		return Dropout{}, fmt.Errorf("dropout.New: mode = %v: must be Classic or Inverted", mode)
	}
	keep := float32(1)
	if mode == Inverted {
		keep = float32(1 / (1 - p)) // +Inf for p = 1, where nothing is kept
	}
	return Dropout{
		p:     p,
		mode:  mode,
		thr:   threshold(p),
		keepX: math.Float32bits(keep) ^ oneBits,
		infX:  math.Float32bits(float32(1-p)) ^ oneBits,
	}, nil
}

// P returns the drop probability.
func (d Dropout) P() float64 { return d.p }

// Mode returns the convention.
func (d Dropout) Mode() Mode { return d.mode }

// Threshold returns T = floor(p * 2^24): element i is kept iff its draw
// u_i >= T.
func (d Dropout) Threshold() uint32 { return d.thr }

// Scale returns the factor of kept elements in training: 1 for Classic,
// float32(1/(1-p)) for Inverted (+Inf for p = 1, where nothing is kept).
func (d Dropout) Scale() float32 { return math.Float32frombits(d.sb()) }

// InferScale returns the factor Infer multiplies by: float32(1-p) for
// Classic, 1 for Inverted.
func (d Dropout) InferScale() float32 {
	if d.mode == Inverted {
		return 1
	}
	return math.Float32frombits(d.infX ^ oneBits)
}

// String describes the configuration, e.g. "Dropout(p=0.5, Inverted)".
func (d Dropout) String() string {
	if d.par != 0 {
		return fmt.Sprintf("Dropout(p=%v, %v, %d workers)", d.p, d.mode, d.Workers())
	}
	return fmt.Sprintf("Dropout(p=%v, %v)", d.p, d.mode)
}

// MaskLen returns the number of Mask words that n elements need: ceil(n/64).
// It panics if n is negative.
func MaskLen(n int) int {
	if n < 0 {
		panic(fmt.Sprintf("dropout: MaskLen: n = %d is negative", n))
	}
	return n/64 + (n%64+63)/64 // no overflow for any n
}

// sb returns the bits of the keep factor Scale().
func (d Dropout) sb() uint32 { return d.keepX ^ oneBits }

// Forward is the training pass: y[i] = x[i] * factor_i, where factor_i is
// Scale() if u_i >= Threshold() and 0 otherwise, u_i being the draw of
// stream position key.Offset+i. The keep bits are written to mask unless it
// is nil (then nothing is stored; BackwardKey regenerates them). In NumPy:
//
//	mask = U > p          # U_i = (u_i+1)/2^24
//	y = x * mask          # Classic
//	y = x * mask * s      # Inverted, s = float32(1/(1-p))
//
// y may be x itself. It panics if len(y) != len(x), if mask is not nil and
// shorter than MaskLen(len(x)), or if y and x partly overlap.
func (d Dropout) Forward(y, x []float32, mask Mask, key Key) {
	checkPair("Dropout.Forward", "y", "x", y, x)
	if mask != nil {
		checkMask("Dropout.Forward", mask, len(x))
		checkMaskApart("Dropout.Forward", mask, []string{"y", "x"}, y, x)
	}
	if !d.split(opForward, y, x, nil, nil, mask, key) {
		d.stream(operands{y: y, x: x, mask: mask}, key)
	}
}

// Backward is the gradient of Forward: dx[i] = dy[i] * factor_i, with the
// keep bits that Forward stored in mask (dx = dout * mask in NumPy, times s
// for Inverted). dx may be dy itself. It panics if len(dx) != len(dy), if
// mask is shorter than MaskLen(len(dy)), or if dx and dy partly overlap.
func (d Dropout) Backward(dx, dy []float32, mask Mask) {
	checkPair("Dropout.Backward", "dx", "dy", dx, dy)
	checkMask("Dropout.Backward", mask, len(dy))
	if !d.split(opBackward, dx, dy, nil, nil, mask, Key{}) {
		d.backward(dx, dy, mask)
	}
}

// BackwardKey is Backward without a stored mask: it regenerates the keep
// bits from key, which must be the key of the Forward call. It gives the
// same bits as Backward with the mask that Forward wrote. dx may be dy
// itself; it panics if len(dx) != len(dy) or if they partly overlap.
func (d Dropout) BackwardKey(dx, dy []float32, key Key) {
	checkPair("Dropout.BackwardKey", "dx", "dy", dx, dy)
	if !d.split(opBackwardKey, dx, dy, nil, nil, nil, key) {
		d.stream(operands{y: dx, x: dy}, key)
	}
}

// Infer is the inference pass: y[i] = x[i] * float32(1-p) for Classic
// (NumPy's x * (1.0 - ratio)), y = x for Inverted (a copy, nothing at all
// when y is x). y may be x itself. It panics if len(y) != len(x) or if they
// partly overlap.
func (d Dropout) Infer(y, x []float32) {
	d.inferAs("Dropout.Infer", y, x)
}

// inferAs is Infer with the name of the public function for the panics.
func (d Dropout) inferAs(fn string, y, x []float32) {
	checkPair(fn, "y", "x", y, x)
	if !d.split(opInfer, y, x, nil, nil, nil, Key{}) {
		d.infer(y, x)
	}
}

// Draws writes the raw 24-bit draws u[i] = u_i < 1<<24 of stream positions
// key.Offset+i. Element i is kept by a Dropout with threshold T iff
// u[i] >= T; the book's uniform variate is U_i = (u_i+1)/2^24 in (0, 1].
func Draws(u []uint32, key Key) {
	Dropout{}.stream(operands{u: u}, key)
}
