package mls

import (
	"bytes"
	"fmt"
	"slices"
)

// Validation of a Commit's proposal list (RFC 9420 §12.2) and its
// application to a copy of the tree and GroupContext extensions (§12.3).
// The committer and every receiver run the same code, so that a commit
// this package makes is one it accepts.

// commitKind says what kind of Commit a proposal list belongs to, which
// decides the rules of RFC 9420 §12.2 that apply.
type commitKind uint8

const (
	// commitRegular is a member's Commit.
	commitRegular commitKind = iota
	// commitExternal is a new member's external Commit (§12.4.3.2).
	commitExternal
	// commitReInit is the first Commit of a reinitialized group, which
	// injects the old group's resumption PSK of usage reinit (§11.2).
	commitReInit
	// commitBranch is the first Commit of a subgroup, which injects the
	// parent group's resumption PSK of usage branch (§11.3).
	commitBranch
)

// proposalItem is one proposal of a Commit's list, resolved: the proposal,
// the ProposalRef it was committed by (nil for one by value), its sender
// (the committer for one by value) and the cache entry it came from.
type proposalItem struct {
	proposal Proposal
	ref      []byte
	sender   Sender
	cached   *cachedProposal
}

// appliedProposals is the outcome of applying a valid proposal list to an
// epoch (RFC 9420 §12.3): the new tree and GroupContext extensions (without
// the Commit's path), and what the list changed.
type appliedProposals struct {
	tree       *ratchetTree
	extensions []Extension
	req        *groupRequirements
	gce        bool // extensions replaced by a GroupContextExtensions proposal

	updated  []LeafIndex
	removed  []Member
	added    []LeafIndex
	addedKPs []*KeyPackage
	psks     []PreSharedKeyID
	reinit   *ReInitProposal
	extInit  *ExternalInitProposal

	pathRequired bool
	// ownUpdateKey is the private key of the member's own Update
	// proposal when another member commits it.
	ownUpdateKey *hpkePrivateKey
	selfRemoved  bool
}

// pathRequiredTypes are the proposal types that require a Commit to carry
// a path (RFC 9420 §12.4, §17.4 "Path Required").
var pathRequiredTypes = map[ProposalType]bool{
	ProposalTypeUpdate:                 true,
	ProposalTypeRemove:                 true,
	ProposalTypeExternalInit:           true,
	ProposalTypeGroupContextExtensions: true,
}

// externalCommitTypes are the proposal types an external Commit may carry
// (RFC 9420 §12.2).
var externalCommitTypes = map[ProposalType]bool{
	ProposalTypeExternalInit: true,
	ProposalTypeRemove:       true,
	ProposalTypePSK:          true,
}

// smallChangeCount is the number of new or replaced leaves up to which a
// Commit checks each against the tree on its own (O(n) each); above it,
// one indexed pass over the tree checks them all.
const smallChangeCount = 4

// applyProposals validates the proposal list items of a Commit from
// committer (RFC 9420 §12.2) and applies it to a copy of epoch e's tree and
// extensions (§12.3): a GroupContextExtensions proposal first (its
// extensions are used for the rest), then Updates, Removes, and Adds in
// list order. e is not changed. Errors name the proposal at fault, as in
// "mls: commit: proposal 2 (remove): leaf 5 is blank".
func (g *Group) applyProposals(e *epochState, items []proposalItem, committer Sender, kind commitKind) (*appliedProposals, error) {
	if len(items) > g.cfg.maxProposals {
		return nil, commitError(nil, fmt.Sprintf("%d proposals, the limit is %d", len(items), g.cfg.maxProposals), ErrLimitExceeded)
	}
	a := &appliedProposals{extensions: e.gc.Extensions, req: e.req, pathRequired: len(items) == 0}
	if err := g.checkProposalList(e, items, committer, kind, a); err != nil {
		return nil, err
	}
	own, member := e.ownLeaf()
	a.tree = e.tree.clone()
	var changed []changedLeaf

	gce := slices.IndexFunc(items, func(it proposalItem) bool { _, ok := it.proposal.(*GroupContextExtensionsProposal); return ok })
	if gce >= 0 {
		p := items[gce].proposal.(*GroupContextExtensionsProposal)
		req, err := g.checkGroupContextExtensions(p.Extensions)
		if err != nil {
			return nil, rehomeProposal(gce, ProposalTypeGroupContextExtensions, err)
		}
		a.extensions, a.req, a.gce = p.Extensions, req, true
	}
	// A proposal validated on receipt against the same requirements need
	// not be validated again.
	verified := func(it proposalItem) bool { return it.cached != nil && it.cached.verified && !a.gce }

	for i, it := range items {
		p, ok := it.proposal.(*UpdateProposal)
		if !ok {
			continue
		}
		l := it.sender.LeafIndex
		if !verified(it) {
			if err := g.checkUpdate(e.gc.GroupID, a.req, l, &p.LeafNode); err != nil {
				return nil, rehomeProposal(i, ProposalTypeUpdate, err)
			}
		}
		if old := a.tree.leafNode(l); old != nil && bytes.Equal(old.EncryptionKey, p.LeafNode.EncryptionKey) {
			return nil, commitProposalError(i, ProposalTypeUpdate, nil, fmt.Sprintf("encryption_key is that of the leaf node it replaces at leaf %d", l), ErrDuplicateKey)
		}
		if err := a.tree.updateLeaf(l, &p.LeafNode); err != nil {
			return nil, rehomeProposal(i, ProposalTypeUpdate, err)
		}
		a.updated = append(a.updated, l)
		changed = append(changed, changedLeaf{l, i})
		if member && l == own && it.cached != nil && it.cached.updateKey != nil {
			a.ownUpdateKey = it.cached.updateKey
		}
	}
	for _, it := range items {
		p, ok := it.proposal.(*RemoveProposal)
		if !ok {
			continue
		}
		a.removed = append(a.removed, newMember(p.Removed, a.tree.leafNode(p.Removed)))
		if err := a.tree.removeLeaf(p.Removed); err != nil {
			return nil, err
		}
		if member && p.Removed == own {
			a.selfRemoved = true
		}
	}
	addedSigKeys := map[string]int{}
	for i, it := range items {
		p, ok := it.proposal.(*AddProposal)
		if !ok {
			continue
		}
		if !verified(it) {
			if err := p.KeyPackage.verify(a.req, g.cfg.validation); err != nil {
				return nil, rehomeProposal(i, ProposalTypeAdd, err)
			}
		}
		if j, dup := addedSigKeys[string(p.KeyPackage.LeafNode.SignatureKey)]; dup {
			return nil, commitProposalError(i, ProposalTypeAdd, nil, fmt.Sprintf("adds the client proposal %d adds (same signature key)", j))
		}
		addedSigKeys[string(p.KeyPackage.LeafNode.SignatureKey)] = i
		l, err := a.tree.addLeaf(&p.KeyPackage.LeafNode)
		if err != nil {
			return nil, rehomeProposal(i, ProposalTypeAdd, err)
		}
		if a.tree.leafCount() > g.cfg.maxLeaves {
			return nil, commitProposalError(i, ProposalTypeAdd, nil, fmt.Sprintf("the tree would grow to %d leaves, the limit is %d", a.tree.leafCount(), g.cfg.maxLeaves), ErrLimitExceeded)
		}
		a.added = append(a.added, l)
		a.addedKPs = append(a.addedKPs, &p.KeyPackage)
		changed = append(changed, changedLeaf{l, i})
	}
	if err := checkChangedLeaves(a.tree, items, changed); err != nil {
		return nil, err
	}
	if a.gce {
		// RFC 9420 §12.1.7: every member after the Commit supports the
		// new requirements (new members were checked above).
		for l, ln := range a.tree.members() {
			if err := checkCapabilities(ln, a.req); err != nil {
				return nil, commitProposalError(gce, ProposalTypeGroupContextExtensions, err, fmt.Sprintf("leaf %d does not support the extensions", l), ErrUnsupportedCapability)
			}
		}
	}
	return a, nil
}

// provisionalGroupContext returns the GroupContext of the epoch after e
// that a, a Commit's proposals, start (RFC 9420 §12.4.1): the next epoch,
// the new extensions, and still e's confirmed transcript hash; the caller
// sets the tree hash.
func (a *appliedProposals) provisionalGroupContext(e *epochState) *GroupContext {
	return &GroupContext{
		CipherSuite:             e.gc.CipherSuite,
		GroupID:                 e.gc.GroupID,
		Epoch:                   e.gc.Epoch + 1,
		ConfirmedTranscriptHash: e.gc.ConfirmedTranscriptHash,
		Extensions:              a.extensions,
	}
}

// checkProposalList makes the checks of RFC 9420 §12.2 that concern the
// list as a whole, and the checks of each proposal that need no tree
// changes: who may propose what, which proposals may appear together, what
// a PSK, ReInit or Remove must be. It records in a the PSKs, the ReInit,
// the ExternalInit and whether a path is required.
func (g *Group) checkProposalList(e *epochState, items []proposalItem, committer Sender, kind commitKind, a *appliedProposals) error {
	external := kind == commitExternal
	changedBy := map[LeafIndex]int{} // leaves updated or removed, by proposal
	pskBy := map[string]int{}
	gce, reinit, extInits, removes := -1, -1, 0, 0
	for i, it := range items {
		t := it.proposal.ProposalType()
		fail := func(format string, args ...any) error {
			return commitProposalError(i, t, nil, fmt.Sprintf(format, args...))
		}
		if external && !externalCommitTypes[t] {
			return fail("an external commit may carry only external_init, remove and psk proposals")
		}
		if pathRequiredTypes[t] {
			a.pathRequired = true
		}
		switch p := it.proposal.(type) {
		case *UpdateProposal:
			if it.sender.Type != SenderTypeMember {
				return fail("an update from a %v sender", it.sender.Type)
			}
			l := it.sender.LeafIndex
			if committer.Type == SenderTypeMember && l == committer.LeafIndex {
				return fail("an update by the committer, whose path replaces its leaf")
			}
			if e.tree.leafNode(l) == nil {
				return fail("an update from leaf %d, which is blank", l)
			}
			if j, dup := changedBy[l]; dup {
				return fail("leaf %d is also updated or removed by proposal %d", l, j)
			}
			changedBy[l] = i
		case *RemoveProposal:
			l := p.Removed
			if e.tree.leafNode(l) == nil {
				if uint64(l) >= uint64(e.tree.leafCount()) {
					return fail("leaf %d is outside the tree of %d leaves", l, e.tree.leafCount())
				}
				return fail("leaf %d is blank", l)
			}
			if committer.Type == SenderTypeMember && l == committer.LeafIndex {
				return fail("removes the committer")
			}
			if j, dup := changedBy[l]; dup {
				return fail("leaf %d is also updated or removed by proposal %d", l, j)
			}
			changedBy[l] = i
			if removes++; external && removes > 1 {
				return fail("a second remove in an external commit")
			}
		case *PreSharedKeyProposal:
			if err := g.checkPSKID(&p.PSK, kind); err != nil {
				return rehomeProposal(i, t, err)
			}
			key := pskIDKey(&p.PSK)
			if j, dup := pskBy[key]; dup {
				return fail("injects the PSK proposal %d injects", j)
			}
			pskBy[key] = i
			a.psks = append(a.psks, p.PSK)
		case *ReInitProposal:
			if err := checkReInit(p); err != nil {
				return rehomeProposal(i, t, err)
			}
			reinit = i
			a.reinit = p
		case *ExternalInitProposal:
			if !external {
				return fail("external_init is allowed only in an external commit")
			}
			if extInits++; extInits > 1 {
				return fail("a second external_init")
			}
			a.extInit = p
		case *GroupContextExtensionsProposal:
			if gce >= 0 {
				return fail("a second group_context_extensions proposal (the first is proposal %d)", gce)
			}
			gce = i
		case *AddProposal:
			// Checked when applied.
		}
	}
	if reinit >= 0 && len(items) > 1 {
		return commitProposalError(reinit, ProposalTypeReInit, nil, "a reinit proposal together with other proposals")
	}
	if external && extInits != 1 {
		return commitError(nil, "an external commit without an external_init proposal", ErrInvalidProposal)
	}
	return nil
}

// changedLeaf is a leaf a Commit's proposals add or replace, and the
// proposal that does.
type changedLeaf struct {
	leaf  LeafIndex
	index int
}

// checkChangedLeaves makes the checks of RFC 9420 §7.3 that set the new
// and replaced leaves of a Commit against the whole tree t after the
// proposals: their keys are unique in the tree, and their credential types
// and the members' agree both ways. Few changes are checked one by one;
// many in one pass over the tree, so that a Commit with thousands of Adds
// costs O(n), not O(n²).
func checkChangedLeaves(t *ratchetTree, items []proposalItem, changed []changedLeaf) error {
	blame := func(c changedLeaf, err error) error {
		return rehomeProposal(c.index, items[c.index].proposal.ProposalType(), err)
	}
	if len(changed) <= smallChangeCount {
		for _, c := range changed {
			ln := t.leafNode(c.leaf)
			if err := t.checkUniqueKeys(ln, c.leaf); err != nil {
				return blame(c, err)
			}
			if err := t.checkCredentialSupport(ln, c.leaf); err != nil {
				return blame(c, err)
			}
		}
		return nil
	}
	owner := make(map[LeafIndex]changedLeaf, len(changed))
	for _, c := range changed {
		owner[c.leaf] = c
	}
	// blameNodes returns the change behind one of the two nodes x, y.
	blameNodes := func(x, y NodeIndex, err error) error {
		for _, n := range []NodeIndex{x, y} {
			if l, ok := n.leaf(); ok {
				if c, ok := owner[l]; ok {
					return blame(c, err)
				}
			}
		}
		return commitError(err, "the tree after the proposals is invalid")
	}
	if x, y, field, dup := t.duplicateKey(); dup {
		return blameNodes(x, y, leafNodeError(nil, fmt.Sprintf("%s of %s is also at %s", field, nodeName(x), nodeName(y)), ErrDuplicateKey))
	}
	inUse, user := t.credentialTypesInUse()
	for l, ln := range t.members() {
		for j, ct := range inUse {
			if slices.Contains(ln.Capabilities.Credentials, ct) {
				continue
			}
			err := leafNodeError(nil, fmt.Sprintf("leaf %d does not support credential type %v, which leaf %d uses", l, ct, user[j]), ErrUnsupportedCapability)
			if c, ok := owner[l]; ok {
				return blame(c, err)
			}
			// An unchanged member lacks a type a new leaf brought.
			for _, c := range changed {
				if t.leafNode(c.leaf).Credential.Type == ct {
					return blame(c, err)
				}
			}
			return commitError(err, "the tree after the proposals is invalid")
		}
	}
	return nil
}

// checkUpdate makes the checks of RFC 9420 §7.3 and §12.1.2 of the leaf
// node of an Update from leaf l on its own: source update, valid keys,
// capabilities for the requirements req, credential and signature with the
// group ID and l as context.
func (g *Group) checkUpdate(groupID []byte, req *groupRequirements, l LeafIndex, ln *LeafNode) error {
	lc := leafNodeContext{source: LeafNodeSourceUpdate, groupID: groupID, leaf: l, checkTime: true}
	return validateLeafNode(g.suite, ln, lc, req, g.cfg.validation)
}

// checkPSKID checks a PreSharedKeyID proposed for a Commit of the given
// kind (RFC 9420 §12.1.4): a psk_nonce of KDF.Nh bytes, and no resumption
// PSK of usage reinit or branch outside a reinitialization or branch.
func (g *Group) checkPSKID(id *PreSharedKeyID, kind commitKind) error {
	if len(id.Nonce) != g.suite.nh {
		return newValidationError("psk", "", nil, fmt.Sprintf("psk_nonce of %d bytes, want KDF.Nh = %d", len(id.Nonce), g.suite.nh), ErrInvalidProposal)
	}
	if id.Type != PSKTypeResumption {
		return nil
	}
	switch {
	case id.Usage == ResumptionPSKUsageReInit && kind != commitReInit,
		id.Usage == ResumptionPSKUsageBranch && kind != commitBranch:
		return newValidationError("psk", "", nil, fmt.Sprintf("a resumption PSK of usage %v outside a %v", id.Usage, id.Usage), ErrInvalidProposal)
	}
	return nil
}

// pskIDKey identifies a PreSharedKeyID for duplicate detection: its
// encoding.
func pskIDKey(id *PreSharedKeyID) string {
	enc, err := marshalWire("psk", id.marshal)
	if err != nil {
		return fmt.Sprintf("invalid %p", id)
	}
	return string(enc)
}

// checkReInit checks a ReInit proposal (RFC 9420 §12.1.5): its version is
// not below the group's, MLS 1.0.
func checkReInit(p *ReInitProposal) error {
	if p.Version < ProtocolVersionMLS10 {
		return newValidationError("reinit", "", nil, fmt.Sprintf("version %v is below the group's %v", p.Version, ProtocolVersionMLS10), ErrInvalidProposal)
	}
	return nil
}

// checkGroupContextExtensions checks a list of GroupContext extensions for
// the group's suite (RFC 9420 §11.1, §12.1.7, §12.1.8.1, §13.4): the
// payloads of required_capabilities and external_senders decode, and the
// external senders' keys are keys of the suite. It returns the
// requirements the extensions put on members.
func (g *Group) checkGroupContextExtensions(exts []Extension) (*groupRequirements, error) {
	req, err := newGroupRequirements(g.suite.id, exts)
	if err != nil {
		return nil, newValidationError("group context extensions", "required_capabilities", err, "invalid", ErrInvalidProposal)
	}
	for _, e := range exts {
		if e.Type != ExtensionTypeExternalSenders {
			continue
		}
		senders, err := UnmarshalExternalSenders(e.Data)
		if err != nil {
			return nil, newValidationError("group context extensions", "external_senders", err, "invalid", ErrInvalidProposal)
		}
		for i := range senders {
			if err := g.suite.checkSignaturePublicKey(senders[i].SignatureKey); err != nil {
				return nil, newValidationError("group context extensions", fmt.Sprintf("external_senders[%d]", i), err, "signature_key", ErrInvalidProposal)
			}
		}
	}
	return req, nil
}
