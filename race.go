//go:build race

package dropout

import (
	"runtime"
	"unsafe"
)

// The race detector cannot see memory accesses made by assembly. The
// assembly wrappers report the ranges they are about to touch with these.

// raceEnabled: the race detector is on (it allocates, so allocation tests
// skip).
const raceEnabled = true

func raceRead[T any](s []T) {
	if len(s) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}

func raceWrite[T any](s []T) {
	if len(s) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}
