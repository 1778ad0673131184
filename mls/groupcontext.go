package mls

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// GroupContext summarizes the state of a group in one epoch (RFC 9420
// §8.1). Its version is always mls10. Every member computes the same
// GroupContext; it enters the key schedule, signatures and the GroupInfo.
type GroupContext struct {
	CipherSuite             CipherSuite
	GroupID                 []byte
	Epoch                   uint64
	TreeHash                []byte
	ConfirmedTranscriptHash []byte
	Extensions              []Extension
}

// marshal writes the GroupContext struct of RFC 9420 §8.1.
func (gc *GroupContext) marshal(b *cryptobyte.Builder) {
	b.AddUint16(uint16(ProtocolVersionMLS10))
	b.AddUint16(uint16(gc.CipherSuite))
	tlscodec.AddOpaque(b, gc.GroupID)
	b.AddUint64(gc.Epoch)
	tlscodec.AddOpaque(b, gc.TreeHash)
	tlscodec.AddOpaque(b, gc.ConfirmedTranscriptHash)
	marshalExtensions(b, gc.Extensions)
}

// unmarshal reads the GroupContext struct of RFC 9420 §8.1, rejecting a
// version other than mls10.
func (gc *GroupContext) unmarshal(r *wireReader) {
	var version ProtocolVersion
	readUint16(r, "version", &version)
	if r.ok() && version != ProtocolVersionMLS10 {
		r.failf(ErrUnsupportedVersion, "version", "unsupported protocol version %v", version)
		return
	}
	readUint16(r, "cipher_suite", &gc.CipherSuite)
	r.opaque("group_id", &gc.GroupID)
	readUint64(r, "epoch", &gc.Epoch)
	r.opaque("tree_hash", &gc.TreeHash)
	r.opaque("confirmed_transcript_hash", &gc.ConfirmedTranscriptHash)
	unmarshalExtensions(r, "extensions", &gc.Extensions)
}

// marshalGroupContext encodes a GroupContext struct, the context of
// ExpandWithLabel in the key schedule (RFC 9420 §8) among others.
func marshalGroupContext(gc *GroupContext) ([]byte, error) {
	return marshalWire("group context", gc.marshal)
}

// unmarshalGroupContext decodes a GroupContext struct that fills data
// exactly.
func unmarshalGroupContext(data []byte) (*GroupContext, error) {
	gc := new(GroupContext)
	if err := unmarshalWire("group context", data, gc.unmarshal); err != nil {
		return nil, err
	}
	return gc, nil
}
