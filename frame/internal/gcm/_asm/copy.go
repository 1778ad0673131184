package main

import (
	"fmt"
	"strconv"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The 256-bit path has no byte-granular masked loads or stores (AVX2's
// VPMASKMOVD works on whole dwords), so its tails go through a zeroed
// 128-byte stack buffer: copyIn moves the last n < 128 bytes in, the vector
// code works on whole vectors of the buffer, and copyOut moves n bytes
// out. The copies move 16 bytes at a time, then 8, 4, 2 and 1 as the bits
// of the remaining length say: at most seven 16-byte moves and four
// scalar ones, no byte loop.

var copyLabels int

// copyIn zeroes the stack buffer and copies n bytes from src into it.
func (f *fn) copyIn(src, n Register) {
	z := f.r(f.pl.t1)
	VPXOR(z, z, z)
	for q := 0; q < 4; q++ {
		VMOVDQU(z, f.buf.Offset(32*q))
	}
	d, s, c := GP64(), GP64(), GP64()
	LEAQ(f.buf, d)
	MOVQ(src, s)
	MOVQ(n, c)
	f.copyBytes(d, s, c)
}

// copyOut copies n bytes from the stack buffer to dst.
func (f *fn) copyOut(dst, n Register) {
	d, s, c := GP64(), GP64(), GP64()
	MOVQ(dst, d)
	LEAQ(f.buf, s)
	MOVQ(n, c)
	f.copyBytes(d, s, c)
}

// copyBytes copies c < 128 bytes from s to d; it clobbers d, s, c and T1.
func (f *fn) copyBytes(d, s, c Register) {
	copyLabels++
	id := copyLabels
	l := func(x string) string { return fmt.Sprintf("%s_%d", f.l(x), id) }
	x := f.x(f.pl.t1)
	t := GP64()
	Label(l("c16"))
	CMPQ(c, U8(16))
	JB(LabelRef(l("c8")))
	VMOVDQU(Mem{Base: s}, x)
	VMOVDQU(x, Mem{Base: d})
	ADDQ(U8(16), s)
	ADDQ(U8(16), d)
	SUBQ(U8(16), c)
	JMP(LabelRef(l("c16")))
	type piece struct {
		size int
		move func()
	}
	pieces := []piece{
		{8, func() { MOVQ(Mem{Base: s}, t); MOVQ(t, Mem{Base: d}) }},
		{4, func() { MOVL(Mem{Base: s}, t.As32()); MOVL(t.As32(), Mem{Base: d}) }},
		{2, func() { MOVW(Mem{Base: s}, t.As16()); MOVW(t.As16(), Mem{Base: d}) }},
		{1, func() { MOVB(Mem{Base: s}, t.As8()); MOVB(t.As8(), Mem{Base: d}) }},
	}
	for i, p := range pieces {
		Label(l("c" + strconv.Itoa(p.size)))
		TESTQ(U32(p.size), c)
		next := "done"
		if i+1 < len(pieces) {
			next = "c" + strconv.Itoa(pieces[i+1].size)
		}
		JZ(LabelRef(l(next)))
		p.move()
		if p.size > 1 {
			ADDQ(U8(p.size), s)
			ADDQ(U8(p.size), d)
		}
	}
	Label(l("done"))
}
