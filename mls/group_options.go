package mls

import (
	"fmt"
)

// Defaults of GroupOptions: the bounds a Group puts on what it keeps and on
// what hostile input may make it do.
const (
	// DefaultMaxLeaves bounds the ratchet tree of a group a member joins
	// or grows: 65,536 leaves. A tree of that size takes a few seconds to
	// validate on one core (one signature per leaf); larger groups must
	// raise it deliberately.
	DefaultMaxLeaves = 1 << 16

	// DefaultMaxProposals bounds both the proposals a Commit may carry
	// and the proposals a member caches in one epoch: 4,096.
	DefaultMaxProposals = 4096

	// DefaultPastEpochs is how many epochs before the current one keep
	// their message keys for late application messages (RFC 9420 §14.2,
	// §15.3): one.
	DefaultPastEpochs = 1

	// DefaultResumptionEpochs is how many epochs, the current one
	// included, keep their resumption_psk for PreSharedKey proposals and
	// resumption (RFC 9420 §8.6): eight.
	DefaultResumptionEpochs = 8
)

// GroupOptions are a member's choices for a group: how it sends handshake
// messages, how much it keeps of past epochs, the bounds it puts on
// received input, and how it validates leaves and credentials. The zero
// value (or a nil pointer) gives the defaults. Extensions, Capabilities
// and LeafExtensions apply when a group or leaf is created (CreateGroup,
// Branch, ReInitGroup, JoinExternal); the rest throughout the group's life.
type GroupOptions struct {
	// EncryptHandshake sends this member's proposals and commits as
	// PrivateMessage instead of PublicMessage (RFC 9420 §6). External
	// commits and proposals are always PublicMessage.
	EncryptHandshake bool

	// Extensions are the GroupContext extensions of a new group (RFC 9420
	// §11, §13). Every member must support them.
	Extensions []Extension

	// Capabilities are those of this member's new leaf node. If nil, those
	// NewKeyPackage gives by default: MLS 1.0, the group's suite, the
	// basic and X.509 credential types and that of the member's
	// credential, the non-default extension types of Extensions and
	// LeafExtensions, and GREASE values (RFC 9420 §13.5).
	Capabilities *Capabilities

	// LeafExtensions are the extensions of this member's new leaf node.
	LeafExtensions []Extension

	// PaddingBlock pads the content of PrivateMessages this member sends
	// to a multiple of that many bytes (RFC 9420 §6.3.1, §14.1). Zero or
	// one means no padding.
	PaddingBlock int

	// PastEpochs is how many past epochs keep their message keys for
	// late application messages; zero means DefaultPastEpochs, a negative
	// value none. Keys of past epochs undo some forward secrecy (RFC 9420
	// §15.3): keep few.
	PastEpochs int

	// ResumptionEpochs is how many epochs, the current one included, keep
	// their resumption_psk (RFC 9420 §8.6); zero means
	// DefaultResumptionEpochs. At least one is always kept.
	ResumptionEpochs int

	// MaxLeaves bounds the ratchet tree (RFC 9420 §7): a Welcome, GroupInfo
	// or Commit that would make it wider is rejected with
	// ErrLimitExceeded. Zero means DefaultMaxLeaves.
	MaxLeaves int

	// MaxProposals bounds the proposals of one Commit and the proposals
	// cached in one epoch. Zero means DefaultMaxProposals.
	MaxProposals int

	// MaxForwardDistance and MaxRetainedKeys bound the secret tree's work
	// on messages that arrive out of order (RFC 9420 §9.2, §14.3): how far
	// ahead of the next expected generation a message may be, and how many
	// skipped keys each sender ratchet keeps. Zero means 1000 and 32.
	MaxForwardDistance uint32
	MaxRetainedKeys    int

	// Validation is how leaf nodes, key packages and ratchet trees are
	// validated: the credential validator (the Authentication Service,
	// RFC 9420 §5.3.1), the clock, the longest acceptable lifetime, the
	// worker pool. Nil means the defaults of ValidationOptions.
	Validation *ValidationOptions

	// SameClient decides whether two credentials present the same client,
	// for the checks the RFC leaves to the application: the leaf of an
	// external commit that removes a member must be that member's (RFC
	// 9420 §12.2), and the members of a reinitialized or branched group
	// must be members of the old one (§11.2, §11.3). Nil means equal
	// credentials (type and content).
	SameClient func(a, b *Credential) bool

	// ExternalProposalPolicy, if set, decides whether proposals from
	// outside the group are authorized (RFC 9420 §12.1.8: "External
	// proposals that are not authorized are considered invalid"): it is
	// called for each proposal of an external or new_member_proposal
	// sender, and a non-nil error rejects it. Nil accepts every external
	// proposal that is otherwise valid.
	ExternalProposalPolicy func(sender Sender, p Proposal) error
}

// groupConfig is the effective configuration of a group: the options with
// defaults filled in.
type groupConfig struct {
	encryptHandshake   bool
	paddingBlock       int
	pastEpochs         int
	resumptionEpochs   int
	maxLeaves          uint32
	maxProposals       int
	limits             secretTreeLimits
	validation         *ValidationOptions
	sameClient         func(a, b *Credential) bool
	defaultSameClient  bool
	externalProposalOK func(sender Sender, p Proposal) error
}

// config returns the configuration the options give.
func (o *GroupOptions) config() (groupConfig, error) {
	if o == nil {
		o = &GroupOptions{}
	}
	c := groupConfig{
		encryptHandshake:   o.EncryptHandshake,
		paddingBlock:       max(o.PaddingBlock, 0),
		pastEpochs:         o.PastEpochs,
		resumptionEpochs:   o.ResumptionEpochs,
		maxLeaves:          DefaultMaxLeaves,
		maxProposals:       o.MaxProposals,
		limits:             secretTreeLimits{maxForwardDistance: o.MaxForwardDistance, maxRetainedKeys: o.MaxRetainedKeys},
		validation:         o.Validation,
		sameClient:         o.SameClient,
		externalProposalOK: o.ExternalProposalPolicy,
	}
	switch {
	case c.pastEpochs == 0:
		c.pastEpochs = DefaultPastEpochs
	case c.pastEpochs < 0:
		c.pastEpochs = 0
	}
	if c.resumptionEpochs <= 0 {
		c.resumptionEpochs = DefaultResumptionEpochs
	}
	if o.MaxLeaves != 0 {
		if o.MaxLeaves < 1 || o.MaxLeaves > maxLeaves {
			return groupConfig{}, fmt.Errorf("mls: MaxLeaves %d outside 1 to 2^31: %w", o.MaxLeaves, ErrLimitExceeded)
		}
		c.maxLeaves = uint32(o.MaxLeaves)
	}
	if c.maxProposals <= 0 {
		c.maxProposals = DefaultMaxProposals
	}
	if c.limits.maxForwardDistance == 0 {
		c.limits.maxForwardDistance = defaultSecretTreeLimits.maxForwardDistance
	}
	if c.limits.maxRetainedKeys <= 0 {
		c.limits.maxRetainedKeys = defaultSecretTreeLimits.maxRetainedKeys
	}
	if c.sameClient == nil {
		c.sameClient, c.defaultSameClient = sameCredential, true
	}
	return c, nil
}

// sameCredential reports whether two credentials are equal: same type and
// same content.
func sameCredential(a, b *Credential) bool {
	ea, err1 := marshalWire("credential", a.marshal)
	eb, err2 := marshalWire("credential", b.marshal)
	return err1 == nil && err2 == nil && string(ea) == string(eb)
}

// ExternalPSK is an external pre-shared key (RFC 9420 §8.4): the psk_id
// the group names it by and its value. It prints redacted.
type ExternalPSK struct {
	ID     []byte
	Secret []byte
}

func (p ExternalPSK) String() string                { return redactedText("mls.ExternalPSK") }
func (p ExternalPSK) GoString() string              { return redactedText("mls.ExternalPSK") }
func (p ExternalPSK) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.ExternalPSK") }
