//go:build mlsgaps

package client

// Reproductions of gaps in package mls that the interop client works
// around, for the mls package's owner. They are behind the mlsgaps build
// tag because they fail until package mls closes the gaps:
//
//	go test -tags mlsgaps -run Gap ./internal/client

import (
	"testing"

	"github.com/sealroom/sealroom/mls"
)

// TestGapExternalProposalPSKNonce: Group.Commit gives a by-value
// PreSharedKey proposal without a psk_nonce a fresh one; ExternalProposal
// sends it as it is, and every member rejects it (RFC 9420 §8.4: the nonce
// is KDF.Nh bytes). An external sender cannot draw the nonce itself
// without knowing KDF.Nh, which CipherSuite does not export; the interop
// client keeps its own table (external.go, kdfHashLen).
func TestGapExternalProposalPSKNonce(t *testing.T) {
	g, signer := groupWithExternalSender(t)
	gi, err := g.GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	g.AddExternalPSK([]byte("p"), []byte("secret"))
	msg, err := mls.ExternalProposal(gi, signer, 0, &mls.PreSharedKeyProposal{PSK: mls.PreSharedKeyID{Type: mls.PSKTypeExternal, ID: []byte("p")}})
	if err != nil {
		t.Fatalf("ExternalProposal: %v", err)
	}
	if _, err := g.Process(msg); err != nil {
		t.Fatalf("a member rejects the external PSK proposal made without a nonce: %v", err)
	}
}

// TestGapBranchExternalTree: the harness's CreateBranch and ReInitWelcome
// carry force_path and external_tree, as Commit does, but Group.Branch and
// Group.ReInitGroup take no CommitOptions: their Welcome always carries the
// ratchet tree in its GroupInfo (and their commit always has a path). A
// joiner given no tree out of band joins all the same, so the harness's
// external_tree scripts never exercise the joiner's out-of-band tree for
// branches and reinitializations.
func TestGapBranchExternalTree(t *testing.T) {
	cs := mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	g := newTestGroup(t, cs, "alice")
	opts := groupOptions(false)
	kp, keys, err := newKeyPackage(cs, basicCredential([]byte("bob")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Commit(&mls.CommitOptions{ByValue: []mls.Proposal{&mls.AddProposal{KeyPackage: *kp}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.MergePendingCommit(); err != nil {
		t.Fatal(err)
	}
	bobOld, err := mls.JoinFromWelcome(res.Welcome, kp, keys, &mls.JoinOptions{GroupOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	kp2, keys2, err := newKeyPackage(cs, basicCredential([]byte("bob")))
	if err != nil {
		t.Fatal(err)
	}
	// The only way to shape the branch is GroupOptions: no ExternalTree.
	_, welcome, err := g.Branch([]byte("b"), []*mls.KeyPackage{kp2}, &opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mls.JoinFromWelcome(welcome, kp2, keys2, &mls.JoinOptions{GroupOptions: opts, OldGroup: bobOld}); err == nil {
		t.Fatal("the branch's Welcome carries the ratchet tree: Branch (and ReInitGroup) cannot leave it out as CommitOptions.ExternalTree does")
	}
}

// groupWithExternalSender returns a one-member group that lists one
// external sender, and that sender's key.
func groupWithExternalSender(t *testing.T) (*mls.Group, *mls.SigningKey) {
	t.Helper()
	cs := mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	es, err := newExternalSigner(cs, []byte("ds"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := mls.MarshalExternalSenders([]mls.ExternalSender{es.sender})
	if err != nil {
		t.Fatal(err)
	}
	return newTestGroup(t, cs, "alice", mls.Extension{Type: mls.ExtensionTypeExternalSenders, Data: data}), es.key
}
