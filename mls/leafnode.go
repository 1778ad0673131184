package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// Capabilities lists what a client supports (RFC 9420 §7.2). Values this
// package does not know, GREASE values included, are kept as they are.
type Capabilities struct {
	Versions     []ProtocolVersion
	CipherSuites []CipherSuite
	Extensions   []ExtensionType
	Proposals    []ProposalType
	Credentials  []CredentialType
}

func (c *Capabilities) marshal(b *cryptobyte.Builder) {
	marshalUint16List(b, c.Versions)
	marshalUint16List(b, c.CipherSuites)
	marshalUint16List(b, c.Extensions)
	marshalUint16List(b, c.Proposals)
	marshalUint16List(b, c.Credentials)
}

func (c *Capabilities) unmarshal(r *wireReader) {
	unmarshalUint16List(r, "versions", &c.Versions)
	unmarshalUint16List(r, "cipher_suites", &c.CipherSuites)
	unmarshalUint16List(r, "extensions", &c.Extensions)
	unmarshalUint16List(r, "proposals", &c.Proposals)
	unmarshalUint16List(r, "credentials", &c.Credentials)
}

// Lifetime is the validity period of a KeyPackage's leaf node, in seconds
// since the Unix epoch (RFC 9420 §7.2).
type Lifetime struct {
	NotBefore uint64
	NotAfter  uint64
}

// LeafNodeSource says how a LeafNode came to be in the tree (RFC 9420
// §7.2), which decides whether it carries a lifetime or a parent hash.
type LeafNodeSource uint8

// The leaf node sources of RFC 9420 §7.2.
const (
	LeafNodeSourceKeyPackage LeafNodeSource = 1
	LeafNodeSourceUpdate     LeafNodeSource = 2
	LeafNodeSourceCommit     LeafNodeSource = 3
)

func (s LeafNodeSource) String() string {
	switch s {
	case LeafNodeSourceKeyPackage:
		return "key_package"
	case LeafNodeSourceUpdate:
		return "update"
	case LeafNodeSourceCommit:
		return "commit"
	}
	return fmt.Sprintf("LeafNodeSource(%d)", uint8(s))
}

// LeafNode describes one member as it appears in the ratchet tree, signed
// by that member (RFC 9420 §7.2). Lifetime is used only when Source is
// key_package, ParentHash only when it is commit.
type LeafNode struct {
	EncryptionKey []byte // HPKEPublicKey
	SignatureKey  []byte // SignaturePublicKey
	Credential    Credential
	Capabilities  Capabilities
	Source        LeafNodeSource
	Lifetime      Lifetime
	ParentHash    []byte
	Extensions    []Extension
	Signature     []byte
}

// marshalContent writes the fields LeafNode and LeafNodeTBS share: all of
// LeafNode up to and including extensions.
func (ln *LeafNode) marshalContent(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, ln.EncryptionKey)
	tlscodec.AddOpaque(b, ln.SignatureKey)
	ln.Credential.marshal(b)
	ln.Capabilities.marshal(b)
	b.AddUint8(uint8(ln.Source))
	switch ln.Source {
	case LeafNodeSourceKeyPackage:
		b.AddUint64(ln.Lifetime.NotBefore)
		b.AddUint64(ln.Lifetime.NotAfter)
	case LeafNodeSourceUpdate:
	case LeafNodeSourceCommit:
		tlscodec.AddOpaque(b, ln.ParentHash)
	default:
		encodeFailf(b, "leaf_node: unknown leaf_node_source %d", uint8(ln.Source))
		return
	}
	marshalExtensions(b, ln.Extensions)
}

// marshal writes the LeafNode struct of RFC 9420 §7.2.
func (ln *LeafNode) marshal(b *cryptobyte.Builder) {
	ln.marshalContent(b)
	tlscodec.AddOpaque(b, ln.Signature)
}

// unmarshal reads the LeafNode struct of RFC 9420 §7.2.
func (ln *LeafNode) unmarshal(r *wireReader) {
	r.opaque("encryption_key", &ln.EncryptionKey)
	r.opaque("signature_key", &ln.SignatureKey)
	r.field("credential", ln.Credential.unmarshal)
	r.field("capabilities", ln.Capabilities.unmarshal)
	readUint8(r, "leaf_node_source", &ln.Source)
	if !r.ok() {
		return
	}
	switch ln.Source {
	case LeafNodeSourceKeyPackage:
		readUint64(r, "lifetime: not_before", &ln.Lifetime.NotBefore)
		readUint64(r, "lifetime: not_after", &ln.Lifetime.NotAfter)
	case LeafNodeSourceUpdate:
	case LeafNodeSourceCommit:
		r.opaque("parent_hash", &ln.ParentHash)
	default:
		r.failf(ErrMalformed, "leaf_node_source", "unknown leaf node source %d", uint8(ln.Source))
		return
	}
	unmarshalExtensions(r, "extensions", &ln.Extensions)
	r.opaque("signature", &ln.Signature)
}

// marshalLeafNodeTBS encodes the LeafNodeTBS struct of RFC 9420 §7.2, the
// content SignWithLabel(., "LeafNodeTBS", .) signs. groupID and leaf are
// part of it for the update and commit sources and ignored for
// key_package.
func marshalLeafNodeTBS(ln *LeafNode, groupID []byte, leaf LeafIndex) ([]byte, error) {
	return marshalWire("leaf node tbs", func(b *cryptobyte.Builder) {
		ln.marshalContent(b)
		switch ln.Source {
		case LeafNodeSourceUpdate, LeafNodeSourceCommit:
			tlscodec.AddOpaque(b, groupID)
			b.AddUint32(uint32(leaf))
		}
	})
}
