package mls

import (
	"bytes"
	"errors"
	"testing"
)

// The fuzz targets below feed hostile bytes to the tree: a ratchet_tree
// extension to decode and validate as a joiner would, and an UpdatePath to
// merge into a tree and process as a receiver. Whatever the input, nothing
// may panic or hang, failures wrap the package's sentinels, and a tree that
// decodes encodes back to the input.

// fuzzTreeInput is a fuzz input: a cipher suite selector byte, then the
// ratchet tree.
func fuzzTreeInput(cs CipherSuite, tree []byte) []byte {
	return append([]byte{byte(cs)}, tree...)
}

func FuzzRatchetTree(f *testing.F) {
	seen := map[CipherSuite]int{}
	for _, v := range loadTreeValidationVectors(f) {
		// Two trees per suite: a small one and one with blanks and
		// unmerged leaves.
		if seen[v.CipherSuite] < 2 && (seen[v.CipherSuite] == 0 || len(v.TreeHashes) >= 15) {
			f.Add(fuzzTreeInput(v.CipherSuite, v.Tree))
			seen[v.CipherSuite]++
		}
	}
	var kem []treeKEMVector
	loadVectors(f, "treekem.json", &kem)
	f.Add(fuzzTreeInput(kem[0].CipherSuite, kem[0].RatchetTree))
	f.Add(fuzzTreeInput(kem[10].CipherSuite, kem[10].RatchetTree))

	groupID := []byte("fuzz")
	opts := &ValidationOptions{SkipTreeLifetimes: true, Workers: 2}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		cs := CipherSuite(data[0]%7 + 1)
		s, _ := cs.suite()
		tree, err := parseRatchetTree(s, data[1:])
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalidRatchetTree) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		out, err := tree.marshal()
		if err != nil {
			t.Fatalf("a decoded tree does not encode: %v", err)
		}
		if !bytes.Equal(out, data[1:]) {
			t.Fatalf("decoded tree re-encodes differently\n  in %x\n out %x", data[1:], out)
		}
		for i := 0; i < len(tree.nodes); i += 2 {
			tree.filteredDirectPath(LeafIndex(i / 2))
		}
		tree.resolution(nil, tree.root(), nil)
		hash, err := tree.treeHash()
		if err != nil {
			// Only a node that cannot be encoded (none decodes so) fails.
			t.Fatalf("tree hash: %v", err)
		}
		// Validate against the tree's own hash, so that the checks past
		// the tree hash run too.
		req, _ := newGroupRequirements(cs, nil)
		if err := tree.clone().validate(groupID, hash, req, opts); err != nil && !errors.Is(err, ErrInvalidRatchetTree) {
			t.Fatalf("validation error does not wrap ErrInvalidRatchetTree: %v", err)
		}
		// The operations of proposals must not fail on a decoded tree
		// whatever it holds, and keep the cached hash right.
		c := tree.clone()
		if _, err := c.addLeaf(fakeLeaf(-1)); err != nil && !errors.Is(err, ErrInvalidRatchetTree) {
			t.Fatal(err)
		}
		for l := range c.members() {
			if err := c.removeLeaf(l); err != nil {
				t.Fatal(err)
			}
			break
		}
		if got, err := c.treeHash(); err != nil || !bytes.Equal(got, freshHash(t, c)) {
			t.Fatalf("cached hash after add and remove: %v", err)
		}
	})
}

// FuzzMergeUpdatePath merges fuzzed UpdatePaths from fuzzed senders into
// a treekem.json tree of suite 0x0001, and has the members with private
// state process those that merge.
func FuzzMergeUpdatePath(f *testing.F) {
	var cases []treeKEMVector
	loadVectors(f, "treekem.json", &cases)
	v := &cases[0]
	s, _ := v.CipherSuite.suite()
	base := vectorTree(f, v.CipherSuite, v.RatchetTree)
	privs, _ := v.privates(f, s, base)
	for _, u := range v.UpdatePaths {
		f.Add(byte(u.Sender), []byte(u.UpdatePath))
	}
	baseEnc, err := base.marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sender byte, data []byte) {
		path, err := unmarshalUpdatePath(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		tree := base.clone()
		if err := tree.mergeUpdatePath(LeafIndex(sender), path, nil); err != nil {
			if !errors.Is(err, ErrInvalidUpdatePath) {
				t.Fatalf("merge error does not wrap ErrInvalidUpdatePath: %v", err)
			}
			if enc, _ := tree.marshal(); !bytes.Equal(enc, baseEnc) {
				t.Fatal("a failed merge changed the tree")
			}
			return
		}
		hash, err := tree.treeHash()
		if err != nil {
			t.Fatal(err)
		}
		gc := v.groupContextBytes(t, hash)
		for j, p := range privs {
			if j == LeafIndex(sender) || tree.leafNode(j) == nil {
				continue
			}
			p = p.clone()
			if _, err := p.processUpdatePath(s, tree, LeafIndex(sender), path, gc, nil, 0); err != nil && !errors.Is(err, ErrInvalidUpdatePath) {
				t.Fatalf("processing error does not wrap ErrInvalidUpdatePath: %v", err)
			}
		}
	})
}
