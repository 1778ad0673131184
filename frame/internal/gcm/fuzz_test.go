package gcm

import (
	"bytes"
	"testing"
)

// FuzzDifferential checks every path against crypto/cipher on arbitrary
// keys, nonces, texts and AAD: equal Seal output, Open round trip, and
// rejection of a ciphertext with one byte changed.
func FuzzDifferential(f *testing.F) {
	f.Add([]byte{}, []byte{}, []byte{}, uint16(0), false)
	f.Add(fill(32, 1), fill(12, 2), fill(100, 3), uint16(5), true)
	f.Add(fill(16, 4), fill(12, 5), fill(255, 6), uint16(254), false)
	f.Add(fill(32, 7), fill(12, 8), fill(1500, 9), uint16(1499), true)
	f.Add(fill(48, 10), fill(3, 11), fill(64, 12), uint16(64), false)
	f.Add(fill(32, 13), fill(12, 14), fill(4200, 15), uint16(4000), true)
	f.Fuzz(func(t *testing.T, keyNonce, nonceSeed, text []byte, split uint16, aes128 bool) {
		kl := 32
		if aes128 {
			kl = 16
		}
		key := make([]byte, kl)
		copy(key, keyNonce)
		nonce := make([]byte, NonceSize)
		copy(nonce, nonceSeed)
		cut := int(split)
		if cut > len(text) {
			cut = len(text)
		}
		aad, p := text[:cut], text[cut:]
		ref := mustStd(t, key)
		want := ref.Seal(nil, nonce, p, aad)
		for _, im := range allImpls {
			if !supported(im) {
				continue
			}
			g := mustNew(t, key, im)
			got := g.Seal(nil, nonce, p, aad)
			if !bytes.Equal(got, want) {
				t.Fatalf("%v: Seal(len %d, aad %d) = %x, want %x", im, len(p), len(aad), got, want)
			}
			pt, err := g.Open(nil, nonce, got, aad)
			if err != nil || !bytes.Equal(pt, p) {
				t.Fatalf("%v: Open round trip: %v", im, err)
			}
			bad := bytes.Clone(got)
			bad[int(split)%len(bad)] ^= 1 << (split % 8)
			if _, err := g.Open(nil, nonce, bad, aad); err == nil {
				t.Fatalf("%v: Open accepted a changed ciphertext", im)
			}
		}
	})
}
