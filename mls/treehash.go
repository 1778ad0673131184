package mls

import "slices"

// Tree hashes of RFC 9420 §7.8, cached per node. The cache invariant: a
// node's hash is cached only if the hashes of its children are, so a
// change invalidates the path from the changed node up to the first node
// already invalid, and recomputation visits only invalid nodes.

// parallelHashLeaves is the size, in leaves, of the subtrees hashAll hands
// to its workers; it also is the smallest tree hashAll spreads out at all.
const parallelHashLeaves = 64

// invalidate drops the cached tree hash of x and of its ancestors.
func (t *ratchetTree) invalidate(x NodeIndex) {
	n := t.leafCount()
	for t.nodes[x].hash != nil {
		t.nodes[x].hash = nil
		p, ok := x.parent(n)
		if !ok {
			return
		}
		x = p
	}
}

// nodeHash returns the tree hash of node x (RFC 9420 §7.8): the hash of
// its TreeHashInput, computing and caching what is missing below it.
func (t *ratchetTree) nodeHash(x NodeIndex) ([]byte, error) {
	nd := &t.nodes[x]
	if nd.hash != nil {
		return nd.hash, nil
	}
	var in []byte
	var err error
	if l, ok := x.leaf(); ok {
		in, err = marshalLeafNodeHashInput(l, nd.leaf)
	} else {
		left, _ := x.left()
		right, _ := x.right()
		var lh, rh []byte
		if lh, err = t.nodeHash(left); err != nil {
			return nil, err
		}
		if rh, err = t.nodeHash(right); err != nil {
			return nil, err
		}
		in, err = marshalParentNodeHashInput(nd.parent, lh, rh)
	}
	if err != nil {
		return nil, newValidationError("ratchet tree", nodeName(x), err, "tree hash", ErrInvalidRatchetTree)
	}
	nd.hash = t.suite.hash(in)
	return nd.hash, nil
}

// treeHash returns the tree hash of the root, the tree_hash of the
// GroupContext (RFC 9420 §8.1).
func (t *ratchetTree) treeHash() ([]byte, error) {
	return t.nodeHash(t.root())
}

// hashAll returns the root tree hash like treeHash, computing the missing
// hashes of large trees on up to workers goroutines: the subtrees of
// parallelHashLeaves leaves are hashed in parallel (each touches only its
// own nodes), then the nodes above them.
func (t *ratchetTree) hashAll(workers int) ([]byte, error) {
	n := t.leafCount()
	if workers > 1 && n >= 2*parallelHashLeaves && t.nodes[t.root()].hash == nil {
		const level = 6 // log2(parallelHashLeaves)
		err := parallelEach(int(n/parallelHashLeaves), workers, func(i int) error {
			_, err := t.nodeHash(NodeIndex(i)<<(level+1) | (1<<level - 1))
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return t.treeHash()
}

// originalTreeHash returns the tree hash node x would have if the leaves in
// removed (sorted, all under x) were blank and gone from every
// unmerged_leaves list: the original_sibling_tree_hash of RFC 9420 §7.9
// when removed is the part of P.unmerged_leaves under x. Only the nodes on
// the paths from the removed leaves up to x are rehashed; the cached hashes
// serve for the rest. It assumes, as validate checks first, that a node
// lists as unmerged only leaves of its own subtree.
func (t *ratchetTree) originalTreeHash(x NodeIndex, removed []LeafIndex) ([]byte, error) {
	if len(removed) == 0 {
		return t.nodeHash(x)
	}
	var in []byte
	var err error
	if l, ok := x.leaf(); ok {
		in, err = marshalLeafNodeHashInput(l, nil)
	} else {
		left, _ := x.left()
		right, _ := x.right()
		split, _ := slices.BinarySearchFunc(removed, x, func(l LeafIndex, x NodeIndex) int {
			return int(int64(l.node()) - int64(x))
		})
		var lh, rh []byte
		if lh, err = t.originalTreeHash(left, removed[:split]); err != nil {
			return nil, err
		}
		if rh, err = t.originalTreeHash(right, removed[split:]); err != nil {
			return nil, err
		}
		pn := t.nodes[x].parent
		if pn != nil {
			pn = pn.withoutUnmerged(removed)
		}
		in, err = marshalParentNodeHashInput(pn, lh, rh)
	}
	if err != nil {
		return nil, newValidationError("ratchet tree", nodeName(x), err, "tree hash", ErrInvalidRatchetTree)
	}
	return t.suite.hash(in), nil
}

// withoutUnmerged returns p, or a copy of p when its unmerged_leaves
// include any of the sorted leaves removed, without them.
func (p *ParentNode) withoutUnmerged(removed []LeafIndex) *ParentNode {
	keep := func(l LeafIndex) bool { return !containsLeaf(removed, l) }
	if !slices.ContainsFunc(p.UnmergedLeaves, func(l LeafIndex) bool { return !keep(l) }) {
		return p
	}
	c := *p
	c.UnmergedLeaves = make([]LeafIndex, 0, len(p.UnmergedLeaves))
	for _, l := range p.UnmergedLeaves {
		if keep(l) {
			c.UnmergedLeaves = append(c.UnmergedLeaves, l)
		}
	}
	return &c
}
