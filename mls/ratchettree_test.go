package mls

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// fakeLeaf returns an encodable leaf node whose keys are made from id; it
// carries no valid signature and serves the tests of tree structure and
// hashing.
func fakeLeaf(id int) *LeafNode {
	return &LeafNode{
		EncryptionKey: fmt.Appendf(nil, "enc %d", id),
		SignatureKey:  fmt.Appendf(nil, "sig %d", id),
		Credential:    Credential{Type: CredentialTypeBasic, Identity: fmt.Appendf(nil, "id %d", id)},
		Capabilities: Capabilities{Versions: []ProtocolVersion{1}, CipherSuites: []CipherSuite{1},
			Extensions: []ExtensionType{}, Proposals: []ProposalType{}, Credentials: []CredentialType{1}},
		Source:     LeafNodeSourceKeyPackage,
		Lifetime:   Lifetime{NotBefore: 0, NotAfter: 1},
		Extensions: []Extension{},
		Signature:  []byte("sig"),
	}
}

func fakeParent(id int, unmerged ...LeafIndex) *ParentNode {
	return &ParentNode{EncryptionKey: fmt.Appendf(nil, "penc %d", id), ParentHash: []byte{}, UnmergedLeaves: append([]LeafIndex{}, unmerged...)}
}

func suite1(t testing.TB) *suite {
	s, err := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// freshHash returns the tree hash of tree computed from its encoding, with
// no cached hash.
func freshHash(t testing.TB, tree *ratchetTree) []byte {
	t.Helper()
	enc, err := tree.marshal()
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := parseRatchetTree(tree.suite, enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh.nodes) > len(tree.nodes) {
		t.Fatalf("a tree of %d nodes re-parses to %d", len(tree.nodes), len(fresh.nodes))
	}
	// The encoding drops trailing blanks; restore the width.
	for len(fresh.nodes) < len(tree.nodes) {
		if err := fresh.extend(); err != nil {
			t.Fatal(err)
		}
	}
	h, err := fresh.treeHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRatchetTreeAddRemoveTruncate(t *testing.T) {
	tree := newOneMemberTree(suite1(t), fakeLeaf(0))
	for i := 1; i <= 4; i++ {
		l, err := tree.addLeaf(fakeLeaf(i))
		if err != nil || l != LeafIndex(i) {
			t.Fatalf("add %d: leaf %d, %v", i, l, err)
		}
	}
	if tree.leafCount() != 8 || len(tree.nodes) != 15 {
		t.Fatalf("5 members in %d leaves, %d nodes", tree.leafCount(), len(tree.nodes))
	}
	// Give nodes 1 and 3 keys, then add into a hole: the new leaf becomes
	// unmerged at the non-blank parents above it, in sorted position.
	tree.setParent(3, fakeParent(3, 3))
	tree.setParent(1, fakeParent(1))
	if err := tree.removeLeaf(1); err != nil {
		t.Fatal(err)
	}
	if tree.parentNode(1) != nil || tree.parentNode(3) != nil || tree.parentNode(7) != nil {
		t.Fatal("remove did not blank the direct path")
	}
	tree.setParent(3, fakeParent(33, 3))
	l, err := tree.addLeaf(fakeLeaf(5))
	if err != nil || l != 1 {
		t.Fatalf("add into a hole: leaf %d, %v", l, err)
	}
	if got := tree.parentNode(3).UnmergedLeaves; !slices.Equal(got, []LeafIndex{1, 3}) {
		t.Fatalf("unmerged leaves of node 3: %v", got)
	}
	if tree.parentNode(1) != nil {
		t.Fatal("a blank parent got unmerged leaves")
	}
	// Removing the right members truncates down to what the leftmost
	// members need.
	for _, r := range []LeafIndex{4, 3} {
		if err := tree.removeLeaf(r); err != nil {
			t.Fatal(err)
		}
	}
	if tree.leafCount() != 4 {
		t.Fatalf("after removing leaves 4 and 3: %d leaves", tree.leafCount())
	}
	for _, r := range []LeafIndex{2, 1} {
		if err := tree.removeLeaf(r); err != nil {
			t.Fatal(err)
		}
	}
	if tree.leafCount() != 1 || tree.leafNode(0) == nil {
		t.Fatalf("one member left in %d leaves", tree.leafCount())
	}
	if err := tree.removeLeaf(3); err == nil {
		t.Fatal("removed a leaf outside the tree")
	}
	if err := tree.updateLeaf(5, fakeLeaf(9)); err == nil {
		t.Fatal("updated a leaf outside the tree")
	}
	if !bytes.Equal(freshHash(t, tree), must(tree.treeHash())) {
		t.Fatal("cached tree hash differs")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// rfcResolutionTree builds the tree of RFC 9420 §4.1.1, Figure 11: leaves
// A B _ D E F _ H, X = node 3 with B unmerged, Y = node 9, the rest
// blank.
func rfcResolutionTree(t testing.TB) *ratchetTree {
	tree := &ratchetTree{suite: suite1(t), nodes: make([]treeNode, 15)}
	for _, l := range []LeafIndex{0, 1, 3, 4, 5, 7} {
		tree.nodes[l.node()].leaf = fakeLeaf(int(l))
	}
	tree.nodes[3].parent = fakeParent(3, 1)
	tree.nodes[9].parent = fakeParent(9)
	return tree
}

func TestResolutionRFCExample(t *testing.T) {
	tree := rfcResolutionTree(t)
	for _, c := range []struct {
		x    NodeIndex
		want []NodeIndex
	}{
		{3, []NodeIndex{3, 2}},        // X: [X, B]
		{4, nil},                      // leaf 2: []
		{12, nil},                     // leaf 6: []
		{7, []NodeIndex{3, 2, 9, 14}}, // the top: [X, B, Y, H]
		{11, []NodeIndex{9, 14}},      // blank parent over Y and _: [Y, H]
		{13, []NodeIndex{14}},         // blank parent over _ H
		{5, []NodeIndex{6}},           // blank parent over _ D
		{1, []NodeIndex{0, 2}},        // blank parent over A B
		{9, []NodeIndex{9}},           // Y, no unmerged leaves
		{14, []NodeIndex{14}},         // H
	} {
		if got := tree.resolution(nil, c.x, nil); !slices.Equal(got, c.want) {
			t.Errorf("resolution of node %d: %v, want %v", c.x, got, c.want)
		}
	}
	// New members are left out wherever they appear.
	if got := tree.resolution(nil, 7, []LeafIndex{1, 7}); !slices.Equal(got, []NodeIndex{3, 9}) {
		t.Errorf("resolution of the root without leaves 1 and 7: %v", got)
	}
}

// TestFilteredDirectPathRFCExample checks the table of RFC 9420 §4.1.2
// (Figure 12): leaves A B _ _ E F G _, parents T = 1, X = 9, Y = 11,
// W = 7 non-blank, U = 3, V = 5, Z = 13 blank.
func TestFilteredDirectPathRFCExample(t *testing.T) {
	tree := &ratchetTree{suite: suite1(t), nodes: make([]treeNode, 15)}
	for _, l := range []LeafIndex{0, 1, 4, 5, 6} {
		tree.nodes[l.node()].leaf = fakeLeaf(int(l))
	}
	for _, x := range []NodeIndex{1, 7, 9, 11} {
		tree.nodes[x].parent = fakeParent(int(x))
	}
	for _, c := range []struct {
		leaf LeafIndex
		want []NodeIndex
	}{
		{0, []NodeIndex{1, 7}},     // A: T, W
		{1, []NodeIndex{1, 7}},     // B: T, W
		{4, []NodeIndex{9, 11, 7}}, // E: X, Y, W
		{5, []NodeIndex{9, 11, 7}}, // F: X, Y, W
		{6, []NodeIndex{11, 7}},    // G: Y, W
	} {
		if got := tree.filteredDirectPath(c.leaf); !slices.Equal(got, c.want) {
			t.Errorf("filtered direct path of leaf %d: %v, want %v", c.leaf, got, c.want)
		}
	}
}

// TestTreeHashCache applies random changes to a tree and checks after each
// that the cached root hash equals the hash of the tree decoded afresh,
// and that a clone changed afterwards leaves the original as it was.
func TestTreeHashCache(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tree := newOneMemberTree(suite1(t), fakeLeaf(0))
	id := 1
	for step := range 400 {
		members := slices.Collect(func(yield func(LeafIndex) bool) {
			for l := range tree.members() {
				if !yield(l) {
					return
				}
			}
		})
		switch op := rng.IntN(6); {
		case op <= 1 || len(members) < 3:
			if _, err := tree.addLeaf(fakeLeaf(id)); err != nil {
				t.Fatal(err)
			}
		case op == 2:
			if err := tree.removeLeaf(members[rng.IntN(len(members))]); err != nil {
				t.Fatal(err)
			}
		case op == 3:
			if err := tree.updateLeaf(members[rng.IntN(len(members))], fakeLeaf(id)); err != nil {
				t.Fatal(err)
			}
		default:
			// A commit-like change: keys on a member's filtered path.
			l := members[rng.IntN(len(members))]
			fdp := tree.filteredDirectPath(l)
			pubs := make([][]byte, len(fdp))
			for i := range pubs {
				pubs[i] = fmt.Appendf(nil, "path %d.%d", id, i)
			}
			phs, leafPH, err := tree.pathParentHashes(l, fdp, pubs)
			if err != nil {
				t.Fatal(err)
			}
			ln := fakeLeaf(id)
			ln.Source, ln.ParentHash = LeafNodeSourceCommit, leafPH
			tree.applyPath(l, fdp, pubs, phs, ln)
			if err := checkTreeStructure(tree); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		id++
		got, err := tree.treeHash()
		if err != nil {
			t.Fatal(err)
		}
		if want := freshHash(t, tree); !bytes.Equal(got, want) {
			t.Fatalf("step %d: cached tree hash differs from a fresh one", step)
		}
		if step%10 == 0 {
			enc, _ := tree.marshal()
			c := tree.clone()
			if _, err := c.addLeaf(fakeLeaf(-step - 1)); err != nil {
				t.Fatal(err)
			}
			if after, _ := tree.marshal(); !bytes.Equal(enc, after) {
				t.Fatalf("step %d: changing a clone changed the tree", step)
			}
			if h, _ := tree.treeHash(); !bytes.Equal(h, got) {
				t.Fatalf("step %d: changing a clone changed the tree hash", step)
			}
		}
	}
	if tree.leafCount() < 16 {
		t.Fatalf("the random walk stayed small: %d leaves", tree.leafCount())
	}
}

// TestOriginalTreeHash compares originalTreeHash, which rehashes only the
// paths of the removed leaves, with the tree hash of a tree where the
// leaves were really blanked and dropped from every unmerged list
// (RFC 9420 §7.9).
func TestOriginalTreeHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for trial := range 50 {
		tree := newOneMemberTree(suite1(t), fakeLeaf(0))
		for i := 1; i < 12+rng.IntN(20); i++ {
			if _, err := tree.addLeaf(fakeLeaf(i)); err != nil {
				t.Fatal(err)
			}
			if rng.IntN(3) == 0 {
				// A parent above leaf i gets a key; later adds below it
				// become unmerged there.
				l := LeafIndex(i)
				x := directPath(l.node(), tree.leafCount())[rng.IntN(len(directPath(l.node(), tree.leafCount())))]
				tree.setParent(x, fakeParent(1000*trial+i))
			}
		}
		for i := 1; i < len(tree.nodes); i += 2 {
			p := tree.nodes[i].parent
			if p == nil || len(p.UnmergedLeaves) == 0 {
				continue
			}
			x := NodeIndex(i)
			for _, child := range []NodeIndex{must2(x.left()), must2(x.right())} {
				var removed []LeafIndex
				for _, l := range p.UnmergedLeaves {
					if inSubtree(l.node(), child) {
						removed = append(removed, l)
					}
				}
				got, err := tree.originalTreeHash(child, removed)
				if err != nil {
					t.Fatal(err)
				}
				// The slow way: a copy with the leaves gone.
				c := tree.clone()
				for _, l := range p.UnmergedLeaves {
					c.setLeaf(l, nil)
				}
				for j := 1; j < len(c.nodes); j += 2 {
					if q := c.nodes[j].parent; q != nil {
						c.setParent(NodeIndex(j), q.withoutUnmerged(p.UnmergedLeaves))
					}
				}
				want, err := c.nodeHash(child)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("trial %d: node %d, child %d: original tree hash differs", trial, x, child)
				}
				checked++
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d original tree hashes checked", checked)
	}
	t.Logf("%d original sibling tree hashes checked", checked)
}

func must2(x NodeIndex, ok bool) NodeIndex {
	if !ok {
		panic("not a parent")
	}
	return x
}

func TestNewRatchetTreeErrors(t *testing.T) {
	s := suite1(t)
	leaf := &Node{Leaf: fakeLeaf(0)}
	parent := &Node{Parent: fakeParent(1)}
	for _, c := range []struct {
		name  string
		nodes []*Node
	}{
		{"empty", nil},
		{"last blank", []*Node{leaf, nil, nil}},
		{"parent at a leaf index", []*Node{parent}},
		{"leaf at a parent index", []*Node{leaf, {Leaf: fakeLeaf(1)}, leaf}},
		{"both set", []*Node{{Leaf: fakeLeaf(0), Parent: fakeParent(0)}}},
		{"neither set", []*Node{{}}},
	} {
		_, err := newRatchetTree(s, c.nodes)
		if !errors.Is(err, ErrInvalidRatchetTree) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Two nodes extend to a full tree of three.
	tree, err := newRatchetTree(s, []*Node{leaf, parent})
	if err != nil || len(tree.nodes) != 3 {
		t.Fatalf("two nodes: %v", err)
	}
	// The encoding drops the trailing blank leaf again.
	if n := tree.wireNodes(); len(n) != 2 {
		t.Fatalf("wire nodes: %d", len(n))
	}
}

func TestParallelEach(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		var calls [100]int
		err := parallelEach(100, workers, func(i int) error { calls[i]++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range calls {
			if c != 1 {
				t.Fatalf("workers %d: index %d called %d times", workers, i, c)
			}
		}
		// The error of the smallest failing index, whatever the order.
		for range 20 {
			err := parallelEach(1000, workers, func(i int) error {
				if i%97 == 13 {
					return fmt.Errorf("index %d", i)
				}
				return nil
			})
			if err == nil || err.Error() != "index 13" {
				t.Fatalf("workers %d: %v", workers, err)
			}
		}
	}
	if err := parallelEach(0, 4, func(int) error { return errors.New("called") }); err != nil {
		t.Fatal(err)
	}
}

// checkTreeStructure makes the checks of validate that a merged path can
// break, all but the leaf nodes (the one new leaf node is validated on its
// own): unmerged leaves, unique keys, parent hashes.
func checkTreeStructure(tree *ratchetTree) error {
	if err := tree.checkUnmergedLeaves(); err != nil {
		return err
	}
	if err := tree.checkTreeKeysUnique(); err != nil {
		return err
	}
	return tree.verifyParentHashes()
}

// TestTreeMemberChecks covers the lookups and checks the group layer makes
// against the members of a tree when a leaf node arrives: findLeaf,
// checkUniqueKeys and checkCredentialSupport (RFC 9420 §7.3, §12.4.3.1).
func TestTreeMemberChecks(t *testing.T) {
	tree := newOneMemberTree(suite1(t), fakeLeaf(0))
	for i := 1; i < 5; i++ {
		if _, err := tree.addLeaf(fakeLeaf(i)); err != nil {
			t.Fatal(err)
		}
	}
	tree.setParent(5, fakeParent(5))

	if l, ok := tree.findLeaf(fakeLeaf(3)); !ok || l != 3 {
		t.Errorf("findLeaf of leaf 3's node: %d, %v", l, ok)
	}
	other := fakeLeaf(3)
	other.Signature = []byte("another signature")
	if _, ok := tree.findLeaf(other); ok {
		t.Error("findLeaf matched a leaf node that differs in its signature")
	}

	if err := tree.checkUniqueKeys(fakeLeaf(9), 5); err != nil {
		t.Errorf("new keys: %v", err)
	}
	if err := tree.checkUniqueKeys(fakeLeaf(2), 2); err != nil {
		t.Errorf("a leaf's own keys count against no one: %v", err)
	}
	dupEnc := fakeLeaf(9)
	dupEnc.EncryptionKey = fakeParent(5).EncryptionKey
	if err := tree.checkUniqueKeys(dupEnc, 5); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("encryption key of a parent: %v", err)
	}
	dupSig := fakeLeaf(9)
	dupSig.SignatureKey = fakeLeaf(1).SignatureKey
	if err := tree.checkUniqueKeys(dupSig, 5); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("signature key of leaf 1: %v", err)
	}

	if err := tree.checkNewLeaf(fakeLeaf(2), 2); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("a leaf node replaced by one with the same encryption key: %v", err)
	}
	replaced := fakeLeaf(9)
	replaced.SignatureKey = fakeLeaf(2).SignatureKey
	if err := tree.checkNewLeaf(replaced, 2); err != nil {
		t.Errorf("a leaf node replaced with a new encryption key: %v", err)
	}
	if err := tree.checkNewLeaf(dupSig, 5); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("checkNewLeaf with a duplicate signature key: %v", err)
	}

	x509Leaf := fakeLeaf(9)
	x509Leaf.Credential = Credential{Type: CredentialTypeX509, Certificates: [][]byte{{1}}}
	x509Leaf.Capabilities.Credentials = []CredentialType{CredentialTypeBasic, CredentialTypeX509}
	if err := tree.checkCredentialSupport(x509Leaf, 5); !errors.Is(err, ErrUnsupportedCapability) {
		t.Errorf("an X.509 member among basic-only members: %v", err)
	}
	narrow := fakeLeaf(9)
	narrow.Capabilities.Credentials = []CredentialType{0x0A0A}
	if err := tree.checkCredentialSupport(narrow, 5); !errors.Is(err, ErrUnsupportedCapability) {
		t.Errorf("a member without basic support: %v", err)
	}
	if err := tree.checkCredentialSupport(fakeLeaf(9), 5); err != nil {
		t.Errorf("a basic member: %v", err)
	}
	if err := tree.checkNewLeaf(x509Leaf, 5); !errors.Is(err, ErrUnsupportedCapability) {
		t.Errorf("checkNewLeaf with an unsupported credential type: %v", err)
	}
}

// TestHashAllParallel checks the parallel tree hash of a tree large
// enough to be split (300 members, 512 leaves) against the serial one,
// and validates the tree with several workers.
func TestHashAllParallel(t *testing.T) {
	f := benchTree(t, 300, false)
	if f.tree.leafCount() < 2*parallelHashLeaves {
		t.Fatalf("%d leaves do not take the parallel path", f.tree.leafCount())
	}
	for _, workers := range []int{1, 2, 5} {
		c := f.tree.clone()
		c.dropHashes()
		got, err := c.hashAll(workers)
		if err != nil || !bytes.Equal(got, f.hash) {
			t.Fatalf("%d workers: tree hash %x, %v; want %x", workers, got, err, f.hash)
		}
		for i := range c.nodes {
			if c.nodes[i].hash == nil {
				t.Fatalf("%d workers: node %d left without a hash", workers, i)
			}
		}
		req, _ := newGroupRequirements(c.suite.id, nil)
		c.dropHashes()
		if err := c.validate(f.groupID, f.hash, req, &ValidationOptions{Workers: workers}); err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
	}
	if got := freshHash(t, f.tree); !bytes.Equal(got, f.hash) {
		t.Fatal("the fixture's cached hash differs from a fresh one")
	}
}
