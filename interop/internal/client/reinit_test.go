package client

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sealroom/sealroom/mls"
)

// TestBranchExternalTree: a branch made as CreateBranch makes it with
// external_tree leaves the ratchet tree out of its Welcome (RFC 9420
// §12.4.3.3), so a joiner needs the tree given out of band, and with it
// agrees with the creator on the new epoch.
func TestBranchExternalTree(t *testing.T) {
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
	branch, br, err := g.Branch([]byte("b"), []*mls.KeyPackage{kp2}, &mls.ResumeOptions{GroupOptions: opts, ExternalTree: true})
	if err != nil {
		t.Fatal(err)
	}
	join := &mls.JoinOptions{GroupOptions: opts, OldGroup: bobOld}
	if _, err := mls.JoinFromWelcome(br.Welcome, kp2, keys2, join); !errors.Is(err, mls.ErrInvalidRatchetTree) {
		t.Fatalf("joining the branch without its tree: %v", err)
	}
	join.RatchetTree = br.RatchetTree
	bob, err := mls.JoinFromWelcome(br.Welcome, kp2, keys2, join)
	if err != nil {
		t.Fatalf("joining the branch with its tree: %v", err)
	}
	if bob.Epoch() != 1 || !bytes.Equal(bob.EpochAuthenticator(), branch.EpochAuthenticator()) {
		t.Fatalf("bob at epoch %d disagrees with alice on the branch's epoch authenticator", bob.Epoch())
	}
}
