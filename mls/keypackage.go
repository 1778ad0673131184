package mls

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// KeyPackage is a signed object a client publishes so that others can add
// it to groups (RFC 9420 §10). InitKey is the HPKE public key a Welcome is
// encrypted to; LeafNode is the leaf the client will occupy.
//
// A decoded KeyPackage is only well formed; the checks of RFC 9420 §10.1
// (signature, suite, capabilities, lifetime) are made elsewhere.
type KeyPackage struct {
	Version     ProtocolVersion
	CipherSuite CipherSuite
	InitKey     []byte // HPKEPublicKey
	LeafNode    LeafNode
	Extensions  []Extension
	Signature   []byte
}

// marshalContent writes the KeyPackageTBS fields (all but the signature).
func (kp *KeyPackage) marshalContent(b *cryptobyte.Builder) {
	b.AddUint16(uint16(kp.Version))
	b.AddUint16(uint16(kp.CipherSuite))
	tlscodec.AddOpaque(b, kp.InitKey)
	kp.LeafNode.marshal(b)
	marshalExtensions(b, kp.Extensions)
}

// marshal writes the KeyPackage struct of RFC 9420 §10.
func (kp *KeyPackage) marshal(b *cryptobyte.Builder) {
	kp.marshalContent(b)
	tlscodec.AddOpaque(b, kp.Signature)
}

// unmarshal reads the KeyPackage struct of RFC 9420 §10.
func (kp *KeyPackage) unmarshal(r *wireReader) {
	readUint16(r, "version", &kp.Version)
	readUint16(r, "cipher_suite", &kp.CipherSuite)
	r.opaque("init_key", &kp.InitKey)
	r.field("leaf_node", kp.LeafNode.unmarshal)
	unmarshalExtensions(r, "extensions", &kp.Extensions)
	r.opaque("signature", &kp.Signature)
}

// Marshal encodes kp as the KeyPackage struct of RFC 9420 §10 (without an
// MLSMessage around it).
func (kp *KeyPackage) Marshal() ([]byte, error) {
	return marshalWire("key package", kp.marshal)
}

// UnmarshalKeyPackage decodes a KeyPackage struct (RFC 9420 §10) that
// fills data exactly. The result does not alias data.
func UnmarshalKeyPackage(data []byte) (*KeyPackage, error) {
	kp := new(KeyPackage)
	if err := unmarshalWire("key package", data, kp.unmarshal); err != nil {
		return nil, err
	}
	return kp, nil
}

// marshalKeyPackageTBS encodes the KeyPackageTBS struct of RFC 9420 §10,
// the content SignWithLabel(., "KeyPackageTBS", .) signs.
func marshalKeyPackageTBS(kp *KeyPackage) ([]byte, error) {
	return marshalWire("key package tbs", kp.marshalContent)
}
