package relay_test

import (
	"context"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/internal/udpproxy"
)

// TestLossyDatagrams: a member behind a link that drops, duplicates and
// reorders packets still joins and commits (QUIC retransmits the
// control stream); its media arrives in part, unaltered, and nothing
// crashes or stalls.
func TestLossyDatagrams(t *testing.T) {
	srv := startRelay(t, relay.Options{})
	proxy, err := udpproxy.New(srv.Addr().String(), udpproxy.Config{Drop: 0.15, Duplicate: 0.05, Reorder: 0.10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	ctx := ctxT(t)
	lossy, err := dialAddr(t, srv, proxy.Addr(), "room", "lossy")
	if err != nil {
		t.Fatal(err)
	}
	clean := dial(t, srv, "room", "clean")

	const frames = 300
	received := map[uint64]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			rctx, cancel := context.WithTimeout(ctx, time.Second)
			m, err := clean.ReceiveMedia(rctx)
			cancel()
			if err != nil {
				return
			}
			if m.Source != lossy.Source() || string(m.Payload) != string(payloadFor("lossy", m.Sequence, 200)) {
				t.Errorf("frame %d altered or from source %d", m.Sequence, m.Source)
			}
			received[m.Sequence] = true
		}
	}()
	for seq := uint64(1); seq <= frames; seq++ {
		if err := lossy.SendMedia(&transport.Media{Sequence: seq, TimestampUS: seq, Payload: payloadFor("lossy", seq, 200)}); err != nil {
			t.Fatal(err)
		}
		if seq%50 == 0 {
			// Handshake through the lossy link, interleaved with media.
			if _, err := lossy.SendHandshake(ctx, proposal(0, "through loss")); err != nil {
				t.Fatalf("handshake over the lossy link: %v", err)
			}
		}
	}
	// And the other direction: media to the lossy member.
	for seq := uint64(1); seq <= 100; seq++ {
		if err := clean.SendMedia(&transport.Media{Sequence: seq, Payload: []byte("to lossy")}); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	for range frames / 50 {
		if e := nextHandshake(t, clean); string(e.Message) != "through loss" {
			t.Fatalf("got %q", e.Message)
		}
	}
	got := 0
	for {
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, err := lossy.ReceiveMedia(rctx)
		cancel()
		if err != nil {
			break
		}
		got++
	}
	ps := proxy.Stats()
	t.Logf("proxy: %+v packets; clean received %d/%d frames; lossy received %d/100; relay %+v",
		ps, len(received), frames, got, srv.Stats())
	if ps.Dropped == 0 || ps.Reordered == 0 || ps.Duplicated == 0 {
		t.Fatal("the proxy impaired nothing")
	}
	if len(received) == 0 || len(received) == frames {
		t.Fatalf("received %d of %d frames through a lossy link: want some but not all", len(received), frames)
	}
	if got == 0 {
		t.Fatal("the lossy member received no media")
	}
}
