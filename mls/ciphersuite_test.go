package mls

import (
	"bytes"
	"errors"
	"testing"
)

func TestCipherSuiteTable(t *testing.T) {
	want := []struct {
		cs       CipherSuite
		nh, nk   int
		kem      kemID
		sig      signatureScheme
		pubLen   int // HPKE public key
		sigPrivN int // signature private key
	}{
		{0x0001, 32, 16, kemX25519, ed25519Scheme, 32, 32},
		{0x0002, 32, 16, kemP256, ecdsaP256SHA256, 65, 32},
		{0x0003, 32, 32, kemX25519, ed25519Scheme, 32, 32},
		{0x0004, 64, 32, kemX448, ed448Scheme, 56, 57},
		{0x0005, 64, 32, kemP521, ecdsaP521SHA512, 133, 66},
		{0x0006, 64, 32, kemX448, ed448Scheme, 56, 57},
		{0x0007, 48, 32, kemP384, ecdsaP384SHA384, 97, 48},
	}
	for _, w := range want {
		s, err := w.cs.suite()
		if err != nil {
			t.Fatal(err)
		}
		if s.id != w.cs || s.nh != w.nh || s.newHash().Size() != w.nh || s.nk() != w.nk || s.nn() != 12 || s.kem != w.kem || s.sig != w.sig {
			t.Errorf("%v: table entry %+v", w.cs, *s)
		}
		k, err := s.generateHPKEKey()
		if err != nil || len(k.publicKey()) != w.pubLen {
			t.Errorf("%v: HPKE public key of %d bytes, %v", w.cs, len(k.publicKey()), err)
		}
		sk, err := w.cs.GenerateSigningKey()
		if err != nil || len(sk.Bytes()) != w.sigPrivN {
			t.Errorf("%v: signature key of %d bytes, %v", w.cs, len(sk.Bytes()), err)
		}
		if !w.cs.IsValid() {
			t.Errorf("%v not valid", w.cs)
		}
	}
	for _, bad := range []CipherSuite{0, 8, 0x0a0a, 0xffff} {
		if _, err := bad.suite(); !errors.Is(err, ErrUnsupportedCipherSuite) || bad.IsValid() {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// TestKDFRFC5869 checks Extract and Expand against RFC 5869 Appendix A.1
// (HKDF-SHA256, test case 1).
func TestKDFRFC5869(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	salt := unhex(t, "000102030405060708090a0b0c")
	info := unhex(t, "f0f1f2f3f4f5f6f7f8f9")
	prk, err := s.extract(salt, ikm)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"); !bytes.Equal(prk, want) {
		t.Errorf("PRK = %x", []byte(prk))
	}
	okm, err := s.expand(prk, info, 42)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"); !bytes.Equal(okm, want) {
		t.Errorf("OKM = %x", []byte(okm))
	}
	if _, err := s.expand(prk, info, 255*32+1); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("Expand beyond 255*Nh: %v", err)
	}
	if _, err := s.expand(prk, info, -1); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("Expand of -1 bytes: %v", err)
	}
	if _, err := s.expandWithLabel(prk, "l", nil, 65535); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("ExpandWithLabel of 65535 bytes with SHA-256: %v", err)
	}
}

// TestAEAD seals and opens for every suite and checks key and nonce sizes
// and tampering.
func TestAEAD(t *testing.T) {
	for _, s := range allSuites(t) {
		key := secret(bytes.Repeat([]byte{1}, s.nk()))
		nonce := secret(bytes.Repeat([]byte{2}, s.nn()))
		ct, err := s.seal(key, nonce, []byte("aad"), []byte("plaintext"))
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len("plaintext")+16 {
			t.Errorf("%v: ciphertext of %d bytes", s.id, len(ct))
		}
		pt, err := s.open(key, nonce, []byte("aad"), ct)
		if err != nil || string(pt) != "plaintext" {
			t.Errorf("%v: open = %q, %v", s.id, pt, err)
		}
		if _, err := s.open(key, nonce, []byte("aaD"), ct); !errors.Is(err, ErrDecryption) {
			t.Errorf("%v: other aad: %v", s.id, err)
		}
		if _, err := s.open(key, nonce, []byte("aad"), ct[:15]); !errors.Is(err, ErrDecryption) {
			t.Errorf("%v: short ciphertext: %v", s.id, err)
		}
		for _, bad := range []struct{ key, nonce secret }{{key[1:], nonce}, {key, nonce[1:]}, {nil, nonce}, {key, nil}} {
			if _, err := s.seal(bad.key, bad.nonce, nil, nil); !errors.Is(err, ErrInvalidLength) {
				t.Errorf("%v: seal with %d-byte key, %d-byte nonce: %v", s.id, len(bad.key), len(bad.nonce), err)
			}
			if _, err := s.open(bad.key, bad.nonce, nil, ct); !errors.Is(err, ErrInvalidLength) {
				t.Errorf("%v: open with %d-byte key, %d-byte nonce: %v", s.id, len(bad.key), len(bad.nonce), err)
			}
		}
	}
}

// TestMAC checks MAC against RFC 4231 test case 2 (HMAC-SHA-256/384/512)
// and that verifyMAC rejects every other tag.
func TestMAC(t *testing.T) {
	key, data := []byte("Jefe"), []byte("what do ya want for nothing?")
	want := map[int]string{
		32: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		48: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
		64: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	}
	for _, s := range allSuites(t) {
		tag := s.mac(key, data)
		if !bytes.Equal(tag, unhex(t, want[s.nh])) {
			t.Errorf("%v: MAC = %x", s.id, tag)
		}
		if !s.verifyMAC(key, data, tag) {
			t.Errorf("%v: verifyMAC rejects the right tag", s.id)
		}
		bad := append([]byte(nil), tag...)
		bad[len(bad)-1] ^= 1
		for name, ok := range map[string]bool{
			"modified":  s.verifyMAC(key, data, bad),
			"truncated": s.verifyMAC(key, data, tag[:len(tag)-1]),
			"empty":     s.verifyMAC(key, data, nil),
			"other key": s.verifyMAC([]byte("jefe"), data, tag),
		} {
			if ok {
				t.Errorf("%v: verifyMAC accepts a %s tag", s.id, name)
			}
		}
	}
}

// TestMakeKeyPackageRef checks MakeKeyPackageRef with welcome.json: the
// reference of each entry's KeyPackage is the new_member of the
// EncryptedGroupSecrets of its Welcome, so it must appear there, prefixed
// with its length. (The Welcome itself is parsed by the framing tests.)
func TestMakeKeyPackageRef(t *testing.T) {
	var vectors []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		KeyPackage  hexBytes    `json:"key_package"`
		Welcome     hexBytes
	}
	loadVectors(t, "welcome.json", &vectors)
	ran := 0
	for _, v := range vectors {
		s, err := v.CipherSuite.suite()
		if err != nil {
			t.Fatal(err)
		}
		// key_package is an MLSMessage: version (2 bytes), wire_format
		// mls_key_package (2 bytes), then the KeyPackage.
		if len(v.KeyPackage) < 4 || !bytes.Equal(v.KeyPackage[:4], []byte{0, 1, 0, 5}) {
			t.Fatalf("%v: key_package is not an MLSMessage(KeyPackage)", v.CipherSuite)
		}
		ref, err := s.makeKeyPackageRef(v.KeyPackage[4:])
		if err != nil {
			t.Fatal(err)
		}
		if len(ref) != s.nh || !bytes.Contains(v.Welcome, append([]byte{byte(len(ref))}, ref...)) {
			t.Errorf("%v: KeyPackageRef %x not in the Welcome", v.CipherSuite, ref)
			continue
		}
		ran++
	}
	requireCount(t, "welcome.json KeyPackageRef", ran, len(vectors))

	// MakeProposalRef differs from MakeKeyPackageRef only in its label.
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	pr, _ := s.makeProposalRef([]byte("content"))
	want, _ := s.refHash("MLS 1.0 Proposal Reference", []byte("content"))
	kr, _ := s.makeKeyPackageRef([]byte("content"))
	if !bytes.Equal(pr, want) || bytes.Equal(pr, kr) {
		t.Errorf("MakeProposalRef = %x", pr)
	}
}
