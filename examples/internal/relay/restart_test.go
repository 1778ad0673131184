package relay_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// TestRestartCatchUp: the relay stops and starts again on the same
// SQLite file; nothing it acknowledged is lost. Clients reconnect and
// catch up from their epoch, the epoch order holds across the restart,
// claimed KeyPackages stay claimed, pending Welcomes and the GroupInfo
// are still there.
func TestRestartCatchUp(t *testing.T) {
	db := filepath.Join(t.TempDir(), "relay.db")
	srv1, err := relay.New(relay.Options{DBPath: db, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv1.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	a, err := dialAddr(t, srv1, srv1.Addr().String(), "room", "alice")
	if err != nil {
		t.Fatal(err)
	}
	b, err := dialAddr(t, srv1, srv1.Addr().String(), "room", "bob")
	if err != nil {
		t.Fatal(err)
	}
	for epoch := range uint64(4) {
		if _, err := a.SendHandshake(ctx, commit(epoch, fmt.Sprintf("commit %d", epoch))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.SendHandshake(ctx, proposal(4, "proposal in 4")); err != nil {
		t.Fatal(err)
	}
	// Bob has processed epochs 0 and 1 when the relay goes down.
	for range 2 {
		nextHandshake(t, b)
	}
	if _, err := a.UploadKeyPackages(ctx, [][]byte{[]byte("kp-0"), []byte("kp-1")}, nil); err != nil {
		t.Fatal(err)
	}
	if kp, err := b.ClaimKeyPackage(ctx, "alice"); err != nil || string(kp.Data) != "kp-0" {
		t.Fatalf("claim before restart: %q %v", kp.Data, err)
	}
	if _, err := a.SendHandshake(ctx, transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_WELCOME, Epoch: 4, Message: []byte("welcome carol"), Recipients: []string{"carol"}}); err != nil {
		t.Fatal(err)
	}
	if err := srv1.Close(); err != nil {
		t.Fatal(err)
	}
	<-a.Done()
	<-b.Done()
	if !errors.Is(b.Err(), transport.ErrClosed) {
		t.Fatalf("bob's connection ended with %v", b.Err())
	}

	srv2 := startRelay(t, relay.Options{DBPath: db})
	// Bob reconnects at epoch 2 and asks for what he missed.
	b2 := dial(t, srv2, "room", "bob", func(c *transport.Config) { c.CatchUp, c.CatchUpSince = true, 2 })
	if j := b2.Joined(); !j.GroupExists || j.Epoch != 4 || j.LastSeq != 5 {
		t.Fatalf("joined after restart: %+v, want epoch 4, last seq 5", j)
	}
	want := []string{"commit 2", "commit 3", "proposal in 4"}
	for i, w := range want {
		e := nextHandshake(t, b2)
		if string(e.Message) != w || e.Seq != uint64(i)+3 {
			t.Fatalf("catch-up %d: %q seq %d, want %q seq %d", i, e.Message, e.Seq, w, i+3)
		}
	}
	if d := next[*transport.CaughtUpEvent](t, b2); d.Replayed != 3 || d.Epoch != 4 || d.LastSeq != 5 {
		t.Fatalf("caught up: %+v", d)
	}
	// The epoch order survived: a commit for an old epoch is stale.
	a2 := dial(t, srv2, "room", "alice")
	if _, err := a2.SendHandshake(ctx, commit(3, "replayed commit")); !errors.Is(err, transport.ErrStaleEpoch) {
		t.Fatalf("old commit after restart: %v", err)
	}
	if acc, err := a2.SendHandshake(ctx, commit(4, "commit 4")); err != nil || acc.Seq != 6 || acc.Epoch != 5 {
		t.Fatalf("commit after restart: %+v %v", acc, err)
	}
	if e := nextHandshake(t, b2); string(e.Message) != "commit 4" {
		t.Fatalf("live after catch-up: %q", e.Message)
	}
	// An explicit catch-up overlapping what was delivered brings no
	// duplicates; the relay still counts what it replayed.
	cu, err := b2.CatchUp(ctx, 3)
	if err != nil || cu.Replayed != 3 || cu.LastSeq != 6 {
		t.Fatalf("CatchUp: %+v %v", cu, err)
	}
	if _, err := a2.SendHandshake(ctx, proposal(5, "after catch-up")); err != nil {
		t.Fatal(err)
	}
	if e := nextHandshake(t, b2); string(e.Message) != "after catch-up" {
		t.Fatalf("after an overlapping catch-up got %q (seq %d), want the next live message", e.Message, e.Seq)
	}

	// KeyPackages: kp-0 stays claimed.
	if kp, err := b2.ClaimKeyPackage(ctx, "alice"); err != nil || string(kp.Data) != "kp-1" {
		t.Fatalf("claim after restart: %q %v", kp.Data, err)
	}
	if _, err := b2.ClaimKeyPackage(ctx, "alice"); !errors.Is(err, transport.ErrNoKeyPackage) {
		t.Fatalf("third claim: %v", err)
	}
	// Carol's Welcome waited through the restart.
	c := dial(t, srv2, "room", "carol")
	if w := next[*transport.WelcomeEvent](t, c); string(w.Message) != "welcome carol" {
		t.Fatalf("carol: %q", w.Message)
	}
	epoch, gi, err := c.GroupInfo(ctx)
	if err != nil || epoch != 5 || string(gi) != "group-info for epoch 5" {
		t.Fatalf("GroupInfo after restart: %d %q %v", epoch, gi, err)
	}
}

// TestLogTruncated: a relay keeps a bounded log; a client asking from
// before it is told to join from the GroupInfo instead.
func TestLogTruncated(t *testing.T) {
	srv := startRelay(t, relay.Options{MaxLog: 4})
	ctx := ctxT(t)
	a := dial(t, srv, "room", "alice")
	for epoch := range uint64(10) {
		if _, err := a.SendHandshake(ctx, commit(epoch, "c")); err != nil {
			t.Fatal(err)
		}
	}
	// Entries 7..10 (epochs 6..9) remain.
	if _, err := a.CatchUp(ctx, 5); !errors.Is(err, transport.ErrLogTruncated) {
		t.Fatalf("catch-up from a dropped epoch: %v", err)
	}
	if cu, err := a.CatchUp(ctx, 6); err != nil || cu.Replayed != 4 {
		t.Fatalf("catch-up from a kept epoch: %+v %v", cu, err)
	}
	if _, err := dialAddr(t, srv, srv.Addr().String(), "room", "bob", func(c *transport.Config) { c.CatchUp = true }); !errors.Is(err, transport.ErrLogTruncated) {
		t.Fatalf("join with catch-up from epoch 0: %v", err)
	}
	if epoch, _, err := a.GroupInfo(ctx); err != nil || epoch != 10 {
		t.Fatalf("GroupInfo: %d %v", epoch, err)
	}
}
