package relay_test

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
)

// lossyProxy relays UDP between one client and the relay on loopback,
// dropping, duplicating and reordering packets in both directions.
type lossyProxy struct {
	front *net.UDPConn // the client talks to this
	back  *net.UDPConn // this talks to the relay
	relay *net.UDPAddr

	mu     sync.Mutex
	client *net.UDPAddr
	rng    *rand.Rand // not crypto: a reproducible impairment pattern

	dropped, duplicated, reordered atomic.Uint64
}

const (
	dropRate    = 0.15
	dupRate     = 0.05
	reorderRate = 0.10
)

func newLossyProxy(t *testing.T, relayAddr string) *lossyProxy {
	t.Helper()
	ra, err := net.ResolveUDPAddr("udp", relayAddr)
	if err != nil {
		t.Fatal(err)
	}
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &lossyProxy{front: front, back: back, relay: ra, rng: rand.New(rand.NewPCG(1, 2))}
	var wg sync.WaitGroup
	wg.Go(func() { p.pump(front, func(b []byte) { back.WriteToUDP(b, ra) }, true) })
	wg.Go(func() {
		p.pump(back, func(b []byte) {
			p.mu.Lock()
			c := p.client
			p.mu.Unlock()
			if c != nil {
				front.WriteToUDP(b, c)
			}
		}, false)
	})
	t.Cleanup(func() {
		front.Close()
		back.Close()
		wg.Wait()
	})
	return p
}

func (p *lossyProxy) addr() string { return p.front.LocalAddr().String() }

// pump reads packets from in and passes them to out, impaired. A
// reordered packet is held back and sent after the next one.
func (p *lossyProxy) pump(in *net.UDPConn, out func([]byte), fromClient bool) {
	var held []byte
	buf := make([]byte, 65536)
	for {
		n, from, err := in.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if fromClient {
			p.mu.Lock()
			p.client = from
			p.mu.Unlock()
		}
		pkt := append([]byte(nil), buf[:n]...)
		p.mu.Lock()
		r := p.rng.Float64()
		p.mu.Unlock()
		switch {
		case r < dropRate:
			p.dropped.Add(1)
			continue
		case r < dropRate+dupRate:
			p.duplicated.Add(1)
			out(pkt)
		case r < dropRate+dupRate+reorderRate && held == nil:
			p.reordered.Add(1)
			held = pkt
			continue
		}
		out(pkt)
		if held != nil {
			out(held)
			held = nil
		}
	}
}

// TestLossyDatagrams: a member behind a link that drops, duplicates and
// reorders packets still joins and commits (QUIC retransmits the
// control stream); its media arrives in part, unaltered, and nothing
// crashes or stalls.
func TestLossyDatagrams(t *testing.T) {
	srv := startRelay(t, relay.Options{})
	proxy := newLossyProxy(t, srv.Addr().String())
	ctx := ctxT(t)
	lossy, err := dialAddr(t, srv, proxy.addr(), "room", "lossy")
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
	t.Logf("proxy: dropped %d, duplicated %d, reordered %d packets; clean received %d/%d frames; lossy received %d/100; relay %+v",
		proxy.dropped.Load(), proxy.duplicated.Load(), proxy.reordered.Load(), len(received), frames, got, srv.Stats())
	if proxy.dropped.Load() == 0 || proxy.reordered.Load() == 0 || proxy.duplicated.Load() == 0 {
		t.Fatal("the proxy impaired nothing")
	}
	if len(received) == 0 || len(received) == frames {
		t.Fatalf("received %d of %d frames through a lossy link: want some but not all", len(received), frames)
	}
	if got == 0 {
		t.Fatal("the lossy member received no media")
	}
}
