package mls

import (
	"bytes"
	"errors"
	"testing"
)

// nonMemberFixture sets up the suite 0x0001 epoch of message-protection.json
// with an external_senders extension naming extKey, and a KeyPackage (from
// welcome.json) whose LeafNode carries joinerKey.
type nonMemberFixture struct {
	v         *messageProtectionVector
	gc        *GroupContext
	extKey    *SigningKey
	joinerKey *SigningKey
	kp        KeyPackage
}

func newNonMemberFixture(t *testing.T) *nonMemberFixture {
	t.Helper()
	var vectors []messageProtectionVector
	loadVectors(t, "message-protection.json", &vectors)
	var welcomes []struct {
		KeyPackage hexBytes `json:"key_package"`
	}
	loadVectors(t, "welcome.json", &welcomes)
	f := &nonMemberFixture{v: &vectors[0]}
	cs := f.v.CipherSuite
	var err error
	if f.extKey, err = cs.GenerateSigningKey(); err != nil {
		t.Fatal(err)
	}
	if f.joinerKey, err = cs.GenerateSigningKey(); err != nil {
		t.Fatal(err)
	}
	senders, err := MarshalExternalSenders([]ExternalSender{{
		SignatureKey: f.extKey.PublicKey(),
		Credential:   Credential{Type: CredentialTypeBasic, Identity: []byte("delivery service")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.gc = f.v.groupContext()
	f.gc.Extensions = []Extension{{Type: ExtensionTypeExternalSenders, Data: senders}}
	m := decodeMessage(t, welcomes[0].KeyPackage)
	if m.KeyPackage.CipherSuite != cs {
		t.Fatalf("welcome.json[0] is suite %v", m.KeyPackage.CipherSuite)
	}
	f.kp = *m.KeyPackage
	f.kp.LeafNode.SignatureKey = f.joinerKey.PublicKey()
	return f
}

func (f *nonMemberFixture) content(sender Sender, ct ContentType) *FramedContent {
	return &FramedContent{GroupID: f.gc.GroupID, Epoch: f.gc.Epoch, Sender: sender, ContentType: ct}
}

// roundTrip signs fc with key over gc, protects it as a PublicMessage,
// sends it through the wire encoding, and unprotects it with a protector
// of the fixture's epoch.
func (f *nonMemberFixture) roundTrip(t *testing.T, key *SigningKey, fc *FramedContent, gc *GroupContext) (*AuthenticatedContent, error) {
	t.Helper()
	ac, err := signContent(key, WireFormatPublicMessage, fc, gc)
	if err != nil {
		t.Fatal(err)
	}
	p := f.v.protectorFor(t, f.gc)
	pm, err := p.protectPublic(ac)
	if err != nil {
		t.Fatal(err)
	}
	if pm.MembershipTag != nil {
		t.Fatalf("%v sender got a membership tag", fc.Sender.Type)
	}
	wire := encodeMessage(t, &MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: pm})
	return f.v.protectorFor(t, f.gc).unprotect(decodeMessage(t, wire))
}

// TestUnprotectExternalSender checks PublicMessages from an external
// sender (RFC 9420 §12.1.8): a Remove proposal signed with the key of
// external_senders[0] verifies; another index, another key, or a proposal
// type external senders may not send is refused.
func TestUnprotectExternalSender(t *testing.T) {
	f := newNonMemberFixture(t)
	fc := f.content(Sender{Type: SenderTypeExternal}, ContentTypeProposal)
	fc.Proposal = &RemoveProposal{Removed: 1}
	ac, err := f.roundTrip(t, f.extKey, fc, f.gc)
	if err != nil {
		t.Fatal(err)
	}
	if ac.Content.Sender.Type != SenderTypeExternal || ac.Content.Proposal.ProposalType() != ProposalTypeRemove {
		t.Fatalf("unprotected %+v", ac.Content)
	}
	if _, err := f.roundTrip(t, f.joinerKey, fc, f.gc); !errors.Is(err, ErrSignatureVerification) {
		t.Errorf("signed by another key: %v", err)
	}
	fc.Sender.SenderIndex = 1
	if _, err := f.roundTrip(t, f.extKey, fc, f.gc); !errors.Is(err, ErrInvalidSender) {
		t.Errorf("external sender 1 of 1: %v", err)
	}

	fc.Sender.SenderIndex = 0
	fc.Proposal = &UpdateProposal{LeafNode: f.kp.LeafNode}
	if _, err := signContent(f.extKey, WireFormatPublicMessage, fc, f.gc); !errors.Is(err, ErrInvalidSender) {
		t.Errorf("signing an external Update: %v", err)
	}
	p := f.v.protectorFor(t, f.gc)
	if _, err := p.unprotectPublic(&PublicMessage{Content: *fc, Auth: FramedContentAuthData{Signature: []byte{1}}}); !errors.Is(err, ErrInvalidSender) {
		t.Errorf("external Update: %v", err)
	}

	// A malformed external_senders extension is refused, not trusted.
	bad := *f.gc
	bad.Extensions = []Extension{{Type: ExtensionTypeExternalSenders, Data: []byte{0xff}}}
	fc.Proposal = &RemoveProposal{}
	pm := &PublicMessage{Content: *fc, Auth: FramedContentAuthData{Signature: []byte{1}}}
	if _, err := f.v.protectorFor(t, &bad).unprotectPublic(pm); !errors.Is(err, ErrInvalidSender) || !errors.Is(err, ErrMalformed) {
		t.Errorf("malformed external_senders: %v", err)
	}
}

// TestUnprotectNewMemberProposal checks a new_member_proposal sender (RFC
// 9420 §6.1): an Add proposal signed with the key in its own KeyPackage's
// LeafNode verifies; any other proposal is refused.
func TestUnprotectNewMemberProposal(t *testing.T) {
	f := newNonMemberFixture(t)
	fc := f.content(Sender{Type: SenderTypeNewMemberProposal}, ContentTypeProposal)
	fc.Proposal = &AddProposal{KeyPackage: f.kp}
	// FramedContentTBS has no GroupContext for this sender type.
	if _, err := f.roundTrip(t, f.joinerKey, fc, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.roundTrip(t, f.extKey, fc, nil); !errors.Is(err, ErrSignatureVerification) {
		t.Errorf("signed by another key: %v", err)
	}
	fc.Proposal = &RemoveProposal{}
	if _, err := signContent(f.joinerKey, WireFormatPublicMessage, fc, nil); !errors.Is(err, ErrInvalidSender) {
		t.Errorf("new member Remove: %v", err)
	}
}

// TestUnprotectNewMemberCommit checks an external Commit (RFC 9420
// §12.4.3.2): signed with the key of the LeafNode in its path over the
// group's GroupContext it verifies; signed over another GroupContext (a
// stale GroupInfo) or without a path it is refused.
func TestUnprotectNewMemberCommit(t *testing.T) {
	f := newNonMemberFixture(t)
	fc := f.content(Sender{Type: SenderTypeNewMemberCommit}, ContentTypeCommit)
	fc.Commit = &Commit{
		Proposals: []ProposalOrRef{{Proposal: &ExternalInitProposal{KEMOutput: []byte("kem output")}}},
		Path:      &UpdatePath{LeafNode: f.kp.LeafNode},
	}
	ac, err := f.roundTrip(t, f.joinerKey, fc, f.gc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ac.Content.Commit.Path.LeafNode.SignatureKey, f.joinerKey.PublicKey()) {
		t.Fatal("commit path lost")
	}
	stale := *f.gc
	stale.TreeHash = flipLast(stale.TreeHash)
	if _, err := f.roundTrip(t, f.joinerKey, fc, &stale); !errors.Is(err, ErrSignatureVerification) {
		t.Errorf("signed over a stale GroupContext: %v", err)
	}
	if _, err := signContent(f.joinerKey, WireFormatPublicMessage, fc, nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("signing a new member commit without the GroupContext: %v", err)
	}
	fc.Commit.Path = nil
	if _, err := signContent(f.joinerKey, WireFormatPublicMessage, fc, f.gc); !errors.Is(err, ErrInvalidSender) {
		t.Errorf("new member commit without a path: %v", err)
	}
}
