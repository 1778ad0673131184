package client

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// serve runs srv on a loopback port for the test and returns a client of
// it.
func serve(t testing.TB, srv *Server, opts ...grpc.ServerOption) pb.MLSClientClient {
	t.Helper()
	return pb.NewMLSClientClient(serveConn(t, srv, opts...))
}

// serveConn runs srv on a loopback port for the test and returns a
// connection to it.
func serveConn(t testing.TB, srv *Server, opts ...grpc.ServerOption) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := NewGRPCServer(srv, opts...)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// messages are MLSMessages of each wire format, from the official test
// vectors (testdata/SOURCE).
type messages struct {
	Welcome        []byte
	GroupInfo      []byte
	KeyPackage     []byte
	PublicProposal []byte
	PublicCommit   []byte
	PrivateMessage []byte
}

func loadMessages(t testing.TB) messages {
	t.Helper()
	data, err := os.ReadFile("testdata/messages.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []map[string]string
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 {
		t.Fatalf("testdata/messages.json: %d cases, want 1", len(cases))
	}
	get := func(key string) []byte {
		b, err := hex.DecodeString(cases[0][key])
		if err != nil || len(b) == 0 {
			t.Fatalf("testdata/messages.json: %s: %v (%d bytes)", key, err, len(b))
		}
		return b
	}
	return messages{
		Welcome:        get("mls_welcome"),
		GroupInfo:      get("mls_group_info"),
		KeyPackage:     get("mls_key_package"),
		PublicProposal: get("public_message_proposal"),
		PublicCommit:   get("public_message_commit"),
		PrivateMessage: get("private_message"),
	}
}

func bg() context.Context { return context.Background() }

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

var grpcInfo = grpc.UnaryServerInfo{FullMethod: "/mls_client.MLSClient/StorePSK"}

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }

// populate gives srv a handle of each kind, called directly without gRPC:
//
//	1 a group state of alice (suite 1) with carol
//	2 a pending join of bob
//	3 an external signer
//	4 a pending join already used (carol's)
//	5 carol's state in alice's group
//	6 a state ended by a ReInit commit
//	7 the pending reinit of 6
func populate(t testing.TB, srv *Server) {
	t.Helper()
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("populate: %s: %v", what, err)
		}
	}
	g, err := srv.CreateGroup(bg(), &pb.CreateGroupRequest{GroupId: []byte("g"), CipherSuite: 1, Identity: []byte("alice")})
	fail("CreateGroup", err)
	_, err = srv.CreateKeyPackage(bg(), &pb.CreateKeyPackageRequest{CipherSuite: 1, Identity: []byte("bob")})
	fail("CreateKeyPackage", err)
	_, err = srv.CreateExternalSigner(bg(), &pb.CreateExternalSignerRequest{CipherSuite: 1, Identity: []byte("ds")})
	fail("CreateExternalSigner", err)
	kp, err := srv.CreateKeyPackage(bg(), &pb.CreateKeyPackageRequest{CipherSuite: 1, Identity: []byte("carol")})
	fail("CreateKeyPackage", err)
	c, err := srv.Commit(bg(), &pb.CommitRequest{StateId: g.StateId, ByValue: []*pb.ProposalDescription{{ProposalType: []byte("add"), KeyPackage: kp.KeyPackage}}})
	fail("Commit", err)
	_, err = srv.HandlePendingCommit(bg(), &pb.HandlePendingCommitRequest{StateId: g.StateId})
	fail("HandlePendingCommit", err)
	_, err = srv.JoinGroup(bg(), &pb.JoinGroupRequest{TransactionId: kp.TransactionId, Welcome: c.Welcome})
	fail("JoinGroup", err)
	r, err := srv.CreateGroup(bg(), &pb.CreateGroupRequest{GroupId: []byte("r"), CipherSuite: 1, Identity: []byte("dave")})
	fail("CreateGroup", err)
	p, err := srv.ReInitProposal(bg(), &pb.ReInitProposalRequest{StateId: r.StateId, CipherSuite: 1, GroupId: []byte("r2")})
	fail("ReInitProposal", err)
	_, err = srv.ReInitCommit(bg(), &pb.CommitRequest{StateId: r.StateId, ByReference: [][]byte{p.Proposal}})
	fail("ReInitCommit", err)
	_, err = srv.HandlePendingReInitCommit(bg(), &pb.HandlePendingCommitRequest{StateId: r.StateId})
	fail("HandlePendingReInitCommit", err)
	if srv.Handles() != 7 {
		t.Fatalf("populate: %d handles, want 7", srv.Handles())
	}
}

// newTestGroup creates a one-member group of identity in suite cs with the
// client's options and the given GroupContext extensions.
func newTestGroup(t testing.TB, cs mls.CipherSuite, identity string, exts ...mls.Extension) *mls.Group {
	t.Helper()
	signer, err := cs.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	opts := groupOptions(false)
	opts.Extensions = exts
	g, err := mls.CreateGroup([]byte("g"), cs, basicCredential([]byte(identity)), signer, &opts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
