package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

var (
	bswapMask  Mem // per 128-bit lane: reverse the 16 bytes
	gfPoly     Mem // per lane: q0 = 1, q1 = 0xc200000000000000 (reflected P, see ghash.go)
	ctrOne     Mem // bytes 12..15 = 00 00 00 01: the counter field of J0
	laneInc512 Mem // counter offsets 1, 2, 3, 4 in the four lanes (little-endian dword 0)
	laneInc256 Mem // counter offsets 1, 2 in the two lanes
	inc4       Mem // counter step of a ZMM of counters
	inc2       Mem // counter step of a YMM of counters
	tailMask   Mem // 128 bytes 0xff then 128 bytes 0x00: sliding byte mask
)

// lanes emits a constant of n bytes made of a 16-byte lane (lo, hi
// little-endian quadwords) repeated, with the lane index k passed to f.
func lanes(name string, n int, f func(k int) (lo, hi uint64)) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for k := 0; k < n/16; k++ {
		lo, hi := f(k)
		DATA(16*k, U64(lo))
		DATA(16*k+8, U64(hi))
	}
	return m
}

func constants() {
	bswapMask = lanes("bswapMask", 64, func(int) (uint64, uint64) {
		return 0x08090a0b0c0d0e0f, 0x0001020304050607
	})
	gfPoly = lanes("gfPoly", 64, func(int) (uint64, uint64) {
		return 1, 0xc200000000000000
	})
	ctrOne = lanes("ctrOne", 16, func(int) (uint64, uint64) {
		return 0, 0x0100000000000000
	})
	laneInc512 = lanes("laneInc512", 64, func(k int) (uint64, uint64) {
		return uint64(k + 1), 0
	})
	laneInc256 = lanes("laneInc256", 32, func(k int) (uint64, uint64) {
		return uint64(k + 1), 0
	})
	inc4 = lanes("inc4", 64, func(int) (uint64, uint64) { return 4, 0 })
	inc2 = lanes("inc2", 32, func(int) (uint64, uint64) { return 2, 0 })
	tailMask = lanes("tailMask", 256, func(k int) (uint64, uint64) {
		if k < 8 {
			return ^uint64(0), ^uint64(0)
		}
		return 0, 0
	})
}
