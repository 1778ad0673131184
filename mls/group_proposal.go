package mls

import (
	"fmt"
	"slices"
)

// Proposals (RFC 9420 §12.1): making them, validating those received, and
// the cache of the epoch's proposals that Commits reference.

// cachedProposal is a proposal received or sent in the current epoch,
// kept so that a Commit can include it by reference (RFC 9420 §12.1).
type cachedProposal struct {
	ref      []byte
	proposal Proposal
	sender   Sender
	own      bool
	// updateKey is the private key of the new leaf of this member's own
	// Update proposal.
	updateKey *hpkePrivateKey
	// verified says the proposal's content was validated against the
	// epoch's requirements when it was received.
	verified bool
}

// proposalCache holds the proposals of the current epoch in the order
// they arrived, indexed by ProposalRef.
type proposalCache struct {
	list  []*cachedProposal
	byRef map[string]*cachedProposal
}

func (c *proposalCache) get(ref []byte) *cachedProposal { return c.byRef[string(ref)] }

func (c *proposalCache) add(p *cachedProposal) {
	if c.byRef == nil {
		c.byRef = map[string]*cachedProposal{}
	}
	c.list = append(c.list, p)
	c.byRef[string(p.ref)] = p
}

// reset drops every proposal, as a new epoch begins.
func (c *proposalCache) reset() {
	c.list = nil
	c.byRef = nil
}

// proposalRef returns the ProposalRef of an AuthenticatedContent carrying a
// proposal (RFC 9420 §5.2).
func (s *suite) proposalRef(ac *AuthenticatedContent) ([]byte, error) {
	enc, err := marshalAuthenticatedContent(ac)
	if err != nil {
		return nil, err
	}
	return s.makeProposalRef(enc)
}

// ProposeAdd proposes adding the client of kp to the group (RFC 9420
// §12.1.1) and returns the proposal as an MLSMessage to send to the group.
// The KeyPackage is validated first (§10.1). Like every Propose method, it
// caches the proposal, so that this member's next Commit includes it.
func (g *Group) ProposeAdd(kp *KeyPackage) ([]byte, error) {
	if kp == nil {
		return nil, fmt.Errorf("mls: propose add: nil key package: %w", ErrInvalidProposal)
	}
	return g.propose(&AddProposal{KeyPackage: *kp}, nil)
}

// ProposeUpdate proposes replacing this member's leaf node with one with a
// fresh encryption key (RFC 9420 §12.1.2), and returns the proposal as an
// MLSMessage. The private key is kept until a Commit applies the Update.
func (g *Group) ProposeUpdate() ([]byte, error) {
	if err := g.checkActive("propose update"); err != nil {
		return nil, err
	}
	own := g.ownLeaf()
	ln, key, err := g.suite.newUpdateLeafNode(g.signer, g.cur.tree.leafNode(own), g.cur.gc.GroupID, own)
	if err != nil {
		return nil, err
	}
	return g.propose(&UpdateProposal{LeafNode: *ln}, key)
}

// ProposeRemove proposes removing the member at leaf (RFC 9420 §12.1.3).
func (g *Group) ProposeRemove(leaf LeafIndex) ([]byte, error) {
	return g.propose(&RemoveProposal{Removed: leaf}, nil)
}

// ProposeExternalPSK proposes injecting the external PSK stored under id
// (AddExternalPSK) into the next epoch's key schedule (RFC 9420 §12.1.4),
// with a fresh psk_nonce.
func (g *Group) ProposeExternalPSK(id []byte) ([]byte, error) {
	if _, ok := g.externalPSKs[string(id)]; !ok {
		return nil, fmt.Errorf("mls: propose psk: external PSK %x: %w", id, ErrMissingPSK)
	}
	pid, err := g.newPSKID(PreSharedKeyID{Type: PSKTypeExternal, ID: slices.Clone(id)})
	if err != nil {
		return nil, err
	}
	return g.propose(&PreSharedKeyProposal{PSK: pid}, nil)
}

// ProposeResumptionPSK proposes injecting the resumption PSK of this
// group's epoch into the next epoch's key schedule (RFC 9420 §8.6,
// §12.1.4), usage application. The epoch must be one the group keeps
// (GroupOptions.ResumptionEpochs).
func (g *Group) ProposeResumptionPSK(epoch uint64) ([]byte, error) {
	if _, ok := g.resumptionPSK(epoch); !ok {
		return nil, fmt.Errorf("mls: propose psk: resumption PSK of epoch %d: %w", epoch, ErrMissingPSK)
	}
	pid, err := g.newPSKID(PreSharedKeyID{Type: PSKTypeResumption, Usage: ResumptionPSKUsageApplication, GroupID: g.GroupID(), Epoch: epoch})
	if err != nil {
		return nil, err
	}
	return g.propose(&PreSharedKeyProposal{PSK: pid}, nil)
}

// ProposeGroupContextExtensions proposes replacing the GroupContext
// extensions with exts (RFC 9420 §12.1.7). Every member must support them.
func (g *Group) ProposeGroupContextExtensions(exts []Extension) ([]byte, error) {
	return g.propose(&GroupContextExtensionsProposal{Extensions: cloneExtensions(exts)}, nil)
}

// ProposeReInit proposes reinitializing the group as a new group with the
// given ID, cipher suite and GroupContext extensions (RFC 9420 §11.2,
// §12.1.5).
func (g *Group) ProposeReInit(groupID []byte, cs CipherSuite, exts []Extension) ([]byte, error) {
	return g.propose(&ReInitProposal{GroupID: slices.Clone(groupID), Version: ProtocolVersionMLS10, CipherSuite: cs, Extensions: cloneExtensions(exts)}, nil)
}

// propose signs p as this member's proposal of the current epoch, caches
// it, and returns it protected as an MLSMessage. updateKey is the private
// key of an Update's new leaf.
func (g *Group) propose(p Proposal, updateKey *hpkePrivateKey) ([]byte, error) {
	what := "propose " + p.ProposalType().String()
	if err := g.checkActive(what); err != nil {
		return nil, err
	}
	if len(g.proposals.list) >= g.cfg.maxProposals {
		return nil, fmt.Errorf("mls: %s: %d proposals cached, the limit: %w", what, len(g.proposals.list), ErrLimitExceeded)
	}
	own := g.ownLeaf()
	sender := Sender{Type: SenderTypeMember, LeafIndex: own}
	if err := g.checkProposal(g.cur, sender, p); err != nil {
		return nil, rehome(err, "proposal", p.ProposalType().String(), ErrInvalidProposal)
	}
	fc := &FramedContent{
		GroupID:           g.cur.gc.GroupID,
		Epoch:             g.cur.gc.Epoch,
		Sender:            sender,
		AuthenticatedData: []byte{},
		ContentType:       ContentTypeProposal,
		Proposal:          p,
	}
	ac, err := g.cur.protector.sign(g.handshakeWireFormat(), fc, g.signer)
	if err != nil {
		return nil, err
	}
	ref, err := g.suite.proposalRef(ac)
	if err != nil {
		return nil, err
	}
	msg, err := g.protect(ac)
	if err != nil {
		return nil, err
	}
	g.proposals.add(&cachedProposal{ref: ref, proposal: p, sender: sender, own: true, updateKey: updateKey, verified: true})
	g.rememberSent(msg, sentMessage{ref: ref})
	return msg, nil
}

// rememberSent records a handshake message this member sent in the
// current epoch, for recognizing its echo.
func (g *Group) rememberSent(msg []byte, m sentMessage) {
	if g.sent == nil {
		g.sent = map[[32]byte]sentMessage{}
	}
	g.sent[messageHash(msg)] = m
}

// checkProposal makes the checks of RFC 9420 §12.1 that concern proposal p
// from sender on its own, in epoch e: a valid KeyPackage (§10.1), a valid
// Update leaf node (§7.3) with a new encryption key, a Remove of a member,
// a PSK with a KDF.Nh nonce and an application usage, a ReInit version
// not below the group's, well-formed GroupContext extensions. An
// ExternalInit is never valid on its own (§12.1.6). The checks that depend
// on the other proposals of a Commit are applyProposals'.
func (g *Group) checkProposal(e *epochState, sender Sender, p Proposal) error {
	switch p := p.(type) {
	case *AddProposal:
		return p.KeyPackage.verify(e.req, g.cfg.validation)
	case *UpdateProposal:
		if sender.Type != SenderTypeMember {
			return newValidationError("update", "", nil, fmt.Sprintf("from a %v sender", sender.Type), ErrInvalidProposal)
		}
		if err := g.checkUpdate(e.gc.GroupID, e.req, sender.LeafIndex, &p.LeafNode); err != nil {
			return err
		}
		return e.tree.checkNewLeaf(&p.LeafNode, sender.LeafIndex)
	case *RemoveProposal:
		if e.tree.leafNode(p.Removed) == nil {
			return newValidationError("remove", "", nil, fmt.Sprintf("leaf %d is blank or outside the tree", p.Removed), ErrInvalidProposal)
		}
	case *PreSharedKeyProposal:
		return g.checkPSKID(&p.PSK, commitRegular)
	case *ReInitProposal:
		return checkReInit(p)
	case *ExternalInitProposal:
		return newValidationError("external_init", "", nil, "allowed only in an external commit", ErrInvalidProposal)
	case *GroupContextExtensionsProposal:
		_, err := g.checkGroupContextExtensions(p.Extensions)
		return err
	}
	return nil
}

// receiveProposal validates a proposal received in ac (RFC 9420 §12.1,
// §12.1.8) and returns its cache entry. The caller caches it.
func (g *Group) receiveProposal(ac *AuthenticatedContent) (*cachedProposal, error) {
	p := ac.Content.Proposal
	sender := ac.Content.Sender
	if sender.Type != SenderTypeMember && g.cfg.externalProposalOK != nil {
		if err := g.cfg.externalProposalOK(sender, p); err != nil {
			return nil, newValidationError("proposal", p.ProposalType().String(), err, fmt.Sprintf("not authorized from a %v sender", sender.Type), ErrInvalidProposal)
		}
	}
	if err := g.checkProposal(g.cur, sender, p); err != nil {
		return nil, rehome(err, "proposal", p.ProposalType().String(), ErrInvalidProposal)
	}
	ref, err := g.suite.proposalRef(ac)
	if err != nil {
		return nil, err
	}
	return &cachedProposal{ref: ref, proposal: p, sender: sender, verified: true}, nil
}
