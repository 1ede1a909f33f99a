package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"
)

// config is one experiment: the book's values unless a flag changes them.
type config struct {
	Epochs int     // the Trainer's epochs (301)
	Ratio  float64 // the dropout ratio (0.2)
	Seed   uint64  // seeds the weights, the batches and the dropout layers
	Batch  int     // mini_batch_size (100)
	LR     float64 // SGD's learning rate (0.01)
	Hidden []int   // hidden layer widths ([100]*6)

	// Progress, if not nil, gets a progress line after each evaluation:
	// rewritten in place with '\r' when Rewrite is set, else one line per
	// Every evaluations and after the last.
	Progress io.Writer
	Rewrite  bool
	Every    int
}

// bookConfig is ch06/overfit_dropout.py's experiment.
func bookConfig() config {
	return config{
		Epochs: 301, Ratio: 0.2, Seed: 1, Batch: 100, LR: 0.01,
		Hidden: []int{100, 100, 100, 100, 100, 100},
		Every:  50,
	}
}

// result is one run; its JSON is what -json prints.
type result struct {
	Dropout  bool      `json:"dropout"`
	TrainAcc []float64 `json:"train_acc"`
	TestAcc  []float64 `json:"test_acc"`
	Seconds  float64   `json:"seconds"`

	Iterations int     `json:"-"` // SGD steps
	FinalTest  float64 `json:"-"` // test accuracy after the last step (the book's "Final Test Accuracy")
	Loss       float64 `json:"-"` // the last step's batch loss after its update
}

// schedule returns the Trainer's iter_per_epoch = max(train_size /
// mini_batch_size, 1) (a float, as in Python 3) and max_iter =
// int(epochs * iter_per_epoch).
func schedule(epochs, train, batch int) (perEpoch float64, maxIter int) {
	perEpoch = math.Max(float64(train)/float64(batch), 1)
	return perEpoch, int(float64(epochs) * perEpoch)
}

// evaluations returns how many points the Trainer's curves get: one for
// each iteration i < max_iter with i % iter_per_epoch == 0. That is epochs
// when the training set is a multiple of the batch or at most one batch
// (300 images: i = 0, 3, ..., 900 of 903 iterations, 301 points).
func evaluations(epochs, train, batch int) int {
	perEpoch, maxIter := schedule(epochs, train, batch)
	n := 0
	for i := range maxIter {
		if math.Mod(float64(i), perEpoch) == 0 {
			n++
		}
	}
	return n
}

// seeds derived from config.Seed: one PCG stream for the weights, one for
// the batches (so both runs start from the same weights and see the same
// batches), and dropoutSeed for each dropout layer.
const (
	weightStream = 1
	batchStream  = 2
)

// dropoutSeed is the seed of the k-th dropout layer (k = 0, 1, ...): the
// (k+1)-th output of SplitMix64 started at seed.
func dropoutSeed(seed uint64, k int) uint64 {
	z := seed + uint64(k+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// train is the book's Trainer.train for one network: max_iter SGD steps on
// mini-batches drawn with replacement from the training set
// (np.random.choice(train_size, batch_size)); after the update of every
// iteration i with i % iter_per_epoch == 0, the accuracy on the whole
// training set and on the whole test set, in inference mode.
func train(cfg config, trainSet, testSet *set, useDropout bool) (*result, error) {
	start := time.Now()
	sizes := append(append([]int{trainSet.x.RawMatrix().Cols}, cfg.Hidden...), 10)
	seeds := make([]uint64, len(cfg.Hidden))
	for k := range seeds {
		seeds[k] = dropoutSeed(cfg.Seed, k)
	}
	n, err := newNet(sizes, rand.New(rand.NewPCG(cfg.Seed, weightStream)), useDropout, cfg.Ratio, seeds)
	if err != nil {
		return nil, err
	}
	batches := rand.New(rand.NewPCG(cfg.Seed, batchStream))
	perEpoch, maxIter := schedule(cfg.Epochs, trainSet.len(), cfg.Batch)
	total := evaluations(cfg.Epochs, trainSet.len(), cfg.Batch)
	r := &result{Dropout: useDropout, Iterations: maxIter}
	name := "no dropout"
	if useDropout {
		name = fmt.Sprintf("dropout %g", cfg.Ratio)
	}

	tb := n.trainBufs(cfg.Batch)
	cols := trainSet.x.RawMatrix().Cols
	xs, bx := raw(trainSet.x), raw(tb.x)
	for it := range maxIter {
		for j := range cfg.Batch { // x_batch = x_train[batch_mask]
			k := batches.IntN(trainSet.len())
			copy(bx[j*cols:(j+1)*cols], xs[k*cols:(k+1)*cols])
			tb.t[j] = trainSet.t[k]
		}
		n.gradient(tb)
		n.sgd(cfg.LR)
		r.Loss = n.loss(tb.x, tb.t)
		if math.Mod(float64(it), perEpoch) != 0 {
			continue
		}
		r.TrainAcc = append(r.TrainAcc, n.accuracy(trainSet))
		r.TestAcc = append(r.TestAcc, n.accuracy(testSet))
		if cfg.Progress != nil {
			e := len(r.TrainAcc)
			line := fmt.Sprintf("%-12s epoch %3d/%d  train acc %.4f  test acc %.4f  loss %.4f  %.1f s",
				name, e, total, r.TrainAcc[e-1], r.TestAcc[e-1], r.Loss, time.Since(start).Seconds())
			switch {
			case cfg.Rewrite:
				fmt.Fprintf(cfg.Progress, "\r%s", line)
				if e == total {
					fmt.Fprintln(cfg.Progress)
				}
			case e == total || (cfg.Every > 0 && e%cfg.Every == 0) || e == 1:
				fmt.Fprintln(cfg.Progress, line)
			}
		}
	}
	r.FinalTest = n.accuracy(testSet)
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}
