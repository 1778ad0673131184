package mls

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// testCA is a throwaway certificate authority for the X.509 credential
// tests: Ed25519, self-signed.
type testCA struct {
	key  ed25519.PrivateKey
	cert *x509.Certificate
	der  []byte
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{key: key, cert: cert, der: der}
}

// issue returns a certificate for the public key of k, a SigningKey of an
// Ed25519 or ECDSA suite. For Ed448, which crypto/x509 cannot encode, it
// issues an Ed25519 certificate and swaps in an Ed448 subjectPublicKeyInfo
// (the certificate's own signature is then wrong, which parsing does not
// check and the key match does not need).
func (ca *testCA) issue(t testing.TB, k *SigningKey, name string) []byte {
	t.Helper()
	var pub crypto.PublicKey
	switch {
	case k.ed25519 != nil:
		pub = k.ed25519.Public()
	case k.ecdsa != nil:
		pub = k.ecdsa.Public()
	default:
		pub = ed25519.PublicKey(make([]byte, ed25519.PublicKeySize))
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	if k.ed448 != nil {
		der = withSubjectPublicKeyInfo(t, der, ed448SPKI(k.pub))
	}
	return der
}

// ed448SPKI encodes an Ed448 SubjectPublicKeyInfo (RFC 8410 §4).
func ed448SPKI(pub []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidEd448) })
		b.AddASN1BitString(pub)
	})
	return b.BytesOrPanic()
}

// withSubjectPublicKeyInfo re-encodes a certificate with another
// subjectPublicKeyInfo, the seventh field of its TBSCertificate.
func withSubjectPublicKeyInfo(t testing.TB, der, spki []byte) []byte {
	t.Helper()
	in := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		t.Fatal("malformed certificate")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i := 0; !tbs.Empty(); i++ {
				var elem cryptobyte.String
				if !tbs.ReadAnyASN1Element(&elem, nil) {
					t.Fatal("malformed TBSCertificate")
				}
				if i == 6 {
					b.AddBytes(spki)
				} else {
					b.AddBytes(elem)
				}
			}
		})
		b.AddBytes(cert) // signatureAlgorithm and signatureValue
	})
	return b.BytesOrPanic()
}

func TestX509Credential(t *testing.T) {
	ca := newTestCA(t)
	for _, cs := range allCipherSuites() {
		t.Run(cs.String(), func(t *testing.T) {
			s, _ := cs.suite()
			signer, err := cs.GenerateSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			other, err := cs.GenerateSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			cred := Credential{Type: CredentialTypeX509, Certificates: [][]byte{ca.issue(t, signer, "alice"), ca.der}}

			var seen []*x509.Certificate
			validator := func(c Credential, key []byte, chain []*x509.Certificate) error {
				seen = chain
				if chain[0].Subject.CommonName != "alice" {
					return errors.New("not alice")
				}
				return nil
			}
			if err := s.checkCredential(&cred, signer.pub, validator); err != nil {
				t.Fatalf("matching key: %v", err)
			}
			if len(seen) != 2 || seen[1].Subject.CommonName != "test CA" {
				t.Fatalf("validator got %d certificates", len(seen))
			}
			// The same chain for another signature key.
			err = s.checkCredential(&cred, other.pub, validator)
			if err == nil || !strings.Contains(err.Error(), "certificates[0]: public key is not the leaf's signature_key") {
				t.Errorf("mismatched key: %v", err)
			}
			// A KeyPackage with it: made and verified with the chain,
			// refused for another signer.
			kp, _, err := NewKeyPackage(signer, cred, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := kp.Verify(&ValidationOptions{CredentialValidator: validator}); err != nil {
				t.Fatalf("X.509 key package: %v", err)
			}
			if _, _, err := NewKeyPackage(other, cred, nil); !errors.Is(err, ErrInvalidCredential) {
				t.Errorf("key package for a certificate of another key: %v", err)
			}
			// A leaf whose certificate is for another key.
			kp.LeafNode.Credential.Certificates = [][]byte{ca.issue(t, other, "alice")}
			resign(t, kp, signer)
			if err := kp.Verify(nil); !errors.Is(err, ErrInvalidCredential) || !errors.Is(err, ErrInvalidLeafNode) {
				t.Errorf("leaf with another key's certificate: %v", err)
			}
		})
	}

	// Other failures, on suite 0x0002 (ECDSA P-256).
	s, _ := MLS_128_DHKEMP256_AES128GCM_SHA256_P256.suite()
	signer, _ := MLS_128_DHKEMP256_AES128GCM_SHA256_P256.GenerateSigningKey()
	edSigner, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.GenerateSigningKey()
	p384Signer, _ := MLS_256_DHKEMP384_AES256GCM_SHA384_P384.GenerateSigningKey()
	good := ca.issue(t, signer, "bob")
	for _, c := range []struct {
		name  string
		certs [][]byte
		want  string
	}{
		{"empty chain", [][]byte{}, "x509: empty certificate chain"},
		{"garbage end-entity", [][]byte{{0x30, 0x03, 1, 2, 3}}, "x509: certificates[0]: "},
		{"garbage intermediate", [][]byte{good, {0x30}}, "x509: certificates[1]: "},
		{"Ed25519 certificate in an ECDSA suite", [][]byte{ca.issue(t, edSigner, "bob")}, "certificates[0]: public key algorithm Ed25519, the cipher suite signs with ECDSA on P-256"},
		{"P-384 certificate in a P-256 suite", [][]byte{ca.issue(t, p384Signer, "bob")}, "the cipher suite signs with ECDSA on P-256"},
	} {
		err := s.checkCredential(&Credential{Type: CredentialTypeX509, Certificates: c.certs}, signer.pub, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// An ECDSA certificate in an Ed448 suite; an Ed448 key info that is
	// not for Ed448.
	s448, _ := MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448.suite()
	if err := s448.checkCredential(&Credential{Type: CredentialTypeX509, Certificates: [][]byte{good}}, signer.pub, nil); err == nil {
		t.Error("ECDSA certificate accepted for Ed448")
	}
	if _, err := ed448SubjectPublicKey(ed448SPKI(make([]byte, 10))); err == nil {
		t.Error("a 10-byte Ed448 key accepted")
	}
	if _, err := ed448SubjectPublicKey([]byte{0x30, 0x00}); err == nil {
		t.Error("an empty subjectPublicKeyInfo accepted")
	}
}

// TestX509CredentialInTree validates a tree whose member presents an X.509
// certificate for another key: the error names the member's node.
func TestX509CredentialInTree(t *testing.T) {
	ca := newTestCA(t)
	f := newKPTree(t, 3, func(i int, signer *SigningKey) Credential {
		return Credential{Type: CredentialTypeX509, Certificates: [][]byte{ca.issue(t, signer, "member")}}
	})
	if err := f.validate(t, nil, nil); err != nil {
		t.Fatalf("valid X.509 tree: %v", err)
	}
	// ... and then member 1's leaf is given a certificate for another key.
	f.setLeaf(1, func(ln *LeafNode) {
		other, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.GenerateSigningKey()
		ln.Credential = Credential{Type: CredentialTypeX509, Certificates: [][]byte{ca.issue(t, other, "member")}}
	})
	wantErr(t, "X.509 certificate for another key", f.validate(t, nil, nil),
		"mls: ratchet tree: node 2 (leaf 1): credential: x509: certificates[0]: public key is not the leaf's signature_key",
		ErrInvalidCredential, ErrInvalidLeafNode, ErrInvalidRatchetTree)
}
