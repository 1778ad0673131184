package mls

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The tests in this file run small groups through many epochs with the
// tree and TreeKEM functions the group layer will call: Add, Update and
// Remove proposals, commits with and without a path, new members joining
// with the path secret of their Welcome. After every epoch every member's
// tree must be identical and valid (RFC 9420 §12.4.3.1), and every member
// must hold exactly the private keys the tree invariant gives it (§4.2).

// simMember is one member's view of a simulated group.
type simMember struct {
	signer *SigningKey
	tree   *ratchetTree
	priv   *treeKEMPrivate
	// pendingKey is the leaf key of the member's Update proposal in the
	// current epoch, if any.
	pendingKey *hpkePrivateKey
}

// simGroup is a group simulated with no key schedule: the commit secret of
// each epoch is compared across members instead.
type simGroup struct {
	t       testing.TB
	cs      CipherSuite
	s       *suite
	groupID []byte
	epoch   uint64
	members map[LeafIndex]*simMember
	opts    *ValidationOptions
}

func newSimGroup(t testing.TB, cs CipherSuite) *simGroup {
	t.Helper()
	s, err := cs.suite()
	if err != nil {
		t.Fatal(err)
	}
	g := &simGroup{t: t, cs: cs, s: s, groupID: []byte("sim group " + cs.String()), members: map[LeafIndex]*simMember{}}
	kp, keys, signer := g.newKeyPackage(0)
	g.members[0] = &simMember{signer: signer, tree: newOneMemberTree(s, &kp.LeafNode), priv: newTreeKEMPrivate(0, keys.encryptionKey)}
	return g
}

// newKeyPackage makes the KeyPackage of a new client, its identity
// numbered by i.
func (g *simGroup) newKeyPackage(i int) (*KeyPackage, *KeyPackagePrivateKeys, *SigningKey) {
	g.t.Helper()
	signer, err := g.cs.GenerateSigningKey()
	if err != nil {
		g.t.Fatal(err)
	}
	kp, keys, err := NewKeyPackage(signer, Credential{Type: CredentialTypeBasic, Identity: fmt.Appendf(nil, "client %d", i)}, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	return kp, keys, signer
}

// anyMember returns the member with the lowest leaf index.
func (g *simGroup) anyMember() *simMember {
	leaves := slices.Sorted(func(yield func(LeafIndex) bool) {
		for l := range g.members {
			if !yield(l) {
				return
			}
		}
	})
	return g.members[leaves[0]]
}

func (g *simGroup) requirements() *groupRequirements {
	req, err := newGroupRequirements(g.cs, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	return req
}

// commit has committer commit the Update proposals of updaters, the Remove
// proposals of removed and Adds of adds new clients, with a path if
// withPath (which must be true unless there are only Adds).
func (g *simGroup) commit(committer LeafIndex, updaters, removed []LeafIndex, adds int, withPath bool) {
	t := g.t
	t.Helper()
	req := g.requirements()
	base := g.members[committer].tree

	// Update proposals: each updater signs a new leaf node.
	updates := map[LeafIndex]*LeafNode{}
	for _, u := range updaters {
		m := g.members[u]
		ln, key, err := g.s.newUpdateLeafNode(m.signer, m.tree.leafNode(u), g.groupID, u)
		if err != nil {
			t.Fatal(err)
		}
		lc := leafNodeContext{source: LeafNodeSourceUpdate, groupID: g.groupID, leaf: u}
		if err := validateLeafNode(g.s, ln, lc, req, g.opts); err != nil {
			t.Fatalf("update by %d: %v", u, err)
		}
		if err := base.checkNewLeaf(ln, u); err != nil {
			t.Fatalf("update by %d: %v", u, err)
		}
		updates[u] = ln
		m.pendingKey = key
	}
	// Add proposals: new clients' KeyPackages.
	type joiner struct {
		kp     *KeyPackage
		keys   *KeyPackagePrivateKeys
		signer *SigningKey
		leaf   LeafIndex
	}
	joiners := make([]joiner, adds)
	for i := range joiners {
		kp, keys, signer := g.newKeyPackage(int(g.epoch)*100 + i)
		if err := kp.verify(req, g.opts); err != nil {
			t.Fatal(err)
		}
		joiners[i] = joiner{kp: kp, keys: keys, signer: signer}
	}

	// Every remaining member applies the proposals to its tree (RFC 9420
	// §12.3: updates, removes, then adds in order).
	apply := func(tree *ratchetTree) []LeafIndex {
		for _, u := range updaters {
			if err := tree.updateLeaf(u, updates[u]); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range removed {
			if err := tree.removeLeaf(r); err != nil {
				t.Fatal(err)
			}
		}
		var added []LeafIndex
		for _, j := range joiners {
			ln := &j.kp.LeafNode
			l, err := tree.leftmostBlankLeaf()
			if err != nil {
				t.Fatal(err)
			}
			if err := tree.checkNewLeaf(ln, l); err != nil {
				t.Fatal(err)
			}
			if l, err = tree.addLeaf(ln); err != nil {
				t.Fatal(err)
			}
			added = append(added, l)
		}
		return added
	}
	for _, r := range removed {
		delete(g.members, r)
	}
	var added []LeafIndex
	for l, m := range g.members {
		m.tree = m.tree.clone()
		got := apply(m.tree)
		if added != nil && !slices.Equal(got, added) {
			t.Fatalf("member %d placed the new members at %v, another at %v", l, got, added)
		}
		added = got
	}
	for i := range joiners {
		joiners[i].leaf = added[i]
	}
	g.epoch++

	// The committer's path, and everyone else's processing of it.
	cm := g.members[committer]
	var np *newPath
	var commitSecret secret
	var path *UpdatePath
	if withPath {
		var err error
		if np, err = cm.tree.applyNewPath(committer, cm.signer, nil, g.groupID, 0); err != nil {
			t.Fatal(err)
		}
		defer np.zero()
		gc := g.groupContext(cm.tree)
		if path, err = np.encrypt(cm.tree, gc, added, 2); err != nil {
			t.Fatal(err)
		}
		cm.priv = np.private
		cm.pendingKey = nil
		commitSecret = np.commitSecret
	}
	for l, m := range g.members {
		if m.pendingKey != nil {
			m.priv.setLeafKey(m.pendingKey)
			m.pendingKey = nil
		}
		if l == committer {
			continue
		}
		m.priv.prune(m.tree)
		if !withPath {
			continue
		}
		lc := leafNodeContext{source: LeafNodeSourceCommit, groupID: g.groupID, leaf: committer}
		if err := validateLeafNode(g.s, &path.LeafNode, lc, req, g.opts); err != nil {
			t.Fatalf("member %d: committer's leaf node: %v", l, err)
		}
		if err := m.tree.checkNewLeaf(&path.LeafNode, committer); err != nil {
			t.Fatalf("member %d: committer's leaf node: %v", l, err)
		}
		if err := m.tree.mergeUpdatePath(committer, path, added); err != nil {
			t.Fatalf("member %d: %v", l, err)
		}
		got, err := m.priv.processUpdatePath(g.s, m.tree, committer, path, g.groupContext(m.tree), added, 0)
		if err != nil {
			t.Fatalf("epoch %d: member %d: %v", g.epoch, l, err)
		}
		if !got.equal(commitSecret) {
			t.Fatalf("epoch %d: member %d: commit secret differs from the committer's", g.epoch, l)
		}
	}

	// New members join from the committer's tree, as sent in the Welcome.
	enc, err := cm.tree.marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range joiners {
		tree, err := parseRatchetTree(g.s, enc)
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := cm.tree.treeHash()
		if err := tree.validate(g.groupID, hash, req, g.opts); err != nil {
			t.Fatalf("epoch %d: joiner's tree: %v", g.epoch, err)
		}
		l, ok := tree.findLeaf(&j.kp.LeafNode)
		if !ok || l != j.leaf {
			t.Fatalf("joiner's leaf found at %d (%v), added at %d", l, ok, j.leaf)
		}
		priv := newTreeKEMPrivate(l, j.keys.encryptionKey)
		if withPath {
			x, ps, ok := np.pathSecretFor(l)
			if !ok {
				t.Fatalf("no path secret for joiner %d", l)
			}
			if err := priv.adoptPathSecret(g.s, tree, x, ps, 0); err != nil {
				t.Fatalf("joiner %d: %v", l, err)
			}
			ps.zero()
		}
		g.members[l] = &simMember{signer: j.signer, tree: tree, priv: priv}
	}
	g.check()
}

// groupContext encodes the provisional GroupContext of the epoch with the
// tree hash of tree.
func (g *simGroup) groupContext(tree *ratchetTree) []byte {
	hash, err := tree.treeHash()
	if err != nil {
		g.t.Fatal(err)
	}
	gc, err := marshalGroupContext(&GroupContext{CipherSuite: g.cs, GroupID: g.groupID, Epoch: g.epoch, TreeHash: hash, ConfirmedTranscriptHash: []byte{}, Extensions: []Extension{}})
	if err != nil {
		g.t.Fatal(err)
	}
	return gc
}

// check requires identical, valid trees and the tree invariant.
func (g *simGroup) check() {
	t := g.t
	t.Helper()
	ref := g.anyMember().tree
	enc, err := ref.marshal()
	if err != nil {
		t.Fatal(err)
	}
	hash, err := ref.treeHash()
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := parseRatchetTree(g.s, enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.validate(g.groupID, hash, g.requirements(), g.opts); err != nil {
		t.Fatalf("epoch %d: %v", g.epoch, err)
	}
	for l, m := range g.members {
		got, err := m.tree.marshal()
		if err != nil || !bytes.Equal(got, enc) {
			t.Fatalf("epoch %d: member %d's tree differs", g.epoch, l)
		}
		if h, _ := m.tree.treeHash(); !bytes.Equal(h, hash) {
			t.Fatalf("epoch %d: member %d's cached tree hash differs", g.epoch, l)
		}
		if err := m.priv.checkConsistent(m.tree); err != nil {
			t.Fatalf("epoch %d: member %d: %v", g.epoch, l, err)
		}
		// RFC 9420 §4.2: a member knows the key of each non-blank node
		// above it at which it is not unmerged, and of no other.
		want := 1
		for _, x := range directPath(l.node(), m.tree.leafCount()) {
			if p := m.tree.parentNode(x); p != nil && !slices.Contains(p.UnmergedLeaves, l) {
				want++
				if m.priv.key(m.tree, x) == nil {
					t.Fatalf("epoch %d: member %d lacks the key of node %d", g.epoch, l, x)
				}
			}
		}
		if len(m.priv.keys) != want {
			t.Fatalf("epoch %d: member %d holds %d keys, the tree invariant gives %d", g.epoch, l, len(m.priv.keys), want)
		}
	}
}

// runSimGroup drives a group through epochs of random operations.
func runSimGroup(t *testing.T, cs CipherSuite, epochs, maxMembers int, seed uint64) {
	g := newSimGroup(t, cs)
	rng := rand.New(rand.NewPCG(seed, 0))
	g.commit(0, nil, nil, 3, true)
	for range epochs {
		leaves := slices.Sorted(func(yield func(LeafIndex) bool) {
			for l := range g.members {
				if !yield(l) {
					return
				}
			}
		})
		committer := leaves[rng.IntN(len(leaves))]
		var others []LeafIndex
		for _, l := range leaves {
			if l != committer {
				others = append(others, l)
			}
		}
		rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		var updaters, removed []LeafIndex
		adds := 0
		switch op := rng.IntN(5); {
		case op == 0 && len(others) > 0:
			updaters = others[:1+rng.IntN(min(2, len(others)))]
		case op == 1 && len(others) > 1:
			removed = others[:1+rng.IntN(min(3, len(others)-1))]
		case op == 2 && len(leaves) < maxMembers:
			g.commit(committer, nil, nil, 1+rng.IntN(3), false)
			continue
		case op == 3 && len(others) > 2:
			updaters = others[:1]
			removed = others[1:2]
			adds = 1
		default:
			if len(leaves) < maxMembers {
				adds = 1 + rng.IntN(3)
			}
		}
		g.commit(committer, updaters, removed, adds, true)
	}
}

// TestTreeKEMSimulatedGroups runs a random group of up to 24 members over
// 40 epochs in suite 0x0001, and shorter runs in the other suites.
func TestTreeKEMSimulatedGroups(t *testing.T) {
	for cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519; cs <= MLS_256_DHKEMP384_AES256GCM_SHA384_P384; cs++ {
		t.Run(cs.String(), func(t *testing.T) {
			t.Parallel()
			epochs, members := 8, 10
			if cs == MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 {
				epochs, members = 40, 24
			}
			runSimGroup(t, cs, epochs, members, uint64(cs))
		})
	}
}

// TestTreeKEMProcessErrors feeds a receiver UpdatePaths that it must
// reject.
func TestTreeKEMProcessErrors(t *testing.T) {
	g := newSimGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	g.commit(0, nil, nil, 5, true) // six members
	committer, receiver := g.members[0], g.members[3]
	tree := committer.tree.clone()
	np, err := tree.applyNewPath(0, committer.signer, nil, g.groupID, 0)
	if err != nil {
		t.Fatal(err)
	}
	gc := g.groupContext(tree)
	path, err := np.encrypt(tree, gc, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	clonePath := func() *UpdatePath {
		enc, err := marshalUpdatePath(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := unmarshalUpdatePath(enc)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mergeErr := func(name string, p *UpdatePath, excluded []LeafIndex, want error) {
		t.Helper()
		rt := receiver.tree.clone()
		before, _ := rt.marshal()
		err := rt.mergeUpdatePath(0, p, excluded)
		if !errors.Is(err, want) || !errors.Is(err, ErrInvalidUpdatePath) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
		if after, _ := rt.marshal(); !bytes.Equal(before, after) {
			t.Errorf("%s: a failed merge changed the tree", name)
		}
		t.Logf("%s: %v", name, err)
	}

	p := clonePath()
	p.Nodes = p.Nodes[:len(p.Nodes)-1]
	mergeErr("a node short", p, nil, ErrInvalidUpdatePath)

	p = clonePath()
	p.Nodes[0].EncryptedPathSecret = p.Nodes[0].EncryptedPathSecret[1:]
	mergeErr("a ciphertext short", p, nil, ErrInvalidUpdatePath)

	mergeErr("new members excluded that were not", clonePath(), []LeafIndex{1}, ErrInvalidUpdatePath)

	p = clonePath()
	p.LeafNode.ParentHash = append([]byte(nil), p.LeafNode.ParentHash...)
	p.LeafNode.ParentHash[0] ^= 1
	mergeErr("leaf parent hash", p, nil, ErrParentHashMismatch)

	p = clonePath()
	p.Nodes[1].EncryptionKey = receiver.tree.leafNode(3).EncryptionKey
	mergeErr("node key already in the tree", p, nil, ErrDuplicateKey)

	p = clonePath()
	p.Nodes[1].EncryptionKey = p.Nodes[0].EncryptionKey
	mergeErr("node key repeated", p, nil, ErrDuplicateKey)

	p = clonePath()
	p.LeafNode.EncryptionKey = committer.tree.leafNode(0).EncryptionKey
	mergeErr("leaf key unchanged", p, nil, ErrDuplicateKey)

	p = clonePath()
	p.LeafNode.Source = LeafNodeSourceUpdate
	mergeErr("leaf source update", p, nil, ErrInvalidLeafNode)

	p = clonePath()
	p.Nodes[0].EncryptionKey = []byte{1, 2, 3}
	mergeErr("invalid node key", p, nil, ErrInvalidPublicKey)

	// Processing: merged trees, then a wrong group context, a corrupted
	// ciphertext, a public key that does not match the path secret.
	process := func(name string, p *UpdatePath, gc []byte, want error) {
		t.Helper()
		rt := receiver.tree.clone()
		if err := rt.mergeUpdatePath(0, p, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		priv := receiver.priv.clone()
		_, err := priv.processUpdatePath(g.s, rt, 0, p, gc, nil, 0)
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
		if len(priv.keys) != len(receiver.priv.keys) {
			t.Errorf("%s: a failed processing changed the private state", name)
		}
		t.Logf("%s: %v", name, err)
	}
	process("wrong group context", clonePath(), append(slices.Clone(gc), 0), ErrDecryption)
	p = clonePath()
	for i := range p.Nodes {
		for j := range p.Nodes[i].EncryptedPathSecret {
			p.Nodes[i].EncryptedPathSecret[j].Ciphertext[0] ^= 1
		}
	}
	process("corrupted ciphertexts", p, gc, ErrDecryption)

	// A path whose last node's key is not the one its path secret gives:
	// re-sign a leaf node over the forged path so the parent hash holds.
	forged := committer.tree.clone()
	np2, err := forged.applyNewPath(0, committer.signer, nil, g.groupID, 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := g.s.generateHPKEKey()
	if err != nil {
		t.Fatal(err)
	}
	last := np2.nodes[len(np2.nodes)-1]
	pn := *forged.parentNode(last)
	pn.EncryptionKey = other.publicKey()
	forged.setParent(last, &pn)
	phs, leafPH, err := forged.pathParentHashes(0, np2.nodes, func() [][]byte {
		var pubs [][]byte
		for _, x := range np2.nodes {
			pubs = append(pubs, forged.encryptionKey(x))
		}
		return pubs
	}())
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range np2.nodes {
		pn := *forged.parentNode(x)
		pn.ParentHash = phs[i]
		forged.setParent(x, &pn)
	}
	ln := *forged.leafNode(0)
	ln.ParentHash = leafPH
	if err := g.s.signLeafNode(committer.signer, &ln, g.groupID, 0); err != nil {
		t.Fatal(err)
	}
	forged.setLeaf(0, &ln)
	fgc := g.groupContext(forged)
	fp, err := np2.encrypt(forged, fgc, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	process("public key not from the path secret", fp, fgc, ErrInvalidUpdatePath)

	// A joiner given a path secret for the wrong node, and the committer
	// processing its own path.
	j := newTreeKEMPrivate(3, receiver.priv.keys[LeafIndex(3).node()])
	if err := j.adoptPathSecret(g.s, tree, LeafIndex(5).node(), np.pathSecrets[0], 0); err == nil {
		t.Error("a path secret for a node not above the joiner was adopted")
	}
	x, ps, _ := np.pathSecretFor(3)
	if err := j.adoptPathSecret(g.s, tree, x, append(slices.Clone(ps), 1), 0); err == nil {
		t.Error("a wrong path secret was adopted")
	}
	if _, err := committer.tree.clone().applyNewPath(0, nil, nil, g.groupID, 0); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("a path without a signing key: %v", err)
	}
	if _, err := committer.tree.clone().applyNewPath(9, committer.signer, nil, g.groupID, 0); !errors.Is(err, ErrInvalidRatchetTree) {
		t.Errorf("a path from outside the tree: %v", err)
	}
	if _, _, ok := np.pathSecretFor(0); ok {
		t.Error("a path secret for the committer itself")
	}
	if _, err := np.private.processUpdatePath(g.s, tree, 0, path, gc, nil, 0); !errors.Is(err, ErrInvalidUpdatePath) {
		t.Errorf("committer processing its own path: %v", err)
	}
	if _, err := receiver.priv.clone().processUpdatePath(g.s, tree, 0, path, gc, []LeafIndex{3}, 0); !errors.Is(err, ErrInvalidUpdatePath) {
		t.Errorf("a new member processing the path: %v", err)
	}
}

// TestTreeKEMPrivateRedacted checks that the private TreeKEM state and a
// new path print no key material.
func TestTreeKEMPrivateRedacted(t *testing.T) {
	g := newSimGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	m := g.members[0]
	np, err := m.tree.clone().applyNewPath(0, m.signer, nil, g.groupID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{m.priv, np, *m.priv, *np} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s"} {
			if got := fmt.Sprintf(verb, v); !bytes.Contains([]byte(got), []byte("REDACTED")) {
				t.Errorf("%s of %T prints %q", verb, v, got)
			}
		}
	}
	np.zero()
	if np.commitSecret != nil {
		t.Error("zero left the commit secret")
	}
}
