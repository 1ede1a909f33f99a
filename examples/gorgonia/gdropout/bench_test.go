package gdropout

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/dropkernel/dropout"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkTrainStep times one forward+backward execution of the graph
// x -> dropout -> cost = Sum(y), with dcost/dx from gorgonia.Grad, on a tape
// machine (RunAll + Reset per iteration), p = 0.5, for:
//
//   - none: the same graph without the dropout (x -> Sum, with its gradient):
//     what gorgonia spends around the op;
//   - gorgonia: gorgonia.Dropout(x, p);
//   - gdropout: Apply(x, p, seed);
//   - kernels: no graph, the package's calls that gdropout makes,
//     Forward(y, x, nil, key) and BackwardKey(dx, dy, key), on slices
//     allocated once: the floor under the gdropout row.
//
// ns/elem is the time per element of x. A garbage collection runs before
// each sub-benchmark, so that none pays for another's garbage.
func BenchmarkTrainStep(b *testing.B) {
	b.Logf("dropout.Kernel() = %s", dropout.Kernel())
	for _, n := range []int{4096, 262144, 1 << 20} {
		for _, v := range []struct {
			name string
			drop dropFunc
		}{
			{"none", nil},
			{"gorgonia", func(x *G.Node) (*G.Node, error) { return G.Dropout(x, 0.5) }},
			{"gdropout", func(x *G.Node) (*G.Node, error) { return Apply(x, 0.5, 1) }},
			{"kernels", nil},
		} {
			b.Run(fmt.Sprintf("n=%d/%s", n, v.name), func(b *testing.B) {
				if v.name == "kernels" {
					benchKernels(b, n)
					return
				}
				g := G.NewGraph()
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(i%13) - 6
				}
				xn := G.NewVector(g, tensor.Float32, G.WithShape(n), G.WithName("x"),
					G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(x))))
				y := xn
				if v.drop != nil {
					var err error
					if y, err = v.drop(xn); err != nil {
						b.Fatal(err)
					}
				}
				cost := G.Must(G.Sum(y))
				if _, err := G.Grad(cost, xn); err != nil {
					b.Fatal(err)
				}
				m := G.NewTapeMachine(g)
				defer m.Close()
				b.SetBytes(int64(4 * n))
				runtime.GC() // not the garbage of the previous sub-benchmark
				b.ResetTimer()
				for b.Loop() {
					if err := m.RunAll(); err != nil {
						b.Fatal(err)
					}
					m.Reset()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
	}
}

func benchKernels(b *testing.B, n int) {
	d, err := dropout.New[float32](0.5, dropout.Inverted)
	if err != nil {
		b.Fatal(err)
	}
	x, y, dy, dx := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i%13) - 6
		dy[i] = 1
	}
	key := dropout.Key{Seed: 1}
	b.SetBytes(int64(4 * n))
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		d.Forward(y, x, nil, key)
		d.BackwardKey(dx, dy, key)
		key.Offset += uint64(n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}
