package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sealroom/sealroom/internal/tlscodec"
	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

func TestNameAndSuites(t *testing.T) {
	c := serve(t, New(nil))
	nr, err := c.Name(bg(), &pb.NameRequest{})
	if err != nil || nr.Name != Name {
		t.Fatalf("Name = %q, %v; want %q", nr.GetName(), err, Name)
	}
	sr, err := c.SupportedCiphersuites(bg(), &pb.SupportedCiphersuitesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{1, 2, 3, 4, 5, 6, 7}
	if !slices.Equal(sr.Ciphersuites, want) {
		t.Fatalf("SupportedCiphersuites = %v, want %v", sr.Ciphersuites, want)
	}
}

// rpcCase is one call of an RPC with the status it must end in.
type rpcCase struct {
	rpc  string
	call func(context.Context, pb.MLSClientClient) error
	code codes.Code
	msg  string // substring of the status message
}

// handleCases calls every RPC that takes a handle with well-formed
// arguments and the handle id.
func handleCases(m messages, id uint32) []rpcCase {
	ext := []*pb.Extension{{ExtensionType: 3, ExtensionData: []byte{0, 0, 0}}}
	c := func(rpc, field string, call func(context.Context, pb.MLSClientClient) error) rpcCase {
		return rpcCase{rpc: rpc, call: call, msg: rpc + ": " + field}
	}
	return []rpcCase{
		c("JoinGroup", "transaction_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.JoinGroup(ctx, &pb.JoinGroupRequest{TransactionId: id, Welcome: m.Welcome})
			return err
		}),
		c("GroupInfo", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.GroupInfo(ctx, &pb.GroupInfoRequest{StateId: id})
			return err
		}),
		c("StateAuth", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.StateAuth(ctx, &pb.StateAuthRequest{StateId: id})
			return err
		}),
		c("Export", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Export(ctx, &pb.ExportRequest{StateId: id, Label: "l", KeyLength: 32})
			return err
		}),
		c("Protect", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Protect(ctx, &pb.ProtectRequest{StateId: id, Plaintext: []byte("hi")})
			return err
		}),
		c("Unprotect", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Unprotect(ctx, &pb.UnprotectRequest{StateId: id, Ciphertext: m.PrivateMessage})
			return err
		}),
		c("StorePSK", "state_or_transaction_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.StorePSK(ctx, &pb.StorePSKRequest{StateOrTransactionId: id, PskId: []byte("p"), PskSecret: []byte("s")})
			return err
		}),
		c("AddProposal", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.AddProposal(ctx, &pb.AddProposalRequest{StateId: id, KeyPackage: m.KeyPackage})
			return err
		}),
		c("UpdateProposal", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.UpdateProposal(ctx, &pb.UpdateProposalRequest{StateId: id})
			return err
		}),
		c("RemoveProposal", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.RemoveProposal(ctx, &pb.RemoveProposalRequest{StateId: id, RemovedId: []byte("bob")})
			return err
		}),
		c("ExternalPSKProposal", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ExternalPSKProposal(ctx, &pb.ExternalPSKProposalRequest{StateId: id, PskId: []byte("id")})
			return err
		}),
		c("ResumptionPSKProposal", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ResumptionPSKProposal(ctx, &pb.ResumptionPSKProposalRequest{StateId: id, EpochId: 1})
			return err
		}),
		c("GroupContextExtensionsProposal", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.GroupContextExtensionsProposal(ctx, &pb.GroupContextExtensionsProposalRequest{StateId: id, Extensions: ext})
			return err
		}),
		c("Commit", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Commit(ctx, &pb.CommitRequest{StateId: id, ByReference: [][]byte{m.PublicProposal},
				ByValue: []*pb.ProposalDescription{
					{ProposalType: []byte("add"), KeyPackage: m.KeyPackage},
					{ProposalType: []byte("remove"), RemovedId: []byte("bob")},
					{ProposalType: []byte("externalPSK"), PskId: []byte("id")},
					{ProposalType: []byte("resumptionPSK"), EpochId: 3},
					{ProposalType: []byte("groupContextExtensions"), Extensions: ext},
				}})
			return err
		}),
		c("HandleCommit", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandleCommit(ctx, &pb.HandleCommitRequest{StateId: id, Proposal: [][]byte{m.PublicProposal}, Commit: m.PublicCommit})
			return err
		}),
		c("HandlePendingCommit", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandlePendingCommit(ctx, &pb.HandlePendingCommitRequest{StateId: id})
			return err
		}),
		c("ReInitProposal", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ReInitProposal(ctx, &pb.ReInitProposalRequest{StateId: id, CipherSuite: 2, GroupId: []byte("g++"), Extensions: ext})
			return err
		}),
		c("ReInitCommit", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ReInitCommit(ctx, &pb.CommitRequest{StateId: id, ByReference: [][]byte{m.PublicProposal}})
			return err
		}),
		c("HandlePendingReInitCommit", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandlePendingReInitCommit(ctx, &pb.HandlePendingCommitRequest{StateId: id})
			return err
		}),
		c("HandleReInitCommit", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandleReInitCommit(ctx, &pb.HandleCommitRequest{StateId: id, Proposal: [][]byte{m.PublicProposal}, Commit: m.PublicCommit})
			return err
		}),
		c("ReInitWelcome", "reinit_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ReInitWelcome(ctx, &pb.ReInitWelcomeRequest{ReinitId: id, KeyPackage: [][]byte{m.KeyPackage}})
			return err
		}),
		c("HandleReInitWelcome", "reinit_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandleReInitWelcome(ctx, &pb.HandleReInitWelcomeRequest{ReinitId: id, Welcome: m.Welcome})
			return err
		}),
		c("CreateBranch", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.CreateBranch(ctx, &pb.CreateBranchRequest{StateId: id, GroupId: []byte("b"), Extensions: ext, KeyPackages: [][]byte{m.KeyPackage}})
			return err
		}),
		c("HandleBranch", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandleBranch(ctx, &pb.HandleBranchRequest{StateId: id, TransactionId: id, Welcome: m.Welcome})
			return err
		}),
		c("AddExternalSigner", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.AddExternalSigner(ctx, &pb.AddExternalSignerRequest{StateId: id, ExternalSender: externalSenderBytes})
			return err
		}),
		c("ExternalSignerProposal", "signer_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ExternalSignerProposal(ctx, &pb.ExternalSignerProposalRequest{SignerId: id, GroupInfo: m.GroupInfo,
				Description: &pb.ProposalDescription{ProposalType: []byte("reinit"), GroupId: []byte("g"), CipherSuite: 3, Extensions: ext}})
			return err
		}),
		c("Free", "state_id", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Free(ctx, &pb.FreeRequest{StateId: id})
			return err
		}),
	}
}

// externalSenderBytes is an ExternalSender struct with a 32-byte key and a
// basic credential "ds".
var externalSenderBytes = append(append([]byte{32}, make([]byte, 32)...), 0, 1, 2, 'd', 's')

// handleFree lists the RPCs that take no handle.
var handleFree = []string{"Name", "SupportedCiphersuites", "CreateGroup", "CreateKeyPackage", "ExternalJoin", "NewMemberAddProposal", "CreateExternalSigner"}

// TestHandles calls every RPC that takes a handle with one that does not
// exist (NotFound) and with one of the wrong kind (FailedPrecondition),
// each naming the field that carried it.
func TestHandles(t *testing.T) {
	m := loadMessages(t)
	srv := New(nil)
	c := serve(t, srv)
	unknown := handleCases(m, 99)
	if got, want := len(unknown)+len(handleFree), len(pb.MLSClient_ServiceDesc.Methods); got != want {
		t.Fatalf("%d RPCs covered, service has %d", got, want)
	}
	for _, tc := range unknown {
		tc.code, tc.msg = codes.NotFound, tc.msg+" 99: no such handle"
		checkStatus(t, tc, tc.call(bg(), c))
	}
	// A signer is the wrong kind for every RPC but ExternalSignerProposal
	// and Free, which take one.
	signer, err := c.CreateExternalSigner(bg(), &pb.CreateExternalSignerRequest{CipherSuite: 1, Identity: []byte("ds")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range handleCases(m, signer.SignerId) {
		if tc.rpc == "ExternalSignerProposal" || tc.rpc == "Free" {
			continue
		}
		tc.code, tc.msg = codes.FailedPrecondition, fmt.Sprintf("%s %d is a external signer, not a", tc.msg, signer.SignerId)
		checkStatus(t, tc, tc.call(bg(), c))
	}
}

func checkStatus(t *testing.T, tc rpcCase, err error) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != tc.code || !strings.Contains(st.Message(), tc.msg) {
		t.Errorf("%s: got %v; want %v containing %q", tc.rpc, err, tc.code, tc.msg)
	}
}

func TestInvalidArguments(t *testing.T) {
	m := loadMessages(t)
	c := serve(t, New(nil))
	inv := func(rpc, msg string, call func(context.Context, pb.MLSClientClient) error) rpcCase {
		return rpcCase{rpc: rpc, call: call, code: codes.InvalidArgument, msg: msg}
	}
	cases := []rpcCase{
		inv("CreateGroup", "cipher_suite: 0x0000 is not one of", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.CreateGroup(ctx, &pb.CreateGroupRequest{GroupId: []byte("g"), Identity: []byte("a")})
			return err
		}),
		inv("CreateGroup", "cipher_suite: 65537 does not fit", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.CreateGroup(ctx, &pb.CreateGroupRequest{GroupId: []byte("g"), CipherSuite: 0x10001, Identity: []byte("a")})
			return err
		}),
		inv("CreateGroup", "group_id: empty", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.CreateGroup(ctx, &pb.CreateGroupRequest{CipherSuite: 1, Identity: []byte("a")})
			return err
		}),
		inv("CreateKeyPackage", "identity: empty", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.CreateKeyPackage(ctx, &pb.CreateKeyPackageRequest{CipherSuite: 1})
			return err
		}),
		inv("JoinGroup", "welcome: MLSMessage carries a mls_key_package, want mls_welcome", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.JoinGroup(ctx, &pb.JoinGroupRequest{Welcome: m.KeyPackage})
			return err
		}),
		inv("JoinGroup", "welcome: mls: ", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.JoinGroup(ctx, &pb.JoinGroupRequest{Welcome: m.Welcome[:len(m.Welcome)-1]})
			return err
		}),
		inv("ExternalJoin", "psks[0].psk_secret: empty", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ExternalJoin(ctx, &pb.ExternalJoinRequest{GroupInfo: m.GroupInfo, Identity: []byte("b"), Psks: []*pb.PreSharedKey{{PskId: []byte("i")}}})
			return err
		}),
		inv("Export", "key_length: 65536 does not fit", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Export(ctx, &pb.ExportRequest{KeyLength: 1 << 16})
			return err
		}),
		inv("Unprotect", "ciphertext: MLSMessage carries a mls_public_message, want mls_private_message", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Unprotect(ctx, &pb.UnprotectRequest{Ciphertext: m.PublicProposal})
			return err
		}),
		inv("AddProposal", "key_package: empty", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.AddProposal(ctx, &pb.AddProposalRequest{})
			return err
		}),
		inv("GroupContextExtensionsProposal", "extensions[1].extension_type: 65536 does not fit", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.GroupContextExtensionsProposal(ctx, &pb.GroupContextExtensionsProposalRequest{Extensions: []*pb.Extension{{}, {ExtensionType: 1 << 16}}})
			return err
		}),
		inv("Commit", "by_reference[0]: MLSMessage carries a mls_welcome", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Commit(ctx, &pb.CommitRequest{ByReference: [][]byte{m.Welcome}})
			return err
		}),
		inv("Commit", `by_value[0].proposal_type: "reinit" is only allowed in ExternalSignerProposal`, func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Commit(ctx, &pb.CommitRequest{ByValue: []*pb.ProposalDescription{{ProposalType: []byte("reinit")}}})
			return err
		}),
		inv("Commit", `by_value[1].proposal_type: "update" is not one of`, func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Commit(ctx, &pb.CommitRequest{ByValue: []*pb.ProposalDescription{{ProposalType: []byte("resumptionPSK")}, {ProposalType: []byte("update")}}})
			return err
		}),
		inv("Commit", "by_value[0].removed_id: empty", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Commit(ctx, &pb.CommitRequest{ByValue: []*pb.ProposalDescription{{ProposalType: []byte("remove")}}})
			return err
		}),
		inv("HandleCommit", "commit: empty", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.HandleCommit(ctx, &pb.HandleCommitRequest{})
			return err
		}),
		inv("ReInitWelcome", "key_package[1]: MLSMessage carries a mls_group_info", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ReInitWelcome(ctx, &pb.ReInitWelcomeRequest{KeyPackage: [][]byte{m.KeyPackage, m.GroupInfo}})
			return err
		}),
		inv("CreateExternalSigner", "cipher_suite: 0x0008 is not one of", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.CreateExternalSigner(ctx, &pb.CreateExternalSignerRequest{CipherSuite: 8, Identity: []byte("ds")})
			return err
		}),
		inv("ExternalSignerProposal", "description: missing", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ExternalSignerProposal(ctx, &pb.ExternalSignerProposalRequest{GroupInfo: m.GroupInfo})
			return err
		}),
		inv("ExternalSignerProposal", "description.cipher_suite: 0x0000 is not one of", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ExternalSignerProposal(ctx, &pb.ExternalSignerProposalRequest{GroupInfo: m.GroupInfo,
				Description: &pb.ProposalDescription{ProposalType: []byte("reinit"), GroupId: []byte("g")}})
			return err
		}),
		inv("StorePSK", "psk_id: empty", func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.StorePSK(ctx, &pb.StorePSKRequest{StateOrTransactionId: 1, PskSecret: []byte("s")})
			return err
		}),
	}
	for _, tc := range cases {
		checkStatus(t, tc, tc.call(bg(), c))
	}
}

// TestEveryRPCImplemented calls each method of the service on a Server with
// an empty request: none may reach the "not implemented" answer of the
// embedded pb.UnimplementedMLSClientServer.
func TestEveryRPCImplemented(t *testing.T) {
	srv := New(nil)
	v := reflect.ValueOf(srv)
	for _, md := range pb.MLSClient_ServiceDesc.Methods {
		m := v.MethodByName(md.MethodName)
		if !m.IsValid() {
			t.Errorf("Server has no method %s", md.MethodName)
			continue
		}
		req := reflect.New(m.Type().In(1).Elem())
		out := m.Call([]reflect.Value{reflect.ValueOf(bg()), req})
		err, _ := out[1].Interface().(error)
		if strings.Contains(status.Convert(err).Message(), "not implemented") {
			t.Errorf("%s answers from the embedded UnimplementedMLSClientServer: %v", md.MethodName, err)
		}
	}
}

func TestCreateExternalSigner(t *testing.T) {
	pubLen := map[mls.CipherSuite]int{1: 32, 2: 65, 3: 32, 4: 57, 5: 133, 6: 57, 7: 97}
	srv := New(nil)
	c := serve(t, srv)
	seen := map[uint32]bool{}
	for _, cs := range suites {
		resp, err := c.CreateExternalSigner(bg(), &pb.CreateExternalSignerRequest{CipherSuite: uint32(cs), Identity: []byte("ds")})
		if err != nil {
			t.Fatalf("%v: %v", cs, err)
		}
		if resp.SignerId == 0 || seen[resp.SignerId] {
			t.Errorf("%v: signer_id %d is zero or reused", cs, resp.SignerId)
		}
		seen[resp.SignerId] = true
		s := cryptobyte.String(resp.ExternalSender)
		var key, id []byte
		var credType uint16
		if !tlscodec.ReadOpaque(&s, &key) || !s.ReadUint16(&credType) || !tlscodec.ReadOpaque(&s, &id) || !s.Empty() {
			t.Fatalf("%v: external_sender %x does not decode as ExternalSender", cs, resp.ExternalSender)
		}
		if len(key) != pubLen[cs] || credType != uint16(mls.CredentialTypeBasic) || string(id) != "ds" {
			t.Errorf("%v: external_sender has a %d-byte key (want %d), credential type %d, identity %q", cs, len(key), pubLen[cs], credType, id)
		}
	}
	if srv.Handles() != len(suites) {
		t.Errorf("%d handles, want %d", srv.Handles(), len(suites))
	}
}

// TestExternalSenderEncoding pins the external_sender bytes of
// CreateExternalSigner: RFC 9420 §12.1.8.1 with §2.1.2 variable-length
// vector headers, written out by hand.
func TestExternalSenderEncoding(t *testing.T) {
	signer, err := newExternalSigner(mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, []byte("ds"))
	if err != nil {
		t.Fatal(err)
	}
	key := signer.key.PublicKey()
	want := append([]byte{0x40, 65}, key...)        // signature_key<V>: 65 needs the 2-byte varint
	want = append(want, 0x00, 0x01, 0x02, 'd', 's') // credential: basic, identity<V>
	if !bytes.Equal(signer.encoded, want) {
		t.Fatalf("external_sender = %x, want %x", signer.encoded, want)
	}
}

func TestStorePSKAndFree(t *testing.T) {
	srv := New(nil)
	c := serve(t, srv)
	joiner, err := srv.store.add(&entry{kind: kindJoiner})
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateGroup(bg(), &pb.CreateGroupRequest{GroupId: []byte("g"), CipherSuite: 1, Identity: []byte("alice")})
	if err != nil {
		t.Fatal(err)
	}
	group := created.StateId
	// A group knows a PSK only once it is stored.
	propose := func() error {
		_, err := c.ExternalPSKProposal(bg(), &pb.ExternalPSKProposalRequest{StateId: group, PskId: []byte("p")})
		return err
	}
	if err := propose(); status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "pre-shared key not available") {
		t.Fatalf("ExternalPSKProposal before StorePSK: %v", err)
	}
	signer, err := c.CreateExternalSigner(bg(), &pb.CreateExternalSignerRequest{CipherSuite: 1, Identity: []byte("ds")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint32{joiner, group} {
		if _, err := c.StorePSK(bg(), &pb.StorePSKRequest{StateOrTransactionId: id, PskId: []byte("p"), PskSecret: []byte("one")}); err != nil {
			t.Fatalf("StorePSK(%d): %v", id, err)
		}
	}
	if err := propose(); err != nil {
		t.Fatalf("ExternalPSKProposal after StorePSK: %v", err)
	}
	e := srv.store.entries[joiner]
	first := e.psks["p"]
	if _, err := c.StorePSK(bg(), &pb.StorePSKRequest{StateOrTransactionId: joiner, PskId: []byte("p"), PskSecret: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	if first.value.b != nil || string(e.psks["p"].value.b) != "two" {
		t.Fatalf("storing psk_id again: old value %q not zeroed or new value %q not stored", first.value.b, e.psks["p"].value.b)
	}
	second := e.psks["p"].value.b

	for _, tc := range []rpcCase{
		{rpc: "StorePSK", code: codes.NotFound, msg: "state_or_transaction_id 0: no such handle", call: func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.StorePSK(ctx, &pb.StorePSKRequest{PskId: []byte("p"), PskSecret: []byte("s")})
			return err
		}},
		{rpc: "StorePSK", code: codes.FailedPrecondition, msg: "is a external signer, not a group state or pending join", call: func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.StorePSK(ctx, &pb.StorePSKRequest{StateOrTransactionId: signer.SignerId, PskId: []byte("p"), PskSecret: []byte("s")})
			return err
		}},
	} {
		checkStatus(t, tc, tc.call(bg(), c))
	}

	for _, id := range []uint32{joiner, group, signer.SignerId} {
		if _, err := c.Free(bg(), &pb.FreeRequest{StateId: id}); err != nil {
			t.Fatalf("Free(%d): %v", id, err)
		}
	}
	if !bytes.Equal(second, []byte{0, 0, 0}) {
		t.Errorf("Free left the PSK value %q", second)
	}
	if srv.Handles() != 0 {
		t.Errorf("%d handles after freeing all", srv.Handles())
	}
	for _, tc := range []rpcCase{
		{rpc: "Free", code: codes.NotFound, msg: "Free: state_id 1: no such handle", call: func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.Free(ctx, &pb.FreeRequest{StateId: 1})
			return err
		}},
		{rpc: "ExternalSignerProposal", code: codes.NotFound, msg: "signer_id", call: func(ctx context.Context, c pb.MLSClientClient) error {
			_, err := c.ExternalSignerProposal(ctx, &pb.ExternalSignerProposalRequest{SignerId: signer.SignerId, GroupInfo: loadMessages(t).GroupInfo,
				Description: &pb.ProposalDescription{ProposalType: []byte("resumptionPSK")}})
			return err
		}},
	} {
		checkStatus(t, tc, tc.call(bg(), c))
	}
}

func TestRecoverInterceptor(t *testing.T) {
	var logged strings.Builder
	log := slogTo(&logged)
	intercept := recoverUnary(log)
	resp, err := intercept(bg(), &pb.StorePSKRequest{PskSecret: []byte("do-not-log-me")}, &grpcInfo, func(context.Context, any) (any, error) {
		panic(errors.New("boom"))
	})
	if resp != nil || status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "/mls_client.MLSClient/StorePSK: internal error") {
		t.Fatalf("got %v, %v; want codes.Internal", resp, err)
	}
	if !strings.Contains(logged.String(), "panic in RPC") || !strings.Contains(logged.String(), "boom") {
		t.Errorf("log %q does not record the panic", logged.String())
	}
	if strings.Contains(logged.String(), "do-not-log-me") {
		t.Errorf("log %q contains the request", logged.String())
	}
	// Without a panic the handler's answer passes through.
	resp, err = intercept(bg(), nil, &grpcInfo, func(context.Context, any) (any, error) { return "ok", nil })
	if resp != "ok" || err != nil {
		t.Fatalf("got %v, %v", resp, err)
	}
}

func TestSecretRedacted(t *testing.T) {
	s := newSecret([]byte("hunter2"))
	p := &pskEntry{id: []byte("id"), value: s}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		for _, v := range []any{s, &s, p, *p} {
			out := sprintf(format, v)
			if strings.Contains(out, "hunter2") || strings.Contains(out, "68756e74657232") || strings.Contains(out, "104 117") {
				t.Errorf("Sprintf(%q, %T) = %q leaks the secret", format, v, out)
			}
		}
	}
}
