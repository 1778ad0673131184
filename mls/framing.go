package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// ContentType says what a FramedContent carries (RFC 9420 §6).
type ContentType uint8

// The content types of RFC 9420 §6.
const (
	ContentTypeApplication ContentType = 1
	ContentTypeProposal    ContentType = 2
	ContentTypeCommit      ContentType = 3
)

func (t ContentType) String() string {
	switch t {
	case ContentTypeApplication:
		return "application"
	case ContentTypeProposal:
		return "proposal"
	case ContentTypeCommit:
		return "commit"
	}
	return fmt.Sprintf("ContentType(%d)", uint8(t))
}

func (t ContentType) valid() bool {
	return t >= ContentTypeApplication && t <= ContentTypeCommit
}

// SenderType says who sent a message (RFC 9420 §6).
type SenderType uint8

// The sender types of RFC 9420 §6.
const (
	SenderTypeMember            SenderType = 1
	SenderTypeExternal          SenderType = 2
	SenderTypeNewMemberProposal SenderType = 3
	SenderTypeNewMemberCommit   SenderType = 4
)

func (t SenderType) String() string {
	switch t {
	case SenderTypeMember:
		return "member"
	case SenderTypeExternal:
		return "external"
	case SenderTypeNewMemberProposal:
		return "new_member_proposal"
	case SenderTypeNewMemberCommit:
		return "new_member_commit"
	}
	return fmt.Sprintf("SenderType(%d)", uint8(t))
}

// Sender identifies the sender of a message (RFC 9420 §6): a member by its
// leaf index, an external sender by its index in the group's
// external_senders extension, or a new member (no index).
type Sender struct {
	Type        SenderType
	LeafIndex   LeafIndex // member
	SenderIndex uint32    // external
}

func (s *Sender) marshal(b *cryptobyte.Builder) {
	b.AddUint8(uint8(s.Type))
	switch s.Type {
	case SenderTypeMember:
		b.AddUint32(uint32(s.LeafIndex))
	case SenderTypeExternal:
		b.AddUint32(s.SenderIndex)
	case SenderTypeNewMemberProposal, SenderTypeNewMemberCommit:
	default:
		encodeFailf(b, "sender: unknown sender type %d", uint8(s.Type))
	}
}

func (s *Sender) unmarshal(r *wireReader) {
	readUint8(r, "sender_type", &s.Type)
	if !r.ok() {
		return
	}
	switch s.Type {
	case SenderTypeMember:
		readUint32(r, "leaf_index", &s.LeafIndex)
	case SenderTypeExternal:
		readUint32(r, "sender_index", &s.SenderIndex)
	case SenderTypeNewMemberProposal, SenderTypeNewMemberCommit:
	default:
		r.failf(ErrMalformed, "sender_type", "unknown sender type %d", uint8(s.Type))
	}
}

// FramedContent is the content of a handshake or application message with
// the group, epoch and sender it belongs to (RFC 9420 §6). Which of
// ApplicationData, Proposal and Commit is used depends on ContentType.
type FramedContent struct {
	GroupID           []byte
	Epoch             uint64
	Sender            Sender
	AuthenticatedData []byte
	ContentType       ContentType
	ApplicationData   []byte   // application
	Proposal          Proposal // proposal
	Commit            *Commit  // commit
}

// marshalContentBody writes the select of FramedContent (and of
// PrivateMessageContent) on content type t.
func marshalContentBody(b *cryptobyte.Builder, t ContentType, appData []byte, p Proposal, c *Commit) {
	switch t {
	case ContentTypeApplication:
		tlscodec.AddOpaque(b, appData)
	case ContentTypeProposal:
		marshalProposal(b, p)
	case ContentTypeCommit:
		if c == nil {
			encodeFailf(b, "content: content type commit but no commit")
			return
		}
		c.marshal(b)
	default:
		encodeFailf(b, "content: unknown content type %d", uint8(t))
	}
}

// unmarshalContentBody reads the select of FramedContent (and of
// PrivateMessageContent) on content type t, which the caller has checked.
func unmarshalContentBody(r *wireReader, t ContentType, appData *[]byte, p *Proposal, c **Commit) {
	switch t {
	case ContentTypeApplication:
		r.opaque("application_data", appData)
	case ContentTypeProposal:
		r.enter("proposal")
		*p = unmarshalProposal(r)
		r.leave()
	case ContentTypeCommit:
		*c = new(Commit)
		r.field("commit", (*c).unmarshal)
	}
}

// marshal writes the FramedContent struct of RFC 9420 §6.
func (fc *FramedContent) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, fc.GroupID)
	b.AddUint64(fc.Epoch)
	fc.Sender.marshal(b)
	tlscodec.AddOpaque(b, fc.AuthenticatedData)
	b.AddUint8(uint8(fc.ContentType))
	marshalContentBody(b, fc.ContentType, fc.ApplicationData, fc.Proposal, fc.Commit)
}

// unmarshal reads the FramedContent struct of RFC 9420 §6.
func (fc *FramedContent) unmarshal(r *wireReader) {
	r.opaque("group_id", &fc.GroupID)
	readUint64(r, "epoch", &fc.Epoch)
	r.field("sender", fc.Sender.unmarshal)
	r.opaque("authenticated_data", &fc.AuthenticatedData)
	readUint8(r, "content_type", &fc.ContentType)
	if r.ok() && !fc.ContentType.valid() {
		r.failf(ErrMalformed, "content_type", "unknown content type %d", uint8(fc.ContentType))
		return
	}
	unmarshalContentBody(r, fc.ContentType, &fc.ApplicationData, &fc.Proposal, &fc.Commit)
}

// FramedContentAuthData authenticates a FramedContent (RFC 9420 §6.1): the
// sender's signature over FramedContentTBS and, for a commit only, the
// confirmation tag.
type FramedContentAuthData struct {
	Signature       []byte
	ConfirmationTag []byte // MAC; commit only
}

// marshal writes FramedContentAuthData for content of type t.
func (a *FramedContentAuthData) marshal(b *cryptobyte.Builder, t ContentType) {
	tlscodec.AddOpaque(b, a.Signature)
	if t == ContentTypeCommit {
		tlscodec.AddOpaque(b, a.ConfirmationTag)
	}
}

// unmarshal reads FramedContentAuthData for content of type t.
func (a *FramedContentAuthData) unmarshal(r *wireReader, t ContentType) {
	r.opaque("signature", &a.Signature)
	if t == ContentTypeCommit {
		r.opaque("confirmation_tag", &a.ConfirmationTag)
	}
}

// AuthenticatedContent is a FramedContent with its authentication and the
// wire format it was (or will be) sent in (RFC 9420 §6): what a
// PublicMessage or PrivateMessage protects, and what a ProposalRef and the
// transcript hashes are computed over.
type AuthenticatedContent struct {
	WireFormat WireFormat
	Content    FramedContent
	Auth       FramedContentAuthData
}

// framedWireFormat reports whether w is a wire format that carries
// FramedContent: mls_public_message or mls_private_message.
func framedWireFormat(w WireFormat) bool {
	return w == WireFormatPublicMessage || w == WireFormatPrivateMessage
}

// marshal writes the AuthenticatedContent struct of RFC 9420 §6.
func (ac *AuthenticatedContent) marshal(b *cryptobyte.Builder) {
	if !framedWireFormat(ac.WireFormat) {
		encodeFailf(b, "wire_format: %v does not carry framed content", ac.WireFormat)
		return
	}
	b.AddUint16(uint16(ac.WireFormat))
	ac.Content.marshal(b)
	ac.Auth.marshal(b, ac.Content.ContentType)
}

// unmarshal reads the AuthenticatedContent struct of RFC 9420 §6.
func (ac *AuthenticatedContent) unmarshal(r *wireReader) {
	readUint16(r, "wire_format", &ac.WireFormat)
	if r.ok() && !framedWireFormat(ac.WireFormat) {
		r.failf(ErrMalformed, "wire_format", "wire format %v does not carry framed content", ac.WireFormat)
		return
	}
	r.field("content", ac.Content.unmarshal)
	r.enter("auth")
	ac.Auth.unmarshal(r, ac.Content.ContentType)
	r.leave()
}

// marshalAuthenticatedContent encodes an AuthenticatedContent struct, the
// value a ProposalRef hashes (RFC 9420 §5.2).
func marshalAuthenticatedContent(ac *AuthenticatedContent) ([]byte, error) {
	return marshalWire("authenticated content", ac.marshal)
}

// unmarshalAuthenticatedContent decodes an AuthenticatedContent struct that
// fills data exactly.
func unmarshalAuthenticatedContent(data []byte) (*AuthenticatedContent, error) {
	ac := new(AuthenticatedContent)
	if err := unmarshalWire("authenticated content", data, ac.unmarshal); err != nil {
		return nil, err
	}
	return ac, nil
}

// addFramedContentTBS writes the FramedContentTBS struct of RFC 9420 §6.1.
// The GroupContext is part of it for member and new_member_commit senders;
// gc must then be non-nil, and is ignored otherwise.
func addFramedContentTBS(b *cryptobyte.Builder, wf WireFormat, fc *FramedContent, gc *GroupContext) {
	b.AddUint16(uint16(ProtocolVersionMLS10))
	b.AddUint16(uint16(wf))
	fc.marshal(b)
	switch fc.Sender.Type {
	case SenderTypeMember, SenderTypeNewMemberCommit:
		if gc == nil {
			encodeFailf(b, "framed content tbs: sender %v needs the group context", fc.Sender.Type)
			return
		}
		gc.marshal(b)
	}
}

// marshalFramedContentTBS encodes the FramedContentTBS struct of RFC 9420
// §6.1, the content SignWithLabel(., "FramedContentTBS", .) signs. gc is
// the current GroupContext, needed for member and new_member_commit
// senders.
func marshalFramedContentTBS(wf WireFormat, fc *FramedContent, gc *GroupContext) ([]byte, error) {
	return marshalWire("framed content tbs", func(b *cryptobyte.Builder) {
		addFramedContentTBS(b, wf, fc, gc)
	})
}

// marshalAuthenticatedContentTBM encodes the AuthenticatedContentTBM struct
// of RFC 9420 §6.2, the input of a PublicMessage's membership_tag MAC:
// FramedContentTBS followed by FramedContentAuthData.
func marshalAuthenticatedContentTBM(wf WireFormat, fc *FramedContent, auth *FramedContentAuthData, gc *GroupContext) ([]byte, error) {
	return marshalWire("authenticated content tbm", func(b *cryptobyte.Builder) {
		addFramedContentTBS(b, wf, fc, gc)
		auth.marshal(b, fc.ContentType)
	})
}

// marshalConfirmedTranscriptHashInput encodes the
// ConfirmedTranscriptHashInput struct of RFC 9420 §8.2 for a commit: the
// wire format, the FramedContent and the signature of its
// AuthenticatedContent.
func marshalConfirmedTranscriptHashInput(wf WireFormat, fc *FramedContent, signature []byte) ([]byte, error) {
	return marshalWire("confirmed transcript hash input", func(b *cryptobyte.Builder) {
		if fc.ContentType != ContentTypeCommit {
			encodeFailf(b, "content type %v is not commit", fc.ContentType)
			return
		}
		b.AddUint16(uint16(wf))
		fc.marshal(b)
		tlscodec.AddOpaque(b, signature)
	})
}

// marshalInterimTranscriptHashInput encodes the InterimTranscriptHashInput
// struct of RFC 9420 §8.2: the commit's confirmation tag.
func marshalInterimTranscriptHashInput(confirmationTag []byte) ([]byte, error) {
	return marshalWire("interim transcript hash input", func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, confirmationTag)
	})
}
