// Command _asm generates gcm_amd64.s and gcm_amd64_stubs.go for package
// frame/internal/gcm with avo (github.com/mmcloughlin/avo).
//
// Run it through go generate in the parent package, or through check.sh,
// which regenerates and fails if the committed files differ.
//
// Layout of the generator:
//
//	main.go    entry point, layout constants shared with the Go package, data
//	raw.go     instructions avo v0.5.0 has no form for (VAES/VPCLMULQDQ on
//	           YMM/ZMM), emitted as raw ir.Instruction values
//	ghash.go   GHASH multiply/accumulate and reduction steps
//	aes.go     AES round sequences and the AES-NI key expansion
//	gcm.go     the Seal and Open functions for the 512- and 256-bit paths
//	copy.go    the 256-bit path's partial-block copy through a stack buffer
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/reg"
)

// Layout of the key state, shared with keystate.go in the Go package (the
// package's tests check the values agree). The state is 64-byte aligned.
const (
	rkStride = 64                     // each round key is stored four times (one ZMM)
	offRK    = 0                      // 15 round-key slots
	nPow     = 36                     // H^36 .. H^1, descending: 32 for a 512-bit chunk, 33 for its tail
	offPow   = offRK + 15*rkStride    // 960
	offPad   = offPow + nPow*16       // 1536: zero padding, read (times zero) by tail GHASH
	offKara  = offPad + 64            // 1600: per power, q0 = q1 = its q0 ^ q1 (Karatsuba)
	stateLen = offKara + nPow*16      // 2176
	offH1    = offPow + (nPow-1)*16   // H^1
	maxBlkLn = uint64((1<<32)-2) * 16 // GCM plaintext limit, checked in Go
)

func main() {
	ConstraintExpr("amd64,!purego")
	constants()
	genCPUID()
	genInit(10)
	genInit(14)
	for _, p := range []path{path512, path256} {
		for _, nr := range []int{10, 14} {
			genSeal(p.withRounds(nr))
			genOpen(p.withRounds(nr))
		}
	}
	Generate()
}

// genCPUID emits a CPUID wrapper: golang.org/x/sys/cpu reports VAES and
// VPCLMULQDQ only together with AVX-512, but the 256-bit path needs them on
// CPUs without AVX-512 too.
func genCPUID() {
	TEXT("cpuid", NOSPLIT, "func(leaf, sub uint32) (eax, ebx, ecx, edx uint32)")
	Doc("cpuid executes CPUID with EAX=leaf and ECX=sub.")
	Load(Param("leaf"), EAX)
	Load(Param("sub"), ECX)
	CPUID()
	Store(EAX, Return("eax"))
	Store(EBX, Return("ebx"))
	Store(ECX, Return("ecx"))
	Store(EDX, Return("edx"))
	RET()
}
