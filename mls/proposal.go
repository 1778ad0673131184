package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// ProposalType identifies a kind of Proposal (RFC 9420 §12.1, the "MLS
// Proposal Types" registry of §17.4). Capabilities may list any value,
// GREASE included; a Proposal itself must be one of the seven types below.
type ProposalType uint16

// The proposal types of RFC 9420 §17.4.
const (
	ProposalTypeAdd                    ProposalType = 0x0001
	ProposalTypeUpdate                 ProposalType = 0x0002
	ProposalTypeRemove                 ProposalType = 0x0003
	ProposalTypePSK                    ProposalType = 0x0004
	ProposalTypeReInit                 ProposalType = 0x0005
	ProposalTypeExternalInit           ProposalType = 0x0006
	ProposalTypeGroupContextExtensions ProposalType = 0x0007
)

func (t ProposalType) String() string {
	switch t {
	case ProposalTypeAdd:
		return "add"
	case ProposalTypeUpdate:
		return "update"
	case ProposalTypeRemove:
		return "remove"
	case ProposalTypePSK:
		return "psk"
	case ProposalTypeReInit:
		return "reinit"
	case ProposalTypeExternalInit:
		return "external_init"
	case ProposalTypeGroupContextExtensions:
		return "group_context_extensions"
	}
	return fmt.Sprintf("ProposalType(0x%04x)", uint16(t))
}

// Proposal is a proposed change to a group (RFC 9420 §12.1). It is one of
// *AddProposal, *UpdateProposal, *RemoveProposal, *PreSharedKeyProposal,
// *ReInitProposal, *ExternalInitProposal and
// *GroupContextExtensionsProposal.
type Proposal interface {
	// ProposalType returns the type written before the proposal's body.
	ProposalType() ProposalType

	// marshalBody writes the proposal's struct without its type.
	marshalBody(b *cryptobyte.Builder)
	// unmarshalBody reads the proposal's struct without its type.
	unmarshalBody(r *wireReader)
}

// AddProposal asks to add the client of a KeyPackage (RFC 9420 §12.1.1).
type AddProposal struct {
	KeyPackage KeyPackage
}

// UpdateProposal replaces the sender's leaf node (RFC 9420 §12.1.2).
type UpdateProposal struct {
	LeafNode LeafNode
}

// RemoveProposal asks to remove the member at leaf Removed (RFC 9420
// §12.1.3).
type RemoveProposal struct {
	Removed LeafIndex
}

// PreSharedKeyProposal asks to inject a PSK into the next epoch's key
// schedule (RFC 9420 §12.1.4).
type PreSharedKeyProposal struct {
	PSK PreSharedKeyID
}

// ReInitProposal asks to reinitialize the group with new parameters (RFC
// 9420 §12.1.5).
type ReInitProposal struct {
	GroupID     []byte
	Version     ProtocolVersion
	CipherSuite CipherSuite
	Extensions  []Extension
}

// ExternalInitProposal carries the KEM output of a joiner's external
// commit (RFC 9420 §12.1.6).
type ExternalInitProposal struct {
	KEMOutput []byte
}

// GroupContextExtensionsProposal replaces the group's GroupContext
// extensions wholesale (RFC 9420 §12.1.7).
type GroupContextExtensionsProposal struct {
	Extensions []Extension
}

func (*AddProposal) ProposalType() ProposalType          { return ProposalTypeAdd }
func (*UpdateProposal) ProposalType() ProposalType       { return ProposalTypeUpdate }
func (*RemoveProposal) ProposalType() ProposalType       { return ProposalTypeRemove }
func (*PreSharedKeyProposal) ProposalType() ProposalType { return ProposalTypePSK }
func (*ReInitProposal) ProposalType() ProposalType       { return ProposalTypeReInit }
func (*ExternalInitProposal) ProposalType() ProposalType { return ProposalTypeExternalInit }
func (*GroupContextExtensionsProposal) ProposalType() ProposalType {
	return ProposalTypeGroupContextExtensions
}

func (p *AddProposal) marshalBody(b *cryptobyte.Builder) { p.KeyPackage.marshal(b) }
func (p *AddProposal) unmarshalBody(r *wireReader) {
	r.field("key_package", p.KeyPackage.unmarshal)
}

func (p *UpdateProposal) marshalBody(b *cryptobyte.Builder) { p.LeafNode.marshal(b) }
func (p *UpdateProposal) unmarshalBody(r *wireReader) {
	r.field("leaf_node", p.LeafNode.unmarshal)
}

func (p *RemoveProposal) marshalBody(b *cryptobyte.Builder) { b.AddUint32(uint32(p.Removed)) }
func (p *RemoveProposal) unmarshalBody(r *wireReader)       { readUint32(r, "removed", &p.Removed) }

func (p *PreSharedKeyProposal) marshalBody(b *cryptobyte.Builder) { p.PSK.marshal(b) }
func (p *PreSharedKeyProposal) unmarshalBody(r *wireReader) {
	r.field("psk", p.PSK.unmarshal)
}

func (p *ReInitProposal) marshalBody(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, p.GroupID)
	b.AddUint16(uint16(p.Version))
	b.AddUint16(uint16(p.CipherSuite))
	marshalExtensions(b, p.Extensions)
}

func (p *ReInitProposal) unmarshalBody(r *wireReader) {
	r.opaque("group_id", &p.GroupID)
	readUint16(r, "version", &p.Version)
	readUint16(r, "cipher_suite", &p.CipherSuite)
	unmarshalExtensions(r, "extensions", &p.Extensions)
}

func (p *ExternalInitProposal) marshalBody(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, p.KEMOutput)
}
func (p *ExternalInitProposal) unmarshalBody(r *wireReader) { r.opaque("kem_output", &p.KEMOutput) }

func (p *GroupContextExtensionsProposal) marshalBody(b *cryptobyte.Builder) {
	marshalExtensions(b, p.Extensions)
}
func (p *GroupContextExtensionsProposal) unmarshalBody(r *wireReader) {
	unmarshalExtensions(r, "extensions", &p.Extensions)
}

// newProposal returns an empty proposal of type t, or nil for a type this
// package does not know.
func newProposal(t ProposalType) Proposal {
	switch t {
	case ProposalTypeAdd:
		return new(AddProposal)
	case ProposalTypeUpdate:
		return new(UpdateProposal)
	case ProposalTypeRemove:
		return new(RemoveProposal)
	case ProposalTypePSK:
		return new(PreSharedKeyProposal)
	case ProposalTypeReInit:
		return new(ReInitProposal)
	case ProposalTypeExternalInit:
		return new(ExternalInitProposal)
	case ProposalTypeGroupContextExtensions:
		return new(GroupContextExtensionsProposal)
	}
	return nil
}

// marshalProposal writes the Proposal struct of RFC 9420 §12.1: the type,
// then the body.
func marshalProposal(b *cryptobyte.Builder, p Proposal) {
	if p == nil {
		encodeFailf(b, "proposal: nil")
		return
	}
	b.AddUint16(uint16(p.ProposalType()))
	p.marshalBody(b)
}

// unmarshalProposal reads the Proposal struct of RFC 9420 §12.1, rejecting
// types this package does not know with ErrUnknownProposalType.
func unmarshalProposal(r *wireReader) Proposal {
	var t ProposalType
	readUint16(r, "proposal_type", &t)
	if !r.ok() {
		return nil
	}
	p := newProposal(t)
	if p == nil {
		r.failf(ErrUnknownProposalType, "proposal_type", "unknown proposal type %v", t)
		return nil
	}
	r.enter(t.String())
	p.unmarshalBody(r)
	r.leave()
	if !r.ok() {
		return nil
	}
	return p
}

// proposalOrRefType says whether a Commit carries a proposal by value or
// by reference (RFC 9420 §12.4).
type proposalOrRefType uint8

const (
	proposalOrRefProposal  proposalOrRefType = 1
	proposalOrRefReference proposalOrRefType = 2
)

// ProposalOrRef is one entry of a Commit's proposal list (RFC 9420 §12.4):
// a proposal by value when Proposal is set, otherwise a reference to one
// sent earlier in the epoch: Reference is the ProposalRef (RFC 9420 §5.2),
// the hash of the AuthenticatedContent that carried it.
type ProposalOrRef struct {
	Proposal  Proposal
	Reference []byte
}

func (p *ProposalOrRef) marshal(b *cryptobyte.Builder) {
	if p.Proposal != nil {
		b.AddUint8(uint8(proposalOrRefProposal))
		marshalProposal(b, p.Proposal)
		return
	}
	b.AddUint8(uint8(proposalOrRefReference))
	tlscodec.AddOpaque(b, p.Reference)
}

func (p *ProposalOrRef) unmarshal(r *wireReader) {
	var t proposalOrRefType
	readUint8(r, "type", &t)
	if !r.ok() {
		return
	}
	switch t {
	case proposalOrRefProposal:
		r.enter("proposal")
		p.Proposal = unmarshalProposal(r)
		r.leave()
	case proposalOrRefReference:
		r.opaque("reference", &p.Reference)
	default:
		r.failf(ErrMalformed, "type", "unknown ProposalOrRef type %d", uint8(t))
	}
}

// marshalProposalBytes encodes p as a Proposal struct (type and body).
func marshalProposalBytes(p Proposal) ([]byte, error) {
	return marshalWire("proposal", func(b *cryptobyte.Builder) { marshalProposal(b, p) })
}

// unmarshalProposalBytes decodes a Proposal struct that fills data exactly.
func unmarshalProposalBytes(data []byte) (Proposal, error) {
	var p Proposal
	err := unmarshalWire("proposal", data, func(r *wireReader) { p = unmarshalProposal(r) })
	return p, err
}
