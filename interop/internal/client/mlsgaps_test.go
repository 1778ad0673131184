//go:build mlsgaps

package client

// A reproduction of a gap in package mls, for the mls package's owner.
// It is behind the mlsgaps build tag because it fails until package mls
// closes the gap:
//
//	go test -tags mlsgaps -run Gap ./internal/client

import (
	"testing"

	"github.com/sealroom/sealroom/mls"
)

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
