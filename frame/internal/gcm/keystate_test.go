package gcm

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// gfMulRef multiplies two GCM field elements bit by bit (NIST SP 800-38D
// §6.3, Algorithm 1). Test-only: it is slow and not constant-time.
func gfMulRef(x, y [16]byte) [16]byte {
	var z [16]byte
	v := y
	for i := 0; i < 128; i++ {
		if x[i/8]>>(7-i%8)&1 == 1 {
			for k := range z {
				z[k] ^= v[k]
			}
		}
		lsb := v[15] & 1
		for k := 15; k > 0; k-- {
			v[k] = v[k]>>1 | v[k-1]<<7
		}
		v[0] >>= 1
		if lsb == 1 {
			v[0] ^= 0xe1
		}
	}
	return z
}

func keyState(g *aead) []byte {
	return unsafe.Slice(g.ks, keyStateLen)
}

// TestKeyStatePowers checks the stored powers of H: entry k (from the end)
// must be the byte reversal of H^k * x^-1, where x^-1 = x^127+x^6+x+1, and
// its Karatsuba entry the XOR of that value's two halves, in both halves.
func TestKeyStatePowers(t *testing.T) {
	for _, im := range []impl{implAVX2, implAVX512} {
		if !supported(im) {
			t.Logf("path %s not run: this CPU or build lacks it", im)
			continue
		}
		for _, kl := range []int{16, 32} {
			key := fill(kl, 30)
			g := mustNew(t, key, im)
			if uintptr(unsafe.Pointer(g.ks))%stateAlign != 0 {
				t.Fatalf("key state not %d-byte aligned", stateAlign)
			}
			b, _ := aes.NewCipher(key)
			var h, xinv [16]byte
			b.Encrypt(h[:], h[:])
			xinv[0], xinv[15] = 0xc2, 0x01
			ks := keyState(g)
			p := h
			for k := 1; k <= nPow; k++ {
				want := gfMulRef(p, xinv)
				for i := 0; i < 8; i++ {
					want[i], want[15-i] = want[15-i], want[i]
				}
				got := ks[offPow+(nPow-k)*16:][:16]
				if !bytes.Equal(got, want[:]) {
					t.Fatalf("%v AES-%d: H^%d stored as %x, want %x", im, 8*kl, k, got, want)
				}
				var kara [16]byte
				for i := 0; i < 8; i++ {
					kara[i] = want[i] ^ want[8+i]
					kara[8+i] = kara[i]
				}
				if got := ks[offKara+(nPow-k)*16:][:16]; !bytes.Equal(got, kara[:]) {
					t.Fatalf("%v AES-%d: Karatsuba half of H^%d stored as %x, want %x", im, 8*kl, k, got, kara)
				}
				p = gfMulRef(p, h)
			}
			if pad := ks[offPow+nPow*16 : offKara]; !bytes.Equal(pad, make([]byte, len(pad))) {
				t.Errorf("padding not zero")
			}
		}
	}
}

// TestKeyStateRoundKeys checks the expansion against FIPS 197 Appendix A.1
// and A.3 (first and last round keys), and that each key fills its ZMM slot.
func TestKeyStateRoundKeys(t *testing.T) {
	cases := []struct {
		key, last string
		rounds    int
	}{
		{"2b7e151628aed2a6abf7158809cf4f3c", "d014f9a8c9ee2589e13f0cc8b6630ca6", 10},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "fe4890d1e6188d0b046df344706c631e", 14},
	}
	for _, im := range []impl{implAVX2, implAVX512} {
		if !supported(im) {
			t.Logf("path %s not run: this CPU or build lacks it", im)
			continue
		}
		for _, c := range cases {
			key, _ := hex.DecodeString(c.key)
			last, _ := hex.DecodeString(c.last)
			ks := keyState(mustNew(t, key, im))
			if !bytes.Equal(ks[:16], key[:16]) {
				t.Errorf("round key 0 = %x", ks[:16])
			}
			if got := ks[c.rounds*64:][:16]; !bytes.Equal(got, last) {
				t.Errorf("AES-%d: round key %d = %x, want %x", 8*len(key), c.rounds, got, last)
			}
			for i := 0; i <= c.rounds; i++ {
				slot := ks[i*64:][:64]
				for q := 1; q < 4; q++ {
					if !bytes.Equal(slot[16*q:][:16], slot[:16]) {
						t.Errorf("round key %d copy %d differs", i, q)
					}
				}
			}
		}
	}
}

// TestKeyStateCleared checks that an unreachable AEAD's key state is zeroed.
func TestKeyStateCleared(t *testing.T) {
	for _, im := range []impl{implAVX2, implAVX512} {
		if !supported(im) {
			t.Logf("path %s not run: this CPU or build lacks it", im)
			continue
		}
		g := mustNew(t, fill(32, 40), im)
		mem := g.mem
		if bytes.Equal(mem, make([]byte, len(mem))) {
			t.Fatal("key state is zero before use")
		}
		g = nil
		for i := 0; i < 20 && !bytes.Equal(mem, make([]byte, len(mem))); i++ {
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
		if !bytes.Equal(mem, make([]byte, len(mem))) {
			t.Errorf("%v: key state not zeroed after the AEAD became unreachable", im)
		}
		_ = g
	}
}
