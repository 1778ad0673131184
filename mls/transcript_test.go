package mls

import (
	"bytes"
	"errors"
	"testing"
)

// TestTranscriptHashVectors checks every entry of transcript-hashes.json
// (test-vectors.md, "Transcript Hashes"): the AuthenticatedContent holds a
// Commit whose confirmation tag verifies with confirmation_key over
// confirmed_transcript_hash_after (RFC 9420 §6.1), and both transcript
// hashes after it follow from interim_transcript_hash_before (§8.2).
func TestTranscriptHashVectors(t *testing.T) {
	var vectors []struct {
		CipherSuite                  CipherSuite `json:"cipher_suite"`
		ConfirmationKey              hexBytes    `json:"confirmation_key"`
		AuthenticatedContent         hexBytes    `json:"authenticated_content"`
		InterimTranscriptHashBefore  hexBytes    `json:"interim_transcript_hash_before"`
		ConfirmedTranscriptHashAfter hexBytes    `json:"confirmed_transcript_hash_after"`
		InterimTranscriptHashAfter   hexBytes    `json:"interim_transcript_hash_after"`
	}
	loadVectors(t, "transcript-hashes.json", &vectors)
	ran := 0
	suites := map[CipherSuite]bool{}
	for _, v := range vectors {
		t.Run(v.CipherSuite.String(), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			ac, err := unmarshalAuthenticatedContent(v.AuthenticatedContent)
			if err != nil {
				t.Fatal(err)
			}
			if ac.Content.ContentType != ContentTypeCommit {
				t.Fatalf("content type %v, want commit", ac.Content.ContentType)
			}
			key := confirmationKey{s, secret(v.ConfirmationKey)}
			if err := key.verify(v.ConfirmedTranscriptHashAfter, ac.Auth.ConfirmationTag); err != nil {
				t.Fatalf("confirmation tag: %v", err)
			}
			if tag := key.tag(v.ConfirmedTranscriptHashAfter); !bytes.Equal(tag, ac.Auth.ConfirmationTag) {
				t.Fatalf("confirmation tag = %x, want %x", tag, ac.Auth.ConfirmationTag)
			}
			confirmed, interim, err := s.transcriptHashes(v.InterimTranscriptHashBefore, ac)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(confirmed, v.ConfirmedTranscriptHashAfter) {
				t.Fatalf("confirmed_transcript_hash = %x, want %x", confirmed, v.ConfirmedTranscriptHashAfter)
			}
			if !bytes.Equal(interim, v.InterimTranscriptHashAfter) {
				t.Fatalf("interim_transcript_hash = %x, want %x", interim, v.InterimTranscriptHashAfter)
			}

			// A tag that differs in any byte, is cut short, or comes
			// from another key does not verify.
			bad := bytes.Clone(ac.Auth.ConfirmationTag)
			bad[len(bad)-1] ^= 1
			for _, tag := range [][]byte{bad, ac.Auth.ConfirmationTag[:len(bad)-1], nil} {
				if err := key.verify(v.ConfirmedTranscriptHashAfter, tag); !errors.Is(err, ErrConfirmationTag) {
					t.Fatalf("tampered tag %x: %v", tag, err)
				}
			}
			otherKey := confirmationKey{s, secret(bytes.Repeat([]byte{1}, s.nh))}
			if err := otherKey.verify(v.ConfirmedTranscriptHashAfter, ac.Auth.ConfirmationTag); !errors.Is(err, ErrConfirmationTag) {
				t.Fatalf("other key: %v", err)
			}
			ran++
			suites[v.CipherSuite] = true
		})
	}
	requireCount(t, "transcript-hashes.json", ran, len(vectors))
	if len(vectors) != 7 || len(suites) != 7 {
		t.Fatalf("transcript-hashes.json: %d cases over %d suites, want 7 over 7", len(vectors), len(suites))
	}
}

// TestTranscriptHashRejects checks that only signed Commit content enters
// the transcript, and that an unset confirmation key verifies nothing.
func TestTranscriptHashRejects(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	ac := &AuthenticatedContent{
		WireFormat: WireFormatPublicMessage,
		Content:    FramedContent{Sender: Sender{Type: SenderTypeMember}, ContentType: ContentTypeProposal, Proposal: &RemoveProposal{}},
	}
	if _, _, err := s.transcriptHashes(nil, ac); !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("proposal content: %v", err)
	}
	if _, err := s.confirmedTranscriptHash(nil, ac); !errors.Is(err, ErrMalformed) {
		t.Fatalf("confirmed hash of a proposal: %v", err)
	}
	var unset confirmationKey
	unset.suite = s
	if err := unset.verify(nil, s.mac(nil, nil)); !errors.Is(err, ErrConfirmationTag) {
		t.Fatalf("empty confirmation key verified a tag: %v", err)
	}
}

// TestGroupCreationTranscript follows RFC 9420 §11 for a new group: the
// creator's epoch 0 has an empty confirmed transcript hash, and its interim
// hash covers the confirmation tag over that empty hash.
func TestGroupCreationTranscript(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	e, _ := s.randomEpochSecret()
	es, err := e.derive()
	if err != nil {
		t.Fatal(err)
	}
	tag := es.confirmation.tag(nil)
	interim, err := s.interimTranscriptHash(nil, tag)
	if err != nil {
		t.Fatal(err)
	}
	// InterimTranscriptHashInput is the tag as opaque<V>: one length byte.
	want := s.hash(append([]byte{byte(len(tag))}, tag...))
	if !bytes.Equal(interim, want) || es.confirmation.verify(nil, tag) != nil {
		t.Fatalf("interim hash of epoch 0 = %x, want %x", interim, want)
	}
}
