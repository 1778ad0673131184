package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// TestMLSErrorCodes checks the status code of every sentinel of package
// mls, bare and wrapped. ErrInvalidGroupState, which only UnmarshalGroup
// returns, would be this client's failure: Internal.
func TestMLSErrorCodes(t *testing.T) {
	want := map[error]codes.Code{
		mls.ErrLimitExceeded:     codes.ResourceExhausted,
		mls.ErrInvalidGroupState: codes.Internal,
		errors.New("other"):      codes.Internal,
	}
	for _, e := range stateErrors {
		want[e] = codes.FailedPrecondition
	}
	for _, e := range inputErrors {
		want[e] = codes.InvalidArgument
	}
	if len(want) != 49+1 {
		t.Errorf("%d errors mapped, want the 49 sentinels of package mls and one other", len(want))
	}
	for e, code := range want {
		for _, err := range []error{e, fmt.Errorf("mls: commit: %w", e)} {
			got := mlsErr("R", err)
			if status.Code(got) != code || status.Convert(got).Message() != "R: "+err.Error() {
				t.Errorf("mlsErr(%v) = %v, want %v", err, got, code)
			}
		}
	}
}

// TestRPCErrors checks requests that well-formed fields do not save: each
// ends in the status and message its cause calls for.
func TestRPCErrors(t *testing.T) {
	m := loadMessages(t)
	srv := New(nil)
	populate(t, srv)
	c := serve(t, srv)
	fail := func(rpc string, code codes.Code, msg string, call func(context.Context, pb.MLSClientClient) error) rpcCase {
		return rpcCase{rpc: rpc, call: call, code: code, msg: msg}
	}
	cases := []rpcCase{
		fail("HandlePendingCommit", codes.FailedPrecondition, "no pending commit", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandlePendingCommit(ctx, &pb.HandlePendingCommitRequest{StateId: 1})
			return err
		}),
		fail("JoinGroup", codes.FailedPrecondition, "transaction_id 4: its KeyPackage was already used", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.JoinGroup(ctx, &pb.JoinGroupRequest{TransactionId: 4, Welcome: m.Welcome})
			return err
		}),
		fail("StateAuth", codes.FailedPrecondition, "state_id 6: the group was reinitialized; it continues as reinit_id 7", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.StateAuth(ctx, &pb.StateAuthRequest{StateId: 6})
			return err
		}),
		fail("StorePSK", codes.FailedPrecondition, "reinit_id 7", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.StorePSK(ctx, &pb.StorePSKRequest{StateOrTransactionId: 6, PskId: []byte("p"), PskSecret: []byte("s")})
			return err
		}),
		fail("JoinGroup", codes.InvalidArgument, "welcome has no secrets for this key package", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.JoinGroup(ctx, &pb.JoinGroupRequest{TransactionId: 2, Welcome: m.Welcome})
			return err
		}),
		fail("RemoveProposal", codes.InvalidArgument, `removed_id: no member has the identity "zoe"`, func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.RemoveProposal(ctx, &pb.RemoveProposalRequest{StateId: 1, RemovedId: []byte("zoe")})
			return err
		}),
		fail("Commit", codes.InvalidArgument, `by_value[1].removed_id: no member has the identity "zoe"`, func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Commit(ctx, &pb.CommitRequest{StateId: 1, ByValue: []*pb.ProposalDescription{
				{ProposalType: []byte("resumptionPSK")}, {ProposalType: []byte("remove"), RemovedId: []byte("zoe")}}})
			return err
		}),
		fail("Commit", codes.FailedPrecondition, "pre-shared key not available", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Commit(ctx, &pb.CommitRequest{StateId: 1, ByValue: []*pb.ProposalDescription{{ProposalType: []byte("externalPSK"), PskId: []byte("nope")}}})
			return err
		}),
		fail("Unprotect", codes.InvalidArgument, "not an application message", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Unprotect(ctx, &pb.UnprotectRequest{StateId: 1, Ciphertext: m.PrivateMessage})
			return err
		}),
		fail("HandleCommit", codes.InvalidArgument, "HandleCommit: mls:", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandleCommit(ctx, &pb.HandleCommitRequest{StateId: 1, Commit: m.PublicCommit})
			return err
		}),
		fail("Export", codes.InvalidArgument, "invalid length", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Export(ctx, &pb.ExportRequest{StateId: 1, Label: "l", KeyLength: 255*32 + 1})
			return err
		}),
		fail("ExternalSignerProposal", codes.InvalidArgument, "group_info: the group's cipher suite is", func(ctx context.Context, c pb.MLSClientClient) error {
			s, err := c.CreateExternalSigner(ctx, &pb.CreateExternalSignerRequest{CipherSuite: 2, Identity: []byte("ds2")})
			if err != nil {
				return err
			}
			_, err = c.ExternalSignerProposal(ctx, &pb.ExternalSignerProposalRequest{SignerId: s.SignerId, GroupInfo: m.GroupInfo,
				Description: &pb.ProposalDescription{ProposalType: []byte("resumptionPSK")}})
			return err
		}),
		fail("ReInitWelcome", codes.InvalidArgument, "ReInitWelcome: mls:", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ReInitWelcome(ctx, &pb.ReInitWelcomeRequest{ReinitId: 7, KeyPackage: [][]byte{m.KeyPackage}})
			return err
		}),
		fail("ExternalJoin", codes.InvalidArgument, "ExternalJoin: mls:", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ExternalJoin(ctx, &pb.ExternalJoinRequest{GroupInfo: m.GroupInfo, Identity: []byte("x")})
			return err
		}),
	}
	for _, tc := range cases {
		checkStatus(t, tc, tc.call(bg(), c))
	}

	// A group that does not list the signer; then one without the tree.
	gi, err := c.GroupInfo(bg(), &pb.GroupInfoRequest{StateId: 1, ExternalTree: true})
	if err != nil {
		t.Fatal(err)
	}
	remove := &pb.ProposalDescription{ProposalType: []byte("remove"), RemovedId: []byte("carol")}
	_, err = c.ExternalSignerProposal(bg(), &pb.ExternalSignerProposalRequest{SignerId: 3, GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, Description: remove})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "not in the group's external_senders") {
		t.Errorf("ExternalSignerProposal by a signer the group does not list: %v", err)
	}
	signer, err := c.CreateExternalSigner(bg(), &pb.CreateExternalSignerRequest{CipherSuite: 1, Identity: []byte("ds")})
	if err != nil {
		t.Fatal(err)
	}
	add, err := c.AddExternalSigner(bg(), &pb.AddExternalSignerRequest{StateId: 1, ExternalSender: signer.ExternalSender})
	if err != nil {
		t.Fatal(err)
	}
	// Uncommitted proposals keep alice from sending application data.
	if _, err := c.Protect(bg(), &pb.ProtectRequest{StateId: 1, Plaintext: []byte("hi")}); status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "proposals pending") {
		t.Errorf("Protect with a proposal pending: %v", err)
	}
	commit, err := c.Commit(bg(), &pb.CommitRequest{StateId: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.HandlePendingCommit(bg(), &pb.HandlePendingCommitRequest{StateId: 1}); err != nil {
		t.Fatal(err)
	}
	// Carol refuses the commit as a ReInit commit, and then takes it.
	if _, err := c.HandleReInitCommit(bg(), &pb.HandleCommitRequest{StateId: 5, Proposal: [][]byte{add.Proposal}, Commit: commit.Commit}); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "carries no ReInit proposal") {
		t.Errorf("HandleReInitCommit of a commit without ReInit: %v", err)
	}
	if _, err := c.HandleCommit(bg(), &pb.HandleCommitRequest{StateId: 5, Commit: commit.Commit}); err != nil {
		t.Errorf("HandleCommit after the refused HandleReInitCommit: %v", err)
	}
	gi, err = c.GroupInfo(bg(), &pb.GroupInfoRequest{StateId: 1, ExternalTree: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ExternalSignerProposal(bg(), &pb.ExternalSignerProposalRequest{SignerId: signer.SignerId, GroupInfo: gi.GroupInfo, Description: remove})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "ratchet_tree: empty") {
		t.Errorf("external Remove without a tree: %v", err)
	}
	_, err = c.ExternalSignerProposal(bg(), &pb.ExternalSignerProposalRequest{SignerId: signer.SignerId, SignerIndex: 1, GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, Description: remove})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("external Remove as signer_index 1 of a one-entry list: %v", err)
	}
	if _, err := c.ExternalSignerProposal(bg(), &pb.ExternalSignerProposalRequest{SignerId: signer.SignerId, GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, Description: remove}); err != nil {
		t.Errorf("external Remove with the tree: %v", err)
	}
}

// TestWithExternalSender checks that a second external sender is appended
// to the extension's list and that other extensions stay as they are.
func TestWithExternalSender(t *testing.T) {
	one := &mls.ExternalSender{SignatureKey: []byte{1}, Credential: basicCredential([]byte("a"))}
	two := &mls.ExternalSender{SignatureKey: []byte{2}, Credential: basicCredential([]byte("b"))}
	other := mls.Extension{Type: 3, Data: []byte{0, 0, 0}}
	exts, err := withExternalSender([]mls.Extension{other}, one)
	if err != nil {
		t.Fatal(err)
	}
	if exts, err = withExternalSender(exts, two); err != nil {
		t.Fatal(err)
	}
	if len(exts) != 2 || exts[0].Type != 3 || exts[1].Type != mls.ExtensionTypeExternalSenders {
		t.Fatalf("extensions %v", exts)
	}
	senders, err := mls.UnmarshalExternalSenders(exts[1].Data)
	if err != nil || len(senders) != 2 || senders[0].SignatureKey[0] != 1 || senders[1].SignatureKey[0] != 2 {
		t.Fatalf("external senders %v, %v", senders, err)
	}
	if _, err := withExternalSender([]mls.Extension{{Type: mls.ExtensionTypeExternalSenders, Data: []byte{5}}}, one); !errors.Is(err, mls.ErrMalformed) {
		t.Errorf("malformed external_senders: %v", err)
	}
}
