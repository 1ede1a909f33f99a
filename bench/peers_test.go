package main

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/nlpodyssey/spago/ag"
	"github.com/nlpodyssey/spago/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Evidence for bench/README.md: what gorgonia v0.9.18's Dropout and its
// gradient compute, and what spago v1.1.0's ag.Dropout computes, checked on
// their outputs. The drop probability is p = 0.25 so that 1/p = 4 and
// 1/(1-p) = 4/3 cannot be confused. A correct (inverted) dropout gives
// y_i = x_i*m_i/(1-p) and dx_i = dy_i*m_i/(1-p) with the same keep bits m_i.

const evidenceP = 0.25

// gorgoniaRun builds x -> Dropout(x, p) -> Sum(y * w), with dCost/dx, runs
// it once on a TapeMachine and returns y and dx. The gradient reaching the
// dropout is dy = w (all ones when w is nil).
func gorgoniaRun(t *testing.T, x []float32, p float64, w []float32) (y, dx []float32) {
	t.Helper()
	g := G.NewGraph()
	xn := G.NewVector(g, tensor.Float32, G.WithShape(len(x)), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(len(x)), tensor.WithBacking(x))))
	yn, err := G.Dropout(xn, p)
	if err != nil {
		t.Fatal(err)
	}
	if w == nil {
		w = make([]float32, len(x))
		for i := range w {
			w[i] = 1
		}
	}
	wn := G.NewVector(g, tensor.Float32, G.WithShape(len(x)), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(len(x)), tensor.WithBacking(w))))
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(yn, wn))))
	grads, err := G.Grad(cost, xn)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), yn.Value().Data().([]float32)...),
		append([]float32(nil), grads[0].Value().Data().([]float32)...)
}

// TestGorgoniaDropoutScalesForwardBy1OverKeep: the forward pass keeps an
// element with probability 1-p and scales it by 1/(1-p), as it should.
func TestGorgoniaDropoutScalesForwardBy1OverKeep(t *testing.T) {
	const n = 100000
	x := make([]float32, n)
	for i := range x {
		x[i] = 1 + float32(i%7)
	}
	y, _ := gorgoniaRun(t, x, evidenceP, nil)
	kept := 0
	for i := range y {
		switch {
		case y[i] == 0:
		case approx(y[i], x[i]/(1-evidenceP)):
			kept++
		default:
			t.Fatalf("y[%d] = %v for x = %v: neither 0 nor x/(1-p) = %v", i, y[i], x[i], x[i]/(1-evidenceP))
		}
	}
	frac := float64(kept) / n
	t.Logf("gorgonia forward, p = %v: kept %.4f of the elements, each as x/(1-p) (x/p would be %v)", evidenceP, frac, 1/evidenceP)
	if math.Abs(frac-(1-evidenceP)) > 0.01 {
		t.Errorf("kept fraction %.4f, want about 1-p = %v", frac, 1-evidenceP)
	}
}

// TestGorgoniaDropoutGradientDividesByP: the gradient of a kept element is
// dy/p (4 here), not dy/(1-p) (4/3): the forward and backward passes
// disagree.
func TestGorgoniaDropoutGradientDividesByP(t *testing.T) {
	const n = 1000
	x := make([]float32, n)
	dy := make([]float32, n)
	for i := range x {
		x[i] = 1
		dy[i] = float32(1 + i%3)
	}
	y, dx := gorgoniaRun(t, x, evidenceP, dy)
	for i := range y {
		want := float32(0)
		if y[i] != 0 {
			want = dy[i] / evidenceP
		}
		if !approx(dx[i], want) {
			t.Fatalf("i = %d: y = %v, dy = %v, dx = %v; expected gorgonia's dy/p = %v for kept elements", i, y[i], dy[i], dx[i], want)
		}
	}
	t.Logf("gorgonia, p = %v, x = 1: y[:6] = %v (x/(1-p) = %.4f); dy[:6] = %v, dx[:6] = %v = dy/p where kept; the correct dy/(1-p) would be %v",
		evidenceP, y[:6], 1/(1-evidenceP), dy[:6], dx[:6], scaled(dy[:6], y[:6], 1/(1-evidenceP)))
}

// TestGorgoniaDropoutGradientInfersMaskFromOutput: the gradient takes the
// mask from y != 0, so an element whose input is 0 gets gradient 0 even
// when it was kept: with x = 0 everywhere the gradient is all zero, where
// the correct one has about (1-p)*n entries 1/(1-p).
func TestGorgoniaDropoutGradientInfersMaskFromOutput(t *testing.T) {
	const n = 1000
	x := make([]float32, n) // all zero
	for i := 0; i < n; i += 2 {
		x[i] = 1 // even elements 1, odd elements 0
	}
	_, dx := gorgoniaRun(t, x, evidenceP, nil)
	var nzEven, nzOdd int
	for i := range dx {
		if dx[i] != 0 {
			if i%2 == 0 {
				nzEven++
			} else {
				nzOdd++
			}
		}
	}
	t.Logf("gorgonia, p = %v, x = 1 at even i and 0 at odd i, dy = 1: nonzero gradients: %d of %d even, %d of %d odd (a correct dropout: about %d of each)",
		evidenceP, nzEven, n/2, nzOdd, n/2, int((1-evidenceP)*n/2))
	if nzOdd != 0 {
		t.Errorf("%d odd (x = 0) elements got a gradient; expected none from gorgonia's y != 0 test", nzOdd)
	}
	if nzEven < n/2/2 {
		t.Errorf("only %d even elements got a gradient", nzEven)
	}
}

// TestGorgoniaDropoutUsePreallocDo: the op's UsePreallocDo (what gorgonia's
// execution code calls when it hands an op a preallocated output) passes the
// method value inputTensor.Data instead of the slice inputTensor.Data() to
// its loop, which then panics with "unknown dtype".
func TestGorgoniaDropoutUsePreallocDo(t *testing.T) {
	g := G.NewGraph()
	const n = 8
	xv := tensor.New(tensor.WithShape(n), tensor.WithBacking(make([]float32, n)))
	xn := G.NewVector(g, tensor.Float32, G.WithShape(n), G.WithValue(xv))
	yn, err := G.Dropout(xn, evidenceP)
	if err != nil {
		t.Fatal(err)
	}
	pd, ok := yn.Op().(G.UsePreallocDoer)
	if !ok {
		t.Fatalf("%v is not a UsePreallocDoer", yn.Op())
	}
	prealloc := tensor.New(tensor.WithShape(n), tensor.Of(tensor.Float32))
	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		pd.UsePreallocDo(prealloc, xv)
		return ""
	}()
	t.Logf("gorgonia dropoutOp.UsePreallocDo(prealloc, x): panic %q", msg)
	if !strings.Contains(msg, "unknown dtype") {
		t.Errorf("UsePreallocDo: panic %q, expected gorgonia's \"unknown dtype\" panic", msg)
	}
}

// TestSpagoDropout: spago scales kept elements by 1/(1-p) and its gradient
// multiplies dy by the stored mask (times 1/(1-p)), so a kept element with
// input 0 still gets its gradient: spago is correct on both points.
func TestSpagoDropout(t *testing.T) {
	const n = 100000
	xs := make([]float32, n)
	dys := make([]float32, n)
	for i := range xs {
		if i%2 == 0 {
			xs[i] = 1 + float32(i%5)
		}
		dys[i] = float32(1 + i%3)
	}
	x := mat.NewDense[float32](mat.WithBacking(xs), mat.WithShape(n, 1), mat.WithGrad(true))
	dy := mat.NewDense[float32](mat.WithBacking(dys), mat.WithShape(n, 1))
	y := ag.Dropout(x, evidenceP)
	y.AccGrad(dy)
	if err := ag.Backward(y); err != nil {
		t.Fatal(err)
	}
	yv := mat.Data[float32](y.Value())
	dx := mat.Data[float32](x.Grad())
	s := float32(1 / (1 - evidenceP))
	keptEven, keptOdd := 0, 0
	for i := range xs {
		kept := dx[i] != 0
		if kept && !approx(dx[i], dys[i]*s) {
			t.Fatalf("dx[%d] = %v, want 0 or dy/(1-p) = %v", i, dx[i], dys[i]*s)
		}
		if kept && !approx(yv[i], xs[i]*s) || !kept && yv[i] != 0 {
			t.Fatalf("i = %d: y = %v with x = %v and dx = %v: forward and backward masks differ", i, yv[i], xs[i], dx[i])
		}
		if kept {
			if i%2 == 0 {
				keptEven++
			} else {
				keptOdd++
			}
		}
	}
	t.Logf("spago, p = %v: kept %d of %d elements with x != 0 and %d of %d with x = 0 (gradient dy/(1-p) for all of them)", evidenceP, keptEven, n/2, keptOdd, n/2)
	for _, k := range []int{keptEven, keptOdd} {
		if math.Abs(float64(k)/(n/2)-(1-evidenceP)) > 0.015 {
			t.Errorf("kept fraction %v, want about 1-p", float64(k)/(n/2))
		}
	}
}

// scaled returns v[i]*s where y[i] != 0 and 0 elsewhere.
func scaled(v, y []float32, s float32) []float32 {
	out := make([]float32, len(v))
	for i := range v {
		if y[i] != 0 {
			out[i] = v[i] * s
		}
	}
	return out
}

func approx(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-6*math.Abs(float64(b)) }
