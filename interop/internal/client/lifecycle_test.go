package client

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// succeeded records the RPCs that answered without an error.
type succeeded struct {
	mu  sync.Mutex
	rpc map[string]bool
}

func (s *succeeded) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err == nil {
		s.mu.Lock()
		s.rpc[info.FullMethod[strings.LastIndexByte(info.FullMethod, '/')+1:]] = true
		s.mu.Unlock()
	}
	return resp, err
}

// ok takes an RPC's results and returns a function that returns the
// response, failing the test if the RPC failed: ok(c.Name(ctx, req))(t, "Name").
func ok[T any](v T, err error) func(t *testing.T, what string) T {
	return func(t *testing.T, what string) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// TestLifecycle drives two servers through a group's life with every RPC
// of the service, in every cipher suite and both handshake modes: creation,
// Welcome joins with a PSK and an external tree, proposals of every type
// by reference and by value, external joins, external signers, a joiner's
// own Add, branches and a reinitialization to another suite. Every epoch
// authenticator a join or commit returns must match the committer's, and
// every RPC of the service must have succeeded at least once.
func TestLifecycle(t *testing.T) {
	rec := &succeeded{rpc: map[string]bool{}}
	srvA, srvB := New(nil), New(nil)
	a := serve(t, srvA, grpc.ChainUnaryInterceptor(rec.intercept))
	b := serve(t, srvB, grpc.ChainUnaryInterceptor(rec.intercept))
	if _, err := a.Name(bg(), &pb.NameRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SupportedCiphersuites(bg(), &pb.SupportedCiphersuitesRequest{}); err != nil {
		t.Fatal(err)
	}
	for _, cs := range suites {
		for _, encrypt := range []bool{true, false} {
			t.Run(cs.String()+map[bool]string{true: "/private", false: "/public"}[encrypt], func(t *testing.T) {
				lifecycle(t, a, b, uint32(cs), encrypt)
				if srvA.Handles() != 0 || srvB.Handles() != 0 {
					t.Errorf("handles left after Free: %d, %d", srvA.Handles(), srvB.Handles())
				}
			})
		}
	}
	var missing []string
	for _, m := range pb.MLSClient_ServiceDesc.Methods {
		if !rec.rpc[m.MethodName] {
			missing = append(missing, m.MethodName)
		}
	}
	if len(missing) > 0 {
		t.Errorf("RPCs that never succeeded: %v", missing)
	}
}

// member is one member's state on a server.
type member struct {
	c  pb.MLSClientClient
	id uint32
}

func lifecycle(t *testing.T, a, b pb.MLSClientClient, cs uint32, encrypt bool) {
	var handles []member
	keep := func(c pb.MLSClientClient, id uint32) uint32 {
		handles = append(handles, member{c, id})
		return id
	}
	defer func() {
		for _, h := range handles {
			if _, err := h.c.Free(bg(), &pb.FreeRequest{StateId: h.id}); err != nil {
				t.Errorf("Free(%d): %v", h.id, err)
			}
		}
	}()
	// outOfBand checks a new group's ratchet_tree: with externalTree it is
	// given and joining without it fails for want of the tree; without,
	// it is empty.
	outOfBand := func(what string, tree []byte, externalTree bool, join func() error) {
		t.Helper()
		if !externalTree {
			if len(tree) != 0 {
				t.Fatalf("%s: a ratchet_tree without external_tree", what)
			}
			return
		}
		if len(tree) == 0 {
			t.Fatalf("%s: no ratchet_tree with external_tree", what)
		}
		if err := join(); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "no ratchet tree") {
			t.Fatalf("%s: joining without the out-of-band tree: %v", what, err)
		}
	}
	agree := func(what string, auth []byte, ms ...member) {
		t.Helper()
		if len(auth) == 0 {
			t.Fatalf("%s: empty epoch authenticator", what)
		}
		for _, m := range ms {
			got := ok(m.c.StateAuth(bg(), &pb.StateAuthRequest{StateId: m.id}))(t, what+": StateAuth")
			if !bytes.Equal(got.StateAuthSecret, auth) {
				t.Fatalf("%s: state %d has StateAuth %x, want %x", what, m.id, got.StateAuthSecret, auth)
			}
		}
	}
	// commit has m commit and merge, then the others handle it.
	commit := func(what string, m member, req *pb.CommitRequest, others ...member) *pb.CommitResponse {
		t.Helper()
		req.StateId = m.id
		resp := ok(m.c.Commit(bg(), req))(t, what+": Commit")
		merged := ok(m.c.HandlePendingCommit(bg(), &pb.HandlePendingCommitRequest{StateId: m.id}))(t, what+": HandlePendingCommit")
		for _, o := range others {
			h := ok(o.c.HandleCommit(bg(), &pb.HandleCommitRequest{StateId: o.id, Proposal: req.ByReference, Commit: resp.Commit}))(t, what+": HandleCommit")
			if h.StateId != o.id || !bytes.Equal(h.EpochAuthenticator, merged.EpochAuthenticator) {
				t.Fatalf("%s: HandleCommit: state %d, epoch authenticator %x; want %d, %x", what, h.StateId, h.EpochAuthenticator, o.id, merged.EpochAuthenticator)
			}
		}
		agree(what, merged.EpochAuthenticator, append(others, m)...)
		return resp
	}
	// talk has each member protect a message every other one unprotects.
	talk := func(what string, ms ...member) {
		t.Helper()
		for _, from := range ms {
			ad, pt := []byte(what), []byte("from "+what)
			ct := ok(from.c.Protect(bg(), &pb.ProtectRequest{StateId: from.id, AuthenticatedData: ad, Plaintext: pt}))(t, what+": Protect")
			for _, to := range ms {
				if to == from {
					continue
				}
				got := ok(to.c.Unprotect(bg(), &pb.UnprotectRequest{StateId: to.id, Ciphertext: ct.Ciphertext}))(t, what+": Unprotect")
				if !bytes.Equal(got.AuthenticatedData, ad) || !bytes.Equal(got.Plaintext, pt) {
					t.Fatalf("%s: unprotected %q / %q, want %q / %q", what, got.AuthenticatedData, got.Plaintext, ad, pt)
				}
			}
		}
	}
	desc := func(kind string) *pb.ProposalDescription { return &pb.ProposalDescription{ProposalType: []byte(kind)} }
	ext := []*pb.Extension{{ExtensionType: 3, ExtensionData: []byte{0, 0, 0}}}

	// Alice creates the group; Bob joins from a Welcome that injects an
	// external PSK and leaves the tree out.
	alice := member{a, keep(a, ok(a.CreateGroup(bg(), &pb.CreateGroupRequest{GroupId: []byte("g"), CipherSuite: cs, EncryptHandshake: encrypt, Identity: []byte("alice")}))(t, "CreateGroup").StateId)}
	kp := ok(b.CreateKeyPackage(bg(), &pb.CreateKeyPackageRequest{CipherSuite: cs, Identity: []byte("bob")}))(t, "CreateKeyPackage")
	keep(b, kp.TransactionId)
	if len(kp.InitPriv) == 0 || len(kp.EncryptionPriv) == 0 || len(kp.SignaturePriv) == 0 {
		t.Fatalf("CreateKeyPackage: private keys missing")
	}
	if _, err := mls.NewKeyPackagePrivateKeys(mls.CipherSuite(cs), kp.InitPriv, kp.EncryptionPriv, kp.SignaturePriv); err != nil {
		t.Fatalf("CreateKeyPackage: private keys do not decode: %v", err)
	}
	for _, m := range []member{alice, {b, kp.TransactionId}} {
		ok(m.c.StorePSK(bg(), &pb.StorePSKRequest{StateOrTransactionId: m.id, PskId: []byte("psk"), PskSecret: []byte("secret")}))(t, "StorePSK")
	}
	add := ok(a.AddProposal(bg(), &pb.AddProposalRequest{StateId: alice.id, KeyPackage: kp.KeyPackage}))(t, "AddProposal")
	psk := ok(a.ExternalPSKProposal(bg(), &pb.ExternalPSKProposalRequest{StateId: alice.id, PskId: []byte("psk")}))(t, "ExternalPSKProposal")
	c1 := commit("add bob", alice, &pb.CommitRequest{ByReference: [][]byte{add.Proposal, psk.Proposal}, ExternalTree: true})
	if len(c1.RatchetTree) == 0 || len(c1.Welcome) == 0 {
		t.Fatalf("Commit with external_tree: tree %d bytes, Welcome %d bytes", len(c1.RatchetTree), len(c1.Welcome))
	}
	joined := ok(b.JoinGroup(bg(), &pb.JoinGroupRequest{TransactionId: kp.TransactionId, Welcome: c1.Welcome, EncryptHandshake: encrypt, RatchetTree: c1.RatchetTree}))(t, "JoinGroup")
	bob := member{b, keep(b, joined.StateId)}
	agree("bob joined", joined.EpochAuthenticator, alice, bob)
	talk("epoch 1", alice, bob)
	ea := ok(a.Export(bg(), &pb.ExportRequest{StateId: alice.id, Label: "l", Context: []byte("c"), KeyLength: 40}))(t, "Export")
	eb := ok(b.Export(bg(), &pb.ExportRequest{StateId: bob.id, Label: "l", Context: []byte("c"), KeyLength: 40}))(t, "Export")
	if len(ea.ExportedSecret) != 40 || !bytes.Equal(ea.ExportedSecret, eb.ExportedSecret) {
		t.Fatalf("Export: %x and %x", ea.ExportedSecret, eb.ExportedSecret)
	}

	// Bob proposes an Update and new extensions; Alice commits them with
	// PSKs by value.
	up := ok(b.UpdateProposal(bg(), &pb.UpdateProposalRequest{StateId: bob.id}))(t, "UpdateProposal")
	gce := ok(b.GroupContextExtensionsProposal(bg(), &pb.GroupContextExtensionsProposalRequest{StateId: bob.id, Extensions: ext}))(t, "GroupContextExtensionsProposal")
	byValue := []*pb.ProposalDescription{desc("externalPSK"), desc("resumptionPSK")}
	byValue[0].PskId, byValue[1].EpochId = []byte("psk"), 1
	commit("bob's proposals", alice, &pb.CommitRequest{ByReference: [][]byte{up.Proposal, gce.Proposal}, ByValue: byValue, ForcePath: true}, bob)
	talk("epoch 2", alice, bob)

	// Carol joins Alice and Bob with an external commit.
	gi := ok(a.GroupInfo(bg(), &pb.GroupInfoRequest{StateId: alice.id, ExternalTree: true}))(t, "GroupInfo")
	ej := ok(b.ExternalJoin(bg(), &pb.ExternalJoinRequest{GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, EncryptHandshake: encrypt, Identity: []byte("carol"),
		Psks: []*pb.PreSharedKey{{PskId: []byte("psk2"), PskSecret: []byte("secret2")}}}))(t, "ExternalJoin")
	carol := member{b, keep(b, ej.StateId)}
	ok(a.StorePSK(bg(), &pb.StorePSKRequest{StateOrTransactionId: alice.id, PskId: []byte("psk2"), PskSecret: []byte("secret2")}))(t, "StorePSK")
	ok(b.StorePSK(bg(), &pb.StorePSKRequest{StateOrTransactionId: bob.id, PskId: []byte("psk2"), PskSecret: []byte("secret2")}))(t, "StorePSK")
	for _, m := range []member{alice, bob} {
		h := ok(m.c.HandleCommit(bg(), &pb.HandleCommitRequest{StateId: m.id, Commit: ej.Commit}))(t, "HandleCommit (external)")
		if !bytes.Equal(h.EpochAuthenticator, ej.EpochAuthenticator) {
			t.Fatalf("external join: epoch authenticators differ")
		}
	}
	agree("carol joined", ej.EpochAuthenticator, alice, bob, carol)
	talk("epoch 3", alice, bob, carol)

	// An external signer on B is added to the group and removes Carol...
	ds := ok(b.CreateExternalSigner(bg(), &pb.CreateExternalSignerRequest{CipherSuite: cs, Identity: []byte("ds")}))(t, "CreateExternalSigner")
	keep(b, ds.SignerId)
	addDS := ok(a.AddExternalSigner(bg(), &pb.AddExternalSignerRequest{StateId: alice.id, ExternalSender: ds.ExternalSender}))(t, "AddExternalSigner")
	commit("add ds", alice, &pb.CommitRequest{ByReference: [][]byte{addDS.Proposal}}, bob, carol)
	gi = ok(a.GroupInfo(bg(), &pb.GroupInfoRequest{StateId: alice.id, ExternalTree: true}))(t, "GroupInfo")
	rm := desc("remove")
	rm.RemovedId = []byte("carol")
	dsRemove := ok(b.ExternalSignerProposal(bg(), &pb.ExternalSignerProposalRequest{SignerId: ds.SignerId, GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, Description: rm}))(t, "ExternalSignerProposal")
	// ... and injects an external PSK with a nonce of the suite's KDF.Nh.
	xpsk := desc("externalPSK")
	xpsk.PskId = []byte("psk")
	dsPSK := ok(b.ExternalSignerProposal(bg(), &pb.ExternalSignerProposalRequest{SignerId: ds.SignerId, GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, Description: xpsk}))(t, "ExternalSignerProposal")
	commit("ds removes carol", alice, &pb.CommitRequest{ByReference: [][]byte{dsRemove.Proposal, dsPSK.Proposal}}, bob)
	talk("epoch 5", alice, bob)

	// Dave asks to join with his own Add; Alice commits it, then removes
	// him again.
	gi = ok(a.GroupInfo(bg(), &pb.GroupInfoRequest{StateId: alice.id}))(t, "GroupInfo")
	nm := ok(b.NewMemberAddProposal(bg(), &pb.NewMemberAddProposalRequest{GroupInfo: gi.GroupInfo, Identity: []byte("dave")}))(t, "NewMemberAddProposal")
	keep(b, nm.TransactionId)
	c6 := commit("dave's add", alice, &pb.CommitRequest{ByReference: [][]byte{nm.Proposal}}, bob)
	dj := ok(b.JoinGroup(bg(), &pb.JoinGroupRequest{TransactionId: nm.TransactionId, Welcome: c6.Welcome, EncryptHandshake: encrypt}))(t, "JoinGroup")
	dave := member{b, keep(b, dj.StateId)}
	talk("epoch 6", alice, bob, dave)
	rmDave := ok(b.RemoveProposal(bg(), &pb.RemoveProposalRequest{StateId: bob.id, RemovedId: []byte("dave")}))(t, "RemoveProposal")
	res := ok(b.ResumptionPSKProposal(bg(), &pb.ResumptionPSKProposalRequest{StateId: bob.id, EpochId: 2}))(t, "ResumptionPSKProposal")
	commit("remove dave", alice, &pb.CommitRequest{ByReference: [][]byte{rmDave.Proposal, res.Proposal}, ByValue: []*pb.ProposalDescription{{ProposalType: []byte("groupContextExtensions")}}}, bob)

	// Alice branches with Bob, with the tree out of band and no path in
	// the first commit in one handshake mode, the other way round in the
	// other.
	kp2 := ok(b.CreateKeyPackage(bg(), &pb.CreateKeyPackageRequest{CipherSuite: cs, Identity: []byte("bob")}))(t, "CreateKeyPackage")
	keep(b, kp2.TransactionId)
	br := ok(a.CreateBranch(bg(), &pb.CreateBranchRequest{StateId: alice.id, GroupId: []byte("branch"), Extensions: ext, KeyPackages: [][]byte{kp2.KeyPackage}, ForcePath: encrypt, ExternalTree: !encrypt}))(t, "CreateBranch")
	keep(a, br.StateId)
	hbr := &pb.HandleBranchRequest{StateId: bob.id, TransactionId: kp2.TransactionId, Welcome: br.Welcome}
	outOfBand("branch", br.RatchetTree, !encrypt, func() error { _, err := b.HandleBranch(bg(), hbr); return err })
	hbr.RatchetTree = br.RatchetTree
	hb := ok(b.HandleBranch(bg(), hbr))(t, "HandleBranch")
	keep(b, hb.StateId)
	agree("branch", br.EpochAuthenticator, member{a, br.StateId}, member{b, hb.StateId})
	talk("branch", member{a, br.StateId}, member{b, hb.StateId})

	// Alice proposes to reinitialize the group in another suite; Bob
	// commits, Alice creates the new group.
	newSuite := uint32(suites[(slices.Index(suites, mls.CipherSuite(cs))+1)%len(suites)])
	ri := ok(a.ReInitProposal(bg(), &pb.ReInitProposalRequest{StateId: alice.id, CipherSuite: newSuite, GroupId: []byte("g2"), Extensions: ext}))(t, "ReInitProposal")
	rc := ok(b.ReInitCommit(bg(), &pb.CommitRequest{StateId: bob.id, ByReference: [][]byte{ri.Proposal}}))(t, "ReInitCommit")
	rb := ok(b.HandlePendingReInitCommit(bg(), &pb.HandlePendingCommitRequest{StateId: bob.id}))(t, "HandlePendingReInitCommit")
	keep(b, rb.ReinitId)
	ra := ok(a.HandleReInitCommit(bg(), &pb.HandleCommitRequest{StateId: alice.id, Proposal: [][]byte{ri.Proposal}, Commit: rc.Commit}))(t, "HandleReInitCommit")
	keep(a, ra.ReinitId)
	if !bytes.Equal(ra.EpochAuthenticator, rb.EpochAuthenticator) {
		t.Fatalf("reinit commit: epoch authenticators differ")
	}
	if _, err := a.StateAuth(bg(), &pb.StateAuthRequest{StateId: alice.id}); status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "reinit_id") {
		t.Fatalf("StateAuth of a reinitialized state: %v", err)
	}
	rw := ok(a.ReInitWelcome(bg(), &pb.ReInitWelcomeRequest{ReinitId: ra.ReinitId, KeyPackage: [][]byte{rb.KeyPackage}, ForcePath: !encrypt, ExternalTree: encrypt}))(t, "ReInitWelcome")
	keep(a, rw.StateId)
	hwr := &pb.HandleReInitWelcomeRequest{ReinitId: rb.ReinitId, Welcome: rw.Welcome}
	outOfBand("reinit", rw.RatchetTree, encrypt, func() error { _, err := b.HandleReInitWelcome(bg(), hwr); return err })
	hwr.RatchetTree = rw.RatchetTree
	hw := ok(b.HandleReInitWelcome(bg(), hwr))(t, "HandleReInitWelcome")
	keep(b, hw.StateId)
	agree("reinit", rw.EpochAuthenticator, member{a, rw.StateId}, member{b, hw.StateId})
	talk("reinit", member{a, rw.StateId}, member{b, hw.StateId})
	gi = ok(a.GroupInfo(bg(), &pb.GroupInfoRequest{StateId: rw.StateId}))(t, "GroupInfo")
	m, err := mls.UnmarshalMLSMessage(gi.GroupInfo)
	if err != nil || m.GroupInfo.GroupContext.CipherSuite != mls.CipherSuite(newSuite) || string(m.GroupInfo.GroupContext.GroupID) != "g2" {
		t.Fatalf("reinitialized group: %v; want suite %d, group g2", err, newSuite)
	}
}
