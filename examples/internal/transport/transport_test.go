package transport_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

func startRelay(t testing.TB) *relay.Server {
	t.Helper()
	srv, err := relay.New(relay.Options{})
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
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTLSConfig: the pin must match the relay's certificate; the ways to
// trust the relay are exclusive.
func TestTLSConfig(t *testing.T) {
	srv := startRelay(t)
	addr := srv.Addr().String()
	pin := srv.CertificateSHA256()
	wrong := pin
	wrong[0] ^= 1
	if _, err := transport.Dial(ctxT(t), addr, transport.Config{Room: "r", ClientID: "a", CertSHA256: wrong[:]}); err == nil {
		t.Fatal("dial with a wrong pin succeeded")
	}
	if _, err := transport.Dial(ctxT(t), addr, transport.Config{Room: "r", ClientID: "a", CertSHA256: pin[:5]}); err == nil {
		t.Fatal("dial with a short pin succeeded")
	}
	if _, err := transport.Dial(ctxT(t), addr, transport.Config{Room: "r", ClientID: "a", CertSHA256: pin[:], InsecureSkipVerify: true}); err == nil {
		t.Fatal("dial with two trust settings succeeded")
	}
	// A self-signed certificate fails verification against system roots.
	if _, err := transport.Dial(ctxT(t), addr, transport.Config{Room: "r", ClientID: "a"}); err == nil {
		t.Fatal("dial verifying a self-signed certificate succeeded")
	}
	c, err := transport.Dial(ctxT(t), addr, transport.Config{Room: "r", ClientID: "a", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := c.ClaimKeyPackage(ctxT(t), "x"); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("request after Close: %v", err)
	}
}

// TestEventsOverflow: a consumer that never reads Events makes the
// connection fail with ErrEventsOverflow instead of losing handshake
// messages silently.
func TestEventsOverflow(t *testing.T) {
	srv := startRelay(t)
	pin := srv.CertificateSHA256()
	dial := func(id string, buf int) *transport.Conn {
		c, err := transport.Dial(ctxT(t), srv.Addr().String(), transport.Config{Room: "r", ClientID: id, CertSHA256: pin[:], EventBuffer: buf})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	deaf := dial("deaf", 8)
	talker := dial("talker", 0)
	go func() {
		for range talker.Events() {
		}
	}()
	for i := 0; deaf.Err() == nil; i++ {
		if i > 100 {
			t.Fatal("connection still up after 100 unread events with a buffer of 8")
		}
		_, err := talker.SendHandshake(ctxT(t), transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL, Message: []byte(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	<-deaf.Done()
	if !errors.Is(deaf.Err(), transport.ErrEventsOverflow) || !errors.Is(deaf.Err(), transport.ErrClosed) {
		t.Fatalf("deaf connection ended with %v", deaf.Err())
	}
}
