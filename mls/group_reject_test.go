package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// The tests in this file send members bad commits and proposals and check
// that each is refused with the right sentinel and leaves the receiver's
// state exactly as it was: its encoding (MarshalBinary, which covers the
// secret tree's ratchets, the proposal cache and everything else) is the
// same before and after, and the receiver then processes the good commit
// and agrees with the others.

// reprotect re-encodes msg, a handshake message of the member that clone is
// a copy of (made before it sent msg), after mutate changed its content:
// a PublicMessage gets a new membership tag, a PrivateMessage is decrypted
// and encrypted again with the same generation. If resign, the content is
// signed again with signer (keeping the confirmation tag), so that only
// what mutate broke is wrong.
func reprotect(t testing.TB, clone *Group, msg []byte, resign bool, mutate func(ac *AuthenticatedContent)) []byte {
	t.Helper()
	m := decodeMessage(t, msg)
	p := clone.cur.protector
	var ac *AuthenticatedContent
	switch m.WireFormat {
	case WireFormatPublicMessage:
		ac = &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: m.PublicMessage.Content, Auth: m.PublicMessage.Auth}
	default:
		var err error
		if ac, _, err = p.openPrivate(m.PrivateMessage, nil); err != nil {
			t.Fatal(err)
		}
	}
	mutate(ac)
	if resign {
		tag := ac.Auth.ConfirmationTag
		signed, err := signContent(clone.signer, ac.WireFormat, &ac.Content, clone.cur.gc)
		if err != nil {
			t.Fatal(err)
		}
		ac = signed
		ac.Auth.ConfirmationTag = tag
	}
	out := &MLSMessage{WireFormat: ac.WireFormat}
	var err error
	if ac.WireFormat == WireFormatPublicMessage {
		out.PublicMessage, err = p.protectPublic(ac)
	} else {
		out.PrivateMessage, err = p.protectPrivate(ac, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return encodeMessage(t, out)
}

// flip returns a copy of b with its last bit flipped.
func flip(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)-1] ^= 1
	return c
}

// requireRejected processes msg at g and requires the error want and an
// unchanged state.
func requireRejected(t *testing.T, name string, g *Group, msg []byte, want error) {
	t.Helper()
	before, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Process(msg)
	t.Logf("%s: %v", name, err)
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", name, err, want)
	}
	after, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("%s: the rejected message changed the state", name)
	}
}

// TestGroupRejectedCommits sends a member commits that are wrong in every
// layer, as PublicMessage and PrivateMessage, and checks that each is
// refused and changes nothing.
func TestGroupRejectedCommits(t *testing.T) {
	for _, cs := range []CipherSuite{MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, MLS_256_DHKEMP384_AES256GCM_SHA384_P384} {
		for _, enc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/private=%v", cs, enc), func(t *testing.T) {
				tg := newTestGroup(t, cs, "alice", &GroupOptions{EncryptHandshake: enc})
				tg.add("alice", "bob", "carol", "dave")
				tg.exchange()
				carol := tg.members["carol"]
				// Bob proposes an update that the commits reference.
				upd, err := tg.members["bob"].ProposeUpdate()
				if err != nil {
					t.Fatal(err)
				}
				tg.deliver("bob", upd)

				alice := tg.members["alice"]
				clone := roundTripGroup(t, alice)
				res, err := alice.Commit(&CommitOptions{ByValue: []Proposal{&RemoveProposal{Removed: tg.leafOf("dave")}}})
				if err != nil {
					t.Fatal(err)
				}
				good := res.Commit
				commitOf := func(ac *AuthenticatedContent) *Commit { return ac.Content.Commit }
				cases := []struct {
					name   string
					resign bool
					mutate func(ac *AuthenticatedContent)
					want   error
				}{
					{"signature", false, func(ac *AuthenticatedContent) { ac.Auth.Signature = flip(ac.Auth.Signature) }, ErrSignatureVerification},
					{"confirmation tag", false, func(ac *AuthenticatedContent) { ac.Auth.ConfirmationTag = flip(ac.Auth.ConfirmationTag) }, ErrConfirmationTag},
					{"authenticated data", false, func(ac *AuthenticatedContent) { ac.Content.AuthenticatedData = []byte("x") }, ErrSignatureVerification},
					{"remove of a blank leaf", true, func(ac *AuthenticatedContent) {
						commitOf(ac).Proposals[1] = ProposalOrRef{Proposal: &RemoveProposal{Removed: 7}}
					}, ErrInvalidProposal},
					{"remove of the committer", true, func(ac *AuthenticatedContent) {
						commitOf(ac).Proposals[1] = ProposalOrRef{Proposal: &RemoveProposal{Removed: 0}}
					}, ErrInvalidProposal},
					{"update and remove of one leaf", true, func(ac *AuthenticatedContent) {
						commitOf(ac).Proposals[1] = ProposalOrRef{Proposal: &RemoveProposal{Removed: 1}}
					}, ErrInvalidProposal},
					{"two removes of one leaf", true, func(ac *AuthenticatedContent) {
						c := commitOf(ac)
						c.Proposals = append(c.Proposals, c.Proposals[1])
					}, ErrInvalidProposal},
					{"update by the committer", true, func(ac *AuthenticatedContent) {
						c := commitOf(ac)
						c.Proposals = append(c.Proposals, ProposalOrRef{Proposal: &UpdateProposal{LeafNode: *alice.cur.tree.leafNode(0)}})
					}, ErrInvalidProposal},
					{"external init", true, func(ac *AuthenticatedContent) {
						c := commitOf(ac)
						c.Proposals = append(c.Proposals, ProposalOrRef{Proposal: &ExternalInitProposal{KEMOutput: []byte{1}}})
					}, ErrInvalidProposal},
					{"reinit with others", true, func(ac *AuthenticatedContent) {
						c := commitOf(ac)
						c.Proposals = append(c.Proposals, ProposalOrRef{Proposal: &ReInitProposal{GroupID: []byte("x"), Version: ProtocolVersionMLS10, CipherSuite: cs, Extensions: []Extension{}}})
					}, ErrInvalidProposal},
					{"two group context extensions", true, func(ac *AuthenticatedContent) {
						c := commitOf(ac)
						gce := ProposalOrRef{Proposal: &GroupContextExtensionsProposal{Extensions: []Extension{}}}
						c.Proposals = append(c.Proposals, gce, gce)
					}, ErrInvalidProposal},
					{"unknown reference", true, func(ac *AuthenticatedContent) {
						commitOf(ac).Proposals[0] = ProposalOrRef{Reference: flip(commitOf(ac).Proposals[0].Reference)}
					}, ErrUnknownProposal},
					{"no path", true, func(ac *AuthenticatedContent) { commitOf(ac).Path = nil }, ErrInvalidCommit},
					{"path key", true, func(ac *AuthenticatedContent) {
						n := &commitOf(ac).Path.Nodes[0]
						n.EncryptionKey = bytes.Clone(alice.cur.tree.leafNode(2).EncryptionKey)
					}, ErrInvalidUpdatePath},
					{"path ciphertexts", true, func(ac *AuthenticatedContent) {
						n := &commitOf(ac).Path.Nodes[len(commitOf(ac).Path.Nodes)-1]
						n.EncryptedPathSecret = n.EncryptedPathSecret[1:]
					}, ErrInvalidUpdatePath},
					{"path leaf signature", true, func(ac *AuthenticatedContent) {
						ln := &commitOf(ac).Path.LeafNode
						ln.Signature = flip(ln.Signature)
					}, ErrSignatureVerification},
					{"path parent hash", true, func(ac *AuthenticatedContent) {
						p := commitOf(ac).Path
						p.LeafNode.ParentHash = flip(p.LeafNode.ParentHash)
						if err := alice.suite.signLeafNode(alice.signer, &p.LeafNode, alice.cur.gc.GroupID, 0); err != nil {
							t.Fatal(err)
						}
					}, ErrParentHashMismatch},
					{"path secret", true, func(ac *AuthenticatedContent) {
						for i := range commitOf(ac).Path.Nodes {
							for j := range commitOf(ac).Path.Nodes[i].EncryptedPathSecret {
								ct := &commitOf(ac).Path.Nodes[i].EncryptedPathSecret[j]
								ct.Ciphertext = flip(ct.Ciphertext)
							}
						}
					}, ErrDecryption},
				}
				for _, c := range cases {
					bad := reprotect(t, roundTripGroup(t, clone), good, c.resign, c.mutate)
					requireRejected(t, c.name, carol, bad, c.want)
				}

				// Wrong epoch, wrong group, garbage: refused before anything.
				m := decodeMessage(t, good)
				for name, change := range map[string]func(){
					"epoch": func() {
						if m.PublicMessage != nil {
							m.PublicMessage.Content.Epoch++
						} else {
							m.PrivateMessage.Epoch++
						}
					},
					"group": func() {
						if m.PublicMessage != nil {
							m.PublicMessage.Content.GroupID = []byte("other")
						} else {
							m.PrivateMessage.GroupID = []byte("other")
						}
					},
				} {
					m = decodeMessage(t, good)
					change()
					want := ErrWrongEpoch
					if name == "group" {
						want = ErrWrongGroup
					}
					requireRejected(t, "wrong "+name, carol, encodeMessage(t, m), want)
				}
				requireRejected(t, "truncated", carol, good[:len(good)-3], ErrMalformed)
				if !enc {
					m = decodeMessage(t, good)
					m.PublicMessage.MembershipTag = flip(m.PublicMessage.MembershipTag)
					requireRejected(t, "membership tag", carol, encodeMessage(t, m), ErrMembershipTag)
				} else {
					m = decodeMessage(t, good)
					m.PrivateMessage.Ciphertext = flip(m.PrivateMessage.Ciphertext)
					requireRejected(t, "ciphertext", carol, encodeMessage(t, m), ErrDecryption)
				}

				// After all that, the good commit goes through everywhere.
				tg.deliver("alice", good)
				if err := alice.MergePendingCommit(); err != nil {
					t.Fatal(err)
				}
				if _, ok := tg.members["dave"]; ok {
					t.Fatal("dave was not removed")
				}
				tg.check()
				tg.exchange()
			})
		}
	}
}

// TestGroupStagedCommitNotMerged checks that a staged commit changes
// nothing until merged, that one staged for an older state cannot be
// merged, and that a commit replayed after its merge is refused.
func TestGroupStagedCommitNotMerged(t *testing.T) {
	tg := newTestGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", &GroupOptions{EncryptHandshake: true})
	tg.add("alice", "bob", "carol")
	bob := tg.members["bob"]
	res, err := tg.members["alice"].Commit(&CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := bob.MarshalBinary()
	pm, err := bob.Process(res.Commit)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := bob.MarshalBinary()
	if !bytes.Equal(before, after) {
		t.Fatal("staging a commit changed the state")
	}
	// Carol commits first: alice's commit loses.
	res2, err := tg.members["carol"].Commit(nil)
	if err != nil {
		t.Fatal(err)
	}
	tg.members["alice"].ClearPendingCommit()
	tg.deliver("carol", res2.Commit)
	if err := tg.members["carol"].MergePendingCommit(); err != nil {
		t.Fatal(err)
	}
	if err := bob.Merge(pm.Commit); !errors.Is(err, ErrStaleCommit) {
		t.Fatalf("merging a stale commit: %v", err)
	}
	if _, err := bob.Process(res.Commit); !errors.Is(err, ErrWrongEpoch) {
		t.Fatalf("the losing commit in the next epoch: %v", err)
	}
	if _, err := bob.Process(res2.Commit); !errors.Is(err, ErrWrongEpoch) {
		t.Fatalf("the merged commit replayed: %v", err)
	}
	tg.check()
	tg.exchange()
}

// TestGroupRejectedProposals checks proposals refused on receipt: they are
// not cached and change nothing.
func TestGroupRejectedProposals(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", nil)
	tg.add("alice", "bob")
	alice, bob := tg.members["alice"], tg.members["bob"]
	clone := roundTripGroup(t, alice)
	good, err := alice.ProposeRemove(tg.leafOf("bob"))
	if err != nil {
		t.Fatal(err)
	}
	badKP, _ := newTestClient(t, cs, "mallory").keyPackage(t)
	badKP.Signature = flip(badKP.Signature)
	for _, c := range []struct {
		name string
		p    Proposal
		want error
	}{
		{"remove of a blank leaf", &RemoveProposal{Removed: 5}, ErrInvalidProposal},
		{"external init", &ExternalInitProposal{KEMOutput: []byte{1}}, ErrInvalidProposal},
		{"short psk nonce", &PreSharedKeyProposal{PSK: PreSharedKeyID{Type: PSKTypeExternal, ID: []byte("x"), Nonce: []byte{1}}}, ErrInvalidProposal},
		{"branch psk", &PreSharedKeyProposal{PSK: PreSharedKeyID{Type: PSKTypeResumption, Usage: ResumptionPSKUsageBranch, GroupID: []byte("x"), Nonce: make([]byte, 32)}}, ErrInvalidProposal},
		{"reinit version 0", &ReInitProposal{GroupID: []byte("x"), Version: 0, CipherSuite: cs, Extensions: []Extension{}}, ErrInvalidProposal},
		{"bad external senders", &GroupContextExtensionsProposal{Extensions: []Extension{{Type: ExtensionTypeExternalSenders, Data: []byte{9}}}}, ErrInvalidProposal},
		{"update with the old key", &UpdateProposal{LeafNode: *alice.cur.tree.leafNode(0)}, ErrInvalidLeafNode},
		{"add of a key package with a bad signature", &AddProposal{KeyPackage: *badKP}, ErrInvalidKeyPackage},
	} {
		bad := reprotect(t, clone, good, true, func(ac *AuthenticatedContent) { ac.Content.Proposal = c.p })
		requireRejected(t, c.name, bob, bad, c.want)
	}
	if len(bob.proposals.list) != 0 {
		t.Fatalf("%d proposals cached", len(bob.proposals.list))
	}
	tg.deliver("alice", good)
	tg.commit("alice", nil, nil)
}
