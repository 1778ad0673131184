package e2ee

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"

	"github.com/sealroom/sealroom/mls"
)

// This file is the seam between the Session and MLS (RFC 9420). The
// Session reaches its MLS group only through the group interface below and
// exchanges MLS messages with the application only as opaque bytes: the
// MLSMessage encoding of RFC 9420 §6, which the transport carries as it
// is. mlsGroup, at the end of the file, implements the interface over
// mls.Group; the constructors that build a Session on one are in join.go
// (Create, JoinFromWelcome, JoinExternal) and persist.go (Restore). The
// unit tests that need to reach inside an epoch drive the Session through
// an in-memory fake of the same interface (fakegroup_test.go).
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

	// GroupID is the group's ID (RFC 9420 §8.1).
	GroupID() []byte

	// GroupInfo returns the MLSMessage carrying the signed GroupInfo of
	// the current epoch (§12.4.3) with the external_pub extension and the
	// ratchet tree (§12.4.3.3), for external joiners.
	GroupInfo() ([]byte, error)

	// MarshalBinary encodes the group's whole state for storage, the
	// pending commit and cached proposals included; it is secret. See
	// persist.go.
	MarshalBinary() ([]byte, error)
}

// member is one non-blank leaf of the ratchet tree (RFC 9420 §7.1).
type member struct {
	// Leaf is the leaf index (§4.1).
	Leaf uint32
	// Identity is the identity of the leaf's credential (§5.3): see
	// credentialIdentity.
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
	// the leaf the joiner takes; noLeaf for a proposal from outside the
	// group (§12.1.8).
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

// noLeaf is the sender of a proposal from outside the group: an external
// sender or a client asking to join (RFC 9420 §12.1.8). No member has it.
const noLeaf = ^uint32(0)

// mlsGroup is the group of a Session over an mls.Group.
type mlsGroup struct {
	g *mls.Group
	// suite is the group's cipher suite, kept apart for VerifyWithLabel,
	// which runs concurrently with the calls that change g.
	suite mls.CipherSuite
	// joining is set from JoinExternal until the Session merges the
	// external commit: mls.JoinExternal returns the group already in the
	// epoch its commit creates, which the Session does not enter before
	// the delivery service confirms the commit (see the contract above).
	joining bool
	// removes are the leaves named by the Remove proposals cached in epoch
	// removesEpoch. The group's Commit includes every cached proposal, and
	// a leaf removed twice makes the commit invalid (RFC 9420 §12.2), so
	// Commit leaves those out of its own removals.
	removes      map[uint32]bool
	removesEpoch uint64
}

var _ group = (*mlsGroup)(nil)

func newMLSGroup(g *mls.Group) *mlsGroup {
	return &mlsGroup{g: g, suite: g.CipherSuite()}
}

func (a *mlsGroup) CipherSuite() mls.CipherSuite { return a.suite }

func (a *mlsGroup) Epoch() uint64 {
	if a.joining {
		return a.g.Epoch() - 1
	}
	return a.g.Epoch()
}

func (a *mlsGroup) OwnLeaf() uint32 {
	l, _ := a.g.OwnLeaf()
	return uint32(l)
}

func (a *mlsGroup) GroupID() []byte { return a.g.GroupID() }

func (a *mlsGroup) Members() []member {
	ms := a.g.Members()
	out := make([]member, 0, len(ms))
	for _, m := range ms {
		out = append(out, memberOf(m))
	}
	return out
}

func memberOf(m mls.Member) member {
	return member{Leaf: uint32(m.Leaf), Identity: credentialIdentity(&m.Credential), SignatureKey: m.SignatureKey}
}

// credentialIdentity is the identity a credential presents (RFC 9420
// §5.3): the identity of a basic credential, the subject of an X.509
// credential's end-entity certificate (RFC 4514 form), or the content of
// any other type.
func credentialIdentity(c *mls.Credential) []byte {
	switch c.Type {
	case mls.CredentialTypeBasic:
		return c.Identity
	case mls.CredentialTypeX509:
		if len(c.Certificates) == 0 {
			return nil
		}
		cert, err := x509.ParseCertificate(c.Certificates[0])
		if err != nil {
			return nil
		}
		return []byte(cert.Subject.String())
	}
	return c.Data
}

func (a *mlsGroup) Export(label string, context []byte, length int) ([]byte, error) {
	return a.g.Export(label, context, length)
}

func (a *mlsGroup) EpochAuthenticator() []byte { return a.g.EpochAuthenticator() }

func (a *mlsGroup) GroupInfo() ([]byte, error) {
	gi, err := a.g.GroupInfo(true)
	if err != nil {
		return nil, err
	}
	return (&mls.MLSMessage{WireFormat: mls.WireFormatGroupInfo, GroupInfo: gi}).Marshal()
}

// cachedRemoves returns the Remove proposals cached in the current epoch.
func (a *mlsGroup) cachedRemoves() map[uint32]bool {
	if a.removes == nil || a.removesEpoch != a.g.Epoch() {
		a.removes, a.removesEpoch = map[uint32]bool{}, a.g.Epoch()
	}
	return a.removes
}

// Commit makes a commit with the adds and removes by value, every cached
// proposal by reference, and a path (RFC 9420 §12.4.1).
func (a *mlsGroup) Commit(add [][]byte, remove []uint32) (commitOutput, error) {
	opts := &mls.CommitOptions{ForcePath: true}
	for i, data := range add {
		kp, err := parseKeyPackage(data)
		if err != nil {
			return commitOutput{}, fmt.Errorf("KeyPackage %d: %w", i, err)
		}
		if kp.CipherSuite != a.suite {
			return commitOutput{}, fmt.Errorf("KeyPackage %d (%s): %w: of %v, the group's is %v", i,
				printableIdentity(credentialIdentity(&kp.LeafNode.Credential)), mls.ErrInvalidKeyPackage, kp.CipherSuite, a.suite)
		}
		opts.ByValue = append(opts.ByValue, &mls.AddProposal{KeyPackage: *kp})
	}
	cached := a.cachedRemoves()
	for _, l := range remove {
		if !cached[l] {
			opts.ByValue = append(opts.ByValue, &mls.RemoveProposal{Removed: mls.LeafIndex(l)})
		}
	}
	res, err := a.g.Commit(opts)
	if err != nil {
		return commitOutput{}, a.commitError(err, add)
	}
	out := commitOutput{Message: res.Commit}
	if res.Welcome != nil {
		if out.Welcome, err = (&mls.MLSMessage{WireFormat: mls.WireFormatWelcome, Welcome: res.Welcome}).Marshal(); err != nil {
			a.g.ClearPendingCommit()
			return commitOutput{}, err
		}
	}
	if out.GroupInfo, err = (&mls.MLSMessage{WireFormat: mls.WireFormatGroupInfo, GroupInfo: res.GroupInfo}).Marshal(); err != nil {
		a.g.ClearPendingCommit()
		return commitOutput{}, err
	}
	// The group recognizes its own pending commit and returns it staged,
	// without changing anything: what it adds and removes.
	pm, err := a.g.Process(res.Commit)
	if err != nil || pm.Commit == nil {
		a.g.ClearPendingCommit()
		return commitOutput{}, fmt.Errorf("the group does not recognize its own commit: %w", err)
	}
	for _, m := range pm.Commit.Added() {
		out.Added = append(out.Added, memberOf(m))
	}
	for _, m := range pm.Commit.Removed() {
		out.Removed = append(out.Removed, uint32(m.Leaf))
	}
	return out, nil
}

// commitError names the invitee of a KeyPackage the group refused.
func (a *mlsGroup) commitError(err error, add [][]byte) error {
	if !errors.Is(err, mls.ErrInvalidKeyPackage) && !errors.Is(err, mls.ErrInvalidCredential) && !errors.Is(err, mls.ErrInvalidLeafNode) &&
		!errors.Is(err, mls.ErrLifetime) && !errors.Is(err, mls.ErrUnsupportedCapability) {
		return err
	}
	var names []byte
	for i, data := range add {
		kp, perr := parseKeyPackage(data)
		if perr != nil {
			continue
		}
		if i > 0 {
			names = append(names, ", "...)
		}
		names = append(names, printableIdentity(credentialIdentity(&kp.LeafNode.Credential))...)
	}
	return fmt.Errorf("inviting %s: %w", names, err)
}

// parseKeyPackage decodes an MLSMessage carrying a KeyPackage (RFC 9420
// §6, §10).
func parseKeyPackage(data []byte) (*mls.KeyPackage, error) {
	m, err := mls.UnmarshalMLSMessage(data)
	if err != nil {
		return nil, err
	}
	if m.WireFormat != mls.WireFormatKeyPackage {
		return nil, fmt.Errorf("%w: a %v, not a KeyPackage", mls.ErrMalformed, m.WireFormat)
	}
	return m.KeyPackage, nil
}

func (a *mlsGroup) MergePendingCommit() error {
	if a.joining {
		a.joining = false
		return nil
	}
	return a.g.MergePendingCommit()
}

func (a *mlsGroup) ClearPendingCommit() {
	if !a.joining {
		a.g.ClearPendingCommit()
	}
}

func (a *mlsGroup) ProposeSelfRemove() ([]byte, error) {
	own := a.OwnLeaf()
	msg, err := a.g.ProposeRemove(mls.LeafIndex(own))
	if err != nil {
		return nil, err
	}
	a.cachedRemoves()[own] = true
	return msg, nil
}

func (a *mlsGroup) Process(message []byte) (incoming, error) {
	pm, err := a.g.Process(message)
	if err != nil {
		if n, ok := messageEpoch(message); ok && n < a.g.Epoch() {
			return incoming{}, &staleError{message: n, group: a.g.Epoch(), err: err}
		}
		return incoming{}, err
	}
	if pm.Own {
		// The Session recognizes the echoes of its own messages first.
		return incoming{}, fmt.Errorf("%w: an echo the Session did not expect", mls.ErrOwnMessage)
	}
	switch pm.ContentType {
	case mls.ContentTypeProposal:
		in := incoming{Sender: senderLeaf(pm.Sender)}
		if r, ok := pm.Proposal.(*mls.RemoveProposal); ok {
			a.cachedRemoves()[uint32(r.Removed)] = true
		}
		return in, nil
	case mls.ContentTypeCommit:
		return a.incomingCommit(pm.Commit), nil
	}
	return incoming{}, fmt.Errorf("%w: a %v message: Sealroom sends media over SFrame, not as MLS application messages", mls.ErrInvalidContent, pm.ContentType)
}

// incomingCommit describes a staged commit of another member for the
// Session.
func (a *mlsGroup) incomingCommit(sc *mls.StagedCommit) incoming {
	in := incoming{Commit: true, Sender: senderLeaf(sc.Sender())}
	if sc.External() {
		if added := sc.Added(); len(added) > 0 {
			in.Sender = uint32(added[0].Leaf)
		}
	}
	for _, m := range sc.Removed() {
		in.Removed = append(in.Removed, uint32(m.Leaf))
	}
	if sc.ReInit() != nil && !sc.SelfRemoved() {
		// A reinitialization ends the group (RFC 9420 §11.2): for the
		// Session, as if this member were removed. Sealroom clients never
		// propose one.
		in.Removed = append(in.Removed, a.OwnLeaf())
	}
	in.Merge = func() error { return a.g.Merge(sc) }
	return in
}

// senderLeaf returns the leaf of a member sender, noLeaf for others.
func senderLeaf(s mls.Sender) uint32 {
	if s.Type == mls.SenderTypeMember {
		return uint32(s.LeafIndex)
	}
	return noLeaf
}

// messageEpoch returns the epoch of an MLSMessage carrying a
// PublicMessage or PrivateMessage.
func messageEpoch(message []byte) (uint64, bool) {
	m, err := mls.UnmarshalMLSMessage(message)
	switch {
	case err != nil:
		return 0, false
	case m.PublicMessage != nil:
		return m.PublicMessage.Content.Epoch, true
	case m.PrivateMessage != nil:
		return m.PrivateMessage.Epoch, true
	}
	return 0, false
}

// staleError is the error of a handshake message of a past epoch.
type staleError struct {
	message, group uint64
	err            error
}

func (e *staleError) Error() string {
	return "message of epoch " + strconv.FormatUint(e.message, 10) + ", the group is in epoch " + strconv.FormatUint(e.group, 10) + ": " + e.err.Error()
}

func (e *staleError) Unwrap() []error { return []error{ErrStaleMessage, e.err} }

func (a *mlsGroup) SignWithLabel(label string, content []byte) ([]byte, error) {
	return mls.SignWithLabel(a.g.SigningKey(), label, content)
}

func (a *mlsGroup) VerifyWithLabel(signatureKey []byte, label string, content, signature []byte) error {
	return mls.VerifyWithLabel(a.suite, signatureKey, label, content, signature)
}
