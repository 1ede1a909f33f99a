//go:build purego || !(amd64 || arm64)

package dropout

// This build has no assembly: only the generic path exists, and dispatch.go
// never calls the arch functions (they belong to path ids other than 0).

func archPaths() []*path { return nil }

func archSeed(int, *[4][16]uint32, uint64) bool { return false }
func archSkip(int, *[4][16]uint32, int)         { panic(noAsm) }
func archFwd[T Float](int, *[4][16]uint32, []T, []T, []uint64, uint32, uint64, bool) {
	panic(noAsm)
}
func archFwdAdd[T Float](int, *[4][16]uint32, []T, []T, []T, []uint64, uint32, uint64, bool) {
	panic(noAsm)
}
func archDraws(int, *[4][16]uint32, []uint32)                { panic(noAsm) }
func archFence(int)                                          {}
func archBwd[T Float](int, []T, []T, []uint64, uint64, bool) { panic(noAsm) }
func archScale[T Float](int, []T, []T, uint64, bool)         { panic(noAsm) }
func archAdd[T Float](int, []T, []T, []T)                    { panic(noAsm) }
func archUnpack8(int, []uint8, []uint64)                     { panic(noAsm) }
func archPack8(int, []uint64, []uint8)                       { panic(noAsm) }
func archUnpackF[T Float](int, []T, []uint64)                { panic(noAsm) }
func archPackF[T Float](int, []uint64, []T)                  { panic(noAsm) }

const noAsm = "dropout: internal error: no assembly path in this build"
