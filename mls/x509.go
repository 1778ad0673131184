package mls

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/sign/ed448"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// X.509 credentials (RFC 9420 §5.3): the certificates are parsed with
// crypto/x509, and the end-entity certificate's public key must be the
// signature_key of the LeafNode that carries the credential. Whether the
// chain is trustworthy is for the application's CredentialValidator.

// oidEd448 is id-Ed448 (RFC 8410 §3), which crypto/x509 does not know.
var oidEd448 = asn1.ObjectIdentifier{1, 3, 101, 113}

// x509Chain parses the certificate chain of an X.509 credential, end-entity
// first, and checks that the end-entity certificate's public key is
// signatureKey in the suite's signature scheme.
func (s *suite) x509Chain(cred *Credential, signatureKey []byte) ([]*x509.Certificate, error) {
	if len(cred.Certificates) == 0 {
		return nil, errors.New("x509: empty certificate chain")
	}
	chain := make([]*x509.Certificate, len(cred.Certificates))
	for i, der := range cred.Certificates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("x509: certificates[%d]: %w", i, err)
		}
		chain[i] = c
	}
	if err := s.checkCertificateKey(chain[0], signatureKey); err != nil {
		return nil, fmt.Errorf("x509: certificates[0]: %w", err)
	}
	return chain, nil
}

// checkCertificateKey checks that c's subject public key, read as a key of
// the suite's signature scheme, encodes to signatureKey (RFC 9420 §5.3:
// "MUST be identical to the signature_key").
func (s *suite) checkCertificateKey(c *x509.Certificate, signatureKey []byte) error {
	var got []byte
	switch s.sig {
	case ed25519Scheme:
		k, ok := c.PublicKey.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("public key algorithm %v, the cipher suite signs with Ed25519", c.PublicKeyAlgorithm)
		}
		got = k
	case ed448Scheme:
		k, err := ed448SubjectPublicKey(c.RawSubjectPublicKeyInfo)
		if err != nil {
			return err
		}
		got = k
	default:
		curve := s.sig.curve()
		k, ok := c.PublicKey.(*ecdsa.PublicKey)
		if !ok || k.Curve != curve {
			return fmt.Errorf("public key algorithm %v, the cipher suite signs with ECDSA on %s", c.PublicKeyAlgorithm, curve.Params().Name)
		}
		var err error
		if got, err = k.Bytes(); err != nil {
			return fmt.Errorf("public key: %w", err)
		}
	}
	if !bytes.Equal(got, signatureKey) {
		return errors.New("public key is not the leaf's signature_key")
	}
	return nil
}

// ed448SubjectPublicKey returns the key of an Ed448 SubjectPublicKeyInfo
// (RFC 8410 §4): SEQUENCE { SEQUENCE { id-Ed448 }, BIT STRING key }.
func ed448SubjectPublicKey(spki []byte) ([]byte, error) {
	in := cryptobyte.String(spki)
	var info, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	var key asn1.BitString
	if !in.ReadASN1(&info, cbasn1.SEQUENCE) || !in.Empty() ||
		!info.ReadASN1(&alg, cbasn1.SEQUENCE) || !info.ReadASN1BitString(&key) || !info.Empty() ||
		!alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("malformed subjectPublicKeyInfo")
	}
	if !oid.Equal(oidEd448) || !alg.Empty() {
		return nil, fmt.Errorf("public key algorithm %v, the cipher suite signs with Ed448", oid)
	}
	if key.BitLength != 8*ed448.PublicKeySize {
		return nil, fmt.Errorf("Ed448 public key of %d bits", key.BitLength)
	}
	return key.Bytes, nil
}
