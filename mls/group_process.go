package mls

import (
	"bytes"
	"fmt"
	"slices"
)

// Sending and receiving the messages of a group (RFC 9420 §6, §12, §14):
// application data, proposals and commits.

// ProcessedMessage is what Process found in a message. ContentType says
// which fields are set. Proposal is the group's cached copy: do not
// modify it.
type ProcessedMessage struct {
	ContentType ContentType
	// Epoch is the epoch the message was sent in: the current one, or for
	// a late application message an earlier one.
	Epoch uint64
	// Sender is the sender of the message.
	Sender Sender
	// AuthenticatedData is the message's authenticated_data (RFC 9420
	// §6), sent in the clear but authenticated.
	AuthenticatedData []byte

	// ApplicationData is the plaintext of an application message.
	ApplicationData []byte

	// Proposal and ProposalRef are a proposal, now cached for the next
	// Commit, and its reference (RFC 9420 §5.2).
	Proposal    Proposal
	ProposalRef []byte

	// Commit is a Commit validated and staged: inspect it, then Merge it.
	Commit *StagedCommit

	// Own reports a proposal or the pending commit of this member, echoed
	// back by the Delivery Service.
	Own bool
}

// Process reads a message of the group, an MLSMessage carrying a
// PublicMessage or PrivateMessage (RFC 9420 §6), validates it in full, and
// returns what it carries:
//
//   - application data (late messages of the past epochs kept are read
//     with those epochs' keys);
//   - a proposal, which is cached for the next Commit (§12.1);
//   - a Commit, validated and staged but not applied: Merge it (§12.4.2).
//
// This member's own proposals and pending commit, echoed back by the
// Delivery Service, are recognized and returned with Own set (the pending
// commit as the StagedCommit to merge); other own messages give
// ErrOwnMessage. A message that fails any check leaves the group exactly
// as it was; only an accepted message uses up the key that decrypted it
// (for a Commit, when it is merged).
func (g *Group) Process(message []byte) (*ProcessedMessage, error) {
	m, err := UnmarshalMLSMessage(message)
	if err != nil {
		return nil, err
	}
	h := messageHash(message)
	if sm, ok := g.sent[h]; ok {
		return g.ownEcho(sm)
	}
	if g.ownCommit != nil && *g.ownCommit == h {
		return nil, fmt.Errorf("mls: process: the commit that made epoch %d: %w", g.cur.gc.Epoch, ErrOwnMessage)
	}
	switch m.WireFormat {
	case WireFormatPublicMessage:
		return g.processPublic(m.PublicMessage)
	case WireFormatPrivateMessage:
		return g.processPrivate(m.PrivateMessage)
	}
	return nil, fmt.Errorf("mls: process: a %v is not a group message: %w", m.WireFormat, ErrInvalidContent)
}

// ownEcho returns what Process gives for this member's own message.
func (g *Group) ownEcho(sm sentMessage) (*ProcessedMessage, error) {
	own := Sender{Type: SenderTypeMember, LeafIndex: g.ownLeaf()}
	if sm.commit {
		if g.pending == nil {
			return nil, fmt.Errorf("mls: process: a discarded commit: %w", ErrOwnMessage)
		}
		return &ProcessedMessage{ContentType: ContentTypeCommit, Epoch: g.cur.gc.Epoch, Sender: own, Commit: g.pending, Own: true}, nil
	}
	cp := g.proposals.get(sm.ref)
	if cp == nil {
		return nil, fmt.Errorf("mls: process: %w", ErrOwnMessage)
	}
	return &ProcessedMessage{ContentType: ContentTypeProposal, Epoch: g.cur.gc.Epoch, Sender: own, Proposal: cp.proposal, ProposalRef: slices.Clone(cp.ref), Own: true}, nil
}

// processPublic processes a PublicMessage: a proposal or a Commit of the
// current epoch (application data is never public, RFC 9420 §6).
func (g *Group) processPublic(pm *PublicMessage) (*ProcessedMessage, error) {
	if err := g.checkActive("process"); err != nil {
		return nil, err
	}
	ac, err := g.cur.protector.unprotectPublic(pm)
	if err != nil {
		return nil, err
	}
	return g.processHandshake(ac, nil)
}

// processPrivate processes a PrivateMessage: application data of the
// current or a kept past epoch, or a proposal or Commit of the current
// epoch.
func (g *Group) processPrivate(pm *PrivateMessage) (*ProcessedMessage, error) {
	if !bytes.Equal(pm.GroupID, g.cur.gc.GroupID) {
		return nil, fmt.Errorf("mls: unprotect private message: %w", ErrWrongGroup)
	}
	p, own, ok := g.protectorFor(pm.Epoch)
	if !ok {
		return nil, fmt.Errorf("mls: unprotect private message: %w: epoch %d, this is epoch %d (past epochs kept: %d)", ErrWrongEpoch, pm.Epoch, g.cur.gc.Epoch, len(g.past))
	}
	current := p == g.cur.protector && g.status != statusRemoved
	if !current && pm.ContentType != ContentTypeApplication {
		if err := g.checkActive("process"); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("mls: unprotect private message: %w: a %v of epoch %d, this is epoch %d", ErrWrongEpoch, pm.ContentType, pm.Epoch, g.cur.gc.Epoch)
	}
	check := func(sd *senderData) error {
		if own != nil && sd.leafIndex == *own {
			return ErrOwnMessage
		}
		return nil
	}
	ac, use, err := p.openPrivate(pm, check)
	if err != nil {
		return nil, err
	}
	if ac.Content.ContentType != ContentTypeApplication {
		if err := g.checkActive("process"); err != nil {
			return nil, err
		}
		return g.processHandshake(ac, &use)
	}
	if err := p.consume(use); err != nil {
		return nil, err
	}
	return &ProcessedMessage{
		ContentType:       ContentTypeApplication,
		Epoch:             ac.Content.Epoch,
		Sender:            ac.Content.Sender,
		AuthenticatedData: ac.Content.AuthenticatedData,
		ApplicationData:   ac.Content.ApplicationData,
	}, nil
}

// protectorFor returns the message protector of epoch, the current one or
// a past one kept, and the member's leaf in it (nil if it had none).
func (g *Group) protectorFor(epoch uint64) (p *messageProtector, own *LeafIndex, ok bool) {
	if epoch == g.cur.gc.Epoch && g.status != statusRemoved {
		l, _ := g.cur.ownLeaf()
		return g.cur.protector, &l, true
	}
	for _, pe := range g.past {
		if pe.protector.groupContext.Epoch == epoch {
			l, ok := pe.ownLeaf()
			if !ok {
				return pe.protector, nil, true
			}
			return pe.protector, &l, true
		}
	}
	return nil, nil, false
}

// ownLeaf returns the member's leaf in a past epoch, found by its
// signature key.
func (pe *pastEpoch) ownLeaf() (LeafIndex, bool) {
	return pe.own, pe.hasOwn
}

// processHandshake processes a proposal or Commit authenticated in the
// current epoch. use is the key of the PrivateMessage that carried it, to
// consume once it is accepted.
func (g *Group) processHandshake(ac *AuthenticatedContent, use *keyUse) (*ProcessedMessage, error) {
	fc := &ac.Content
	if own, ok := g.cur.ownLeaf(); ok && fc.Sender.Type == SenderTypeMember && fc.Sender.LeafIndex == own {
		return nil, fmt.Errorf("mls: process: a %v by this member that it did not send in this state: %w", fc.ContentType, ErrOwnMessage)
	}
	out := &ProcessedMessage{
		ContentType:       fc.ContentType,
		Epoch:             fc.Epoch,
		Sender:            fc.Sender,
		AuthenticatedData: fc.AuthenticatedData,
	}
	switch fc.ContentType {
	case ContentTypeProposal:
		if len(g.proposals.list) >= g.cfg.maxProposals {
			return nil, fmt.Errorf("mls: process: %d proposals cached in epoch %d, the limit: %w", len(g.proposals.list), g.cur.gc.Epoch, ErrLimitExceeded)
		}
		cp, err := g.receiveProposal(ac)
		if err != nil {
			return nil, err
		}
		if old := g.proposals.get(cp.ref); old != nil {
			cp = old
		} else {
			if use != nil {
				if err := g.cur.protector.consume(*use); err != nil {
					return nil, err
				}
			}
			g.proposals.add(cp)
		}
		out.Proposal, out.ProposalRef = cp.proposal, slices.Clone(cp.ref)
		return out, nil
	case ContentTypeCommit:
		sc, err := g.stageCommit(ac)
		if err != nil {
			return nil, err
		}
		sc.use = use
		out.Commit = sc
		return out, nil
	}
	return nil, fmt.Errorf("mls: process: %w: %v content", ErrInvalidContent, fc.ContentType)
}

// Encrypt sends application data to the group (RFC 9420 §6.3, §14):
// plaintext encrypted as a PrivateMessage of the current epoch with the
// member's next application ratchet key, and authenticatedData sent in the
// clear but authenticated. It returns the MLSMessage. The member must not
// send application data while it has valid proposals of the epoch that are
// not committed (§12.4): ErrPendingProposals.
func (g *Group) Encrypt(authenticatedData, plaintext []byte) ([]byte, error) {
	if err := g.checkActive("encrypt"); err != nil {
		return nil, err
	}
	if len(g.proposals.list) > 0 {
		return nil, fmt.Errorf("mls: encrypt: %d proposals of epoch %d: %w", len(g.proposals.list), g.cur.gc.Epoch, ErrPendingProposals)
	}
	fc := &FramedContent{
		GroupID:           g.cur.gc.GroupID,
		Epoch:             g.cur.gc.Epoch,
		Sender:            Sender{Type: SenderTypeMember, LeafIndex: g.ownLeaf()},
		AuthenticatedData: nonNilBytes(authenticatedData),
		ContentType:       ContentTypeApplication,
		ApplicationData:   nonNilBytes(plaintext),
	}
	ac, err := g.cur.protector.sign(WireFormatPrivateMessage, fc, g.signer)
	if err != nil {
		return nil, err
	}
	return g.protect(ac)
}

// Decrypt reads an application message (Process for application data
// only): it returns the authenticated data, the plaintext and the sender's
// leaf. Any other message is refused without being processed.
func (g *Group) Decrypt(message []byte) (authenticatedData, plaintext []byte, sender LeafIndex, err error) {
	m, err := UnmarshalMLSMessage(message)
	if err != nil {
		return nil, nil, 0, err
	}
	if m.WireFormat != WireFormatPrivateMessage || m.PrivateMessage.ContentType != ContentTypeApplication {
		return nil, nil, 0, fmt.Errorf("mls: decrypt: not an application message: %w", ErrInvalidContent)
	}
	pm, err := g.processPrivate(m.PrivateMessage)
	if err != nil {
		return nil, nil, 0, err
	}
	return pm.AuthenticatedData, pm.ApplicationData, pm.Sender.LeafIndex, nil
}
