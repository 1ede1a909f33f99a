package gdropout

import (
	"fmt"

	"github.com/dropkernel/dropout"
	"gorgonia.org/tensor"
)

// kernel runs the dropout package on the backing slices of contiguous dense
// tensors of one dtype. Every caller reaches it through kernelFor.
type kernel interface {
	forward(y, x *tensor.Dense, key dropout.Key)    // y = x * mask * s, mask from key
	backward(dx, dy *tensor.Dense, key dropout.Key) // dx = dy * mask * s, the same mask
	infer(y, x *tensor.Dense)                       // y = x (Inverted)
}

// kernelFor is the one place where a gorgonia dtype picks a kernel. Both
// draw the same keep bits for the same key: a graph switched from Float32 to
// Float64 keeps its masks.
func (op *Op) kernelFor(dt tensor.Dtype) (kernel, error) {
	switch dt {
	case tensor.Float32:
		return typed[float32]{op.d32}, nil
	case tensor.Float64:
		return typed[float64]{op.d64}, nil
	default:
		return nil, fmt.Errorf("gdropout: dtype %v: dropout needs a Float32 or Float64 graph", dt)
	}
}

// typed is the kernel of element type T. The operands are contiguous, not
// views, and have the same number of elements (checked by the op); their
// backing slices are []T (the dtype picked the kernel).
type typed[T dropout.Float] struct{ d dropout.Dropout[T] }

func data[T dropout.Float](t *tensor.Dense) []T { return t.Data().([]T) }

func (k typed[T]) forward(y, x *tensor.Dense, key dropout.Key) {
	k.d.Forward(data[T](y), data[T](x), nil, key)
}

func (k typed[T]) backward(dx, dy *tensor.Dense, key dropout.Key) {
	k.d.BackwardKey(data[T](dx), data[T](dy), key)
}

func (k typed[T]) infer(y, x *tensor.Dense) {
	k.d.Infer(data[T](y), data[T](x))
}
