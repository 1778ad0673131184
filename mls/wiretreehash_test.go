package mls

import (
	"bytes"
	"hash"
	"math/bits"
	"testing"
)

// TestTreeHashInputs recomputes every tree hash of tree-validation.json
// (RFC 9420 §7.8) from the encodings of TreeHashInput, and checks
// ParentHashInput (§7.9) on the parent hash links of those trees.
//
// The tree arithmetic here is the minimum needed for the test (Appendix C
// of RFC 9420 on full trees); the package's own lives in treemath.go.
func TestTreeHashInputs(t *testing.T) {
	var cases []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		Tree        hexBytes    `json:"tree"`
		TreeHashes  []hexBytes  `json:"tree_hashes"`
	}
	loadVectors(t, "tree-validation.json", &cases)
	ran, links := 0, 0
	for i, v := range cases {
		nodes, err := unmarshalRatchetTree(v.Tree)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		width := len(v.TreeHashes)
		if width < len(nodes) || bits.OnesCount(uint(width+1)) != 1 {
			t.Fatalf("case %d: %d tree hashes for %d nodes", i, width, len(nodes))
		}
		for len(nodes) < width {
			nodes = append(nodes, nil)
		}
		h := wireTestHash(t, v.CipherSuite)
		hashes := make([][]byte, width)
		var treeHash func(x int) []byte
		treeHash = func(x int) []byte {
			level := bits.TrailingZeros(^uint(x))
			var in []byte
			var err error
			if level == 0 {
				var ln *LeafNode
				if nodes[x] != nil {
					ln = nodes[x].Leaf
				}
				in, err = marshalLeafNodeHashInput(LeafIndex(x/2), ln)
			} else {
				var pn *ParentNode
				if nodes[x] != nil {
					pn = nodes[x].Parent
				}
				left := treeHash(x ^ 1<<(level-1))
				right := treeHash(x ^ 3<<(level-1))
				in, err = marshalParentNodeHashInput(pn, left, right)
			}
			if err != nil {
				t.Fatal(err)
			}
			hashes[x] = wireTestDigest(h, in)
			return hashes[x]
		}
		treeHash(width / 2)
		ok := true
		for x := range width {
			if !bytes.Equal(hashes[x], v.TreeHashes[x]) {
				t.Errorf("case %d: tree hash of node %d differs", i, x)
				ok = false
				break
			}
		}
		if ok {
			ran++
		}
		links += wireTestParentHashLinks(t, h, nodes, hashes)
	}
	requireCount(t, "tree-validation.json (tree hashes)", ran, 98)
	if links == 0 {
		t.Fatal("tree-validation.json: no parent hash link checked")
	}
	t.Logf("tree-validation.json: %d parent hash links matched through ParentHashInput", links)
}

// wireTestParentHashLinks counts the parent nodes P without unmerged
// leaves for which some node of the tree carries, as its parent_hash, the
// hash of P's ParentHashInput taken with one of P's children as the copath
// child (its current tree hash is the original one when P has no unmerged
// leaves). In a valid tree every such non-blank P is linked to (§7.9.2),
// so a mismatch in the encoding shows up as a missing link.
func wireTestParentHashLinks(t *testing.T, h func() hash.Hash, nodes []*Node, hashes [][]byte) int {
	t.Helper()
	carried := map[string]bool{}
	for _, n := range nodes {
		switch {
		case n == nil:
		case n.Leaf != nil && n.Leaf.Source == LeafNodeSourceCommit:
			carried[string(n.Leaf.ParentHash)] = true
		case n.Parent != nil:
			carried[string(n.Parent.ParentHash)] = true
		}
	}
	links := 0
	for x := 1; x < len(nodes); x += 2 {
		if nodes[x] == nil || len(nodes[x].Parent.UnmergedLeaves) > 0 {
			continue
		}
		p := nodes[x].Parent
		level := bits.TrailingZeros(^uint(x))
		linked := false
		for _, sibling := range []int{x ^ 1<<(level-1), x ^ 3<<(level-1)} {
			in, err := marshalParentHashInput(p.EncryptionKey, p.ParentHash, hashes[sibling])
			if err != nil {
				t.Fatal(err)
			}
			if carried[string(wireTestDigest(h, in))] {
				linked = true
			}
		}
		if !linked {
			t.Errorf("parent node %d: no node carries its parent hash", x)
			continue
		}
		links++
	}
	return links
}
