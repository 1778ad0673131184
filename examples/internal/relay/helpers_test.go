package relay_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// wait bounds every wait in these tests; loopback answers in
// milliseconds, so reaching it means something is stuck.
const wait = 15 * time.Second

func testLogger() *slog.Logger {
	if os.Getenv("RELAY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func startRelay(t *testing.T, opts relay.Options) *relay.Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	srv, err := relay.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	t.Cleanup(cancel)
	return ctx
}

func dialAddr(t *testing.T, srv *relay.Server, addr, room, id string, mod ...func(*transport.Config)) (*transport.Conn, error) {
	t.Helper()
	pin := srv.CertificateSHA256()
	cfg := transport.Config{Room: room, ClientID: id, CertSHA256: pin[:]}
	for _, f := range mod {
		f(&cfg)
	}
	c, err := transport.Dial(ctxT(t), addr, cfg)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func dial(t *testing.T, srv *relay.Server, room, id string, mod ...func(*transport.Config)) *transport.Conn {
	t.Helper()
	c, err := dialAddr(t, srv, srv.Addr().String(), room, id, mod...)
	if err != nil {
		t.Fatalf("dial %s: %v", id, err)
	}
	return c
}

// next returns the next event of type T on c, skipping other kinds.
func next[T transport.Event](t *testing.T, c *transport.Conn) T {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case e, ok := <-c.Events():
			if !ok {
				t.Fatalf("events closed waiting for %T: %v", *new(T), c.Err())
			}
			if v, ok := e.(T); ok {
				return v
			}
		case <-timer.C:
			t.Fatalf("no %T within %v", *new(T), wait)
		}
	}
}

// nextHandshake returns the next HandshakeEvent on c.
func nextHandshake(t *testing.T, c *transport.Conn) *transport.HandshakeEvent {
	t.Helper()
	return next[*transport.HandshakeEvent](t, c)
}

func commit(epoch uint64, msg string) transport.Handshake {
	return transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: epoch, Message: []byte(msg),
		GroupInfo: []byte(fmt.Sprintf("group-info for epoch %d", epoch+1))}
}

func proposal(epoch uint64, msg string) transport.Handshake {
	return transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL, Epoch: epoch, Message: []byte(msg)}
}

// rawClient speaks the wire protocol directly, to send what the
// transport never would.
type rawClient struct {
	conn *quic.Conn
	st   *quic.Stream
	r    *bufio.Reader
}

func rawDial(t *testing.T, srv *relay.Server) *rawClient {
	t.Helper()
	ctx := ctxT(t)
	conn, err := quic.DialAddr(ctx, srv.Addr().String(),
		&tls.Config{InsecureSkipVerify: true, NextProtos: []string{wire.ALPN}},
		&quic.Config{EnableDatagrams: true, MaxIncomingStreams: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseWithError(0, "") })
	st, err := conn.OpenStreamSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &rawClient{conn: conn, st: st, r: bufio.NewReader(st)}
}

func (c *rawClient) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := c.st.Write(b); err != nil {
		t.Fatal(err)
	}
}

func (c *rawClient) send(t *testing.T, m *wire.ClientMessage) {
	t.Helper()
	b, err := wire.AppendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	c.write(t, b)
}

func (c *rawClient) recv(t *testing.T) *wire.ServerMessage {
	t.Helper()
	c.st.SetReadDeadline(time.Now().Add(wait))
	b, err := wire.ReadFrame(c.r, 1<<20, nil)
	if err != nil {
		t.Fatalf("raw client: read: %v", err)
	}
	var m wire.ServerMessage
	if err := wire.UnmarshalServerMessage(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// recvError reads messages until an Error and checks its code.
func (c *rawClient) recvError(t *testing.T, want wire.ErrorCode) *wire.Error {
	t.Helper()
	for {
		m := c.recv(t)
		if e := m.GetError(); e != nil {
			if e.Code != want {
				t.Fatalf("raw client: error %v (%s), want %v", e.Code, e.Message, want)
			}
			if e.Message == "" {
				t.Fatalf("raw client: error %v has no message", e.Code)
			}
			return e
		}
	}
}

func (c *rawClient) hello(t *testing.T, room, id string) *wire.Joined {
	t.Helper()
	c.send(t, &wire.ClientMessage{RequestId: 1, Body: &wire.ClientMessage_Hello{Hello: &wire.Hello{
		Version: wire.ProtocolVersion_PROTOCOL_VERSION_1, Room: room, ClientId: id}}})
	for {
		m := c.recv(t)
		if j := m.GetJoined(); j != nil {
			return j
		}
		if e := m.GetError(); e != nil {
			t.Fatalf("hello: %v %s", e.Code, e.Message)
		}
	}
}

// waitEOF reads until the relay ends the control stream.
func (c *rawClient) waitEOF(t *testing.T) {
	t.Helper()
	c.st.SetReadDeadline(time.Now().Add(wait))
	for {
		if _, err := wire.ReadFrame(c.r, 1<<20, nil); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("raw client: %v, want the relay to end the stream", err)
			}
			return
		}
	}
}

// waitClosed waits for the relay to close c and returns the QUIC
// application error code.
func (c *rawClient) waitClosed(t *testing.T) quic.ApplicationErrorCode {
	t.Helper()
	select {
	case <-c.conn.Context().Done():
	case <-time.After(wait):
		t.Fatal("relay did not close the connection")
	}
	var ae *quic.ApplicationError
	if err := context.Cause(c.conn.Context()); errors.As(err, &ae) && ae.Remote {
		return ae.ErrorCode
	} else {
		t.Fatalf("connection ended with %v, want a close from the relay", err)
	}
	return 0
}
