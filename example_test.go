package dropout_test

import (
	"fmt"

	"github.com/dropkernel/dropout"
)

// The book's layer: Forward in training mode, Backward with its mask, and
// inference.
func ExampleLayer() {
	layer, err := dropout.NewLayer[float32](0.5, dropout.Classic, 2026)
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
	d, err := dropout.New[float32](0.25, dropout.Inverted)
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
	d, _ := dropout.New[float32](0.5, dropout.Classic)
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

// Parallel cuts large calls over goroutines; the bits do not depend on the
// worker count.
func ExampleDropout_Parallel() {
	d, _ := dropout.New[float32](0.5, dropout.Inverted)
	x := make([]float32, 1<<21)
	for i := range x {
		x[i] = 1
	}
	y1, y4 := make([]float32, len(x)), make([]float32, len(x))
	key := dropout.Key{Seed: 42}
	d.Forward(y1, x, nil, key)
	d.Parallel(4).Forward(y4, x, nil, key)
	same := true
	for i := range y1 {
		same = same && y1[i] == y4[i]
	}
	fmt.Println(same)
	// Output: true
}

// BiasDropoutAdd is the transformer's residual step, y = residual +
// dropout(x + bias), fused; its backward also sums dbias over the rows.
func ExampleDropout_BiasDropoutAdd() {
	d, _ := dropout.New[float32](0.5, dropout.Classic)
	key := dropout.Key{Seed: 3}
	x := []float32{1, 2, 3, 4, 5, 6} // two rows of three
	bias := []float32{10, 20, 30}
	residual := []float32{100, 100, 100, 100, 100, 100}
	y := make([]float32, len(x))
	mask := make(dropout.Mask, dropout.MaskLen(len(x)))
	d.BiasDropoutAdd(y, x, bias, residual, mask, key)
	fmt.Println(y)

	dx, dbias := make([]float32, len(x)), make([]float32, len(bias))
	d.BiasDropoutAddBackward(dx, dbias, []float32{1, 1, 1, 1, 1, 1}, mask)
	fmt.Println(dx, dbias)
	// Output:
	// [100 100 133 114 125 136]
	// [0 0 1 1 1 1] [1 1 2]
}

// ForwardChannels drops whole channels (Dropout2d): one draw per run of
// size elements.
func ExampleDropout_ForwardChannels() {
	d, _ := dropout.New[float32](0.5, dropout.Classic)
	x := []float32{1, 1, 2, 2, 3, 3, 4, 4} // four channels of two
	y := make([]float32, len(x))
	mask := make(dropout.Mask, dropout.MaskLen(4))
	d.ForwardChannels(y, x, 2, mask, dropout.Key{Seed: 9})
	fmt.Println(y)
	fmt.Printf("%04b\n", mask[0])
	// Output:
	// [0 0 0 0 3 3 4 4]
	// 1100
}

// Masks convert to and from PyTorch's bool / oneDNN's u8 layout.
func ExampleMask_SetBytes() {
	u8 := []uint8{1, 0, 0, 1, 1}
	mask := make(dropout.Mask, dropout.MaskLen(len(u8)))
	mask.SetBytes(u8)
	fmt.Printf("%05b %d\n", mask[0], mask.Count(len(u8)))
	back := make([]uint8, len(u8))
	mask.Bytes(back)
	fmt.Println(back)
	// Output:
	// 11001 3
	// [1 0 0 1 1]
}

// DropoutAdd is PyTorch's dropout_add, y = residual + dropout(x), in one
// pass; its gradient is Backward with the same mask (and dy itself for the
// residual).
func ExampleDropout_DropoutAdd() {
	d, _ := dropout.New[float32](0.5, dropout.Inverted) // kept elements are doubled
	x := []float32{1, 2, 3, 4}
	residual := []float32{10, 10, 10, 10}
	y := make([]float32, len(x))
	mask := make(dropout.Mask, dropout.MaskLen(len(x)))
	d.DropoutAdd(y, x, residual, mask, dropout.Key{Seed: 3})
	fmt.Println(y)
	dx := make([]float32, len(x))
	d.Backward(dx, []float32{1, 1, 1, 1}, mask)
	fmt.Println(dx)
	// Output:
	// [10 10 16 18]
	// [0 0 2 2]
}

// Float32s gives the book's self.mask (0 and 1 floats); SetFloat32s reads
// one back, any nonzero value counting as kept.
func ExampleMask_Float32s() {
	mask := make(dropout.Mask, dropout.MaskLen(5))
	mask.SetFloat32s([]float32{0.5, 0, -2, 0, 1})
	f := make([]float32, 5)
	mask.Float32s(f)
	fmt.Println(f)
	// Output: [1 0 1 0 1]
}

// A training loop that owns its keys: each layer has its own seed, and the
// offset moves past every element used, so no step repeats a mask. Reusing
// a key would draw the same mask again.
func ExampleKey() {
	d, err := dropout.New[float32](0.5, dropout.Inverted)
	if err != nil {
		panic(err)
	}
	const runSeed = 2026
	x := []float32{1, 1, 1, 1, 1, 1, 1, 1}
	y := make([]float32, len(x))
	for step := uint64(0); step < 3; step++ {
		for layer := uint64(0); layer < 2; layer++ {
			key := dropout.Key{Seed: runSeed ^ layer<<32, Offset: step * uint64(len(x))}
			mask := make(dropout.Mask, 1)
			d.Forward(y, x, mask, key)
			fmt.Printf("step %d layer %d: mask %08b\n", step, layer, mask[0])
		}
	}
	// Output:
	// step 0 layer 0: mask 11101111
	// step 0 layer 1: mask 10100010
	// step 1 layer 0: mask 11110111
	// step 1 layer 1: mask 10100111
	// step 2 layer 0: mask 10001001
	// step 2 layer 1: mask 00110101
}

// Reseed starts a new run: the same seed replays the same masks.
func ExampleLayer_Reseed() {
	layer, _ := dropout.NewLayer[float32](0.5, dropout.Classic, 1)
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	y := make([]float32, len(x))
	for run := uint64(1); run <= 2; run++ {
		layer.Reseed(run)
		layer.Forward(y, x, true)
		fmt.Println("run", run, y)
	}
	layer.Reseed(1)
	layer.Forward(y, x, true)
	fmt.Println("run 1 again", y)
	// Output:
	// run 1 [0 2 3 0 0 6 7 0]
	// run 2 [1 0 3 4 5 0 7 8]
	// run 1 again [0 2 3 0 0 6 7 0]
}
