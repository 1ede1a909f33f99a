package dropout_test

import (
	"fmt"

	"github.com/dropkernel/dropout"
)

// The book's layer: Forward in training mode, Backward with its mask, and
// inference.
func ExampleLayer() {
	layer, err := dropout.NewLayer(0.5, dropout.Classic, 2026)
	if err != nil {
		panic(err)
	}
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	y := make([]float32, len(x))
	layer.Forward(y, x, true) // training: y = x * mask
	fmt.Println("train:", y)

	dx := make([]float32, len(x))
	layer.Backward(dx, []float32{1, 1, 1, 1, 1, 1, 1, 1}) // dx = dout * mask
	fmt.Println("grad: ", dx)

	layer.Forward(y, x, false) // inference: y = x * (1 - p)
	fmt.Println("infer:", y)
	// Output:
	// train: [1 2 3 4 0 6 7 8]
	// grad:  [1 1 1 1 0 1 1 1]
	// infer: [0.5 1 1.5 2 2.5 3 3.5 4]
}

// The kernels with PyTorch's convention: a stored mask for Backward, or the
// key again for BackwardKey, which needs no mask memory.
func ExampleDropout_Forward() {
	d, err := dropout.New(0.25, dropout.Inverted)
	if err != nil {
		panic(err)
	}
	key := dropout.Key{Seed: 7, Offset: 0}
	x := []float32{1, 1, 1, 1, 1, 1, 1, 1}
	y := make([]float32, len(x))
	mask := make(dropout.Mask, dropout.MaskLen(len(x)))
	d.Forward(y, x, mask, key) // kept elements scaled by 1/(1-p)
	fmt.Println(y)
	fmt.Printf("mask %08b, %d kept\n", mask[0], mask.Count(len(x)))

	dx := make([]float32, len(x))
	d.BackwardKey(dx, []float32{2, 2, 2, 2, 2, 2, 2, 2}, key)
	fmt.Println(dx)
	// Output:
	// [1.3333334 1.3333334 1.3333334 1.3333334 0 1.3333334 0 0]
	// mask 00101111, 5 kept
	// [2.6666667 2.6666667 2.6666667 2.6666667 0 2.6666667 0 0]
}

// Draws gives the raw 24-bit variates: element i is kept iff u[i] >= T.
func ExampleDraws() {
	u := make([]uint32, 4)
	dropout.Draws(u, dropout.Key{Seed: 1})
	d, _ := dropout.New(0.5, dropout.Classic)
	for _, v := range u {
		fmt.Println(v, v >= d.Threshold())
	}
	// Output:
	// 4003844 false
	// 13579478 true
	// 8406440 true
	// 242757 false
}

// A mask expands to the layouts other libraries use.
func ExampleMask_Bools() {
	mask := dropout.Mask{0b1011}
	keep := make([]bool, 4)
	mask.Bools(keep)
	fmt.Println(keep, mask.Count(4))
	// Output: [true true false true] 3
}
