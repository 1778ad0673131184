//go:build amd64 && !purego

package gcm

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate sh -c "cd _asm && go run . -out ../gcm_amd64.s -stubs ../gcm_amd64_stubs.go -pkg gcm"

var defaultImpl = detect()

// detect picks the fastest path this CPU and OS support. x/sys/cpu already
// requires the OS to save YMM (AVX) and ZMM/opmask (AVX-512) state before
// reporting those features.
func detect() impl {
	x := &cpu.X86
	if !x.HasAES || !x.HasPCLMULQDQ || !x.HasAVX || !x.HasAVX2 {
		return implGeneric
	}
	// x/sys/cpu reports VAES and VPCLMULQDQ only with AVX-512; the CPUID
	// bits (leaf 7, ECX bits 9 and 10) also cover the VEX.256 forms.
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return implGeneric
	}
	_, _, ecx7, _ := cpuid(7, 0)
	if ecx7&(1<<9) == 0 || ecx7&(1<<10) == 0 {
		return implGeneric
	}
	if x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512VAES &&
		x.HasAVX512VPCLMULQDQ && x.HasBMI2 {
		return implAVX512
	}
	return implAVX2
}

func supported(im impl) bool { return im >= implGeneric && im <= defaultImpl }

func (g *aead) init(key []byte) error {
	if g.impl == implGeneric {
		a, err := newGeneric(key)
		g.generic = a
		return err
	}
	g.ks, g.mem = newKeyState()
	// The key state holds the round keys and H: zero it once the AEAD is
	// unreachable (the cleanup references only the state's memory).
	runtime.AddCleanup(g, func(mem []byte) { clear(mem) }, g.mem)
	if g.aes256 {
		initAES256(g.ks, &key[0])
	} else {
		initAES128(g.ks, &key[0])
	}
	return nil
}

// seal writes the ciphertext and tag of plaintext to out, which has room for
// exactly both.
func (g *aead) seal(out, nonce, plaintext, aad []byte) {
	o, n, p := &out[0], &nonce[0], unsafe.SliceData(plaintext)
	a, pl, al := unsafe.SliceData(aad), len(plaintext), len(aad)
	switch {
	case g.impl == implAVX512 && g.aes256:
		sealAVX512AES256(g.ks, o, p, pl, n, a, al)
	case g.impl == implAVX512:
		sealAVX512AES128(g.ks, o, p, pl, n, a, al)
	case g.impl == implAVX2 && g.aes256:
		sealAVX2AES256(g.ks, o, p, pl, n, a, al)
	case g.impl == implAVX2:
		sealAVX2AES128(g.ks, o, p, pl, n, a, al)
	default:
		g.generic.Seal(out[:0], nonce, plaintext, aad)
	}
}

// open writes the plaintext of ciphertext (which ends with the tag) to out
// and reports whether the tag is valid. On false, out holds no plaintext
// the caller may release (Open zeroes it).
func (g *aead) open(out, nonce, ciphertext, aad []byte) bool {
	o, n, c := unsafe.SliceData(out), &nonce[0], &ciphertext[0]
	a, cl, al := unsafe.SliceData(aad), len(ciphertext)-TagSize, len(aad)
	switch {
	case g.impl == implAVX512 && g.aes256:
		return openAVX512AES256(g.ks, o, c, cl, n, a, al)
	case g.impl == implAVX512:
		return openAVX512AES128(g.ks, o, c, cl, n, a, al)
	case g.impl == implAVX2 && g.aes256:
		return openAVX2AES256(g.ks, o, c, cl, n, a, al)
	case g.impl == implAVX2:
		return openAVX2AES128(g.ks, o, c, cl, n, a, al)
	}
	_, err := g.generic.Open(out[:0], nonce, ciphertext, aad)
	return err == nil
}
