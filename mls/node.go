package mls

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// ParentNode is the public content of a parent node of the ratchet tree
// (RFC 9420 §7.1). UnmergedLeaves lists, in increasing order, the leaves
// below it that do not know its private key.
type ParentNode struct {
	EncryptionKey  []byte // HPKEPublicKey
	ParentHash     []byte
	UnmergedLeaves []LeafIndex
}

func (p *ParentNode) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, p.EncryptionKey)
	tlscodec.AddOpaque(b, p.ParentHash)
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, l := range p.UnmergedLeaves {
			b.AddUint32(uint32(l))
		}
	})
}

func (p *ParentNode) unmarshal(r *wireReader) {
	r.opaque("encryption_key", &p.EncryptionKey)
	r.opaque("parent_hash", &p.ParentHash)
	p.UnmergedLeaves = readVector(r, "unmerged_leaves", func(l *LeafIndex, r *wireReader) {
		readUint32(r, "", l)
	})
}

// nodeType is the NodeType enum of RFC 9420 §7.8 and §12.4.3.3.
type nodeType uint8

const (
	nodeTypeLeaf   nodeType = 1
	nodeTypeParent nodeType = 2
)

// Node is a non-blank node of a ratchet tree as the ratchet_tree extension
// carries it (RFC 9420 §12.4.3.3): exactly one of Leaf and Parent is set.
// In a tree, leaves sit at even node indices and parents at odd ones.
type Node struct {
	Leaf   *LeafNode
	Parent *ParentNode
}

func (n *Node) marshal(b *cryptobyte.Builder) {
	switch {
	case n.Leaf != nil && n.Parent == nil:
		b.AddUint8(uint8(nodeTypeLeaf))
		n.Leaf.marshal(b)
	case n.Parent != nil && n.Leaf == nil:
		b.AddUint8(uint8(nodeTypeParent))
		n.Parent.marshal(b)
	default:
		encodeFailf(b, "node: exactly one of Leaf and Parent must be set")
	}
}

func (n *Node) unmarshal(r *wireReader) {
	var t nodeType
	readUint8(r, "node_type", &t)
	if !r.ok() {
		return
	}
	switch t {
	case nodeTypeLeaf:
		n.Leaf = new(LeafNode)
		r.field("leaf_node", n.Leaf.unmarshal)
	case nodeTypeParent:
		n.Parent = new(ParentNode)
		r.field("parent_node", n.Parent.unmarshal)
	default:
		r.failf(ErrMalformed, "node_type", "unknown node type %d", uint8(t))
	}
}

// marshalRatchetTree encodes optional<Node> ratchet_tree<V> (RFC 9420
// §12.4.3.3): nodes in array order, nil for a blank node. The sender must
// not include blank nodes after the last non-blank one, so the last entry
// must be non-nil; leaves must sit at even indices and parents at odd ones.
func marshalRatchetTree(nodes []*Node) ([]byte, error) {
	return marshalWire("ratchet tree", func(b *cryptobyte.Builder) {
		if len(nodes) == 0 || nodes[len(nodes)-1] == nil {
			encodeFailf(b, "the last node is blank")
			return
		}
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for i, n := range nodes {
				if n != nil && (n.Leaf == nil) != (n.Parent == nil) && (n.Leaf != nil) != (i%2 == 0) {
					encodeFailf(b, "node %d: a leaf must be at an even index, a parent at an odd one", i)
					return
				}
				tlscodec.AddOptional(b, n != nil, func(b *cryptobyte.Builder) { n.marshal(b) })
			}
		})
	})
}

// unmarshalRatchetTree decodes optional<Node> ratchet_tree<V> (RFC 9420
// §12.4.3.3) into nodes in array order, nil for blank. It checks what is
// structural: the tree is not empty, its last node is not blank (the
// receiver check of §12.4.3.3), and leaves and parents are at even and odd
// indices. The receiver extends the tree with blanks to 2^(d+1)-1 nodes.
func unmarshalRatchetTree(data []byte) ([]*Node, error) {
	var nodes []*Node
	err := unmarshalWire("ratchet tree", data, func(r *wireReader) {
		i := 0
		nodes = readVector(r, "ratchet_tree", func(n **Node, r *wireReader) {
			if r.optional("") {
				*n = new(Node)
				(*n).unmarshal(r)
				if r.ok() && ((*n).Leaf != nil) != (i%2 == 0) {
					r.failf(ErrMalformed, "", "a leaf must be at an even index, a parent at an odd one")
				}
			}
			i++
		})
		if !r.ok() {
			return
		}
		if len(nodes) == 0 {
			r.failf(ErrMalformed, "ratchet_tree", "empty tree")
		} else if nodes[len(nodes)-1] == nil {
			r.failf(ErrMalformed, "ratchet_tree", "the last node is blank")
		}
	})
	if err != nil {
		return nil, err
	}
	return nodes, nil
}

// marshalLeafNodeHashInput encodes the TreeHashInput of RFC 9420 §7.8 for
// a leaf node: node_type leaf, then LeafNodeHashInput with the leaf index
// and the leaf node, nil for a blank leaf.
func marshalLeafNodeHashInput(leaf LeafIndex, ln *LeafNode) ([]byte, error) {
	return marshalWire("tree hash input", func(b *cryptobyte.Builder) { addLeafNodeHashInput(b, leaf, ln) })
}

// addLeafNodeHashInput writes what marshalLeafNodeHashInput encodes to b,
// for callers that hash many nodes with one buffer.
func addLeafNodeHashInput(b *cryptobyte.Builder, leaf LeafIndex, ln *LeafNode) {
	b.AddUint8(uint8(nodeTypeLeaf))
	b.AddUint32(uint32(leaf))
	tlscodec.AddOptional(b, ln != nil, func(b *cryptobyte.Builder) { ln.marshal(b) })
}

// marshalParentNodeHashInput encodes the TreeHashInput of RFC 9420 §7.8
// for a parent node: node_type parent, then ParentNodeHashInput with the
// parent node (nil for blank) and the tree hashes of its children.
func marshalParentNodeHashInput(pn *ParentNode, leftHash, rightHash []byte) ([]byte, error) {
	return marshalWire("tree hash input", func(b *cryptobyte.Builder) { addParentNodeHashInput(b, pn, leftHash, rightHash) })
}

// addParentNodeHashInput writes what marshalParentNodeHashInput encodes to
// b, for callers that hash many nodes with one buffer.
func addParentNodeHashInput(b *cryptobyte.Builder, pn *ParentNode, leftHash, rightHash []byte) {
	b.AddUint8(uint8(nodeTypeParent))
	tlscodec.AddOptional(b, pn != nil, func(b *cryptobyte.Builder) { pn.marshal(b) })
	tlscodec.AddOpaque(b, leftHash)
	tlscodec.AddOpaque(b, rightHash)
}

// marshalParentHashInput encodes the ParentHashInput struct of RFC 9420
// §7.9: the parent hash of a node P is the hash of this, with P's
// encryption key, P's own parent_hash field, and the tree hash of P's
// copath child as it was before the update.
func marshalParentHashInput(encryptionKey, parentHash, originalSiblingTreeHash []byte) ([]byte, error) {
	return marshalWire("parent hash input", func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, encryptionKey)
		tlscodec.AddOpaque(b, parentHash)
		tlscodec.AddOpaque(b, originalSiblingTreeHash)
	})
}
