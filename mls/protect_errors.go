package mls

import "errors"

// Sentinel errors of message protection. Errors returned by protect and
// unprotect wrap one of these, or ErrSignatureVerification, ErrDecryption,
// ErrGenerationConsumed, ErrGenerationTooFar, ErrMalformed.
var (
	// ErrWrongGroup reports a message whose group_id is not the group's.
	ErrWrongGroup = errors.New("mls: message for another group")

	// ErrWrongEpoch reports a message whose epoch is not the one whose
	// keys were asked to process it (RFC 9420 §12.4.2: the epoch of a
	// Commit must be the current one; application messages of an older
	// epoch go to that epoch's keys, if still kept).
	ErrWrongEpoch = errors.New("mls: message for another epoch")

	// ErrMembershipTag reports a PublicMessage from a member whose
	// membership_tag does not verify with the epoch's membership_key
	// (RFC 9420 §6.2).
	ErrMembershipTag = errors.New("mls: membership tag verification failed")

	// ErrInvalidSender reports a sender that may not send the message: a
	// member leaf that is blank or outside the tree (RFC 9420 §6.3.2), a
	// non-member in a PrivateMessage (§6.3.2), an external sender index
	// not in the external_senders extension (§12.1.8.1), or a sender type
	// that does not allow the content type or proposal type (§6.1,
	// §12.1.8).
	ErrInvalidSender = errors.New("mls: sender not allowed")

	// ErrInvalidContent reports content that may not be sent the way it
	// is: application data in a PublicMessage (RFC 9420 §6: application
	// messages MUST use PrivateMessage), an AuthenticatedContent whose
	// wire format is not the one it is protected as, a missing Proposal
	// or Commit, or non-Commit content given to the transcript hash.
	ErrInvalidContent = errors.New("mls: content not allowed here")
)
