package relay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// payloadFor is the opaque payload sender id puts in frame seq; receivers
// check it arrives byte for byte.
func payloadFor(id string, seq uint64, size int) []byte {
	p := bytes.Repeat([]byte{byte(seq)}, size)
	copy(p, fmt.Sprintf("%s/%d/", id, seq))
	return p
}

// TestMediaFanOut: every frame a member sends reaches every other member
// once, unchanged, tagged with the sender's source, and never comes back
// to the sender. Frames too large for a datagram go on a stream.
func TestMediaFanOut(t *testing.T) {
	srv := startRelay(t, relay.Options{})
	ids := []string{"alice", "bob", "carol"}
	conns := map[string]*transport.Conn{}
	for _, id := range ids {
		conns[id] = dial(t, srv, "call", id)
	}
	source := map[uint32]string{}
	for id, c := range conns {
		source[c.Source()] = id
	}
	if len(source) != len(ids) {
		t.Fatalf("sources not distinct: %v", source)
	}
	if got := len(conns["carol"].Joined().Members); got != 3 {
		t.Fatalf("carol joined with %d members listed, want 3", got)
	}

	const frames = 40
	sizes := []int{20, 1000, 20000} // the last one cannot fit a datagram
	checked := 0
	for _, sender := range ids {
		for seq := uint64(1); seq <= frames; seq++ {
			size := sizes[int(seq)%len(sizes)]
			m := transport.Media{StreamID: uint32(seq % 3), Sequence: seq, TimestampUS: 1000 * seq, Payload: payloadFor(sender, seq, size), Source: 12345}
			// Lock-step: send, then see it at both receivers. A datagram
			// lost on loopback is resent (same frame) rather than failing.
			for _, rcv := range ids {
				if rcv == sender {
					continue
				}
				got := receiveFrame(t, conns[sender], conns[rcv], &m)
				if source[got.Source] != sender {
					t.Fatalf("%s got frame %d of %s tagged source %d (%s)", rcv, seq, sender, got.Source, source[got.Source])
				}
				if got.StreamID != m.StreamID || got.TimestampUS != m.TimestampUS || !bytes.Equal(got.Payload, m.Payload) {
					t.Fatalf("%s got frame %d of %s altered", rcv, seq, sender)
				}
				checked++
			}
		}
	}
	if want := len(ids) * (len(ids) - 1) * frames; checked != want {
		t.Fatalf("checked %d deliveries, want %d", checked, want)
	}
	// Nobody received its own frames (what is left are resent duplicates).
	for id, c := range conns {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		for {
			m, err := c.ReceiveMedia(ctx)
			if err != nil {
				break
			}
			if m.Source == c.Source() {
				t.Fatalf("%s received its own frame %d", id, m.Sequence)
			}
		}
		cancel()
	}
	var onStream uint64
	for _, c := range conns {
		onStream += c.Stats().SentOnStream
	}
	if onStream == 0 {
		t.Fatal("no frame took the stream fallback")
	}
	st := srv.Stats()
	t.Logf("relay: %+v; frames sent on streams: %d", st, onStream)
}

// receiveFrame sends m from snd until rcv receives the frame with m's
// sequence number from snd (earlier duplicates are skipped).
func receiveFrame(t *testing.T, snd, rcv *transport.Conn, m *transport.Media) transport.Media {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if err := snd.SendMedia(m); err != nil {
			t.Fatalf("send: %v", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		for {
			got, err := rcv.ReceiveMedia(ctx)
			if err != nil {
				break
			}
			if got.Source == snd.Source() && got.Sequence == m.Sequence {
				cancel()
				return got
			}
		}
		cancel()
	}
	t.Fatalf("frame %d never arrived", m.Sequence)
	return transport.Media{}
}

// TestHandshakeOrdering: two members commit in the same epoch; the first
// wins and everyone sees it in the same order; the other gets
// STALE_EPOCH with the room's epoch, processes the winner and retries.
func TestHandshakeOrdering(t *testing.T) {
	srv := startRelay(t, relay.Options{})
	a := dial(t, srv, "room", "alice")
	b := dial(t, srv, "room", "bob")
	ctx := ctxT(t)

	// The group's first commit sets the room's epoch.
	acc, err := a.SendHandshake(ctx, commit(0, "create"))
	if err != nil || acc.Seq != 1 || acc.Epoch != 1 {
		t.Fatalf("first commit: %+v, %v", acc, err)
	}
	for _, c := range []*transport.Conn{a, b} {
		if e := nextHandshake(t, c); e.Seq != 1 || e.Sender != "alice" || e.Epoch != 0 || string(e.Message) != "create" {
			t.Fatalf("first event: %+v", e)
		}
	}

	const rounds = 20
	epoch := uint64(1)
	wins := map[string]int{}
	for round := range rounds {
		var wg sync.WaitGroup
		res := make(map[string]error)
		var mu sync.Mutex
		for _, c := range []struct {
			id   string
			conn *transport.Conn
		}{{"alice", a}, {"bob", b}} {
			wg.Go(func() {
				_, err := c.conn.SendHandshake(ctx, commit(epoch, fmt.Sprintf("%s round %d", c.id, round)))
				mu.Lock()
				res[c.id] = err
				mu.Unlock()
			})
		}
		wg.Wait()
		var winner, loser string
		for id, err := range res {
			switch {
			case err == nil:
				winner = id
			case errors.Is(err, transport.ErrStaleEpoch):
				loser = id
				var e *transport.Error
				if !errors.As(err, &e) || e.Epoch != epoch+1 {
					t.Fatalf("round %d: stale error %v does not carry epoch %d", round, err, epoch+1)
				}
			default:
				t.Fatalf("round %d: %s: %v", round, id, err)
			}
		}
		if winner == "" || loser == "" {
			t.Fatalf("round %d: results %v, want one winner and one STALE_EPOCH", round, res)
		}
		wins[winner]++
		// Both see exactly the winner's commit, with the same seq.
		for _, c := range []*transport.Conn{a, b} {
			e := nextHandshake(t, c)
			if e.Sender != winner || e.Epoch != epoch || e.Seq != uint64(round)+2 || string(e.Message) != fmt.Sprintf("%s round %d", winner, round) {
				t.Fatalf("round %d: event %+v, want %s's commit seq %d", round, e, winner, round+2)
			}
		}
		epoch++
	}
	t.Logf("wins over %d races: %v", rounds, wins)

	// The loser of the last round retries in the new epoch and wins.
	if _, err := b.SendHandshake(ctx, commit(epoch, "bob retries")); err != nil {
		t.Fatalf("retry: %v", err)
	}
	nextHandshake(t, a)
	nextHandshake(t, b)
	epoch++

	// A commit from the future is refused with the room's epoch.
	_, err = a.SendHandshake(ctx, commit(epoch+5, "too early"))
	var e *transport.Error
	if !errors.Is(err, transport.ErrFutureEpoch) || !errors.As(err, &e) || e.Epoch != epoch {
		t.Fatalf("future commit: %v", err)
	}

	// Proposals go out in order, and do not move the epoch.
	for i := range 5 {
		if _, err := a.SendHandshake(ctx, proposal(epoch, fmt.Sprintf("p%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.SendHandshake(ctx, proposal(epoch-1, "old")); !errors.Is(err, transport.ErrStaleEpoch) {
		t.Fatalf("stale proposal: %v", err)
	}
	for i := range 5 {
		for _, c := range []*transport.Conn{a, b} {
			if e := nextHandshake(t, c); string(e.Message) != fmt.Sprintf("p%d", i) || e.Kind != wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL {
				t.Fatalf("proposal %d: got %+v", i, e)
			}
		}
	}
	if _, err := b.SendHandshake(ctx, commit(epoch, "commit by reference")); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.StaleCommits != rounds+1 {
		t.Fatalf("relay counted %d stale messages, want %d", st.StaleCommits, rounds+1)
	}
}

// TestWelcomeDelivery: a commit's Welcome reaches its recipients only if
// the commit wins; recipients offline get it when they join.
func TestWelcomeDelivery(t *testing.T) {
	srv := startRelay(t, relay.Options{})
	ctx := ctxT(t)
	a := dial(t, srv, "room", "alice")
	b := dial(t, srv, "room", "bob")
	h := commit(0, "add bob and carol")
	h.Welcome, h.Recipients = []byte("welcome-1"), []string{"bob", "carol"}
	if _, err := a.SendHandshake(ctx, h); err != nil {
		t.Fatal(err)
	}
	if w := next[*transport.WelcomeEvent](t, b); string(w.Message) != "welcome-1" || w.Epoch != 1 || w.Sender != "alice" {
		t.Fatalf("bob's welcome: %+v", w)
	}
	// A losing commit's Welcome is dropped with it.
	lost := commit(0, "late")
	lost.Welcome, lost.Recipients = []byte("welcome-lost"), []string{"dave"}
	if _, err := b.SendHandshake(ctx, lost); !errors.Is(err, transport.ErrStaleEpoch) {
		t.Fatalf("late commit: %v", err)
	}
	// A standalone Welcome.
	if _, err := a.SendHandshake(ctx, transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_WELCOME, Epoch: 1, Message: []byte("welcome-2"), Recipients: []string{"carol"}}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv, "room", "carol")
	for _, want := range []string{"welcome-1", "welcome-2"} {
		if w := next[*transport.WelcomeEvent](t, c); string(w.Message) != want {
			t.Fatalf("carol got %q, want %q", w.Message, want)
		}
	}
	d := dial(t, srv, "room", "dave")
	if _, err := d.SendHandshake(ctx, proposal(1, "dave is here")); err != nil {
		t.Fatal(err)
	}
	for e := range d.Events() {
		if w, ok := e.(*transport.WelcomeEvent); ok {
			t.Fatalf("dave got the losing commit's welcome %q", w.Message)
		}
		if _, ok := e.(*transport.HandshakeEvent); ok {
			break
		}
	}
	// The GroupInfo of the winning commit is there for external joiners.
	epoch, gi, err := d.GroupInfo(ctx)
	if err != nil || epoch != 1 || string(gi) != "group-info for epoch 1" {
		t.Fatalf("GroupInfo = %d %q %v", epoch, gi, err)
	}
}

// TestKeyPackageClaim: each one-time KeyPackage is handed out exactly
// once, even to concurrent claimers; then the last-resort one.
func TestKeyPackageClaim(t *testing.T) {
	srv := startRelay(t, relay.Options{MaxKeyPackagesPerClient: 8, MaxKeyPackage: 1024})
	ctx := ctxT(t)
	a := dial(t, srv, "room", "alice")
	var kps [][]byte
	for i := range 6 {
		kps = append(kps, []byte(fmt.Sprintf("kp-%d", i)))
	}
	n, err := a.UploadKeyPackages(ctx, kps, []byte("kp-last-resort"))
	if err != nil || n != 6 {
		t.Fatalf("upload: %d, %v", n, err)
	}
	if _, err := a.UploadKeyPackages(ctx, kps[:3], nil); !errors.Is(err, transport.ErrLimitExceeded) {
		t.Fatalf("upload over the limit: %v", err)
	}
	if _, err := a.UploadKeyPackages(ctx, [][]byte{make([]byte, 2000)}, nil); !errors.Is(err, transport.ErrTooLarge) {
		t.Fatalf("oversized KeyPackage: %v", err)
	}

	claimers := []*transport.Conn{dial(t, srv, "room", "bob"), dial(t, srv, "other-room", "carol"), dial(t, srv, "room", "dave")}
	var mu sync.Mutex
	got := map[string]int{}
	lastResort := 0
	var wg sync.WaitGroup
	for _, c := range claimers {
		wg.Go(func() {
			for range 3 {
				kp, err := c.ClaimKeyPackage(ctx, "alice")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if kp.LastResort {
					lastResort++
					if string(kp.Data) != "kp-last-resort" {
						t.Errorf("last resort = %q", kp.Data)
					}
				} else {
					got[string(kp.Data)]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != 6 || lastResort != 3 {
		t.Fatalf("claimed %v and %d last-resort, want each of 6 once and 3 last-resort", got, lastResort)
	}
	for k, n := range got {
		if n != 1 {
			t.Fatalf("%s handed out %d times", k, n)
		}
	}
	if _, err := claimers[0].ClaimKeyPackage(ctx, "nobody"); !errors.Is(err, transport.ErrNoKeyPackage) {
		t.Fatalf("claim for a client without KeyPackages: %v", err)
	}
}
