package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// path describes one vector width.
type path struct {
	name string // "AVX512" or "AVX2" (function name part)
	w    int    // vector width in bytes
	nv   int    // vectors per main-loop iteration
	evex bool   // AVX-512: 32 registers, k-masks, VPTERNLOGD
	nr   int    // AES rounds: 10 or 14
	pl   plan
}

// plan assigns vector registers (by index; the width is the path's).
// Registers used with VEX-only instructions at 128 bits (lo..bs) must be
// below 16.
type plan struct {
	a, gh      int // first of nv: AES state / keystream; byte-reflected blocks being hashed
	lo, mi, hi int // GHASH accumulators
	t0, t1     int // temporaries
	ctr        int // counter blocks (little-endian); in tails also the lengths block
	s          int // GHASH state (128 bits, upper lanes zero)
	bs         int // bswapMask
	rk, rkRegs int // round keys 0..rkRegs-1 live in registers rk..
	rkTemp     int // if not 0, later round keys are loaded into this register per round
}

var (
	// The 512-bit path hashes 32 blocks per iteration while encrypting 32:
	// with eight independent AES chains of latency 4 the VAES unit has
	// slack for the carry-less multiplies that share it.
	path512 = path{name: "AVX512", w: 64, nv: 8, evex: true, pl: plan{
		a: 0, gh: 16, lo: 8, mi: 9, hi: 10, t0: 11, t1: 12, ctr: 13, s: 14, bs: 15, rk: 24, rkRegs: 7, rkTemp: 31}}
	// The 256-bit path has 16 registers: 8 blocks per iteration, round keys
	// read from the key state.
	path256 = path{name: "AVX2", w: 32, nv: 4, pl: plan{
		a: 0, gh: 4, lo: 8, mi: 9, hi: 10, t0: 11, t1: 12, ctr: 13, s: 14, bs: 15}}
)

func (p path) withRounds(nr int) path { p.nr = nr; return p }
func (p path) bits() int              { return map[int]int{10: 128, 14: 256}[p.nr] }
func (p path) chunk() int             { return p.nv * p.w }     // bytes per main-loop iteration
func (p path) chunkBlocks() int       { return p.chunk() / 16 } // blocks per main-loop iteration

var (
	xr = []VecPhysical{X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
		X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30, X31}
	yr = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15,
		Y16, Y17, Y18, Y19, Y20, Y21, Y22, Y23, Y24, Y25, Y26, Y27, Y28, Y29, Y30, Y31}
	zr = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
)

func vreg(i, width int) VecPhysical {
	switch width {
	case 16:
		return xr[i]
	case 32:
		return yr[i]
	}
	return zr[i]
}

// fn holds the state of one Seal or Open function being generated.
type fn struct {
	path
	name string
	seal bool

	ks, dst, src, n, aad, aadLen, tagp Register
	small                              Register // 1 if the text is a single tail (see genFn)
	lenblk                             Mem      // lengths block, on the stack
	buf, ej0                           Mem      // 256-bit path: tail buffer and AES_K(J0), on the stack
}

func (f *fn) l(s string) string { return f.name + "_" + s }

func (f *fn) r(i int) VecPhysical   { return vreg(i, f.w) }
func (f *fn) x(i int) VecPhysical   { return vreg(i, 16) }
func (f *fn) a(v int) []VecPhysical { return f.regs(f.pl.a, v) }
func (f *fn) gh(v int) []VecPhysical {
	return f.regs(f.pl.gh, v)
}

func (f *fn) regs(base, v int) []VecPhysical {
	var rs []VecPhysical
	for j := 0; j < v; j++ {
		rs = append(rs, f.r(base+j))
	}
	return rs
}

func (f *fn) bswap(width int) VecPhysical {
	return vreg(f.pl.bs, width)
}

func (f *fn) g(width int) gregs {
	return gregs{
		lo: vreg(f.pl.lo, width), mi: vreg(f.pl.mi, width), hi: vreg(f.pl.hi, width),
		t0: vreg(f.pl.t0, width), t1: vreg(f.pl.t1, width), evex: f.evex,
	}
}

// rk returns round key i at the given width: a register holding it, a
// register loaded with it at the start of the round (512-bit path: Zen 4
// runs VAESENC with a 512-bit memory operand at 2/3 the rate), or a memory
// operand (256-bit path, where that costs nothing).
func (f *fn) rk(width int) func(i int) Op {
	return func(i int) Op {
		switch {
		case i < f.pl.rkRegs:
			return vreg(f.pl.rk+i, width)
		case f.pl.rkTemp != 0:
			r := vreg(f.pl.rkTemp, width)
			return preloaded{r, func() { VMOVDQU64(Mem{Base: f.ks, Disp: offRK + i*rkStride}, r) }}
		}
		return Mem{Base: f.ks, Disp: offRK + i*rkStride}
	}
}

func (f *fn) load(m Mem, r VecPhysical) {
	if f.evex {
		VMOVDQU64(m, r)
	} else {
		VMOVDQU(m, r)
	}
}

func (f *fn) store(r VecPhysical, m Mem) {
	if f.evex {
		VMOVDQU64(r, m)
	} else {
		VMOVDQU(r, m)
	}
}

// chunkPow returns the powers for vector j of a full chunk: H^16..H^1
// (512-bit) or H^8..H^1 (256-bit).
func (f *fn) chunkPow(j int) Op {
	return Mem{Base: f.ks, Disp: offPow + (nPow-f.chunkBlocks())*16 + j*f.w}
}

// chunkKara returns the Karatsuba halves matching chunkPow(j).
func (f *fn) chunkKara(j int) Op {
	return Mem{Base: f.ks, Disp: f.chunkPow(j).(Mem).Disp - offPow + offKara}
}

// chunkHash returns the steps that hash the four GH vectors of a full chunk
// into S (the GH registers must hold the blocks with S already folded in).
func (f *fn) chunkHash() steps {
	g := f.g(f.w)
	s := g.karaSteps(f.gh(f.nv), f.chunkPow, f.chunkKara, true)
	s = append(s, g.karaFix()...)
	return append(s, g.reduceSteps(f.x(f.pl.s))...)
}

func genSeal(p path) { genFn(p, true) }
func genOpen(p path) { genFn(p, false) }

func genFn(p path, seal bool) {
	f := &fn{path: p, seal: seal}
	if seal {
		f.name = fmt.Sprintf("seal%sAES%d", p.name, p.bits())
		TEXT(f.name, NOSPLIT, "func(ks *byte, dst *byte, src *byte, n int, nonce *byte, aad *byte, aadLen int)")
		Pragma("noescape")
		Doc(fmt.Sprintf("%s encrypts n bytes at src to dst with AES-%d-GCM and writes the 16-byte tag at dst+n.", f.name, p.bits()))
	} else {
		f.name = fmt.Sprintf("open%sAES%d", p.name, p.bits())
		TEXT(f.name, NOSPLIT, "func(ks *byte, dst *byte, src *byte, n int, nonce *byte, aad *byte, aadLen int) bool")
		Pragma("noescape")
		Doc(fmt.Sprintf("%s decrypts n bytes at src to dst with AES-%d-GCM and reports whether the tag at src+n is valid.", f.name, p.bits()))
	}
	f.prologue()
	if f.evex {
		Comment("A text of 1..shortMax bytes with at most 64 bytes of AAD takes the",
			"short path (see short).")
		TESTQ(f.n, f.n)
		JZ(LabelRef(f.l("long")))
		CMPQ(f.n, U32(shortMax))
		JA(LabelRef(f.l("long")))
		CMPQ(f.aadLen, U8(64))
		JA(LabelRef(f.l("long")))
		for v := 1; v <= shortMax/f.w; v++ {
			CMPQ(f.n, U32((v-1)*f.w+f.w/2))
			JBE(LabelRef(f.shortLabel(v, true)))
			if v < shortMax/f.w {
				CMPQ(f.n, U32(v*f.w))
				JBE(LabelRef(f.shortLabel(v, false)))
			}
		}
		JMP(LabelRef(f.shortLabel(shortMax/f.w, false)))
		Label(f.l("long"))
	}
	f.encJ0()
	Comment("A text of one tail and no full chunk that the short path does not",
		"take has its keystream started before the AAD is hashed, so that the",
		"hashing runs during the AES latency; small is set for that case.")
	f.small = GP64()
	XORQ(f.small, f.small)
	TESTQ(f.n, f.n)
	JZ(LabelRef(f.l("aad")))
	CMPQ(f.n, U32(f.chunk()))
	JAE(LabelRef(f.l("aad")))
	MOVQ(U32(1), f.small)
	f.dispatch("tailAES")
	Label(f.l("aad"))
	f.hashAAD()
	TESTQ(f.small, f.small)
	JNZ(LabelRef(f.l("finishDispatch")))
	if seal {
		f.sealBody()
	} else {
		f.openBody()
	}
	f.tails()
	f.finish()
	if f.evex {
		for v := 1; v <= shortMax/f.w; v++ {
			f.short(v, true)
			f.short(v, false)
		}
	}
}

// prologue loads the arguments and constants, computes the lengths block,
// J0 (NIST SP 800-38D §7.1 step 2, 96-bit IV), AES_K(J0) and the first
// counter blocks, and zeroes the GHASH state.
func (f *fn) prologue() {
	f.ks = Load(Param("ks"), GP64())
	f.dst = Load(Param("dst"), GP64())
	f.src = Load(Param("src"), GP64())
	f.n = Load(Param("n"), GP64())
	nonce := Load(Param("nonce"), GP64())
	f.aad = Load(Param("aad"), GP64())
	f.aadLen = Load(Param("aadLen"), GP64())
	f.lenblk = AllocLocal(16)
	f.ej0 = AllocLocal(16)
	if !f.evex {
		f.buf = AllocLocal(128)
	}

	Comment("Lengths block, reflected: q0 = 8*len(text), q1 = 8*len(aad).")
	t := GP64()
	MOVQ(f.n, t)
	SHLQ(U8(3), t)
	MOVQ(t, f.lenblk.Offset(0))
	MOVQ(f.aadLen, t)
	SHLQ(U8(3), t)
	MOVQ(t, f.lenblk.Offset(8))
	f.tagp = GP64()
	if f.seal {
		LEAQ(Mem{Base: f.dst, Index: f.n, Scale: 1}, f.tagp)
	} else {
		LEAQ(Mem{Base: f.src, Index: f.n, Scale: 1}, f.tagp)
	}

	if f.evex {
		VMOVDQU64(bswapMask, f.bswap(64))
		for i := 0; i <= f.nr && i < f.pl.rkRegs; i++ {
			VMOVDQU64(Mem{Base: f.ks, Disp: offRK + i*rkStride}, vreg(f.pl.rk+i, 64))
		}
	} else {
		VMOVDQU(bswapMask, f.bswap(32))
	}

	Comment("J0 = nonce || 0^31 || 1, kept in the last AES state register",
		"until it is encrypted.")
	j0 := f.x(f.pl.ctr)
	VMOVQ(Mem{Base: nonce}, j0)
	VPINSRD(U8(2), Mem{Base: nonce, Disp: 8}, j0, j0)
	VPOR(ctrOne, j0, j0)
	VMOVDQA(j0, f.j0x())

	Comment("Counter blocks inc32(J0)+k, kept little-endian so VPADDD increments them.")
	VPSHUFB(f.bswap(16), j0, j0)
	if f.evex {
		VSHUFI64X2(U8(0), f.r(f.pl.ctr), f.r(f.pl.ctr), f.r(f.pl.ctr))
		VPADDD(laneInc512, f.r(f.pl.ctr), f.r(f.pl.ctr))
	} else {
		VPERMQ(U8(0x44), f.r(f.pl.ctr), f.r(f.pl.ctr))
		VPADDD(laneInc256, f.r(f.pl.ctr), f.r(f.pl.ctr))
	}
	VPXOR(f.x(f.pl.s), f.x(f.pl.s), f.x(f.pl.s))
}

// j0x is the register that holds J0 from the prologue until encJ0 (or the
// short path) encrypts it: the last AES state register, free until then.
func (f *fn) j0x() VecPhysical { return f.x(f.pl.a + f.nv - 1) }

// encJ0 computes AES_K(J0) and stores it for finish.
func (f *fn) encJ0() {
	Comment("AES_K(J0).")
	e := f.j0x()
	aesRounds(f.evex, f.nr, []VecPhysical{e}, f.rk(16), nil)
	VMOVDQU(e, f.ej0)
}

// counters loads v vectors of counter blocks into the AES state registers
// and advances the counter.
func (f *fn) counters(v int) {
	inc := inc4
	if !f.evex {
		inc = inc2
	}
	for j, a := range f.a(v) {
		VPSHUFB(f.bswap(f.w), f.r(f.pl.ctr), a)
		if j < v-1 || v == f.nv {
			VPADDD(inc, f.r(f.pl.ctr), f.r(f.pl.ctr))
		}
	}
}

// powBase returns ks + offPow + (nPow-extra)*16 - 16*ceil(length/16): the
// address of the power for the first of ceil(length/16) blocks that are
// followed by extra more blocks (the lengths block) before the hash ends.
func (f *fn) powBase(length Register, extra int) Register {
	t := GP64()
	MOVQ(length, t)
	ADDQ(U8(15), t)
	ANDQ(I8(-16), t)
	pb := GP64()
	LEAQ(Mem{Base: f.ks, Disp: offPow + (nPow-extra)*16}, pb)
	SUBQ(t, pb)
	return pb
}

// kmask sets K1 to the low length-off bits, length-off in 1..64.
func (f *fn) kmask(length Register, off int) { f.kmaskTo(K1, length, off) }

// kmaskTo sets k to the low length-off bits, length-off in 0..64.
func (f *fn) kmaskTo(k Register, length Register, off int) {
	t := GP64()
	MOVQ(length, t)
	if off != 0 {
		SUBQ(U32(off), t)
	}
	m := GP64()
	MOVQ(I64(-1), m)
	BZHIQ(t, m, m)
	KMOVQ(m, k)
}

// hashAAD absorbs the additional data into the GHASH state.
func (f *fn) hashAAD() {
	Comment("GHASH the additional data: full chunks, then the rest.")
	loop, tail, part, done := f.l("aadLoop"), f.l("aadTail"), f.l("aadPart"), f.l("aadDone")
	g := f.g(f.w)
	gh := f.gh(f.nv)
	Label(loop)
	CMPQ(f.aadLen, U32(f.chunk()))
	JB(LabelRef(tail))
	for j, r := range gh {
		f.load(Mem{Base: f.aad, Disp: j * f.w}, r)
		VPSHUFB(f.bswap(f.w), r, r)
	}
	xor(f.evex, f.r(f.pl.s), gh[0], gh[0])
	f.chunkHash().emit()
	ADDQ(U32(f.chunk()), f.aad)
	SUBQ(U32(f.chunk()), f.aadLen)
	JMP(LabelRef(loop))

	Label(tail)
	TESTQ(f.aadLen, f.aadLen)
	JZ(LabelRef(done))
	pb := f.powBase(f.aadLen, 0)
	ptr := f.aad
	if !f.evex {
		f.copyIn(f.aad, f.aadLen)
		ptr = GP64()
		LEAQ(f.buf, ptr)
	}
	VPXOR(g.lo.AsX(), g.lo.AsX(), g.lo.AsX())
	VPXOR(g.mi.AsX(), g.mi.AsX(), g.mi.AsX())
	VPXOR(g.hi.AsX(), g.hi.AsX(), g.hi.AsX())
	Label(part)
	if f.evex {
		t := GP64()
		MOVQ(U32(64), t)
		CMPQ(f.aadLen, t)
		CMOVQLT(f.aadLen, t)
		f.kmask(t, 0)
		VMOVDQU8_Z(Mem{Base: ptr}, K1, gh[0])
	} else {
		VMOVDQU(Mem{Base: ptr}, gh[0])
	}
	VPSHUFB(f.bswap(f.w), gh[0], gh[0])
	xor(f.evex, f.r(f.pl.s), gh[0], gh[0])
	VPXOR(f.x(f.pl.s), f.x(f.pl.s), f.x(f.pl.s))
	g.mulSteps(gh[:1], func(int) Op { return Mem{Base: pb} }, false).emit()
	ADDQ(U32(f.w), ptr)
	ADDQ(U32(f.w), pb)
	SUBQ(U32(f.w), f.aadLen)
	JG(LabelRef(part))
	g.reduceSteps(f.x(f.pl.s)).emit()
	Label(done)
}

func (f *fn) advance() {
	ADDQ(U32(f.chunk()), f.src)
	ADDQ(U32(f.chunk()), f.dst)
	SUBQ(U32(f.chunk()), f.n)
}

// xorStore XORs the four keystream vectors with a chunk at src and stores
// the result at dst.
func (f *fn) xorStore() {
	for j, a := range f.a(f.nv) {
		xor(f.evex, Mem{Base: f.src, Disp: j * f.w}, a, a)
		f.store(a, Mem{Base: f.dst, Disp: j * f.w})
	}
}

// toGH byte-reflects v ciphertext vectors into the GHASH registers and
// folds the GHASH state into the first block.
func (f *fn) toGH(v int) {
	for j, a := range f.a(v) {
		VPSHUFB(f.bswap(f.w), a, f.r(f.pl.gh+j))
	}
	xor(f.evex, f.r(f.pl.s), f.r(f.pl.gh), f.r(f.pl.gh))
}

// sealBody encrypts full chunks. The first chunk is only encrypted; each
// later iteration hashes the previous chunk's ciphertext while encrypting
// its own; the last chunk is hashed after the loop.
func (f *fn) sealBody() {
	loop, flush := f.l("loop"), f.l("flush")
	CMPQ(f.n, U32(f.chunk()))
	JB(LabelRef(f.l("tail")))
	Comment("First chunk: encrypt only.")
	f.counters(f.nv)
	aesRounds(f.evex, f.nr, f.a(f.nv), f.rk(f.w), nil)
	f.xorStore()
	f.toGH(f.nv)
	f.advance()

	Label(loop)
	CMPQ(f.n, U32(f.chunk()))
	JB(LabelRef(flush))
	f.counters(f.nv)
	aesRounds(f.evex, f.nr, f.a(f.nv), f.rk(f.w), f.chunkHash())
	f.xorStore()
	f.toGH(f.nv)
	f.advance()
	JMP(LabelRef(loop))

	Label(flush)
	f.chunkHash().emit()
}

// openBody decrypts full chunks, hashing each chunk's ciphertext while it
// is decrypted.
func (f *fn) openBody() {
	loop := f.l("loop")
	Label(loop)
	CMPQ(f.n, U32(f.chunk()))
	JB(LabelRef(f.l("tail")))
	for j, r := range f.gh(f.nv) {
		f.load(Mem{Base: f.src, Disp: j * f.w}, r)
		VPSHUFB(f.bswap(f.w), r, r)
	}
	xor(f.evex, f.r(f.pl.s), f.r(f.pl.gh), f.r(f.pl.gh))
	f.counters(f.nv)
	aesRounds(f.evex, f.nr, f.a(f.nv), f.rk(f.w), f.chunkHash())
	f.xorStore()
	f.advance()
	JMP(LabelRef(loop))
}

// lenWork returns the steps that load the lengths block and add its
// product with H^1 to the accumulators.
func (f *fn) lenWork(g gregs) steps {
	l := f.x(f.pl.ctr)
	return append(steps{func() { VMOVDQU(f.lenblk, l) }},
		g.lenSteps(l, Mem{Base: f.ks, Disp: offH1})...)
}

// dispatch jumps to label prefix+v for the v = ceil(n/w) vectors of a tail.
func (f *fn) dispatch(prefix string) {
	for v := 1; v < f.nv; v++ {
		CMPQ(f.n, U32(v*f.w))
		JBE(LabelRef(f.l(fmt.Sprintf("%s%d", prefix, v))))
	}
	JMP(LabelRef(f.l(fmt.Sprintf("%s%d", prefix, f.nv))))
}

// tails handles the last 0 < n < chunk bytes (v = 1..nv vectors, code
// specialised per v) and the case of no remaining bytes, then jumps to the
// tag computation. A tail is two blocks of code: tailAES (keystream) and
// tailFinish (XOR, store, GHASH); a short text runs the first before the AAD
// hashing and the second after it.
func (f *fn) tails() {
	Label(f.l("tail"))
	TESTQ(f.n, f.n)
	JZ(LabelRef(f.l("lenOnly")))
	f.dispatch("tailAES")
	for v := f.nv; v >= 1; v-- {
		Label(f.l(fmt.Sprintf("tailAES%d", v)))
		f.counters(v)
		aesRounds(f.evex, f.nr, f.a(v), f.rk(f.w), nil)
		TESTQ(f.small, f.small)
		JNZ(LabelRef(f.l("aad")))
		Label(f.l(fmt.Sprintf("tailFinish%d", v)))
		if f.seal {
			f.sealTail(v)
		} else {
			f.openTail(v)
		}
		JMP(LabelRef(f.l("final")))
	}
	Label(f.l("finishDispatch"))
	f.dispatch("tailFinish")

	Label(f.l("lenOnly"))
	Comment("No text left: S = (S ^ L) * H.")
	VMOVDQU(f.lenblk, f.x(f.pl.ctr))
	VPXOR(f.x(f.pl.ctr), f.x(f.pl.s), f.x(f.pl.s))
	gx := f.g(16)
	gx.mulSteps([]VecPhysical{f.x(f.pl.s)}, func(int) Op { return Mem{Base: f.ks, Disp: offH1} }, true).emit()
	gx.reduceSteps(f.x(f.pl.s)).emit()
}

// xorStoreMasked XORs the v keystream vectors with the text at src and
// stores the result at dst (512-bit path), the last vector under the byte
// mask k of its n-(v-1)*w bytes.
func (f *fn) xorStoreMasked(v int, k Register) {
	last := f.r(f.pl.a + v - 1)
	lastOff := (v - 1) * f.w
	for j, a := range f.a(v - 1) {
		VPXORD(Mem{Base: f.src, Disp: j * f.w}, a, a)
		VMOVDQU64(a, Mem{Base: f.dst, Disp: j * f.w})
	}
	VMOVDQU8_Z(Mem{Base: f.src, Disp: lastOff}, k, f.r(f.pl.t0))
	VPXORD(f.r(f.pl.t0), last, last)
	VMOVDQU8(last, k, Mem{Base: f.dst, Disp: lastOff})
}

func (f *fn) sealTail(v int) {
	last := f.r(f.pl.a + v - 1)
	lastOff := (v - 1) * f.w
	if f.evex {
		f.kmask(f.n, lastOff)
		f.xorStoreMasked(v, K1)
		Comment("Zero the ciphertext past n for GHASH.")
		VMOVDQU8_Z(last, K1, last)
	} else {
		f.copyIn(f.src, f.n)
		for j, a := range f.a(v) {
			VPXOR(f.buf.Offset(j*f.w), a, a)
			VMOVDQU(a, f.buf.Offset(j*f.w))
		}
		f.copyOut(f.dst, f.n)
		Comment("Zero the ciphertext past n for GHASH.")
		mp := GP64()
		LEAQ(tailMask.Offset(128), mp)
		SUBQ(f.n, mp)
		for j, a := range f.a(v) {
			VPAND(Mem{Base: mp, Disp: j * f.w}, a, a)
		}
	}
	f.toGH(v)
	pb := f.powBase(f.n, 1)
	g := f.g(f.w)
	g.mulSteps(f.gh(v), func(j int) Op { return Mem{Base: pb, Disp: j * f.w} }, true).emit()
	f.lenWork(g).emit()
	g.reduceSteps(f.x(f.pl.s)).emit()
}

// loadMasked loads len(rs) vectors of text from src into rs (512-bit
// path), the last under the byte mask k and zero past it.
func (f *fn) loadMasked(rs []VecPhysical, k Register) {
	v := len(rs)
	for j, r := range rs[:v-1] {
		VMOVDQU64(Mem{Base: f.src, Disp: j * f.w}, r)
	}
	VMOVDQU8_Z(Mem{Base: f.src, Disp: (v - 1) * f.w}, k, rs[v-1])
}

func (f *fn) openTail(v int) {
	gh := f.gh(v)
	if f.evex {
		f.kmask(f.n, (v-1)*f.w)
		f.loadMasked(gh, K1)
	} else {
		f.copyIn(f.src, f.n)
		for j, r := range gh {
			VMOVDQU(f.buf.Offset(j*f.w), r)
		}
	}
	for _, r := range gh {
		VPSHUFB(f.bswap(f.w), r, r)
	}
	xor(f.evex, f.r(f.pl.s), gh[0], gh[0])
	pb := f.powBase(f.n, 1)
	g := f.g(f.w)
	work := g.mulSteps(gh, func(j int) Op { return Mem{Base: pb, Disp: j * f.w} }, true)
	work = append(work, f.lenWork(g)...)
	work = append(work, g.reduceSteps(f.x(f.pl.s))...)
	work.emit()
	if f.evex {
		f.xorStoreMasked(v, K1)
	} else {
		for j, a := range f.a(v) {
			VPXOR(f.buf.Offset(j*f.w), a, a)
			VMOVDQU(a, f.buf.Offset(j*f.w))
		}
		f.copyOut(f.dst, f.n)
	}
}

// finish computes the tag T = bswap(S) ^ AES_K(J0) (NIST SP 800-38D §7.1
// steps 5-6) and stores it (Seal) or compares it in constant time with the
// tag at tagp (Open).
func (f *fn) finish() {
	Label(f.l("final"))
	f.tagAndReturn(f.ej0)
}

// tagAndReturn is finish with AES_K(J0) in ej0 (the stack copy, or a
// register) and returns.
func (f *fn) tagAndReturn(ej0 Op) {
	s := f.x(f.pl.s)
	VPSHUFB(f.bswap(16), s, s)
	VPXOR(ej0, s, s)
	if f.seal {
		VMOVDQU(s, Mem{Base: f.tagp})
	} else {
		VPXOR(Mem{Base: f.tagp}, s, s)
		VPTEST(s, s)
		ok := GP8()
		SETEQ(ok)
		Store(ok, ReturnIndex(0))
	}
	Comment("Scrub the stack copies of AES_K(J0) and (256-bit path) text.")
	z := f.x(f.pl.t1)
	VPXOR(z, z, z)
	VMOVDQU(z, f.ej0)
	if !f.evex {
		for q := 0; q < 4; q++ {
			VMOVDQU(z.AsY(), f.buf.Offset(32*q))
		}
	}
	VZEROUPPER()
	RET()
}

// shortMax is the longest text of the 512-bit path's short path: its
// blocks, at most four blocks of AAD and the lengths block need at most 21
// of the nPow powers, and its registers (v <= 4 AES states, gh[0..v]) leave
// the last AES state register free for J0.
const shortMax = 256

// short handles a text of v vectors (1 <= n <= v*64 <= shortMax bytes) and
// an AAD of at most 64 bytes in one pass: J0 is encrypted in the same AES
// rounds as the text's counter blocks, and the AAD, the text and the
// lengths block are hashed with their powers of H under one reduction
// (GHASH is linear: S = sum of X_i * H^(m+1-i) over all m blocks). Open
// hashes the ciphertext during the AES rounds; Seal hashes the AAD and the
// lengths block during them and the ciphertext after. With half, the last
// vector holds at most 32 bytes and is processed at 256 bits: Zen 4 runs a
// 512-bit VAESENC or VPCLMULQDQ as two 256-bit halves.
func (f *fn) short(v int, half bool) {
	Label(f.shortLabel(v, half))
	g := f.g(f.w)
	gh, as := f.gh(v), f.a(v)
	if half {
		gh[v-1], as[v-1] = vreg(f.pl.gh+v-1, f.w/2), vreg(f.pl.a+v-1, f.w/2)
	}
	ga := f.r(f.pl.gh + v)
	last := f.r(f.pl.a + v - 1)
	lastOff := (v - 1) * f.w

	Comment("AAD, zero padded to one vector, and the powers of H for it and the text.")
	f.kmaskTo(K1, f.aadLen, 0)
	VMOVDQU8_Z(Mem{Base: f.aad}, K1, ga)
	VPSHUFB(f.bswap(f.w), ga, ga)
	pb := f.powBase(f.n, 1)
	t := GP64()
	MOVQ(f.aadLen, t)
	ADDQ(U8(15), t)
	ANDQ(I8(-16), t)
	pa := GP64()
	MOVQ(pb, pa)
	SUBQ(t, pa)
	f.kmaskTo(K2, f.n, lastOff)

	work := g.mulSteps([]VecPhysical{ga}, func(int) Op { return Mem{Base: pa} }, true)
	work = append(work, f.lenWork(g)...)
	textHash := g.mulSteps(gh, func(j int) Op { return Mem{Base: pb, Disp: j * f.w} }, false)
	if !f.seal {
		f.loadMasked(gh, K2)
		for _, r := range gh {
			VPSHUFB(f.bswap(int(r.Size())), r, r)
		}
		work = append(work, textHash...)
		work = append(work, g.reduceSteps(f.x(f.pl.s))...)
	}

	f.counters(v)
	aesRoundsPlus(f.nr, append(as, f.j0x()), f.rk(f.w), work)

	f.xorStoreMasked(v, K2)
	if f.seal {
		Comment("Zero the ciphertext past n for GHASH.")
		VMOVDQU8_Z(last, K2, last)
		for j, a := range as {
			VPSHUFB(f.bswap(int(a.Size())), a, gh[j])
		}
		textHash.emit()
		g.reduceSteps(f.x(f.pl.s)).emit()
	}
	Comment("AES_K(J0) stays in its register: the tag needs no stack round trip.")
	f.tagAndReturn(f.j0x())
}

// shortLabel names the code of short(v, half).
func (f *fn) shortLabel(v int, half bool) string {
	if half {
		return f.l(fmt.Sprintf("short%dh", v))
	}
	return f.l(fmt.Sprintf("short%d", v))
}
