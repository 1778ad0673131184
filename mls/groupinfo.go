package mls

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// GroupInfo is what a new member needs to join a group, signed by the
// member at leaf Signer (RFC 9420 §12.4.3). It travels encrypted in a
// Welcome, or in the clear for external joins.
type GroupInfo struct {
	GroupContext    GroupContext
	Extensions      []Extension
	ConfirmationTag []byte // MAC
	Signer          LeafIndex
	Signature       []byte
}

// marshalContent writes the GroupInfoTBS fields (all but the signature).
func (gi *GroupInfo) marshalContent(b *cryptobyte.Builder) {
	gi.GroupContext.marshal(b)
	marshalExtensions(b, gi.Extensions)
	tlscodec.AddOpaque(b, gi.ConfirmationTag)
	b.AddUint32(uint32(gi.Signer))
}

// marshal writes the GroupInfo struct of RFC 9420 §12.4.3.
func (gi *GroupInfo) marshal(b *cryptobyte.Builder) {
	gi.marshalContent(b)
	tlscodec.AddOpaque(b, gi.Signature)
}

// unmarshal reads the GroupInfo struct of RFC 9420 §12.4.3.
func (gi *GroupInfo) unmarshal(r *wireReader) {
	r.field("group_context", gi.GroupContext.unmarshal)
	unmarshalExtensions(r, "extensions", &gi.Extensions)
	r.opaque("confirmation_tag", &gi.ConfirmationTag)
	readUint32(r, "signer", &gi.Signer)
	r.opaque("signature", &gi.Signature)
}

// Marshal encodes gi as the GroupInfo struct of RFC 9420 §12.4.3 (without
// an MLSMessage around it; this is also the plaintext of a Welcome's
// encrypted_group_info).
func (gi *GroupInfo) Marshal() ([]byte, error) {
	return marshalWire("group info", gi.marshal)
}

// UnmarshalGroupInfo decodes a GroupInfo struct (RFC 9420 §12.4.3) that
// fills data exactly. The result does not alias data.
func UnmarshalGroupInfo(data []byte) (*GroupInfo, error) {
	gi := new(GroupInfo)
	if err := unmarshalWire("group info", data, gi.unmarshal); err != nil {
		return nil, err
	}
	return gi, nil
}

// marshalGroupInfoTBS encodes the GroupInfoTBS struct of RFC 9420
// §12.4.3, the content SignWithLabel(., "GroupInfoTBS", .) signs.
func marshalGroupInfoTBS(gi *GroupInfo) ([]byte, error) {
	return marshalWire("group info tbs", gi.marshalContent)
}
