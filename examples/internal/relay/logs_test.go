package relay_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsCarryNoPayload: at debug level, through every kind of message
// and refusal, the relay's log never contains a payload byte string.
func TestLogsCarryNoPayload(t *testing.T) {
	var logs syncBuffer
	srv := startRelay(t, relay.Options{MaxFrame: 64, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	const marker = "PAYLOAD-MARKER"
	ctx := ctxT(t)
	a := dial(t, srv, "room", "alice")
	b := dial(t, srv, "room", "bob")
	h := commit(0, marker+"-commit")
	h.GroupInfo, h.Welcome, h.Recipients = []byte(marker+"-gi"), []byte(marker+"-welcome"), []string{"bob", "carol"}
	if _, err := a.SendHandshake(ctx, h); err != nil {
		t.Fatal(err)
	}
	a.SendHandshake(ctx, commit(0, marker+"-stale"))
	a.SendHandshake(ctx, transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL, Epoch: 1, Message: []byte(marker + "-p"), GroupInfo: []byte(marker)})
	a.UploadKeyPackages(ctx, [][]byte{[]byte(marker + "-kp")}, []byte(marker+"-lr"))
	b.ClaimKeyPackage(ctx, "alice")
	m := transport.Media{Payload: []byte(marker + "-media")}
	receiveFrame(t, a, b, &m)
	big := dial(t, srv, "room", "big", func(c *transport.Config) { c.MaxFrame = 1 << 10 })
	big.SendMedia(&transport.Media{Payload: []byte(strings.Repeat(marker, 10))})
	next[*transport.NoticeEvent](t, big)
	out := logs.String()
	if !strings.Contains(out, "handshake") || !strings.Contains(out, "media refused") {
		t.Fatalf("the log lacks the events it should have:\n%s", out)
	}
	if strings.Contains(out, "PAYLOAD") {
		t.Fatalf("payload bytes in the log:\n%s", out)
	}
}
