package mls

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"testing"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// The tests in this file check the to-be-signed, to-be-MACed and
// to-be-hashed encodings against values in the vectors that depend on them:
// transcript hashes, membership tags, and signatures. The hashing, MAC and
// signature checks here use the standard library directly and exist only
// to test the encodings; the package's own crypto lives elsewhere.

// wireTestHash returns the hash of an RFC 9420 §17.1 cipher suite.
func wireTestHash(t *testing.T, cs CipherSuite) func() hash.Hash {
	switch cs {
	case 1, 2, 3:
		return sha256.New
	case 4, 5, 6:
		return sha512.New
	case 7:
		return sha512.New384
	}
	t.Fatalf("no hash for suite %v", cs)
	return nil
}

func wireTestDigest(h func() hash.Hash, parts ...[]byte) []byte {
	d := h()
	for _, p := range parts {
		d.Write(p)
	}
	return d.Sum(nil)
}

// wireTestVerify verifies SignWithLabel (RFC 9420 §5.1.2) of content under
// label with pub, for the suites whose signature scheme the standard
// library has. It reports false, with no error, for Ed448 suites.
func wireTestVerify(t *testing.T, cs CipherSuite, pub []byte, label string, content, sig []byte) (verified, supported bool) {
	t.Helper()
	signContent, err := tlscodec.Marshal(func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, []byte("MLS 1.0 "+label))
		tlscodec.AddOpaque(b, content)
	})
	if err != nil {
		t.Fatal(err)
	}
	var curve elliptic.Curve
	switch cs {
	case 1, 3:
		return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, signContent, sig), true
	case 2:
		curve = elliptic.P256()
	case 5:
		curve = elliptic.P521()
	case 7:
		curve = elliptic.P384()
	default:
		return false, false
	}
	key, err := ecdsa.ParseUncompressedPublicKey(curve, pub)
	if err != nil {
		t.Fatalf("suite %v: public key: %v", cs, err)
	}
	return ecdsa.VerifyASN1(key, wireTestDigest(wireTestHash(t, cs), signContent), sig), true
}

// TestTranscriptHashInputs recomputes the transcript hashes of
// transcript-hashes.json (RFC 9420 §8.2) from the encodings of
// ConfirmedTranscriptHashInput and InterimTranscriptHashInput.
func TestTranscriptHashInputs(t *testing.T) {
	var cases []struct {
		CipherSuite                  CipherSuite `json:"cipher_suite"`
		AuthenticatedContent         hexBytes    `json:"authenticated_content"`
		InterimTranscriptHashBefore  hexBytes    `json:"interim_transcript_hash_before"`
		ConfirmedTranscriptHashAfter hexBytes    `json:"confirmed_transcript_hash_after"`
		InterimTranscriptHashAfter   hexBytes    `json:"interim_transcript_hash_after"`
	}
	loadVectors(t, "transcript-hashes.json", &cases)
	ran := 0
	for i, v := range cases {
		ac, err := unmarshalAuthenticatedContent(v.AuthenticatedContent)
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		confirmedInput, err := marshalConfirmedTranscriptHashInput(ac.WireFormat, &ac.Content, ac.Auth.Signature)
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		interimInput, err := marshalInterimTranscriptHashInput(ac.Auth.ConfirmationTag)
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		h := wireTestHash(t, v.CipherSuite)
		confirmed := wireTestDigest(h, v.InterimTranscriptHashBefore, confirmedInput)
		interim := wireTestDigest(h, confirmed, interimInput)
		if !bytes.Equal(confirmed, v.ConfirmedTranscriptHashAfter) || !bytes.Equal(interim, v.InterimTranscriptHashAfter) {
			t.Errorf("case %d: transcript hashes differ", i)
			continue
		}
		ran++
	}
	requireCount(t, "transcript-hashes.json (hash inputs)", ran, 7)
}

// TestGroupContextFromFields builds the GroupContext of every epoch of
// key-schedule.json from its fields and requires the vector's encoding.
func TestGroupContextFromFields(t *testing.T) {
	var cases []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		GroupID     hexBytes    `json:"group_id"`
		Epochs      []struct {
			TreeHash                hexBytes `json:"tree_hash"`
			ConfirmedTranscriptHash hexBytes `json:"confirmed_transcript_hash"`
			GroupContext            hexBytes `json:"group_context"`
		} `json:"epochs"`
	}
	loadVectors(t, "key-schedule.json", &cases)
	ran := 0
	for i, v := range cases {
		for j, e := range v.Epochs {
			gc := &GroupContext{
				CipherSuite:             v.CipherSuite,
				GroupID:                 v.GroupID,
				Epoch:                   uint64(j),
				TreeHash:                e.TreeHash,
				ConfirmedTranscriptHash: e.ConfirmedTranscriptHash,
			}
			got, err := marshalGroupContext(gc)
			if err != nil || !bytes.Equal(got, e.GroupContext) {
				t.Errorf("case %d epoch %d: group context %x (%v), want %x", i, j, got, err, e.GroupContext)
				continue
			}
			ran++
		}
	}
	requireCount(t, "key-schedule.json (group contexts)", ran, 35)
}

// TestFramedContentTBSAndTBM checks the PublicMessages of
// message-protection.json: the membership tag is the MAC of
// AuthenticatedContentTBM (RFC 9420 §6.2), which holds FramedContentTBS and
// the GroupContext, for all seven suites; and the signature over
// FramedContentTBS verifies where the standard library has the scheme.
func TestFramedContentTBSAndTBM(t *testing.T) {
	var cases []struct {
		CipherSuite             CipherSuite `json:"cipher_suite"`
		GroupID                 hexBytes    `json:"group_id"`
		Epoch                   uint64      `json:"epoch"`
		TreeHash                hexBytes    `json:"tree_hash"`
		ConfirmedTranscriptHash hexBytes    `json:"confirmed_transcript_hash"`
		SignaturePub            hexBytes    `json:"signature_pub"`
		MembershipKey           hexBytes    `json:"membership_key"`
		ProposalPub             hexBytes    `json:"proposal_pub"`
		CommitPub               hexBytes    `json:"commit_pub"`
	}
	loadVectors(t, "message-protection.json", &cases)
	tags, sigs := 0, 0
	for i, v := range cases {
		gc := &GroupContext{
			CipherSuite:             v.CipherSuite,
			GroupID:                 v.GroupID,
			Epoch:                   v.Epoch,
			TreeHash:                v.TreeHash,
			ConfirmedTranscriptHash: v.ConfirmedTranscriptHash,
		}
		for _, msg := range []struct {
			name string
			data []byte
		}{{"proposal_pub", v.ProposalPub}, {"commit_pub", v.CommitPub}} {
			where := fmt.Sprintf("case %d (suite %v): %s", i, v.CipherSuite, msg.name)
			m, err := UnmarshalMLSMessage(msg.data)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			pm := m.PublicMessage
			tbm, err := marshalAuthenticatedContentTBM(WireFormatPublicMessage, &pm.Content, &pm.Auth, gc)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			mac := hmac.New(wireTestHash(t, v.CipherSuite), v.MembershipKey)
			mac.Write(tbm)
			if !hmac.Equal(mac.Sum(nil), pm.MembershipTag) {
				t.Errorf("%s: membership tag does not match AuthenticatedContentTBM", where)
				continue
			}
			tags++
			tbs, err := marshalFramedContentTBS(WireFormatPublicMessage, &pm.Content, gc)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if !bytes.HasPrefix(tbm, tbs) {
				t.Errorf("%s: AuthenticatedContentTBM does not start with FramedContentTBS", where)
			}
			ok, supported := wireTestVerify(t, v.CipherSuite, v.SignaturePub, "FramedContentTBS", tbs, pm.Auth.Signature)
			if supported && !ok {
				t.Errorf("%s: signature over FramedContentTBS does not verify", where)
			}
			if supported && ok {
				sigs++
			}
		}
	}
	requireCount(t, "message-protection.json (membership tags)", tags, 14)
	// Suites 1, 2, 3, 5 and 7: the standard library has no Ed448.
	requireCount(t, "message-protection.json (FramedContentTBS signatures)", sigs, 10)
}

// TestLeafNodeAndKeyPackageTBS verifies the signatures of the key packages
// of welcome.json (KeyPackageTBS, and LeafNodeTBS for source key_package)
// and of every leaf of the trees of tree-validation.json (LeafNodeTBS with
// the group ID and leaf index, for sources update and commit).
func TestLeafNodeAndKeyPackageTBS(t *testing.T) {
	var welcomes []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		KeyPackage  hexBytes    `json:"key_package"`
	}
	loadVectors(t, "welcome.json", &welcomes)
	kps := 0
	for i, v := range welcomes {
		m, err := UnmarshalMLSMessage(v.KeyPackage)
		if err != nil {
			t.Fatalf("welcome.json case %d: %v", i, err)
		}
		kp := m.KeyPackage
		tbs, err := marshalKeyPackageTBS(kp)
		if err != nil {
			t.Fatal(err)
		}
		ok, supported := wireTestVerify(t, v.CipherSuite, kp.LeafNode.SignatureKey, "KeyPackageTBS", tbs, kp.Signature)
		if !supported {
			continue
		}
		leafTBS, err := marshalLeafNodeTBS(&kp.LeafNode, []byte("ignored"), 99)
		if err != nil {
			t.Fatal(err)
		}
		leafOK, _ := wireTestVerify(t, v.CipherSuite, kp.LeafNode.SignatureKey, "LeafNodeTBS", leafTBS, kp.LeafNode.Signature)
		if !ok || !leafOK {
			t.Errorf("welcome.json case %d: key package signature %v, leaf node signature %v", i, ok, leafOK)
			continue
		}
		kps++
	}
	requireCount(t, "welcome.json (KeyPackageTBS and LeafNodeTBS signatures)", kps, 5)

	var trees []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		Tree        hexBytes    `json:"tree"`
		GroupID     hexBytes    `json:"group_id"`
	}
	loadVectors(t, "tree-validation.json", &trees)
	leaves, bySource := 0, map[LeafNodeSource]int{}
	for i, v := range trees {
		nodes, err := unmarshalRatchetTree(v.Tree)
		if err != nil {
			t.Fatalf("tree-validation.json case %d: %v", i, err)
		}
		for j := 0; j < len(nodes); j += 2 {
			if nodes[j] == nil {
				continue
			}
			ln := nodes[j].Leaf
			tbs, err := marshalLeafNodeTBS(ln, v.GroupID, LeafIndex(j/2))
			if err != nil {
				t.Fatal(err)
			}
			ok, supported := wireTestVerify(t, v.CipherSuite, ln.SignatureKey, "LeafNodeTBS", tbs, ln.Signature)
			if !supported {
				continue
			}
			if !ok {
				t.Errorf("tree-validation.json case %d leaf %d (%v): signature does not verify", i, j/2, ln.Source)
				continue
			}
			leaves++
			bySource[ln.Source]++
		}
	}
	if leaves == 0 || bySource[LeafNodeSourceCommit] == 0 || bySource[LeafNodeSourceKeyPackage] == 0 {
		t.Fatalf("tree-validation.json: verified %d leaves, by source %v", leaves, bySource)
	}
	t.Logf("tree-validation.json: %d leaf signatures verified (by source %v)", leaves, bySource)
}

// TestTBSPrefixes checks on every messages.json case that the TBS encodings
// of KeyPackage, LeafNode (source key_package) and GroupInfo are exactly
// the full encodings without the trailing signature, as RFC 9420 §7.2, §10
// and §12.4.3 define them.
func TestTBSPrefixes(t *testing.T) {
	cases := wireMessagesVectors(t)
	ran := 0
	withSig := func(tbs, sig []byte) []byte {
		out, err := tlscodec.Marshal(func(b *cryptobyte.Builder) {
			b.AddBytes(tbs)
			tlscodec.AddOpaque(b, sig)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i, v := range cases {
		kpMsg, err1 := UnmarshalMLSMessage(v.MLSKeyPackage)
		giMsg, err2 := UnmarshalMLSMessage(v.MLSGroupInfo)
		if err1 != nil || err2 != nil {
			t.Fatalf("case %d: %v %v", i, err1, err2)
		}
		kp, gi := kpMsg.KeyPackage, giMsg.GroupInfo
		kpTBS, err1 := marshalKeyPackageTBS(kp)
		giTBS, err2 := marshalGroupInfoTBS(gi)
		lnTBS, err3 := marshalLeafNodeTBS(&kp.LeafNode, nil, 0)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("case %d: %v %v %v", i, err1, err2, err3)
		}
		kpFull, _ := kp.Marshal()
		giFull, _ := gi.Marshal()
		lnFull, _ := marshalWire("leaf node", kp.LeafNode.marshal)
		if !bytes.Equal(withSig(kpTBS, kp.Signature), kpFull) ||
			!bytes.Equal(withSig(giTBS, gi.Signature), giFull) ||
			!bytes.Equal(withSig(lnTBS, kp.LeafNode.Signature), lnFull) {
			t.Errorf("case %d: a TBS encoding is not the structure without its signature", i)
			continue
		}
		ran++
	}
	requireCount(t, "messages.json (TBS prefixes)", ran, messagesVectorCount)
}
