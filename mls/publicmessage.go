package mls

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// PublicMessage is a message signed by its sender but not encrypted (RFC
// 9420 §6.2). MembershipTag is present exactly when the sender is a
// member.
type PublicMessage struct {
	Content       FramedContent
	Auth          FramedContentAuthData
	MembershipTag []byte // MAC; member senders only
}

// marshal writes the PublicMessage struct of RFC 9420 §6.2.
func (pm *PublicMessage) marshal(b *cryptobyte.Builder) {
	pm.Content.marshal(b)
	pm.Auth.marshal(b, pm.Content.ContentType)
	if pm.Content.Sender.Type == SenderTypeMember {
		tlscodec.AddOpaque(b, pm.MembershipTag)
	}
}

// unmarshal reads the PublicMessage struct of RFC 9420 §6.2.
func (pm *PublicMessage) unmarshal(r *wireReader) {
	r.field("content", pm.Content.unmarshal)
	r.enter("auth")
	pm.Auth.unmarshal(r, pm.Content.ContentType)
	r.leave()
	if pm.Content.Sender.Type == SenderTypeMember {
		r.opaque("membership_tag", &pm.MembershipTag)
	}
}
