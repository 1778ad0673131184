package client

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// rawCodec sends and receives message bodies as they are, so that a test
// can put bytes on the wire that are no protobuf encoding of the request.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: %T is not *[]byte", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: %T is not *[]byte", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// TestBadRequestsOnTheWire sends, over a real gRPC connection, requests a
// harness or a broken peer could send: a method the service does not have,
// bodies that are no protobuf encoding, handles that do not exist, cipher
// suites outside RFC 9420 §17.1 and MLS messages that are truncated or of
// the wrong kind. Each must end in a status error with the code and message
// given, and the server must keep serving: after all of them it still
// answers, and a group created before them still works.
func TestBadRequestsOnTheWire(t *testing.T) {
	m := loadMessages(t)
	srv := New(nil)
	conn := serveConn(t, srv)
	c := pb.NewMLSClientClient(conn)

	g, err := c.CreateGroup(bg(), &pb.CreateGroupRequest{GroupId: []byte("g"), CipherSuite: 1, Identity: []byte("alice")})
	if err != nil {
		t.Fatal(err)
	}

	raw := func(method string, body []byte) func(context.Context, pb.MLSClientClient) error {
		return func(ctx context.Context, _ pb.MLSClientClient) error {
			var out []byte
			return conn.Invoke(ctx, "/mls_client.MLSClient/"+method, &body, &out, grpc.ForceCodec(rawCodec{}))
		}
	}
	cases := []rpcCase{
		{rpc: "NoSuchMethod", code: codes.Unimplemented, msg: "unknown method NoSuchMethod",
			call: raw("NoSuchMethod", nil)},
		{rpc: "CreateGroup (bytes that are no protobuf)", code: codes.Internal, msg: "unmarshal",
			call: raw("CreateGroup", []byte{0xff, 0xff, 0xff})},
		{rpc: "Protect (field 1 as a truncated varint)", code: codes.Internal, msg: "unmarshal",
			call: raw("Protect", []byte{0x08, 0x80})},
		{rpc: "StateAuth", code: codes.NotFound, msg: "StateAuth: state_id 4242: no such handle",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.StateAuth(ctx, &pb.StateAuthRequest{StateId: 4242})
				return err
			}},
		{rpc: "Free", code: codes.NotFound, msg: "Free: state_id 0: no such handle",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.Free(ctx, &pb.FreeRequest{})
				return err
			}},
		{rpc: "CreateGroup", code: codes.InvalidArgument, msg: "CreateGroup: cipher_suite: 0x0008 is not one of",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.CreateGroup(ctx, &pb.CreateGroupRequest{GroupId: []byte("g"), CipherSuite: 8, Identity: []byte("a")})
				return err
			}},
		{rpc: "CreateKeyPackage", code: codes.InvalidArgument, msg: "CreateKeyPackage: cipher_suite: 0xf000 is not one of",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.CreateKeyPackage(ctx, &pb.CreateKeyPackageRequest{CipherSuite: 0xf000, Identity: []byte("a")})
				return err
			}},
		{rpc: "ReInitProposal", code: codes.InvalidArgument, msg: "ReInitProposal: cipher_suite: 0x0000 is not one of",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.ReInitProposal(ctx, &pb.ReInitProposalRequest{StateId: g.StateId, GroupId: []byte("g2")})
				return err
			}},
		{rpc: "JoinGroup", code: codes.InvalidArgument, msg: "JoinGroup: welcome: ",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.JoinGroup(ctx, &pb.JoinGroupRequest{Welcome: m.Welcome[:10]})
				return err
			}},
		{rpc: "ExternalJoin", code: codes.InvalidArgument, msg: "ExternalJoin: group_info: ",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.ExternalJoin(ctx, &pb.ExternalJoinRequest{GroupInfo: append(m.GroupInfo[:len(m.GroupInfo):len(m.GroupInfo)], 0), Identity: []byte("b")})
				return err
			}},
		{rpc: "Unprotect", code: codes.InvalidArgument, msg: "Unprotect: ciphertext: MLSMessage carries a mls_welcome",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.Unprotect(ctx, &pb.UnprotectRequest{StateId: g.StateId, Ciphertext: m.Welcome})
				return err
			}},
		{rpc: "HandleCommit", code: codes.InvalidArgument, msg: "HandleCommit: commit: ",
			call: func(ctx context.Context, c pb.MLSClientClient) error {
				_, err := c.HandleCommit(ctx, &pb.HandleCommitRequest{StateId: g.StateId, Commit: []byte{0, 1, 0, 1}})
				return err
			}},
	}
	for _, tc := range cases {
		checkStatus(t, tc, tc.call(bg(), c))
	}

	// Still serving, and alice's group untouched by the failed requests.
	if _, err := c.Name(bg(), &pb.NameRequest{}); err != nil {
		t.Fatalf("Name after the bad requests: %v", err)
	}
	if _, err := c.StateAuth(bg(), &pb.StateAuthRequest{StateId: g.StateId}); err != nil {
		t.Fatalf("StateAuth of the group after the bad requests: %v", err)
	}
	if _, err := c.Protect(bg(), &pb.ProtectRequest{StateId: g.StateId, Plaintext: []byte("still here")}); err != nil {
		t.Fatalf("Protect after the bad requests: %v", err)
	}
	if n := srv.Handles(); n != 1 {
		t.Errorf("%d handles after the bad requests, want 1 (the group)", n)
	}
	if _, err := c.Free(bg(), &pb.FreeRequest{StateId: g.StateId}); err != nil {
		t.Fatal(err)
	}
}
