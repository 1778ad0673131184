package client

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// TestConcurrentRPCs runs RPCs on many states at once, several on the same
// state, over gRPC; run with -race it checks that handles serialize the
// use of their groups. Every message protected concurrently by one member
// must be unprotected by the other.
func TestConcurrentRPCs(t *testing.T) {
	srv := New(nil)
	c := serve(t, srv)
	const groups, senders, messages = 4, 3, 5
	var wg sync.WaitGroup
	for g := range groups {
		wg.Go(func() {
			cs := uint32(suites[g%len(suites)])
			alice, err := c.CreateGroup(bg(), &pb.CreateGroupRequest{GroupId: []byte{byte(g)}, CipherSuite: cs, Identity: []byte("alice"), EncryptHandshake: g%2 == 0})
			if err != nil {
				t.Error(err)
				return
			}
			kp, err := c.CreateKeyPackage(bg(), &pb.CreateKeyPackageRequest{CipherSuite: cs, Identity: []byte("bob")})
			if err != nil {
				t.Error(err)
				return
			}
			commit, err := c.Commit(bg(), &pb.CommitRequest{StateId: alice.StateId, ByValue: []*pb.ProposalDescription{{ProposalType: []byte("add"), KeyPackage: kp.KeyPackage}}})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := c.HandlePendingCommit(bg(), &pb.HandlePendingCommitRequest{StateId: alice.StateId}); err != nil {
				t.Error(err)
				return
			}
			bob, err := c.JoinGroup(bg(), &pb.JoinGroupRequest{TransactionId: kp.TransactionId, Welcome: commit.Welcome})
			if err != nil {
				t.Error(err)
				return
			}
			// Several goroutines protect with alice's state at once.
			cts := make(chan []byte, senders*messages)
			var inner sync.WaitGroup
			for s := range senders {
				inner.Go(func() {
					for i := range messages {
						pt := fmt.Appendf(nil, "%d/%d", s, i)
						ct, err := c.Protect(bg(), &pb.ProtectRequest{StateId: alice.StateId, Plaintext: pt})
						if err != nil {
							t.Error(err)
							return
						}
						cts <- ct.Ciphertext
						if _, err := c.StateAuth(bg(), &pb.StateAuthRequest{StateId: bob.StateId}); err != nil {
							t.Error(err)
						}
					}
				})
			}
			inner.Wait()
			close(cts)
			seen := map[string]bool{}
			for ct := range cts {
				got, err := c.Unprotect(bg(), &pb.UnprotectRequest{StateId: bob.StateId, Ciphertext: ct})
				if err != nil {
					t.Error(err)
					return
				}
				seen[string(got.Plaintext)] = true
			}
			if len(seen) != senders*messages {
				t.Errorf("group %d: %d distinct messages unprotected, want %d", g, len(seen), senders*messages)
			}
			a, errA := c.Export(bg(), &pb.ExportRequest{StateId: alice.StateId, Label: "x", KeyLength: 16})
			b, errB := c.Export(bg(), &pb.ExportRequest{StateId: bob.StateId, Label: "x", KeyLength: 16})
			if errA != nil || errB != nil || !bytes.Equal(a.ExportedSecret, b.ExportedSecret) {
				t.Errorf("group %d: exports differ: %v, %v", g, errA, errB)
			}
			for _, id := range []uint32{alice.StateId, bob.StateId, kp.TransactionId} {
				if _, err := c.Free(bg(), &pb.FreeRequest{StateId: id}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if srv.Handles() != 0 {
		t.Errorf("%d handles left", srv.Handles())
	}
}
