package mls

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
)

// ratchetTree is the public state of a group's ratchet tree (RFC 9420 §4,
// §7): a full binary tree of 2^d leaves in the array layout of Appendix C,
// each node blank or holding a LeafNode (even indices) or a ParentNode (odd
// indices).
//
// Every node caches its tree hash (§7.8). A change to a node drops the
// cached hash of that node and of its ancestors only, so that after a
// commit, which changes one direct path, the new root hash costs O(log n)
// hashes instead of O(n).
//
// The LeafNode and ParentNode values a tree holds are never modified in
// place: every change installs a new value. A clone therefore shares them
// with the original and costs one copy of the node array, which is how a
// commit is staged before it is merged. A ratchetTree is not safe for
// concurrent use; validate and hashAll use goroutines internally only.
type ratchetTree struct {
	suite *suite
	nodes []treeNode // len = 2*leaves - 1
	th    *treeHasher
}

// treeNode is one node of a ratchetTree: blank when leaf and parent are
// both nil. hash is its tree hash, or nil when not computed since the node
// or one of its descendants last changed.
type treeNode struct {
	leaf   *LeafNode
	parent *ParentNode
	hash   []byte
}

func (n *treeNode) isBlank() bool { return n.leaf == nil && n.parent == nil }

// newRatchetTree makes a tree from the nodes of a ratchet_tree extension
// (RFC 9420 §12.4.3.3), in array order with nil for blank, extending it on
// the right with blanks to the width 2^(d+1)-1 of a full tree. The tree
// takes ownership of the LeafNode and ParentNode values. It checks only the
// structure (leaves at even indices, parents at odd ones, the last node not
// blank); validate makes the checks of §12.4.3.1.
func newRatchetTree(s *suite, nodes []*Node) (*ratchetTree, error) {
	if len(nodes) == 0 {
		return nil, newValidationError("ratchet tree", "", nil, "no nodes", ErrInvalidRatchetTree)
	}
	if nodes[len(nodes)-1] == nil {
		return nil, treeErrorf(NodeIndex(len(nodes)-1), nil, "the last node is blank")
	}
	leaves := uint32(1)
	for int(nodeWidth(leaves)) < len(nodes) {
		if leaves >= maxLeaves {
			return nil, newValidationError("ratchet tree", "", nil, fmt.Sprintf("%d nodes exceed the largest tree", len(nodes)), ErrInvalidRatchetTree)
		}
		leaves *= 2
	}
	t := &ratchetTree{suite: s, nodes: make([]treeNode, nodeWidth(leaves))}
	for i, n := range nodes {
		if n == nil {
			continue
		}
		x := NodeIndex(i)
		switch {
		case n.Leaf != nil && n.Parent == nil && x.isLeaf():
			t.nodes[i].leaf = n.Leaf
		case n.Parent != nil && n.Leaf == nil && !x.isLeaf():
			t.nodes[i].parent = n.Parent
		default:
			return nil, treeErrorf(x, nil, "a leaf must be at an even index, a parent at an odd one")
		}
	}
	return t, nil
}

// parseRatchetTree decodes the ratchet_tree extension data of RFC 9420
// §12.4.3.3 into a tree for suite s. The tree is well formed but not
// validated.
func parseRatchetTree(s *suite, data []byte) (*ratchetTree, error) {
	nodes, err := unmarshalRatchetTree(data)
	if err != nil {
		return nil, err
	}
	return newRatchetTree(s, nodes)
}

// newOneMemberTree returns the tree of a new group (RFC 9420 §11): one
// leaf, the creator's.
func newOneMemberTree(s *suite, creator *LeafNode) *ratchetTree {
	return &ratchetTree{suite: s, nodes: []treeNode{{leaf: creator}}}
}

// wireNodes returns the nodes as the ratchet_tree extension lists them:
// array order, nil for blank, without the blank nodes after the last
// non-blank one. The Node values share the tree's LeafNode and ParentNode
// values, which must not be modified.
func (t *ratchetTree) wireNodes() []*Node {
	end := len(t.nodes)
	for end > 0 && t.nodes[end-1].isBlank() {
		end--
	}
	out := make([]*Node, end)
	backing := make([]Node, end)
	for i := range end {
		n := &t.nodes[i]
		if n.isBlank() {
			continue
		}
		backing[i] = Node{Leaf: n.leaf, Parent: n.parent}
		out[i] = &backing[i]
	}
	return out
}

// marshal encodes the tree as the data of a ratchet_tree extension (RFC
// 9420 §12.4.3.3).
func (t *ratchetTree) marshal() ([]byte, error) {
	return marshalRatchetTree(t.wireNodes())
}

// clone returns a copy of t that can be changed without changing t. The
// copy shares the immutable node values and cached hashes, not the hasher,
// so that t and the clone may be used on different goroutines.
func (t *ratchetTree) clone() *ratchetTree {
	return &ratchetTree{suite: t.suite, nodes: slices.Clone(t.nodes)}
}

// leafCount returns the number of leaves, blank ones included: a power of
// two.
func (t *ratchetTree) leafCount() uint32 { return uint32(len(t.nodes)+1) / 2 }

// root returns the root node index.
func (t *ratchetTree) root() NodeIndex { return rootNode(t.leafCount()) }

// inTree reports whether x is a node of t.
func (t *ratchetTree) inTree(x NodeIndex) bool { return int64(x) < int64(len(t.nodes)) }

// isBlank reports whether node x is blank; nodes outside the tree are.
func (t *ratchetTree) isBlank(x NodeIndex) bool {
	return !t.inTree(x) || t.nodes[x].isBlank()
}

// leafNode returns the LeafNode at leaf l, or nil if it is blank or outside
// the tree. The caller must not modify it.
func (t *ratchetTree) leafNode(l LeafIndex) *LeafNode {
	if uint64(l) >= uint64(t.leafCount()) {
		return nil
	}
	return t.nodes[l.node()].leaf
}

// parentNode returns the ParentNode at node x, or nil if it is blank, a
// leaf or outside the tree. The caller must not modify it.
func (t *ratchetTree) parentNode(x NodeIndex) *ParentNode {
	if t.inTree(x) {
		return t.nodes[x].parent
	}
	return nil
}

// encryptionKey returns the HPKE public key held at node x, or nil if the
// node is blank.
func (t *ratchetTree) encryptionKey(x NodeIndex) []byte {
	if !t.inTree(x) {
		return nil
	}
	n := &t.nodes[x]
	switch {
	case n.leaf != nil:
		return n.leaf.EncryptionKey
	case n.parent != nil:
		return n.parent.EncryptionKey
	}
	return nil
}

// members iterates over the non-blank leaves in index order.
func (t *ratchetTree) members() iter.Seq2[LeafIndex, *LeafNode] {
	return func(yield func(LeafIndex, *LeafNode) bool) {
		for i := 0; i < len(t.nodes); i += 2 {
			if ln := t.nodes[i].leaf; ln != nil {
				if !yield(LeafIndex(i/2), ln) {
					return
				}
			}
		}
	}
}

// findLeaf returns the leaf whose LeafNode is identical to ln, as a joiner
// looks for the leaf of its KeyPackage (RFC 9420 §12.4.3.1).
func (t *ratchetTree) findLeaf(ln *LeafNode) (LeafIndex, bool) {
	var want []byte
	for l, m := range t.members() {
		if !bytes.Equal(m.EncryptionKey, ln.EncryptionKey) {
			continue
		}
		if want == nil {
			var err error
			if want, err = marshalWire("leaf node", ln.marshal); err != nil {
				return 0, false
			}
		}
		if got, err := marshalWire("leaf node", m.marshal); err == nil && bytes.Equal(got, want) {
			return l, true
		}
	}
	return 0, false
}

// setLeaf sets leaf l to ln (nil blanks it).
func (t *ratchetTree) setLeaf(l LeafIndex, ln *LeafNode) {
	x := l.node()
	t.nodes[x].leaf = ln
	t.invalidate(x)
}

// setParent sets parent node x to pn (nil blanks it).
func (t *ratchetTree) setParent(x NodeIndex, pn *ParentNode) {
	t.nodes[x].parent = pn
	t.invalidate(x)
}

// blankDirectPath blanks every node on the direct path of leaf l (RFC 9420
// §7.4, §12.1.2, §12.1.3).
func (t *ratchetTree) blankDirectPath(l LeafIndex) {
	n := t.leafCount()
	for x, ok := l.node().parent(n); ok; x, ok = x.parent(n) {
		if t.nodes[x].parent != nil {
			t.setParent(x, nil)
		}
	}
}

// extend doubles the number of leaves: a new blank root whose left subtree
// is the old tree and whose right subtree is blank (RFC 9420 §7.7). The
// node indices of the old tree do not change.
func (t *ratchetTree) extend() error {
	n := t.leafCount()
	if n >= maxLeaves {
		return newValidationError("ratchet tree", "", nil, fmt.Sprintf("cannot grow beyond %d leaves", n), ErrInvalidRatchetTree)
	}
	t.nodes = append(t.nodes, make([]treeNode, nodeWidth(2*n)-uint32(len(t.nodes)))...)
	return nil
}

// truncate removes the right half of the tree while all its leaves are
// blank (RFC 9420 §7.7, §12.1.3), down to one leaf.
func (t *ratchetTree) truncate() {
	for n := t.leafCount(); n > 1; n /= 2 {
		for x := n; x < uint32(len(t.nodes)); x += 2 {
			if t.nodes[x].leaf != nil {
				return
			}
		}
		clear(t.nodes[n-1:]) // drop references held by the removed nodes
		t.nodes = t.nodes[:n-1]
	}
}

// leftmostBlankLeaf returns the leftmost blank leaf, extending the tree
// when there is none (RFC 9420 §12.1.1; an external joiner's leaf,
// §12.4.3.2).
func (t *ratchetTree) leftmostBlankLeaf() (LeafIndex, error) {
	for i := 0; i < len(t.nodes); i += 2 {
		if t.nodes[i].leaf == nil {
			return LeafIndex(i / 2), nil
		}
	}
	n := t.leafCount()
	if err := t.extend(); err != nil {
		return 0, err
	}
	return LeafIndex(n), nil
}

// addLeaf adds the member described by ln, as an Add proposal does (RFC
// 9420 §12.1.1): in the leftmost blank leaf L, extending the tree if there
// is none, and with L added to the unmerged_leaves of every non-blank
// parent above it. It returns L.
func (t *ratchetTree) addLeaf(ln *LeafNode) (LeafIndex, error) {
	l, err := t.leftmostBlankLeaf()
	if err != nil {
		return 0, err
	}
	n := t.leafCount()
	for x, ok := l.node().parent(n); ok; x, ok = x.parent(n) {
		if p := t.nodes[x].parent; p != nil {
			t.setParent(x, p.withUnmerged(l))
		}
	}
	t.setLeaf(l, ln)
	return l, nil
}

// withUnmerged returns a copy of p with leaf l inserted into its sorted
// unmerged_leaves.
func (p *ParentNode) withUnmerged(l LeafIndex) *ParentNode {
	c := *p
	i, found := slices.BinarySearch(p.UnmergedLeaves, l)
	if !found {
		c.UnmergedLeaves = slices.Insert(slices.Clip(p.UnmergedLeaves), i, l)
	}
	return &c
}

// updateLeaf replaces the LeafNode of member l with ln and blanks its
// direct path, as an Update proposal does (RFC 9420 §12.1.2).
func (t *ratchetTree) updateLeaf(l LeafIndex, ln *LeafNode) error {
	if t.leafNode(l) == nil {
		return treeErrorf(l.node(), nil, "update of a blank leaf")
	}
	t.setLeaf(l, ln)
	t.blankDirectPath(l)
	return nil
}

// removeLeaf blanks member l and its direct path, then truncates the tree,
// as a Remove proposal does (RFC 9420 §12.1.3).
func (t *ratchetTree) removeLeaf(l LeafIndex) error {
	if t.leafNode(l) == nil {
		return treeErrorf(l.node(), nil, "removal of a blank leaf")
	}
	t.setLeaf(l, nil)
	t.blankDirectPath(l)
	t.truncate()
	return nil
}

// resolution appends to dst the resolution of node x (RFC 9420 §4.1.1):
// x itself and its unmerged leaves if x is not blank, nothing for a blank
// leaf, and the resolutions of the children of a blank parent, left first.
// Leaves in excluded (sorted) are left out, as the new members of a commit
// are when path secrets are encrypted (§7.6).
func (t *ratchetTree) resolution(dst []NodeIndex, x NodeIndex, excluded []LeafIndex) []NodeIndex {
	n := &t.nodes[x]
	switch {
	case n.leaf != nil:
		if l, _ := x.leaf(); !containsLeaf(excluded, l) {
			dst = append(dst, x)
		}
	case n.parent != nil:
		dst = append(dst, x)
		for _, l := range n.parent.UnmergedLeaves {
			if !containsLeaf(excluded, l) {
				dst = append(dst, l.node())
			}
		}
	case !x.isLeaf():
		left, _ := x.left()
		right, _ := x.right()
		dst = t.resolution(dst, left, excluded)
		dst = t.resolution(dst, right, excluded)
	}
	return dst
}

// containsLeaf reports whether the sorted list holds l.
func containsLeaf(sorted []LeafIndex, l LeafIndex) bool {
	if len(sorted) == 0 {
		return false
	}
	_, found := slices.BinarySearch(sorted, l)
	return found
}

// subtreeSpan returns the first and last node index of the subtree under
// x: in the array layout a subtree is a contiguous run of nodes.
func subtreeSpan(x NodeIndex) (lo, hi NodeIndex) {
	half := NodeIndex(1)<<x.level() - 1
	return x - half, x + half
}

// inSubtree reports whether node y is x or a descendant of x.
func inSubtree(y, x NodeIndex) bool {
	lo, hi := subtreeSpan(x)
	return lo <= y && y <= hi
}

// subtreeBlank reports whether every node under x, x included, is blank:
// then and only then is the resolution of x empty.
func (t *ratchetTree) subtreeBlank(x NodeIndex) bool {
	lo, hi := subtreeSpan(x)
	for i := lo; i <= hi; i++ {
		if !t.nodes[i].isBlank() {
			return false
		}
	}
	return true
}

// copathChild returns the child of parent p that is not on the path from
// leaf l to p: the node whose resolution a path secret for p is encrypted
// to (RFC 9420 §7.5).
func copathChild(p NodeIndex, l LeafIndex) NodeIndex {
	left, _ := p.left()
	right, _ := p.right()
	if l.node() < p {
		return right
	}
	return left
}

// filteredDirectPath returns the filtered direct path of leaf l (RFC 9420
// §4.1.2): its direct path, leaf to root, without the nodes whose child on
// l's copath has an empty resolution.
func (t *ratchetTree) filteredDirectPath(l LeafIndex) []NodeIndex {
	path := directPath(l.node(), t.leafCount())
	out := path[:0]
	for _, p := range path {
		if !t.subtreeBlank(copathChild(p, l)) {
			out = append(out, p)
		}
	}
	return out
}
