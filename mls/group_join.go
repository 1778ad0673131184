package mls

import (
	"bytes"
	"fmt"
)

// Joining a group from a Welcome (RFC 9420 §12.4.3.1), including the new
// groups of a reinitialization and a branch (§11.2, §11.3).

// JoinOptions are the choices in joining a group. The embedded
// GroupOptions configure the new Group.
type JoinOptions struct {
	GroupOptions

	// RatchetTree is the group's ratchet tree, encoded as the data of a
	// ratchet_tree extension, for a Welcome whose GroupInfo does not carry
	// it (RFC 9420 §12.4.3.3). It is verified against the tree hash all
	// the same.
	RatchetTree []byte

	// PSKs are the external PSKs the joiner has; those a Welcome injects
	// must be among them (RFC 9420 §12.4.3.1). The group keeps them.
	PSKs []ExternalPSK

	// OldGroup is the group this member leaves for the new one, when the
	// Welcome is that of a reinitialization or branch of it (RFC 9420
	// §11.2, §11.3): its resumption PSK is injected, and the new group is
	// checked against it.
	OldGroup *Group
}

// JoinFromWelcome joins a group with a Welcome (RFC 9420 §12.4.3.1) for
// the KeyPackage kp, whose private keys are keys: it decrypts the group
// secrets and GroupInfo, injects the PSKs the Welcome names, verifies the
// GroupInfo's signature, the ratchet tree (from the GroupInfo's
// ratchet_tree extension or opts.RatchetTree) and the confirmation tag,
// finds its own leaf, and derives the keys of its path from the path
// secret. For a reinitialization or branch, the new group must match the
// old one (§11.2, §11.3).
//
// The application must check that the group ID is not that of a group it
// is already in (§12.4.3.1), and should delete keys afterwards: a
// KeyPackage is for one use (§16.8).
func JoinFromWelcome(welcome *Welcome, kp *KeyPackage, keys *KeyPackagePrivateKeys, opts *JoinOptions) (*Group, error) {
	if opts == nil {
		opts = &JoinOptions{}
	}
	cfg, err := opts.GroupOptions.config()
	if err != nil {
		return nil, err
	}
	if welcome == nil || kp == nil {
		return nil, fmt.Errorf("mls: join: %w: no welcome or key package", ErrInvalidWelcome)
	}
	if err := keys.matches(kp); err != nil {
		return nil, err
	}
	s, err := kp.CipherSuite.suite()
	if err != nil {
		return nil, err
	}
	g := &Group{cfg: cfg, suite: s, signer: keys.signer}
	for _, p := range opts.PSKs {
		g.AddExternalPSK(p.ID, p.Secret)
	}

	gs, err := s.openGroupSecrets(welcome, kp, keys.initKey)
	if err != nil {
		return nil, err
	}
	defer gs.zero()
	if len(gs.psks) > cfg.maxProposals {
		return nil, fmt.Errorf("mls: join: the welcome injects %d PSKs, the limit is %d: %w", len(gs.psks), cfg.maxProposals, ErrLimitExceeded)
	}
	resumption, err := checkWelcomePSKs(gs.psks)
	if err != nil {
		return nil, err
	}
	psks, err := g.pskSources(opts.OldGroup).resolve(gs.psks)
	if err != nil {
		return nil, fmt.Errorf("mls: join: %w", err)
	}
	defer zeroPSKs(psks)
	joiner, err := s.newJoinerSecret(gs.joinerSecret)
	if err != nil {
		return nil, fmt.Errorf("mls: join: %w: %w", ErrInvalidWelcome, err)
	}
	defer joiner.zero()
	psk, err := s.pskSecret(psks)
	if err != nil {
		return nil, err
	}
	m, err := joiner.withPSK(psk)
	psk.zero()
	if err != nil {
		return nil, err
	}
	ws, err := m.welcomeSecret()
	m.zero()
	if err != nil {
		return nil, err
	}
	gi, err := s.openWelcomeGroupInfo(welcome, ws)
	ws.zero()
	if err != nil {
		return nil, err
	}
	gc := &gi.GroupContext
	if gc.CipherSuite != kp.CipherSuite {
		return nil, fmt.Errorf("mls: join: the group's cipher suite is %v, the key package's %v: %w", gc.CipherSuite, kp.CipherSuite, ErrInvalidWelcome)
	}
	tree, err := g.groupInfoTree(gi, opts.RatchetTree)
	if err != nil {
		return nil, err
	}
	own, ok := tree.findLeaf(&kp.LeafNode)
	if !ok {
		return nil, fmt.Errorf("mls: join: the key package's leaf node is not in the tree: %w", ErrInvalidWelcome)
	}
	priv := newTreeKEMPrivate(own, keys.encryptionKey)
	if gs.hasPathSecret {
		x := commonAncestor(own.node(), gi.Signer.node())
		if err := priv.adoptPathSecret(s, tree, x, gs.pathSecret, cfg.validation.workers()); err != nil {
			return nil, fmt.Errorf("mls: join: path_secret: %w: %w", ErrInvalidWelcome, err)
		}
	}
	gcBytes, err := marshalGroupContext(gc)
	if err != nil {
		return nil, err
	}
	es, ws2, err := s.epochFromJoiner(joiner, psks, gcBytes)
	if err != nil {
		return nil, err
	}
	ws2.zero()
	if err := es.confirmation.verify(gc.ConfirmedTranscriptHash, gi.ConfirmationTag); err != nil {
		es.zero()
		return nil, fmt.Errorf("mls: join: group info: confirmation_tag: %w: %w", ErrInvalidWelcome, err)
	}
	if resumption != nil {
		if err := g.checkResumption(resumption, gc, tree, opts.OldGroup); err != nil {
			es.zero()
			return nil, err
		}
	}
	if g.cur, err = newEpochState(gc, tree, priv, es, gi.ConfirmationTag, cfg.limits); err != nil {
		return nil, err
	}
	return g, nil
}

// checkWelcomePSKs checks the PSKs of a Welcome (RFC 9420 §12.4.3.1): at
// most one resumption PSK of usage reinit or branch, which it returns.
func checkWelcomePSKs(psks []PreSharedKeyID) (*PreSharedKeyID, error) {
	var found *PreSharedKeyID
	for i := range psks {
		p := &psks[i]
		if p.Type != PSKTypeResumption || (p.Usage != ResumptionPSKUsageReInit && p.Usage != ResumptionPSKUsageBranch) {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("mls: join: two resumption PSKs of usage reinit or branch: %w", ErrInvalidWelcome)
		}
		found = p
	}
	return found, nil
}

// groupInfoTree returns the ratchet tree of the group gi describes, from
// its ratchet_tree extension or else treeData (RFC 9420 §12.4.3.3), after
// the checks a joiner makes (§12.4.3, §12.4.3.1): the GroupContext
// extensions are well formed and supported, the tree is no wider than the
// configured bound, gi is signed by the leaf it names, and the tree is
// valid for the GroupContext (tree_hash, parent hashes, leaves, unmerged
// leaves, unique keys).
func (g *Group) groupInfoTree(gi *GroupInfo, treeData []byte) (*ratchetTree, error) {
	if data, ok := findExtension(gi.Extensions, ExtensionTypeRatchetTree); ok {
		treeData = data
	}
	if treeData == nil {
		return nil, fmt.Errorf("mls: join: no ratchet tree in the group info and none given: %w", ErrInvalidRatchetTree)
	}
	gc := &gi.GroupContext
	req, err := g.checkGroupContextExtensions(gc.Extensions)
	if err != nil {
		return nil, fmt.Errorf("mls: join: group context: %w", err)
	}
	nodes, err := unmarshalRatchetTree(treeData)
	if err != nil {
		return nil, err
	}
	if limit := 2*uint64(g.cfg.maxLeaves) - 1; uint64(len(nodes)) > limit {
		return nil, fmt.Errorf("mls: join: a tree of %d nodes, the limit is %d (%d leaves): %w", len(nodes), limit, g.cfg.maxLeaves, ErrLimitExceeded)
	}
	tree, err := newRatchetTree(g.suite, nodes)
	if err != nil {
		return nil, err
	}
	if tree.leafCount() > g.cfg.maxLeaves {
		return nil, fmt.Errorf("mls: join: a tree of %d leaves, the limit is %d: %w", tree.leafCount(), g.cfg.maxLeaves, ErrLimitExceeded)
	}
	if err := g.suite.verifyGroupInfo(gi, tree); err != nil {
		return nil, err
	}
	if err := tree.validate(gc.GroupID, gc.TreeHash, req, g.cfg.validation); err != nil {
		return nil, err
	}
	return tree, nil
}

// checkResumption makes the checks of a joiner of a reinitialized group or
// a branch (RFC 9420 §11.2, §11.3, §12.4.3.1): the epoch is 1, the PSK is
// old's, and for a reinitialization old ended with a ReInit that the new
// GroupContext matches, at the epoch the PSK names, and every member of old
// is in the new group; for a branch the version and suite are old's and
// every member of the new group was in old.
func (g *Group) checkResumption(id *PreSharedKeyID, gc *GroupContext, tree *ratchetTree, old *Group) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("mls: join: %v: %s: %w", id.Usage, fmt.Sprintf(format, args...), ErrInvalidWelcome)
	}
	if gc.Epoch != 1 {
		return fail("the new group is at epoch %d, want 1", gc.Epoch)
	}
	if old == nil || !bytes.Equal(old.cur.gc.GroupID, id.GroupID) {
		return fail("the old group %x is not given", id.GroupID)
	}
	switch id.Usage {
	case ResumptionPSKUsageReInit:
		r := old.PendingReInit()
		if r == nil || id.Epoch != old.Epoch() {
			return fail("the old group did not end with a ReInit at epoch %d", id.Epoch)
		}
		if !bytes.Equal(r.GroupID, gc.GroupID) || r.Version != ProtocolVersionMLS10 || r.CipherSuite != gc.CipherSuite || !equalExtensions(r.Extensions, gc.Extensions) {
			return fail("the new group does not match the ReInit proposal")
		}
		if l, ok := g.missingMember(old.cur.tree, tree); ok {
			return fail("leaf %d of the old group is not in the new one", l)
		}
	case ResumptionPSKUsageBranch:
		if old.suite.id != gc.CipherSuite {
			return fail("the new group's cipher suite is %v, the old one's %v", gc.CipherSuite, old.suite.id)
		}
		if l, ok := g.missingMember(tree, old.cur.tree); ok {
			return fail("leaf %d of the new group was not in the old one", l)
		}
	}
	return nil
}

// missingMember returns a member of from that presents no client of to
// (GroupOptions.SameClient), if any. With the default, equal credentials,
// it indexes to's credentials (O(n)); an application's SameClient is
// called for pairs (O(n²)).
func (g *Group) missingMember(from, to *ratchetTree) (LeafIndex, bool) {
	if g.cfg.defaultSameClient {
		index := map[string]bool{}
		for _, ln := range to.members() {
			enc, err := marshalWire("credential", ln.Credential.marshal)
			if err == nil {
				index[string(enc)] = true
			}
		}
		for l, ln := range from.members() {
			if enc, err := marshalWire("credential", ln.Credential.marshal); err != nil || !index[string(enc)] {
				return l, true
			}
		}
		return 0, false
	}
	var creds []*Credential
	for _, ln := range to.members() {
		creds = append(creds, &ln.Credential)
	}
	for l, ln := range from.members() {
		found := false
		for _, c := range creds {
			if g.cfg.sameClient(&ln.Credential, c) {
				found = true
				break
			}
		}
		if !found {
			return l, true
		}
	}
	return 0, false
}

// equalExtensions reports whether two extension lists are the same, in the
// same order.
func equalExtensions(a, b []Extension) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}
