package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// GHASH representation (NIST SP 800-38D §6.3 / §6.4).
//
// A GCM block b0..b15 stands for the polynomial whose x^0 coefficient is the
// top bit of b0. Loading the block and reversing its bytes (VPSHUFB with
// bswapMask) gives a 128-bit little-endian integer whose bit 127-i is the
// coefficient of x^i: the bit-reflected polynomial. Read as a polynomial in
// y = x^-1, integer carry-less arithmetic is ordinary polynomial arithmetic.
//
// For reflected A and B, clmul(A, B) is the 256-bit reflection of A*B*x.
// Reducing a 256-bit T = [w3 w2 w1 w0] (64-bit words) takes two folds by
// P(y) = y^128 + y^127 + y^126 + y^121 + 1, the reflection of
// x^128 + x^7 + x^2 + x + 1: each fold cancels the lowest remaining word w
// by adding w*P at its position, which lands on the two words above it as
// clmul(w, 0xc200000000000000) plus w itself one word higher. Two folds
// leave [w3 w2], which is the reflection of A*B*x (the folds multiply by
// y^-128 = x^128, cancelling the reflection's offset). Keys therefore store
// H*x^-1 ("H<<1 mod P" in the reflected integer), so that a multiply by a
// stored power yields A*H^k exactly; powers of the stored value keep that
// form, since (H x^-1)(H^k x^-1) x = H^(k+1) x^-1.
//
// With the 256-bit product kept as LO = a0b0, MI = a0b1 ^ a1b0, HI = a1b1
// (schoolbook, four multiplies per 128-bit lane), the two folds are:
//
//	MI ^= swap64(LO) ^ clmul(LO.q0, 0xc2...)
//	HI ^= swap64(MI) ^ clmul(MI.q0, 0xc2...)
//
// and HI is the result. Products are summed unreduced over many blocks
// (each lane of a vector multiplies its block by its own power of H) and
// reduced once; the reduction is linear, so it runs on all lanes at once and
// the lanes are XORed together afterwards.

// gregs names the GHASH working registers at one width.
type gregs struct {
	lo, mi, hi, t0, t1 VecPhysical
	evex               bool // AVX-512 encodings available (VPXORD, VPTERNLOGD, X16-X31)
}

// steps are instructions to be emitted later, so that they can be
// interleaved with AES rounds.
type steps []func()

func (s steps) emit() {
	for _, f := range s {
		f()
	}
}

func xor(evex bool, a, b, dst Op) {
	if evex {
		VPXORD(a, b, dst)
	} else {
		VPXOR(a, b, dst)
	}
}

// xor3 sets dst ^= a ^ b.
func xor3(evex bool, a, b, dst Op) {
	if evex {
		VPTERNLOGD(U8(0x96), a, b, dst)
		return
	}
	VPXOR(a, dst, dst)
	VPXOR(b, dst, dst)
}

// mulSteps returns the steps that add data[j] (x) pow(j), summed over j, to
// LO/MI/HI. With init, the first product overwrites the accumulators
// instead. The data registers and the accumulators have the same width; pow
// returns a memory operand or a register of that width.
func (g gregs) mulSteps(data []VecPhysical, pow func(j int) Op, init bool) steps {
	var s steps
	for j, d := range data {
		pw := pow(j)
		if init && j == 0 {
			s = append(s,
				func() { vpclmulqdq(0x00, pw, d, g.lo) },
				func() { vpclmulqdq(0x11, pw, d, g.hi) },
				func() { vpclmulqdq(0x01, pw, d, g.mi) },
				func() { vpclmulqdq(0x10, pw, d, g.t0) },
				func() { xor(g.evex, g.t0, g.mi, g.mi) },
			)
			continue
		}
		// A narrower data register (AVX-512: a short last vector) has its
		// products written at its width, which zeroes the upper lanes, and
		// summed at the accumulators'.
		t0, t1 := sameSize(g.t0, d), sameSize(g.t1, d)
		s = append(s,
			func() { vpclmulqdq(0x00, pw, d, t0) },
			func() { vpclmulqdq(0x11, pw, d, t1) },
			func() { xor(g.evex, g.t0, g.lo, g.lo) },
			func() { xor(g.evex, g.t1, g.hi, g.hi) },
			func() { vpclmulqdq(0x01, pw, d, t0) },
			func() { vpclmulqdq(0x10, pw, d, t1) },
			func() { xor3(g.evex, g.t0, g.t1, g.mi) },
		)
	}
	return s
}

// sameSize returns r at the width of like.
func sameSize(r, like VecPhysical) Op {
	switch like.Size() {
	case 16:
		return r.AsX()
	case 32:
		return r.AsY()
	}
	return r
}

// karaSteps is mulSteps with Karatsuba's middle product: three multiplies
// per lane instead of four, MI collecting (a0^a1)(b0^b1), where kara(j)
// holds b0^b1 of each power in both quadwords. karaFix must follow before
// the reduction. This saves one carry-less multiply per block for one
// shuffle and one XOR, a win where VPCLMULQDQ competes with VAESENC for
// execution ports.
func (g gregs) karaSteps(data []VecPhysical, pow, kara func(j int) Op, init bool) steps {
	var s steps
	for j, d := range data {
		pw, kw := pow(j), kara(j)
		if init && j == 0 {
			s = append(s,
				func() { VPSHUFD(U8(0x4e), d, g.t0) },
				func() { vpclmulqdq(0x00, pw, d, g.lo) },
				func() { xor(g.evex, d, g.t0, g.t0) },
				func() { vpclmulqdq(0x11, pw, d, g.hi) },
				func() { vpclmulqdq(0x00, kw, g.t0, g.mi) },
			)
			continue
		}
		s = append(s,
			func() { VPSHUFD(U8(0x4e), d, g.t0) },
			func() { vpclmulqdq(0x00, pw, d, g.t1) },
			func() { xor(g.evex, d, g.t0, g.t0) },
			func() { xor(g.evex, g.t1, g.lo, g.lo) },
			func() { vpclmulqdq(0x11, pw, d, g.t1) },
			func() { vpclmulqdq(0x00, kw, g.t0, g.t0) },
			func() { xor(g.evex, g.t1, g.hi, g.hi) },
			func() { xor(g.evex, g.t0, g.mi, g.mi) },
		)
	}
	return s
}

// karaFix turns the Karatsuba middle sum into a0b1 ^ a1b0: MI ^= LO ^ HI.
func (g gregs) karaFix() steps {
	return steps{func() { xor3(g.evex, g.lo, g.hi, g.mi) }}
}

// lenSteps returns the steps that add the 128-bit block in l (x) H^1 to the
// accumulators of g; l and the temporaries are used at 128 bits, whose VEX
// and EVEX writes zero the upper lanes, so the sums can be taken at g's
// width.
func (g gregs) lenSteps(l VecPhysical, h1 Mem) steps {
	t0, t1 := g.t0.AsX(), g.t1.AsX()
	return steps{
		func() { vpclmulqdq(0x00, h1, l, t0) },
		func() { vpclmulqdq(0x11, h1, l, t1) },
		func() { xor(g.evex, g.t0, g.lo, g.lo) },
		func() { xor(g.evex, g.t1, g.hi, g.hi) },
		func() { vpclmulqdq(0x01, h1, l, t0) },
		func() { vpclmulqdq(0x10, h1, l, t1) },
		func() { xor3(g.evex, g.t0, g.t1, g.mi) },
	}
}

// reduceSteps returns the steps that reduce LO/MI/HI and XOR the lanes of
// the result together into the 128-bit register s (upper lanes zeroed).
func (g gregs) reduceSteps(s VecPhysical) steps {
	poly := gfPoly
	st := steps{
		func() { vpclmulqdq(0x10, poly, g.lo, g.t0) },
		func() { VPSHUFD(U8(0x4e), g.lo, g.lo) },
		func() { xor3(g.evex, g.t0, g.lo, g.mi) },
		func() { vpclmulqdq(0x10, poly, g.mi, g.t0) },
		func() { VPSHUFD(U8(0x4e), g.mi, g.mi) },
		func() { xor3(g.evex, g.t0, g.mi, g.hi) },
	}
	switch g.hi.Size() {
	case 64:
		// Three lane extracts in parallel, then one three-way XOR and one
		// XOR: two steps of latency after the extracts instead of four.
		st = append(st,
			func() { VEXTRACTI32X4(U8(1), g.hi, g.t0.AsX()) },
			func() { VEXTRACTI32X4(U8(2), g.hi, g.t1.AsX()) },
			func() { VEXTRACTI32X4(U8(3), g.hi, s.AsX()) },
			func() { VPTERNLOGD(U8(0x96), g.t0.AsX(), g.t1.AsX(), s.AsX()) },
			func() { VPXORD(g.hi.AsX(), s.AsX(), s.AsX()) },
		)
	case 32:
		st = append(st,
			func() { VEXTRACTI128(U8(1), g.hi, g.t0.AsX()) },
			func() { xor(g.evex, g.t0.AsX(), g.hi.AsX(), s.AsX()) },
		)
	default:
		st = append(st, func() { VMOVDQU(g.hi, s) })
	}
	return st
}
