package gcm

import "unsafe"

// Layout of the key state the assembly reads (must match _asm/main.go; the
// tests check the powers of H against a reference multiply):
//
//	offset  0: 15 round-key slots of 64 bytes, each key repeated four times
//	           (one ZMM), AES-128 using slots 0..10
//	offset 960: H^36 .. H^1, 16 bytes each, byte-reflected and times x^-1
//	offset 1536: 64 zero bytes read (and multiplied by zero) by tails
//	offset 1600: per power, the XOR of its two 64-bit halves, in both
//	             halves (Karatsuba multiplication in the main loops)
const (
	offPow      = 15 * 64
	nPow        = 36
	offKara     = offPow + nPow*16 + 64
	keyStateLen = offKara + nPow*16
	stateAlign  = 64
)

// newKeyState returns a zeroed, 64-byte aligned key state and the slice of
// its backing memory that holds it (the caller keeps that reachable).
func newKeyState() (*byte, []byte) {
	mem := make([]byte, keyStateLen+stateAlign-1)
	off := (stateAlign - int(uintptr(unsafe.Pointer(&mem[0])))%stateAlign) % stateAlign
	return &mem[off], mem[off : off+keyStateLen]
}
