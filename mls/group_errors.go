package mls

import (
	"errors"
	"fmt"
	"slices"
)

// Sentinel errors of the group layer (RFC 9420 §11, §12). Errors returned
// by Group methods and the join functions wrap one of these, or a sentinel
// of the layers below (ErrSignatureVerification, ErrMembershipTag,
// ErrConfirmationTag, ErrInvalidRatchetTree, ErrInvalidKeyPackage, ...),
// and name what failed, for example
//
//	mls: commit: proposal 2 (remove): leaf 5 is blank
var (
	// ErrInvalidProposal reports a proposal that is invalid on its own or
	// in the list of a Commit (RFC 9420 §12.1, §12.2). Errors about a
	// proposal in a Commit name its position and type.
	ErrInvalidProposal = errors.New("mls: invalid proposal")

	// ErrInvalidCommit reports a Commit that is invalid as a whole: a
	// missing path where one is required (RFC 9420 §12.4), a proposal
	// reference that names no proposal of the epoch (ErrUnknownProposal
	// too), a path that cannot be processed. Errors about the proposals of
	// a Commit wrap both it and ErrInvalidProposal.
	ErrInvalidCommit = errors.New("mls: invalid commit")

	// ErrUnknownProposal reports a ProposalRef in a Commit that names no
	// proposal received in the epoch (RFC 9420 §12.4).
	ErrUnknownProposal = errors.New("mls: unknown proposal reference")

	// ErrMissingPSK reports a pre-shared key that a Commit or Welcome
	// injects and the member does not have (RFC 9420 §8.4, §12.4.2,
	// §12.4.3.1): an external PSK not stored with AddExternalPSK or the
	// join options, or a resumption PSK of an epoch no longer kept.
	ErrMissingPSK = errors.New("mls: pre-shared key not available")

	// ErrInvalidWelcome reports a Welcome that cannot be joined from: not
	// for the KeyPackage given (ErrNoMatchingKeyPackage too), a GroupInfo
	// that does not verify, a group this client cannot take part in
	// (RFC 9420 §12.4.3.1).
	ErrInvalidWelcome = errors.New("mls: invalid welcome")

	// ErrNoMatchingKeyPackage reports a Welcome with no entry for the
	// KeyPackage given (RFC 9420 §12.4.3.1).
	ErrNoMatchingKeyPackage = errors.New("mls: welcome has no secrets for this key package")

	// ErrInvalidGroupInfo reports a GroupInfo that does not verify or
	// lacks what an external join needs (RFC 9420 §12.4.3, §12.4.3.2).
	ErrInvalidGroupInfo = errors.New("mls: invalid group info")

	// ErrPendingCommit reports a Commit made while one is already pending
	// (RFC 9420 §14: the member waits for the Delivery Service to confirm
	// or reject it; MergePendingCommit or ClearPendingCommit).
	ErrPendingCommit = errors.New("mls: a commit is already pending")

	// ErrNoPendingCommit reports MergePendingCommit without a pending
	// commit.
	ErrNoPendingCommit = errors.New("mls: no pending commit")

	// ErrStaleCommit reports a StagedCommit merged into a group that has
	// moved on since it was staged (another commit was merged).
	ErrStaleCommit = errors.New("mls: staged commit is not for the current state")

	// ErrPendingProposals reports an application message the member may
	// not send yet: it has received valid proposals in the epoch and must
	// commit them first (RFC 9420 §12.4).
	ErrPendingProposals = errors.New("mls: proposals pending; commit them before sending application data")

	// ErrNotMember reports an operation on a group the member was removed
	// from (RFC 9420 §12.4.2): only late application messages of the
	// epochs kept can still be read.
	ErrNotMember = errors.New("mls: no longer a member of the group")

	// ErrReInitPending reports an operation on a group whose last Commit
	// reinitialized it (RFC 9420 §11.2, §12.4.2): the member must not
	// send in it any more, only move to the new group (ReInitGroup, or
	// JoinFromWelcome with the old group).
	ErrReInitPending = errors.New("mls: group is being reinitialized")

	// ErrOwnMessage reports a message this member sent itself, echoed back
	// by the Delivery Service, that Process cannot read again (its keys
	// are consumed): an application message, or the commit that already
	// created the current epoch. Own proposals and the pending commit are
	// recognized instead.
	ErrOwnMessage = errors.New("mls: message sent by this member")

	// ErrLimitExceeded reports input larger than the group's configured
	// bounds allow: a tree beyond MaxLeaves, more proposals than
	// MaxProposals.
	ErrLimitExceeded = errors.New("mls: resource limit exceeded")

	// ErrInvalidGroupState reports a serialized group state that does not
	// decode (UnmarshalGroup).
	ErrInvalidGroupState = errors.New("mls: invalid group state")
)

// proposalError is an error about one proposal of a list: its position,
// so that a committer can drop the proposal and try again, and the error.
type proposalError struct {
	index int
	err   error
}

func (e *proposalError) Error() string { return e.err.Error() }
func (e *proposalError) Unwrap() error { return e.err }

// proposalWhere names proposal i of type t: "proposal 2 (remove)".
func proposalWhere(i int, t ProposalType) string {
	return fmt.Sprintf("proposal %d (%v)", i, t)
}

// commitProposalError returns an error about proposal i (of type t) of a
// Commit, wrapping ErrInvalidProposal, ErrInvalidCommit and the given
// sentinels and cause, for example "mls: commit: proposal 2 (remove): leaf
// 5 is blank".
func commitProposalError(i int, t ProposalType, cause error, detail string, sentinels ...error) error {
	return &proposalError{index: i, err: newValidationError("commit", proposalWhere(i, t), cause, detail,
		append(sentinels, ErrInvalidProposal, ErrInvalidCommit)...)}
}

// rehomeProposal re-homes an error found while validating the content of
// proposal i (a KeyPackage, a LeafNode) so that it names the proposal.
func rehomeProposal(i int, t ProposalType, err error) error {
	e := rehome(err, "commit", proposalWhere(i, t), ErrInvalidProposal)
	if ve, ok := e.(*validationError); ok {
		ve.errs = append(ve.errs, ErrInvalidCommit)
	}
	return &proposalError{index: i, err: e}
}

// commitError returns an error about a Commit as a whole, wrapping
// ErrInvalidCommit and the given sentinels and cause.
func commitError(cause error, detail string, sentinels ...error) error {
	return newValidationError("commit", "", cause, detail, append(sentinels, ErrInvalidCommit)...)
}

// commitPathError returns an error about a Commit's UpdatePath found by
// the tree or TreeKEM, naming the path and the node: "mls: commit: path:
// node 3 (parent): ...".
func commitPathError(err error) error {
	var ve *validationError
	if !errors.As(err, &ve) {
		return commitError(err, "path")
	}
	where := "path"
	if ve.where != "" {
		where += ": " + ve.where
	}
	return &validationError{what: "commit", where: where, detail: ve.detail, errs: append(slices.Clone(ve.errs), ErrInvalidCommit)}
}
