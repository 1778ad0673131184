package mls

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// wireKind names a wire structure that a vector field holds. decode
// decodes it and returns a function that encodes the decoded value.
type wireKind struct {
	name   string
	decode func(data []byte) (encode func() ([]byte, error), err error)
	// check, if set, inspects the decoded value (for example that an
	// MLSMessage has the expected wire format) and returns a problem.
	check func(data []byte) string
}

// roundTrip decodes data and encodes the result again.
func (k wireKind) roundTrip(data []byte) ([]byte, error) {
	encode, err := k.decode(data)
	if err != nil {
		return nil, err
	}
	return encode()
}

// wireDecoder makes the decode function of a wireKind from a decoder and
// the matching encoder.
func wireDecoder[T any](dec func([]byte) (T, error), enc func(T) ([]byte, error)) func([]byte) (func() ([]byte, error), error) {
	return func(data []byte) (func() ([]byte, error), error) {
		v, err := dec(data)
		if err != nil {
			return nil, err
		}
		return func() ([]byte, error) { return enc(v) }, nil
	}
}

func wireMessageKind(wf WireFormat, ct ContentType) wireKind {
	return wireKind{
		name:   "MLSMessage(" + wf.String() + ")",
		decode: wireDecoder(UnmarshalMLSMessage, (*MLSMessage).Marshal),
		check: func(data []byte) string {
			m, err := UnmarshalMLSMessage(data)
			if err != nil {
				return err.Error()
			}
			if m.WireFormat != wf {
				return "wire format " + m.WireFormat.String() + ", want " + wf.String()
			}
			if ct != 0 && m.PublicMessage.Content.ContentType != ct {
				return "content type " + m.PublicMessage.Content.ContentType.String() + ", want " + ct.String()
			}
			return ""
		},
	}
}

func wireProposalBodyKind(t ProposalType) wireKind {
	return wireKind{
		name: t.String() + " proposal",
		decode: func(data []byte) (func() ([]byte, error), error) {
			p := newProposal(t)
			if err := unmarshalWire(t.String(), data, p.unmarshalBody); err != nil {
				return nil, err
			}
			return func() ([]byte, error) { return marshalWire(t.String(), p.marshalBody) }, nil
		},
	}
}

var (
	wireKindMLSMessage           = wireKind{name: "MLSMessage", decode: wireDecoder(UnmarshalMLSMessage, (*MLSMessage).Marshal)}
	wireKindRatchetTree          = wireKind{name: "ratchet tree", decode: wireDecoder(unmarshalRatchetTree, marshalRatchetTree)}
	wireKindGroupSecrets         = wireKind{name: "GroupSecrets", decode: wireDecoder(unmarshalGroupSecrets, marshalGroupSecrets)}
	wireKindCommit               = wireKind{name: "Commit", decode: wireDecoder(unmarshalCommit, marshalCommit)}
	wireKindProposal             = wireKind{name: "Proposal", decode: wireDecoder(unmarshalProposalBytes, marshalProposalBytes)}
	wireKindKeyPackage           = wireKind{name: "KeyPackage", decode: wireDecoder(UnmarshalKeyPackage, (*KeyPackage).Marshal)}
	wireKindWelcome              = wireKind{name: "Welcome", decode: wireDecoder(UnmarshalWelcome, (*Welcome).Marshal)}
	wireKindGroupInfo            = wireKind{name: "GroupInfo", decode: wireDecoder(UnmarshalGroupInfo, (*GroupInfo).Marshal)}
	wireKindUpdatePath           = wireKind{name: "UpdatePath", decode: wireDecoder(unmarshalUpdatePath, marshalUpdatePath)}
	wireKindAuthenticatedContent = wireKind{name: "AuthenticatedContent", decode: wireDecoder(unmarshalAuthenticatedContent, marshalAuthenticatedContent)}
	wireKindGroupContext         = wireKind{name: "GroupContext", decode: wireDecoder(unmarshalGroupContext, marshalGroupContext)}
)

// checkWireRoundTrip decodes data as k and requires that encoding the
// result gives back data byte for byte. It reports whether it passed.
func checkWireRoundTrip(t *testing.T, where string, k wireKind, data []byte) bool {
	t.Helper()
	if len(data) == 0 {
		t.Errorf("%s: %s: field missing or empty", where, k.name)
		return false
	}
	out, err := k.roundTrip(data)
	if err != nil {
		t.Errorf("%s: %s: %v", where, k.name, err)
		return false
	}
	if !bytes.Equal(out, data) {
		t.Errorf("%s: %s: re-encoding differs (%d bytes, want %d)\n got %x\nwant %x", where, k.name, len(out), len(data), out, data)
		return false
	}
	if k.check != nil {
		if problem := k.check(data); problem != "" {
			t.Errorf("%s: %s: %s", where, k.name, problem)
			return false
		}
	}
	return true
}

type messagesVector struct {
	MLSWelcome                     hexBytes `json:"mls_welcome"`
	MLSGroupInfo                   hexBytes `json:"mls_group_info"`
	MLSKeyPackage                  hexBytes `json:"mls_key_package"`
	RatchetTree                    hexBytes `json:"ratchet_tree"`
	GroupSecrets                   hexBytes `json:"group_secrets"`
	AddProposal                    hexBytes `json:"add_proposal"`
	UpdateProposal                 hexBytes `json:"update_proposal"`
	RemoveProposal                 hexBytes `json:"remove_proposal"`
	PreSharedKeyProposal           hexBytes `json:"pre_shared_key_proposal"`
	ReInitProposal                 hexBytes `json:"re_init_proposal"`
	ExternalInitProposal           hexBytes `json:"external_init_proposal"`
	GroupContextExtensionsProposal hexBytes `json:"group_context_extensions_proposal"`
	Commit                         hexBytes `json:"commit"`
	PublicMessageApplication       hexBytes `json:"public_message_application"`
	PublicMessageProposal          hexBytes `json:"public_message_proposal"`
	PublicMessageCommit            hexBytes `json:"public_message_commit"`
	PrivateMessage                 hexBytes `json:"private_message"`
}

var (
	wireMessagesOnce  sync.Once
	wireMessagesCases []messagesVector
)

// wireMessagesVectors loads testdata/messages.json once for all the tests,
// fuzz targets and benchmarks that use it. Callers must not modify it.
func wireMessagesVectors(t testing.TB) []messagesVector {
	t.Helper()
	wireMessagesOnce.Do(func() { loadVectors(t, "messages.json", &wireMessagesCases) })
	if wireMessagesCases == nil {
		t.Fatal("messages.json did not load")
	}
	return wireMessagesCases
}

// messagesVectorCount is the number of cases in testdata/messages.json.
const messagesVectorCount = 300

// fields lists every field of a messages.json case with its structure.
func (v *messagesVector) fields() []struct {
	name string
	kind wireKind
	data []byte
} {
	type field = struct {
		name string
		kind wireKind
		data []byte
	}
	return []field{
		{"mls_welcome", wireMessageKind(WireFormatWelcome, 0), v.MLSWelcome},
		{"mls_group_info", wireMessageKind(WireFormatGroupInfo, 0), v.MLSGroupInfo},
		{"mls_key_package", wireMessageKind(WireFormatKeyPackage, 0), v.MLSKeyPackage},
		{"ratchet_tree", wireKindRatchetTree, v.RatchetTree},
		{"group_secrets", wireKindGroupSecrets, v.GroupSecrets},
		{"add_proposal", wireProposalBodyKind(ProposalTypeAdd), v.AddProposal},
		{"update_proposal", wireProposalBodyKind(ProposalTypeUpdate), v.UpdateProposal},
		{"remove_proposal", wireProposalBodyKind(ProposalTypeRemove), v.RemoveProposal},
		{"pre_shared_key_proposal", wireProposalBodyKind(ProposalTypePSK), v.PreSharedKeyProposal},
		{"re_init_proposal", wireProposalBodyKind(ProposalTypeReInit), v.ReInitProposal},
		{"external_init_proposal", wireProposalBodyKind(ProposalTypeExternalInit), v.ExternalInitProposal},
		{"group_context_extensions_proposal", wireProposalBodyKind(ProposalTypeGroupContextExtensions), v.GroupContextExtensionsProposal},
		{"commit", wireKindCommit, v.Commit},
		{"public_message_application", wireMessageKind(WireFormatPublicMessage, ContentTypeApplication), v.PublicMessageApplication},
		{"public_message_proposal", wireMessageKind(WireFormatPublicMessage, ContentTypeProposal), v.PublicMessageProposal},
		{"public_message_commit", wireMessageKind(WireFormatPublicMessage, ContentTypeCommit), v.PublicMessageCommit},
		{"private_message", wireMessageKind(WireFormatPrivateMessage, 0), v.PrivateMessage},
	}
}

// TestMessagesVectors runs testdata/messages.json: in each of the 300
// cases, every one of the 17 fields decodes as its structure and
// re-encodes to the same bytes.
func TestMessagesVectors(t *testing.T) {
	cases := wireMessagesVectors(t)
	if len(cases) != messagesVectorCount {
		t.Fatalf("messages.json holds %d cases, want %d", len(cases), messagesVectorCount)
	}
	ran, fields := 0, 0
	for i := range cases {
		ok := true
		for _, f := range cases[i].fields() {
			if checkWireRoundTrip(t, fmt.Sprintf("case %d: %s", i, f.name), f.kind, f.data) {
				fields++
			} else {
				ok = false
			}
		}
		if ok {
			ran++
		}
	}
	requireCount(t, "messages.json", ran, messagesVectorCount)
	requireCount(t, "messages.json fields", fields, messagesVectorCount*17)

	// The bodies of the Welcome, GroupInfo and KeyPackage messages, through
	// the exported decoders of the bare structures. The MLSMessage header
	// is version (2 bytes) and wire format (2 bytes).
	bare := 0
	for i := range cases {
		v := &cases[i]
		for _, f := range []struct {
			name string
			kind wireKind
			data []byte
		}{
			{"mls_welcome body", wireKindWelcome, v.MLSWelcome[4:]},
			{"mls_group_info body", wireKindGroupInfo, v.MLSGroupInfo[4:]},
			{"mls_key_package body", wireKindKeyPackage, v.MLSKeyPackage[4:]},
		} {
			if checkWireRoundTrip(t, fmt.Sprintf("case %d: %s", i, f.name), f.kind, f.data) {
				bare++
			}
		}
	}
	requireCount(t, "messages.json bare Welcome/GroupInfo/KeyPackage", bare, messagesVectorCount*3)
}
