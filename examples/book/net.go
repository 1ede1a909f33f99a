package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dropkernel/dropout"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// net is the book's MultiLayerNetExtend as ch06/overfit_dropout.py builds
// it: Affine → ReLU → (Dropout) for each hidden layer, then Affine and
// SoftmaxWithLoss; He initialisation, no weight decay, no batch
// normalisation. Matrices are row-major gonum Denses, a batch one image a
// row, and every product is a gonum Mul.
type net struct {
	sizes []int        // layer widths: input, hidden..., output
	w     []*mat.Dense // w[i] is sizes[i]×sizes[i+1], as the book's W(i+1)
	b     [][]float64  // b[i] has sizes[i+1] elements
	dw    []*mat.Dense // the gradients of the last gradient call
	db    [][]float64
	drop  []*dropout.Layer[float64] // one per hidden layer, nil without dropout

	tb *trainBufs         // the buffers of gradient, for one batch size
	ib map[int]*inferBufs // the buffers of predict, by number of rows
}

// newNet returns the network with weights w[i] = randn(sizes[i],
// sizes[i+1]) · sqrt(2/sizes[i]) drawn in row-major order from rng (the
// book's scale * np.random.randn(...)) and zero biases. With dropout, the
// k-th hidden layer (k = 0, 1, ...) gets a Classic dropout layer of the
// given ratio seeded with dropSeeds[k].
func newNet(sizes []int, rng *rand.Rand, useDropout bool, ratio float64, dropSeeds []uint64) (*net, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("a network needs at least 2 layer sizes, got %v", sizes)
	}
	n := &net{sizes: sizes, ib: map[int]*inferBufs{}}
	for i := range len(sizes) - 1 {
		in, out := sizes[i], sizes[i+1]
		w := mat.NewDense(in, out, nil)
		scale := math.Sqrt(2 / float64(in))
		data := raw(w)
		for j := range data {
			data[j] = scale * rng.NormFloat64()
		}
		n.w = append(n.w, w)
		n.b = append(n.b, make([]float64, out))
		n.dw = append(n.dw, mat.NewDense(in, out, nil))
		n.db = append(n.db, make([]float64, out))
	}
	if useDropout {
		hidden := len(sizes) - 2
		if len(dropSeeds) != hidden {
			return nil, fmt.Errorf("%d dropout seeds for %d hidden layers", len(dropSeeds), hidden)
		}
		for k := range hidden {
			l, err := dropout.NewLayer[float64](ratio, dropout.Classic, dropSeeds[k])
			if err != nil {
				return nil, err
			}
			n.drop = append(n.drop, l)
		}
	}
	return n, nil
}

// trainBufs holds what a training pass keeps for its backward pass, for
// batches of rows rows: x the batch, a[k] the k-th hidden Affine's output
// (the ReLU mask is a[k] > 0), h[k] the k-th hidden layer's output after
// ReLU and Dropout, out the scores and then the gradient at the scores,
// dh[k] the gradient at h[k].
type trainBufs struct {
	rows  int
	x     *mat.Dense
	t     []int
	a, h  []*mat.Dense
	out   *mat.Dense
	dh    []*mat.Dense
	probs []float64 // one row of softmax, for loss
}

func (n *net) trainBufs(rows int) *trainBufs {
	if n.tb != nil && n.tb.rows == rows {
		return n.tb
	}
	last := len(n.sizes) - 1
	tb := &trainBufs{
		rows:  rows,
		x:     mat.NewDense(rows, n.sizes[0], nil),
		t:     make([]int, rows),
		out:   mat.NewDense(rows, n.sizes[last], nil),
		probs: make([]float64, n.sizes[last]),
	}
	for k := 1; k < last; k++ {
		tb.a = append(tb.a, mat.NewDense(rows, n.sizes[k], nil))
		tb.h = append(tb.h, mat.NewDense(rows, n.sizes[k], nil))
		tb.dh = append(tb.dh, mat.NewDense(rows, n.sizes[k], nil))
	}
	n.tb = tb
	return tb
}

// gradient is the book's MultiLayerNetExtend.gradient: a training forward
// pass over tb.x (dropout layers draw a new mask), then the backward pass
// filling n.dw and n.db. It returns the batch's loss of the training pass.
// Unlike the book it does not compute the gradient with respect to the
// input images, which nothing uses.
func (n *net) gradient(tb *trainBufs) float64 {
	hidden := len(n.sizes) - 2
	in := tb.x
	for k := range hidden {
		a, h := tb.a[k], tb.h[k]
		a.Mul(in, n.w[k])
		addBias(a, n.b[k])
		relu(raw(h), raw(a))
		if n.drop != nil {
			hd := raw(h)
			n.drop[k].Forward(hd, hd, true)
		}
		in = h
	}
	tb.out.Mul(in, n.w[hidden])
	addBias(tb.out, n.b[hidden])
	loss := softmaxGrad(tb.out, tb.t, tb.probs)

	dout := tb.out
	for i := hidden; i >= 0; i-- {
		in := tb.x
		if i > 0 {
			in = tb.h[i-1]
		}
		n.dw[i].Mul(in.T(), dout) // Affine: dW = xᵀ·dout
		colSum(n.db[i], dout)     // db = sum(dout, axis=0)
		if i == 0 {
			break
		}
		dh := tb.dh[i-1]
		dh.Mul(dout, n.w[i].T()) // dx = dout·Wᵀ
		if n.drop != nil {
			d := raw(dh)
			n.drop[i-1].Backward(d, d) // dout * mask
		}
		reluBackward(raw(dh), raw(tb.a[i-1])) // dout[x <= 0] = 0
		dout = dh
	}
	return loss
}

// sgd is the book's SGD.update: params -= lr * grads.
func (n *net) sgd(lr float64) {
	for i := range n.w {
		floats.AddScaled(raw(n.w[i]), -lr, raw(n.dw[i]))
		floats.AddScaled(n.b[i], -lr, n.db[i])
	}
}

// inferBufs holds two rows×(widest hidden layer) buffers that the hidden
// layers of predict alternate between, and the scores.
type inferBufs struct {
	h   [][]*mat.Dense // h[k][0] and h[k][1]: the k-th hidden layer's views of the two buffers
	out *mat.Dense
}

func (n *net) inferBufs(rows int) *inferBufs {
	if ib := n.ib[rows]; ib != nil {
		return ib
	}
	last := len(n.sizes) - 1
	widest := 0
	for _, s := range n.sizes[1:last] {
		widest = max(widest, s)
	}
	buf := [2][]float64{make([]float64, rows*widest), make([]float64, rows*widest)}
	ib := &inferBufs{out: mat.NewDense(rows, n.sizes[last], nil)}
	for k := 1; k < last; k++ {
		m := rows * n.sizes[k]
		ib.h = append(ib.h, []*mat.Dense{
			mat.NewDense(rows, n.sizes[k], buf[0][:m]),
			mat.NewDense(rows, n.sizes[k], buf[1][:m]),
		})
	}
	n.ib[rows] = ib
	return ib
}

// predict is the book's predict(x, train_flg=False): the scores (before
// softmax) of every row of x, with the dropout layers in inference mode
// (y = x·(1-ratio)). The result is overwritten by the next predict with
// as many rows.
func (n *net) predict(x *mat.Dense) *mat.Dense {
	rows, _ := x.Dims()
	ib := n.inferBufs(rows)
	hidden := len(n.sizes) - 2
	in := x
	for k := range hidden {
		h := ib.h[k][k%2]
		h.Mul(in, n.w[k])
		addBias(h, n.b[k])
		hd := raw(h)
		relu(hd, hd)
		if n.drop != nil {
			n.drop[k].Forward(hd, hd, false)
		}
		in = h
	}
	ib.out.Mul(in, n.w[hidden])
	addBias(ib.out, n.b[hidden])
	return ib.out
}

// loss is the book's loss(x, t) (train_flg=False): softmax cross-entropy
// of the inference scores, averaged over the rows.
func (n *net) loss(x *mat.Dense, t []int) float64 {
	y := n.predict(x)
	_, c := y.Dims()
	data, probs := raw(y), make([]float64, c)
	sum := 0.0
	for i, label := range t {
		softmax(probs, data[i*c:(i+1)*c])
		sum -= math.Log(probs[label] + 1e-7)
	}
	return sum / float64(len(t))
}

// accuracy is the book's accuracy: the share of rows whose highest score
// (the first, on a tie, as np.argmax) is the label.
func (n *net) accuracy(s *set) float64 {
	y := n.predict(s.x)
	_, c := y.Dims()
	data := raw(y)
	right := 0
	for i, label := range s.t {
		if floats.MaxIdx(data[i*c:(i+1)*c]) == label {
			right++
		}
	}
	return float64(right) / float64(len(s.t))
}

// softmaxGrad replaces the scores by the gradient of SoftmaxWithLoss,
// (softmax(scores) - onehot(t)) / rows, and returns the loss,
// -Σ log(softmax[t] + 1e-7) / rows, as the book's cross_entropy_error.
func softmaxGrad(scores *mat.Dense, t []int, probs []float64) float64 {
	rows, c := scores.Dims()
	data := raw(scores)
	loss := 0.0
	for i, label := range t {
		row := data[i*c : (i+1)*c]
		softmax(probs, row)
		loss -= math.Log(probs[label] + 1e-7)
		copy(row, probs)
		row[label]--
		for j := range row {
			row[j] /= float64(rows)
		}
	}
	return loss / float64(rows)
}

// softmax writes the softmax of x to y, shifted by max(x) as the book does.
func softmax(y, x []float64) {
	m := floats.Max(x)
	sum := 0.0
	for j, v := range x {
		e := math.Exp(v - m)
		y[j] = e
		sum += e
	}
	for j := range y {
		y[j] /= sum
	}
}

// addBias adds b to every row of m.
func addBias(m *mat.Dense, b []float64) {
	rows, c := m.Dims()
	data := raw(m)
	for i := range rows {
		floats.Add(data[i*c:(i+1)*c], b)
	}
}

// colSum writes the column sums of m to dst.
func colSum(dst []float64, m *mat.Dense) {
	rows, c := m.Dims()
	data := raw(m)
	clear(dst)
	for i := range rows {
		floats.Add(dst, data[i*c:(i+1)*c])
	}
}

// relu writes x to y with the elements x <= 0 zeroed (the book's
// out[x <= 0] = 0); x and y may be the same slice.
func relu(y, x []float64) {
	for i, v := range x {
		if v <= 0 {
			y[i] = 0
		} else {
			y[i] = v
		}
	}
}

// reluBackward zeroes d where the ReLU's input a was <= 0.
func reluBackward(d, a []float64) {
	for i, v := range a {
		if v <= 0 {
			d[i] = 0
		}
	}
}

// raw returns the backing slice of m, which must be contiguous (the
// matrices here are made by mat.NewDense, whose stride is its width).
func raw(m *mat.Dense) []float64 {
	r := m.RawMatrix()
	if r.Stride != r.Cols {
		panic(fmt.Sprintf("matrix %d×%d has stride %d: not contiguous", r.Rows, r.Cols, r.Stride))
	}
	return r.Data[:r.Rows*r.Cols]
}
