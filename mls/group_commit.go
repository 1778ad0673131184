package mls

import (
	"errors"
	"fmt"
	"slices"
)

// Making a Commit (RFC 9420 §12.4.1). A Commit does not change the group:
// the new epoch is kept as the pending commit until the Delivery Service
// confirms it (MergePendingCommit) or another Commit wins
// (ClearPendingCommit, or Merge of the winner), §14.

// CommitOptions are the choices in making a Commit. The zero value (or a
// nil pointer) commits the cached proposals, with a path only where one is
// required, and puts the ratchet tree into the Welcome.
type CommitOptions struct {
	// ByValue are proposals to include by value, after the cached ones
	// (which are included by reference). A PreSharedKey proposal without a
	// psk_nonce gets a fresh one.
	ByValue []Proposal

	// ForcePath includes an UpdatePath even when no proposal requires one
	// (RFC 9420 §12.4), refreshing the member's leaf and path.
	ForcePath bool

	// ExternalTree leaves the ratchet_tree extension out of the GroupInfo
	// in the Welcome (RFC 9420 §12.4.3.3): the new members then need
	// CommitResult.RatchetTree from another channel.
	ExternalTree bool

	// AuthenticatedData is sent in the clear with the Commit, authenticated
	// (RFC 9420 §6).
	AuthenticatedData []byte
}

// CommitResult is what making a Commit gives the member to send.
type CommitResult struct {
	// Commit is the Commit as an MLSMessage, for the group.
	Commit []byte
	// Welcome is for the members the Commit adds, nil if none. Send it
	// only once the Commit is confirmed (RFC 9420 §14).
	Welcome *Welcome
	// GroupInfo is the signed GroupInfo of the new epoch, with
	// external_pub (for external joins) and, unless ExternalTree, the
	// ratchet tree.
	GroupInfo *GroupInfo
	// RatchetTree is the new epoch's tree encoded as a ratchet_tree
	// extension's data, for new members that get it out of band.
	RatchetTree []byte
}

// Commit makes a Commit of the proposals cached in the epoch (by
// reference) and opts.ByValue (RFC 9420 §12.4.1), with a path if a
// proposal requires one, the list is empty, or opts.ForcePath. Of the
// cached proposals it leaves out those that would make the list invalid,
// as §12.4 allows: its own Updates (its path replaces its leaf), Updates
// of members also removed (§12.2 prefers the Remove) or updated again
// later (the latest Update wins), duplicates, PSKs it does not have, and a
// ReInit when there are other proposals.
//
// The group does not change except that a PrivateMessage Commit uses the
// next generation of the member's handshake ratchet: the new epoch waits as
// the pending commit until MergePendingCommit. Only one commit can be
// pending (ErrPendingCommit).
func (g *Group) Commit(opts *CommitOptions) (*CommitResult, error) {
	if opts == nil {
		opts = &CommitOptions{}
	}
	if err := g.checkActive("commit"); err != nil {
		return nil, err
	}
	if g.pending != nil {
		return nil, fmt.Errorf("mls: commit: %w", ErrPendingCommit)
	}
	items := g.selectProposals()
	sender := Sender{Type: SenderTypeMember, LeafIndex: g.ownLeaf()}
	for i, p := range opts.ByValue {
		p, err := cloneProposal(p)
		if err != nil {
			return nil, fmt.Errorf("mls: commit: by-value proposal %d: %w", i, err)
		}
		if psk, ok := p.(*PreSharedKeyProposal); ok && len(psk.PSK.Nonce) == 0 {
			if psk.PSK, err = g.newPSKID(psk.PSK); err != nil {
				return nil, err
			}
		}
		items = append(items, proposalItem{proposal: p, sender: sender})
	}
	return g.commit(items, opts, commitRegular, nil)
}

// cloneProposal returns a copy of p that shares nothing with it, made by
// encoding and decoding (which also checks that p can be sent).
func cloneProposal(p Proposal) (Proposal, error) {
	enc, err := marshalProposalBytes(p)
	if err != nil {
		return nil, err
	}
	return unmarshalProposalBytes(enc)
}

// selectProposals returns the cached proposals a Commit by this member
// should include (RFC 9420 §12.2, §12.4): all but those that would make
// the list invalid.
func (g *Group) selectProposals() []proposalItem {
	own := g.ownLeaf()
	tree := g.cur.tree
	removed := map[LeafIndex]*cachedProposal{}
	latestUpdate := map[LeafIndex]*cachedProposal{}
	for _, cp := range g.proposals.list {
		if r, ok := cp.proposal.(*RemoveProposal); ok && r.Removed != own && tree.leafNode(r.Removed) != nil && removed[r.Removed] == nil {
			removed[r.Removed] = cp
		}
	}
	for _, cp := range g.proposals.list {
		if _, ok := cp.proposal.(*UpdateProposal); ok && cp.sender.Type == SenderTypeMember {
			if l := cp.sender.LeafIndex; l != own && removed[l] == nil {
				latestUpdate[l] = cp
			}
		}
	}
	var memberSigKeys map[string]bool
	addedSigKeys := map[string]bool{}
	psks := map[string]bool{}
	sources := g.pskSources()
	var items, reinits []proposalItem
	gce := false
	for _, cp := range g.proposals.list {
		item := proposalItem{proposal: cp.proposal, ref: cp.ref, sender: cp.sender, cached: cp}
		switch p := cp.proposal.(type) {
		case *RemoveProposal:
			if removed[p.Removed] != cp {
				continue
			}
		case *UpdateProposal:
			if cp.sender.Type != SenderTypeMember || latestUpdate[cp.sender.LeafIndex] != cp {
				continue
			}
		case *AddProposal:
			if memberSigKeys == nil {
				memberSigKeys = map[string]bool{}
				for l, ln := range tree.members() {
					if removed[l] == nil {
						memberSigKeys[string(ln.SignatureKey)] = true
					}
				}
			}
			k := string(p.KeyPackage.LeafNode.SignatureKey)
			if memberSigKeys[k] || addedSigKeys[k] {
				continue
			}
			addedSigKeys[k] = true
		case *PreSharedKeyProposal:
			k := pskIDKey(&p.PSK)
			if _, ok := sources.lookup(&p.PSK); !ok || psks[k] {
				continue
			}
			psks[k] = true
		case *GroupContextExtensionsProposal:
			if gce {
				continue
			}
			gce = true
		case *ReInitProposal:
			reinits = append(reinits, item)
			continue
		default:
			continue
		}
		items = append(items, item)
	}
	if len(items) == 0 && len(reinits) > 0 {
		items = reinits[:1]
	}
	return items
}

// commit makes a Commit of items (RFC 9420 §12.4.1) of the given kind, with
// the resumption PSKs of the groups others available, and makes it the
// pending commit. A cached proposal that makes the list invalid is dropped
// and the rest tried again; an invalid by-value proposal is an error.
func (g *Group) commit(items []proposalItem, opts *CommitOptions, kind commitKind, others []*Group) (*CommitResult, error) {
	base := g.cur
	s := g.suite
	own := g.ownLeaf()
	sender := Sender{Type: SenderTypeMember, LeafIndex: own}
	var a *appliedProposals
	for {
		var err error
		if a, err = g.applyProposals(base, items, sender, kind); err == nil {
			break
		}
		var pe *proposalError
		if !errors.As(err, &pe) || items[pe.index].cached == nil {
			return nil, err
		}
		items = slices.Delete(slices.Clone(items), pe.index, pe.index+1)
	}
	psks, err := g.pskSources(others...).resolve(a.psks)
	if err != nil {
		return nil, fmt.Errorf("mls: commit: %w", err)
	}
	defer zeroPSKs(psks)

	gc := a.provisionalGroupContext(base)
	var (
		np           *newPath
		path         *UpdatePath
		priv         *treeKEMPrivate
		commitSecret secret
	)
	workers := g.cfg.validation.workers()
	if a.pathRequired || opts.ForcePath {
		if np, err = a.tree.applyNewPath(own, g.signer, nil, gc.GroupID, workers); err != nil {
			return nil, err
		}
		defer np.zero()
		if gc.TreeHash, err = a.tree.treeHash(); err != nil {
			return nil, err
		}
		gcBytes, err := marshalGroupContext(gc)
		if err != nil {
			return nil, err
		}
		if path, err = np.encrypt(a.tree, gcBytes, a.added, workers); err != nil {
			return nil, err
		}
		priv, commitSecret = np.private, np.commitSecret
	} else {
		priv = base.priv.clone()
		priv.prune(a.tree)
		commitSecret = s.zeroCommitSecret()
		if gc.TreeHash, err = a.tree.treeHash(); err != nil {
			return nil, err
		}
	}

	commit := &Commit{Proposals: make([]ProposalOrRef, len(items)), Path: path}
	for i, it := range items {
		if it.ref != nil {
			commit.Proposals[i] = ProposalOrRef{Reference: it.ref}
		} else {
			commit.Proposals[i] = ProposalOrRef{Proposal: it.proposal}
		}
	}
	fc := &FramedContent{
		GroupID:           base.gc.GroupID,
		Epoch:             base.gc.Epoch,
		Sender:            sender,
		AuthenticatedData: nonNilBytes(opts.AuthenticatedData),
		ContentType:       ContentTypeCommit,
		Commit:            commit,
	}
	ac, err := base.protector.sign(g.handshakeWireFormat(), fc, g.signer)
	if err != nil {
		return nil, err
	}
	if gc.ConfirmedTranscriptHash, err = s.confirmedTranscriptHash(base.interim, ac); err != nil {
		return nil, err
	}
	es, joiner, ws, err := s.scheduleEpoch(base.secrets.init, commitSecret, psks, gc)
	if err != nil {
		return nil, err
	}
	defer joiner.zero()
	defer ws.zero()
	ac.Auth.ConfirmationTag = es.confirmation.tag(gc.ConfirmedTranscriptHash)
	next, err := newEpochState(gc, a.tree, priv, es, ac.Auth.ConfirmationTag, g.cfg.limits)
	if err != nil {
		return nil, err
	}
	res, err := g.commitOutputs(next, a, joiner, ws, np, opts)
	if err != nil {
		next.zero()
		return nil, err
	}
	if res.Commit, err = g.protect(ac); err != nil {
		next.zero()
		return nil, err
	}
	g.pending = &StagedCommit{
		g: g, base: base, next: next, sender: sender, applied: a, items: items, path: path != nil,
		own: true, message: res.Commit, welcome: res.Welcome,
	}
	g.rememberSent(res.Commit, sentMessage{commit: true})
	return res, nil
}

// commitOutputs makes what a Commit gives those outside the group: the
// new epoch's GroupInfo, tree and the Welcome of the new members.
func (g *Group) commitOutputs(next *epochState, a *appliedProposals, joiner joinerSecret, ws welcomeSecret, np *newPath, opts *CommitOptions) (*CommitResult, error) {
	res := &CommitResult{}
	var err error
	if res.RatchetTree, err = next.tree.marshal(); err != nil {
		return nil, err
	}
	var inline []byte
	if !opts.ExternalTree {
		inline = res.RatchetTree
	}
	if res.GroupInfo, err = next.groupInfo(g.suite, g.signer, inline); err != nil {
		return nil, err
	}
	if len(a.added) > 0 {
		if res.Welcome, err = g.makeWelcome(a, res.GroupInfo, joiner, ws, np); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// nonNilBytes returns b, or an empty slice for nil, so that a new
// structure equals its decoded encoding.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
