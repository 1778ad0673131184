package mls

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func wireTestLeafNode() LeafNode {
	return LeafNode{
		EncryptionKey: []byte{1},
		SignatureKey:  []byte{2},
		Credential:    Credential{Type: CredentialTypeBasic, Identity: []byte("alice")},
		Source:        LeafNodeSourceUpdate,
		Signature:     []byte{3},
	}
}

// TestWireEncodeErrors checks that structures that cannot be encoded as
// RFC 9420 defines them are refused with an error naming the problem.
func TestWireEncodeErrors(t *testing.T) {
	leaf := wireTestLeafNode()
	badLeaf := leaf
	badLeaf.Source = 0
	dupExts := []Extension{{Type: 1}, {Type: 1}}
	for _, tc := range []struct {
		name string
		enc  func() ([]byte, error)
		want string
	}{
		{"wire format without body", (&MLSMessage{WireFormat: WireFormatWelcome}).Marshal,
			"mls: message: wire format mls_welcome but no mls_welcome set"},
		{"unknown wire format", (&MLSMessage{WireFormat: 9}).Marshal,
			"mls: message: unknown wire format WireFormat(0x0009)"},
		{"unknown sender type", (&MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: &PublicMessage{
			Content: FramedContent{Sender: Sender{Type: 9}, ContentType: ContentTypeApplication}}}).Marshal,
			"mls: message: sender: unknown sender type 9"},
		{"commit without commit", (&MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: &PublicMessage{
			Content: FramedContent{Sender: Sender{Type: SenderTypeMember}, ContentType: ContentTypeCommit}}}).Marshal,
			"mls: message: content: content type commit but no commit"},
		{"proposal without proposal", (&MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: &PublicMessage{
			Content: FramedContent{Sender: Sender{Type: SenderTypeMember}, ContentType: ContentTypeProposal}}}).Marshal,
			"mls: message: proposal: nil"},
		{"unknown content type", (&MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: &PublicMessage{
			Content: FramedContent{Sender: Sender{Type: SenderTypeMember}}}}).Marshal,
			"mls: message: content: unknown content type 0"},
		{"private unknown content type", (&MLSMessage{WireFormat: WireFormatPrivateMessage, PrivateMessage: &PrivateMessage{}}).Marshal,
			"mls: message: private message: unknown content type 0"},
		{"leaf node source 0", (&KeyPackage{LeafNode: badLeaf}).Marshal,
			"mls: key package: leaf_node: unknown leaf_node_source 0"},
		{"duplicate key package extensions", (&KeyPackage{LeafNode: leaf, Extensions: dupExts}).Marshal,
			"mls: key package: extensions: two extensions of type application_id"},
		{"duplicate group context extensions", (&GroupInfo{GroupContext: GroupContext{Extensions: dupExts}}).Marshal,
			"mls: group info: extensions: two extensions of type application_id"},
		{"psk type 0", func() ([]byte, error) { return marshalProposalBytes(&PreSharedKeyProposal{}) },
			"mls: proposal: psk: unknown psktype 0"},
		{"psk usage 0", func() ([]byte, error) {
			return marshalProposalBytes(&PreSharedKeyProposal{PSK: PreSharedKeyID{Type: PSKTypeResumption}})
		}, "mls: proposal: psk: unknown resumption usage 0"},
		{"nil proposal", func() ([]byte, error) { return marshalProposalBytes(nil) },
			"mls: proposal: proposal: nil"},
		{"node with both", func() ([]byte, error) {
			return marshalRatchetTree([]*Node{{Leaf: &leaf, Parent: &ParentNode{}}})
		}, "mls: ratchet tree: node: exactly one of Leaf and Parent must be set"},
		{"node with neither", func() ([]byte, error) { return marshalRatchetTree([]*Node{{}}) },
			"mls: ratchet tree: node: exactly one of Leaf and Parent must be set"},
		{"tree ending blank", func() ([]byte, error) { return marshalRatchetTree([]*Node{{Leaf: &leaf}, nil}) },
			"mls: ratchet tree: the last node is blank"},
		{"empty tree", func() ([]byte, error) { return marshalRatchetTree(nil) },
			"mls: ratchet tree: the last node is blank"},
		{"parent at a leaf index", func() ([]byte, error) { return marshalRatchetTree([]*Node{{Parent: &ParentNode{}}}) },
			"mls: ratchet tree: node 0: a leaf must be at an even index, a parent at an odd one"},
		{"tbs without group context", func() ([]byte, error) {
			return marshalFramedContentTBS(WireFormatPublicMessage, &FramedContent{Sender: Sender{Type: SenderTypeMember}, ContentType: ContentTypeApplication}, nil)
		}, "mls: framed content tbs: framed content tbs: sender member needs the group context"},
		{"transcript input for a proposal", func() ([]byte, error) {
			return marshalConfirmedTranscriptHashInput(WireFormatPublicMessage, &FramedContent{ContentType: ContentTypeProposal}, nil)
		}, "mls: confirmed transcript hash input: content type proposal is not commit"},
		{"authenticated content for a key package", func() ([]byte, error) {
			return marshalAuthenticatedContent(&AuthenticatedContent{WireFormat: WireFormatKeyPackage})
		}, "mls: authenticated content: wire_format: mls_key_package does not carry framed content"},
		{"negative padding", func() ([]byte, error) {
			return marshalPrivateMessageContent(ContentTypeApplication, &privateMessageContent{paddingLen: -1})
		}, "mls: private message content: negative padding"},
	} {
		out, err := tc.enc()
		if err == nil {
			t.Errorf("%s: encoded as %x", tc.name, out)
			continue
		}
		if !errors.Is(err, ErrMalformed) || err.Error() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, err, tc.want)
		}
	}
}

// TestWireNewMemberTBS checks that FramedContentTBS includes the group
// context exactly for member and new_member_commit senders.
func TestWireNewMemberTBS(t *testing.T) {
	gc := &GroupContext{CipherSuite: 1, GroupID: []byte("g")}
	gcBytes, err := marshalGroupContext(gc)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []SenderType{SenderTypeMember, SenderTypeExternal, SenderTypeNewMemberProposal, SenderTypeNewMemberCommit} {
		fc := &FramedContent{Sender: Sender{Type: st}, ContentType: ContentTypeApplication, ApplicationData: []byte("x")}
		with, err := marshalFramedContentTBS(WireFormatPublicMessage, fc, gc)
		if err != nil {
			t.Fatal(err)
		}
		content, _ := marshalWire("fc", fc.marshal)
		wantCtx := st == SenderTypeMember || st == SenderTypeNewMemberCommit
		want := append([]byte{0, 1, 0, 1}, content...)
		if wantCtx {
			want = append(want, gcBytes...)
		}
		if !bytes.Equal(with, want) {
			t.Errorf("%v: FramedContentTBS %x, want %x", st, with, want)
		}
	}
}

func TestWireExtensionPayloads(t *testing.T) {
	rc := &RequiredCapabilities{
		ExtensionTypes:  []ExtensionType{ExtensionTypeExternalSenders},
		ProposalTypes:   []ProposalType{},
		CredentialTypes: []CredentialType{CredentialTypeBasic, CredentialTypeX509},
	}
	enc, err := MarshalRequiredCapabilities(rc)
	if err != nil || hex.EncodeToString(enc) != "020005"+"00"+"0400010002" {
		t.Fatalf("required_capabilities: %x, %v", enc, err)
	}
	rc2, err := UnmarshalRequiredCapabilities(enc)
	if err != nil || fmt.Sprint(rc2) != fmt.Sprint(rc) {
		t.Fatalf("required_capabilities round trip: %v, %v", rc2, err)
	}

	senders := []ExternalSender{
		{SignatureKey: []byte{0xaa}, Credential: Credential{Type: CredentialTypeBasic, Identity: []byte("id")}},
		{SignatureKey: []byte{}, Credential: Credential{Type: CredentialTypeX509, Certificates: [][]byte{{1}, {}}}},
	}
	enc, err = MarshalExternalSenders(senders)
	want := "0e" + "01aa" + "0001" + "026964" + "00" + "0002" + "03" + "0101" + "00"
	if err != nil || hex.EncodeToString(enc) != want {
		t.Fatalf("external_senders: %x, %v, want %s", enc, err, want)
	}
	senders2, err := UnmarshalExternalSenders(enc)
	if err != nil || fmt.Sprint(senders2) != fmt.Sprint(senders) {
		t.Fatalf("external_senders round trip: %v, %v", senders2, err)
	}
	one, err := senders[0].Marshal()
	if err != nil || hex.EncodeToString(one) != want[2:16] {
		t.Fatalf("external sender: %x, %v, want %s", one, err, want[2:16])
	}
	if es, err := UnmarshalExternalSender(one); err != nil || fmt.Sprint(*es) != fmt.Sprint(senders[0]) {
		t.Fatalf("external sender round trip: %v, %v", es, err)
	}
	if _, err := UnmarshalExternalSender(append(one, 0)); !errors.Is(err, ErrTrailingData) {
		t.Fatalf("external sender with a trailing byte: %v", err)
	}

	enc, err = marshalExternalPub([]byte{1, 2, 3})
	if err != nil || hex.EncodeToString(enc) != "03010203" {
		t.Fatalf("external_pub: %x, %v", enc, err)
	}
	pub, err := unmarshalExternalPub(enc)
	if err != nil || !bytes.Equal(pub, []byte{1, 2, 3}) {
		t.Fatalf("external_pub round trip: %x, %v", pub, err)
	}
}

func TestWireDuplicateExtensionTypes(t *testing.T) {
	for _, n := range []int{0, 1, 2, maxExtensionsQuadratic, maxExtensionsQuadratic + 1, 100} {
		exts := make([]Extension, n)
		for i := range exts {
			exts[i].Type = ExtensionType(1000 - i)
		}
		if _, dup := duplicateExtensionType(exts); dup {
			t.Errorf("n=%d: distinct types reported as duplicate", n)
		}
		if n < 2 {
			continue
		}
		exts[n-1].Type = exts[n/2-1].Type
		if typ, dup := duplicateExtensionType(exts); !dup || typ != exts[n-1].Type {
			t.Errorf("n=%d: duplicate %v not found (got %v, %v)", n, exts[n-1].Type, typ, dup)
		}
	}
}

func TestWirePrivateMessageContent(t *testing.T) {
	commit := &Commit{Proposals: []ProposalOrRef{{Reference: []byte{7}}}}
	for _, tc := range []struct {
		t    ContentType
		c    privateMessageContent
		want string
	}{
		{ContentTypeApplication, privateMessageContent{applicationData: []byte("hi"), auth: FramedContentAuthData{Signature: []byte{5}}, paddingLen: 3},
			"026869" + "0105" + "000000"},
		{ContentTypeProposal, privateMessageContent{proposal: &RemoveProposal{Removed: 2}, auth: FramedContentAuthData{Signature: []byte{5}}},
			"0003" + "00000002" + "0105"},
		{ContentTypeCommit, privateMessageContent{commit: commit, auth: FramedContentAuthData{Signature: []byte{5}, ConfirmationTag: []byte{6, 6}}, paddingLen: 1},
			"03020107" + "00" + "0105" + "020606" + "00"},
	} {
		enc, err := marshalPrivateMessageContent(tc.t, &tc.c)
		if err != nil || hex.EncodeToString(enc) != tc.want {
			t.Errorf("%v: %x (%v), want %s", tc.t, enc, err, tc.want)
			continue
		}
		dec, err := unmarshalPrivateMessageContent(tc.t, enc)
		if err != nil {
			t.Errorf("%v: %v", tc.t, err)
			continue
		}
		if dec.paddingLen != tc.c.paddingLen {
			t.Errorf("%v: padding %d, want %d", tc.t, dec.paddingLen, tc.c.paddingLen)
		}
		again, err := marshalPrivateMessageContent(tc.t, dec)
		if err != nil || !bytes.Equal(again, enc) {
			t.Errorf("%v: re-encoding %x (%v)", tc.t, again, err)
		}
	}
	if _, err := unmarshalPrivateMessageContent(0, []byte{0, 0}); !errors.Is(err, ErrMalformed) {
		t.Errorf("content type 0: %v", err)
	}
}

func TestWireSenderDataAndAADs(t *testing.T) {
	sd := &senderData{leafIndex: 3, generation: 0x01020304, reuseGuard: [4]byte{9, 8, 7, 6}}
	enc := marshalSenderData(sd)
	if hex.EncodeToString(enc) != "00000003"+"01020304"+"09080706" || len(enc) != senderDataLen {
		t.Fatalf("sender data: %x", enc)
	}
	sd2, err := unmarshalSenderData(enc)
	if err != nil || *sd2 != *sd {
		t.Fatalf("sender data round trip: %+v, %v", sd2, err)
	}
	aad, err := marshalSenderDataAAD([]byte("g"), 5, ContentTypeCommit)
	if err != nil || hex.EncodeToString(aad) != "0167"+"0000000000000005"+"03" {
		t.Errorf("SenderDataAAD: %x, %v", aad, err)
	}
	aad, err = marshalPrivateContentAAD([]byte("g"), 5, ContentTypeApplication, []byte{0xad})
	if err != nil || hex.EncodeToString(aad) != "0167"+"0000000000000005"+"01"+"01ad" {
		t.Errorf("PrivateContentAAD: %x, %v", aad, err)
	}
	in, err := marshalInterimTranscriptHashInput([]byte{1, 2})
	if err != nil || hex.EncodeToString(in) != "020102" {
		t.Errorf("InterimTranscriptHashInput: %x, %v", in, err)
	}
}

func TestWireGroupSecretsRedacted(t *testing.T) {
	joiner := bytes.Repeat([]byte{0x5a}, 32)
	path := bytes.Repeat([]byte{0x6b}, 32)
	gs := &groupSecrets{joinerSecret: joiner, hasPathSecret: true, pathSecret: path,
		psks: []PreSharedKeyID{{Type: PSKTypeExternal, ID: []byte{1}, Nonce: []byte{2}}}}
	enc, err := marshalGroupSecrets(gs)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := unmarshalGroupSecrets(enc)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, dec)
		if strings.Contains(out, "5a5a") || strings.Contains(out, "90 90") || strings.Contains(out, "ZZZZ") ||
			strings.Contains(out, "6b6b") || strings.Contains(out, "kkkk") || !strings.Contains(out, "redacted") {
			t.Errorf("%s prints %q", verb, out)
		}
	}
	if !bytes.Equal(dec.joinerSecret, joiner) || !dec.hasPathSecret || !bytes.Equal(dec.pathSecret, path) {
		t.Fatal("group secrets round trip")
	}
	dec.zero()
	if !bytes.Equal(dec.joinerSecret, make([]byte, 32)) || !bytes.Equal(dec.pathSecret, make([]byte, 32)) {
		t.Error("zero left secret bytes")
	}
	// An absent path secret and a present empty one encode differently
	// and both survive a round trip.
	for _, has := range []bool{false, true} {
		gs := &groupSecrets{joinerSecret: []byte{1}, hasPathSecret: has, pathSecret: []byte{}}
		enc, _ := marshalGroupSecrets(gs)
		dec, err := unmarshalGroupSecrets(enc)
		if err != nil || dec.hasPathSecret != has {
			t.Errorf("hasPathSecret=%v: %+v, %v", has, dec, err)
		}
	}
}

func TestWireEnumStrings(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{ProtocolVersionMLS10.String(), "mls10"},
		{WireFormatKeyPackage.String(), "mls_key_package"},
		{WireFormatPublicMessage.String(), "mls_public_message"},
		{WireFormatPrivateMessage.String(), "mls_private_message"},
		{ContentTypeApplication.String(), "application"},
		{ContentType(7).String(), "ContentType(7)"},
		{SenderTypeNewMemberProposal.String(), "new_member_proposal"},
		{SenderTypeExternal.String(), "external"},
		{CredentialTypeX509.String(), "x509"},
		{CredentialType(0x0a0a).String(), "CredentialType(0x0a0a)"},
		{ExtensionTypeRatchetTree.String(), "ratchet_tree"},
		{ExtensionTypeRequiredCapabilities.String(), "required_capabilities"},
		{ExtensionTypeExternalPub.String(), "external_pub"},
		{ExtensionTypeExternalSenders.String(), "external_senders"},
		{ProposalTypeExternalInit.String(), "external_init"},
		{ProposalTypeReInit.String(), "reinit"},
		{LeafNodeSourceKeyPackage.String(), "key_package"},
		{LeafNodeSourceCommit.String(), "commit"},
		{LeafNodeSource(9).String(), "LeafNodeSource(9)"},
		{PSKTypeExternal.String(), "external"},
		{PSKTypeResumption.String(), "resumption"},
		{PSKType(0).String(), "PSKType(0)"},
		{ResumptionPSKUsageApplication.String(), "application"},
		{ResumptionPSKUsageReInit.String(), "reinit"},
		{ResumptionPSKUsageBranch.String(), "branch"},
		{ResumptionPSKUsage(0).String(), "ResumptionPSKUsage(0)"},
	} {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
}

// TestWireDecodedValuesDoNotAliasInput decodes every MLSMessage field of a
// messages.json case, overwrites the input, and requires that the decoded
// values still encode to the original bytes.
func TestWireDecodedValuesDoNotAliasInput(t *testing.T) {
	cases := wireMessagesVectors(t)
	ran := 0
	for _, f := range cases[0].fields() {
		if !strings.HasPrefix(f.kind.name, "MLSMessage") {
			continue
		}
		in := bytes.Clone(f.data)
		m, err := UnmarshalMLSMessage(in)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		for i := range in {
			in[i] = 0xff
		}
		out, err := m.Marshal()
		if err != nil || !bytes.Equal(out, f.data) {
			t.Errorf("%s: decoded value changed with its input (%v)", f.name, err)
			continue
		}
		ran++
	}
	requireCount(t, "messages.json case 0 (MLSMessage fields)", ran, 7)
}
