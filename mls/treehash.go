package mls

import (
	"hash"
	"slices"

	"golang.org/x/crypto/cryptobyte"
)

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

// treeHasher hashes TreeHashInput structs with one encoding buffer and
// one hash state, which the thousands of nodes of a large tree share; it
// serves one goroutine.
type treeHasher struct {
	s   *suite
	h   hash.Hash
	buf []byte
}

func newTreeHasher(s *suite) *treeHasher {
	return &treeHasher{s: s, h: s.newHash(), buf: make([]byte, 0, marshalWireInitialSize)}
}

// sum returns the hash of what enc writes.
func (th *treeHasher) sum(enc func(b *cryptobyte.Builder)) ([]byte, error) {
	b := cryptobyte.NewBuilder(th.buf[:0])
	enc(b)
	in, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	th.buf = in[:0]
	th.h.Reset()
	th.h.Write(in)
	return th.h.Sum(make([]byte, 0, th.s.nh)), nil
}

// hasher returns the tree's own treeHasher, for hashing on the calling
// goroutine.
func (t *ratchetTree) hasher() *treeHasher {
	if t.th == nil {
		t.th = newTreeHasher(t.suite)
	}
	return t.th
}

// nodeHash returns the tree hash of node x (RFC 9420 §7.8): the hash of
// its TreeHashInput, computing and caching what is missing below it.
func (t *ratchetTree) nodeHash(x NodeIndex) ([]byte, error) {
	return t.nodeHashWith(t.hasher(), x)
}

func (t *ratchetTree) nodeHashWith(th *treeHasher, x NodeIndex) ([]byte, error) {
	nd := &t.nodes[x]
	if nd.hash != nil {
		return nd.hash, nil
	}
	var h []byte
	var err error
	if l, ok := x.leaf(); ok {
		h, err = th.sum(func(b *cryptobyte.Builder) { addLeafNodeHashInput(b, l, nd.leaf) })
	} else {
		left, _ := x.left()
		right, _ := x.right()
		var lh, rh []byte
		if lh, err = t.nodeHashWith(th, left); err != nil {
			return nil, err
		}
		if rh, err = t.nodeHashWith(th, right); err != nil {
			return nil, err
		}
		h, err = th.sum(func(b *cryptobyte.Builder) { addParentNodeHashInput(b, nd.parent, lh, rh) })
	}
	if err != nil {
		return nil, newValidationError("ratchet tree", nodeName(x), wrapEncodeError("tree hash input", err), "tree hash", ErrInvalidRatchetTree)
	}
	nd.hash = h
	return h, nil
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
			_, err := t.nodeHashWith(newTreeHasher(t.suite), NodeIndex(i)<<(level+1)|(1<<level-1))
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
	th := t.hasher()
	var h []byte
	var err error
	if l, ok := x.leaf(); ok {
		h, err = th.sum(func(b *cryptobyte.Builder) { addLeafNodeHashInput(b, l, nil) })
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
		h, err = th.sum(func(b *cryptobyte.Builder) { addParentNodeHashInput(b, pn, lh, rh) })
	}
	if err != nil {
		return nil, newValidationError("ratchet tree", nodeName(x), wrapEncodeError("tree hash input", err), "tree hash", ErrInvalidRatchetTree)
	}
	return h, nil
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
