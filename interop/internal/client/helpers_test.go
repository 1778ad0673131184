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
)

// serve runs srv on a loopback port for the test and returns a client of
// it.
func serve(t testing.TB, srv *Server) pb.MLSClientClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := NewGRPCServer(srv)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pb.NewMLSClientClient(conn)
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
