package mls

import (
	"bytes"
	"errors"
	"testing"
)

// The fuzz targets below feed arbitrary MLSMessages to the unprotect paths
// with the keys of a message-protection.json epoch (the first byte of the
// input picks which of the seven); FuzzUnprotectPrivateContent goes one
// layer in, past the AEAD. Whatever the input, unprotect must not
// panic, and must either fail with an error that wraps one of the
// package's sentinels, or return content that protects back to exactly the
// input. Seeds are the vectors' messages.

// unprotectSentinels are the errors an unprotect failure may wrap.
var unprotectSentinels = []error{
	ErrMalformed, ErrDecryption, ErrSignatureVerification, ErrMembershipTag,
	ErrWrongEpoch, ErrWrongGroup, ErrInvalidSender, ErrInvalidContent,
	ErrGenerationConsumed, ErrGenerationTooFar, ErrInvalidPublicKey,
}

func requireUnprotectSentinel(t *testing.T, err error) {
	t.Helper()
	requireSentinelIn(t, err, unprotectSentinels)
}

// requireSentinelIn fails the test unless err wraps one of sentinels.
func requireSentinelIn(t *testing.T, err error, sentinels []error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error wraps no sentinel: %v", err)
}

// protectFuzzSetup loads the vectors and adds their messages of one wire
// format as seeds, each with the index of its entry.
func protectFuzzSetup(f *testing.F, wf WireFormat) []messageProtectionVector {
	var vectors []messageProtectionVector
	loadVectors(f, "message-protection.json", &vectors)
	for i, v := range vectors {
		for _, m := range [][]byte{v.ProposalPub, v.CommitPub, v.ProposalPriv, v.CommitPriv, v.ApplicationPriv} {
			if WireFormat(m[2])<<8|WireFormat(m[3]) == wf {
				f.Add(uint8(i), []byte(m))
			}
		}
	}
	return vectors
}

// fuzzDecodeMessage decodes an MLSMessage, requiring that a failure wrap
// ErrMalformed.
func fuzzDecodeMessage(t *testing.T, data []byte) (*MLSMessage, bool) {
	m, err := UnmarshalMLSMessage(data)
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("decoding error does not wrap ErrMalformed: %v", err)
		}
		return nil, false
	}
	return m, true
}

func FuzzUnprotectPrivateMessage(f *testing.F) {
	vectors := protectFuzzSetup(f, WireFormatPrivateMessage)
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		v := &vectors[int(which)%len(vectors)]
		m, ok := fuzzDecodeMessage(t, data)
		if !ok {
			return
		}
		p := v.protector(t)
		ac, err := p.unprotect(m)
		if err != nil {
			requireUnprotectSentinel(t, err)
			return
		}
		if m.WireFormat != WireFormatPrivateMessage {
			return // a PublicMessage that verifies: FuzzUnprotectPublicMessage's case
		}
		// Authentic: protecting it again with its generation, reuse
		// guard and padding must give back the input.
		if b := v.reprotectPrivate(t, m.PrivateMessage, ac); !bytes.Equal(b, data) {
			t.Fatalf("authentic PrivateMessage does not protect back to the input\n  in %x\n out %x", data, b)
		}
	})
}

func FuzzUnprotectPublicMessage(f *testing.F) {
	vectors := protectFuzzSetup(f, WireFormatPublicMessage)
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		v := &vectors[int(which)%len(vectors)]
		m, ok := fuzzDecodeMessage(t, data)
		if !ok {
			return
		}
		if m.WireFormat != WireFormatPublicMessage {
			return
		}
		p := v.protector(t)
		ac, err := p.unprotectPublic(m.PublicMessage)
		if err != nil {
			requireUnprotectSentinel(t, err)
			if !errors.Is(err, ErrMembershipTag) {
				return
			}
			// Get past the membership tag, as a member could, so that the
			// sender rules and the signature check see the hostile
			// content too.
			pm := m.PublicMessage
			tbm, err := marshalAuthenticatedContentTBM(WireFormatPublicMessage, &pm.Content, &pm.Auth, p.groupContext)
			if err != nil {
				t.Fatal(err)
			}
			pm.MembershipTag = p.membership.tag(tbm)
			if ac, err = p.unprotectPublic(pm); err != nil {
				requireUnprotectSentinel(t, err)
				if errors.Is(err, ErrMembershipTag) {
					t.Fatalf("recomputed membership tag refused: %v", err)
				}
				return
			}
			if data, err = m.Marshal(); err != nil {
				t.Fatal(err)
			}
		}
		// Authentic: the membership tag is deterministic, so protecting
		// the content again gives back the input.
		out, err := p.protectPublic(ac)
		if err != nil {
			t.Fatal(err)
		}
		if b := encodeMessage(t, &MLSMessage{WireFormat: WireFormatPublicMessage, PublicMessage: out}); !bytes.Equal(b, data) {
			t.Fatalf("authentic PublicMessage does not protect back to the input\n  in %x\n out %x", data, b)
		}
	})
}

// privatePlaintext returns the plaintext the PrivateMessage pm carried,
// re-encoded from its unprotected content ac and its padding length.
func privatePlaintext(t testing.TB, pm *PrivateMessage, ac *AuthenticatedContent) []byte {
	t.Helper()
	b, err := marshalPrivateMessageContent(ac.Content.ContentType, &privateMessageContent{
		applicationData: ac.Content.ApplicationData, proposal: ac.Content.Proposal, commit: ac.Content.Commit,
		auth: ac.Auth, paddingLen: privatePadding(t, pm, ac),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzUnprotectPrivateContent feeds arbitrary bytes to the inner layer of
// unprotectPrivate: the harness encrypts them as the PrivateMessageContent
// of a message from the vector's sender (the content type chosen by the
// first input byte), so that decoding, the padding check, the sender rules
// and the signature check see hostile plaintext that the AEAD accepts.
// Seeds are the plaintexts of the vectors' PrivateMessages.
func FuzzUnprotectPrivateContent(f *testing.F) {
	var vectors []messageProtectionVector
	loadVectors(f, "message-protection.json", &vectors)
	for i := range vectors {
		v := &vectors[i]
		for _, k := range v.kinds() {
			pm := decodeMessage(f, k.priv).PrivateMessage
			ac, err := v.protector(f).unprotectPrivate(pm)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i+len(vectors)*int(k.ct-1)), privatePlaintext(f, pm, ac))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, plaintext []byte) {
		v := &vectors[int(which)%len(vectors)]
		ct := ContentType(int(which)/len(vectors)%3 + 1)
		kind, _ := ratchetFor(ct)
		fc := &FramedContent{GroupID: v.GroupID, Epoch: v.Epoch, Sender: Sender{Type: SenderTypeMember, LeafIndex: mpSender}, ContentType: ct}
		pm, err := v.protector(t).sealContent(fc, kind, plaintext)
		if err != nil {
			t.Fatal(err)
		}
		ac, err := v.protector(t).unprotectPrivate(pm)
		if err != nil {
			requireUnprotectSentinel(t, err)
			return
		}
		// Authentic: the plaintext must be the canonical encoding of what
		// was returned.
		if again := privatePlaintext(t, pm, ac); !bytes.Equal(again, plaintext) {
			t.Fatalf("authentic content does not encode back to the plaintext\n  in %x\n out %x", plaintext, again)
		}
	})
}
