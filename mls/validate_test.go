package mls

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// kpTree is a tree of n members added from fresh KeyPackages of suite
// 0x0001, all leaves of source key_package and no parent nodes.
type kpTree struct {
	s       *suite
	tree    *ratchetTree
	signers []*SigningKey
	kps     []*KeyPackage
}

func newKPTree(t testing.TB, n int, cred func(i int, signer *SigningKey) Credential) *kpTree {
	t.Helper()
	f := &kpTree{s: suite1(t)}
	for i := range n {
		signer, err := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.GenerateSigningKey()
		if err != nil {
			t.Fatal(err)
		}
		c := Credential{Type: CredentialTypeBasic, Identity: fmt.Appendf(nil, "client %d", i)}
		if cred != nil {
			c = cred(i, signer)
		}
		kp, _, err := NewKeyPackage(signer, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.signers = append(f.signers, signer)
		f.kps = append(f.kps, kp)
		if i == 0 {
			f.tree = newOneMemberTree(f.s, &kp.LeafNode)
		} else if _, err := f.tree.addLeaf(&kp.LeafNode); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// validate validates the tree against its own tree hash, so that only the
// other checks can fail.
func (f *kpTree) validate(t testing.TB, req *groupRequirements, opts *ValidationOptions) error {
	t.Helper()
	hash, err := f.tree.clone().treeHash()
	if err != nil {
		t.Fatal(err)
	}
	if req == nil {
		req, _ = newGroupRequirements(f.s.id, nil)
	}
	return f.tree.clone().validate([]byte("group"), hash, req, opts)
}

// setLeaf replaces leaf l with a copy changed by change.
func (f *kpTree) setLeaf(l LeafIndex, change func(ln *LeafNode)) {
	ln := *f.tree.leafNode(l)
	change(&ln)
	f.tree.setLeaf(l, &ln)
}

// wantErr checks that err wraps every sentinel in want and reads exactly
// msg, if msg is not empty.
func wantErr(t *testing.T, name string, err error, msg string, want ...error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("%s: %v does not wrap %v", name, err, w)
		}
	}
	if msg != "" && err.Error() != msg {
		t.Errorf("%s: error %q, want %q", name, err, msg)
	}
	t.Logf("%s: %v", name, err)
}

func TestValidateTreeLeaves(t *testing.T) {
	f := newKPTree(t, 5, nil)
	if err := f.validate(t, nil, nil); err != nil {
		t.Fatalf("valid tree: %v", err)
	}

	bad := newKPTree(t, 5, nil)
	for _, l := range []LeafIndex{3, 1} {
		bad.setLeaf(l, func(ln *LeafNode) { ln.Signature = slices.Clone(ln.Signature); ln.Signature[0] ^= 1 })
	}
	// With two bad leaves, the lower one is named whatever the workers.
	for _, workers := range []int{1, 2, 8} {
		for range 5 {
			err := bad.validate(t, nil, &ValidationOptions{Workers: workers})
			wantErr(t, fmt.Sprintf("bad signatures, %d workers", workers), err,
				`mls: ratchet tree: node 2 (leaf 1): signature: mls: VerifyWithLabel "LeafNodeTBS": mls: signature verification failed`,
				ErrSignatureVerification, ErrInvalidLeafNode, ErrInvalidRatchetTree)
		}
	}

	dup := newKPTree(t, 3, nil)
	dup.setLeaf(2, func(ln *LeafNode) { ln.EncryptionKey = dup.tree.leafNode(0).EncryptionKey })
	wantErr(t, "duplicate encryption key", dup.validate(t, nil, nil),
		"mls: ratchet tree: node 4 (leaf 2): encryption_key already at node 0 (leaf 0)", ErrDuplicateKey, ErrInvalidRatchetTree)
	dup = newKPTree(t, 3, nil)
	dup.setLeaf(1, func(ln *LeafNode) { ln.SignatureKey = dup.tree.leafNode(2).SignatureKey })
	wantErr(t, "duplicate signature key", dup.validate(t, nil, nil),
		"mls: ratchet tree: node 4 (leaf 2): signature_key already at node 2 (leaf 1)", ErrDuplicateKey)

	// Lifetimes: the leaves were made now, valid for 90 days.
	later := &ValidationOptions{Now: func() time.Time { return time.Now().Add(100 * 24 * time.Hour) }}
	wantErr(t, "expired lifetime", f.validate(t, nil, later), "", ErrLifetime, ErrInvalidLeafNode, ErrInvalidRatchetTree)
	earlier := &ValidationOptions{Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
	wantErr(t, "lifetime not yet begun", f.validate(t, nil, earlier), "", ErrLifetime)
	later.SkipTreeLifetimes = true
	if err := f.validate(t, nil, later); err != nil {
		t.Errorf("expired lifetime, tree lifetimes skipped: %v", err)
	}
	short := &ValidationOptions{MaxLifetime: 24 * time.Hour, SkipTreeLifetimes: true}
	wantErr(t, "lifetime too long", f.validate(t, nil, short), "", ErrLifetime)
	if err := f.validate(t, nil, &ValidationOptions{MaxLifetime: -1}); err != nil {
		t.Errorf("no maximum lifetime: %v", err)
	}
	inverted := newKPTree(t, 2, nil)
	inverted.setLeaf(1, func(ln *LeafNode) { ln.Lifetime.NotBefore = ln.Lifetime.NotAfter + 1 })
	wantErr(t, "inverted lifetime", inverted.validate(t, nil, &ValidationOptions{SkipTreeLifetimes: true}), "", ErrLifetime)

	// The application's credential validator.
	errBanned := errors.New("client 3 is banned")
	validator := func(cred Credential, signatureKey []byte, chain []*x509.Certificate) error {
		if chain != nil {
			return errors.New("a chain for a basic credential")
		}
		if string(cred.Identity) == "client 3" {
			return errBanned
		}
		return nil
	}
	wantErr(t, "credential rejected", f.validate(t, nil, &ValidationOptions{CredentialValidator: validator}),
		"mls: ratchet tree: node 6 (leaf 3): credential: rejected by the credential validator: client 3 is banned",
		errBanned, ErrInvalidCredential, ErrInvalidLeafNode, ErrInvalidRatchetTree)

	// Capabilities the group requires.
	rc, err := MarshalRequiredCapabilities(&RequiredCapabilities{ExtensionTypes: []ExtensionType{0xF00F}, ProposalTypes: []ProposalType{}, CredentialTypes: []CredentialType{}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := newGroupRequirements(f.s.id, []Extension{{Type: ExtensionTypeRequiredCapabilities, Data: rc}})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "required extension", f.validate(t, req, nil),
		"mls: ratchet tree: node 0 (leaf 0): capabilities do not list extension type ExtensionType(0xf00f), which the group requires",
		ErrUnsupportedCapability, ErrInvalidLeafNode)
	req, _ = newGroupRequirements(f.s.id, []Extension{{Type: 0xF00E, Data: []byte{}}})
	wantErr(t, "group context extension", f.validate(t, req, nil), "", ErrUnsupportedCapability)
	req, _ = newGroupRequirements(f.s.id, []Extension{{Type: ExtensionTypeExternalSenders, Data: []byte{0}}})
	if err := f.validate(t, req, nil); err != nil {
		t.Errorf("a default group context extension needs no listing: %v", err)
	}

	// A credential type one member uses and another does not support.
	mixed := newKPTree(t, 3, func(i int, _ *SigningKey) Credential {
		if i == 2 {
			return Credential{Type: 0xF0F0, Data: []byte("custom")}
		}
		return Credential{Type: CredentialTypeBasic, Identity: []byte{byte(i)}}
	})
	wantErr(t, "unsupported credential type", mixed.validate(t, nil, nil),
		"mls: ratchet tree: node 0 (leaf 0): capabilities do not list credential type CredentialType(0xf0f0), which leaf 2 uses",
		ErrUnsupportedCapability, ErrInvalidRatchetTree)

	// Leaf extension types must be listed, but for default ones.
	ext := newKPTree(t, 2, nil)
	ext.setLeaf(1, func(ln *LeafNode) { ln.Extensions = []Extension{{Type: 0xF00D, Data: []byte{}}} })
	wantErr(t, "unlisted leaf extension", ext.validate(t, nil, nil), "", ErrUnsupportedCapability)
	ext.setLeaf(1, func(ln *LeafNode) { ln.Extensions = []Extension{{Type: ExtensionTypeApplicationID, Data: []byte{}}} })
	wantErr(t, "listed default extension, bad signature", ext.validate(t, nil, nil), "", ErrSignatureVerification)

	// Invalid public keys.
	keys := newKPTree(t, 2, nil)
	keys.setLeaf(1, func(ln *LeafNode) { ln.EncryptionKey = []byte{1, 2, 3} })
	wantErr(t, "short encryption key", keys.validate(t, nil, nil), "", ErrInvalidPublicKey, ErrInvalidLeafNode)
	keys = newKPTree(t, 2, nil)
	keys.setLeaf(1, func(ln *LeafNode) { ln.SignatureKey = []byte{1, 2, 3} })
	wantErr(t, "short signature key", keys.validate(t, nil, nil), "", ErrInvalidPublicKey, ErrInvalidLeafNode)
}

// TestValidateTreeStructure covers the checks that need no signatures:
// members, unmerged leaves, tree hash.
func TestValidateTreeStructure(t *testing.T) {
	s := suite1(t)
	req, _ := newGroupRequirements(s.id, nil)
	check := func(name string, nodes []*Node, msg string, want ...error) {
		t.Helper()
		tree, err := newRatchetTree(s, nodes)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantErr(t, name, tree.validate(nil, nil, req, nil), msg, append(want, ErrInvalidRatchetTree)...)
	}
	leaf := func(i int) *Node { return &Node{Leaf: fakeLeaf(i)} }
	parent := func(i int, unmerged ...LeafIndex) *Node { return &Node{Parent: fakeParent(i, unmerged...)} }

	check("no members", []*Node{nil, parent(1)}, "mls: ratchet tree: no members")
	check("unmerged unsorted", []*Node{leaf(0), parent(1), leaf(2), parent(3, 2, 1), leaf(4), nil, leaf(6)},
		"mls: ratchet tree: node 3 (parent): unmerged_leaves not in increasing order at leaf 1", ErrUnmergedLeaves)
	check("unmerged repeated", []*Node{leaf(0), parent(1), leaf(2), parent(3, 2, 2), leaf(4)},
		"", ErrUnmergedLeaves)
	check("unmerged blank", []*Node{leaf(0), parent(1), nil, parent(3, 1), leaf(4), nil, leaf(6)},
		"mls: ratchet tree: node 3 (parent): unmerged leaf 1 is blank", ErrUnmergedLeaves)
	check("unmerged outside the subtree", []*Node{leaf(0), parent(1, 2), leaf(2), nil, leaf(4)},
		"mls: ratchet tree: node 1 (parent): unmerged leaf 2 is not below the node", ErrUnmergedLeaves)
	check("unmerged outside the tree", []*Node{leaf(0), parent(1, 9), leaf(2)},
		"mls: ratchet tree: node 1 (parent): unmerged leaf 9 is not below the node", ErrUnmergedLeaves)
	check("unmerged missing in between", []*Node{leaf(0), parent(1), leaf(2), parent(3, 1), leaf(4)},
		"mls: ratchet tree: node 3 (parent): leaf 1 is unmerged here but not at node 1 below", ErrUnmergedLeaves)
	dupKey := parent(5)
	dupKey.Parent.EncryptionKey = fakeLeaf(0).EncryptionKey
	check("parent key repeats a leaf's", []*Node{leaf(0), nil, leaf(2), nil, leaf(4), dupKey, leaf(6)},
		"mls: ratchet tree: node 5 (parent): encryption_key already at node 0 (leaf 0)", ErrDuplicateKey)
	check("tree hash", []*Node{leaf(0), nil, leaf(2)}, "", ErrTreeHashMismatch)
}

// TestValidateTreeParentHashes breaks the parent hash chains of vector
// trees and of a tree with a forged path.
func TestValidateTreeParentHashes(t *testing.T) {
	cases := loadTreeValidationVectors(t)
	broken := 0
	for i, v := range cases {
		if v.CipherSuite != MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 {
			continue
		}
		tree := vectorTree(t, v.CipherSuite, v.Tree)
		root := tree.root()
		if tree.parentNode(root) == nil {
			continue
		}
		// A new root key breaks the link from the root's chain child,
		// and nothing else.
		k, err := tree.suite.generateHPKEKey()
		if err != nil {
			t.Fatal(err)
		}
		p := *tree.parentNode(root)
		p.EncryptionKey = k.publicKey()
		tree.setParent(root, &p)
		hash, _ := tree.treeHash()
		req, _ := newGroupRequirements(v.CipherSuite, nil)
		err = tree.validate(v.GroupID, hash, req, treeVectorOptions())
		want := fmt.Sprintf("mls: ratchet tree: node %d (parent): parent hash does not match", root)
		if err == nil || err.Error() != want || !errors.Is(err, ErrParentHashMismatch) || !errors.Is(err, ErrInvalidRatchetTree) {
			t.Errorf("case %d: %v, want %q", i, err, want)
			continue
		}
		broken++
	}
	if broken < 10 {
		t.Fatalf("only %d trees broken", broken)
	}
	t.Logf("%d vector trees with a replaced root key rejected", broken)

	// Dropping an unmerged leaf from the highest node that lists one
	// changes what its chain child must cover: the tree is rejected.
	dropped := 0
	for i, v := range cases {
		tree := vectorTree(t, v.CipherSuite, v.Tree)
		top := NodeIndex(0)
		for j := 1; j < len(tree.nodes); j += 2 {
			if p := tree.nodes[j].parent; p != nil && len(p.UnmergedLeaves) > 0 && NodeIndex(j).level() > top.level() {
				top = NodeIndex(j)
			}
		}
		if top == 0 {
			continue
		}
		p := *tree.parentNode(top)
		p.UnmergedLeaves = p.UnmergedLeaves[:len(p.UnmergedLeaves)-1]
		tree.setParent(top, &p)
		hash, _ := tree.treeHash()
		req, _ := newGroupRequirements(v.CipherSuite, nil)
		err := tree.validate(v.GroupID, hash, req, treeVectorOptions())
		if !errors.Is(err, ErrParentHashMismatch) {
			t.Errorf("case %d: an unmerged leaf dropped at node %d: %v", i, top, err)
			continue
		}
		dropped++
	}
	if dropped == 0 {
		t.Fatal("no vector tree has unmerged leaves")
	}
	t.Logf("%d vector trees with an unmerged leaf dropped rejected", dropped)

	// A path whose parent node holds an invalid HPKE key, with a parent
	// hash chain that is otherwise right: the key check names the node.
	f := newKPTree(t, 2, nil)
	fdp := f.tree.filteredDirectPath(0)
	pubs := [][]byte{[]byte("not an X25519 key")}
	phs, leafPH, err := f.tree.pathParentHashes(0, fdp, pubs)
	if err != nil {
		t.Fatal(err)
	}
	ln := *f.tree.leafNode(0)
	ln.Source, ln.Lifetime, ln.ParentHash = LeafNodeSourceCommit, Lifetime{}, leafPH
	if err := f.s.signLeafNode(f.signers[0], &ln, []byte("group"), 0); err != nil {
		t.Fatal(err)
	}
	f.tree.applyPath(0, fdp, pubs, phs, &ln)
	wantErr(t, "invalid parent key", f.validate(t, nil, nil),
		"mls: ratchet tree: node 1 (parent): encryption_key: mls: HPKE public key of 17 bytes: mls: invalid public key",
		ErrInvalidPublicKey, ErrInvalidRatchetTree)

	// The same commit leaf signed for another group fails its signature.
	ln2 := ln
	if err := f.s.signLeafNode(f.signers[0], &ln2, []byte("other group"), 0); err != nil {
		t.Fatal(err)
	}
	f.tree.setLeaf(0, &ln2)
	err = f.validate(t, nil, nil)
	if !errors.Is(err, ErrSignatureVerification) || !strings.Contains(err.Error(), "node 0 (leaf 0)") {
		t.Errorf("commit leaf signed for another group: %v", err)
	}
}

// TestValidateLeafNodeSource checks the leaf_node_source a context
// requires (RFC 9420 §7.3).
func TestValidateLeafNodeSource(t *testing.T) {
	f := newKPTree(t, 1, nil)
	ln := f.tree.leafNode(0)
	for _, src := range []LeafNodeSource{LeafNodeSourceUpdate, LeafNodeSourceCommit} {
		err := validateLeafNode(f.s, ln, leafNodeContext{source: src}, nil, nil)
		wantErr(t, "key package leaf as "+src.String(), err,
			"mls: leaf node: leaf_node_source is key_package, want "+src.String(), ErrInvalidLeafNode)
	}
	if err := validateLeafNode(f.s, ln, leafNodeContext{source: LeafNodeSourceKeyPackage, checkTime: true}, nil, nil); err != nil {
		t.Errorf("key package leaf: %v", err)
	}
	upd, _, err := f.s.newUpdateLeafNode(f.signers[0], ln, []byte("g"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateLeafNode(f.s, upd, leafNodeContext{source: LeafNodeSourceUpdate, groupID: []byte("g"), leaf: 4}, nil, nil); err != nil {
		t.Errorf("update leaf: %v", err)
	}
	for _, lc := range []leafNodeContext{
		{source: LeafNodeSourceUpdate, groupID: []byte("h"), leaf: 4},
		{source: LeafNodeSourceUpdate, groupID: []byte("g"), leaf: 5},
	} {
		wantErr(t, fmt.Sprintf("update leaf in group %q at leaf %d", lc.groupID, lc.leaf),
			validateLeafNode(f.s, upd, lc, nil, nil), "", ErrSignatureVerification, ErrInvalidLeafNode)
	}
}
