//go:build !purego && amd64

package dropout

// Until the architecture files implement the fused kernels, their paths
// leave kernels.fused false and these are never called.

func archFwdAdd(id int, st *lanes, y, x, res []float32, bits []uint64, thr uint32, scale float32, nt bool) {
	panic("dropout: archFwdAdd is not implemented on this path")
}

func archAdd(id int, dst, a, b []float32) { panic("dropout: archAdd is not implemented on this path") }

func archSeed(id int, st *lanes, base, blk uint64) {
	panic("dropout: archSeed is not implemented on this path")
}
