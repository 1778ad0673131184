package mls

import (
	"slices"
	"testing"
)

// treeMathVector is one entry of tree-math.json; null entries of the
// arrays (no such node) decode as nil.
type treeMathVector struct {
	NLeaves uint32    `json:"n_leaves"`
	NNodes  uint32    `json:"n_nodes"`
	Root    NodeIndex `json:"root"`
	Left    []*NodeIndex
	Right   []*NodeIndex
	Parent  []*NodeIndex
	Sibling []*NodeIndex
}

// TestTreeMathVectors checks every field of every entry of tree-math.json:
// n_nodes, root, and left, right, parent and sibling of every node.
func TestTreeMathVectors(t *testing.T) {
	var vectors []treeMathVector
	loadVectors(t, "tree-math.json", &vectors)
	checked, fields := 0, 0
	for _, v := range vectors {
		if got := nodeWidth(v.NLeaves); got != v.NNodes {
			t.Errorf("n=%d: nodeWidth = %d, want %d", v.NLeaves, got, v.NNodes)
		}
		if got := rootNode(v.NLeaves); got != v.Root {
			t.Errorf("n=%d: root = %d, want %d", v.NLeaves, got, v.Root)
		}
		for name, arr := range map[string][]*NodeIndex{"left": v.Left, "right": v.Right, "parent": v.Parent, "sibling": v.Sibling} {
			if len(arr) != int(v.NNodes) {
				t.Fatalf("n=%d: %s has %d entries, want %d", v.NLeaves, name, len(arr), v.NNodes)
			}
		}
		for i := range v.NNodes {
			x := NodeIndex(i)
			checkOptNode(t, v.NLeaves, x, "left", v.Left[i], func() (NodeIndex, bool) { return x.left() })
			checkOptNode(t, v.NLeaves, x, "right", v.Right[i], func() (NodeIndex, bool) { return x.right() })
			checkOptNode(t, v.NLeaves, x, "parent", v.Parent[i], func() (NodeIndex, bool) { return x.parent(v.NLeaves) })
			checkOptNode(t, v.NLeaves, x, "sibling", v.Sibling[i], func() (NodeIndex, bool) { return x.sibling(v.NLeaves) })
			fields += 4
		}
		checked++
	}
	requireCount(t, "tree-math.json", checked, len(vectors))
	// 4 fields for each of the 2036 nodes of the trees of 1, 2, ..., 512 leaves.
	if fields != 8144 {
		t.Errorf("checked %d node fields in %d trees", fields, len(vectors))
	}
	t.Logf("tree-math.json: %d node fields checked (left, right, parent, sibling)", fields)
}

func checkOptNode(t *testing.T, n uint32, x NodeIndex, what string, want *NodeIndex, f func() (NodeIndex, bool)) {
	t.Helper()
	got, ok := f()
	switch {
	case want == nil && ok:
		t.Errorf("n=%d: %s(%d) = %d, want none", n, what, x, got)
	case want != nil && !ok:
		t.Errorf("n=%d: %s(%d) = none, want %d", n, what, x, *want)
	case want != nil && got != *want:
		t.Errorf("n=%d: %s(%d) = %d, want %d", n, what, x, got, *want)
	}
}

// TestTreeMathPaths checks direct paths and copaths against the table of
// RFC 9420 §4.1.2 for the eight-leaf tree of its Figure 11.
func TestTreeMathPaths(t *testing.T) {
	// Labels of Figure 11: leaves A B _ _ E F G H at nodes 0..14 even,
	// T=1 V=5 X=9 Z=13, U=3 Y=11, W=7.
	const (
		A, B, E, F, G NodeIndex = 0, 2, 8, 10, 12
		T, U, V, W    NodeIndex = 1, 3, 5, 7
		X, Y, Z       NodeIndex = 9, 11, 13
	)
	tests := []struct {
		leaf           NodeIndex
		direct, copath []NodeIndex
	}{
		{A, []NodeIndex{T, U, W}, []NodeIndex{B, V, Y}},
		{B, []NodeIndex{T, U, W}, []NodeIndex{A, V, Y}},
		{E, []NodeIndex{X, Y, W}, []NodeIndex{F, Z, U}},
		{F, []NodeIndex{X, Y, W}, []NodeIndex{E, Z, U}},
		{G, []NodeIndex{Z, Y, W}, []NodeIndex{14, X, U}},
	}
	for _, tt := range tests {
		if got := directPath(tt.leaf, 8); !slices.Equal(got, tt.direct) {
			t.Errorf("directPath(%d) = %v, want %v", tt.leaf, got, tt.direct)
		}
		if got := copath(tt.leaf, 8); !slices.Equal(got, tt.copath) {
			t.Errorf("copath(%d) = %v, want %v", tt.leaf, got, tt.copath)
		}
	}
	if got := directPath(W, 8); got == nil || len(got) != 0 {
		t.Errorf("directPath(root) = %#v, want empty", got)
	}
	if got := copath(W, 8); got == nil || len(got) != 0 {
		t.Errorf("copath(root) = %#v, want empty", got)
	}
	if got := directPath(15, 8); got != nil {
		t.Errorf("directPath(15) in an 8-leaf tree = %v, want nil", got)
	}
	if got := copath(15, 8); got != nil {
		t.Errorf("copath(15) in an 8-leaf tree = %v, want nil", got)
	}
}

// TestTreeMathProperties checks the tree math against its definitions on
// every node of every tree up to 256 leaves: children and parents agree,
// siblings are distinct children of one parent, the direct path is the
// chain of parents, the copath the siblings along it, and the common
// ancestor is the lowest node shared by both nodes' paths
// (Appendix C common_ancestor_semantic).
func TestTreeMathProperties(t *testing.T) {
	for n := uint32(1); n <= 256; n *= 2 {
		w := nodeWidth(n)
		for i := range w {
			x := NodeIndex(i)
			if l, ok := x.left(); ok {
				r, _ := x.right()
				pl, _ := l.parent(n)
				pr, _ := r.parent(n)
				if pl != x || pr != x || !(l < x && x < r) || l.level() != x.level()-1 || r.level() != x.level()-1 {
					t.Fatalf("n=%d: node %d children %d, %d inconsistent", n, x, l, r)
				}
			} else if !x.isLeaf() {
				t.Fatalf("n=%d: parent node %d has no left child", n, x)
			}
			if l, ok := x.leaf(); ok != x.isLeaf() || (ok && l.node() != x) {
				t.Fatalf("n=%d: leaf(%d) = %d, %v", n, x, l, ok)
			}
			if s, ok := x.sibling(n); ok {
				ps, _ := s.parent(n)
				px, _ := x.parent(n)
				if s == x || ps != px {
					t.Fatalf("n=%d: sibling(%d) = %d with another parent", n, x, s)
				}
			}
			dp := directPath(x, n)
			var want []NodeIndex
			for y, ok := x.parent(n); ok; y, ok = y.parent(n) {
				want = append(want, y)
			}
			if !slices.Equal(dp, want) {
				t.Fatalf("n=%d: directPath(%d) = %v, want %v", n, x, dp, want)
			}
			cp := copath(x, n)
			if len(cp) != len(dp) {
				t.Fatalf("n=%d: copath(%d) has %d nodes, direct path %d", n, x, len(cp), len(dp))
			}
			chain := append([]NodeIndex{x}, dp...)
			for j := range cp {
				if s, _ := chain[j].sibling(n); s != cp[j] {
					t.Fatalf("n=%d: copath(%d)[%d] = %d, want %d", n, x, j, cp[j], s)
				}
			}
			if n > 64 {
				continue // the pairwise check is quadratic
			}
			for k := range w {
				y := NodeIndex(k)
				if got, want := commonAncestor(x, y), commonAncestorSemantic(x, y, n); got != want {
					t.Fatalf("n=%d: commonAncestor(%d, %d) = %d, want %d", n, x, y, got, want)
				}
			}
		}
	}
}

// commonAncestorSemantic is Appendix C common_ancestor_semantic: the node
// of lowest level in both {x} ∪ directPath(x) and {y} ∪ directPath(y).
func commonAncestorSemantic(x, y NodeIndex, n uint32) NodeIndex {
	dx := append([]NodeIndex{x}, directPath(x, n)...)
	dy := append([]NodeIndex{y}, directPath(y, n)...)
	best, found := NodeIndex(0), false
	for _, a := range dx {
		if slices.Contains(dy, a) && (!found || a.level() < best.level()) {
			best, found = a, true
		}
	}
	return best
}

// TestTreeMathLimits checks the largest tree (2^31 leaves, node indices up
// to 2^32-2) and the rejection of invalid sizes and out-of-tree nodes.
func TestTreeMathLimits(t *testing.T) {
	const n = maxLeaves
	if got, want := nodeWidth(n), uint32(1<<32-1); got != want {
		t.Errorf("nodeWidth(2^31) = %d, want %d", got, want)
	}
	root := rootNode(n)
	if root != 1<<31-1 || root.level() != 31 {
		t.Errorf("root(2^31) = %d at level %d", root, root.level())
	}
	last := LeafIndex(n - 1).node()
	if last != 1<<32-2 {
		t.Fatalf("last leaf node = %d", last)
	}
	dp := directPath(last, n)
	if len(dp) != 31 || dp[len(dp)-1] != root {
		t.Errorf("directPath(last leaf) has %d nodes ending at %d", len(dp), dp[len(dp)-1])
	}
	if got := commonAncestor(0, last); got != root {
		t.Errorf("commonAncestor(first, last) = %d, want root %d", got, root)
	}
	if p, ok := last.parent(n); !ok || p != 1<<32-3 {
		t.Errorf("parent(last leaf) = %d, %v", p, ok)
	}
	if s, ok := last.sibling(n); !ok || s != 1<<32-4 {
		t.Errorf("sibling(last leaf) = %d, %v", s, ok)
	}
	if r, ok := root.right(); !ok || r != 3<<30-1 {
		t.Errorf("right(root) = %d, %v", r, ok)
	}
	if _, ok := NodeIndex(1<<32 - 1).left(); ok {
		t.Error("left(2^32-1) is defined")
	}
	if _, ok := NodeIndex(1<<32 - 1).parent(n); ok {
		t.Error("parent(2^32-1) is defined")
	}
	for _, bad := range []uint32{0, 3, 6, 1<<31 + 1, 1<<32 - 1} {
		if validLeafCount(bad) || nodeWidth(bad) != 0 {
			t.Errorf("leaf count %d accepted", bad)
		}
		if _, ok := NodeIndex(0).parent(bad); ok {
			t.Errorf("parent defined in a tree of %d leaves", bad)
		}
	}
	if _, ok := NodeIndex(7).parent(4); ok {
		t.Error("parent(7) defined in a 4-leaf tree")
	}
	if _, ok := NodeIndex(3).parent(4); ok {
		t.Error("the root of a 4-leaf tree has a parent")
	}
}

// FuzzTreeMath checks that the tree math never panics and stays inside the
// tree for arbitrary node indices and leaf counts.
func FuzzTreeMath(f *testing.F) {
	f.Add(uint32(0), uint32(1))
	f.Add(uint32(5), uint32(4))
	f.Add(uint32(1<<32-2), uint32(1<<31))
	f.Add(uint32(1<<32-1), uint32(1<<31))
	f.Fuzz(func(t *testing.T, x, n uint32) {
		node := NodeIndex(x)
		in := node.inTree(n)
		if p, ok := node.parent(n); ok && (!in || !p.inTree(n) || p.level() <= node.level()) {
			t.Fatalf("parent(%d, %d) = %d", x, n, p)
		}
		if s, ok := node.sibling(n); ok && (!s.inTree(n) || s.level() != node.level()) {
			t.Fatalf("sibling(%d, %d) = %d", x, n, s)
		}
		if in {
			for _, c := range [2]func() (NodeIndex, bool){node.left, node.right} {
				if y, ok := c(); ok && !y.inTree(n) {
					t.Fatalf("child %d of %d outside a %d-leaf tree", y, x, n)
				}
			}
		}
		dp, cp := directPath(node, n), copath(node, n)
		if len(dp) != len(cp) || (in && (len(dp) == 0) != (node == rootNode(n))) {
			t.Fatalf("paths of %d in %d leaves: %v %v", x, n, dp, cp)
		}
		_ = commonAncestor(node, NodeIndex(n))
	})
}
