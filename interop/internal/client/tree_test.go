package client

import (
	"testing"

	"github.com/sealroom/sealroom/mls"
)

// testTree returns a group of alice with bob, carol, dave and erin in
// suite cs, with carol removed again (a blank leaf) and a path (parent
// nodes), and its encoded ratchet tree.
func testTree(t testing.TB, cs mls.CipherSuite) (*mls.Group, []byte) {
	t.Helper()
	g := newTestGroup(t, cs, "alice")
	var adds []mls.Proposal
	for _, id := range []string{"bob", "carol", "dave", "erin"} {
		kp, _, err := newKeyPackage(cs, basicCredential([]byte(id)))
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, &mls.AddProposal{KeyPackage: *kp})
	}
	carol := mls.LeafIndex(2)
	for _, byValue := range [][]mls.Proposal{adds, {&mls.RemoveProposal{Removed: carol}}} {
		if _, err := g.Commit(&mls.CommitOptions{ByValue: byValue, ForcePath: true}); err != nil {
			t.Fatal(err)
		}
		if err := g.MergePendingCommit(); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := g.RatchetTree()
	if err != nil {
		t.Fatal(err)
	}
	return g, tree
}

// TestLeafByIdentity reads the trees of groups in every suite and finds
// each member where the group does.
func TestLeafByIdentity(t *testing.T) {
	for _, cs := range suites {
		g, tree := testTree(t, cs)
		found := 0
		for _, id := range []string{"alice", "bob", "carol", "dave", "erin", "zoe"} {
			want, wantOK := g.MemberByIdentity([]byte(id))
			got, ok, err := leafByIdentity(tree, []byte(id))
			if err != nil || ok != wantOK || got != want {
				t.Errorf("%v: leafByIdentity(%q) = %d, %v, %v; want %d, %v", cs, id, got, ok, err, want, wantOK)
			}
			if ok {
				found++
			}
		}
		if found != 4 {
			t.Errorf("%v: found %d members, want 4 (carol removed, zoe never in)", cs, found)
		}
	}
}

// TestLeafByIdentityMalformed checks that every truncation of a tree, a
// trailing byte, and nodes of the wrong type or at the wrong index are
// rejected.
func TestLeafByIdentityMalformed(t *testing.T) {
	_, tree := testTree(t, mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
	for n := range len(tree) {
		if _, _, err := leafByIdentity(tree[:n], []byte("dave")); err == nil {
			t.Fatalf("a tree truncated to %d of %d bytes was accepted", n, len(tree))
		}
	}
	// A minimal leaf node: empty keys, basic credential "id", empty
	// capabilities, source update, no extensions, empty signature; and a
	// minimal parent node.
	leaf := []byte{0, 0, 0, 1, 2, 'i', 'd', 0, 0, 0, 0, 0, 2, 0, 0}
	parent := []byte{0, 0, 0}
	node := func(typ byte, body []byte) []byte { return append([]byte{1, typ}, body...) }
	vector := func(parts ...[]byte) []byte {
		var body []byte
		for _, p := range parts {
			body = append(body, p...)
		}
		return append([]byte{byte(len(body))}, body...)
	}
	if got, ok, err := leafByIdentity(vector(node(1, leaf), node(2, parent), node(1, leaf)), []byte("id")); err != nil || !ok || got != 0 {
		t.Fatalf("well-formed minimal tree: %d, %v, %v", got, ok, err)
	}
	cases := map[string][]byte{
		"trailing byte":        append(append([]byte(nil), tree...), 0),
		"parent at leaf index": vector(node(2, parent)),
		"leaf at parent index": vector([]byte{0}, node(1, leaf)),
		"unknown node type":    vector(node(3, parent)),
		"bad presence byte":    vector([]byte{2, 1}, leaf),
		"bad leaf source":      vector(node(1, append(append([]byte(nil), leaf[:12]...), 4, 0, 0))),
	}
	for name, b := range cases {
		if _, _, err := leafByIdentity(b, []byte("id")); err == nil {
			t.Errorf("%s: %x accepted", name, b)
		}
	}
	if _, ok, err := leafByIdentity([]byte{0}, []byte("x")); err != nil || ok {
		t.Errorf("empty tree: %v, %v", ok, err)
	}
}

// FuzzLeafByIdentity feeds arbitrary bytes to the tree reader: it must
// never panic, and a leaf it finds must lie within the input's nodes.
func FuzzLeafByIdentity(f *testing.F) {
	for _, cs := range []mls.CipherSuite{mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256} {
		_, tree := testTree(f, cs)
		f.Add(tree, []byte("dave"))
	}
	f.Add([]byte{0}, []byte("x"))
	f.Fuzz(func(t *testing.T, tree, identity []byte) {
		leaf, ok, err := leafByIdentity(tree, identity)
		if err != nil && ok {
			t.Fatalf("found leaf %d and error %v", leaf, err)
		}
		// Every node takes at least one byte.
		if ok && int(leaf)*2 >= len(tree) {
			t.Fatalf("leaf %d in a %d-byte tree", leaf, len(tree))
		}
	})
}
