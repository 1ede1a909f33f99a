package gdropout

import (
	"math"
	"testing"

	"github.com/dropkernel/dropout"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgonia v0.9.18's own Dropout beside gdropout, on the same graph
// x -> dropout -> cost = Sum(y ⊙ dy). p = 0.25, so that the correct factor
// 1/(1-p) = 4/3 and gorgonia's 1/p = 4 cannot be confused. (The evidence
// gathered first is in bench/peers_test.go; this is the same finding, with
// the fix next to it.)

const (
	peerP    = 0.25
	peerSeed = 3
)

type dropFunc func(x *G.Node) (*G.Node, error)

func gorgoniaDropout(x *G.Node) (*G.Node, error) { return G.Dropout(x, peerP) }
func ourDropout(x *G.Node) (*G.Node, error)      { return Apply(x, peerP, peerSeed) }

// runPeer runs the graph of buildNet (dy as the weights) once on a tape
// machine and returns y and dx.
func runPeer(t *testing.T, drop dropFunc, x, dy []float32) (y, dx []float32, yNode *G.Node) {
	t.Helper()
	nt := buildNet(t, x, dy, tensor.Shape{len(x)}, drop)
	m := G.NewTapeMachine(nt.g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return f32s(nt.y.Value()), f32s(nt.dx.Value()), nt.y
}

// TestGorgoniaGradientBesideOurs: the same input (x = 1 at even i, 0 at odd
// i) and upstream gradient dy through both ops. gorgonia: a kept element's
// gradient is dy/p = 4·dy although its output is x/(1-p), and an element
// with x = 0 never gets a gradient (the mask is read back from y != 0).
// gdropout: dx = dy·float32(1/(1-p)) for exactly the kept elements, x = 0
// or not, as dropout.Forward's mask says.
func TestGorgoniaGradientBesideOurs(t *testing.T) {
	const n = 2000
	x, dy := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(1 - i%2) // 1 at even i, 0 at odd i
		dy[i] = float32(1 + i%3)
	}
	s := float32(1 / (1 - peerP))

	// gorgonia.
	gy, gdx, _ := runPeer(t, gorgoniaDropout, x, dy)
	gKeptOdd := 0
	for i := range x {
		keptByY := gy[i] != 0
		want := float32(0)
		if keptByY {
			want = dy[i] / peerP // gorgonia's dy/p
		}
		if gdx[i] != want {
			t.Fatalf("gorgonia, i = %d: y = %v, dy = %v, dx = %v; expected its dy/p = %v where y != 0", i, gy[i], dy[i], gdx[i], want)
		}
		if i%2 == 1 && gdx[i] != 0 {
			gKeptOdd++
		}
		if i%2 == 0 && keptByY && gy[i] != x[i]*s {
			t.Fatalf("gorgonia, i = %d: y = %v, want x/(1-p) = %v", i, gy[i], x[i]*s)
		}
	}
	if gKeptOdd != 0 {
		t.Errorf("gorgonia gave %d elements with x = 0 a gradient; expected none", gKeptOdd)
	}

	// gdropout.
	oy, odx, yNode := runPeer(t, ourDropout, x, dy)
	key, _ := yNode.Op().(*Op).LastKey()
	d, _ := dropout.New[float32](peerP, dropout.Inverted)
	mask := make(dropout.Mask, dropout.MaskLen(n))
	wantY := make([]float32, n)
	d.Forward(wantY, x, mask, key)
	sameBits(t, "gdropout y", oy, wantY)
	kept := make([]bool, n)
	mask.Bools(kept)
	oKeptOdd := 0
	for i := range x {
		want := float32(0)
		if kept[i] {
			want = dy[i] * s
			if i%2 == 1 {
				oKeptOdd++
			}
		}
		if math.Float32bits(odx[i]) != math.Float32bits(want) {
			t.Fatalf("gdropout, i = %d: kept = %v, dy = %v, dx = %v, want dy/(1-p) = %v", i, kept[i], dy[i], odx[i], want)
		}
	}
	if frac := float64(oKeptOdd) / (n / 2); math.Abs(frac-(1-peerP)) > 0.05 {
		t.Errorf("gdropout kept %.3f of the x = 0 elements, want about 1-p", frac)
	}

	t.Logf("p = %v, x = [1 0 1 0 1 0], dy = %v:", peerP, dy[:6])
	t.Logf("  gorgonia.Dropout  y = %v  dx = %v  (dy/p where y != 0; x = 0 never gets a gradient)", gy[:6], gdx[:6])
	t.Logf("  gdropout.Apply    y = %v  dx = %v  (dy/(1-p) where kept; %d of %d x = 0 elements kept with a gradient)", oy[:6], odx[:6], oKeptOdd, n/2)
}

// TestGorgoniaMergesTwoDropouts: gorgonia's Dropout op hashes to the same
// value whatever p and whichever call (its hash is its String,
// "Dropout{training=true}()"), so gorgonia's ExprGraph.AddNode returns the
// first node for the second call: two "independent" dropouts of one node
// share one mask. gdropout's two are two nodes (TestTwoDropoutsOfOneNode).
func TestGorgoniaMergesTwoDropouts(t *testing.T) {
	g := G.NewGraph()
	xn := G.NewVector(g, tensor.Float32, G.WithShape(16), G.WithName("x"))
	a, err := G.Dropout(xn, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := G.Dropout(xn, 0.1) // even another p
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("gorgonia kept two nodes (%p, %p); this test expects v0.9.18's merge", a, b)
	}
	t.Logf("gorgonia.Dropout(x, 0.5) and gorgonia.Dropout(x, 0.1) are the same node %v (op hash %#x)", a, a.Op().Hashcode())
	c, _ := Apply(xn, 0.5, 1)
	e, _ := Apply(xn, 0.5, 1)
	if c == e {
		t.Fatal("gdropout merged too")
	}
}
