package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
)

// avo v0.5.0's instruction database knows VAESENC, VAESENCLAST and
// VPCLMULQDQ only in their 128-bit VEX forms, although the Go assembler
// encodes the VEX.256 (VAES/VPCLMULQDQ + AVX) and EVEX.512 (+ AVX-512F)
// forms. avo's documented escape hatch is build.Instruction with a
// hand-built ir.Instruction: the opcode and operands are printed verbatim,
// and Inputs/Outputs feed avo's liveness analysis and register allocator
// exactly as for a database instruction. The Go assembler then validates
// the form, so a typo here fails `go build`, not silently.

func raw(opcode string, operands, inputs, outputs []Op) {
	Instruction(&ir.Instruction{
		Opcode:   opcode,
		Operands: operands,
		Inputs:   inputs,
		Outputs:  outputs,
	})
}

// vaesenc emits VAESENC rk, x, dst (dst = AESRound(x, rk)) at any width.
func vaesenc(rk, x, dst Op) {
	raw("VAESENC", []Op{rk, x, dst}, []Op{rk, x}, []Op{dst})
}

// vaesenclast emits VAESENCLAST rk, x, dst at any width.
func vaesenclast(rk, x, dst Op) {
	raw("VAESENCLAST", []Op{rk, x, dst}, []Op{rk, x}, []Op{dst})
}

// vpclmulqdq emits VPCLMULQDQ $imm, b, a, dst: per 128-bit lane, dst =
// clmul(a.q[imm&1], b.q[(imm>>4)&1]). Only b may be a memory operand.
func vpclmulqdq(imm uint8, b, a, dst Op) {
	raw("VPCLMULQDQ", []Op{U8(imm), b, a, dst}, []Op{b, a}, []Op{dst})
}
