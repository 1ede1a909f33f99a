//go:build purego || !(amd64 || arm64)

package dropout

// archKernels: this build has no assembly; only the generic path exists.
func archKernels() []*kernels { return nil }
