package mls

import (
	"fmt"
	"slices"
)

// What the group offers those outside it, and what they send: the
// GroupInfo (RFC 9420 §12.4.3), external commits (§12.4.3.2), and external
// proposals (§12.1.8).

// GroupInfo returns the signed GroupInfo of the current epoch (RFC 9420
// §12.4.3), with the external_pub extension a client needs to join by an
// external Commit (§12.4.3.2) and, if includeTree, the ratchet tree
// (§12.4.3.3).
func (g *Group) GroupInfo(includeTree bool) (*GroupInfo, error) {
	if g.status == statusRemoved {
		return nil, fmt.Errorf("mls: group info: %w", ErrNotMember)
	}
	var tree []byte
	if includeTree {
		var err error
		if tree, err = g.cur.tree.marshal(); err != nil {
			return nil, err
		}
	}
	return g.cur.groupInfo(g.suite, g.signer, tree)
}

// ExternalJoinOptions are the choices in joining a group by an external
// Commit. The embedded GroupOptions configure the new Group and its leaf.
type ExternalJoinOptions struct {
	GroupOptions

	// RemovePrior removes the member that presents the same client as the
	// joiner's credential (GroupOptions.SameClient; by default an equal
	// credential): a "resync" of a member that lost its state (RFC 9420
	// §12.4.3.2).
	RemovePrior bool

	// PSKs are external PSKs to inject into the new epoch, each with a
	// PreSharedKey proposal in the Commit (RFC 9420 §12.2). The group keeps
	// them.
	PSKs []ExternalPSK

	// AuthenticatedData is sent in the clear with the Commit,
	// authenticated.
	AuthenticatedData []byte
}

// JoinExternal joins the group gi describes with an external Commit (RFC
// 9420 §12.4.3.2) and returns the new member's Group, already in the epoch
// the Commit creates, and the Commit as an MLSMessage to send to the
// group. gi must carry the external_pub extension; the ratchet tree comes
// from its ratchet_tree extension or else ratchetTree. The member takes the
// leftmost blank leaf with credential cred and signature key signer. If the
// Delivery Service does not accept the Commit (another Commit won the
// epoch), the Group is of no use: drop it and try again with a newer
// GroupInfo.
func JoinExternal(gi *GroupInfo, ratchetTree []byte, cred Credential, signer *SigningKey, opts *ExternalJoinOptions) (*Group, []byte, error) {
	if opts == nil {
		opts = &ExternalJoinOptions{}
	}
	cfg, err := opts.GroupOptions.config()
	if err != nil {
		return nil, nil, err
	}
	if gi == nil {
		return nil, nil, fmt.Errorf("mls: external join: %w: no group info", ErrInvalidGroupInfo)
	}
	cs := gi.GroupContext.CipherSuite
	s, err := cs.suite()
	if err != nil {
		return nil, nil, err
	}
	if signer == nil || signer.CipherSuite() != cs {
		return nil, nil, fmt.Errorf("mls: external join: no signing key of %v: %w", cs, ErrInvalidPrivateKey)
	}
	g := &Group{cfg: cfg, suite: s, signer: signer}
	for _, p := range opts.PSKs {
		g.AddExternalPSK(p.ID, p.Secret)
	}
	extPubData, ok := findExtension(gi.Extensions, ExtensionTypeExternalPub)
	if !ok {
		return nil, nil, fmt.Errorf("mls: external join: no external_pub extension: %w", ErrInvalidGroupInfo)
	}
	extPub, err := unmarshalExternalPub(extPubData)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: external join: %w: %w", ErrInvalidGroupInfo, err)
	}
	tree, err := g.groupInfoTree(gi, ratchetTree)
	if err != nil {
		return nil, nil, err
	}
	gc := cloneGroupContext(&gi.GroupContext)
	req, err := newGroupRequirements(cs, gc.Extensions)
	if err != nil {
		return nil, nil, err
	}
	interim, err := s.interimTranscriptHash(gc.ConfirmedTranscriptHash, gi.ConfirmationTag)
	if err != nil {
		return nil, nil, err
	}
	// The old epoch as the joiner sees it: public state only.
	base := &epochState{gc: gc, tree: tree, interim: interim, req: req}

	kemOutput, init, err := s.externalInit(extPub)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: external join: external_pub: %w: %w", ErrInvalidGroupInfo, err)
	}
	defer init.zero()
	sender := Sender{Type: SenderTypeNewMemberCommit}
	items := []proposalItem{{proposal: &ExternalInitProposal{KEMOutput: kemOutput}, sender: sender}}
	if opts.RemovePrior {
		prior, ok := g.priorLeaf(tree, &cred)
		if !ok {
			return nil, nil, fmt.Errorf("mls: external join: no member to resync presents this credential: %w", ErrInvalidProposal)
		}
		items = append(items, proposalItem{proposal: &RemoveProposal{Removed: prior}, sender: sender})
	}
	for _, p := range opts.PSKs {
		id, err := g.newPSKID(PreSharedKeyID{Type: PSKTypeExternal, ID: slices.Clone(p.ID)})
		if err != nil {
			return nil, nil, err
		}
		items = append(items, proposalItem{proposal: &PreSharedKeyProposal{PSK: id}, sender: sender})
	}
	a, err := g.applyProposals(base, items, sender, commitExternal)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := a.tree.leftmostBlankLeaf()
	if err != nil {
		return nil, nil, err
	}
	if a.tree.leafCount() > cfg.maxLeaves {
		return nil, nil, fmt.Errorf("mls: external join: the tree would grow to %d leaves, the limit is %d: %w", a.tree.leafCount(), cfg.maxLeaves, ErrLimitExceeded)
	}
	psks, err := g.pskSources().resolve(a.psks)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: external join: %w", err)
	}
	defer zeroPSKs(psks)

	// The joiner's path, from its new leaf (RFC 9420 §12.4.3.2).
	baseLeaf := &LeafNode{Credential: cloneCredential(&cred), Capabilities: g.leafCapabilities(cred.Type, &opts.GroupOptions, gc.Extensions), Extensions: cloneExtensions(opts.LeafExtensions)}
	np, err := a.tree.applyNewPath(leaf, signer, baseLeaf, gc.GroupID, cfg.validation.workers())
	if err != nil {
		return nil, nil, err
	}
	defer np.zero()
	if err := g.checkOwnPathLeaf(a, leaf, &cred); err != nil {
		return nil, nil, err
	}
	next := a.provisionalGroupContext(base)
	if next.TreeHash, err = a.tree.treeHash(); err != nil {
		return nil, nil, err
	}
	gcBytes, err := marshalGroupContext(next)
	if err != nil {
		return nil, nil, err
	}
	path, err := np.encrypt(a.tree, gcBytes, nil, cfg.validation.workers())
	if err != nil {
		return nil, nil, err
	}
	commit := &Commit{Proposals: make([]ProposalOrRef, len(items)), Path: path}
	for i, it := range items {
		commit.Proposals[i] = ProposalOrRef{Proposal: it.proposal}
	}
	fc := &FramedContent{
		GroupID:           gc.GroupID,
		Epoch:             gc.Epoch,
		Sender:            sender,
		AuthenticatedData: nonNilBytes(opts.AuthenticatedData),
		ContentType:       ContentTypeCommit,
		Commit:            commit,
	}
	ac, err := signContent(signer, WireFormatPublicMessage, fc, gc)
	if err != nil {
		return nil, nil, err
	}
	if next.ConfirmedTranscriptHash, err = s.confirmedTranscriptHash(interim, ac); err != nil {
		return nil, nil, err
	}
	es, joiner, ws, err := s.scheduleEpoch(init, np.commitSecret, psks, next)
	if err != nil {
		return nil, nil, err
	}
	joiner.zero()
	ws.zero()
	ac.Auth.ConfirmationTag = es.confirmation.tag(next.ConfirmedTranscriptHash)
	if g.cur, err = newEpochState(next, a.tree, np.private, es, ac.Auth.ConfirmationTag, cfg.limits); err != nil {
		return nil, nil, err
	}
	msg, err := (&MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: &PublicMessage{Content: ac.Content, Auth: ac.Auth}}).Marshal()
	if err != nil {
		g.cur.zero()
		return nil, nil, err
	}
	h := messageHash(msg)
	g.ownCommit = &h
	return g, msg, nil
}

// priorLeaf returns the member of tree that presents the same client as
// cred, for a resync (RFC 9420 §12.4.3.2).
func (g *Group) priorLeaf(tree *ratchetTree, cred *Credential) (LeafIndex, bool) {
	for l, ln := range tree.members() {
		if g.cfg.sameClient(&ln.Credential, cred) {
			return l, true
		}
	}
	return 0, false
}

// checkOwnPathLeaf checks the leaf node this member put at leaf with its
// path against the tree and the group's requirements, as the other members
// will (RFC 9420 §7.3), so that it does not send a Commit they reject.
func (g *Group) checkOwnPathLeaf(a *appliedProposals, leaf LeafIndex, cred *Credential) error {
	ln := a.tree.leafNode(leaf)
	if err := checkCapabilities(ln, a.req); err != nil {
		return err
	}
	if err := a.tree.checkCredentialSupport(ln, leaf); err != nil {
		return err
	}
	return g.suite.checkCredential(cred, g.signer.pub, g.cfg.validation.credentialValidator())
}

// NewMemberAddProposal makes the Add proposal by which the client of kp
// asks to join the group gi describes (RFC 9420 §12.1.8, sender type
// new_member_proposal), signed with the KeyPackage's signature key from
// keys, and returns it as an MLSMessage (PublicMessage) for the group. The
// client keeps keys for the Welcome that follows if a member commits the
// proposal.
func NewMemberAddProposal(gi *GroupInfo, kp *KeyPackage, keys *KeyPackagePrivateKeys) ([]byte, error) {
	if gi == nil || kp == nil {
		return nil, fmt.Errorf("mls: new member proposal: %w: no group info or key package", ErrInvalidGroupInfo)
	}
	if err := keys.matches(kp); err != nil {
		return nil, err
	}
	if kp.CipherSuite != gi.GroupContext.CipherSuite {
		return nil, fmt.Errorf("mls: new member proposal: a %v key package for a %v group: %w", kp.CipherSuite, gi.GroupContext.CipherSuite, ErrUnsupportedCipherSuite)
	}
	return externalProposal(gi, keys.signer, Sender{Type: SenderTypeNewMemberProposal}, &AddProposal{KeyPackage: *kp})
}

// ExternalProposal makes proposal p as the external sender at index
// senderIndex of the group's external_senders extension (RFC 9420
// §12.1.8.1), signed with signer, the key listed there, for the epoch gi
// describes, and returns it as an MLSMessage (PublicMessage). Only Add,
// Remove, PreSharedKey, ReInit and GroupContextExtensions proposals may be
// sent by external senders (§12.1.8). A PreSharedKey proposal without a
// psk_nonce gets a fresh one of KDF.Nh bytes (§8.4), as in Group.Commit.
func ExternalProposal(gi *GroupInfo, signer *SigningKey, senderIndex uint32, p Proposal) ([]byte, error) {
	if gi == nil {
		return nil, fmt.Errorf("mls: external proposal: %w: no group info", ErrInvalidGroupInfo)
	}
	if signer == nil || signer.CipherSuite() != gi.GroupContext.CipherSuite {
		return nil, fmt.Errorf("mls: external proposal: no signing key of %v: %w", gi.GroupContext.CipherSuite, ErrInvalidPrivateKey)
	}
	p, err := cloneProposal(p)
	if err != nil {
		return nil, fmt.Errorf("mls: external proposal: %w", err)
	}
	if psk, ok := p.(*PreSharedKeyProposal); ok && len(psk.PSK.Nonce) == 0 {
		s, err := gi.GroupContext.CipherSuite.suite()
		if err != nil {
			return nil, fmt.Errorf("mls: external proposal: %w", err)
		}
		if psk.PSK.Nonce, err = s.newPSKNonce(); err != nil {
			return nil, fmt.Errorf("mls: external proposal: %w", err)
		}
	}
	return externalProposal(gi, signer, Sender{Type: SenderTypeExternal, SenderIndex: senderIndex}, p)
}

// externalProposal signs and encodes proposal p from a non-member sender.
func externalProposal(gi *GroupInfo, signer *SigningKey, sender Sender, p Proposal) ([]byte, error) {
	fc := &FramedContent{
		GroupID:           gi.GroupContext.GroupID,
		Epoch:             gi.GroupContext.Epoch,
		Sender:            sender,
		AuthenticatedData: []byte{},
		ContentType:       ContentTypeProposal,
		Proposal:          p,
	}
	ac, err := signContent(signer, WireFormatPublicMessage, fc, nil)
	if err != nil {
		return nil, err
	}
	return (&MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: &PublicMessage{Content: ac.Content, Auth: ac.Auth}}).Marshal()
}
