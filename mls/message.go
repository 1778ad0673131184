package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// ProtocolVersion is an MLS protocol version (RFC 9420 §6). Only mls10 is
// defined; other values are carried where the RFC has a version field
// (KeyPackage, ReInit, capabilities) and rejected in an MLSMessage.
type ProtocolVersion uint16

// ProtocolVersionMLS10 is MLS 1.0, the version RFC 9420 defines.
const ProtocolVersionMLS10 ProtocolVersion = 1

func (v ProtocolVersion) String() string {
	if v == ProtocolVersionMLS10 {
		return "mls10"
	}
	return fmt.Sprintf("ProtocolVersion(0x%04x)", uint16(v))
}

// WireFormat says which message an MLSMessage carries (RFC 9420 §6, the
// "MLS Wire Formats" registry of §17.2).
type WireFormat uint16

// The wire formats of RFC 9420 §17.2.
const (
	WireFormatPublicMessage  WireFormat = 0x0001
	WireFormatPrivateMessage WireFormat = 0x0002
	WireFormatWelcome        WireFormat = 0x0003
	WireFormatGroupInfo      WireFormat = 0x0004
	WireFormatKeyPackage     WireFormat = 0x0005
)

func (w WireFormat) String() string {
	switch w {
	case WireFormatPublicMessage:
		return "mls_public_message"
	case WireFormatPrivateMessage:
		return "mls_private_message"
	case WireFormatWelcome:
		return "mls_welcome"
	case WireFormatGroupInfo:
		return "mls_group_info"
	case WireFormatKeyPackage:
		return "mls_key_package"
	}
	return fmt.Sprintf("WireFormat(0x%04x)", uint16(w))
}

// MLSMessage is the envelope every MLS message travels in (RFC 9420 §6).
// Its version is always mls10. Exactly the one field that WireFormat
// selects is set: PublicMessage, PrivateMessage, Welcome, GroupInfo or
// KeyPackage.
type MLSMessage struct {
	WireFormat     WireFormat
	PublicMessage  *PublicMessage
	PrivateMessage *PrivateMessage
	Welcome        *Welcome
	GroupInfo      *GroupInfo
	KeyPackage     *KeyPackage
}

// marshal writes the MLSMessage struct of RFC 9420 §6.
func (m *MLSMessage) marshal(b *cryptobyte.Builder) {
	b.AddUint16(uint16(ProtocolVersionMLS10))
	b.AddUint16(uint16(m.WireFormat))
	missing := false
	switch m.WireFormat {
	case WireFormatPublicMessage:
		if missing = m.PublicMessage == nil; !missing {
			m.PublicMessage.marshal(b)
		}
	case WireFormatPrivateMessage:
		if missing = m.PrivateMessage == nil; !missing {
			m.PrivateMessage.marshal(b)
		}
	case WireFormatWelcome:
		if missing = m.Welcome == nil; !missing {
			m.Welcome.marshal(b)
		}
	case WireFormatGroupInfo:
		if missing = m.GroupInfo == nil; !missing {
			m.GroupInfo.marshal(b)
		}
	case WireFormatKeyPackage:
		if missing = m.KeyPackage == nil; !missing {
			m.KeyPackage.marshal(b)
		}
	default:
		b.SetError(&wireError{detail: fmt.Sprintf("unknown wire format %v", m.WireFormat), kind: ErrUnknownWireFormat})
		return
	}
	if missing {
		encodeFailf(b, "wire format %v but no %v set", m.WireFormat, m.WireFormat)
	}
}

// unmarshal reads the MLSMessage struct of RFC 9420 §6. It rejects any
// version but mls10, any unknown wire format, and a KeyPackage whose own
// version differs from the message's (§10).
func (m *MLSMessage) unmarshal(r *wireReader) {
	var version ProtocolVersion
	readUint16(r, "version", &version)
	readUint16(r, "wire_format", &m.WireFormat)
	if !r.ok() {
		return
	}
	if version != ProtocolVersionMLS10 {
		r.failf(ErrUnsupportedVersion, "version", "unsupported protocol version %v", version)
		return
	}
	switch m.WireFormat {
	case WireFormatPublicMessage:
		m.PublicMessage = new(PublicMessage)
		r.field("public_message", m.PublicMessage.unmarshal)
	case WireFormatPrivateMessage:
		m.PrivateMessage = new(PrivateMessage)
		r.field("private_message", m.PrivateMessage.unmarshal)
	case WireFormatWelcome:
		m.Welcome = new(Welcome)
		r.field("welcome", m.Welcome.unmarshal)
	case WireFormatGroupInfo:
		m.GroupInfo = new(GroupInfo)
		r.field("group_info", m.GroupInfo.unmarshal)
	case WireFormatKeyPackage:
		m.KeyPackage = new(KeyPackage)
		r.field("key_package", m.KeyPackage.unmarshal)
		if r.ok() && m.KeyPackage.Version != version {
			r.failf(ErrMalformed, "key_package: version", "key package version %v differs from message version %v", m.KeyPackage.Version, version)
		}
	default:
		r.failf(ErrUnknownWireFormat, "wire_format", "unknown wire format %v", m.WireFormat)
	}
}

// Marshal encodes m as the MLSMessage struct of RFC 9420 §6.
func (m *MLSMessage) Marshal() ([]byte, error) {
	return marshalWire("message", m.marshal)
}

// UnmarshalMLSMessage decodes an MLSMessage (RFC 9420 §6) that fills data
// exactly. The result does not alias data.
//
// Errors wrap ErrMalformed, and also ErrUnsupportedVersion for a version
// other than mls10, ErrUnknownWireFormat for a wire format other than the
// five of RFC 9420, ErrUnknownProposalType for a proposal of a type this
// package does not know, and ErrTrailingData for bytes after the message.
func UnmarshalMLSMessage(data []byte) (*MLSMessage, error) {
	m := new(MLSMessage)
	if err := unmarshalWire("message", data, m.unmarshal); err != nil {
		return nil, err
	}
	return m, nil
}
