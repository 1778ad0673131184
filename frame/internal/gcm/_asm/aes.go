package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// aesRounds emits the nr+1 rounds of AES (FIPS 197 §5.1, as AES-NI splits
// them) on the given state registers. rk(i) is round key i at the state
// registers' width. The work steps are spread evenly over rounds 1..nr-1 so
// that the out-of-order core overlaps them with the AES latency chain.
func aesRounds(evex bool, nr int, state []VecPhysical, rk func(i int) Op, work steps) {
	for i := 0; i <= nr; i++ {
		if p, ok := rk(i).(preloaded); ok && len(state) > 0 {
			p.load()
		}
		for _, a := range state {
			switch {
			case i == 0:
				xor(evex, rk(0), a, a)
			case i < nr:
				vaesenc(rk(i), a, a)
			default:
				vaesenclast(rk(i), a, a)
			}
		}
		if i >= 1 && i <= nr-1 {
			work[(i-1)*len(work)/(nr-1) : i*len(work)/(nr-1)].emit()
		}
	}
	if len(state) == 0 {
		work.emit()
	}
}

// aesRoundsPlus is aesRounds (AVX-512) on state registers of mixed widths:
// rk gives the round keys at the widest, and each register takes them at
// its own width (the keys are repeated in every 128-bit lane).
func aesRoundsPlus(nr int, state []VecPhysical, rk func(i int) Op, work steps) {
	at := func(k Op, size uint) Op {
		r := k.(VecPhysical)
		if p, ok := k.(preloaded); ok {
			r = p.VecPhysical
		}
		switch size {
		case 16:
			return r.AsX()
		case 32:
			return r.AsY()
		}
		return r
	}
	for i := 0; i <= nr; i++ {
		if p, ok := rk(i).(preloaded); ok {
			p.load()
		}
		for _, a := range state {
			k := at(rk(i), a.Size())
			switch {
			case i == 0:
				xor(true, k, a, a)
			case i < nr:
				vaesenc(k, a, a)
			default:
				vaesenclast(k, a, a)
			}
		}
		if i >= 1 && i <= nr-1 {
			work[(i-1)*len(work)/(nr-1) : i*len(work)/(nr-1)].emit()
		}
	}
}

// preloaded is a round-key operand that must be loaded into its register
// at the start of the round (see fn.rk).
type preloaded struct {
	VecPhysical
	load func()
}

// rcon are the AES round constants (FIPS 197 §5.2).
var rcon = []uint8{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36}

// genInit emits initAES128 or initAES256: it expands the key (FIPS 197
// §5.2, with AESKEYGENASSIST), stores every round key four times over (one
// ZMM per round), computes H = AES_K(0^128) and stores H^20..H^1 in GHASH
// form (see ghash.go). It needs AES-NI, PCLMULQDQ and AVX, which every CPU
// with VAES has.
func genInit(nr int) {
	bits := map[int]int{10: 128, 14: 256}[nr]
	TEXT(fmt.Sprintf("initAES%d", bits), NOSPLIT, "func(ks *byte, key *byte)")
	Pragma("noescape")
	Doc(fmt.Sprintf("initAES%d fills the key state at ks for the %d-bit key at key.", bits, bits))
	ks := Load(Param("ks"), GP64())
	key := Load(Param("key"), GP64())

	storeRK := func(i int, x VecPhysical) {
		for q := 0; q < rkStride/16; q++ {
			VMOVDQU(x, Mem{Base: ks, Disp: offRK + i*rkStride + q*16})
		}
	}
	// expand returns prev ^ prev<<32 ^ prev<<64 ^ prev<<96 ^ t, i.e. the
	// next four key words given the broadcast temp word t.
	expand := func(prev, t VecPhysical) {
		VPSLLDQ(U8(4), prev, X3)
		VPXOR(X3, prev, prev)
		VPSLLDQ(U8(4), X3, X3)
		VPXOR(X3, prev, prev)
		VPSLLDQ(U8(4), X3, X3)
		VPXOR(X3, prev, prev)
		VPXOR(t, prev, prev)
	}

	Comment("Key expansion.")
	VMOVDQU(Mem{Base: key}, X0)
	storeRK(0, X0)
	if nr == 10 {
		for i := 1; i <= 10; i++ {
			VAESKEYGENASSIST(U8(rcon[i-1]), X0, X2)
			VPSHUFD(U8(0xff), X2, X2) // RotWord(SubWord(w3)) ^ rcon
			expand(X0, X2)
			storeRK(i, X0)
		}
	} else {
		VMOVDQU(Mem{Base: key, Disp: 16}, X1)
		storeRK(1, X1)
		for i := 1; i <= 7; i++ {
			VAESKEYGENASSIST(U8(rcon[i-1]), X1, X2)
			VPSHUFD(U8(0xff), X2, X2) // RotWord(SubWord(w7)) ^ rcon
			expand(X0, X2)
			storeRK(2*i, X0)
			if i == 7 {
				break
			}
			VAESKEYGENASSIST(U8(0), X0, X2)
			VPSHUFD(U8(0xaa), X2, X2) // SubWord(w3)
			expand(X1, X2)
			storeRK(2*i+1, X1)
		}
	}

	Comment("H = AES_K(0), reflected.")
	rk := func(i int) Op { return Mem{Base: ks, Disp: offRK + i*rkStride} }
	VMOVDQU(rk(0), X2)
	for i := 1; i < nr; i++ {
		VAESENC(rk(i), X2, X2)
	}
	VAESENCLAST(rk(nr), X2, X2)
	VPSHUFB(bswapMask, X2, X2)

	Comment("X3 = H*x^-1: shift the reflected integer left by one, folding bit 127 back with P.")
	VPSRLQ(U8(63), X2, X4)
	VPSLLQ(U8(1), X2, X3)
	VPSLLDQ(U8(8), X4, X4)
	VPXOR(X4, X3, X3)
	VPSHUFD(U8(0xff), X2, X4)
	VPSRAD(U8(31), X4, X4)
	VPAND(gfPoly, X4, X4)
	VPXOR(X4, X3, X3)
	VMOVDQU(X3, Mem{Base: ks, Disp: offH1})

	Comment("Powers H^2 .. H^20.")
	g := gregs{lo: X5, mi: X6, hi: X7, t0: X8, t1: X9}
	VMOVDQA(X3, X4)
	for k := 2; k <= nPow; k++ {
		g.mulSteps([]VecPhysical{X4}, func(int) Op { return X3 }, true).emit()
		g.reduceSteps(X4).emit()
		VMOVDQU(X4, Mem{Base: ks, Disp: offPow + (nPow-k)*16})
	}
	Comment("Karatsuba halves: q0 ^ q1 of each power, in both quadwords.")
	for k := 1; k <= nPow; k++ {
		VMOVDQU(Mem{Base: ks, Disp: offPow + (nPow-k)*16}, X4)
		VPSHUFD(U8(0x4e), X4, X5)
		VPXOR(X4, X5, X5)
		VMOVDQU(X5, Mem{Base: ks, Disp: offKara + (nPow-k)*16})
	}
	VZEROALL()
	RET()
}
