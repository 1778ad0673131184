package mls

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestGroupResumeOptions creates reinitialized groups and branches with
// and without a path in the first Commit and with the ratchet tree in the
// Welcome or out of band (RFC 9420 §11.2, §11.3, §12.4, §12.4.3.3), and
// checks that the members join and agree on the new epoch.
func TestGroupResumeOptions(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	ran := 0
	for _, usage := range []ResumptionPSKUsage{ResumptionPSKUsageReInit, ResumptionPSKUsageBranch} {
		for _, forcePath := range []bool{false, true} {
			for _, externalTree := range []bool{false, true} {
				name := fmt.Sprintf("%v/path=%v/external=%v", usage, forcePath, externalTree)
				t.Run(name, func(t *testing.T) {
					testResume(t, cs, usage, &ResumeOptions{ForcePath: forcePath, ExternalTree: externalTree})
				})
				ran++
			}
		}
	}
	if ran != 8 {
		t.Fatalf("ran %d cases, want 8", ran)
	}
}

func testResume(t *testing.T, cs CipherSuite, usage ResumptionPSKUsage, opts *ResumeOptions) {
	tg := newTestGroup(t, cs, "alice", nil)
	tg.add("alice", "bob", "carol")
	if usage == ResumptionPSKUsageReInit {
		p, err := tg.members["bob"].ProposeReInit([]byte("new group"), cs, nil)
		if err != nil {
			t.Fatal(err)
		}
		tg.deliver("bob", p)
		tg.commit("carol", nil, nil)
	}
	var kps []*KeyPackage
	joiners := map[string]*joinerKeys{}
	for _, name := range []string{"bob", "carol"} {
		kp, keys := newTestClient(t, cs, name).keyPackage(t)
		kps = append(kps, kp)
		joiners[name] = &joinerKeys{kp, keys}
	}
	var (
		ng  *Group
		res *CommitResult
		err error
	)
	if usage == ResumptionPSKUsageReInit {
		ng, res, err = tg.members["alice"].ReInitGroup(nil, kps, opts)
	} else {
		ng, res, err = tg.members["alice"].Branch([]byte("branch"), kps, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != nil || res.Welcome == nil || res.GroupInfo == nil {
		t.Fatalf("result: commit %v, welcome %v, group info %v", res.Commit != nil, res.Welcome != nil, res.GroupInfo != nil)
	}
	tree, err := ng.RatchetTree()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.RatchetTree, tree) {
		t.Fatal("CommitResult.RatchetTree is not the new group's tree")
	}
	// A path replaces the creator's leaf with one of source commit.
	own, _ := ng.OwnLeaf()
	if src := ng.cur.tree.leafNode(own).Source; (src == LeafNodeSourceCommit) != opts.ForcePath {
		t.Fatalf("ForcePath %v: the creator's leaf has source %v", opts.ForcePath, src)
	}
	if _, inline := findExtension(res.GroupInfo.Extensions, ExtensionTypeRatchetTree); inline == opts.ExternalTree {
		t.Fatalf("ExternalTree %v: the GroupInfo carries the tree: %v", opts.ExternalTree, inline)
	}

	nt := &testGroup{t: t, cs: cs, members: map[string]*Group{"alice": ng}}
	for name, j := range joiners {
		old := tg.members[name]
		_, err := JoinFromWelcome(res.Welcome, j.kp, j.keys, &JoinOptions{OldGroup: old})
		if opts.ExternalTree {
			if !errors.Is(err, ErrInvalidRatchetTree) || !strings.Contains(err.Error(), "no ratchet tree") {
				t.Fatalf("%s joining without the out-of-band tree: %v", name, err)
			}
			// The old group's tree is not the new group's.
			wrong, err := old.RatchetTree()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := JoinFromWelcome(res.Welcome, j.kp, j.keys, &JoinOptions{OldGroup: old, RatchetTree: wrong}); err == nil {
				t.Fatalf("%s joined with the old group's tree", name)
			}
		} else if err != nil {
			t.Fatalf("%s joining: %v", name, err)
		}
		g, err := JoinFromWelcome(res.Welcome, j.kp, j.keys, &JoinOptions{OldGroup: old, RatchetTree: res.RatchetTree})
		if err != nil {
			t.Fatalf("%s joining with the tree: %v", name, err)
		}
		nt.members[name] = g
	}
	nt.check()
	if ng.Epoch() != 1 {
		t.Fatalf("new group at epoch %d", ng.Epoch())
	}
	nt.exchange()
	// The new group goes on: bob commits, with a path as an empty commit needs.
	nt.commit("bob", nil, nil)
	nt.check()
}

// TestGroupNilKeyPackage: a nil KeyPackage handed to ProposeAdd, Branch or
// ReInitGroup is an error that names it, not a panic, and changes nothing.
func TestGroupNilKeyPackage(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", nil)
	tg.add("alice", "bob")
	alice := tg.members["alice"]
	epoch := alice.Epoch()
	if _, err := alice.ProposeAdd(nil); !errors.Is(err, ErrInvalidProposal) || !strings.Contains(err.Error(), "nil key package") {
		t.Errorf("ProposeAdd(nil): %v", err)
	}
	if _, _, err := alice.Branch([]byte("branch"), []*KeyPackage{nil}, nil); !errors.Is(err, ErrInvalidProposal) || !strings.Contains(err.Error(), "key package 0 is nil") {
		t.Errorf("Branch with a nil key package: %v", err)
	}
	if alice.Epoch() != epoch {
		t.Errorf("epoch moved from %d to %d", epoch, alice.Epoch())
	}
}
