package relay_test

import (
	"errors"
	"testing"

	"github.com/quic-go/quic-go"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// TestRoomTokens: with a token key, only a client holding the room's
// token gets in; the token of another room does not open this one.
func TestRoomTokens(t *testing.T) {
	key := []byte("operator key, 32 bytes or so....")
	srv := startRelay(t, relay.Options{Authorize: relay.RoomTokens(key)})
	withToken := func(tok string) func(*transport.Config) {
		return func(c *transport.Config) { c.Token = tok }
	}
	for _, tok := range []string{"", "wrong", relay.RoomToken(key, "other-room"), relay.RoomToken([]byte("another key"), "room")} {
		_, err := dialAddr(t, srv, srv.Addr().String(), "room", "alice", withToken(tok))
		if !errors.Is(err, transport.ErrUnauthorized) {
			t.Fatalf("token %q: %v, want UNAUTHORIZED", tok, err)
		}
	}
	c := dial(t, srv, "room", "alice", withToken(relay.RoomToken(key, "room")))
	if c.Source() == 0 {
		t.Fatal("no source assigned")
	}
}

// TestRoster: members see each other join and leave; a second connection
// with the same client id replaces the first, which the relay closes
// with CloseReplaced.
func TestRoster(t *testing.T) {
	srv := startRelay(t, relay.Options{MaxMembers: 3})
	a := dial(t, srv, "room", "alice")
	b1 := dial(t, srv, "room", "bob")
	if e := next[*transport.MemberEvent](t, a); !e.Joined || e.Member.ClientID != "bob" || e.Member.Source != b1.Source() {
		t.Fatalf("alice saw %+v", e)
	}
	b2 := dial(t, srv, "room", "bob")
	<-b1.Done()
	var ae *quic.ApplicationError
	if !errors.As(b1.Err(), &ae) || ae.ErrorCode != wire.CloseReplaced || !errors.Is(b1.Err(), transport.ErrClosed) {
		t.Fatalf("replaced connection ended with %v", b1.Err())
	}
	left := next[*transport.MemberEvent](t, a)
	joined := next[*transport.MemberEvent](t, a)
	if left.Joined || left.Member.Source != b1.Source() || !joined.Joined || joined.Member.Source != b2.Source() {
		t.Fatalf("alice saw %+v then %+v", left, joined)
	}
	if got := len(b2.Joined().Members); got != 2 {
		t.Fatalf("bob's second connection lists %d members, want 2", got)
	}
	// The room is full at three.
	dial(t, srv, "room", "carol")
	if e := next[*transport.MemberEvent](t, a); !e.Joined || e.Member.ClientID != "carol" {
		t.Fatalf("alice saw %+v", e)
	}
	if _, err := dialAddr(t, srv, srv.Addr().String(), "room", "dave"); !errors.Is(err, transport.ErrLimitExceeded) {
		t.Fatalf("fourth member: %v", err)
	}
	b2.Close()
	if e := next[*transport.MemberEvent](t, a); e.Joined || e.Member.ClientID != "bob" {
		t.Fatalf("alice saw %+v after bob closed", e)
	}
	if !errors.Is(b2.Err(), transport.ErrClosed) {
		t.Fatalf("closed connection: %v", b2.Err())
	}
}
