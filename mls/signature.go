package mls

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/sign/ed448"
)

// signatureScheme is a TLS SignatureScheme code point (RFC 8446 §4.2.3)
// naming the signature algorithm of a cipher suite (RFC 9420 §5.1.2,
// §17.1).
type signatureScheme uint16

const (
	ecdsaP256SHA256 signatureScheme = 0x0403 // ecdsa_secp256r1_sha256
	ecdsaP384SHA384 signatureScheme = 0x0503 // ecdsa_secp384r1_sha384
	ecdsaP521SHA512 signatureScheme = 0x0603 // ecdsa_secp521r1_sha512
	ed25519Scheme   signatureScheme = 0x0807 // ed25519
	ed448Scheme     signatureScheme = 0x0808 // ed448
)

// curve returns the curve of an ECDSA scheme, or nil for EdDSA.
func (sc signatureScheme) curve() elliptic.Curve {
	switch sc {
	case ecdsaP256SHA256:
		return elliptic.P256()
	case ecdsaP384SHA384:
		return elliptic.P384()
	case ecdsaP521SHA512:
		return elliptic.P521()
	}
	return nil
}

// SigningKey is a member's signature private key for one cipher suite: the
// key behind the signature_key of its LeafNode (RFC 9420 §5.1.2, §7.2).
// It prints redacted.
//
// EdDSA keys (Ed25519, Ed448) are RFC 8032 private keys (the 32- or
// 57-byte seed); ECDSA keys (P-256, P-384, P-521) are the private scalar.
// Signatures follow RFC 9420 §5.1.2: EdDSA signatures are R || S, ECDSA
// signatures are DER, over the hash the TLS SignatureScheme names.
type SigningKey struct {
	suite CipherSuite
	pub   []byte

	// Exactly one of these is set, according to the suite's scheme.
	ed25519 ed25519.PrivateKey
	ed448   ed448.PrivateKey
	ecdsa   *ecdsa.PrivateKey
}

func (k *SigningKey) String() string                { return redactedText("mls.SigningKey") }
func (k *SigningKey) GoString() string              { return redactedText("mls.SigningKey") }
func (k *SigningKey) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.SigningKey") }

// CipherSuite returns the suite the key belongs to.
func (k *SigningKey) CipherSuite() CipherSuite { return k.suite }

// PublicKey returns the encoded public key, the value of a
// SignaturePublicKey (RFC 9420 §5.1.1): the RFC 8032 encoding for EdDSA,
// an uncompressed point (RFC 8446 UncompressedPointRepresentation) for
// ECDSA. The caller may modify the returned slice.
func (k *SigningKey) PublicKey() []byte {
	return append([]byte(nil), k.pub...)
}

// Bytes returns a copy of the private key in the format NewSigningKey
// accepts. It is secret: store it as such.
func (k *SigningKey) Bytes() []byte {
	switch {
	case k.ed25519 != nil:
		return append([]byte(nil), k.ed25519.Seed()...)
	case k.ed448 != nil:
		return append([]byte(nil), k.ed448.Seed()...)
	default:
		b, _ := k.ecdsa.Bytes() // cannot fail for the NIST curves
		return b
	}
}

// GenerateSigningKey returns a new random signature key for the suite,
// drawn from crypto/rand.
func (cs CipherSuite) GenerateSigningKey() (*SigningKey, error) {
	s, err := cs.suite()
	if err != nil {
		return nil, err
	}
	switch s.sig {
	case ed25519Scheme:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return &SigningKey{suite: cs, pub: priv.Public().(ed25519.PublicKey), ed25519: priv}, nil
	case ed448Scheme:
		pub, priv, err := ed448.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return &SigningKey{suite: cs, pub: pub, ed448: priv}, nil
	default:
		priv, err := ecdsa.GenerateKey(s.sig.curve(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return newECDSASigningKey(cs, priv)
	}
}

// NewSigningKey decodes a private key of the suite: an RFC 8032 private key
// for EdDSA, the big-endian private scalar for ECDSA (as in the MLS test
// vectors). A scalar shorter than the curve's field size is left-padded
// with zeros, since some encoders drop leading zero bytes (a P-521 key is
// then 65 bytes, not 66).
func (cs CipherSuite) NewSigningKey(priv []byte) (*SigningKey, error) {
	s, err := cs.suite()
	if err != nil {
		return nil, err
	}
	switch s.sig {
	case ed25519Scheme:
		if len(priv) != ed25519.SeedSize {
			return nil, fmt.Errorf("mls: Ed25519 private key of %d bytes: %w", len(priv), ErrInvalidPrivateKey)
		}
		k := ed25519.NewKeyFromSeed(priv)
		return &SigningKey{suite: cs, pub: k.Public().(ed25519.PublicKey), ed25519: k}, nil
	case ed448Scheme:
		if len(priv) != ed448.SeedSize {
			return nil, fmt.Errorf("mls: Ed448 private key of %d bytes: %w", len(priv), ErrInvalidPrivateKey)
		}
		k := ed448.NewKeyFromSeed(priv)
		return &SigningKey{suite: cs, pub: k.Public().(ed448.PublicKey), ed448: k}, nil
	default:
		curve := s.sig.curve()
		scalar, ok := leftPad(priv, (curve.Params().BitSize+7)/8)
		if !ok {
			return nil, fmt.Errorf("mls: %s private key of %d bytes: %w", curve.Params().Name, len(priv), ErrInvalidPrivateKey)
		}
		k, err := ecdsa.ParseRawPrivateKey(curve, scalar)
		clear(scalar)
		if err != nil {
			return nil, fmt.Errorf("mls: %s private key: %w", curve.Params().Name, ErrInvalidPrivateKey)
		}
		return newECDSASigningKey(cs, k)
	}
}

func newECDSASigningKey(cs CipherSuite, k *ecdsa.PrivateKey) (*SigningKey, error) {
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("mls: ECDSA public key: %w", err)
	}
	return &SigningKey{suite: cs, pub: pub, ecdsa: k}, nil
}

// leftPad returns a fresh copy of b left-padded with zeros to size bytes;
// ok is false if b is empty or longer than size.
func leftPad(b []byte, size int) ([]byte, bool) {
	if len(b) == 0 || len(b) > size {
		return nil, false
	}
	out := make([]byte, size)
	copy(out[size-len(b):], b)
	return out, true
}

// sign is Signature.Sign of the suite's scheme over msg (RFC 9420
// §5.1.2). Callers use signWithLabel.
func (s *suite) sign(k *SigningKey, msg []byte) ([]byte, error) {
	if k == nil {
		return nil, fmt.Errorf("mls: signing without a key: %w", ErrInvalidPrivateKey)
	}
	if k.suite != s.id {
		return nil, fmt.Errorf("mls: signing key of %v used with %v: %w", k.suite, s.id, ErrInvalidPrivateKey)
	}
	switch s.sig {
	case ed25519Scheme:
		return ed25519.Sign(k.ed25519, msg), nil
	case ed448Scheme:
		return ed448.Sign(k.ed448, msg, ""), nil
	default:
		// The hash of ecdsa_secp{256,384,521}r1_sha{256,384,512} is the
		// suite's hash in all three ECDSA suites.
		return ecdsa.SignASN1(rand.Reader, k.ecdsa, s.hash(msg))
	}
}

// verify is Signature.Verify of the suite's scheme (RFC 9420 §5.1.2). It
// returns ErrInvalidPublicKey for a public key that does not decode and
// ErrSignatureVerification for a signature that does not verify.
func (s *suite) verify(pub, msg, sig []byte) error {
	ok := false
	switch s.sig {
	case ed25519Scheme:
		if len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("mls: Ed25519 public key of %d bytes: %w", len(pub), ErrInvalidPublicKey)
		}
		ok = ed25519.Verify(pub, msg, sig)
	case ed448Scheme:
		if len(pub) != ed448.PublicKeySize {
			return fmt.Errorf("mls: Ed448 public key of %d bytes: %w", len(pub), ErrInvalidPublicKey)
		}
		ok = ed448.Verify(pub, msg, sig, "")
	default:
		k, err := ecdsa.ParseUncompressedPublicKey(s.sig.curve(), pub)
		if err != nil {
			return fmt.Errorf("mls: %s public key: %w", s.sig.curve().Params().Name, ErrInvalidPublicKey)
		}
		ok = ecdsa.VerifyASN1(k, s.hash(msg), sig)
	}
	if !ok {
		return ErrSignatureVerification
	}
	return nil
}

// checkSignaturePublicKey reports whether pub decodes as a public key of
// the suite's signature scheme (RFC 9420 §5.1.1), for validating a
// LeafNode's signature_key before it is stored (§7.3).
func (s *suite) checkSignaturePublicKey(pub []byte) error {
	switch s.sig {
	case ed25519Scheme, ed448Scheme:
		want := ed25519.PublicKeySize
		if s.sig == ed448Scheme {
			want = ed448.PublicKeySize
		}
		if len(pub) != want {
			return fmt.Errorf("mls: EdDSA public key of %d bytes, want %d: %w", len(pub), want, ErrInvalidPublicKey)
		}
		return nil
	default:
		if _, err := ecdsa.ParseUncompressedPublicKey(s.sig.curve(), pub); err != nil {
			return fmt.Errorf("mls: %s public key: %w", s.sig.curve().Params().Name, ErrInvalidPublicKey)
		}
		return nil
	}
}

// mlsSignatureLabels are the labels of the "MLS Signature Labels" registry
// (RFC 9420 §17.6), which MLS itself signs with. SignWithLabel refuses
// them, so that an application signature can never pass for a LeafNode,
// KeyPackage, GroupInfo or message signature.
var mlsSignatureLabels = map[string]bool{
	"FramedContentTBS": true,
	"LeafNodeTBS":      true,
	"KeyPackageTBS":    true,
	"GroupInfoTBS":     true,
}

// ErrReservedLabel reports a label that SignWithLabel and VerifyWithLabel
// refuse because MLS itself signs with it (RFC 9420 §17.6).
var ErrReservedLabel = errors.New("mls: signature label reserved for MLS")

// SignWithLabel signs content with the member's MLS signature key as RFC
// 9420 §5.1.2 defines it, SignWithLabel(SignatureKey, Label, Content): the
// signature covers "MLS 1.0 " + label and content, so that a signature made
// for one purpose does not verify for another. Applications use it to sign
// their own data with the key of their leaf (their label should be
// registered or at least unique to them, §17.6); the labels MLS uses are
// refused with ErrReservedLabel.
func SignWithLabel(signer *SigningKey, label string, content []byte) ([]byte, error) {
	if mlsSignatureLabels[label] {
		return nil, fmt.Errorf("%w: %q", ErrReservedLabel, label)
	}
	if signer == nil {
		return nil, fmt.Errorf("mls: SignWithLabel: no signing key: %w", ErrInvalidPrivateKey)
	}
	s, err := signer.CipherSuite().suite()
	if err != nil {
		return nil, err
	}
	return s.signWithLabel(signer, label, content)
}

// VerifyWithLabel verifies a signature made with SignWithLabel by the
// holder of publicKey, a SignaturePublicKey of suite cs (the signature key
// of a member's leaf, say). It returns nil for a valid signature and an
// error wrapping ErrSignatureVerification, ErrInvalidPublicKey or
// ErrReservedLabel otherwise.
func VerifyWithLabel(cs CipherSuite, publicKey []byte, label string, content, signature []byte) error {
	if mlsSignatureLabels[label] {
		return fmt.Errorf("%w: %q", ErrReservedLabel, label)
	}
	s, err := cs.suite()
	if err != nil {
		return err
	}
	return s.verifyWithLabel(publicKey, label, content, signature)
}
