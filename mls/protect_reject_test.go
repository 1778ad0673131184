package mls

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// mpFixture is a message-protection.json entry with a signer, and the
// vector's messages decoded.
type mpFixture struct {
	v      *messageProtectionVector
	signer *SigningKey
	pub    *PublicMessage  // commit_pub
	priv   *PrivateMessage // application_priv
}

// mpFixtures returns one fixture per suite.
func mpFixtures(t *testing.T) []mpFixture {
	t.Helper()
	var vectors []messageProtectionVector
	loadVectors(t, "message-protection.json", &vectors)
	var out []mpFixture
	for i := range vectors {
		v := &vectors[i]
		out = append(out, mpFixture{
			v:      v,
			signer: v.signer(t),
			pub:    decodeMessage(t, v.CommitPub).PublicMessage,
			priv:   decodeMessage(t, v.ApplicationPriv).PrivateMessage,
		})
	}
	return out
}

func flipFirst(b []byte) []byte {
	b = bytes.Clone(b)
	b[0] ^= 0x80
	return b
}

func flipLast(b []byte) []byte {
	b = bytes.Clone(b)
	b[len(b)-1] ^= 0x80
	return b
}

// TestUnprotectPublicRejects checks that a PublicMessage is refused, with
// the sentinel that names the reason, when any authenticated part is
// changed or it is processed with another epoch's keys, in every suite.
func TestUnprotectPublicRejects(t *testing.T) {
	for _, f := range mpFixtures(t) {
		t.Run(f.v.CipherSuite.String(), func(t *testing.T) {
			tamper := func(change func(pm *PublicMessage)) *PublicMessage {
				pm := *f.pub
				pm.Content.Commit = &Commit{Proposals: slices.Clone(f.pub.Content.Commit.Proposals), Path: f.pub.Content.Commit.Path}
				change(&pm)
				return &pm
			}
			gc := f.v.groupContext()
			otherEpoch, otherGroup := *gc, *gc
			otherEpoch.Epoch++
			otherGroup.GroupID = flipLast(gc.GroupID)
			otherCTH := *gc
			otherCTH.ConfirmedTranscriptHash = flipLast(gc.ConfirmedTranscriptHash)
			cases := []struct {
				name string
				p    *messageProtector
				pm   *PublicMessage
				want error
			}{
				{"membership tag", f.v.protector(t), tamper(func(pm *PublicMessage) { pm.MembershipTag = flipLast(pm.MembershipTag) }), ErrMembershipTag},
				{"no membership tag", f.v.protector(t), tamper(func(pm *PublicMessage) { pm.MembershipTag = nil }), ErrMembershipTag},
				{"confirmation tag", f.v.protector(t), tamper(func(pm *PublicMessage) { pm.Auth.ConfirmationTag = flipLast(pm.Auth.ConfirmationTag) }), ErrMembershipTag},
				{"authenticated data", f.v.protector(t), tamper(func(pm *PublicMessage) { pm.Content.AuthenticatedData = []byte("x") }), ErrMembershipTag},
				{"commit", f.v.protector(t), tamper(func(pm *PublicMessage) {
					pm.Content.Commit.Proposals = append(pm.Content.Commit.Proposals, ProposalOrRef{Proposal: &RemoveProposal{}})
				}), ErrMembershipTag},
				{"wrong epoch", f.v.protectorFor(t, &otherEpoch), f.pub, ErrWrongEpoch},
				{"wrong group", f.v.protectorFor(t, &otherGroup), f.pub, ErrWrongGroup},
				// Another GroupContext with the same group and epoch: the
				// membership tag covers FramedContentTBS, which holds it.
				{"other group context", f.v.protectorFor(t, &otherCTH), f.pub, ErrMembershipTag},
				{"blank sender leaf", f.v.protector(t), tamper(func(pm *PublicMessage) { pm.Content.Sender.LeafIndex = 0 }), ErrInvalidSender},
				{"external sender without extension", f.v.protector(t), tamper(func(pm *PublicMessage) {
					pm.Content.ContentType, pm.Content.Proposal, pm.Content.Commit = ContentTypeProposal, &RemoveProposal{}, nil
					pm.Content.Sender = Sender{Type: SenderTypeExternal}
					pm.MembershipTag = nil
				}), ErrInvalidSender},
				{"membership tag from a new member", f.v.protector(t), tamper(func(pm *PublicMessage) {
					pm.Content.Sender = Sender{Type: SenderTypeNewMemberCommit}
					pm.Content.Commit.Path = &UpdatePath{}
				}), ErrInvalidContent},
				{"new member commit without a path", f.v.protector(t), tamper(func(pm *PublicMessage) {
					pm.Content.Sender = Sender{Type: SenderTypeNewMemberCommit}
					pm.MembershipTag = nil
				}), ErrInvalidSender},
			}
			for _, c := range cases {
				if _, err := c.p.unprotectPublic(c.pm); !errors.Is(err, c.want) {
					t.Errorf("%s: %v, want %v", c.name, err, c.want)
				}
			}

			// A valid membership tag over a bad signature: recompute the
			// tag so that only the signature is wrong.
			p := f.v.protector(t)
			forged := &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: f.pub.Content, Auth: f.pub.Auth}
			forged.Auth.Signature = flipLast(forged.Auth.Signature)
			pm, err := p.protectPublic(forged)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.unprotectPublic(pm); !errors.Is(err, ErrSignatureVerification) {
				t.Errorf("bad signature: %v", err)
			}
			// The vector's message still verifies: unprotect changed no
			// state.
			if _, err := p.unprotectPublic(f.pub); err != nil {
				t.Errorf("after the rejections: %v", err)
			}
		})
	}
}

// TestUnprotectPrivateRejects checks that a PrivateMessage is refused when
// any part is changed, and that no rejection consumes the sender's key: the
// original message still decrypts afterwards, once.
func TestUnprotectPrivateRejects(t *testing.T) {
	for _, f := range mpFixtures(t) {
		t.Run(f.v.CipherSuite.String(), func(t *testing.T) {
			tamper := func(change func(pm *PrivateMessage)) *PrivateMessage {
				pm := *f.priv
				change(&pm)
				return &pm
			}
			gc := f.v.groupContext()
			otherEpoch := *gc
			otherEpoch.Epoch++
			cases := []struct {
				name string
				pm   *PrivateMessage
				want error
			}{
				{"encrypted sender data", tamper(func(pm *PrivateMessage) { pm.EncryptedSenderData = flipLast(pm.EncryptedSenderData) }), ErrDecryption},
				{"content type in the clear", tamper(func(pm *PrivateMessage) { pm.ContentType = ContentTypeProposal }), ErrDecryption},
				// The sender data key comes from the first KDF.Nh bytes of
				// the ciphertext: a change there fails before any content
				// key is taken, a change after it fails the content.
				{"ciphertext sample", tamper(func(pm *PrivateMessage) { pm.Ciphertext = flipFirst(pm.Ciphertext) }), ErrDecryption},
				{"ciphertext", tamper(func(pm *PrivateMessage) { pm.Ciphertext = flipLast(pm.Ciphertext) }), ErrDecryption},
				{"empty ciphertext", tamper(func(pm *PrivateMessage) { pm.Ciphertext = nil }), ErrDecryption},
				{"authenticated data", tamper(func(pm *PrivateMessage) { pm.AuthenticatedData = []byte("x") }), ErrDecryption},
				{"unknown content type", tamper(func(pm *PrivateMessage) { pm.ContentType = 9 }), ErrInvalidContent},
				{"wrong epoch", tamper(func(pm *PrivateMessage) { pm.Epoch++ }), ErrWrongEpoch},
				{"wrong group", tamper(func(pm *PrivateMessage) { pm.GroupID = flipLast(pm.GroupID) }), ErrWrongGroup},
			}
			for _, c := range cases {
				p := f.v.protector(t)
				if _, err := p.unprotectPrivate(c.pm); !errors.Is(err, c.want) {
					t.Errorf("%s: %v, want %v", c.name, err, c.want)
				}
				if _, err := p.unprotectPrivate(f.priv); err != nil {
					t.Errorf("%s: the original message then gives %v", c.name, err)
				}
				if _, err := p.unprotectPrivate(f.priv); !errors.Is(err, ErrGenerationConsumed) {
					t.Errorf("%s: the original message replayed gives %v, want ErrGenerationConsumed", c.name, err)
				}
			}

			// Keys of another epoch (same secrets, other GroupContext):
			// the message names the other epoch.
			if _, err := f.v.protectorFor(t, &otherEpoch).unprotectPrivate(f.priv); !errors.Is(err, ErrWrongEpoch) {
				t.Errorf("other epoch: %v", err)
			}
		})
	}
}

// TestUnprotectPrivateSenderChecks checks the sender checks of a
// PrivateMessage: a sender data leaf that is blank is refused before any
// key is taken from the secret tree, a bad signature after decryption is
// ErrSignatureVerification, non-zero padding is ErrMalformed, and other
// content than the sender data names does not verify.
func TestUnprotectPrivateSenderChecks(t *testing.T) {
	for _, f := range mpFixtures(t) {
		t.Run(f.v.CipherSuite.String(), func(t *testing.T) {
			k := f.v.kinds()[2]
			sign := func(p *messageProtector, leaf LeafIndex) *AuthenticatedContent {
				fc := f.v.framedContent(t, k, nil)
				fc.Sender.LeafIndex = leaf
				ac, err := p.sign(WireFormatPrivateMessage, fc, f.signer)
				if err != nil {
					t.Fatal(err)
				}
				return ac
			}

			// Leaf 0 is blank for the receiver.
			sender, receiver := f.v.protector(t), f.v.protector(t)
			pm, err := sender.protectPrivate(sign(sender, 0), 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := receiver.unprotectPrivate(pm); !errors.Is(err, ErrInvalidSender) || !errors.Is(err, errBlankLeaf) {
				t.Errorf("blank leaf: %v", err)
			}
			if len(receiver.tree.ratchets) != 0 {
				t.Error("a message from a blank leaf initialized a ratchet")
			}

			// A bad signature under a valid encryption.
			ac := sign(sender, mpSender)
			ac.Auth.Signature = flipLast(ac.Auth.Signature)
			pm, err = sender.protectPrivate(ac, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := receiver.unprotectPrivate(pm); !errors.Is(err, ErrSignatureVerification) {
				t.Errorf("bad signature: %v", err)
			}

			// Non-zero padding.
			ac = sign(sender, mpSender)
			body, err := marshalPrivateMessageContent(k.ct, &privateMessageContent{applicationData: k.raw, auth: ac.Auth, paddingLen: 4})
			if err != nil {
				t.Fatal(err)
			}
			body[len(body)-2] = 1
			pm, err = sender.sealContent(&ac.Content, applicationRatchet, body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := receiver.unprotectPrivate(pm); !errors.Is(err, ErrMalformed) {
				t.Errorf("non-zero padding: %v", err)
			}

			// Application content sealed under the handshake ratchet:
			// a fresh receiver takes the application ratchet's key of
			// the same generation, which does not decrypt.
			body[len(body)-2] = 0
			sender = f.v.protector(t)
			pm, err = sender.sealContent(&ac.Content, handshakeRatchet, body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.v.protector(t).unprotectPrivate(pm); !errors.Is(err, ErrDecryption) {
				t.Errorf("wrong ratchet: %v", err)
			}
		})
	}
}

// TestProtectRejects checks what protect refuses: content for another
// wire format, group or epoch, non-member senders in a PrivateMessage,
// negative padding, and a signing key of another suite.
func TestProtectRejects(t *testing.T) {
	f := mpFixtures(t)[0]
	p := f.v.protector(t)
	k := f.v.kinds()[0]
	pubAC, err := p.sign(WireFormatPublicMessage, f.v.framedContent(t, k, nil), f.signer)
	if err != nil {
		t.Fatal(err)
	}
	privAC, err := p.sign(WireFormatPrivateMessage, f.v.framedContent(t, k, nil), f.signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.protectPrivate(pubAC, 0); !errors.Is(err, ErrInvalidContent) {
		t.Errorf("public content as PrivateMessage: %v", err)
	}
	if _, err := p.protectPublic(privAC); !errors.Is(err, ErrInvalidContent) {
		t.Errorf("private content as PublicMessage: %v", err)
	}
	if _, err := p.protectPrivate(privAC, -1); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("negative padding: %v", err)
	}
	ext := *privAC
	ext.Content.Sender = Sender{Type: SenderTypeExternal}
	if _, err := p.protectPrivate(&ext, 0); !errors.Is(err, ErrInvalidSender) {
		t.Errorf("external sender in a PrivateMessage: %v", err)
	}
	late := *privAC
	late.Content.Epoch++
	if _, err := p.protectPrivate(&late, 0); !errors.Is(err, ErrWrongEpoch) {
		t.Errorf("other epoch: %v", err)
	}
	if _, err := p.sign(WireFormatPrivateMessage, &late.Content, f.signer); !errors.Is(err, ErrWrongEpoch) {
		t.Errorf("signing for another epoch: %v", err)
	}
	other, err := MLS_256_DHKEMP384_AES256GCM_SHA384_P384.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.sign(WireFormatPrivateMessage, f.v.framedContent(t, k, nil), other); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("P-384 key in an X25519 group: %v", err)
	}
	if _, err := p.sign(WireFormatPrivateMessage, f.v.framedContent(t, k, nil), nil); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Errorf("no key: %v", err)
	}
	noBody := f.v.framedContent(t, k, nil)
	noBody.Proposal = nil
	if _, err := p.sign(WireFormatPublicMessage, noBody, f.signer); !errors.Is(err, ErrInvalidContent) {
		t.Errorf("proposal content without a proposal: %v", err)
	}
	if _, err := p.unprotect(&MLSMessage{WireFormat: WireFormatWelcome, Welcome: &Welcome{}}); !errors.Is(err, ErrInvalidContent) {
		t.Errorf("unprotect of a Welcome: %v", err)
	}
	// The sender's ratchet advanced only for what was sent: nothing.
	if rs, ok := p.tree.ratchets[mpSender]; ok && (rs[0].next != 0 || rs[1].next != 0) {
		t.Errorf("refused messages advanced the ratchet to %d, %d", rs[0].next, rs[1].next)
	}
}

// TestNewMessageProtectorRejects checks the constructor's arguments and
// that it zeroes the secrets it was given when it fails.
func TestNewMessageProtectorRejects(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	gc := &GroupContext{CipherSuite: s.id}
	lookup := func(LeafIndex) ([]byte, error) { return nil, errBlankLeaf }
	mk := func(n int) secret { return secret(bytes.Repeat([]byte{9}, n)) }
	cases := []struct {
		name   string
		gc     *GroupContext
		leaves uint32
		enc    secret
		lookup memberKeyFunc
		want   error
	}{
		{"suite", &GroupContext{CipherSuite: 99}, 2, mk(32), lookup, ErrUnsupportedCipherSuite},
		{"leaves", gc, 3, mk(32), lookup, ErrLeafOutOfRange},
		{"encryption secret", gc, 2, mk(31), lookup, ErrInvalidLength},
		{"lookup", gc, 2, mk(32), nil, nil},
		{"group context", nil, 2, mk(32), lookup, nil},
	}
	for _, c := range cases {
		sd, m := mk(32), mk(32)
		_, err := newMessageProtector(c.gc, c.leaves, encryptionSecret{s, c.enc}, senderDataSecret{s, sd}, membershipKey{s, m}, c.lookup, secretTreeLimits{})
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if !bytes.Equal(sd, make([]byte, 32)) || !bytes.Equal(m, make([]byte, 32)) {
			t.Errorf("%s: secrets not zeroed on failure", c.name)
		}
	}
	_, err := newMessageProtector(gc, 2, encryptionSecret{s, mk(32)}, senderDataSecret{s, mk(31)}, membershipKey{s, mk(32)}, lookup, secretTreeLimits{})
	if !errors.Is(err, ErrInvalidLength) {
		t.Errorf("short sender_data_secret: %v", err)
	}
}
