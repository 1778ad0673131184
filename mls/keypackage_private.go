package mls

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// KeyPackagePrivateKeys are the private keys behind a KeyPackage: the init
// key, to which a Welcome is encrypted, the leaf's encryption key, and the
// signature key of the leaf (RFC 9420 §10, §12.4.3.1). The client keeps
// them until it joins a group with the KeyPackage, and should delete the
// init key then (§16.8: a KeyPackage is used once). They print redacted.
type KeyPackagePrivateKeys struct {
	suite         CipherSuite
	initKey       *hpkePrivateKey
	encryptionKey *hpkePrivateKey
	signer        *SigningKey
}

func (k KeyPackagePrivateKeys) String() string { return redactedText("mls.KeyPackagePrivateKeys") }
func (k KeyPackagePrivateKeys) GoString() string {
	return redactedText("mls.KeyPackagePrivateKeys")
}
func (k KeyPackagePrivateKeys) Format(f fmt.State, verb rune) {
	writeRedacted(f, "mls.KeyPackagePrivateKeys")
}

// NewKeyPackagePrivateKeys assembles the private keys of a KeyPackage of
// suite cs from their encodings: the HPKE private keys of the init key and
// of the leaf's encryption key (RFC 9180 §7.1.2 SerializePrivateKey, as in
// the MLS test vectors) and the signature private key (as NewSigningKey
// takes it). It is how keys kept elsewhere, or given by test vectors, come
// back.
func NewKeyPackagePrivateKeys(cs CipherSuite, initPriv, encryptionPriv, signaturePriv []byte) (*KeyPackagePrivateKeys, error) {
	s, err := cs.suite()
	if err != nil {
		return nil, err
	}
	initKey, err := s.newHPKEPrivateKey(initPriv)
	if err != nil {
		return nil, fmt.Errorf("mls: key package private keys: init key: %w", err)
	}
	encKey, err := s.newHPKEPrivateKey(encryptionPriv)
	if err != nil {
		return nil, fmt.Errorf("mls: key package private keys: encryption key: %w", err)
	}
	signer, err := cs.NewSigningKey(signaturePriv)
	if err != nil {
		return nil, fmt.Errorf("mls: key package private keys: signature key: %w", err)
	}
	return &KeyPackagePrivateKeys{suite: cs, initKey: initKey, encryptionKey: encKey, signer: signer}, nil
}

// CipherSuite returns the suite of the keys.
func (k *KeyPackagePrivateKeys) CipherSuite() CipherSuite { return k.suite }

// InitPrivateKey returns the encoded HPKE private key of the init key
// (RFC 9180 §7.1.2). It is secret.
func (k *KeyPackagePrivateKeys) InitPrivateKey() []byte { return hpkeKeyBytes(k.initKey) }

// EncryptionPrivateKey returns the encoded HPKE private key of the leaf's
// encryption key (RFC 9180 §7.1.2). It is secret.
func (k *KeyPackagePrivateKeys) EncryptionPrivateKey() []byte { return hpkeKeyBytes(k.encryptionKey) }

// SigningKey returns the signature key of the KeyPackage's leaf node, with
// which the member signs once it has joined.
func (k *KeyPackagePrivateKeys) SigningKey() *SigningKey { return k.signer }

// hpkeKeyBytes returns a copy of the encoding of k, or nil for none.
func hpkeKeyBytes(k *hpkePrivateKey) []byte {
	if k == nil {
		return nil
	}
	b, err := k.bytes()
	if err != nil {
		return nil
	}
	return b
}

// matches checks that the keys are those of kp: its suite, init key,
// leaf encryption key and signature key (RFC 9420 §10).
func (k *KeyPackagePrivateKeys) matches(kp *KeyPackage) error {
	switch {
	case k == nil || k.initKey == nil || k.encryptionKey == nil || k.signer == nil:
		return fmt.Errorf("mls: key package private keys missing: %w", ErrInvalidPrivateKey)
	case k.suite != kp.CipherSuite:
		return fmt.Errorf("mls: %v private keys for a %v key package: %w", k.suite, kp.CipherSuite, ErrInvalidPrivateKey)
	case !bytes.Equal(k.initKey.publicKey(), kp.InitKey):
		return fmt.Errorf("mls: the init private key is not the key package's: %w", ErrInvalidPrivateKey)
	case !bytes.Equal(k.encryptionKey.publicKey(), kp.LeafNode.EncryptionKey):
		return fmt.Errorf("mls: the encryption private key is not the key package's: %w", ErrInvalidPrivateKey)
	case !bytes.Equal(k.signer.pub, kp.LeafNode.SignatureKey):
		return fmt.Errorf("mls: the signature private key is not the key package's: %w", ErrInvalidPrivateKey)
	}
	return nil
}

// keyPackagePrivateKeysVersion is the version of the encoding of
// MarshalBinary.
const keyPackagePrivateKeysVersion = 1

// MarshalBinary encodes the keys for storage: a version, the cipher suite
// and the three private keys. The encoding is secret: store it as such.
func (k *KeyPackagePrivateKeys) MarshalBinary() ([]byte, error) {
	if k == nil || k.initKey == nil || k.encryptionKey == nil || k.signer == nil {
		return nil, fmt.Errorf("mls: key package private keys missing: %w", ErrInvalidPrivateKey)
	}
	initPriv, encPriv, sigPriv := k.InitPrivateKey(), k.EncryptionPrivateKey(), k.signer.Bytes()
	defer clear(initPriv)
	defer clear(encPriv)
	defer clear(sigPriv)
	return tlscodec.Marshal(func(b *cryptobyte.Builder) {
		b.AddUint8(keyPackagePrivateKeysVersion)
		b.AddUint16(uint16(k.suite))
		tlscodec.AddOpaque(b, initPriv)
		tlscodec.AddOpaque(b, encPriv)
		tlscodec.AddOpaque(b, sigPriv)
	})
}

// UnmarshalKeyPackagePrivateKeys decodes keys encoded by MarshalBinary.
// Errors wrap ErrMalformed or ErrInvalidPrivateKey.
func UnmarshalKeyPackagePrivateKeys(data []byte) (*KeyPackagePrivateKeys, error) {
	var version uint8
	var cs CipherSuite
	var initPriv, encPriv, sigPriv []byte
	err := unmarshalWire("key package private keys", data, func(r *wireReader) {
		readUint8(r, "version", &version)
		if r.ok() && version != keyPackagePrivateKeysVersion {
			r.failf(ErrMalformed, "version", "unknown version %d", version)
			return
		}
		readUint16(r, "cipher_suite", &cs)
		r.opaque("init_priv", &initPriv)
		r.opaque("encryption_priv", &encPriv)
		r.opaque("signature_priv", &sigPriv)
	})
	defer clear(initPriv)
	defer clear(encPriv)
	defer clear(sigPriv)
	if err != nil {
		return nil, err
	}
	k, err := NewKeyPackagePrivateKeys(cs, initPriv, encPriv, sigPriv)
	if err != nil && !errors.Is(err, ErrInvalidPrivateKey) {
		err = fmt.Errorf("%w: %w", ErrInvalidPrivateKey, err)
	}
	return k, err
}
