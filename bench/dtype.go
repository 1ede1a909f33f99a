package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dropkernel/dropout"
)

// dtype is the element type of a row: every table is one op at one dtype,
// with the copy() of a slice of that type as its reference.
type dtype int

const (
	f32 dtype = iota
	f64
	numTypes
)

var dtypeNames = [numTypes]string{"float32", "float64"}

func (d dtype) String() string { return dtypeNames[d] }

// size is the bytes of one element.
func (d dtype) size() int { return 4 << d }

// dtypeOf is the dtype of T.
func dtypeOf[T dropout.Float]() dtype {
	var z T
	if _, ok := any(z).(float64); ok {
		return f64
	}
	return f32
}

// byType returns a for float32 and b for float64: how the generic code
// picks a per-type variable or constant.
func byType[T dropout.Float, V any](a, b V) V {
	if dtypeOf[T]() == f64 {
		return b
	}
	return a
}

// parseDtypes turns the -dtype list into dtypes, float32 first.
func parseDtypes(list string) ([]dtype, error) {
	sel := [numTypes]bool{}
	for _, s := range strings.Split(list, ",") {
		switch s = strings.ToLower(strings.TrimSpace(s)); s {
		case "":
		case "all":
			sel = [numTypes]bool{true, true}
		case "float32":
			sel[f32] = true
		case "float64":
			sel[f64] = true
		default:
			return nil, fmt.Errorf("-dtype: unknown type %q (float32, float64, all)", s)
		}
	}
	var ds []dtype
	for d := range numTypes {
		if sel[d] {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		return nil, fmt.Errorf("-dtype: no type selected")
	}
	return ds, nil
}

// sizeSpec is one entry of -sizes: bytes of x (written with a unit,
// "16KiB": the same bytes for every dtype, so 4096 float32 or 2048 float64
// elements) or elements (written without one, "4096": the same n for
// every dtype). Exactly one of the two is set.
type sizeSpec struct{ bytes, elems int }

// n is the element count of the size for d.
func (s sizeSpec) n(d dtype) int {
	if s.bytes > 0 {
		return s.bytes / d.size()
	}
	return s.elems
}

// String is the size as -sizes takes it.
func (s sizeSpec) String() string {
	if s.bytes > 0 {
		return strings.ReplaceAll(byteSize(s.bytes), " ", "")
	}
	return strconv.Itoa(s.elems)
}

// short is the size in a note: "16 KiB" (bytes of x) or "n = 4096".
func (s sizeSpec) short() string {
	if s.bytes > 0 {
		return byteSize(s.bytes)
	}
	return fmt.Sprintf("n = %d", s.elems)
}

// label is the size's column header in a table of d: the element count
// and the bytes of x.
func (s sizeSpec) label(d dtype) string {
	n := s.n(d)
	return fmt.Sprintf("n = %d (%s)", n, byteSize(n*d.size()))
}

var sizeUnits = []struct {
	suffix string
	mul    int
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// parseSize reads one -sizes entry: "4096" (elements) or "16KiB", "1MiB",
// "64MiB", "512B" (bytes of x: a whole number of float64 elements).
func parseSize(s string) (sizeSpec, error) {
	s = strings.TrimSpace(s)
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.Atoi(strings.TrimSpace(num))
			if err != nil || v < 1 || v*u.mul%8 != 0 {
				return sizeSpec{}, fmt.Errorf("-sizes: %q is not a positive size in bytes that is a multiple of 8 (B, KiB, MiB, GiB)", s)
			}
			return sizeSpec{bytes: v * u.mul}, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return sizeSpec{}, fmt.Errorf("-sizes: %q is neither a positive element count nor a size in bytes (16KiB, 1MiB, ...)", s)
	}
	return sizeSpec{elems: v}, nil
}

// parseSizes reads the -sizes list.
func parseSizes(list string) ([]sizeSpec, error) {
	var sizes []sizeSpec
	for _, s := range strings.Split(list, ",") {
		sz, err := parseSize(s)
		if err != nil {
			return nil, err
		}
		sizes = append(sizes, sz)
	}
	return sizes, nil
}

// elems are sizes in elements, for the tests and the groups' defaults.
func elems(ns ...int) []sizeSpec {
	s := make([]sizeSpec, len(ns))
	for i, n := range ns {
		s[i] = sizeSpec{elems: n}
	}
	return s
}

// typed is the rows of every dtype -dtype selects: rows32 for float32,
// rows64 for float64, each row marked with its dtype.
func typed(cfg config, rows32, rows64 func() []row) []row {
	var rows []row
	for _, d := range cfg.dtypes {
		var rs []row
		if d == f64 {
			rs = rows64()
		} else {
			rs = rows32()
		}
		for _, r := range rs {
			r.dtype = d
			rows = append(rows, r)
		}
	}
	return rows
}
