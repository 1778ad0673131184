package mls

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

// treeVectorTime is a moment inside the lifetimes of every key_package
// leaf of tree-validation.json (created 2023-02-20, valid one year), so
// that the trees validate with the lifetime check on.
var treeVectorTime = time.Unix(1690000000, 0)

// treeVectorOptions are the validation options of the tree vectors: the
// clock pinned inside the leaves' lifetimes, everything else default.
func treeVectorOptions() *ValidationOptions {
	return &ValidationOptions{Now: func() time.Time { return treeVectorTime }}
}

type treeValidationVector struct {
	CipherSuite CipherSuite   `json:"cipher_suite"`
	Tree        hexBytes      `json:"tree"`
	GroupID     hexBytes      `json:"group_id"`
	TreeHashes  []hexBytes    `json:"tree_hashes"`
	Resolutions [][]NodeIndex `json:"resolutions"`
}

// treeValidationCount is the number of cases of tree-validation.json:
// fourteen trees for each of the seven suites.
const treeValidationCount = 98

func loadTreeValidationVectors(t testing.TB) []treeValidationVector {
	t.Helper()
	var cases []treeValidationVector
	loadVectors(t, "tree-validation.json", &cases)
	if len(cases) != treeValidationCount {
		t.Fatalf("tree-validation.json holds %d cases, want %d", len(cases), treeValidationCount)
	}
	return cases
}

// vectorTree parses a vector's ratchet tree for suite cs.
func vectorTree(t testing.TB, cs CipherSuite, data []byte) *ratchetTree {
	t.Helper()
	s, err := cs.suite()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := parseRatchetTree(s, data)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestTreeValidationVectors runs tree-validation.json (RFC 9420 §4.1.1,
// §7.8, §7.9.2, §12.4.3.1): in every case the resolution and the tree hash
// of every node match, and the tree passes the full validation a joiner
// makes (tree hash, parent hashes, unmerged leaves, unique keys, and every
// leaf node with its signature, capabilities and lifetime). Counts are
// per suite; every field of every case is compared.
func TestTreeValidationVectors(t *testing.T) {
	cases := loadTreeValidationVectors(t)
	ran, resolutions, hashes := 0, 0, 0
	bySuite := map[CipherSuite]int{}
	for i, v := range cases {
		tree := vectorTree(t, v.CipherSuite, v.Tree)
		if len(tree.nodes) != len(v.TreeHashes) || len(tree.nodes) != len(v.Resolutions) {
			t.Errorf("case %d: %d nodes, vector has %d tree hashes and %d resolutions", i, len(tree.nodes), len(v.TreeHashes), len(v.Resolutions))
			continue
		}
		ok := true
		for x := range tree.nodes {
			res := tree.resolution(nil, NodeIndex(x), nil)
			if !slices.Equal(res, v.Resolutions[x]) {
				t.Errorf("case %d: resolution of node %d is %v, want %v", i, x, res, v.Resolutions[x])
				ok = false
			} else {
				resolutions++
			}
			h, err := tree.nodeHash(NodeIndex(x))
			if err != nil || !bytes.Equal(h, v.TreeHashes[x]) {
				t.Errorf("case %d: tree hash of node %d: %x, %v; want %x", i, x, h, err, v.TreeHashes[x])
				ok = false
			} else {
				hashes++
			}
		}
		// A fresh copy, so that validate computes every hash itself.
		fresh := vectorTree(t, v.CipherSuite, v.Tree)
		req, _ := newGroupRequirements(v.CipherSuite, nil)
		if err := fresh.validate(v.GroupID, v.TreeHashes[len(v.TreeHashes)/2], req, treeVectorOptions()); err != nil {
			t.Errorf("case %d (suite %v): %v", i, v.CipherSuite, err)
			ok = false
		}
		if ok {
			ran++
			bySuite[v.CipherSuite]++
		}
	}
	requireCount(t, "tree-validation.json", ran, treeValidationCount)
	for cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519; cs <= MLS_256_DHKEMP384_AES256GCM_SHA384_P384; cs++ {
		if bySuite[cs] != treeValidationCount/7 {
			t.Errorf("suite %v: %d cases passed, want %d", cs, bySuite[cs], treeValidationCount/7)
		}
	}
	t.Logf("tree-validation.json: %d resolutions and %d tree hashes matched; per suite %v", resolutions, hashes, bySuite)
}

// TestTreeValidationVectorsParallelism validates every vector tree with
// one worker and with eight, which must agree.
func TestTreeValidationVectorsParallelism(t *testing.T) {
	cases := loadTreeValidationVectors(t)
	for _, workers := range []int{1, 8} {
		ran := 0
		for i, v := range cases {
			opts := treeVectorOptions()
			opts.Workers = workers
			tree := vectorTree(t, v.CipherSuite, v.Tree)
			req, _ := newGroupRequirements(v.CipherSuite, nil)
			if err := tree.validate(v.GroupID, v.TreeHashes[len(v.TreeHashes)/2], req, opts); err != nil {
				t.Errorf("workers %d: case %d: %v", workers, i, err)
				continue
			}
			ran++
		}
		requireCount(t, fmt.Sprintf("tree-validation.json with %d workers", workers), ran, treeValidationCount)
	}
}

// TestTreeValidationVectorsRoundTrip checks that every vector tree
// re-encodes to its bytes through the tree type.
func TestTreeValidationVectorsRoundTrip(t *testing.T) {
	cases := loadTreeValidationVectors(t)
	ran := 0
	for i, v := range cases {
		out, err := vectorTree(t, v.CipherSuite, v.Tree).marshal()
		if err != nil || !bytes.Equal(out, v.Tree) {
			t.Errorf("case %d: re-encoding differs (%v)", i, err)
			continue
		}
		ran++
	}
	requireCount(t, "tree-validation.json (round trip)", ran, treeValidationCount)
}

// TestTreeOperationsVectors runs tree-operations.json (RFC 9420 §12.1.1–
// §12.1.3): the tree hash before, the proposal applied to tree_before by
// proposal_sender, the encoding and the tree hash after.
func TestTreeOperationsVectors(t *testing.T) {
	var cases []struct {
		CipherSuite    CipherSuite `json:"cipher_suite"`
		TreeBefore     hexBytes    `json:"tree_before"`
		Proposal       hexBytes    `json:"proposal"`
		ProposalSender LeafIndex   `json:"proposal_sender"`
		TreeHashBefore hexBytes    `json:"tree_hash_before"`
		TreeAfter      hexBytes    `json:"tree_after"`
		TreeHashAfter  hexBytes    `json:"tree_hash_after"`
	}
	loadVectors(t, "tree-operations.json", &cases)
	ran := 0
	byType := map[ProposalType]int{}
	for i, v := range cases {
		tree := vectorTree(t, v.CipherSuite, v.TreeBefore)
		before, err := tree.treeHash()
		if err != nil || !bytes.Equal(before, v.TreeHashBefore) {
			t.Errorf("case %d: tree hash before %x, %v; want %x", i, before, err, v.TreeHashBefore)
			continue
		}
		p, err := unmarshalProposalBytes(v.Proposal)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		switch p := p.(type) {
		case *AddProposal:
			_, err = tree.addLeaf(&p.KeyPackage.LeafNode)
		case *UpdateProposal:
			err = tree.updateLeaf(v.ProposalSender, &p.LeafNode)
		case *RemoveProposal:
			err = tree.removeLeaf(p.Removed)
		default:
			t.Fatalf("case %d: proposal type %v", i, p.ProposalType())
		}
		if err != nil {
			t.Errorf("case %d: applying %v: %v", i, p.ProposalType(), err)
			continue
		}
		out, err := tree.marshal()
		if err != nil || !bytes.Equal(out, v.TreeAfter) {
			t.Errorf("case %d (%v): tree after differs (%v)\n got %x\nwant %x", i, p.ProposalType(), err, out, v.TreeAfter)
			continue
		}
		after, err := tree.treeHash()
		if err != nil || !bytes.Equal(after, v.TreeHashAfter) {
			t.Errorf("case %d (%v): tree hash after %x, %v; want %x", i, p.ProposalType(), after, err, v.TreeHashAfter)
			continue
		}
		// The cached hashes must equal those of the tree decoded afresh.
		fresh, err := vectorTree(t, v.CipherSuite, v.TreeAfter).treeHash()
		if err != nil || !bytes.Equal(fresh, after) {
			t.Errorf("case %d: cached tree hash differs from a fresh one", i)
			continue
		}
		ran++
		byType[p.ProposalType()]++
	}
	requireCount(t, "tree-operations.json", ran, 5)
	if byType[ProposalTypeAdd] == 0 || byType[ProposalTypeUpdate] == 0 || byType[ProposalTypeRemove] == 0 {
		t.Errorf("proposal types covered: %v", byType)
	}
	t.Logf("tree-operations.json: by proposal type %v", byType)
}
