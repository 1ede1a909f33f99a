package gdropout

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// mlp is a regression MLP on synthetic data, the way a gorgonia user writes
// one: X (batch×in) → ·W1 + b1 → ReLU → gdropout.Apply → ·W2 + b2 → pred,
// cost = mean((pred - target)²), a tape machine and a gorgonia solver.
type mlp struct {
	g         *G.ExprGraph
	cost      *G.Node
	learnable G.Nodes
	drop      *Op
	vm        G.VM
	solver    G.Solver
}

const (
	mlpBatch  = 256
	mlpIn     = 8
	mlpHidden = 64
)

// mlpData is a fixed synthetic regression problem: inputs uniform in
// [-1, 1), target = sin(x·a) + 0.5·(x·b)² with fixed a, b.
func mlpData() (x, target []float32) {
	r := rand.New(rand.NewPCG(1, 2))
	a := make([]float64, mlpIn)
	b := make([]float64, mlpIn)
	for j := range a {
		a[j] = r.Float64()*2 - 1
		b[j] = r.Float64()*2 - 1
	}
	x = make([]float32, mlpBatch*mlpIn)
	target = make([]float32, mlpBatch)
	for i := range mlpBatch {
		var sa, sb float64
		for j := range mlpIn {
			v := r.Float64()*2 - 1
			x[i*mlpIn+j] = float32(v)
			sa += v * a[j]
			sb += v * b[j]
		}
		target[i] = float32(math.Sin(sa) + 0.5*sb*sb)
	}
	return x, target
}

// heInit returns rows×cols weights drawn as N(0, 2/rows) from a fixed seed.
func heInit(r *rand.Rand, rows, cols int) []float32 {
	w := make([]float32, rows*cols)
	s := math.Sqrt(2 / float64(rows))
	for i := range w {
		w[i] = float32(r.NormFloat64() * s)
	}
	return w
}

func newMLP(t testing.TB, p float64, dropSeed uint64) *mlp {
	t.Helper()
	xs, ts := mlpData()
	r := rand.New(rand.NewPCG(3, 4)) // the same initial weights for every dropout seed
	g := G.NewGraph()
	mat := func(name string, rows, cols int, v []float32) *G.Node {
		return G.NewMatrix(g, tensor.Float32, G.WithShape(rows, cols), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(v))))
	}
	x := mat("x", mlpBatch, mlpIn, xs)
	target := mat("target", mlpBatch, 1, ts)
	w1 := mat("w1", mlpIn, mlpHidden, heInit(r, mlpIn, mlpHidden))
	b1 := G.NewVector(g, tensor.Float32, G.WithShape(mlpHidden), G.WithName("b1"),
		G.WithValue(tensor.New(tensor.WithShape(mlpHidden), tensor.Of(tensor.Float32))))
	w2 := mat("w2", mlpHidden, 1, heInit(r, mlpHidden, 1))
	b2 := G.NewVector(g, tensor.Float32, G.WithShape(1), G.WithName("b2"),
		G.WithValue(tensor.New(tensor.WithShape(1), tensor.Of(tensor.Float32))))

	h := G.Must(G.BroadcastAdd(G.Must(G.Mul(x, w1)), b1, nil, []byte{0}))
	h = G.Must(G.Rectify(h))
	h, err := Apply(h, p, dropSeed) // was: h, err = gorgonia.Dropout(h, p)
	if err != nil {
		t.Fatal(err)
	}
	drop := h.Op().(*Op)
	pred := G.Must(G.BroadcastAdd(G.Must(G.Mul(h, w2)), b2, nil, []byte{0}))
	cost := G.Must(G.Mean(G.Must(G.Square(G.Must(G.Sub(pred, target))))))
	learnable := G.Nodes{w1, b1, w2, b2}
	if _, err := G.Grad(cost, learnable...); err != nil {
		t.Fatal(err)
	}
	return &mlp{
		g: g, cost: cost, learnable: learnable, drop: drop,
		vm:     G.NewTapeMachine(g, G.BindDualValues(learnable...)),
		solver: G.NewAdamSolver(G.WithLearnRate(0.01)),
	}
}

// step runs one training step and returns its (dropout-active) cost.
func (m *mlp) step(t testing.TB) float32 {
	if err := m.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	c := m.cost.Value().Data().(float32)
	if err := m.solver.Step(G.NodesToValueGrads(m.learnable)); err != nil {
		t.Fatal(err)
	}
	m.vm.Reset()
	return c
}

// evalCost is the cost with dropout off (inference), parameters unchanged.
func (m *mlp) evalCost(t testing.TB) float32 {
	m.drop.SetTraining(false)
	defer m.drop.SetTraining(true)
	if err := m.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	defer m.vm.Reset()
	return m.cost.Value().Data().(float32)
}

func train(t testing.TB, p float64, seed uint64, steps int) (costs []float32, eval0, eval1 float32, weights []float32) {
	m := newMLP(t, p, seed)
	defer m.vm.Close()
	eval0 = m.evalCost(t)
	for range steps {
		costs = append(costs, m.step(t))
	}
	eval1 = m.evalCost(t)
	for _, n := range m.learnable {
		weights = append(weights, f32s(n.Value())...)
	}
	if k := m.drop.Key(); k.Offset != uint64(steps*mlpBatch*mlpHidden) {
		t.Errorf("after %d steps the dropout's offset is %d, want steps·batch·hidden = %d", steps, k.Offset, steps*mlpBatch*mlpHidden)
	}
	return costs, eval0, eval1, weights
}

// TestMLPTrains: a small MLP with gdropout between its layers learns the
// synthetic problem (the inference cost falls to a small fraction of its
// start, the training cost falls too), and training is deterministic given
// the dropout seed: the same seed gives the same costs and weights, bit for
// bit; another seed gives other masks, so other costs.
func TestMLPTrains(t *testing.T) {
	const (
		p     = 0.2
		seed  = 2026
		steps = 300
	)
	costs, e0, e1, w := train(t, p, seed, steps)
	mean := func(c []float32) float64 {
		s := 0.0
		for _, v := range c {
			s += float64(v)
		}
		return s / float64(len(c))
	}
	first, last := mean(costs[:10]), mean(costs[len(costs)-20:])
	t.Logf("p = %v, %d Adam steps on %d samples: training cost (dropout on) %.4f over the first 10 steps, %.4f over the last 20; inference cost %.4f -> %.4f",
		p, steps, mlpBatch, first, last, e0, e1)
	if !(last < 0.4*first) {
		t.Errorf("training cost went from %.4f to %.4f: not learning", first, last)
	}
	if !(e1 < 0.2*e0) {
		t.Errorf("inference cost went from %.4f to %.4f: not learning", e0, e1)
	}

	costs2, _, e12, w2 := train(t, p, seed, steps)
	sameBits(t, "costs of a second run with the same seed", costs2, costs)
	sameBits(t, "weights of a second run with the same seed", w2, w)
	if math.Float32bits(e12) != math.Float32bits(e1) {
		t.Errorf("inference cost %v, then %v with the same seed", e1, e12)
	}

	costs3, _, _, _ := train(t, p, seed+1, steps)
	if math.Float32bits(costs3[0]) == math.Float32bits(costs[0]) {
		t.Errorf("seeds %d and %d gave the same first cost %v: the masks did not change", seed, seed+1, costs[0])
	}
}
