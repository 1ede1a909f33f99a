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
func (d Dropout) Scale() float32 { return math.Float32frombits(d.keepX ^ oneBits) }

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
func MaskLen(n int) int {
	if n < 0 {
		panic(fmt.Sprintf("dropout.MaskLen: n = %d is negative", n))
	}
	return (n + 63) / 64
}

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

func (d Dropout) backward(dx, dy []float32, mask Mask) {
	n := len(dy)
	scale := d.Scale()
	body := n &^ 63
	if body > 0 {
		k := active.Load()
		k.bwd(dx[:body], dy[:body], mask[:body/64], scale, useNT(k, n))
	}
	sb := math.Float32bits(scale)
	for i := body; i < n; i++ {
		m := -uint32(mask[i>>6] >> uint(i&63) & 1)
		dx[i] = dy[i] * math.Float32frombits(m&sb)
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
	checkPair("Dropout.Infer", "y", "x", y, x)
	if !d.split(opInfer, y, x, nil, nil, nil, Key{}) {
		d.infer(y, x)
	}
}

func (d Dropout) infer(y, x []float32) {
	if d.mode == Inverted {
		if len(x) > 0 && &y[0] != &x[0] {
			copy(y, x)
		}
		return
	}
	k := active.Load()
	k.scale(y, x, d.InferScale(), useNT(k, len(x)))
}

// Draws writes the raw 24-bit draws u[i] = u_i < 1<<24 of stream positions
// key.Offset+i. Element i is kept by a Dropout with threshold T iff
// u[i] >= T; the book's uniform variate is U_i = (u_i+1)/2^24 in (0, 1].
func Draws(u []uint32, key Key) {
	Dropout{}.stream(operands{u: u}, key)
}

// operands are the slices of one stream call. u != nil: draws to u.
// Otherwise y = x*factor, with keep bits to mask unless nil; with res,
// y = res + float32(x*factor); with bias too, x[i] is replaced by
// float32(x[i] + bias[(biasOff+i)%len(bias)]) first.
type operands struct {
	y, x    []float32
	res     []float32
	bias    []float32
	biasOff int
	u       []uint32
	mask    Mask
}

// stream runs the stream kernels over a call (see operands). It cuts the call
// at block boundaries, seeds each block, skips to the first position, does
// the part before the first 64-aligned stream position and the part after
// the last one element by element, and the rest with the active kernels.
func (d Dropout) stream(o operands, key Key) {
	n := len(o.x)
	if o.u != nil {
		n = len(o.u)
	}
	if n == 0 {
		return
	}
	k := active.Load()
	if o.mask != nil {
		o.mask = o.mask[:MaskLen(n)]
		if key.Offset%64 != 0 {
			clear(o.mask) // keep bits are ORed in at a shift
		} else {
			o.mask[len(o.mask)-1] = 0 // only the last word can be partial
		}
	}
	e := elem{operands: o, thr: d.thr, sb: d.keepX ^ oneBits, nt: useNT(k, n)}
	base := streamBase(key.Seed)
	var st lanes
	pos := key.Offset
	for i := 0; i < n; {
		j := int(pos % BlockSize) // position inside the block
		seg := min(n-i, BlockSize-j)
		k.seed(&st, base, pos/BlockSize)
		k.skip(&st, j/Lanes)
		// Head: element by element up to the next 64-aligned position.
		h := min(seg, (64-j%64)%64)
		e.run(&st, j%Lanes, i, h)
		// Body: whole 64-element groups in the kernel.
		b := (seg - h) &^ 63
		if b > 0 {
			e.body(k, &st, i+h, b)
		}
		// Tail: element by element.
		e.run(&st, 0, i+h+b, seg-h-b)
		i += seg
		pos += uint64(seg)
	}
	if e.nt {
		k.fence()
	}
}

// elem holds one stream call's operands for the element-by-element parts.
type elem struct {
	operands
	thr uint32
	sb  uint32 // bits of the keep factor
	nt  bool   // non-temporal stores: the call is too big for the caches
}

// run processes c elements from call index i, the first being lane l of
// st's current step, advancing st past every step it completes.
func (e *elem) run(st *lanes, l, i, c int) {
	for ; c > 0; c-- {
		v := st.draw(l)
		if e.u != nil {
			e.u[i] = v
		} else {
			keep := keepMask(v, e.thr)
			xv := e.x[i]
			if e.bias != nil {
				xv = float32(xv + e.bias[(e.biasOff+i)%len(e.bias)])
			}
			yv := float32(xv * math.Float32frombits(keep&e.sb)) // float32(): no fused multiply-add
			if e.res != nil {
				yv = e.res[i] + yv
			}
			e.y[i] = yv
			if e.mask != nil {
				e.mask[i>>6] |= uint64(keep&1) << uint(i&63)
			}
		}
		i++
		if l++; l == Lanes {
			st.skip(1)
			l = 0
		}
	}
}

// body runs the kernel over b elements (a multiple of 64) from call index
// i, st being at lane 0 of a step.
func (e *elem) body(k *kernels, st *lanes, i, b int) {
	if e.u != nil {
		k.draws(st, e.u[i:i+b])
		return
	}
	if e.bias == nil {
		e.kernel(k, st, i, b, e.x[i:i+b])
		return
	}
	// BiasDropoutAdd: t = x + bias in an L1-sized buffer, then the kernel
	// on t; the same roundings as the unfused sequence.
	var t [biasChunk]float32
	for b > 0 {
		c := min(b, biasChunk)
		addBias(k, t[:c], e.x[i:i+c], e.bias, e.biasOff+i)
		e.kernel(k, st, i, c, t[:c])
		i += c
		b -= c
	}
}

const biasChunk = 1024

// addBias sets t[k] = x[k] + bias[(i0+k)%len(bias)], in runs that do not
// wrap around the bias.
func addBias(k *kernels, t, x, bias []float32, i0 int) {
	j := i0 % len(bias)
	for len(t) > 0 {
		r := min(len(t), len(bias)-j)
		k.add(t[:r], x[:r], bias[j:j+r])
		t, x = t[r:], x[r:]
		j = 0
	}
}

// kernel runs fwd or fwdAdd over b elements of x (the call's x or the
// bias buffer) into y and the mask from call index i.
func (e *elem) kernel(k *kernels, st *lanes, i, b int, x []float32) {
	y := e.y[i : i+b]
	var res []float32
	if e.res != nil {
		res = e.res[i : i+b]
	}
	scale := math.Float32frombits(e.sb)
	run := func(bits []uint64) {
		if res != nil {
			k.fwdAdd(st, y, x, res, bits, e.thr, scale, e.nt)
		} else {
			k.fwd(st, y, x, bits, e.thr, scale, e.nt)
		}
	}
	switch {
	case e.mask == nil:
		run(nil)
	case i%64 == 0:
		run(e.mask[i/64 : (i+b)/64])
	default:
		// The stream's 64-groups straddle mask words: take the bits to a
		// buffer and OR them in at the shift (the words were cleared).
		var buf [BlockSize / 64]uint64
		w := buf[:b/64]
		run(w)
		q, sh := i/64, uint(i%64)
		for _, v := range w {
			e.mask[q] |= v << sh
			e.mask[q+1] |= v >> (64 - sh)
			q++
		}
	}
}

// useNT reports whether a call of n elements should store with
// non-temporal hints on path k.
func useNT(k *kernels, n int) bool { return k.ntMin > 0 && n >= k.ntMin }

func checkMask(fn string, mask Mask, n int) {
	if len(mask) < MaskLen(n) {
		panic(fmt.Sprintf("dropout: %s: len(mask) = %d, need MaskLen(%d) = %d words", fn, len(mask), n, MaskLen(n)))
	}
}

// checkPair panics unless out and in have the same length and are either
// the same slice or disjoint.
func checkPair(fn, outName, inName string, out, in []float32) {
	if len(out) != len(in) {
		panic(fmt.Sprintf("dropout: %s: len(%s) = %d, len(%s) = %d: lengths differ", fn, outName, len(out), inName, len(in)))
	}
	if len(in) == 0 {
		return
	}
	po := uintptr(unsafe.Pointer(unsafe.SliceData(out)))
	pi := uintptr(unsafe.Pointer(unsafe.SliceData(in)))
	size := uintptr(len(in)) * 4
	if po != pi && po < pi+size && pi < po+size {
		panic(fmt.Sprintf("dropout: %s: %s and %s partly overlap (%s starts %d elements after %s); they must be the same slice or disjoint",
			fn, outName, inName, outName, (int64(po)-int64(pi))/4, inName))
	}
}
