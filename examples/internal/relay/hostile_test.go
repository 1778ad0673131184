package relay_test

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// bystanders are two well-behaved members of the room that the hostile
// tests check are still served: a commit and a media frame go through.
type bystanders struct {
	a, b  *transport.Conn
	epoch uint64
}

func newBystanders(t *testing.T, srv *relay.Server) *bystanders {
	return &bystanders{a: dial(t, srv, "room", "alice"), b: dial(t, srv, "room", "bob")}
}

func (by *bystanders) stillServed(t *testing.T) {
	t.Helper()
	if _, err := by.a.SendHandshake(ctxT(t), commit(by.epoch, "still here")); err != nil {
		t.Fatalf("bystander commit: %v", err)
	}
	by.epoch++
	nextHandshake(t, by.b)
	m := transport.Media{Sequence: by.epoch, Payload: []byte("ping")}
	receiveFrame(t, by.a, by.b, &m)
}

// TestHostileControl: garbage, truncated and oversized control messages,
// and requests for rooms the client never joined, each get a clear typed
// error; the relay keeps serving everyone else.
func TestHostileControl(t *testing.T) {
	srv := startRelay(t, relay.Options{MaxMessage: 4096})
	by := newBystanders(t, srv)
	by.stillServed(t)

	t.Run("garbage protobuf", func(t *testing.T) {
		c := rawDial(t, srv)
		// A frame whose body is not a ClientMessage: field 2 claims 100
		// bytes that are not there.
		c.write(t, []byte{4, 0x08, 0x07, 0x12, 100})
		e := c.recvError(t, wire.ErrorCode_BAD_MESSAGE)
		t.Logf("relay said: %s", e.Message)
		// The connection is still usable.
		c.hello(t, "room", "mallory")
		by.stillServed(t)
	})

	t.Run("truncated protobuf", func(t *testing.T) {
		c := rawDial(t, srv)
		full, _ := wire.AppendFrame(nil, &wire.ClientMessage{RequestId: 7, Body: &wire.ClientMessage_Hello{Hello: &wire.Hello{Room: "room", ClientId: "trudy"}}})
		body := full[1 : len(full)-3] // drop the length and the last bytes
		c.write(t, append(protowire.AppendVarint(nil, uint64(len(body))), body...))
		m := c.recv(t)
		if e := m.GetError(); e == nil || e.Code != wire.ErrorCode_BAD_MESSAGE || m.RequestId != 7 {
			t.Fatalf("got %v, want BAD_MESSAGE for request 7", m)
		}
		by.stillServed(t)
	})

	t.Run("empty message", func(t *testing.T) {
		c := rawDial(t, srv)
		c.hello(t, "room", "eve")
		c.send(t, &wire.ClientMessage{RequestId: 3})
		c.recvError(t, wire.ErrorCode_BAD_MESSAGE)
	})

	t.Run("oversized control frame", func(t *testing.T) {
		c := rawDial(t, srv)
		c.write(t, protowire.AppendVarint(nil, 1<<30))
		c.recvError(t, wire.ErrorCode_TOO_LARGE)
		if code := c.waitClosed(t); code != wire.CloseProtocolError {
			t.Fatalf("closed with %d, want %d", code, wire.CloseProtocolError)
		}
		by.stillServed(t)
	})

	t.Run("stream cut mid-frame", func(t *testing.T) {
		c := rawDial(t, srv)
		c.write(t, []byte{50, 1, 2, 3})
		c.st.Close()
		c.recvError(t, wire.ErrorCode_BAD_MESSAGE)
		c.waitClosed(t)
		by.stillServed(t)
	})

	t.Run("request before hello", func(t *testing.T) {
		c := rawDial(t, srv)
		c.send(t, &wire.ClientMessage{RequestId: 1, Body: &wire.ClientMessage_Handshake{Handshake: &wire.Handshake{
			Room: "room", Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: by.epoch, Message: []byte("x")}}})
		c.recvError(t, wire.ErrorCode_NOT_IN_ROOM)
		by.stillServed(t)
	})

	t.Run("room never joined", func(t *testing.T) {
		c := rawDial(t, srv)
		c.hello(t, "elsewhere", "oscar")
		for _, body := range []*wire.ClientMessage{
			{RequestId: 2, Body: &wire.ClientMessage_Handshake{Handshake: &wire.Handshake{Room: "room", Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: by.epoch, Message: []byte("x")}}},
			{RequestId: 3, Body: &wire.ClientMessage_CatchUp{CatchUp: &wire.CatchUp{Room: "room"}}},
			{RequestId: 4, Body: &wire.ClientMessage_GetGroupInfo{GetGroupInfo: &wire.GetGroupInfo{Room: "room"}}},
		} {
			c.send(t, body)
			e := c.recvError(t, wire.ErrorCode_NOT_IN_ROOM)
			t.Logf("request %d: %s", body.RequestId, e.Message)
		}
		by.stillServed(t)
	})

	t.Run("hello refused", func(t *testing.T) {
		for _, tc := range []struct {
			hello *wire.Hello
			code  wire.ErrorCode
		}{
			{&wire.Hello{Version: 9, Room: "room", ClientId: "x"}, wire.ErrorCode_UNSUPPORTED_VERSION},
			{&wire.Hello{Version: wire.ProtocolVersion_PROTOCOL_VERSION_1, Room: "", ClientId: "x"}, wire.ErrorCode_BAD_MESSAGE},
			{&wire.Hello{Version: wire.ProtocolVersion_PROTOCOL_VERSION_1, Room: "room", ClientId: string(make([]byte, 200))}, wire.ErrorCode_TOO_LARGE},
			{&wire.Hello{Version: wire.ProtocolVersion_PROTOCOL_VERSION_1, Room: "room", ClientId: "tab\there"}, wire.ErrorCode_BAD_MESSAGE},
		} {
			c := rawDial(t, srv)
			c.send(t, &wire.ClientMessage{RequestId: 1, Body: &wire.ClientMessage_Hello{Hello: tc.hello}})
			c.recvError(t, tc.code)
			c.waitEOF(t)
		}
		by.stillServed(t)
	})

	t.Run("bad handshakes", func(t *testing.T) {
		for _, h := range []transport.Handshake{
			{Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: by.epoch},                                                  // empty message
			{Kind: 0, Epoch: by.epoch, Message: []byte("x")},                                                                   // no kind
			{Kind: wire.HandshakeKind_HANDSHAKE_KIND_WELCOME, Message: []byte("w")},                                            // no recipients
			{Kind: wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL, Epoch: by.epoch, Message: []byte("p"), GroupInfo: []byte("g")},  // stray GroupInfo
			{Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: by.epoch, Message: []byte("c"), Recipients: []string{"z"}}, // recipients, no Welcome
		} {
			if _, err := by.a.SendHandshake(ctxT(t), h); !errors.Is(err, transport.ErrBadMessage) {
				t.Fatalf("%+v: %v, want BAD_MESSAGE", h, err)
			}
		}
		by.stillServed(t)
	})

	if st := srv.Stats(); st.BadMessages < 8 {
		t.Fatalf("relay counted %d bad messages", st.BadMessages)
	}
}

// TestHostileMedia: garbage datagrams, oversized frames and media from a
// client that never joined are refused with a notice; others' media
// flows on.
func TestHostileMedia(t *testing.T) {
	srv := startRelay(t, relay.Options{MaxFrame: 2048})
	by := newBystanders(t, srv)

	t.Run("datagram before hello", func(t *testing.T) {
		c := rawDial(t, srv)
		// Open the control stream (QUIC announces a stream with its
		// first bytes) with a message that does not join.
		c.send(t, &wire.ClientMessage{RequestId: 5})
		c.recvError(t, wire.ErrorCode_BAD_MESSAGE)
		if err := c.conn.SendDatagram(wire.AppendMedia(nil, &wire.MediaFrame{Payload: []byte("x")})); err != nil {
			t.Fatal(err)
		}
		c.recvError(t, wire.ErrorCode_NOT_IN_ROOM)
		by.stillServed(t)
	})

	t.Run("garbage datagram", func(t *testing.T) {
		c := rawDial(t, srv)
		c.hello(t, "room", "mallory")
		if err := c.conn.SendDatagram([]byte{0x22, 0x7f, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		e := c.recvError(t, wire.ErrorCode_BAD_MESSAGE)
		t.Logf("relay said: %s", e.Message)
		by.stillServed(t)
	})

	t.Run("oversized frame", func(t *testing.T) {
		big := dial(t, srv, "room", "bigmouth", func(c *transport.Config) { c.MaxFrame = 1 << 20 })
		// The relay stops reading the stream at its limit, so the send
		// itself may fail.
		if err := big.SendMedia(&transport.Media{Payload: make([]byte, 100_000)}); err != nil {
			t.Logf("oversized send: %v", err)
		}
		n := next[*transport.NoticeEvent](t, big)
		if !errors.Is(n.Err, transport.ErrTooLarge) {
			t.Fatalf("notice %v, want TOO_LARGE", n.Err)
		}
		if err := by.a.SendMedia(&transport.Media{Payload: make([]byte, 300<<10)}); !errors.Is(err, transport.ErrFrameTooLarge) {
			t.Fatalf("transport sent a frame over its own limit: %v", err)
		}
		by.stillServed(t)
	})
	if st := srv.Stats(); st.MediaRejected != 3 {
		t.Fatalf("relay rejected %d frames, want 3", st.MediaRejected)
	}
}

// TestSlowReceivers: a member that does not read media loses media, not
// the relay's time; one that does not read its control stream is
// disconnected (handshake messages are never dropped) and the others
// never notice.
func TestSlowReceivers(t *testing.T) {
	srv := startRelay(t, relay.Options{MediaQueue: 8, MaxLog: 16, MaxPendingWelcomes: 16, ControlQueue: 100, ControlQueueBytes: 1 << 20})
	by := newBystanders(t, srv)
	lazy := dial(t, srv, "room", "lazy", func(c *transport.Config) { c.MediaBuffer = 4 })
	deaf := rawDial(t, srv)
	deaf.hello(t, "room", "deaf")

	// Media: the lazy member never calls ReceiveMedia.
	for i := range 300 {
		if err := by.a.SendMedia(&transport.Media{Sequence: uint64(i), Payload: make([]byte, 900)}); err != nil {
			t.Fatal(err)
		}
	}
	by.stillServed(t)
	deadline := time.Now().Add(wait)
	for lazy.Stats().Dropped == 0 && srv.Stats().MediaDropped == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing was dropped for the lazy receiver")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("lazy receiver: %+v; relay: %+v", lazy.Stats(), srv.Stats())

	// Control: the deaf member never reads; the room produces handshake
	// messages until its queue overflows.
	msg := make([]byte, 16<<10)
	ctx := ctxT(t)
	for i := 0; deaf.conn.Context().Err() == nil; i++ {
		if i > 2000 {
			t.Fatal("deaf client never disconnected")
		}
		if _, err := by.a.SendHandshake(ctx, proposal(by.epoch, string(msg))); err != nil {
			t.Fatal(err)
		}
		nextHandshake(t, by.b)
	}
	if code := deaf.waitClosed(t); code != wire.CloseTooSlow {
		t.Fatalf("deaf client closed with %d, want %d", code, wire.CloseTooSlow)
	}
	by.stillServed(t)
}
