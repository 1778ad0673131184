package client

import (
	"bytes"

	"github.com/sealroom/sealroom/mls"
)

// externalSigner is an external sender (RFC 9420 §12.1.8): a signature key
// and basic credential outside the group, allowed to sign proposals once a
// group lists it in its external_senders extension.
type externalSigner struct {
	key    *mls.SigningKey
	sender mls.ExternalSender
	// encoded is the TLS encoding of the ExternalSender struct
	// (§12.1.8.1) that AddExternalSigner puts into a group's
	// external_senders extension.
	encoded []byte
}

// newExternalSigner draws a signature key for suite.
func newExternalSigner(suite mls.CipherSuite, identity []byte) (*externalSigner, error) {
	key, err := suite.GenerateSigningKey()
	if err != nil {
		return nil, err
	}
	sender := mls.ExternalSender{SignatureKey: key.PublicKey(), Credential: basicCredential(identity)}
	encoded, err := sender.Marshal()
	if err != nil {
		return nil, err
	}
	return &externalSigner{key: key, sender: sender, encoded: encoded}, nil
}

// zero drops the signature key. mls.SigningKey gives no way to overwrite its
// key in place, so this only lets the collector have it.
func (s *externalSigner) zero() { s.key = nil }

// indexIn returns the signer's index in the external_senders extension of
// a GroupContext's extensions (RFC 9420 §12.1.8.1): the first entry with
// its signature key. want, if not zero, is the index the harness named,
// which must be such an entry.
func (s *externalSigner) indexIn(exts []mls.Extension, want uint32) (uint32, error) {
	var senders []mls.ExternalSender
	for _, e := range exts {
		if e.Type == mls.ExtensionTypeExternalSenders {
			var err error
			if senders, err = mls.UnmarshalExternalSenders(e.Data); err != nil {
				return 0, err
			}
		}
	}
	mine := func(i uint32) bool {
		return int(i) < len(senders) && bytes.Equal(senders[i].SignatureKey, s.sender.SignatureKey)
	}
	if want != 0 {
		if !mine(want) {
			return 0, errNotListed
		}
		return want, nil
	}
	for i := range senders {
		if mine(uint32(i)) {
			return uint32(i), nil
		}
	}
	return 0, errNotListed
}
