package mls

import "math/bits"

// LeafIndex numbers the leaves of the ratchet tree from the left, starting
// at 0 (RFC 9420 §4.1, §7).
type LeafIndex uint32

// NodeIndex numbers all nodes of the ratchet tree in the array
// representation of RFC 9420 Appendix C: leaves at even indices, parents
// at odd ones.
type NodeIndex uint32

// Tree math of RFC 9420 Appendix C on the array representation. Every MLS
// tree is a full binary tree (§4.1, §7.8): its leaf count n is a power of
// two. The package bounds n by maxLeaves = 2^31, so that the node width
// 2n-1 and every node index fit a uint32 and no computation below can
// overflow. Functions that take n report ok = false (or return nil) for a
// node outside the tree or an invalid n instead of panicking, since indices
// often come from the wire.

// maxLeaves is the largest leaf count the tree math accepts.
const maxLeaves = 1 << 31

// validLeafCount reports whether n is a leaf count of an MLS tree: a power
// of two between 1 and maxLeaves.
func validLeafCount(n uint32) bool {
	return n != 0 && n <= maxLeaves && n&(n-1) == 0
}

// nodeWidth returns the number of nodes of a tree with n leaves, 2(n-1)+1
// (Appendix C node_width), or 0 for an invalid n.
func nodeWidth(n uint32) uint32 {
	if !validLeafCount(n) {
		return 0
	}
	return 2*(n-1) + 1
}

// rootNode returns the root of a tree with n leaves (Appendix C root). For
// a full tree it is node n-1. It returns 0 for an invalid n.
func rootNode(n uint32) NodeIndex {
	if !validLeafCount(n) {
		return 0
	}
	return NodeIndex(n - 1)
}

// node returns the node index of leaf l, 2l (Appendix C). Leaves of a valid
// tree are below 2^31, whose node indices fit a uint32.
func (l LeafIndex) node() NodeIndex {
	return NodeIndex(uint32(l) << 1)
}

// isLeaf reports whether x is a leaf node (even index).
func (x NodeIndex) isLeaf() bool {
	return x&1 == 0
}

// leaf returns the leaf index of leaf node x; ok is false for a parent.
func (x NodeIndex) leaf() (l LeafIndex, ok bool) {
	if !x.isLeaf() {
		return 0, false
	}
	return LeafIndex(x >> 1), true
}

// level returns the height of x above the leaves (Appendix C level): the
// number of trailing one bits of its index.
func (x NodeIndex) level() int {
	return bits.TrailingZeros32(^uint32(x))
}

// inTree reports whether x is a node of a tree with n leaves.
func (x NodeIndex) inTree(n uint32) bool {
	return validLeafCount(n) && uint32(x) < nodeWidth(n)
}

// left returns the left child of parent node x (Appendix C left); ok is
// false for a leaf.
func (x NodeIndex) left() (NodeIndex, bool) {
	k := x.level()
	if k == 0 || k >= 32 {
		return 0, false
	}
	return x ^ (1 << (k - 1)), true
}

// right returns the right child of parent node x (Appendix C right); ok is
// false for a leaf.
func (x NodeIndex) right() (NodeIndex, bool) {
	k := x.level()
	if k == 0 || k >= 32 {
		return 0, false
	}
	return x ^ (3 << (k - 1)), true
}

// parent returns the parent of x in a tree with n leaves (Appendix C
// parent); ok is false for the root or a node outside the tree.
func (x NodeIndex) parent(n uint32) (NodeIndex, bool) {
	if !x.inTree(n) || x == rootNode(n) {
		return 0, false
	}
	// Below the root, level(x) <= 30, so the shifts stay within 32 bits.
	k := x.level()
	b := (uint32(x) >> (k + 1)) & 1
	return NodeIndex((uint32(x) | 1<<k) ^ b<<(k+1)), true
}

// sibling returns the other child of x's parent in a tree with n leaves
// (Appendix C sibling); ok is false for the root or a node outside the
// tree.
func (x NodeIndex) sibling(n uint32) (NodeIndex, bool) {
	p, ok := x.parent(n)
	if !ok {
		return 0, false
	}
	if x < p {
		return p.right()
	}
	return p.left()
}

// directPath returns the direct path of x in a tree with n leaves, ordered
// from x's parent up to the root (RFC 9420 §4.1.2, Appendix C
// direct_path). It is empty for the root and nil for a node outside the
// tree.
func directPath(x NodeIndex, n uint32) []NodeIndex {
	if !x.inTree(n) {
		return nil
	}
	path := make([]NodeIndex, 0, rootNode(n).level()-x.level())
	for {
		p, ok := x.parent(n)
		if !ok {
			return path
		}
		path = append(path, p)
		x = p
	}
}

// copath returns the copath of x in a tree with n leaves, ordered from x's
// sibling up to the child of the root (RFC 9420 §4.1.2, Appendix C copath):
// the siblings of x and of every node of its direct path but the root.
func copath(x NodeIndex, n uint32) []NodeIndex {
	if !x.inTree(n) {
		return nil
	}
	path := make([]NodeIndex, 0, rootNode(n).level()-x.level())
	for {
		s, ok := x.sibling(n)
		if !ok {
			return path
		}
		path = append(path, s)
		x, _ = x.parent(n)
	}
}

// commonAncestor returns the lowest node that is x or y or an ancestor of
// both (Appendix C common_ancestor_direct). It depends only on the indices:
// in any tree that holds both x and y the result is the same node.
func commonAncestor(x, y NodeIndex) NodeIndex {
	// One node is an ancestor of (or equal to) the other.
	lx, ly := uint(x.level())+1, uint(y.level())+1
	if lx <= ly && uint64(x)>>ly == uint64(y)>>ly {
		return y
	}
	if ly <= lx && uint64(x)>>lx == uint64(y)>>lx {
		return x
	}
	// Otherwise strip the low bits until the prefixes agree; the ancestor
	// is the node with that prefix followed by 0 and then all ones.
	xn, yn := uint64(x), uint64(y)
	k := uint(0)
	for xn != yn {
		xn, yn = xn>>1, yn>>1
		k++
	}
	return NodeIndex(xn<<k + 1<<(k-1) - 1)
}
