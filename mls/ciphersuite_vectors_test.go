package mls

import (
	"bytes"
	"errors"
	"testing"
)

// cryptoBasicsVector is one entry of crypto-basics.json (test-vectors.md,
// "Crypto Basics").
type cryptoBasicsVector struct {
	CipherSuite CipherSuite `json:"cipher_suite"`
	RefHash     struct {
		Label string
		Value hexBytes
		Out   hexBytes
	} `json:"ref_hash"`
	ExpandWithLabel struct {
		Secret  hexBytes
		Label   string
		Context hexBytes
		Length  uint16
		Out     hexBytes
	} `json:"expand_with_label"`
	DeriveSecret struct {
		Secret hexBytes
		Label  string
		Out    hexBytes
	} `json:"derive_secret"`
	DeriveTreeSecret struct {
		Secret     hexBytes
		Label      string
		Generation uint32
		Length     uint16
		Out        hexBytes
	} `json:"derive_tree_secret"`
	SignWithLabel struct {
		Priv      hexBytes
		Pub       hexBytes
		Content   hexBytes
		Label     string
		Signature hexBytes
	} `json:"sign_with_label"`
	EncryptWithLabel struct {
		Priv       hexBytes
		Pub        hexBytes
		Label      string
		Context    hexBytes
		Plaintext  hexBytes
		KEMOutput  hexBytes `json:"kem_output"`
		Ciphertext hexBytes
	} `json:"encrypt_with_label"`
}

// cryptoBasicsChecks is the number of checks TestCryptoBasicsVectors makes
// per entry: ref_hash, expand_with_label, derive_secret and
// derive_tree_secret one each; sign_with_label three (the given signature
// verifies, the private key yields the given public key, a fresh signature
// verifies); encrypt_with_label three (the given ciphertext decrypts, the
// private key yields the given public key, a fresh encryption decrypts).
const cryptoBasicsChecks = 10

// TestCryptoBasicsVectors runs every sub-test of every entry of
// crypto-basics.json, one entry per cipher suite (test-vectors.md "Crypto
// Basics": RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret,
// SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel).
func TestCryptoBasicsVectors(t *testing.T) {
	var vectors []cryptoBasicsVector
	loadVectors(t, "crypto-basics.json", &vectors)
	entries, checks := 0, 0
	seen := map[CipherSuite]bool{}
	for _, v := range vectors {
		t.Run(v.CipherSuite.String(), func(t *testing.T) {
			n := checkCryptoBasics(t, v)
			if !t.Failed() {
				entries++
				checks += n
				seen[v.CipherSuite] = true
			}
		})
	}
	requireCount(t, "crypto-basics.json", entries, len(vectors))
	if len(seen) != 7 {
		t.Errorf("crypto-basics.json covered %d of the 7 cipher suites", len(seen))
	}
	if checks != cryptoBasicsChecks*len(vectors) {
		t.Errorf("ran %d checks, want %d", checks, cryptoBasicsChecks*len(vectors))
	}
	t.Logf("crypto-basics.json: %d checks over %d suites", checks, len(seen))
}

func checkCryptoBasics(t *testing.T, v cryptoBasicsVector) (checks int) {
	s, err := v.CipherSuite.suite()
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got []byte, err error, want []byte) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s = %x, want %x", what, got, want)
			return
		}
		checks++
	}

	rh := v.RefHash
	got, err := s.refHash(rh.Label, rh.Value)
	check("RefHash", got, err, rh.Out)

	ewl := v.ExpandWithLabel
	sec, err := s.expandWithLabel(secret(ewl.Secret), ewl.Label, ewl.Context, ewl.Length)
	check("ExpandWithLabel", sec, err, ewl.Out)

	ds := v.DeriveSecret
	sec, err = s.deriveSecret(secret(ds.Secret), ds.Label)
	check("DeriveSecret", sec, err, ds.Out)

	dts := v.DeriveTreeSecret
	sec, err = s.deriveTreeSecret(secret(dts.Secret), dts.Label, dts.Generation, dts.Length)
	check("DeriveTreeSecret", sec, err, dts.Out)

	swl := v.SignWithLabel
	if err := s.verifyWithLabel(swl.Pub, swl.Label, swl.Content, swl.Signature); err != nil {
		t.Errorf("VerifyWithLabel(signature of the vector): %v", err)
	} else {
		checks++
	}
	sk, err := v.CipherSuite.NewSigningKey(swl.Priv)
	if err != nil {
		t.Fatalf("NewSigningKey: %v", err)
	}
	check("signature public key", sk.PublicKey(), nil, swl.Pub)
	sig, err := s.signWithLabel(sk, swl.Label, swl.Content)
	if err != nil {
		t.Errorf("SignWithLabel: %v", err)
	} else if err := s.verifyWithLabel(swl.Pub, swl.Label, swl.Content, sig); err != nil {
		t.Errorf("VerifyWithLabel(SignWithLabel(priv)): %v", err)
	} else {
		checks++
	}
	// EdDSA signatures are deterministic (RFC 8032): ours must be the
	// vector's, byte for byte.
	if (s.sig == ed25519Scheme || s.sig == ed448Scheme) && !bytes.Equal(sig, swl.Signature) {
		t.Errorf("SignWithLabel = %x, want the vector's %x", sig, []byte(swl.Signature))
	}
	// A signature under another label must fail.
	if err := s.verifyWithLabel(swl.Pub, swl.Label+"x", swl.Content, swl.Signature); !errors.Is(err, ErrSignatureVerification) {
		t.Errorf("VerifyWithLabel with another label: %v, want ErrSignatureVerification", err)
	}

	ewl2 := v.EncryptWithLabel
	priv, err := s.newHPKEPrivateKey(ewl2.Priv)
	if err != nil {
		t.Fatalf("HPKE private key: %v", err)
	}
	pt, err := s.decryptWithLabel(priv, ewl2.Label, ewl2.Context, ewl2.KEMOutput, ewl2.Ciphertext)
	check("DecryptWithLabel(vector)", pt, err, ewl2.Plaintext)
	check("HPKE public key", priv.publicKey(), nil, ewl2.Pub)
	kemOutput, ct, err := s.encryptWithLabel(ewl2.Pub, ewl2.Label, ewl2.Context, ewl2.Plaintext)
	if err != nil {
		t.Fatalf("EncryptWithLabel: %v", err)
	}
	pt, err = s.decryptWithLabel(priv, ewl2.Label, ewl2.Context, kemOutput, ct)
	check("DecryptWithLabel(EncryptWithLabel(pub))", pt, err, ewl2.Plaintext)
	if _, err := s.decryptWithLabel(priv, ewl2.Label, append([]byte{1}, ewl2.Context...), ewl2.KEMOutput, ewl2.Ciphertext); !errors.Is(err, ErrDecryption) {
		t.Errorf("DecryptWithLabel with another context: %v, want ErrDecryption", err)
	}
	return checks
}
