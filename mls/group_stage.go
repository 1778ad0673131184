package mls

import (
	"fmt"
	"slices"
)

// Processing a Commit (RFC 9420 §12.4.2) as stage-then-merge: Process
// validates a received Commit in full and derives the new epoch beside the
// current one, as a StagedCommit; Merge makes it current. Between the two
// the group is unchanged, and a Commit that fails any check leaves no
// trace.

// StagedCommit is a Commit validated and applied to a copy of the group's
// state: the new epoch it creates, waiting for Merge. It describes what the
// Commit changes, for the application to inspect first. A member's own
// Commit is a StagedCommit too (the pending commit).
type StagedCommit struct {
	g       *Group
	base    *epochState // the epoch the commit applies to
	next    *epochState // the new epoch; nil when the member is removed
	sender  Sender
	applied *appliedProposals
	items   []proposalItem
	// use is the key of the PrivateMessage that carried the commit, to be
	// consumed when it is merged.
	use *keyUse
	// joiner is the leaf of an external commit's joiner.
	joiner LeafIndex
	// path says the commit has an UpdatePath.
	path bool

	own     bool
	message []byte   // own: the Commit sent
	welcome *Welcome // own: the Welcome of the new members
}

// Epoch returns the epoch the Commit creates.
func (sc *StagedCommit) Epoch() uint64 { return sc.base.gc.Epoch + 1 }

// Sender returns who sent the Commit: a member, or a new member joining by
// an external Commit (RFC 9420 §12.4.3.2).
func (sc *StagedCommit) Sender() Sender { return sc.sender }

// Own reports whether the Commit is this member's own (pending) Commit.
func (sc *StagedCommit) Own() bool { return sc.own }

// External reports whether the Commit is an external Commit, by which a
// new member joins (its leaf is listed by Added).
func (sc *StagedCommit) External() bool { return sc.sender.Type == SenderTypeNewMemberCommit }

// Proposals returns the proposals the Commit applies, in its order. They
// are the group's: do not modify them.
func (sc *StagedCommit) Proposals() []Proposal {
	out := make([]Proposal, len(sc.items))
	for i, it := range sc.items {
		out[i] = it.proposal
	}
	return out
}

// Added returns the members the Commit adds, at their new leaves: those of
// its Add proposals and, for an external Commit, the joiner.
func (sc *StagedCommit) Added() []Member {
	var out []Member
	for _, l := range sc.applied.added {
		out = append(out, newMember(l, sc.applied.tree.leafNode(l)))
	}
	if sc.External() {
		out = append(out, newMember(sc.joiner, sc.applied.tree.leafNode(sc.joiner)))
	}
	return out
}

// Removed returns the members the Commit removes, as they were.
func (sc *StagedCommit) Removed() []Member { return slices.Clone(sc.applied.removed) }

// Updated returns the members whose leaf the Commit replaces by an Update
// proposal or, for a member's Commit with a path, the committer, with
// their new leaf nodes.
func (sc *StagedCommit) Updated() []Member {
	var out []Member
	for _, l := range sc.applied.updated {
		out = append(out, newMember(l, sc.applied.tree.leafNode(l)))
	}
	if sc.sender.Type == SenderTypeMember && sc.path {
		l := sc.sender.LeafIndex
		out = append(out, newMember(l, sc.applied.tree.leafNode(l)))
	}
	return out
}

// PSKs returns the pre-shared keys the Commit injects (RFC 9420 §8.4).
func (sc *StagedCommit) PSKs() []PreSharedKeyID { return slices.Clone(sc.applied.psks) }

// ReInit returns the ReInit proposal of the Commit, or nil (RFC 9420
// §11.2); do not modify it. Once merged, the group is over: the members
// move to the new group it describes.
func (sc *StagedCommit) ReInit() *ReInitProposal { return sc.applied.reinit }

// ExtensionsChanged reports whether the Commit replaces the GroupContext
// extensions (RFC 9420 §12.1.7); Extensions returns the new ones.
func (sc *StagedCommit) ExtensionsChanged() bool { return sc.applied.gce }

// Extensions returns the GroupContext extensions of the new epoch.
func (sc *StagedCommit) Extensions() []Extension { return cloneExtensions(sc.applied.extensions) }

// SelfRemoved reports whether the Commit removes this member. Its new
// epoch is then unknown to the member: merging it ends the membership,
// keeping only what reads late messages of the epochs before.
func (sc *StagedCommit) SelfRemoved() bool { return sc.applied.selfRemoved }

// resolveProposals resolves the proposal list of a Commit from committer
// (RFC 9420 §12.4): proposals by value are the committer's; references must
// name proposals cached in the epoch. An external Commit may not reference
// proposals (§12.4.3.2).
func (g *Group) resolveProposals(c *Commit, committer Sender) ([]proposalItem, error) {
	if len(c.Proposals) > g.cfg.maxProposals {
		return nil, commitError(nil, fmt.Sprintf("%d proposals, the limit is %d", len(c.Proposals), g.cfg.maxProposals), ErrLimitExceeded)
	}
	items := make([]proposalItem, len(c.Proposals))
	for i, por := range c.Proposals {
		if por.Proposal != nil {
			items[i] = proposalItem{proposal: por.Proposal, sender: committer}
			continue
		}
		if committer.Type == SenderTypeNewMemberCommit {
			return nil, newValidationError("commit", fmt.Sprintf("proposal %d", i), nil, "an external commit may not include proposals by reference", ErrInvalidProposal, ErrInvalidCommit)
		}
		cp := g.proposals.get(por.Reference)
		if cp == nil {
			return nil, newValidationError("commit", fmt.Sprintf("proposal %d", i), nil, fmt.Sprintf("reference %x names no proposal of epoch %d", por.Reference, g.cur.gc.Epoch), ErrUnknownProposal, ErrInvalidCommit)
		}
		items[i] = proposalItem{proposal: cp.proposal, ref: cp.ref, sender: cp.sender, cached: cp}
	}
	return items, nil
}

// stageCommit processes a Commit received in ac, authenticated with the
// current epoch's keys (signature and membership tag, or decryption), as
// RFC 9420 §12.4.2 says, on copies: it resolves and validates the proposal
// list (§12.2), applies it (§12.3), checks that a path is there if needed,
// validates and merges the path and decrypts the member's path secret, runs
// the key schedule of the new epoch, and verifies the confirmation tag. The
// group is not changed.
func (g *Group) stageCommit(ac *AuthenticatedContent) (*StagedCommit, error) {
	base := g.cur
	s := g.suite
	fc := &ac.Content
	c := fc.Commit
	kind := commitRegular
	if fc.Sender.Type == SenderTypeNewMemberCommit {
		kind = commitExternal
	}
	items, err := g.resolveProposals(c, fc.Sender)
	if err != nil {
		return nil, err
	}
	a, err := g.applyProposals(base, items, fc.Sender, kind)
	if err != nil {
		return nil, err
	}
	if c.Path == nil && a.pathRequired {
		return nil, commitError(nil, "no path, but the proposals require one (or there are none)")
	}
	committer := fc.Sender.LeafIndex
	if kind == commitExternal {
		// RFC 9420 §12.4.2: the joiner takes the leftmost blank leaf.
		if committer, err = a.tree.leftmostBlankLeaf(); err != nil {
			return nil, commitError(err, "no leaf for the joiner")
		}
		if a.tree.leafCount() > g.cfg.maxLeaves {
			return nil, commitError(nil, fmt.Sprintf("the tree would grow to %d leaves, the limit is %d", a.tree.leafCount(), g.cfg.maxLeaves), ErrLimitExceeded)
		}
	}
	sc := &StagedCommit{g: g, base: base, sender: fc.Sender, applied: a, items: items, joiner: committer, path: c.Path != nil}

	var priv *treeKEMPrivate
	if !a.selfRemoved {
		priv = base.priv.clone()
		if a.ownUpdateKey != nil {
			priv.setLeafKey(a.ownUpdateKey)
		}
	}
	gc := a.provisionalGroupContext(base)
	commitSecret := s.zeroCommitSecret()
	defer commitSecret.zero()
	if c.Path != nil {
		if err := g.checkPathLeaf(a, committer, &c.Path.LeafNode, kind); err != nil {
			return nil, err
		}
		if err := a.tree.mergeUpdatePath(committer, c.Path, a.added); err != nil {
			return nil, commitPathError(err)
		}
		if gc.TreeHash, err = a.tree.treeHash(); err != nil {
			return nil, err
		}
		if priv != nil {
			gcBytes, err := marshalGroupContext(gc)
			if err != nil {
				return nil, err
			}
			cs, err := priv.processUpdatePath(s, a.tree, committer, c.Path, gcBytes, a.added, g.cfg.validation.workers())
			if err != nil {
				return nil, commitPathError(err)
			}
			commitSecret.zero()
			commitSecret = cs
		}
	} else {
		if priv != nil {
			priv.prune(a.tree)
		}
		if gc.TreeHash, err = a.tree.treeHash(); err != nil {
			return nil, err
		}
	}
	if priv == nil {
		// Removed: the member cannot derive the new epoch (RFC 9420
		// §12.4.2: the path secrets are encrypted to the others).
		return sc, nil
	}

	if gc.ConfirmedTranscriptHash, err = s.confirmedTranscriptHash(base.interim, ac); err != nil {
		return nil, err
	}
	init := base.secrets.init
	if kind == commitExternal {
		ext, err := base.secrets.external.initSecret(a.extInit.KEMOutput)
		if err != nil {
			return nil, commitError(err, "external_init")
		}
		defer ext.zero()
		init = ext
	}
	psks, err := g.pskSources().resolve(a.psks)
	if err != nil {
		return nil, commitError(err, "psk", ErrInvalidProposal)
	}
	defer zeroPSKs(psks)
	es, joiner, ws, err := s.scheduleEpoch(init, commitSecret, psks, gc)
	if err != nil {
		return nil, err
	}
	joiner.zero()
	ws.zero()
	if err := es.confirmation.verify(gc.ConfirmedTranscriptHash, ac.Auth.ConfirmationTag); err != nil {
		es.zero()
		return nil, commitError(err, "confirmation_tag")
	}
	if sc.next, err = newEpochState(gc, a.tree, priv, es, ac.Auth.ConfirmationTag, g.cfg.limits); err != nil {
		return nil, err
	}
	return sc, nil
}

// checkPathLeaf validates the leaf node of a Commit's path from committer
// (RFC 9420 §7.3, §12.4.2): source commit, valid on its own with the group
// ID and committer as context, a new encryption key, keys unique in the
// tree after the proposals, credential types agreeing with the members'.
// The leaf of an external Commit that removes a member must present the
// same client as the removed leaf (§12.2).
func (g *Group) checkPathLeaf(a *appliedProposals, committer LeafIndex, ln *LeafNode, kind commitKind) error {
	lc := leafNodeContext{source: LeafNodeSourceCommit, groupID: g.cur.gc.GroupID, leaf: committer, checkTime: true}
	if err := validateLeafNode(g.suite, ln, lc, a.req, g.cfg.validation); err != nil {
		return rehome(err, "commit", "path: leaf_node", ErrInvalidCommit)
	}
	if err := a.tree.checkNewLeaf(ln, committer); err != nil {
		return rehome(err, "commit", "path: leaf_node", ErrInvalidCommit)
	}
	if kind == commitExternal && len(a.removed) == 1 && !g.cfg.sameClient(&a.removed[0].Credential, &ln.Credential) {
		return commitError(nil, fmt.Sprintf("the joiner's leaf does not present the client of leaf %d, which it removes", a.removed[0].Leaf), ErrInvalidProposal)
	}
	return nil
}

// Merge makes a staged Commit the group's current state (RFC 9420
// §12.4.2): the new epoch with its tree, keys and secrets. The epoch left
// behind keeps its message keys for late application messages (up to
// GroupOptions.PastEpochs) and its resumption PSK; its other secrets are
// deleted, as are the proposals of the epoch and any pending commit of
// this member's that lost to sc.
//
// A Commit that removes the member ends its membership (ErrNotMember from
// then on); one with a ReInit proposal ends the group (PendingReInit). sc
// must have been staged by this group in its current state
// (ErrStaleCommit otherwise).
func (g *Group) Merge(sc *StagedCommit) error {
	if sc == nil || sc.g != g || sc.base != g.cur {
		return fmt.Errorf("mls: merge: %w", ErrStaleCommit)
	}
	if sc.use != nil {
		// The key of the PrivateMessage that carried the Commit; it cannot
		// have been consumed since staging (nothing else decrypts it).
		_ = g.cur.protector.consume(*sc.use)
	}
	old := g.cur
	g.pushResumption(old)
	g.pushPast(old)
	old.secrets.zero()
	if g.pending != nil && g.pending != sc {
		g.pending.next.zero()
	}
	g.pending = nil
	g.proposals.reset()
	g.sent = nil
	g.ownCommit = nil
	if sc.own {
		h := messageHash(sc.message)
		g.ownCommit = &h
	}
	if sc.next == nil {
		g.status = statusRemoved
		g.cur.priv = nil
		return nil
	}
	g.cur = sc.next
	if sc.applied.reinit != nil {
		g.status, g.reinit = statusReInit, sc.applied.reinit
	}
	return nil
}

// MergePendingCommit merges this member's pending Commit (see Merge),
// once the Delivery Service has confirmed it (RFC 9420 §14).
func (g *Group) MergePendingCommit() error {
	if g.pending == nil {
		return fmt.Errorf("mls: merge: %w", ErrNoPendingCommit)
	}
	return g.Merge(g.pending)
}

// ClearPendingCommit discards this member's pending Commit, when the
// Delivery Service rejected it (another Commit won the epoch, RFC 9420
// §14). Its new epoch's secrets are deleted. Without a pending commit it
// does nothing.
func (g *Group) ClearPendingCommit() {
	if g.pending == nil {
		return
	}
	delete(g.sent, messageHash(g.pending.message))
	g.pending.next.zero()
	g.pending = nil
}

// HasPendingCommit reports whether this member has a Commit waiting for
// MergePendingCommit or ClearPendingCommit.
func (g *Group) HasPendingCommit() bool { return g.pending != nil }

// pushPast keeps the message keys of the epoch being left, e, for late
// application messages, dropping (and zeroing) the oldest beyond the
// configured number of past epochs.
func (g *Group) pushPast(e *epochState) {
	if g.cfg.pastEpochs > 0 {
		own, hasOwn := e.ownLeaf()
		g.past = append(g.past, &pastEpoch{protector: e.protector, tree: e.tree, own: own, hasOwn: hasOwn})
	} else {
		e.protector.zero()
	}
	for len(g.past) > g.cfg.pastEpochs {
		g.past[0].protector.zero()
		g.past = g.past[1:]
	}
}
