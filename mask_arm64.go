//go:build !purego

package dropout

// The arm64 mask conversions. Placeholders until the assembly lands: the
// paths leave masks unset, so these are never called.

func archUnpack8(id int, dst []uint8, words []uint64)    { unpack8Generic(dst, words) }
func archPack8(id int, words []uint64, src []uint8)      { pack8Generic(words, src) }
func archUnpack32(id int, dst []float32, words []uint64) { unpack32Generic(dst, words) }
func archPack32(id int, words []uint64, src []float32)   { pack32Generic(words, src) }
