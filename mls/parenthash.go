package mls

import (
	"bytes"
	"slices"
)

// Parent hashes of RFC 9420 §7.9: computing them along a new path (§7.9,
// §7.5) and verifying that every parent node of a received tree is
// parent-hash valid (§7.9.2).

// parentHash returns the parent hash of a node P with copath child S: the
// hash of ParentHashInput{P.encryption_key, P.parent_hash,
// original_sibling_tree_hash} (RFC 9420 §7.9).
func (s *suite) parentHash(encryptionKey, parentHash, originalSiblingTreeHash []byte) ([]byte, error) {
	in, err := marshalParentHashInput(encryptionKey, parentHash, originalSiblingTreeHash)
	if err != nil {
		return nil, err
	}
	return s.hash(in), nil
}

// pathParentHashes computes the parent hashes of the filtered direct path
// fdp of leaf l were its nodes given the public keys pubs (in fdp order)
// and no unmerged leaves, as an UpdatePath does (RFC 9420 §7.5, §7.9):
// from the root down, parentHashes[i] is the parent_hash field of fdp[i]
// (empty for the root) and leafParentHash the parent_hash of l's new leaf
// node. Applying the path does not change the subtrees of l's copath, so
// their tree hashes, the original sibling tree hashes, are taken from t as
// it is, before or after the path is applied.
func (t *ratchetTree) pathParentHashes(l LeafIndex, fdp []NodeIndex, pubs [][]byte) (parentHashes [][]byte, leafParentHash []byte, err error) {
	parentHashes = make([][]byte, len(fdp))
	next := []byte{}
	for i := len(fdp) - 1; i >= 0; i-- {
		parentHashes[i] = next
		sibling, err := t.nodeHash(copathChild(fdp[i], l))
		if err != nil {
			return nil, nil, err
		}
		if next, err = t.suite.parentHash(pubs[i], parentHashes[i], sibling); err != nil {
			return nil, nil, treeErrorf(fdp[i], nil, "parent hash input: %v", err)
		}
	}
	return parentHashes, next, nil
}

// applyPath puts a new path into the tree (RFC 9420 §7.5): it blanks the
// direct path of leaf l, gives each node of the filtered direct path fdp
// its public key and parent hash with no unmerged leaves, and sets leaf l
// to ln.
func (t *ratchetTree) applyPath(l LeafIndex, fdp []NodeIndex, pubs, parentHashes [][]byte, ln *LeafNode) {
	t.blankDirectPath(l)
	for i, x := range fdp {
		t.setParent(x, &ParentNode{EncryptionKey: pubs[i], ParentHash: parentHashes[i], UnmergedLeaves: []LeafIndex{}})
	}
	t.setLeaf(l, ln)
}

// parentHashField returns the parent_hash a node carries: that of a parent
// node, or of a leaf node whose source is commit. ok is false for other
// leaves and blank nodes, which carry none.
func (t *ratchetTree) parentHashField(x NodeIndex) (ph []byte, ok bool) {
	n := &t.nodes[x]
	switch {
	case n.parent != nil:
		return n.parent.ParentHash, true
	case n.leaf != nil && n.leaf.Source == LeafNodeSourceCommit:
		return n.leaf.ParentHash, true
	}
	return nil, false
}

// verifyParentHashes checks that every non-blank parent node P is
// parent-hash valid (RFC 9420 §7.9.2), top down: exactly one descendant D
// of P is such that, with C the child of P above D and S the other,
//
//   - D is in the resolution of C, and the unmerged leaves of P under C
//     are the resolution of C without D;
//   - D's parent_hash is the parent hash of P with copath child S.
//
// Since each such D lies strictly below its P, every P then chains down to
// a leaf. The first condition leaves at most one candidate D per child, so
// each P costs two resolutions and at most two parent hashes; the
// resolutions of all children of all nodes add up to O(n log n) entries,
// and an original sibling tree hash rehashes only the paths of the leaves
// unmerged at P (see originalTreeHash). The unmerged leaves must have been
// checked first (checkUnmergedLeaves).
func (t *ratchetTree) verifyParentHashes() error {
	var res []NodeIndex
	for i := 1; i < len(t.nodes); i += 2 {
		p := t.nodes[i].parent
		if p == nil {
			continue
		}
		x := NodeIndex(i)
		left, _ := x.left()
		right, _ := x.right()
		// Unmerged leaves are sorted; those left of x are under the left
		// child.
		split, _ := slices.BinarySearchFunc(p.UnmergedLeaves, x, func(l LeafIndex, x NodeIndex) int {
			return int(int64(l.node()) - int64(x))
		})
		unmergedLeft, unmergedRight := p.UnmergedLeaves[:split], p.UnmergedLeaves[split:]
		valid := 0
		for _, side := range [2]struct {
			c, s   NodeIndex
			uc, us []LeafIndex
		}{
			{left, right, unmergedLeft, unmergedRight},
			{right, left, unmergedRight, unmergedLeft},
		} {
			res = t.resolution(res[:0], side.c, nil)
			if len(res) != len(side.uc)+1 {
				continue
			}
			d, ok := soleNodeNotIn(res, side.uc)
			if !ok {
				continue
			}
			dph, ok := t.parentHashField(d)
			if !ok {
				continue
			}
			sibling, err := t.originalTreeHash(side.s, side.us)
			if err != nil {
				return err
			}
			ph, err := t.suite.parentHash(p.EncryptionKey, p.ParentHash, sibling)
			if err != nil {
				return treeErrorf(x, ErrParentHashMismatch, "parent hash input: %v", err)
			}
			if bytes.Equal(dph, ph) {
				valid++
			}
		}
		switch valid {
		case 0:
			return treeErrorf(x, ErrParentHashMismatch, "parent hash does not match")
		case 2:
			return treeErrorf(x, ErrParentHashMismatch, "both children carry its parent hash")
		}
	}
	return nil
}

// soleNodeNotIn returns the one node of res that is not a leaf of the
// sorted list leaves; ok is false if there is not exactly one. With
// len(res) = len(leaves)+1 and res free of repeats, that makes res without
// it equal to leaves as a set.
func soleNodeNotIn(res []NodeIndex, leaves []LeafIndex) (NodeIndex, bool) {
	var d NodeIndex
	found := 0
	for _, y := range res {
		if l, isLeaf := y.leaf(); isLeaf && containsLeaf(leaves, l) {
			continue
		}
		d = y
		found++
	}
	return d, found == 1
}
