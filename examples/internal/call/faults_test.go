package call

import (
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/udpproxy"
)

// TestKilledClientRejoins: a member is killed: its packets stop at once
// (it reaches the relay through a proxy that is blocked) and its state is
// lost, with no leave and no goodbye to the relay. It comes back under the
// same name with a fresh key: the relay replaces the dead connection, the
// client joins by external commit in place of its old leaf, the group
// ends with three members in one epoch, and its media opens at the
// others again.
func TestKilledClientRejoins(t *testing.T) {
	srv := startRelay(t, relay.Options{})
	proxy, err := udpproxy.New(srv.Addr().String(), udpproxy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	k := newCall(t, srv)
	alice := k.start("alice", nil)
	k.member(alice)
	bob := k.start("bob", func(c *Config) { c.Join = JoinInvite })
	carol := k.start("carol", func(c *Config) { c.Relay = proxy.Addr() })
	k.member(bob)
	k.member(carol)
	before := k.converge(alice, bob, carol)
	sleep(300 * time.Millisecond)
	proxy.Block()
	carol.Close()

	carol2 := k.start("carol", nil)
	k.member(carol2)
	after := k.converge(alice, bob, carol2)
	if after != before+1 {
		t.Errorf("epoch %d after the rejoin, want %d: one external commit both adding and removing carol", after, before+1)
	}
	if m := alice.Members(); !slices.Equal(slices.Sorted(slices.Values(m)), []string{"alice", "bob", "carol"}) {
		t.Errorf("members %v", m)
	}
	var replaced bool
	k.mu.Lock()
	for _, e := range k.events {
		if e.Client == "alice" && e.Kind == EventCommit && slices.Equal(e.Added, []string{"carol"}) && slices.Equal(e.Removed, []string{"carol"}) {
			replaced = true
		}
	}
	k.mu.Unlock()
	if !replaced {
		t.Errorf("no commit replaced carol's leaf; events:\n%s", k.eventLog())
	}
	opened := alice.Stats().Peers["carol"].Opened
	sleep(time.Second)
	if got := alice.Stats().Peers["carol"].Opened; got <= opened+20 {
		t.Errorf("alice opened %d frames of the rejoined carol in a second", got-opened)
	}
	k.verify("alice", "bob", "carol")
	k.verify("carol", "alice", "bob")
}

// TestRelayRestart: the relay stops mid-call and starts again on the
// same address and SQLite file. The clients reconnect and catch up from
// their epoch; a commit after the restart reaches everyone, who end in
// one epoch with one safety code; media flows again.
func TestRelayRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "relay.db")
	srv1 := startRelay(t, relay.Options{DBPath: db})
	addr := srv1.Addr().String()
	k := newCall(t, srv1)
	// The restarted relay has a fresh self-signed certificate.
	insecure := func(c *Config) { c.CertSHA256, c.InsecureSkipVerify = nil, true }
	alice, bob, carol, before := k.trio(insecure)
	sleep(300 * time.Millisecond)

	if err := srv1.Close(); err != nil {
		t.Fatal(err)
	}
	sleep(200 * time.Millisecond)
	srv2, err := relay.New(relay.Options{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv2.Start(addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv2.Close() })
	clients := []*Client{alice, bob, carol}
	deadline := time.Now().Add(wait)
	for !all(clients, func(c *Client) bool { return c.Stats().Reconnects > 0 }) {
		if time.Now().After(deadline) {
			t.Fatalf("the clients did not reconnect; events:\n%s", k.eventLog())
		}
		sleep(20 * time.Millisecond)
	}
	opened := bob.Stats().Peers["carol"].Opened
	if err := alice.Update(ctxT(t)); err != nil {
		t.Fatalf("commit after the restart: %v; events:\n%s", err, k.eventLog())
	}
	if after := k.converge(clients...); after != before+1 {
		t.Errorf("epoch %d after the restart and one commit, want %d", after, before+1)
	}
	sleep(time.Second)
	if got := bob.Stats().Peers["carol"].Opened; got <= opened+20 {
		t.Errorf("bob opened %d frames of carol in a second after the restart", got-opened)
	}
	k.verify("alice", "bob", "carol")
	k.verify("bob", "alice", "carol")
	k.verify("carol", "alice", "bob")
	t.Logf("relay after the restart: %+v", srv2.Stats())
}

func all(cs []*Client, f func(*Client) bool) bool {
	for _, c := range cs {
		if !f(c) {
			return false
		}
	}
	return true
}

// TestConcurrentCommits: two members commit an update in the same epoch
// (a test hook holds each commit until both are made). The relay takes
// the first; the other member's is refused as stale, processed away and
// made again in the next epoch. Both updates land, and every member ends
// in the same epoch with the same safety code, which is derived from the
// epoch authenticator (RFC 9420 §8.7).
func TestConcurrentCommits(t *testing.T) {
	var armed atomic.Bool
	var arrived sync.WaitGroup
	arrived.Add(2)
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	var held sync.Map
	testHookCommit = func(c *Client, op string) {
		if !armed.Load() || op != "update" {
			return
		}
		if _, again := held.LoadOrStore(c.Name(), true); again {
			return // the retry goes straight through
		}
		arrived.Done()
		select {
		case <-both:
		case <-time.After(wait):
		}
	}
	t.Cleanup(func() { testHookCommit = nil })

	k := newCall(t, startRelay(t, relay.Options{}))
	alice, bob, carol, before := k.trio(nil)
	// Joining may have lost a commit too (carol's external commit racing
	// alice's invitation of bob): only the updates' count.
	staleBefore := bob.Stats().StaleCommits + carol.Stats().StaleCommits
	armed.Store(true)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range []*Client{bob, carol} {
		wg.Go(func() { errs[i] = c.Update(ctxT(t)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("update: %v; events:\n%s", err, k.eventLog())
		}
	}
	after := k.converge(alice, bob, carol)
	if after != before+2 {
		t.Errorf("epoch %d after two updates from %d", after, before)
	}
	stale := bob.Stats().StaleCommits + carol.Stats().StaleCommits - staleBefore
	if stale != 1 {
		t.Errorf("%d stale commits, want 1: the loser's; events:\n%s", stale, k.eventLog())
	}
	t.Logf("epoch %d, safety code %s; events:\n%s", after, alice.SafetyCode(), k.eventLog())
	sleep(500 * time.Millisecond)
	k.verify("alice", "bob", "carol")
}

// TestLossyMedia: one member reaches the relay through a link that drops,
// duplicates and reorders packets, both ways. It still joins (QUIC
// retransmits the control stream); what the others open of its media is
// exactly what it sent, minus the lost frames; frames that arrive out of
// order, within the SFrame replay window, open (QUIC discards duplicated
// packets itself); nothing fails authentication and nothing crashes.
func TestLossyMedia(t *testing.T) {
	srv := startRelay(t, relay.Options{})
	proxy, err := udpproxy.New(srv.Addr().String(), udpproxy.Config{Drop: 0.10, Duplicate: 0.05, Reorder: 0.25, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	k := newCall(t, srv)
	// Frames opened after a later frame (by capture time) of the same
	// sender, in either direction.
	var mu sync.Mutex
	last := map[[2]string]time.Time{}
	var late int
	track := func(receiver string) func(*Config) {
		return func(c *Config) {
			c.OnReceived = func(f ReceivedFrame) {
				key := [2]string{receiver, f.From}
				mu.Lock()
				if f.Capture.Before(last[key]) {
					late++
				}
				if f.Capture.After(last[key]) {
					last[key] = f.Capture
				}
				mu.Unlock()
			}
		}
	}
	alice := k.start("alice", track("alice"))
	k.member(alice)
	lossy := k.start("lossy", func(c *Config) { track("lossy")(c); c.Relay = proxy.Addr() })
	k.member(lossy)
	k.converge(alice, lossy)
	sleep(2 * time.Second)

	ps := proxy.Stats()
	st := alice.Stats()
	p := st.Peers["lossy"]
	rep := k.verify("alice", "lossy")
	mu.Lock()
	t.Logf("proxy %+v; alice opened %d of lossy's frames; %d frames opened late in all; alice rejected %v; %v", ps, p.Opened, late, p.Rejected, rep)
	if ps.Dropped == 0 || ps.Reordered == 0 || ps.Duplicated == 0 {
		t.Fatal("the proxy impaired nothing")
	}
	if late == 0 {
		t.Error("no frame opened out of order")
	}
	mu.Unlock()
	for r, n := range p.Rejected {
		if n > 0 && Reason(r) != ReasonReplay && Reason(r) != ReasonUnknownEpoch {
			t.Errorf("%d of lossy's frames rejected for %v", n, Reason(r))
		}
	}
	var missing uint64
	for _, s := range rep.Streams {
		missing += s.Missing
	}
	if missing == 0 {
		t.Error("nothing was lost through a lossy link")
	}
	// The lossy member opens the others' media too.
	if lossy.Stats().Peers["alice"].Opened < 20 {
		t.Errorf("lossy opened %d of alice's frames", lossy.Stats().Peers["alice"].Opened)
	}
}
