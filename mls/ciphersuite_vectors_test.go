package mls

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
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

// TestPrivateKeyVectors decodes every private key of the passive-client
// vectors (the joiner's signature, leaf encryption and init keys) and of
// message-protection.json for all seven suites. Their public keys sit in
// the KeyPackage of the same entry, so each derived public key, with its
// length prefix, must occur in it. Some P-521 keys there are 65 bytes
// (a leading zero byte dropped) and exercise the left-padding.
func TestPrivateKeyVectors(t *testing.T) {
	type passiveClient struct {
		CipherSuite    CipherSuite `json:"cipher_suite"`
		KeyPackage     hexBytes    `json:"key_package"`
		SignaturePriv  hexBytes    `json:"signature_priv"`
		EncryptionPriv hexBytes    `json:"encryption_priv"`
		InitPriv       hexBytes    `json:"init_priv"`
	}
	keys, short := 0, 0
	for _, file := range []string{"passive-client-welcome.json", "passive-client-handling-commit.json"} {
		var vectors []passiveClient
		loadVectors(t, file, &vectors)
		ran := 0
		for i, v := range vectors {
			s, err := v.CipherSuite.suite()
			if err != nil {
				t.Fatal(err)
			}
			sk, err := v.CipherSuite.NewSigningKey(v.SignaturePriv)
			if err != nil {
				t.Fatalf("%s %d: signature_priv: %v", file, i, err)
			}
			pubs := [][]byte{sk.PublicKey()}
			for _, priv := range []hexBytes{v.EncryptionPriv, v.InitPriv} {
				k, err := s.newHPKEPrivateKey(priv)
				if err != nil {
					t.Fatalf("%s %d: HPKE private key: %v", file, i, err)
				}
				pubs = append(pubs, k.publicKey())
			}
			for j, pub := range pubs {
				opaque, _ := tlscodec.Marshal(func(b *cryptobyte.Builder) { tlscodec.AddOpaque(b, pub) })
				if !bytes.Contains(v.KeyPackage, opaque) {
					t.Fatalf("%s %d (%v): public key %d not in the KeyPackage", file, i, v.CipherSuite, j)
				}
			}
			for _, priv := range []hexBytes{v.SignaturePriv, v.EncryptionPriv, v.InitPriv} {
				if v.CipherSuite == MLS_256_DHKEMP521_AES256GCM_SHA512_P521 && len(priv) == 65 {
					short++
				}
			}
			keys += 3
			ran++
		}
		requireCount(t, file, ran, len(vectors))
	}

	var mp []struct {
		CipherSuite   CipherSuite `json:"cipher_suite"`
		SignaturePriv hexBytes    `json:"signature_priv"`
		SignaturePub  hexBytes    `json:"signature_pub"`
	}
	loadVectors(t, "message-protection.json", &mp)
	ran := 0
	for _, v := range mp {
		sk, err := v.CipherSuite.NewSigningKey(v.SignaturePriv)
		if err != nil || !bytes.Equal(sk.PublicKey(), v.SignaturePub) {
			t.Fatalf("%v: signature_priv: %v", v.CipherSuite, err)
		}
		if v.CipherSuite == MLS_256_DHKEMP521_AES256GCM_SHA512_P521 && len(v.SignaturePriv) == 65 {
			short++
		}
		keys++
		ran++
	}
	requireCount(t, "message-protection.json signature keys", ran, len(mp))
	if short == 0 {
		t.Error("no 65-byte P-521 key was exercised")
	}
	t.Logf("decoded %d private keys, %d of them 65-byte P-521 keys", keys, short)
}
