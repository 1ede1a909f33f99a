//go:build purego || !(amd64 || arm64)

package dropout

// This build has no assembly: only the generic path exists, and the arch*
// functions are never called.

func archKernels() []*kernels { return nil }

func archFwd(id int, st *lanes, y, x []float32, bits []uint64, thr uint32, scale float32, nt bool) {
	panic("dropout: no assembly path in this build")
}
func archDraws(id int, st *lanes, u []uint32) { panic("dropout: no assembly path in this build") }
func archBwd(id int, dx, dy []float32, words []uint64, scale float32, nt bool) {
	panic("dropout: no assembly path in this build")
}
func archScale(id int, y, x []float32, a float32, nt bool) {
	panic("dropout: no assembly path in this build")
}
func archSkip(id int, st *lanes, n int) { panic("dropout: no assembly path in this build") }
func archFwdAdd(id int, st *lanes, y, x, res []float32, bits []uint64, thr uint32, scale float32, nt bool) {
	panic("dropout: no assembly path in this build")
}
func archAdd(id int, dst, a, b []float32)          { panic("dropout: no assembly path in this build") }
func archFence(id int)                             {}
func archSeed(id int, st *lanes, base, blk uint64) { panic("dropout: no assembly path in this build") }
func archUnpack8(id int, dst []uint8, words []uint64) {
	panic("dropout: no assembly path in this build")
}
func archPack8(id int, words []uint64, src []uint8) { panic("dropout: no assembly path in this build") }
func archUnpack32(id int, dst []float32, words []uint64) {
	panic("dropout: no assembly path in this build")
}
func archPack32(id int, words []uint64, src []float32) {
	panic("dropout: no assembly path in this build")
}
