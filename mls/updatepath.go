package mls

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// HPKECiphertext is the output of an HPKE encryption (RFC 9420 §7.6): the
// encapsulated key and the AEAD ciphertext.
type HPKECiphertext struct {
	KEMOutput  []byte
	Ciphertext []byte
}

func (c *HPKECiphertext) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, c.KEMOutput)
	tlscodec.AddOpaque(b, c.Ciphertext)
}

func (c *HPKECiphertext) unmarshal(r *wireReader) {
	r.opaque("kem_output", &c.KEMOutput)
	r.opaque("ciphertext", &c.Ciphertext)
}

// UpdatePathNode is one parent node of an UpdatePath (RFC 9420 §7.6): its
// new public key, and its path secret encrypted to each node of the
// resolution of the corresponding copath node.
type UpdatePathNode struct {
	EncryptionKey       []byte // HPKEPublicKey
	EncryptedPathSecret []HPKECiphertext
}

func (n *UpdatePathNode) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, n.EncryptionKey)
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for i := range n.EncryptedPathSecret {
			n.EncryptedPathSecret[i].marshal(b)
		}
	})
}

func (n *UpdatePathNode) unmarshal(r *wireReader) {
	r.opaque("encryption_key", &n.EncryptionKey)
	n.EncryptedPathSecret = readVector(r, "encrypted_path_secret", (*HPKECiphertext).unmarshal)
}

// UpdatePath is the committer's new leaf node and new keys for the parent
// nodes of its filtered direct path, in the same order (RFC 9420 §7.6).
type UpdatePath struct {
	LeafNode LeafNode
	Nodes    []UpdatePathNode
}

func (p *UpdatePath) marshal(b *cryptobyte.Builder) {
	p.LeafNode.marshal(b)
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for i := range p.Nodes {
			p.Nodes[i].marshal(b)
		}
	})
}

func (p *UpdatePath) unmarshal(r *wireReader) {
	r.field("leaf_node", p.LeafNode.unmarshal)
	p.Nodes = readVector(r, "nodes", (*UpdatePathNode).unmarshal)
}

// marshalUpdatePath encodes an UpdatePath struct.
func marshalUpdatePath(p *UpdatePath) ([]byte, error) {
	return marshalWire("update path", p.marshal)
}

// unmarshalUpdatePath decodes an UpdatePath struct that fills data exactly.
func unmarshalUpdatePath(data []byte) (*UpdatePath, error) {
	p := new(UpdatePath)
	if err := unmarshalWire("update path", data, p.unmarshal); err != nil {
		return nil, err
	}
	return p, nil
}
