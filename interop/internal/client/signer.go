package client

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
	"github.com/sealroom/sealroom/mls"
)

// externalSigner is an external sender (RFC 9420 §12.1.8): a signature key
// and basic credential outside the group, allowed to sign proposals once a
// group lists it in its external_senders extension.
type externalSigner struct {
	key      *mls.SigningKey
	identity []byte
	// sender is the TLS encoding of the ExternalSender struct that
	// AddExternalSigner puts into a group's external_senders extension.
	sender []byte
}

// newExternalSigner draws a signature key for suite.
func newExternalSigner(suite mls.CipherSuite, identity []byte) (*externalSigner, error) {
	key, err := suite.GenerateSigningKey()
	if err != nil {
		return nil, err
	}
	sender, err := marshalExternalSender(key.PublicKey(), identity)
	if err != nil {
		return nil, err
	}
	return &externalSigner{key: key, identity: append([]byte(nil), identity...), sender: sender}, nil
}

// zero drops the signature key. mls.SigningKey gives no way to overwrite its
// key in place, so this only lets the collector have it.
func (s *externalSigner) zero() { s.key = nil }

// marshalExternalSender encodes
//
//	struct {
//	    SignaturePublicKey signature_key;
//	    Credential credential;
//	} ExternalSender;
//
// of RFC 9420 §12.1.8.1 with a basic credential (§5.3): the
// external_sender bytes the harness passes from CreateExternalSigner to
// AddExternalSigner. The mls package keeps its own encoder of this struct
// unexported.
func marshalExternalSender(signatureKey, identity []byte) ([]byte, error) {
	return tlscodec.Marshal(func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, signatureKey)
		b.AddUint16(uint16(mls.CredentialTypeBasic))
		tlscodec.AddOpaque(b, identity)
	})
}
