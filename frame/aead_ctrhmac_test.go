package frame

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// TestCTRHMACContract checks the cipher.AEAD contract of the §4.5.1 AEAD
// beyond the vectors: sizes, short inputs, append semantics, in-place use
// and the panics cipher.AEAD documents for misuse.
func TestCTRHMACContract(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 48)
	a, err := newCTRHMAC(key, 16, sha256.New, 10)
	if err != nil {
		t.Fatal(err)
	}
	if a.NonceSize() != 12 || a.Overhead() != 10 {
		t.Fatalf("NonceSize %d, Overhead %d", a.NonceSize(), a.Overhead())
	}
	if _, err := newCTRHMAC(key[:16], 16, sha256.New, 10); err == nil {
		t.Error("key without an auth_key accepted")
	}
	if _, err := newCTRHMAC(key[:15+32], 15, sha256.New, 10); err == nil {
		t.Error("15-byte AES key accepted")
	}
	nonce := make([]byte, 12)
	for _, short := range [][]byte{nil, make([]byte, 9)} {
		if _, err := a.Open(nil, nonce, short, nil); err == nil {
			t.Errorf("Open of %d bytes succeeded", len(short))
		}
	}
	pt := []byte("sixteen byte msg and more")
	ct := a.Seal([]byte("pre"), nonce, pt, []byte("aad"))
	if !bytes.HasPrefix(ct, []byte("pre")) || len(ct) != 3+len(pt)+10 {
		t.Fatalf("Seal did not append: %x", ct)
	}
	buf := append([]byte(nil), pt...)
	buf = append(buf, make([]byte, 10)...)
	inPlace := a.Seal(buf[:0], nonce, buf[:len(pt)], []byte("aad"))
	if !bytes.Equal(inPlace, ct[3:]) {
		t.Fatalf("in-place Seal differs")
	}
	got, err := a.Open(inPlace[:0], nonce, inPlace, []byte("aad"))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("in-place Open = %q, %v", got, err)
	}
	for name, f := range map[string]func(){
		"short nonce Seal": func() { a.Seal(nil, nonce[:11], pt, nil) },
		"short nonce Open": func() { _, _ = a.Open(nil, nonce[:11], ct[3:], nil) },
		"overlap Seal":     func() { b := make([]byte, 64); a.Seal(b[:0], nonce, b[1:20], nil) },
		"overlap Open": func() {
			b := append([]byte(nil), ct[3:]...)
			_, _ = a.Open(b[1:1], nonce, b, []byte("aad"))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}
