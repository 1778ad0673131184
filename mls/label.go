package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// Labeled cryptographic operations of RFC 9420 §5 and §8. Every
// derivation, signature and public-key encryption in MLS carries a label
// that names its purpose, so that a value made for one purpose cannot be
// used for another. The label goes on the wire as "MLS 1.0 " + Label.

// labelPrefix is prepended to every label of ExpandWithLabel,
// SignWithLabel and EncryptWithLabel (RFC 9420 §5.1.2, §5.1.3, §8).
const labelPrefix = "MLS 1.0 "

// addLabel appends opaque label<V> = "MLS 1.0 " + label.
func addLabel(b *cryptobyte.Builder, label string) {
	tlscodec.AddVarint(b, uint64(len(labelPrefix)+len(label)))
	b.AddBytes([]byte(labelPrefix))
	b.AddBytes([]byte(label))
}

// marshalKDFLabel encodes the KDFLabel of RFC 9420 §8:
//
//	struct {
//	    uint16 length;
//	    opaque label<V>;
//	    opaque context<V>;
//	} KDFLabel;
func marshalKDFLabel(length uint16, label string, context []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, 2+4+len(labelPrefix)+len(label)+4+len(context)))
	b.AddUint16(length)
	addLabel(b, label)
	tlscodec.AddOpaque(b, context)
	return b.Bytes()
}

// marshalLabeledContent encodes the two structs of RFC 9420 §5.1 that share
// one layout, a prefixed label followed by opaque data:
//
//	struct {
//	    opaque label<V>;   // "MLS 1.0 " + Label
//	    opaque content<V>;
//	} SignContent;         // §5.1.2
//
//	struct {
//	    opaque label<V>;   // "MLS 1.0 " + Label
//	    opaque context<V>;
//	} EncryptContext;      // §5.1.3
func marshalLabeledContent(label string, content []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, 4+len(labelPrefix)+len(label)+4+len(content)))
	addLabel(b, label)
	tlscodec.AddOpaque(b, content)
	return b.Bytes()
}

// expandWithLabel is ExpandWithLabel(Secret, Label, Context, Length) of
// RFC 9420 §8: KDF.Expand(Secret, KDFLabel, Length).
func (s *suite) expandWithLabel(sec secret, label string, context []byte, length uint16) (secret, error) {
	info, err := marshalKDFLabel(length, label, context)
	if err != nil {
		return nil, fmt.Errorf("mls: ExpandWithLabel %q: %w", label, err)
	}
	return s.expand(sec, info, int(length))
}

// deriveSecret is DeriveSecret(Secret, Label) of RFC 9420 §8:
// ExpandWithLabel(Secret, Label, "", KDF.Nh).
func (s *suite) deriveSecret(sec secret, label string) (secret, error) {
	return s.expandWithLabel(sec, label, nil, uint16(s.nh))
}

// deriveTreeSecret is DeriveTreeSecret(Secret, Label, Generation, Length)
// of RFC 9420 §9.1: ExpandWithLabel with the generation, a big-endian
// uint32, as the context.
func (s *suite) deriveTreeSecret(sec secret, label string, generation uint32, length uint16) (secret, error) {
	context := [4]byte{byte(generation >> 24), byte(generation >> 16), byte(generation >> 8), byte(generation)}
	return s.expandWithLabel(sec, label, context[:], length)
}

// expandKeyNonce derives an AEAD key and nonce from sec with the labels
// "key" and "nonce":
//
//	key   = ExpandWithLabel(sec, "key", context, AEAD.Nk)
//	nonce = ExpandWithLabel(sec, "nonce", context, AEAD.Nn)
//
// as for the sender data (RFC 9420 §6.3.2, context the ciphertext sample)
// and the Welcome's GroupInfo (§12.4.3.1, empty context). The caller
// zeroes the result.
func (s *suite) expandKeyNonce(sec secret, context []byte) (keyNonce, error) {
	key, err := s.expandWithLabel(sec, "key", context, uint16(s.nk()))
	if err != nil {
		return keyNonce{}, err
	}
	nonce, err := s.expandWithLabel(sec, "nonce", context, uint16(s.nn()))
	if err != nil {
		key.zero()
		return keyNonce{}, err
	}
	return keyNonce{key: key, nonce: nonce}, nil
}

// signWithLabel is SignWithLabel(SignatureKey, Label, Content) of RFC 9420
// §5.1.2: Signature.Sign over the SignContent. k must belong to the suite.
func (s *suite) signWithLabel(k *SigningKey, label string, content []byte) ([]byte, error) {
	msg, err := marshalLabeledContent(label, content)
	if err != nil {
		return nil, fmt.Errorf("mls: SignWithLabel %q: %w", label, err)
	}
	return s.sign(k, msg)
}

// verifyWithLabel is VerifyWithLabel(VerificationKey, Label, Content,
// SignatureValue) of RFC 9420 §5.1.2. It returns nil if the signature is
// valid, otherwise an error wrapping ErrSignatureVerification or
// ErrInvalidPublicKey.
func (s *suite) verifyWithLabel(pub []byte, label string, content, signature []byte) error {
	msg, err := marshalLabeledContent(label, content)
	if err != nil {
		return fmt.Errorf("mls: VerifyWithLabel %q: %w", label, err)
	}
	if err := s.verify(pub, msg, signature); err != nil {
		return fmt.Errorf("mls: VerifyWithLabel %q: %w", label, err)
	}
	return nil
}

// encryptWithLabel is EncryptWithLabel(PublicKey, Label, Context,
// Plaintext) of RFC 9420 §5.1.3: SealBase(PublicKey, EncryptContext, "",
// Plaintext). It returns the KEM output and the ciphertext, the two fields
// of an HPKECiphertext.
func (s *suite) encryptWithLabel(pub []byte, label string, context, plaintext []byte) (kemOutput, ciphertext []byte, err error) {
	info, err := marshalLabeledContent(label, context)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: EncryptWithLabel %q: %w", label, err)
	}
	kemOutput, ciphertext, err = s.hpkeSeal(pub, info, nil, plaintext)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: EncryptWithLabel %q: %w", label, err)
	}
	return kemOutput, ciphertext, nil
}

// decryptWithLabel is DecryptWithLabel(PrivateKey, Label, Context,
// KEMOutput, Ciphertext) of RFC 9420 §5.1.3: OpenBase(KEMOutput,
// PrivateKey, EncryptContext, "", Ciphertext). Any failure to decrypt is
// ErrDecryption.
func (s *suite) decryptWithLabel(k *hpkePrivateKey, label string, context, kemOutput, ciphertext []byte) ([]byte, error) {
	info, err := marshalLabeledContent(label, context)
	if err != nil {
		return nil, fmt.Errorf("mls: DecryptWithLabel %q: %w", label, err)
	}
	pt, err := s.hpkeOpen(k, kemOutput, info, nil, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("mls: DecryptWithLabel %q: %w", label, err)
	}
	return pt, nil
}

// refHash is RefHash(label, value) of RFC 9420 §5.2: the suite's Hash over
//
//	struct {
//	    opaque label<V>;
//	    opaque value<V>;
//	} RefHashInput;
//
// The label is used as given, with no "MLS 1.0 " prefix added: the
// callers' labels already carry it.
func (s *suite) refHash(label string, value []byte) ([]byte, error) {
	in, err := tlscodec.Marshal(func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, []byte(label))
		tlscodec.AddOpaque(b, value)
	})
	if err != nil {
		return nil, fmt.Errorf("mls: RefHash %q: %w", label, err)
	}
	return s.hash(in), nil
}

// makeKeyPackageRef is MakeKeyPackageRef(value) of RFC 9420 §5.2 for an
// encoded KeyPackage; the suite must be the KeyPackage's own.
func (s *suite) makeKeyPackageRef(encodedKeyPackage []byte) ([]byte, error) {
	return s.refHash("MLS 1.0 KeyPackage Reference", encodedKeyPackage)
}

// makeProposalRef is MakeProposalRef(value) of RFC 9420 §5.2 for an
// encoded AuthenticatedContent carrying a Proposal.
func (s *suite) makeProposalRef(encodedAuthenticatedContent []byte) ([]byte, error) {
	return s.refHash("MLS 1.0 Proposal Reference", encodedAuthenticatedContent)
}
