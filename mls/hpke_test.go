package mls

import (
	"bytes"
	"crypto/ecdh"
	stdhpke "crypto/hpke"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
)

// allSuites returns the suites of the seven MLS cipher suites in order.
func allSuites(t testing.TB) []*suite {
	t.Helper()
	var out []*suite
	for cs := CipherSuite(1); cs <= 7; cs++ {
		s, err := cs.suite()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// suiteFor returns the MLS suite with the given HPKE algorithms.
func suiteFor(t *testing.T, kem, kdf, aead uint16) *suite {
	t.Helper()
	kdfOf := map[int]uint16{32: 1, 48: 2, 64: 3}
	for _, s := range allSuites(t) {
		if uint16(s.kem) == kem && kdfOf[s.nh] == kdf && uint16(s.aead) == aead {
			return s
		}
	}
	t.Fatalf("no MLS suite has KEM 0x%04x, KDF 0x%04x, AEAD 0x%04x", kem, kdf, aead)
	return nil
}

// TestHPKERFC9180Vectors checks DeriveKeyPair, DeserializePrivateKey and
// OpenBase against the RFC 9180 test vectors of every MLS suite but
// 0x0007 (the vectors have no DHKEM(P-384)): both key pairs of each entry
// (ikmR → skRm, pkRm and ikmE → skEm, pkEm) and the first encryption.
func TestHPKERFC9180Vectors(t *testing.T) {
	ran, derived := 0, 0
	suites := map[CipherSuite]bool{}
	for _, v := range rfc9180Vectors {
		name := fmt.Sprintf("kem%04x-kdf%04x-aead%04x", v.kem, v.kdf, v.aead)
		t.Run(name, func(t *testing.T) {
			s := suiteFor(t, v.kem, v.kdf, v.aead)
			for _, kp := range [][3]string{{v.ikmR, v.skRm, v.pkRm}, {v.ikmE, v.skEm, v.pkEm}} {
				ikm, sk, pk := unhex(t, kp[0]), unhex(t, kp[1]), unhex(t, kp[2])
				k, err := s.deriveKeyPair(ikm)
				if err != nil {
					t.Fatalf("DeriveKeyPair: %v", err)
				}
				if !bytes.Equal(k.publicKey(), pk) {
					t.Errorf("DeriveKeyPair(%x) public key = %x, want %x", ikm, k.publicKey(), pk)
				}
				k2, err := s.newHPKEPrivateKey(sk)
				if err != nil || !bytes.Equal(k2.publicKey(), pk) {
					t.Fatalf("DeserializePrivateKey(%x): %v", sk, err)
				}
				// The vectors' X25519 private keys are not clamped and
				// crypto/hpke serializes clamped ones (RFC 9180 §7.1.2), so
				// the private keys are compared as keys: serialized the same
				// way after decoding.
				b, err := k.bytes()
				b2, err2 := k2.bytes()
				if err != nil || err2 != nil || !bytes.Equal(b, b2) {
					t.Errorf("DeriveKeyPair(%x) private key = %x, want %x (%v, %v)", ikm, []byte(b), sk, err, err2)
				}
				derived++
			}
			skR, err := s.newHPKEPrivateKey(unhex(t, v.skRm))
			if err != nil {
				t.Fatal(err)
			}
			pt, err := s.hpkeOpen(skR, unhex(t, v.enc), unhex(t, v.info), unhex(t, v.aad), unhex(t, v.ct))
			if err != nil || !bytes.Equal(pt, unhex(t, v.pt)) {
				t.Fatalf("OpenBase = %x, %v; want %s", pt, err, v.pt)
			}
			if !t.Failed() {
				ran++
				suites[s.id] = true
			}
		})
	}
	requireCount(t, "RFC 9180 vectors", ran, len(rfc9180Vectors))
	if len(suites) != 6 || derived != 2*len(rfc9180Vectors) {
		t.Errorf("covered %d suites, %d key pairs", len(suites), derived)
	}
	t.Logf("RFC 9180: %d entries, %d DeriveKeyPair cases, suites %v", ran, derived, suites)
}

// keyScheduleExternalVector holds the fields of key-schedule.json that
// check DeriveKeyPair: external_pub = KEM.DeriveKeyPair(external_secret)
// (RFC 9420 §8). The rest of the key schedule is tested with it.
type keyScheduleExternalVector struct {
	CipherSuite CipherSuite `json:"cipher_suite"`
	Epochs      []struct {
		ExternalSecret hexBytes `json:"external_secret"`
		ExternalPub    hexBytes `json:"external_pub"`
	}
}

// TestDeriveKeyPairMLSVectors checks DeriveKeyPair on MLS-sized seeds
// (KDF.Nh bytes: 64 for X448 and P-521, which circl's DeriveKeyPair
// refuses) with the external_pub of every epoch of key-schedule.json.
func TestDeriveKeyPairMLSVectors(t *testing.T) {
	var vectors []keyScheduleExternalVector
	loadVectors(t, "key-schedule.json", &vectors)
	ran, want := 0, 0
	perSuite := map[CipherSuite]int{}
	for _, v := range vectors {
		s, err := v.CipherSuite.suite()
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range v.Epochs {
			want++
			if len(e.ExternalSecret) != s.nh {
				t.Errorf("%v epoch %d: external_secret of %d bytes", v.CipherSuite, i, len(e.ExternalSecret))
			}
			k, err := s.deriveKeyPair(secret(e.ExternalSecret))
			if err != nil {
				t.Errorf("%v epoch %d: %v", v.CipherSuite, i, err)
				continue
			}
			if !bytes.Equal(k.publicKey(), e.ExternalPub) {
				t.Errorf("%v epoch %d: external_pub = %x, want %x", v.CipherSuite, i, k.publicKey(), []byte(e.ExternalPub))
				continue
			}
			ran++
			perSuite[v.CipherSuite]++
		}
	}
	requireCount(t, "key-schedule.json external_pub", ran, want)
	if len(perSuite) != 7 {
		t.Errorf("covered %d suites", len(perSuite))
	}
	t.Logf("key-schedule.json: external_pub per suite %v", perSuite)
}

// TestDeriveXKeyPairMatchesStdlib checks our RFC 9180 §7.1.3 DeriveKeyPair
// (used for X448) against crypto/hpke's for X25519, the same construction
// with another curve, on seeds of every length from 0 to 100 bytes.
func TestDeriveXKeyPairMatchesStdlib(t *testing.T) {
	kem := stdhpke.DHKEM(ecdh.X25519())
	for n := 0; n <= 100; n++ {
		ikm := make([]byte, n)
		rand.Read(ikm)
		sk, err := deriveXKeyPair(kemX25519, ikm)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := kem.NewPrivateKey(sk)
		if err != nil {
			t.Fatal(err)
		}
		std, err := kem.DeriveKeyPair(ikm)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours.PublicKey().Bytes(), std.PublicKey().Bytes()) {
			t.Fatalf("seed of %d bytes: public keys differ", n)
		}
	}
	if _, err := deriveXKeyPair(kemP256, []byte("seed")); err == nil {
		t.Error("deriveXKeyPair accepted a NIST KEM")
	}
}

// TestDeriveXKeyPairMatchesCircl checks our X448 DeriveKeyPair against
// circl's on the one seed length circl accepts (Nsk = 56 bytes).
func TestDeriveXKeyPairMatchesCircl(t *testing.T) {
	s, _ := MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448.suite()
	for range 20 {
		ikm := make([]byte, 56)
		rand.Read(ikm)
		pub, _ := x448Scheme.DeriveKeyPair(ikm)
		want, _ := pub.MarshalBinary()
		k, err := s.deriveKeyPair(ikm)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k.publicKey(), want) {
			t.Fatalf("DeriveKeyPair(%x) = %x, circl %x", ikm, k.publicKey(), want)
		}
	}
}

// TestHPKERoundTrip seals and opens with fresh keys for every suite, and
// checks that another key, another info or aad, or a modified ciphertext
// fails with ErrDecryption.
func TestHPKERoundTrip(t *testing.T) {
	for _, s := range allSuites(t) {
		t.Run(s.id.String(), func(t *testing.T) {
			k, err := s.generateHPKEKey()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.checkHPKEPublicKey(k.publicKey()); err != nil {
				t.Fatal(err)
			}
			other, _ := s.generateHPKEKey()
			info, aad, msg := []byte("info"), []byte("aad"), []byte("a message")
			enc, ct, err := s.hpkeSeal(k.publicKey(), info, aad, msg)
			if err != nil {
				t.Fatal(err)
			}
			pt, err := s.hpkeOpen(k, enc, info, aad, ct)
			if err != nil || !bytes.Equal(pt, msg) {
				t.Fatalf("open = %q, %v", pt, err)
			}
			bad := append([]byte(nil), ct...)
			bad[0] ^= 1
			for name, f := range map[string]func() ([]byte, error){
				"other key":  func() ([]byte, error) { return s.hpkeOpen(other, enc, info, aad, ct) },
				"other info": func() ([]byte, error) { return s.hpkeOpen(k, enc, []byte("x"), aad, ct) },
				"other aad":  func() ([]byte, error) { return s.hpkeOpen(k, enc, info, nil, ct) },
				"bad ct":     func() ([]byte, error) { return s.hpkeOpen(k, enc, info, aad, bad) },
				"short ct":   func() ([]byte, error) { return s.hpkeOpen(k, enc, info, aad, ct[:5]) },
				"short enc":  func() ([]byte, error) { return s.hpkeOpen(k, enc[:len(enc)-1], info, aad, ct) },
				"no enc":     func() ([]byte, error) { return s.hpkeOpen(k, nil, info, aad, ct) },
			} {
				if _, err := f(); !errors.Is(err, ErrDecryption) {
					t.Errorf("%s: %v, want ErrDecryption", name, err)
				}
			}
			// Serialization round trip.
			b, err := k.bytes()
			if err != nil {
				t.Fatal(err)
			}
			k2, err := s.newHPKEPrivateKey(b)
			if err != nil || !bytes.Equal(k2.publicKey(), k.publicKey()) {
				t.Fatalf("newHPKEPrivateKey(bytes()): %v", err)
			}
			// Bad public keys.
			for _, pub := range [][]byte{nil, k.publicKey()[1:], append(k.publicKey(), 0)} {
				if err := s.checkHPKEPublicKey(pub); !errors.Is(err, ErrInvalidPublicKey) {
					t.Errorf("checkHPKEPublicKey(%d bytes) = %v", len(pub), err)
				}
				if _, _, err := s.hpkeSeal(pub, info, aad, msg); !errors.Is(err, ErrInvalidPublicKey) {
					t.Errorf("hpkeSeal to a %d-byte key: %v", len(pub), err)
				}
			}
			// Bad private keys.
			if _, err := s.newHPKEPrivateKey(append(b, 0)); !errors.Is(err, ErrInvalidPrivateKey) {
				t.Errorf("newHPKEPrivateKey(too long) = %v", err)
			}
			if _, err := s.newHPKEPrivateKey(nil); !errors.Is(err, ErrInvalidPrivateKey) {
				t.Errorf("newHPKEPrivateKey(nil) = %v", err)
			}
		})
	}
}

// TestHPKEKeySuiteMismatch checks that a key of one KEM is refused by a
// suite with another.
func TestHPKEKeySuiteMismatch(t *testing.T) {
	s1, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	s4, _ := MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448.suite()
	k, _ := s1.generateHPKEKey()
	enc, ct, err := s1.hpkeSeal(k.publicKey(), nil, nil, []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s4.hpkeOpen(k, enc, nil, nil, ct); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("X25519 key with an X448 suite: %v", err)
	}
	if _, err := s1.decryptWithLabel(nil, "L", nil, enc, ct); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("nil key: %v", err)
	}
}

// TestHPKEShortP521Key checks that a P-521 private key whose leading zero
// byte was dropped (65 bytes) decodes to the same key, and that NIST keys
// of invalid scalars are refused.
func TestHPKEShortP521Key(t *testing.T) {
	s, _ := MLS_256_DHKEMP521_AES256GCM_SHA512_P521.suite()
	for i := 0; ; i++ {
		k, err := s.deriveKeyPair([]byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := k.bytes()
		if b[0] != 0 {
			continue
		}
		k2, err := s.newHPKEPrivateKey(b[1:])
		if err != nil || !bytes.Equal(k2.publicKey(), k.publicKey()) {
			t.Fatalf("65-byte P-521 key: %v", err)
		}
		break
	}
	if _, err := s.newHPKEPrivateKey(make([]byte, 66)); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("zero scalar: %v", err)
	}
	if _, err := s.newHPKEPrivateKey(bytes.Repeat([]byte{0xff}, 66)); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("scalar above the order: %v", err)
	}
}
