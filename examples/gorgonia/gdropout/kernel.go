package gdropout

import (
	"errors"
	"fmt"

	"github.com/dropkernel/dropout"
	"gorgonia.org/tensor"
)

// ErrFloat64 is returned (wrapped) for a Float64 graph: the dropout package
// is float32-only today. Float64 arrives with dropout.Dropout[T]; the op then
// needs one more case in kernelFor and nothing else.
var ErrFloat64 = errors.New("gdropout: Float64 graphs are not supported yet (the dropout package is float32-only); build the graph in Float32")

// kernel runs the dropout package on the backing slices of contiguous dense
// tensors of one dtype. Every caller reaches it through kernelFor.
type kernel interface {
	forward(y, x *tensor.Dense, key dropout.Key)    // y = x * mask * s, mask from key
	backward(dx, dy *tensor.Dense, key dropout.Key) // dx = dy * mask * s, the same mask
	infer(y, x *tensor.Dense)                       // y = x (Inverted)
}

// kernelFor is the one place where a gorgonia dtype picks a kernel.
//
// For float64, once the package has Dropout[T]: make f32 the generic
// typed[T float32 | float64] struct{ d dropout.Dropout[T] } (its methods
// take the slices as Data().([]T): the operands are never scalars), keep a Dropout[float64] next to
// the float32 one in Op, and replace the Float64 case's error with
// typed[float64]{op.d64}.
func (op *Op) kernelFor(dt tensor.Dtype) (kernel, error) {
	switch dt {
	case tensor.Float32:
		return f32{op.d}, nil
	case tensor.Float64:
		return nil, ErrFloat64
	default:
		return nil, fmt.Errorf("gdropout: dtype %v: dropout needs a Float32 graph", dt)
	}
}

// f32 is the float32 kernel. The operands are contiguous, not views, and
// have the same number of elements (checked by the op).
type f32 struct{ d dropout.Dropout[float32] }

func (k f32) forward(y, x *tensor.Dense, key dropout.Key) {
	k.d.Forward(y.Float32s(), x.Float32s(), nil, key)
}

func (k f32) backward(dx, dy *tensor.Dense, key dropout.Key) {
	k.d.BackwardKey(dx.Float32s(), dy.Float32s(), key)
}

func (k f32) infer(y, x *tensor.Dense) {
	k.d.Infer(y.Float32s(), x.Float32s())
}
