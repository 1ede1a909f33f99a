//go:build !purego

package dropout

func archKernels() []*kernels { return nil }
