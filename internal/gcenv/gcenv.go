// Package gcenv sets ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH before
// go4.org/unsafe/assume-no-moving-gc (imported by gorgonia) checks it in its
// init function, which panics on every Go release from 1.19 on (its
// untested.go, build tag go1.19) unless the variable names the running Go.
//
// It works by package initialization order, which the Go specification fixes
// since Go 1.21: among the packages whose imports are all initialized, the
// one with the lexically smallest import path goes first. This package
// imports only packages that assume-no-moving-gc imports too (os, runtime,
// strings), so it is ready whenever that package is, and its path
// "github.com/..." sorts before "go4.org/...": its init always runs first.
// It is a module of its own (no dependency), shared by the modules that use
// gorgonia: bench/ and examples/gorgonia, whose packages import it for that
// side effect, so that no program or test of theirs needs the variable set
// by hand. The library never imports it.
package gcenv

import (
	"os"
	"runtime"
	"strings"
)

// Var is the environment variable that assume-no-moving-gc reads.
const Var = "ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH"

// Set reports whether this package set Var (false when the user had already
// set it to the value the running Go needs).
var Set bool

// Want is the value assume-no-moving-gc accepts for this runtime: "go1.26"
// for go1.26.x, computed exactly as that package does.
var Want = want()

func want() string {
	v := runtime.Version()
	if dots := strings.SplitN(v, ".", 3); len(dots) >= 2 {
		v = dots[0] + "." + dots[1]
	}
	return v
}

func init() {
	if os.Getenv(Var) != Want {
		os.Setenv(Var, Want)
		Set = true
	}
}
