package e2ee

import "github.com/sealroom/sealroom/mls"

// This file is the seam between the Session and MLS (RFC 9420). The
// Session reaches its MLS group only through the group interface below and
// exchanges MLS messages with the application only as opaque bytes, so the
// adapter over mls.Group (and the public constructors that create a
// Session on one: Create, NewKeyPackage / JoinFromWelcome, JoinExternal)
// go in this file, and nothing else in the package changes when the Group
// API lands. The tests drive the Session through an in-memory fake of the
// same interface (fakegroup_test.go).
//
// # Contract
//
// The Session calls every method with its MLS lock held, one call at a
// time, except VerifyWithLabel, which it calls from receiving goroutines
// concurrently with anything else: it must not use group state that
// changes. Byte slices passed in are not retained; byte slices returned
// belong to the caller (the Session zeroes the secret ones).
//
// Errors from Process for a message of an epoch older than the group's
// must wrap ErrStaleMessage; the Session wraps every other error as the
// cause of its own.
//
// A group that joins by external commit (RFC 9420 §12.4.3.2) starts with
// that commit pending, in the epoch of the GroupInfo it was built from:
// until MergePendingCommit the Session calls only CipherSuite, Epoch,
// MergePendingCommit and ClearPendingCommit.
//
// # What the adapter adds
//
// The constructors go here, each building the group and handing it to
// newSession (a group in an epoch this member belongs to) or
// newJoiningSession (a group with a pending external commit):
//
//	func Create(cfg Config, id Identity) (*Session, error)                  // mls CreateGroup, epoch 0
//	func NewKeyPackage(id Identity) (kp []byte, priv *KeyPackagePrivate, err error)
//	func JoinFromWelcome(cfg Config, priv *KeyPackagePrivate, welcome []byte) (*Session, error)
//	func JoinExternal(cfg Config, id Identity, groupInfo []byte) (*Session, Commit, error)
//
// where Identity carries the credential and the mls.SigningKey.

// group is one member's view of an MLS group (RFC 9420).
type group interface {
	// CipherSuite is the group's MLS cipher suite (RFC 9420 §5.1, §17.1).
	CipherSuite() mls.CipherSuite

	// Epoch is the current epoch (RFC 9420 §8.1 GroupContext.epoch).
	Epoch() uint64

	// OwnLeaf is this member's leaf index in the current epoch (§4.1,
	// §7.1).
	OwnLeaf() uint32

	// Members lists the non-blank leaves of the current epoch's ratchet
	// tree (§7.1), in any order, this member included.
	Members() []member

	// Export is MLS-Exporter(label, context, length) of the current epoch
	// (RFC 9420 §8.5).
	Export(label string, context []byte, length int) ([]byte, error)

	// EpochAuthenticator is epoch_authenticator of the current epoch
	// (§8.7). The caller zeroes it.
	EpochAuthenticator() []byte

	// Commit creates a commit (§12.4) that adds the members of the given
	// KeyPackages (MLSMessage-encoded, §10), removes the given leaves,
	// covers every valid proposal received and not yet committed (§12.4:
	// "SHOULD include all valid proposals"), and carries an UpdatePath
	// (§12.4.1), so that this member's leaf key is updated even when
	// nothing else changes (a self-update). The signature key of the leaf
	// stays the same (the Session signs tag batches of the previous epoch
	// after the commit). The commit is pending: the group stays in its
	// epoch until MergePendingCommit, and ClearPendingCommit forgets it.
	// Creating a commit while one is pending is not called.
	Commit(add [][]byte, remove []uint32) (commitOutput, error)

	// MergePendingCommit applies the pending commit once the delivery
	// service has confirmed it: the group enters the next epoch (§12.4.2,
	// the last steps).
	MergePendingCommit() error

	// ClearPendingCommit forgets the pending commit, if any, because the
	// delivery service chose another commit for the epoch.
	ClearPendingCommit()

	// ProposeSelfRemove returns an MLSMessage carrying a Remove proposal
	// (§12.1.3) of this member's own leaf, for another member to commit.
	// The group keeps it like a received proposal.
	ProposeSelfRemove() ([]byte, error)

	// Process validates an MLSMessage (PublicMessage or PrivateMessage)
	// of another member or an external joiner: a proposal, which the
	// group keeps for the next commit (§12.1), or a commit (§12.4.2),
	// which it stages without applying. Process is not called with this
	// member's own messages (the Session recognizes their echoes).
	Process(message []byte) (incoming, error)

	// SignWithLabel is SignWithLabel(SignatureKey, label, content) of RFC
	// 9420 §5.1.2 with this member's leaf signature key: the suite's
	// signature over SignContent{"MLS 1.0 " + label, content}.
	SignWithLabel(label string, content []byte) ([]byte, error)

	// VerifyWithLabel is VerifyWithLabel(signatureKey, label, content,
	// signature) of RFC 9420 §5.1.2 under the group's cipher suite. It
	// returns nil only for a valid signature. It must be safe to call
	// concurrently with every other method.
	VerifyWithLabel(signatureKey []byte, label string, content, signature []byte) error
}

// member is one non-blank leaf of the ratchet tree (RFC 9420 §7.1).
type member struct {
	// Leaf is the leaf index (§4.1).
	Leaf uint32
	// Identity is the identity of the leaf's credential (§5.3; for a
	// BasicCredential, its identity field).
	Identity []byte
	// SignatureKey is the leaf's signature_key (§7.2), a
	// SignaturePublicKey of the group's cipher suite (§5.1.1).
	SignatureKey []byte
}

// commitOutput is what group.Commit produces.
type commitOutput struct {
	// Message is the MLSMessage carrying the Commit (§6, §12.4).
	Message []byte
	// Welcome is the MLSMessage carrying the Welcome (§12.4.3.1) for the
	// members the commit adds, or nil if it adds none.
	Welcome []byte
	// GroupInfo is the MLSMessage carrying the signed GroupInfo of the new
	// epoch (§12.4.3), with the external_pub extension, for external
	// joiners.
	GroupInfo []byte
	// Added are the members the commit adds, at the leaves they will have
	// in the new epoch.
	Added []member
	// Removed are the leaves the commit removes.
	Removed []uint32
}

// incoming is a handshake message of another member, validated by
// group.Process.
type incoming struct {
	// Commit is true for a commit; otherwise the message was a proposal,
	// kept by the group for the next commit.
	Commit bool
	// Sender is the sender's leaf index; for an external commit (§12.4.3.2)
	// the leaf the joiner takes.
	Sender uint32
	// Removed are the leaves a commit removes (by Remove proposals inline
	// or by reference), so that a member can tell it is removed before
	// merging.
	Removed []uint32
	// Merge applies a staged commit: the group enters the next epoch
	// (§12.4.2). Nil for a proposal. The Session does not call it for a
	// commit that removes this member.
	Merge func() error
}
