package gdropout_test

import (
	"fmt"

	"github.com/dropkernel/dropout/examples/gorgonia/gdropout"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The replacement of gorgonia.Dropout in a graph: each run of the machine
// draws a new mask (the op's stream position advances by 8 elements), and
// the gradient of Sum(y) is 1/(1-p) = 2 exactly where the mask kept x.
func Example() {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 4), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6, 7, 8}))))
	y, err := gdropout.Apply(x, 0.5, 2026) // was: y, err := gorgonia.Dropout(x, 0.5)
	if err != nil {
		panic(err)
	}
	dx, err := G.Grad(G.Must(G.Sum(y)), x)
	if err != nil {
		panic(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	for step := range 3 {
		if err := m.RunAll(); err != nil {
			panic(err)
		}
		fmt.Println(step, y.Value().Data(), dx[0].Value().Data(), y.Op().(*gdropout.Op).Key().Offset)
		m.Reset()
	}
	// Output:
	// 0 [2 4 6 8 0 12 14 16] [2 2 2 2 0 2 2 2] 8
	// 1 [2 4 6 0 10 12 14 16] [2 2 2 0 2 2 2 2] 16
	// 2 [2 0 0 8 0 0 0 16] [2 0 0 2 0 0 0 2] 24
}
