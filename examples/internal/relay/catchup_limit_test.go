package relay_test

import (
	"bytes"
	"testing"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/wire"
)

// TestCatchUpOverLimit checks that a catch-up larger than half the
// relay's control-queue byte limit is refused with LIMIT_EXCEEDED, on
// request and in Hello, and that one within it is served.
func TestCatchUpOverLimit(t *testing.T) {
	const size = 3000
	srv := startRelay(t, relay.Options{MaxMessage: 8192, ControlQueueBytes: 16384}) // catch-ups up to 8192 bytes
	c := rawDial(t, srv)
	c.hello(t, "room", "alice")
	for i := range uint64(4) { // four commits of 3000 bytes
		c.send(t, &wire.ClientMessage{RequestId: 10 + i, Body: &wire.ClientMessage_Handshake{Handshake: &wire.Handshake{
			Room: "room", Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: i, Message: bytes.Repeat([]byte{'c'}, size)}}})
		for m := c.recv(t); m.GetHandshakeAccepted() == nil; m = c.recv(t) {
			if e := m.GetError(); e != nil {
				t.Fatalf("commit %d: %v %s", i, e.Code, e.Message)
			}
		}
	}

	c.send(t, &wire.ClientMessage{RequestId: 20, Body: &wire.ClientMessage_CatchUp{CatchUp: &wire.CatchUp{Room: "room", SinceEpoch: 0}}})
	e := c.recvError(t, wire.ErrorCode_LIMIT_EXCEEDED)
	t.Logf("relay said: %s", e.Message)

	c.send(t, &wire.ClientMessage{RequestId: 21, Body: &wire.ClientMessage_CatchUp{CatchUp: &wire.CatchUp{Room: "room", SinceEpoch: 2}}})
	replayed := 0
	for {
		m := c.recv(t)
		if m.GetHandshakeEvent() != nil {
			replayed++
			continue
		}
		done := m.GetCatchUpDone()
		if done == nil {
			t.Fatalf("catch-up since epoch 2: got %v", m)
		}
		if replayed != 2 || done.Replayed != 2 {
			t.Fatalf("catch-up since epoch 2: replayed %d (done says %d), want 2", replayed, done.Replayed)
		}
		break
	}

	since := uint64(0)
	late := rawDial(t, srv)
	late.send(t, &wire.ClientMessage{RequestId: 1, Body: &wire.ClientMessage_Hello{Hello: &wire.Hello{
		Version: wire.ProtocolVersion_PROTOCOL_VERSION_1, Room: "room", ClientId: "bob", CatchUpSinceEpoch: &since}}})
	late.recvError(t, wire.ErrorCode_LIMIT_EXCEEDED)
}
