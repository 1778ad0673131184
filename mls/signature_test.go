package mls

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
)

// TestSignatureRoundTrip signs and verifies with fresh keys for every
// suite, and checks that other content, another label, another key, a
// modified signature and malformed keys are refused with the right errors.
func TestSignatureRoundTrip(t *testing.T) {
	for _, s := range allSuites(t) {
		t.Run(s.id.String(), func(t *testing.T) {
			k, err := s.id.GenerateSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			if k.CipherSuite() != s.id {
				t.Fatalf("key of %v", k.CipherSuite())
			}
			pub := k.PublicKey()
			if err := s.checkSignaturePublicKey(pub); err != nil {
				t.Fatal(err)
			}
			sig, err := s.signWithLabel(k, "Label", []byte("content"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.verifyWithLabel(pub, "Label", []byte("content"), sig); err != nil {
				t.Fatal(err)
			}
			if s.sig.curve() != nil {
				// RFC 9420 §5.1.2: ECDSA signatures are DER.
				var rs struct{ R, S *big.Int }
				if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 {
					t.Errorf("ECDSA signature is not DER: %v", err)
				}
			}
			other, _ := s.id.GenerateSigningKey()
			bad := append([]byte(nil), sig...)
			bad[len(bad)/2] ^= 1
			for name, err := range map[string]error{
				"other content": s.verifyWithLabel(pub, "Label", []byte("content!"), sig),
				"other label":   s.verifyWithLabel(pub, "Label2", []byte("content"), sig),
				"other key":     s.verifyWithLabel(other.PublicKey(), "Label", []byte("content"), sig),
				"modified":      s.verifyWithLabel(pub, "Label", []byte("content"), bad),
				"truncated":     s.verifyWithLabel(pub, "Label", []byte("content"), sig[:len(sig)-1]),
				"empty":         s.verifyWithLabel(pub, "Label", []byte("content"), nil),
			} {
				if !errors.Is(err, ErrSignatureVerification) {
					t.Errorf("%s: %v, want ErrSignatureVerification", name, err)
				}
			}
			for _, badPub := range [][]byte{nil, pub[1:], append(pub, 0)} {
				if err := s.verifyWithLabel(badPub, "Label", []byte("content"), sig); !errors.Is(err, ErrInvalidPublicKey) {
					t.Errorf("%d-byte public key: %v, want ErrInvalidPublicKey", len(badPub), err)
				}
				if err := s.checkSignaturePublicKey(badPub); !errors.Is(err, ErrInvalidPublicKey) {
					t.Errorf("checkSignaturePublicKey(%d bytes) = %v", len(badPub), err)
				}
			}
			// Private key round trip and malformed private keys.
			k2, err := s.id.NewSigningKey(k.Bytes())
			if err != nil || !bytes.Equal(k2.PublicKey(), pub) {
				t.Fatalf("NewSigningKey(Bytes()): %v", err)
			}
			for _, badPriv := range [][]byte{nil, append(k.Bytes(), 1)} {
				if _, err := s.id.NewSigningKey(badPriv); !errors.Is(err, ErrInvalidPrivateKey) {
					t.Errorf("NewSigningKey(%d bytes) = %v", len(badPriv), err)
				}
			}
		})
	}
}

// TestSigningKeySuiteMismatch checks that a key is refused by another
// suite, even one with the same signature scheme.
func TestSigningKeySuiteMismatch(t *testing.T) {
	k, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.GenerateSigningKey()
	s3, _ := MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519.suite()
	if _, err := s3.signWithLabel(k, "L", nil); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("suite 1 key with suite 3: %v", err)
	}
	if _, err := s3.signWithLabel(nil, "L", nil); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("nil key: %v", err)
	}
	if _, err := CipherSuite(0x0a0a).GenerateSigningKey(); !errors.Is(err, ErrUnsupportedCipherSuite) {
		t.Errorf("GenerateSigningKey(GREASE suite) = %v", err)
	}
	if _, err := CipherSuite(0).NewSigningKey(make([]byte, 32)); !errors.Is(err, ErrUnsupportedCipherSuite) {
		t.Errorf("NewSigningKey(suite 0) = %v", err)
	}
}

// TestSigningKeyECDSAScalars checks that ECDSA scalars shorter than the
// field size are left-padded (a P-521 key with a leading zero byte may come
// as 65 bytes) and that the zero scalar and scalars above the group order
// are refused.
func TestSigningKeyECDSAScalars(t *testing.T) {
	cs := MLS_256_DHKEMP521_AES256GCM_SHA512_P521
	for {
		k, err := cs.GenerateSigningKey()
		if err != nil {
			t.Fatal(err)
		}
		b := k.Bytes()
		if len(b) != 66 {
			t.Fatalf("P-521 key of %d bytes", len(b))
		}
		if b[0] != 0 {
			continue
		}
		k2, err := cs.NewSigningKey(b[1:])
		if err != nil || !bytes.Equal(k2.PublicKey(), k.PublicKey()) {
			t.Fatalf("65-byte P-521 key: %v", err)
		}
		break
	}
	for _, cs := range []CipherSuite{MLS_128_DHKEMP256_AES128GCM_SHA256_P256, MLS_256_DHKEMP384_AES256GCM_SHA384_P384, cs} {
		size := map[CipherSuite]int{2: 32, 7: 48, 5: 66}[cs]
		for _, bad := range [][]byte{make([]byte, size), bytes.Repeat([]byte{0xff}, size)} {
			if _, err := cs.NewSigningKey(bad); !errors.Is(err, ErrInvalidPrivateKey) {
				t.Errorf("%v: scalar %x…: %v", cs, bad[:2], err)
			}
		}
	}
}

// TestSignWithLabelPublic checks the exported SignWithLabel and
// VerifyWithLabel: a signature verifies with its label and content only,
// and the labels MLS signs with are refused both ways.
func TestSignWithLabelPublic(t *testing.T) {
	for _, cs := range allCipherSuites() {
		signer, err := cs.GenerateSigningKey()
		if err != nil {
			t.Fatal(err)
		}
		sig, err := SignWithLabel(signer, "SFrame tags", []byte("content"))
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyWithLabel(cs, signer.PublicKey(), "SFrame tags", []byte("content"), sig); err != nil {
			t.Errorf("%v: %v", cs, err)
		}
		if err := VerifyWithLabel(cs, signer.PublicKey(), "SFrame tag", []byte("content"), sig); !errors.Is(err, ErrSignatureVerification) {
			t.Errorf("%v: other label: %v", cs, err)
		}
		if err := VerifyWithLabel(cs, signer.PublicKey(), "SFrame tags", []byte("contend"), sig); !errors.Is(err, ErrSignatureVerification) {
			t.Errorf("%v: other content: %v", cs, err)
		}
		// The same bytes as the internal labeled signature.
		s := mustSuite(t, cs)
		if err := s.verifyWithLabel(signer.PublicKey(), "SFrame tags", []byte("content"), sig); err != nil {
			t.Errorf("%v: internal verification: %v", cs, err)
		}
		for label := range mlsSignatureLabels {
			if _, err := SignWithLabel(signer, label, nil); !errors.Is(err, ErrReservedLabel) {
				t.Errorf("%v: signing with %q: %v", cs, label, err)
			}
			if err := VerifyWithLabel(cs, signer.PublicKey(), label, nil, sig); !errors.Is(err, ErrReservedLabel) {
				t.Errorf("%v: verifying with %q: %v", cs, label, err)
			}
		}
	}
	if _, err := SignWithLabel(nil, "x", nil); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("no key: %v", err)
	}
}
