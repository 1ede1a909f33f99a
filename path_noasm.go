//go:build purego || !(amd64 || arm64)

package dropout

// This build has no assembly: only the generic path exists, and dispatch.go
// never calls the arch functions (they belong to path ids other than 0).

func archPaths() []*path { return nil }

func archSeed(int, *[4][16]uint32, uint64) bool { return false }
func archSkip(int, *[4][16]uint32, int)         { panic(noAsm) }
func archFwd(int, *[4][16]uint32, []float32, []float32, []uint64, uint32, uint32, bool) {
	panic(noAsm)
}
func archFwdAdd(int, *[4][16]uint32, []float32, []float32, []float32, []uint64, uint32, uint32, bool) {
	panic(noAsm)
}
func archDraws(int, *[4][16]uint32, []uint32)                   { panic(noAsm) }
func archFence(int)                                             {}
func archBwd(int, []float32, []float32, []uint64, uint32, bool) { panic(noAsm) }
func archScale(int, []float32, []float32, uint32, bool)         { panic(noAsm) }
func archAdd(int, []float32, []float32, []float32)              { panic(noAsm) }
func archUnpack8(int, []uint8, []uint64)                        { panic(noAsm) }
func archPack8(int, []uint64, []uint8)                          { panic(noAsm) }
func archUnpack32(int, []float32, []uint64)                     { panic(noAsm) }
func archPack32(int, []uint64, []float32)                       { panic(noAsm) }

const noAsm = "dropout: internal error: no assembly path in this build"
