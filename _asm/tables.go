package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// The constant tables, each defined once and emitted on first use (avo
// writes a table's DATA where GLOBL is called, so every table is built by a
// function that caches its address).

var tables = map[string]Mem{}

// table64 defines a read-only table of qwords named name (once) and returns
// its address.
func table64(name string, qs ...uint64) Mem {
	if m, ok := tables[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for i, q := range qs {
		DATA(8*i, U64(q))
	}
	tables[name] = m
	return m
}

// dwords packs 32-bit values two to a qword, little-endian.
func dwords(ds ...uint32) []uint64 {
	qs := make([]uint64, len(ds)/2)
	for i := range qs {
		qs[i] = uint64(ds[2*i]) | uint64(ds[2*i+1])<<32
	}
	return qs
}

// bitWeights is 1<<k in dword k, k = 0..31: lane j of a vector loaded at
// byte 4*(8c) holds the weight of bit 8c+j of a 32-bit half word. The AVX2
// bwd and unpack32 kernels pick each lane's own bit with it.
func bitWeights() Mem {
	var ds []uint32
	for k := 0; k < 32; k++ {
		ds = append(ds, 1<<k)
	}
	return table64("bitWeights", dwords(ds...)...)
}

// byteSpread is, for the AVX2 unpack8: at 0, VPSHUFB indices that give
// byte j the byte j/8 of a 32-bit half word (bytes 0..3, eight times each);
// at 32, 1<<(j%8) in byte j.
func byteSpread() Mem {
	return table64("byteSpread",
		0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303,
		0x8040201008040201, 0x8040201008040201, 0x8040201008040201, 0x8040201008040201)
}

// packOrder is the VPERMD index vector 0 4 1 5 2 6 3 7 of the AVX2
// pack32: it undoes the interleaving of VPACKSSDW/VPACKSSWB across the two
// 128-bit halves. The AVX2 float64 fwd kernels load their lanes
// interleaved with it.
func packOrder() Mem {
	return table64("packOrder", dwords(0, 4, 1, 5, 2, 6, 3, 7)...)
}

// laneOrder is the VPERMD index vector 0 2 4 6 1 3 5 7, the inverse of
// packOrder: the AVX2 float64 fwd kernels save their interleaved lanes in
// order with it.
func laneOrder() Mem {
	return table64("laneOrder", dwords(0, 2, 4, 6, 1, 3, 5, 7)...)
}

// golden is SplitMix64's increment.
const golden = 0x9e3779b97f4a7c15

// seedConst: at 8k, 2k*golden (mod 2^64) for k = 0..8, the offsets of the
// SplitMix64 inputs of the a words of lanes 0, 1, ..., 7 from the block's
// first (and 16*golden, the offset of lane 8); at 72, golden, the offset of
// a lane's b word from its a word; at 80 and 88, mix64's two multipliers.
func seedConst() Mem {
	var qs []uint64
	for k := uint64(0); k <= 8; k++ {
		qs = append(qs, 2*k*golden)
	}
	qs = append(qs, golden, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb)
	return table64("seedConst", qs...)
}

// Offsets in seedConst.
const (
	seedGolden = 72
	seedMul1   = 80
	seedMul2   = 88
)

// seedPick is, for the AVX-512 seed, the VPERMI2D indices that pick the low
// (at 0) and high (at 64) dwords of 16 qwords: lanes 0..7 from the first
// table operand, 8..15 from the second.
func seedPick() Mem {
	var ds []uint32
	for hi := uint32(0); hi < 2; hi++ {
		for j := uint32(0); j < 16; j++ {
			ds = append(ds, 2*j+hi)
		}
	}
	return table64("seedPick", dwords(ds...)...)
}

// signShift is 63-k in qword k, k = 0..63: VPSLLVQ of a mask word by the
// vector loaded at byte 8*first moves bit first+j to the sign bit of qword
// j. The AVX2 float64 bwd and unpack pick each element's bit with it.
func signShift() Mem {
	var qs []uint64
	for k := uint64(0); k < 64; k++ {
		qs = append(qs, 63-k)
	}
	return table64("signShift", qs...)
}

// pairOrder is the VPSHUFB index of the AVX2 pack64, the same in both
// 128-bit halves: after the packs and VPERMQ, a half holds the bytes of
// element pairs 0, 2, 4, 6, 1, 3, 5, 7 (2 bytes each); it puts them in
// order.
func pairOrder() Mem {
	b := []byte{0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15}
	var qs []uint64
	for h := 0; h < 2; h++ {
		for q := 0; q < 2; q++ {
			var v uint64
			for i := 0; i < 8; i++ {
				v |= uint64(b[8*q+i]) << (8 * i)
			}
			qs = append(qs, v)
		}
	}
	return table64("pairOrder", qs...)
}
