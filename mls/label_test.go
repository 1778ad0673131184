package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestLabelEncoding checks the encodings of KDFLabel, SignContent and
// EncryptContext (RFC 9420 §5.1.2, §5.1.3, §8) byte for byte.
func TestLabelEncoding(t *testing.T) {
	got, err := marshalKDFLabel(32, "tree", []byte("left"))
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0x00, 0x20, 12}, "MLS 1.0 tree"...)
	want = append(want, 4)
	want = append(want, "left"...)
	if !bytes.Equal(got, want) {
		t.Errorf("KDFLabel = %x, want %x", got, want)
	}
	long := bytes.Repeat([]byte{1}, 100) // a two-byte varint length
	got, err = marshalLabeledContent("Welcome", long)
	if err != nil {
		t.Fatal(err)
	}
	want = append([]byte{15}, "MLS 1.0 Welcome"...)
	want = append(want, 0x40, 100)
	want = append(want, long...)
	if !bytes.Equal(got, want) {
		t.Errorf("EncryptContext = %x, want %x", got, want)
	}
}

// cryptoBasicsSeeds loads crypto-basics.json for the fuzz targets: their
// seed corpora come from it.
func cryptoBasicsSeeds(f *testing.F) []cryptoBasicsVector {
	var vectors []cryptoBasicsVector
	loadVectors(f, "crypto-basics.json", &vectors)
	if len(vectors) != 7 {
		f.Fatalf("crypto-basics.json has %d entries", len(vectors))
	}
	return vectors
}

// FuzzDecryptWithLabel feeds arbitrary KEM outputs, ciphertexts, labels and
// contexts to DecryptWithLabel with each suite's vector key: it must never
// panic, and every failure is ErrDecryption. The seeds are the vectors'
// valid encryptions, which must decrypt to their plaintexts.
func FuzzDecryptWithLabel(f *testing.F) {
	vectors := cryptoBasicsSeeds(f)
	keys := make([]*hpkePrivateKey, len(vectors))
	suites := make([]*suite, len(vectors))
	for i, v := range vectors {
		s, err := v.CipherSuite.suite()
		if err != nil {
			f.Fatal(err)
		}
		suites[i] = s
		if keys[i], err = s.newHPKEPrivateKey(v.EncryptWithLabel.Priv); err != nil {
			f.Fatal(err)
		}
		e := v.EncryptWithLabel
		f.Add(uint8(i), e.Label, []byte(e.Context), []byte(e.KEMOutput), []byte(e.Ciphertext))
	}
	f.Fuzz(func(t *testing.T, i uint8, label string, context, kemOutput, ciphertext []byte) {
		i %= uint8(len(vectors))
		pt, err := suites[i].decryptWithLabel(keys[i], label, context, kemOutput, ciphertext)
		if err != nil {
			if !errors.Is(err, ErrDecryption) {
				t.Fatalf("error %v is not ErrDecryption", err)
			}
			return
		}
		e := vectors[i].EncryptWithLabel
		if label == e.Label && bytes.Equal(context, e.Context) && bytes.Equal(kemOutput, e.KEMOutput) &&
			bytes.Equal(ciphertext, e.Ciphertext) && !bytes.Equal(pt, e.Plaintext) {
			t.Fatalf("vector decrypted to %x", pt)
		}
	})
}

// FuzzVerifyWithLabel feeds arbitrary public keys, labels, contents and
// signatures to VerifyWithLabel for each suite: it must never panic, and
// every failure is ErrSignatureVerification or ErrInvalidPublicKey. The
// seeds are the vectors' valid signatures, which must verify.
func FuzzVerifyWithLabel(f *testing.F) {
	vectors := cryptoBasicsSeeds(f)
	for i, v := range vectors {
		sw := v.SignWithLabel
		f.Add(uint8(i), []byte(sw.Pub), sw.Label, []byte(sw.Content), []byte(sw.Signature))
	}
	f.Fuzz(func(t *testing.T, i uint8, pub []byte, label string, content, sig []byte) {
		i %= uint8(len(vectors))
		s, _ := vectors[i].CipherSuite.suite()
		err := s.verifyWithLabel(pub, label, content, sig)
		sw := vectors[i].SignWithLabel
		isVector := bytes.Equal(pub, sw.Pub) && label == sw.Label && bytes.Equal(content, sw.Content) && bytes.Equal(sig, sw.Signature)
		switch {
		case err == nil:
		case isVector:
			t.Fatalf("vector signature refused: %v", err)
		case !errors.Is(err, ErrSignatureVerification) && !errors.Is(err, ErrInvalidPublicKey):
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzHPKEKeys decodes arbitrary bytes as HPKE private and public keys of
// each suite: no panics; a private key that decodes serializes to a key
// with the same public key; a public key passes checkHPKEPublicKey exactly
// when EncryptWithLabel accepts it.
func FuzzHPKEKeys(f *testing.F) {
	for i, v := range cryptoBasicsSeeds(f) {
		f.Add(uint8(i), []byte(v.EncryptWithLabel.Priv))
		f.Add(uint8(i), []byte(v.EncryptWithLabel.Pub))
	}
	f.Fuzz(func(t *testing.T, i uint8, b []byte) {
		s := allSuites(t)[i%7]
		if k, err := s.newHPKEPrivateKey(b); err == nil {
			ser, err := k.bytes()
			if err != nil {
				t.Fatal(err)
			}
			k2, err := s.newHPKEPrivateKey(ser)
			if err != nil || !bytes.Equal(k2.publicKey(), k.publicKey()) {
				t.Fatalf("serialized key does not decode to the same key: %v", err)
			}
		} else if !errors.Is(err, ErrInvalidPrivateKey) {
			t.Fatalf("unexpected error %v", err)
		}
		checkErr := s.checkHPKEPublicKey(b)
		_, _, sealErr := s.encryptWithLabel(b, "L", nil, []byte("m"))
		if (checkErr == nil) != (sealErr == nil) {
			t.Fatalf("checkHPKEPublicKey: %v, but EncryptWithLabel: %v", checkErr, sealErr)
		}
	})
}

// FuzzSigningKey decodes arbitrary bytes as signature private keys and
// public keys of each suite: no panics, round trips for what decodes.
func FuzzSigningKey(f *testing.F) {
	for i, v := range cryptoBasicsSeeds(f) {
		f.Add(uint8(i), []byte(v.SignWithLabel.Priv))
		f.Add(uint8(i), []byte(v.SignWithLabel.Pub))
	}
	f.Fuzz(func(t *testing.T, i uint8, b []byte) {
		s := allSuites(t)[i%7]
		if k, err := s.id.NewSigningKey(b); err == nil {
			k2, err := s.id.NewSigningKey(k.Bytes())
			if err != nil || !bytes.Equal(k2.PublicKey(), k.PublicKey()) {
				t.Fatalf("Bytes does not decode to the same key: %v", err)
			}
			if err := s.checkSignaturePublicKey(k.PublicKey()); err != nil {
				t.Fatal(err)
			}
		} else if !errors.Is(err, ErrInvalidPrivateKey) {
			t.Fatalf("unexpected error %v", err)
		}
		if err := s.checkSignaturePublicKey(b); err != nil && !errors.Is(err, ErrInvalidPublicKey) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// benchSuites are the suites the benchmarks compare: the default
// X25519/AES-128-GCM/Ed25519 suite, the P-384 all-256-bit suite of the
// design, and the X448 suite whose DeriveKeyPair is our own.
var benchSuites = []CipherSuite{
	MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
	MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448,
	MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
}

func benchSuite(b *testing.B, f func(b *testing.B, s *suite)) {
	for _, cs := range benchSuites {
		b.Run(fmt.Sprintf("0x%04x", uint16(cs)), func(b *testing.B) {
			s, err := cs.suite()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			f(b, s)
		})
	}
}

func BenchmarkExpandWithLabel(b *testing.B) {
	benchSuite(b, func(b *testing.B, s *suite) {
		sec := make(secret, s.nh)
		ctx := make([]byte, 32)
		b.SetBytes(int64(s.nh))
		for b.Loop() {
			if _, err := s.expandWithLabel(sec, "epoch", ctx, uint16(s.nh)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDeriveKeyPair(b *testing.B) {
	benchSuite(b, func(b *testing.B, s *suite) {
		ikm := make(secret, s.nh)
		for b.Loop() {
			if _, err := s.deriveKeyPair(ikm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSignWithLabel(b *testing.B) {
	benchSuite(b, func(b *testing.B, s *suite) {
		k, _ := s.id.GenerateSigningKey()
		content := make([]byte, 256)
		b.SetBytes(int64(len(content)))
		for b.Loop() {
			if _, err := s.signWithLabel(k, "FramedContentTBS", content); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerifyWithLabel(b *testing.B) {
	benchSuite(b, func(b *testing.B, s *suite) {
		k, _ := s.id.GenerateSigningKey()
		content := make([]byte, 256)
		sig, _ := s.signWithLabel(k, "FramedContentTBS", content)
		pub := k.PublicKey()
		b.SetBytes(int64(len(content)))
		for b.Loop() {
			if err := s.verifyWithLabel(pub, "FramedContentTBS", content, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncryptWithLabel(b *testing.B) {
	benchSuite(b, func(b *testing.B, s *suite) {
		k, _ := s.generateHPKEKey()
		pt := make([]byte, s.nh) // a path secret
		ctx := make([]byte, 128)
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			if _, _, err := s.encryptWithLabel(k.publicKey(), "UpdatePathNode", ctx, pt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecryptWithLabel(b *testing.B) {
	benchSuite(b, func(b *testing.B, s *suite) {
		k, _ := s.generateHPKEKey()
		pt := make([]byte, s.nh)
		ctx := make([]byte, 128)
		enc, ct, _ := s.encryptWithLabel(k.publicKey(), "UpdatePathNode", ctx, pt)
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			if _, err := s.decryptWithLabel(k, "UpdatePathNode", ctx, enc, ct); err != nil {
				b.Fatal(err)
			}
		}
	})
}
