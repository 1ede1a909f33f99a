package dropout

import (
	"fmt"
	"math"
	"unsafe"
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

// Float is the element type of the kernels: float32 or float64. The keep
// bits depend only on the key and p, never on the element type: a
// Dropout[float64] and a Dropout[float32] with the same p write the same
// Mask for the same Key, so a framework can switch its dtype without
// changing its randomness.
type Float interface{ float32 | float64 }

// Dropout is a validated dropout configuration for []T: the drop
// probability p and the Mode. It is a small value, safe to copy and to use
// from many goroutines at once. The zero Dropout is p = 0 with Classic
// mode: the identity.
type Dropout[T Float] struct{ c config }

// config is the element-type-free part of a Dropout: everything but the
// type of the slices.
type config struct {
	p     float64
	mode  Mode
	thr   uint32 // T = floor(p * 2^24): kept iff u >= T
	keepX uint64 // bits of the float64 keep factor, XOR the bits of 1.0 (so zero value = 1.0)
	infX  uint64 // bits of the float64 Classic inference factor 1-p, XOR 1.0
	par   int32  // Parallel: 0 serial, -1 GOMAXPROCS, else the worker count
}

const one64 = 0x3ff0000000000000 // math.Float64bits(1)

// New returns the Dropout that drops each element of a []T with
// probability p (the book's dropout_ratio, PyTorch's p) in the given mode.
// It returns an error for a NaN p, for p outside [0, 1] and for an unknown
// mode.
func New[T Float](p float64, mode Mode) (Dropout[T], error) {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return Dropout[T]{}, fmt.Errorf("dropout.New: p = %v: must be a probability in [0, 1]", p)
	}
	if mode != Classic && mode != Inverted {
		return Dropout[T]{}, fmt.Errorf("dropout.New: mode = %v: must be Classic or Inverted", mode)
	}
	keep := 1.0
	if mode == Inverted {
		keep = 1 / (1 - p) // +Inf for p = 1, where nothing is kept
	}
	return Dropout[T]{config{
		p:     p,
		mode:  mode,
		thr:   threshold(p),
		keepX: math.Float64bits(keep) ^ one64,
		infX:  math.Float64bits(1-p) ^ one64,
	}}, nil
}

// P returns the drop probability.
func (d Dropout[T]) P() float64 { return d.c.p }

// Mode returns the convention.
func (d Dropout[T]) Mode() Mode { return d.c.mode }

// Threshold returns T = floor(p * 2^24): element i is kept iff its draw
// u_i >= T.
func (d Dropout[T]) Threshold() uint32 { return d.c.thr }

// Scale returns the factor of kept elements in training: 1 for Classic,
// T(1/(1-p)) for Inverted (the division in float64, then one rounding to T;
// +Inf for p = 1, where nothing is kept).
func (d Dropout[T]) Scale() T { return T(d.c.keep()) }

// InferScale returns the factor Infer multiplies by: T(1-p) for Classic
// (the subtraction in float64), 1 for Inverted.
func (d Dropout[T]) InferScale() T {
	if d.c.mode == Inverted {
		return 1
	}
	return T(d.c.infer())
}

// String describes the configuration, e.g. "Dropout[float32](p=0.5, Inverted)".
func (d Dropout[T]) String() string {
	name := "Dropout[float32]"
	if wide[T]() {
		name = "Dropout[float64]"
	}
	if d.c.par != 0 {
		return fmt.Sprintf("%s(p=%v, %v, %d workers)", name, d.c.p, d.c.mode, d.Workers())
	}
	return fmt.Sprintf("%s(p=%v, %v)", name, d.c.p, d.c.mode)
}

// MaskLen returns the number of Mask words that n elements need: ceil(n/64).
// It panics if n is negative.
func MaskLen(n int) int {
	if n < 0 {
		maskLenPanic(n) // out of line: MaskLen inlines
	}
	return n/64 + (n%64+63)/64 // no overflow for any n
}

// maskLenPanic is MaskLen's panic, kept out of line: inlined into MaskLen
// (the compiler's choice without the directive), it made MaskLen cost 85,
// over Go's inlining budget of 80; with the call, 76.
//
//go:noinline
func maskLenPanic(n int) { panic(fmt.Sprintf("dropout: MaskLen: n = %d is negative", n)) }

// sb returns the bits of the keep factor Scale() as a T (a float32's bits
// in the low half).
func sb[T Float](c config) uint64 { return toBits(T(c.keep())) }

// infBits returns the bits of the Classic inference factor as a T.
func infBits[T Float](c config) uint64 { return toBits(T(c.infer())) }

// keep is the keep factor in float64: 1 (Classic) or 1/(1-p).
func (c config) keep() float64 { return math.Float64frombits(c.keepX ^ one64) }

// infer is the Classic inference factor 1-p in float64.
func (c config) infer() float64 { return math.Float64frombits(c.infX ^ one64) }

// wide reports whether T is float64; a constant in each instantiation.
func wide[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 8
}

// toBits returns the bits of v (a float32's in the low half).
func toBits[T Float](v T) uint64 {
	if wide[T]() {
		return math.Float64bits(float64(v))
	}
	return uint64(math.Float32bits(float32(v)))
}

// fromBits is the T whose bits are b (a float32's from the low half).
func fromBits[T Float](b uint64) T {
	if wide[T]() {
		return T(math.Float64frombits(b))
	}
	return T(math.Float32frombits(uint32(b)))
}

// Forward is the training pass: y[i] = x[i] * factor_i, where factor_i is
// Scale() if u_i >= Threshold() and 0 otherwise, u_i being the draw of
// stream position key.Offset+i. The keep bits are written to mask unless it
// is nil (then nothing is stored; BackwardKey regenerates them). In NumPy:
//
//	mask = U > p          # U_i = (u_i+1)/2^24
//	y = x * mask          # Classic
//	y = x * mask * s      # Inverted, s = T(1/(1-p))
//
// y may be x itself. It panics if len(y) != len(x), if mask is not nil and
// shorter than MaskLen(len(x)), or if y and x partly overlap.
func (d Dropout[T]) Forward(y, x []T, mask Mask, key Key) {
	checkPair("Dropout.Forward", "y", "x", y, x)
	if mask != nil {
		checkMask("Dropout.Forward", mask, len(x))
		checkMaskApart("Dropout.Forward", mask, y, x, nil, nil)
	}
	if !split(d.c, opForward, y, x, nil, nil, mask, key) {
		stream(d.c, &operands[T]{y: y, x: x, mask: mask}, key)
	}
}

// Backward is the gradient of Forward: dx[i] = dy[i] * factor_i, with the
// keep bits that Forward stored in mask (dx = dout * mask in NumPy, times s
// for Inverted). dx may be dy itself. It panics if len(dx) != len(dy), if
// mask is shorter than MaskLen(len(dy)), or if dx and dy partly overlap.
func (d Dropout[T]) Backward(dx, dy []T, mask Mask) {
	checkPair("Dropout.Backward", "dx", "dy", dx, dy)
	checkMask("Dropout.Backward", mask, len(dy))
	if !split(d.c, opBackward, dx, dy, nil, nil, mask, Key{}) {
		backward(d.c, dx, dy, mask)
	}
}

// BackwardKey is Backward without a stored mask: it regenerates the keep
// bits from key, which must be the key of the Forward call. It gives the
// same bits as Backward with the mask that Forward wrote. dx may be dy
// itself; it panics if len(dx) != len(dy) or if they partly overlap.
func (d Dropout[T]) BackwardKey(dx, dy []T, key Key) {
	checkPair("Dropout.BackwardKey", "dx", "dy", dx, dy)
	if !split(d.c, opBackwardKey, dx, dy, nil, nil, nil, key) {
		stream(d.c, &operands[T]{y: dx, x: dy}, key)
	}
}

// Infer is the inference pass: y[i] = x[i] * T(1-p) for Classic
// (NumPy's x * (1.0 - ratio)), y = x for Inverted (a copy, nothing at all
// when y is x). y may be x itself. It panics if len(y) != len(x) or if they
// partly overlap.
func (d Dropout[T]) Infer(y, x []T) {
	d.inferAs("Dropout.Infer", y, x)
}

// inferAs is Infer with the name of the public function for the panics.
func (d Dropout[T]) inferAs(fn string, y, x []T) {
	checkPair(fn, "y", "x", y, x)
	if !split(d.c, opInfer, y, x, nil, nil, nil, Key{}) {
		infer(d.c, y, x)
	}
}

// Draws writes the raw 24-bit draws u[i] = u_i < 1<<24 of stream positions
// key.Offset+i. Element i is kept by a Dropout with threshold T iff
// u[i] >= T; the book's uniform variate is U_i = (u_i+1)/2^24 in (0, 1].
func Draws(u []uint32, key Key) {
	stream(config{}, &operands[float32]{u: u}, key)
}
