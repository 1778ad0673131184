package mls

import (
	"errors"
	"fmt"
)

// ErrConfirmationTag reports a confirmation tag that is not
// MAC(confirmation_key, confirmed_transcript_hash) for the epoch a Commit
// or GroupInfo creates (RFC 9420 §6.1, §8.2, §12.4.2, §12.4.3.1): the
// sender and the receiver did not arrive at the same group state.
var ErrConfirmationTag = errors.New("mls: confirmation tag mismatch")

// Transcript hashes of RFC 9420 §8.2. Every Commit extends them:
//
//	confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] || ConfirmedTranscriptHashInput_[n])
//	interim_transcript_hash_[n]   = Hash(confirmed_transcript_hash_[n] || InterimTranscriptHashInput_[n])
//
// with both empty for epoch 0 before the creator's first confirmation tag.
// The committer computes the confirmed hash from its signed Commit, then
// the new key schedule (the confirmed hash is in GroupContext_[n]), then
// the confirmation tag with the new confirmation_key, and only then the
// interim hash, which covers the tag. Transcript hashes are public
// (the confirmed one is in the GroupContext).

// confirmedTranscriptHash returns confirmed_transcript_hash_[n] after the
// Commit in ac, from interim_transcript_hash_[n-1] (RFC 9420 §8.2). ac must
// carry a Commit and be signed; its confirmation tag is not used.
func (s *suite) confirmedTranscriptHash(interimBefore []byte, ac *AuthenticatedContent) ([]byte, error) {
	in, err := marshalConfirmedTranscriptHashInput(ac.WireFormat, &ac.Content, ac.Auth.Signature)
	if err != nil {
		return nil, err
	}
	h := s.newHash()
	h.Write(interimBefore)
	h.Write(in)
	return h.Sum(make([]byte, 0, s.nh)), nil
}

// interimTranscriptHash returns interim_transcript_hash_[n] from
// confirmed_transcript_hash_[n] and the confirmation tag of the Commit (or
// of the GroupInfo, for a new member) (RFC 9420 §8.2).
func (s *suite) interimTranscriptHash(confirmed, confirmationTag []byte) ([]byte, error) {
	in, err := marshalInterimTranscriptHashInput(confirmationTag)
	if err != nil {
		return nil, err
	}
	h := s.newHash()
	h.Write(confirmed)
	h.Write(in)
	return h.Sum(make([]byte, 0, s.nh)), nil
}

// transcriptHashes returns both transcript hashes after a received Commit
// whose AuthenticatedContent carries its confirmation tag (RFC 9420 §8.2).
// The caller verifies that tag with the new epoch's confirmation key.
func (s *suite) transcriptHashes(interimBefore []byte, ac *AuthenticatedContent) (confirmed, interim []byte, err error) {
	if ac.Content.ContentType != ContentTypeCommit {
		return nil, nil, fmt.Errorf("mls: transcript hash of %v content: %w", ac.Content.ContentType, ErrInvalidContent)
	}
	confirmed, err = s.confirmedTranscriptHash(interimBefore, ac)
	if err != nil {
		return nil, nil, err
	}
	interim, err = s.interimTranscriptHash(confirmed, ac.Auth.ConfirmationTag)
	if err != nil {
		return nil, nil, err
	}
	return confirmed, interim, nil
}

// confirmationKey is confirmation_key of RFC 9420 §8, the MAC key of the
// confirmation tag of the Commit (or GroupInfo) that creates the epoch. It
// prints redacted.
type confirmationKey struct {
	suite *suite
	secret
}

// tag returns the confirmation tag MAC(confirmation_key,
// confirmed_transcript_hash) (RFC 9420 §6.1) for the confirmed transcript
// hash of the epoch the key belongs to.
func (k confirmationKey) tag(confirmedTranscriptHash []byte) []byte {
	return k.suite.mac(k.secret, confirmedTranscriptHash)
}

// verify checks a received confirmation tag in constant time; a mismatch
// is ErrConfirmationTag. A key of the wrong size (never derived) fails too.
func (k confirmationKey) verify(confirmedTranscriptHash, tag []byte) error {
	if len(k.secret) != k.suite.nh || !k.suite.verifyMAC(k.secret, confirmedTranscriptHash, tag) {
		return ErrConfirmationTag
	}
	return nil
}
