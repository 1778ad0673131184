package mls

import (
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// ExtensionType identifies an Extension (RFC 9420 §13.3, the "MLS
// Extension Types" registry of §17.3). The registry is open; extensions of
// types this package does not know are carried unchanged.
type ExtensionType uint16

// Extension types registered by RFC 9420 §17.3.
const (
	ExtensionTypeApplicationID        ExtensionType = 0x0001
	ExtensionTypeRatchetTree          ExtensionType = 0x0002
	ExtensionTypeRequiredCapabilities ExtensionType = 0x0003
	ExtensionTypeExternalPub          ExtensionType = 0x0004
	ExtensionTypeExternalSenders      ExtensionType = 0x0005
)

func (t ExtensionType) String() string {
	switch t {
	case ExtensionTypeApplicationID:
		return "application_id"
	case ExtensionTypeRatchetTree:
		return "ratchet_tree"
	case ExtensionTypeRequiredCapabilities:
		return "required_capabilities"
	case ExtensionTypeExternalPub:
		return "external_pub"
	case ExtensionTypeExternalSenders:
		return "external_senders"
	}
	return fmt.Sprintf("ExtensionType(0x%04x)", uint16(t))
}

// Extension is one entry of an extension list (RFC 9420 §7.2, §13.3): a
// type and its data, kept as opaque bytes whatever the type. The payloads
// of the registered types have their own decoders in this file.
type Extension struct {
	Type ExtensionType
	Data []byte
}

// maxExtensionsQuadratic is the list length up to which duplicate types
// are looked for pairwise; longer lists are sorted instead.
const maxExtensionsQuadratic = 16

// duplicateExtensionType returns a type that occurs more than once in
// exts, if any. RFC 9420 §13.4: "Any field containing a list of extensions
// MUST NOT have more than one extension of any given type."
func duplicateExtensionType(exts []Extension) (ExtensionType, bool) {
	if len(exts) <= maxExtensionsQuadratic {
		for i := range exts {
			for j := i + 1; j < len(exts); j++ {
				if exts[i].Type == exts[j].Type {
					return exts[i].Type, true
				}
			}
		}
		return 0, false
	}
	types := make([]ExtensionType, len(exts))
	for i, e := range exts {
		types[i] = e.Type
	}
	slices.Sort(types)
	for i := 1; i < len(types); i++ {
		if types[i] == types[i-1] {
			return types[i], true
		}
	}
	return 0, false
}

// marshalExtensions writes Extension extensions<V>, refusing a list with
// two extensions of one type.
func marshalExtensions(b *cryptobyte.Builder, exts []Extension) {
	if t, dup := duplicateExtensionType(exts); dup {
		encodeFailf(b, "extensions: two extensions of type %v", t)
		return
	}
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for i := range exts {
			b.AddUint16(uint16(exts[i].Type))
			tlscodec.AddOpaque(b, exts[i].Data)
		}
	})
}

// unmarshalExtensions reads Extension extensions<V> into a non-nil slice and
// rejects a list with two extensions of one type.
func unmarshalExtensions(r *wireReader, name string, out *[]Extension) {
	exts := readVector(r, name, func(e *Extension, r *wireReader) {
		readUint16(r, "extension_type", &e.Type)
		r.opaque("extension_data", &e.Data)
	})
	if !r.ok() {
		return
	}
	if t, dup := duplicateExtensionType(exts); dup {
		r.failf(ErrMalformed, name, "two extensions of type %v", t)
		return
	}
	*out = exts
}

// RequiredCapabilities is the data of the required_capabilities extension
// (RFC 9420 §11.1): what every member of the group must support.
type RequiredCapabilities struct {
	ExtensionTypes  []ExtensionType
	ProposalTypes   []ProposalType
	CredentialTypes []CredentialType
}

func (rc *RequiredCapabilities) marshal(b *cryptobyte.Builder) {
	marshalUint16List(b, rc.ExtensionTypes)
	marshalUint16List(b, rc.ProposalTypes)
	marshalUint16List(b, rc.CredentialTypes)
}

func (rc *RequiredCapabilities) unmarshal(r *wireReader) {
	unmarshalUint16List(r, "extension_types", &rc.ExtensionTypes)
	unmarshalUint16List(r, "proposal_types", &rc.ProposalTypes)
	unmarshalUint16List(r, "credential_types", &rc.CredentialTypes)
}

// ExternalSender is one entry of the external_senders extension (RFC 9420
// §12.1.8.1): a signature key and credential allowed to send external
// proposals.
type ExternalSender struct {
	SignatureKey []byte
	Credential   Credential
}

func (es *ExternalSender) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, es.SignatureKey)
	es.Credential.marshal(b)
}

func (es *ExternalSender) unmarshal(r *wireReader) {
	r.opaque("signature_key", &es.SignatureKey)
	r.field("credential", es.Credential.unmarshal)
}

// Marshal encodes es as one ExternalSender struct (RFC 9420 §12.1.8.1).
func (es *ExternalSender) Marshal() ([]byte, error) {
	return marshalWire("external sender", es.marshal)
}

// UnmarshalExternalSender decodes one ExternalSender struct (RFC 9420
// §12.1.8.1) that fills data exactly. Errors wrap ErrMalformed.
func UnmarshalExternalSender(data []byte) (*ExternalSender, error) {
	es := new(ExternalSender)
	if err := unmarshalWire("external sender", data, es.unmarshal); err != nil {
		return nil, err
	}
	return es, nil
}

// MarshalExternalSenders encodes the data of an external_senders extension
// (RFC 9420 §12.1.8.1), ExternalSender external_senders<V>: the value of
// Extension.Data for ExtensionTypeExternalSenders.
func MarshalExternalSenders(senders []ExternalSender) ([]byte, error) {
	return marshalWire("external_senders", func(b *cryptobyte.Builder) {
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for i := range senders {
				senders[i].marshal(b)
			}
		})
	})
}

// UnmarshalExternalSenders decodes the data of an external_senders
// extension (RFC 9420 §12.1.8.1) that fills data exactly. Errors wrap
// ErrMalformed.
func UnmarshalExternalSenders(data []byte) ([]ExternalSender, error) {
	var senders []ExternalSender
	err := unmarshalWire("external_senders", data, func(r *wireReader) {
		senders = readVector(r, "external_senders", (*ExternalSender).unmarshal)
	})
	if err != nil {
		return nil, err
	}
	return senders, nil
}

// MarshalRequiredCapabilities encodes the data of a required_capabilities
// extension (RFC 9420 §11.1): the value of Extension.Data for
// ExtensionTypeRequiredCapabilities.
func MarshalRequiredCapabilities(rc *RequiredCapabilities) ([]byte, error) {
	return marshalWire("required_capabilities", rc.marshal)
}

// UnmarshalRequiredCapabilities decodes the data of a
// required_capabilities extension (RFC 9420 §11.1) that fills data exactly.
// Errors wrap ErrMalformed.
func UnmarshalRequiredCapabilities(data []byte) (*RequiredCapabilities, error) {
	rc := new(RequiredCapabilities)
	if err := unmarshalWire("required_capabilities", data, rc.unmarshal); err != nil {
		return nil, err
	}
	return rc, nil
}

// marshalExternalPub encodes the data of an external_pub extension (RFC
// 9420 §12.4.3.2): HPKEPublicKey external_pub.
func marshalExternalPub(pub []byte) ([]byte, error) {
	return marshalWire("external_pub", func(b *cryptobyte.Builder) { tlscodec.AddOpaque(b, pub) })
}

// unmarshalExternalPub decodes the data of an external_pub extension.
func unmarshalExternalPub(data []byte) ([]byte, error) {
	var pub []byte
	if err := unmarshalWire("external_pub", data, func(r *wireReader) { r.opaque("external_pub", &pub) }); err != nil {
		return nil, err
	}
	return pub, nil
}

// marshalUint16List writes a vector<V> of 16-bit code points.
func marshalUint16List[T ~uint16](b *cryptobyte.Builder, list []T) {
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, v := range list {
			b.AddUint16(uint16(v))
		}
	})
}

// unmarshalUint16List reads a vector<V> of 16-bit code points into a
// non-nil slice.
func unmarshalUint16List[T ~uint16](r *wireReader, name string, out *[]T) {
	*out = readVector(r, name, func(v *T, r *wireReader) { readUint16(r, "", v) })
}
