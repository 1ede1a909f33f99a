package gdropout

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"sync"

	"github.com/chewxy/hm"
	"github.com/dropkernel/dropout"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	_ "github.com/dropkernel/dropout/internal/gcenv" // before gorgonia's init: see the package doc
)

// Op is inverted dropout as a gorgonia op: y = x * mask / (1-p) in training,
// y = x in inference (SetTraining(false), or a machine built with
// gorgonia.EvalMode()). It implements gorgonia.Op, SDOp (Grad, for the tape
// machine), ADOp (the Lisp machine's backpropagation), UsePreallocDoer and
// TrainModeOp.
//
// Each forward execution draws its mask from the op's next key and then
// advances the key's Offset by the number of elements, so every run (every
// training step) draws a new mask; the gradient regenerates the mask of the
// latest forward execution of the same op with dropout.BackwardKey.
//
// An Op belongs to one graph node: share it between graphs and the graphs
// share its stream.
type Op struct {
	p   float64
	d32 dropout.Dropout[float32] // Inverted, for Float32 graphs
	d64 dropout.Dropout[float64] // Inverted, for Float64 graphs: the same keep bits
	id  dropout.Key              // the key of the first run: the op's identity, in its hash

	mu    sync.Mutex
	train bool
	next  dropout.Key // the key of the next forward execution
	last  execution   // the latest forward execution, for the gradient
}

// execution is what the gradient needs from the forward execution it
// differentiates.
type execution struct {
	done  bool        // a forward execution has run
	train bool        // it ran in training mode (else it was the identity)
	key   dropout.Key // its key
	n     int         // its number of elements
}

// New returns an Op with drop probability p whose first forward execution
// draws from key. Most users want Apply, which picks the key; New is for
// callers that lay out the streams themselves (for example data-parallel
// training, where each replica's key.Offset is its global element index).
// It returns an error for a NaN p or p outside [0, 1], as dropout.New does.
func New(p float64, key dropout.Key) (*Op, error) {
	d32, err := dropout.New[float32](p, dropout.Inverted)
	if err != nil {
		return nil, fmt.Errorf("gdropout: %w", err)
	}
	d64, _ := dropout.New[float64](p, dropout.Inverted) // the same p: no error
	return &Op{p: p, d32: d32, d64: d64, id: key, next: key, train: true}, nil
}

// P returns the drop probability.
func (op *Op) P() float64 { return op.p }

// Key returns the key the next forward execution draws from.
func (op *Op) Key() dropout.Key {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.next
}

// Seek sets the Offset of the next forward execution's key (to resume a run
// from a checkpoint that saved Key().Offset, say). The seed and the op's
// identity do not change.
func (op *Op) Seek(offset uint64) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.next.Offset = offset
}

// LastKey returns the key of the latest forward execution (the one the
// gradient uses) and whether there has been one.
func (op *Op) LastKey() (dropout.Key, bool) {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.last.key, op.last.done
}

// SetTraining implements gorgonia.TrainModeOp. Not training, the op is the
// identity (inverted dropout's inference) and draws nothing.
func (op *Op) SetTraining(training bool) error {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.train = training
	return nil
}

// Arity implements gorgonia.Op.
func (op *Op) Arity() int { return 1 }

// Type implements gorgonia.Op: a → a.
func (op *Op) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

// InferShape implements gorgonia.Op: the input's shape.
func (op *Op) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) { return opInput.shape(inputs) }

// Do implements gorgonia.Op: a new output tensor.
func (op *Op) Do(inputs ...G.Value) (G.Value, error) {
	return opInput.apply(inputs, newLike, op.forward)
}

// UsePreallocDo implements gorgonia.UsePreallocDoer: the tape machine hands
// the op the previous run's output tensor from the second run on.
func (op *Op) UsePreallocDo(prealloc G.Value, inputs ...G.Value) (G.Value, error) {
	return opInput.apply(inputs, into(prealloc), op.forward)
}

func (op *Op) forward(y, x *tensor.Dense) (G.Value, error) {
	k, err := op.kernelFor(x.Dtype())
	if err != nil {
		return nil, err
	}
	n := x.Shape().TotalSize()
	op.mu.Lock()
	run := execution{done: true, train: op.train, key: op.next, n: n}
	if run.train {
		op.next.Offset += uint64(n) // the next run draws new positions
	}
	op.last = run
	op.mu.Unlock()
	if run.train {
		k.forward(y, x, run.key)
	} else {
		k.infer(y, x)
	}
	return y, nil
}

// ReturnsPtr implements gorgonia.Op: the output is a new tensor.
func (op *Op) ReturnsPtr() bool { return false }

// CallsExtern implements gorgonia.Op.
func (op *Op) CallsExtern() bool { return false }

// OverwritesInput implements gorgonia.Op: never.
func (op *Op) OverwritesInput() int { return -1 }

// WriteHash implements gorgonia.Op. The hash holds p and the op's identity,
// the key of its first run, so that gorgonia's ExprGraph.AddNode, which
// merges nodes whose op hashes and children match, never merges two
// dropouts with different streams (gorgonia's own Dropout hashes to the same
// value for every p and every call, so two Dropouts of one node are one
// node with one mask). The current stream position is not in the hash: it
// changes every run, and gorgonia caches node hashes.
func (op *Op) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gdropout.Op{p=%v seed=%#x offset=%#x}", op.p, op.id.Seed, op.id.Offset)
}

// Hashcode implements gorgonia.Op.
func (op *Op) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// String implements gorgonia.Op.
func (op *Op) String() string {
	return fmt.Sprintf("Dropout(p=%v, seed=%#x, offset=%#x)", op.p, op.id.Seed, op.id.Offset)
}

// DiffWRT implements gorgonia.SDOp: differentiable with respect to its input.
func (op *Op) DiffWRT(inputs int) []bool { return []bool{true} }

// SymDiff implements gorgonia.SDOp: the gradient node is Diff(y, dy), which
// regenerates the mask from the key of the latest forward execution. y is an
// input only so that the gradient is scheduled after the forward execution
// of the same run (dy alone may not depend on it, as for Sum(y)); its value
// is not read.
func (op *Op) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("gdropout: SymDiff with %d inputs, want 1", len(inputs))
	}
	dx, err := G.ApplyOp(&diffOp{op}, output, grad)
	if err != nil {
		return nil, fmt.Errorf("gdropout: gradient node: %w", err)
	}
	return G.Nodes{dx}, nil
}

// DoDiff implements gorgonia.ADOp (the Lisp machine's backpropagation): it
// adds dy * mask / (1-p) to the input's gradient.
func (op *Op) DoDiff(ctx G.ExecutionContext, inputs G.Nodes, output *G.Node) error {
	if len(inputs) != 1 {
		return fmt.Errorf("gdropout: DoDiff with %d inputs, want 1", len(inputs))
	}
	dyv, err := output.Grad()
	if err != nil {
		return fmt.Errorf("gdropout: output gradient: %w", err)
	}
	dxv, err := inputs[0].Grad()
	if err != nil {
		return fmt.Errorf("gdropout: input gradient: %w", err)
	}
	acc, ok := dxv.(*tensor.Dense)
	if !ok {
		return fmt.Errorf("gdropout: input gradient is a %T, not a *tensor.Dense", dxv)
	}
	d, err := (&diffOp{op}).Do(output.Value(), dyv)
	if err != nil {
		return err
	}
	_, err = acc.Add(d.(*tensor.Dense), tensor.UseUnsafe())
	return err
}

// diffOp is the gradient of an Op: dx = dy * mask / (1-p) with the mask of
// the op's latest forward execution (BackwardKey: no mask is stored). Its
// inputs are y (for ordering only) and dy.
type diffOp struct{ fwd *Op }

func (op *diffOp) Arity() int { return 2 }

func (op *diffOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a, a)
}

func (op *diffOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return diffInput.shape(inputs)
}

func (op *diffOp) Do(inputs ...G.Value) (G.Value, error) {
	return diffInput.apply(inputs, newLike, op.backward)
}

func (op *diffOp) UsePreallocDo(prealloc G.Value, inputs ...G.Value) (G.Value, error) {
	return diffInput.apply(inputs, into(prealloc), op.backward)
}

var errNoForward = errors.New("gdropout: gradient before any forward execution of its dropout")

func (op *diffOp) backward(dx, dy *tensor.Dense) (G.Value, error) {
	k, err := op.fwd.kernelFor(dy.Dtype())
	if err != nil {
		return nil, err
	}
	op.fwd.mu.Lock()
	run := op.fwd.last
	op.fwd.mu.Unlock()
	if !run.done {
		return nil, errNoForward
	}
	if n := dy.Shape().TotalSize(); n != run.n {
		return nil, fmt.Errorf("gdropout: gradient of %d elements for a forward execution of %d", n, run.n)
	}
	if run.train {
		k.backward(dx, dy, run.key)
	} else {
		k.infer(dx, dy) // the identity's gradient
	}
	return dx, nil
}

func (op *diffOp) ReturnsPtr() bool     { return false }
func (op *diffOp) CallsExtern() bool    { return false }
func (op *diffOp) OverwritesInput() int { return -1 }

func (op *diffOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, "gdropout.Diff ")
	op.fwd.WriteHash(h)
}

func (op *diffOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (op *diffOp) String() string { return "∂" + op.fwd.String() }

// operand returns inputs[i] as a contiguous *tensor.Dense (a copy when it is
// a view), after checking that there are want inputs.
func operand(what string, inputs []G.Value, want, i int) (*tensor.Dense, error) {
	if len(inputs) != want {
		return nil, fmt.Errorf("gdropout: %d inputs, want %d", len(inputs), want)
	}
	t, ok := inputs[i].(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("gdropout: %s is a %T, not a *tensor.Dense (scalars are not supported)", what, inputs[i])
	}
	if t.IsMaterializable() || t.RequiresIterator() {
		m, ok := t.Materialize().(*tensor.Dense)
		if !ok || m.RequiresIterator() {
			return nil, fmt.Errorf("gdropout: %s: cannot make a contiguous copy of a %v view", what, t.Shape())
		}
		t = m
	}
	return t, nil
}

// operandSlot says which input an op computes on, for InferShape, Do and
// UsePreallocDo.
type operandSlot struct {
	what    string // "input" or "gradient", in errors
	counted string // how the wrong-arity error of InferShape names the op
	want, i int    // inputs[i] of want
}

var (
	opInput   = operandSlot{what: "input", counted: "", want: 1, i: 0}                  // x
	diffInput = operandSlot{what: "gradient", counted: "gradient with ", want: 2, i: 1} // dy (input 0 is y)
)

// shape is InferShape: the operand's shape.
func (o operandSlot) shape(inputs []G.DimSizer) (tensor.Shape, error) {
	if len(inputs) != o.want {
		return nil, fmt.Errorf("gdropout: %s%d inputs, want %d", o.counted, len(inputs), o.want)
	}
	s, ok := inputs[o.i].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("gdropout: %s shape is a %T, not a tensor.Shape", o.what, inputs[o.i])
	}
	return s.Clone(), nil
}

// apply is Do and UsePreallocDo: the operand x (see operand), its output y
// from out, then compute(y, x).
func (o operandSlot) apply(inputs []G.Value, out func(x *tensor.Dense) (*tensor.Dense, error), compute func(y, x *tensor.Dense) (G.Value, error)) (G.Value, error) {
	x, err := operand(o.what, inputs, o.want, o.i)
	if err != nil {
		return nil, err
	}
	y, err := out(x)
	if err != nil {
		return nil, err
	}
	return compute(y, x)
}

// newLike is Do's output: a new tensor of x's dtype and shape.
func newLike(x *tensor.Dense) (*tensor.Dense, error) {
	return tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(x.Shape().Clone()...)), nil
}

// into is UsePreallocDo's output: prealloc, once checked that it can hold
// the result for x.
func into(prealloc G.Value) func(x *tensor.Dense) (*tensor.Dense, error) {
	return func(x *tensor.Dense) (*tensor.Dense, error) {
		y, ok := prealloc.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("gdropout: preallocated value is a %T, not a *tensor.Dense", prealloc)
		}
		if y.Dtype() != x.Dtype() || y.Shape().TotalSize() != x.Shape().TotalSize() || y.IsMaterializable() || y.RequiresIterator() {
			return nil, fmt.Errorf("gdropout: preallocated %v %v (view: %v) for a %v %v operand", y.Dtype(), y.Shape(), y.IsMaterializable(), x.Dtype(), x.Shape())
		}
		return y, nil
	}
}

// Interfaces the tape and Lisp machines look for.
var (
	_ G.Op              = (*Op)(nil)
	_ G.SDOp            = (*Op)(nil)
	_ G.ADOp            = (*Op)(nil)
	_ G.UsePreallocDoer = (*Op)(nil)
	_ G.TrainModeOp     = (*Op)(nil)
	_ G.Op              = (*diffOp)(nil)
	_ G.UsePreallocDoer = (*diffOp)(nil)
)
