package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// messageProtectionVector is one entry of message-protection.json
// (test-vectors.md, "Message Protection").
type messageProtectionVector struct {
	CipherSuite             CipherSuite `json:"cipher_suite"`
	GroupID                 hexBytes    `json:"group_id"`
	Epoch                   uint64      `json:"epoch"`
	TreeHash                hexBytes    `json:"tree_hash"`
	ConfirmedTranscriptHash hexBytes    `json:"confirmed_transcript_hash"`
	SignaturePriv           hexBytes    `json:"signature_priv"`
	SignaturePub            hexBytes    `json:"signature_pub"`
	EncryptionSecret        hexBytes    `json:"encryption_secret"`
	SenderDataSecret        hexBytes    `json:"sender_data_secret"`
	MembershipKey           hexBytes    `json:"membership_key"`
	Proposal                hexBytes    `json:"proposal"`
	ProposalPub             hexBytes    `json:"proposal_pub"`
	ProposalPriv            hexBytes    `json:"proposal_priv"`
	Commit                  hexBytes    `json:"commit"`
	CommitPub               hexBytes    `json:"commit_pub"`
	CommitPriv              hexBytes    `json:"commit_priv"`
	Application             hexBytes    `json:"application"`
	ApplicationPriv         hexBytes    `json:"application_priv"`
}

// mpSender is the leaf every message of message-protection.json comes
// from; the tree has two leaves.
const mpSender LeafIndex = 1

// errBlankLeaf is what the test member lookup returns for a leaf other
// than the sender's.
var errBlankLeaf = errors.New("blank leaf")

func (v *messageProtectionVector) groupContext() *GroupContext {
	return &GroupContext{
		CipherSuite:             v.CipherSuite,
		GroupID:                 v.GroupID,
		Epoch:                   v.Epoch,
		TreeHash:                v.TreeHash,
		ConfirmedTranscriptHash: v.ConfirmedTranscriptHash,
	}
}

// protector returns a fresh message protector for the vector's epoch: a
// new two-leaf secret tree from encryption_secret, in which leaf 1 has
// signature_pub and leaf 0 is blank.
func (v *messageProtectionVector) protector(t testing.TB) *messageProtector {
	t.Helper()
	return v.protectorFor(t, v.groupContext())
}

// protectorFor is protector with another GroupContext.
func (v *messageProtectionVector) protectorFor(t testing.TB, gc *GroupContext) *messageProtector {
	t.Helper()
	s := mustSuite(t, v.CipherSuite)
	pub := bytes.Clone(v.SignaturePub)
	p, err := newMessageProtector(gc, 2,
		encryptionSecret{s, secret(v.EncryptionSecret).clone()},
		senderDataSecret{s, secret(v.SenderDataSecret).clone()},
		membershipKey{s, secret(v.MembershipKey).clone()},
		func(leaf LeafIndex) ([]byte, error) {
			if leaf != mpSender {
				return nil, errBlankLeaf
			}
			return pub, nil
		},
		secretTreeLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (v *messageProtectionVector) signer(t testing.TB) *SigningKey {
	t.Helper()
	k, err := v.CipherSuite.NewSigningKey(v.SignaturePriv)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mpKind is one of the three contents of a vector.
type mpKind struct {
	name      string
	ct        ContentType
	raw       []byte // the proposal, commit or application data as given
	pub, priv []byte // the MLSMessages given (pub is nil for application)
}

func (v *messageProtectionVector) kinds() []mpKind {
	return []mpKind{
		{"proposal", ContentTypeProposal, v.Proposal, v.ProposalPub, v.ProposalPriv},
		{"commit", ContentTypeCommit, v.Commit, v.CommitPub, v.CommitPriv},
		{"application", ContentTypeApplication, v.Application, nil, v.ApplicationPriv},
	}
}

// framedContent returns the FramedContent that carries the raw value of k
// from the vector's sender.
func (v *messageProtectionVector) framedContent(t testing.TB, k mpKind, authenticatedData []byte) *FramedContent {
	t.Helper()
	fc := &FramedContent{
		GroupID:           v.GroupID,
		Epoch:             v.Epoch,
		Sender:            Sender{Type: SenderTypeMember, LeafIndex: mpSender},
		AuthenticatedData: authenticatedData,
		ContentType:       k.ct,
	}
	var err error
	switch k.ct {
	case ContentTypeProposal:
		fc.Proposal, err = unmarshalProposalBytes(k.raw)
	case ContentTypeCommit:
		fc.Commit, err = unmarshalCommit(k.raw)
	case ContentTypeApplication:
		fc.ApplicationData = k.raw
	}
	if err != nil {
		t.Fatal(err)
	}
	return fc
}

// contentBytes encodes the proposal, commit or application data of fc, to
// compare with the raw value of a vector.
func contentBytes(t testing.TB, fc *FramedContent) []byte {
	t.Helper()
	var b []byte
	var err error
	switch fc.ContentType {
	case ContentTypeProposal:
		b, err = marshalProposalBytes(fc.Proposal)
	case ContentTypeCommit:
		b, err = marshalCommit(fc.Commit)
	case ContentTypeApplication:
		b = fc.ApplicationData
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkUnprotected fails unless ac is k's raw value from the vector's
// sender in the vector's group and epoch.
func (v *messageProtectionVector) checkUnprotected(t testing.TB, k mpKind, ac *AuthenticatedContent, wf WireFormat) {
	t.Helper()
	fc := &ac.Content
	if ac.WireFormat != wf || fc.ContentType != k.ct || fc.Sender != (Sender{Type: SenderTypeMember, LeafIndex: mpSender}) ||
		!bytes.Equal(fc.GroupID, v.GroupID) || fc.Epoch != v.Epoch {
		t.Fatalf("unprotected %v %v from %+v in epoch %d", ac.WireFormat, fc.ContentType, fc.Sender, fc.Epoch)
	}
	if got := contentBytes(t, fc); !bytes.Equal(got, k.raw) {
		t.Fatalf("unprotected %s = %x, want %x", k.name, got, k.raw)
	}
}

func decodeMessage(t testing.TB, b []byte) *MLSMessage {
	t.Helper()
	m, err := UnmarshalMLSMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func encodeMessage(t testing.TB, m *MLSMessage) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// privatePadding returns the padding length of a PrivateMessage that
// decrypted to ac: the plaintext length (the ciphertext less the 16-byte
// tag of all three AEADs) less the encoded content and auth.
func privatePadding(t testing.TB, pm *PrivateMessage, ac *AuthenticatedContent) int {
	t.Helper()
	body, err := marshalPrivateMessageContent(ac.Content.ContentType, &privateMessageContent{
		applicationData: ac.Content.ApplicationData,
		proposal:        ac.Content.Proposal,
		commit:          ac.Content.Commit,
		auth:            ac.Auth,
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(pm.Ciphertext) - 16 - len(body)
}

// reprotectPrivate protects ac, the content of the PrivateMessage pm,
// again with a fresh protector in the state pm was made in: the sender's
// ratchet at pm's generation, the reuse guard and the padding of pm. It
// returns the encoded MLSMessage, which must equal pm's encoding.
func (v *messageProtectionVector) reprotectPrivate(t testing.TB, pm *PrivateMessage, ac *AuthenticatedContent) []byte {
	t.Helper()
	p := v.protector(t)
	sd, err := p.openSenderData(pm)
	if err != nil {
		t.Fatal(err)
	}
	kind, err := ratchetFor(pm.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	for range sd.generation {
		_, kn, err := p.tree.next(sd.leafIndex, kind)
		if err != nil {
			t.Fatal(err)
		}
		kn.zero()
	}
	p.rand = bytes.NewReader(sd.reuseGuard[:])
	out, err := p.protectPrivate(ac, privatePadding(t, pm, ac))
	if err != nil {
		t.Fatal(err)
	}
	return encodeMessage(t, &MLSMessage{WireFormat: WireFormatPrivateMessage, PrivateMessage: out})
}

// mpCounts counts what TestMessageProtectionVectors checked.
type mpCounts struct {
	unprotected   int // given messages unprotected to the given values
	reprotected   int // unprotected content protected again, byte for byte
	ownRoundTrips int // raw values protected afresh, then unprotected
	appPublic     int // application data refused as a PublicMessage
	signatures    int // EdDSA signatures recomputed byte for byte
}

// TestMessageProtectionVectors checks message protection (RFC 9420 §6)
// against every entry of message-protection.json, for proposal, commit and
// application content alike, in both directions:
//
//   - unprotect: each given PublicMessage (proposal_pub, commit_pub)
//     verifies with membership_key and signature_pub, and each given
//     PrivateMessage (proposal_priv, commit_priv, application_priv)
//     decrypts and verifies with a fresh two-leaf secret tree and
//     sender_data_secret, to the given proposal, commit or application
//     data;
//   - re-protect: the AuthenticatedContent so obtained, protected again
//     with the same sender ratchet generation, reuse guard and padding
//     (read back from the message), gives the given message byte for
//     byte, PublicMessage and PrivateMessage, in every suite;
//   - protect afresh: the raw value, signed anew with signature_priv and
//     protected with fresh randomness (a new reuse guard; ECDSA signatures
//     are randomized too), unprotects with a fresh protector to the same
//     value. Byte equality with the vector is impossible here, which is
//     why the re-protect step exists. For the EdDSA suites the new
//     signature must equal the vector's (EdDSA is deterministic);
//   - application data cannot be protected as a PublicMessage.
func TestMessageProtectionVectors(t *testing.T) {
	var vectors []messageProtectionVector
	loadVectors(t, "message-protection.json", &vectors)
	var n mpCounts
	eddsa := 0
	for _, v := range vectors {
		t.Run(v.CipherSuite.String(), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			deterministic := s.sig == ed25519Scheme || s.sig == ed448Scheme
			if deterministic {
				eddsa++
			}
			signer := v.signer(t)
			for _, k := range v.kinds() {
				t.Run(k.name, func(t *testing.T) {
					if k.pub != nil {
						v.checkPublic(t, k, deterministic, signer, &n)
					} else {
						v.checkApplicationNotPublic(t, k, signer)
						n.appPublic++
					}
					v.checkPrivate(t, k, deterministic, signer, &n)
				})
			}
		})
	}
	requireCount(t, "message-protection.json (entries)", len(vectors), 7)
	requireCount(t, "message-protection.json (given messages unprotected)", n.unprotected, 5*len(vectors))
	requireCount(t, "message-protection.json (messages re-protected byte for byte)", n.reprotected, 5*len(vectors))
	requireCount(t, "message-protection.json (raw values protected and unprotected)", n.ownRoundTrips, 5*len(vectors))
	requireCount(t, "message-protection.json (application refused as PublicMessage)", n.appPublic, len(vectors))
	requireCount(t, "message-protection.json (EdDSA signatures recomputed)", n.signatures, 5*eddsa)
	if eddsa != 4 {
		t.Fatalf("%d EdDSA suites, want 4", eddsa)
	}
}

// checkPublic runs the PublicMessage checks of TestMessageProtectionVectors
// for one content.
func (v *messageProtectionVector) checkPublic(t *testing.T, k mpKind, deterministic bool, signer *SigningKey, n *mpCounts) {
	// Unprotect the given message.
	given := decodeMessage(t, k.pub)
	ac, err := v.protector(t).unprotect(given)
	if err != nil {
		t.Fatalf("unprotect %s_pub: %v", k.name, err)
	}
	v.checkUnprotected(t, k, ac, WireFormatPublicMessage)
	n.unprotected++

	// Re-protect it: the membership tag is deterministic.
	pm, err := v.protector(t).protectPublic(ac)
	if err != nil {
		t.Fatal(err)
	}
	if out := encodeMessage(t, &MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: pm}); !bytes.Equal(out, k.pub) {
		t.Fatalf("re-protected %s_pub differs:\n got %x\nwant %x", k.name, out, k.pub)
	}
	n.reprotected++

	// Protect the raw value afresh and unprotect the result.
	p := v.protector(t)
	fc := v.framedContent(t, k, ac.Content.AuthenticatedData)
	own, err := p.sign(WireFormatPublicMessage, fc, signer)
	if err != nil {
		t.Fatal(err)
	}
	if deterministic {
		if !bytes.Equal(own.Auth.Signature, ac.Auth.Signature) {
			t.Fatalf("EdDSA signature differs from the vector's")
		}
		n.signatures++
	}
	own.Auth.ConfirmationTag = ac.Auth.ConfirmationTag
	pm, err = p.protectPublic(own)
	if err != nil {
		t.Fatal(err)
	}
	wire := encodeMessage(t, &MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: pm})
	back, err := v.protector(t).unprotect(decodeMessage(t, wire))
	if err != nil {
		t.Fatalf("unprotect own %s PublicMessage: %v", k.name, err)
	}
	v.checkUnprotected(t, k, back, WireFormatPublicMessage)
	n.ownRoundTrips++
}

// checkApplicationNotPublic checks that application data cannot be signed
// or protected as a PublicMessage, nor accepted as one.
func (v *messageProtectionVector) checkApplicationNotPublic(t *testing.T, k mpKind, signer *SigningKey) {
	p := v.protector(t)
	fc := v.framedContent(t, k, nil)
	if _, err := p.sign(WireFormatPublicMessage, fc, signer); !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("signing application data for a PublicMessage: %v", err)
	}
	forged := &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: *fc, Auth: FramedContentAuthData{Signature: []byte{1}}}
	if _, err := p.protectPublic(forged); !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("protecting application data as a PublicMessage: %v", err)
	}
	if _, err := p.unprotectPublic(&PublicMessage{Content: *fc, Auth: forged.Auth, MembershipTag: []byte{1}}); !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("unprotecting application data in a PublicMessage: %v", err)
	}
}

// checkPrivate runs the PrivateMessage checks of
// TestMessageProtectionVectors for one content.
func (v *messageProtectionVector) checkPrivate(t *testing.T, k mpKind, deterministic bool, signer *SigningKey, n *mpCounts) {
	// Unprotect the given message; read its sender data back for the
	// re-protect step.
	given := decodeMessage(t, k.priv)
	receiver := v.protector(t)
	sd, err := receiver.openSenderData(given.PrivateMessage)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := receiver.unprotect(given)
	if err != nil {
		t.Fatalf("unprotect %s_priv: %v", k.name, err)
	}
	v.checkUnprotected(t, k, ac, WireFormatPrivateMessage)
	n.unprotected++

	// Re-protect it with the same generation, reuse guard and padding.
	if out := v.reprotectPrivate(t, given.PrivateMessage, ac); !bytes.Equal(out, k.priv) {
		t.Fatalf("re-protected %s_priv differs (generation %d):\n got %x\nwant %x", k.name, sd.generation, out, k.priv)
	}
	n.reprotected++

	// Protect the raw value afresh, with padding, and unprotect it.
	sender := v.protector(t)
	fc := v.framedContent(t, k, []byte("authenticated data"))
	own, err := sender.sign(WireFormatPrivateMessage, fc, signer)
	if err != nil {
		t.Fatal(err)
	}
	if deterministic {
		check := v.framedContent(t, k, ac.Content.AuthenticatedData)
		again, err := sender.sign(WireFormatPrivateMessage, check, signer)
		if err != nil || !bytes.Equal(again.Auth.Signature, ac.Auth.Signature) {
			t.Fatalf("EdDSA signature differs from the vector's (%v)", err)
		}
		n.signatures++
	}
	own.Auth.ConfirmationTag = ac.Auth.ConfirmationTag
	pm, err := sender.protectPrivate(own, 31)
	if err != nil {
		t.Fatal(err)
	}
	wire := encodeMessage(t, &MLSMessage{WireFormat: WireFormatPrivateMessage, PrivateMessage: pm})
	back, err := v.protector(t).unprotect(decodeMessage(t, wire))
	if err != nil {
		t.Fatalf("unprotect own %s PrivateMessage: %v", k.name, err)
	}
	v.checkUnprotected(t, k, back, WireFormatPrivateMessage)
	if !bytes.Equal(back.Content.AuthenticatedData, fc.AuthenticatedData) || !bytes.Equal(back.Auth.ConfirmationTag, own.Auth.ConfirmationTag) {
		t.Fatal("authenticated data or confirmation tag lost")
	}
	n.ownRoundTrips++
}

// TestMessageProtectionGenerations checks a sequence of PrivateMessages
// from one sender: generations advance per ratchet (application and
// handshake separately), messages decrypt out of order, and a replay fails
// with ErrGenerationConsumed.
func TestMessageProtectionGenerations(t *testing.T) {
	var vectors []messageProtectionVector
	loadVectors(t, "message-protection.json", &vectors)
	v := &vectors[0]
	sender, receiver := v.protector(t), v.protector(t)
	signer := v.signer(t)
	var msgs []*PrivateMessage
	for i := range 6 {
		k := v.kinds()[2]
		if i%3 == 2 {
			k = v.kinds()[0]
		}
		ac, err := sender.sign(WireFormatPrivateMessage, v.framedContent(t, k, []byte{byte(i)}), signer)
		if err != nil {
			t.Fatal(err)
		}
		pm, err := sender.protectPrivate(ac, i)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := receiver.openSenderData(pm)
		if err != nil {
			t.Fatal(err)
		}
		// Messages 0, 1, 3, 4 are application (generations 0-3), 2
		// and 5 proposals (generations 0, 1).
		want := map[int]uint32{0: 0, 1: 1, 2: 0, 3: 2, 4: 3, 5: 1}[i]
		if sd.generation != want || sd.leafIndex != mpSender {
			t.Fatalf("message %d: leaf %d generation %d, want generation %d", i, sd.leafIndex, sd.generation, want)
		}
		msgs = append(msgs, pm)
	}
	for _, i := range []int{4, 0, 5, 2, 3, 1} {
		ac, err := receiver.unprotectPrivate(msgs[i])
		if err != nil {
			t.Fatalf("message %d out of order: %v", i, err)
		}
		if !bytes.Equal(ac.Content.AuthenticatedData, []byte{byte(i)}) {
			t.Fatalf("message %d: authenticated data %x", i, ac.Content.AuthenticatedData)
		}
	}
	for i, pm := range msgs {
		if _, err := receiver.unprotectPrivate(pm); !errors.Is(err, ErrGenerationConsumed) {
			t.Fatalf("replayed message %d: %v", i, err)
		}
	}
}

// TestMessageProtectionRedaction checks that a protector prints redacted,
// and that zero wipes its secrets.
func TestMessageProtectionRedaction(t *testing.T) {
	var vectors []messageProtectionVector
	loadVectors(t, "message-protection.json", &vectors)
	v := &vectors[0]
	p := v.protector(t)
	requireRedacted(t, v.MembershipKey, p, *p, fmt.Sprint(p))
	requireRedacted(t, v.SenderDataSecret, p, *p)
	mk, sd := p.membership.secret, p.senderData.secret
	p.zero()
	if !bytes.Equal(mk, make([]byte, len(mk))) || !bytes.Equal(sd, make([]byte, len(sd))) || len(p.tree.nodes) != 0 {
		t.Fatal("zero left secrets behind")
	}
}

// TestEpochMessageProtector joins the key schedule to message protection:
// for each suite, two members derive epoch 1 of key-schedule.json
// independently, each turns its epochSecrets into a messageProtector, and
// a PrivateMessage and a PublicMessage from one reach the other. The
// message secrets leave the epochSecrets.
func TestEpochMessageProtector(t *testing.T) {
	var vectors []keyScheduleVector
	loadVectors(t, "key-schedule.json", &vectors)
	ran := 0
	for _, v := range vectors {
		t.Run(v.CipherSuite.String(), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			e := v.Epochs[0]
			gc := &GroupContext{CipherSuite: v.CipherSuite, GroupID: v.GroupID, TreeHash: e.TreeHash, ConfirmedTranscriptHash: e.ConfirmedTranscriptHash}
			gcBytes, err := marshalGroupContext(gc)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := v.CipherSuite.GenerateSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			lookup := func(leaf LeafIndex) ([]byte, error) {
				if leaf != 2 {
					return nil, errBlankLeaf
				}
				return signer.PublicKey(), nil
			}
			member := func() *messageProtector {
				init, err := s.newInitSecret(v.InitialInitSecret)
				if err != nil {
					t.Fatal(err)
				}
				joiner, err := init.joinerSecret(secret(e.CommitSecret), gcBytes)
				if err != nil {
					t.Fatal(err)
				}
				es, err := newEpochSecrets(joiner, pskSecret{secret(e.PSKSecret)}, gcBytes)
				if err != nil {
					t.Fatal(err)
				}
				p, err := es.messageProtector(gc, 4, lookup, secretTreeLimits{})
				if err != nil {
					t.Fatal(err)
				}
				if es.encryption.secret != nil || es.senderData.secret != nil || es.membership.secret != nil {
					t.Fatal("message secrets left in epochSecrets")
				}
				return p
			}
			alice, bob := member(), member()
			for _, wf := range []WireFormat{WireFormatPrivateMessage, WireFormatPublicMessage} {
				fc := &FramedContent{GroupID: gc.GroupID, Sender: Sender{Type: SenderTypeMember, LeafIndex: 2},
					ContentType: ContentTypeProposal, Proposal: &RemoveProposal{Removed: 1}}
				ac, err := alice.sign(wf, fc, signer)
				if err != nil {
					t.Fatal(err)
				}
				m := &MLSMessage{WireFormat: wf}
				if wf == WireFormatPrivateMessage {
					m.PrivateMessage, err = alice.protectPrivate(ac, 0)
				} else {
					m.PublicMessage, err = alice.protectPublic(ac)
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := bob.unprotect(decodeMessage(t, encodeMessage(t, m)))
				if err != nil {
					t.Fatalf("%v: %v", wf, err)
				}
				if got.Content.Proposal.(*RemoveProposal).Removed != 1 {
					t.Fatalf("%v: content changed", wf)
				}
			}
			ran++
		})
	}
	requireCount(t, "key-schedule.json (epoch to message protector)", ran, len(vectors))

	// Secrets of one suite with a GroupContext of another are refused.
	s1, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	e, _ := s1.randomEpochSecret()
	es, _ := e.derive()
	if _, err := es.messageProtector(&GroupContext{CipherSuite: MLS_256_DHKEMP384_AES256GCM_SHA384_P384}, 2, func(LeafIndex) ([]byte, error) { return nil, nil }, secretTreeLimits{}); !errors.Is(err, ErrUnsupportedCipherSuite) {
		t.Fatalf("suite mismatch: %v", err)
	}
}
