package call

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
	"github.com/sealroom/sealroom/frame"
)

// TestHostileInsider: a client that is in the room at the relay but not
// in the MLS group sends what it can: garbage and truncated packets, the
// members' own sealed frames replayed, with a bit flipped and under
// another counter, a frame
// above the relay's limit, and a garbage handshake proposal. The members
// reject each with its reason, count it, and go on: they still commit and
// open each other's media. (The relay's own handling of garbage and
// truncated protobuf, oversized messages and rooms never joined is
// TestHostileControl and TestHostileMedia in examples/internal/relay.)
func TestHostileInsider(t *testing.T) {
	srv := startRelay(t, relay.Options{MaxFrame: 64 << 10})
	k := newCall(t, srv)
	alice := k.start("alice", nil)
	k.member(alice)
	bob := k.start("bob", func(c *Config) { c.Join = JoinInvite })
	k.member(bob)
	before := k.converge(alice, bob)

	pin := srv.CertificateSHA256()
	ctx := ctxT(t)
	mallory, err := transport.Dial(ctx, srv.Addr().String(), transport.Config{Room: k.room, ClientID: "mallory", CertSHA256: pin[:], MaxFrame: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mallory.Close() })

	// Sealed frames of the members, as the relay forwards them to anyone
	// in the room.
	var sealed []transport.Media
	for len(sealed) < 20 {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		m, err := mallory.ReceiveMedia(rctx)
		cancel()
		if err != nil {
			t.Fatalf("mallory receives no media: %v", err)
		}
		m.Payload = bytes.Clone(m.Payload)
		sealed = append(sealed, m)
	}
	sent := 0
	send := func(m transport.Media) {
		t.Helper()
		if err := mallory.SendMedia(&m); err != nil {
			t.Fatalf("mallory: %v", err)
		}
		sent++
	}
	for i, m := range sealed {
		replay := m
		send(replay) // the same bytes again: a replay
		flipped := m
		flipped.Payload = bytes.Clone(m.Payload)
		flipped.Payload[len(flipped.Payload)-1-i] ^= 0x20 // in the ciphertext or tag
		send(flipped)
		// The same ciphertext under a counter never used: not a replay,
		// so the AEAD is tried, and fails.
		forged := m
		forged.Payload = recounted(t, m.Payload, 1<<20+uint64(i))
		send(forged)
		truncated := m
		truncated.Payload = m.Payload[:len(m.Payload)/2]
		send(truncated)
		send(transport.Media{StreamID: m.StreamID, Sequence: uint64(i), Payload: bytes.Repeat([]byte{byte(i)}, 100)})
	}
	send(transport.Media{StreamID: StreamVideo, Payload: []byte{}})
	// Too large for a datagram, it goes on a stream, which the relay
	// resets: SendMedia may or may not have seen the reset by the time
	// it returns.
	if err := mallory.SendMedia(&transport.Media{StreamID: StreamVideo, Payload: make([]byte, 100<<10)}); err != nil {
		t.Logf("mallory's oversized frame: %v", err)
	}
	if _, err := mallory.SendHandshake(ctx, transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL, Epoch: before, Message: []byte("not an MLS message")}); err != nil {
		t.Fatalf("mallory's proposal: %v", err)
	}

	// The members still commit, and open each other's media.
	opened := bob.Stats().Peers["alice"].Opened
	if err := alice.Update(ctxT(t)); err != nil {
		t.Fatalf("update after the attack: %v; events:\n%s", err, k.eventLog())
	}
	if after := k.converge(alice, bob); after != before+1 {
		t.Errorf("epoch %d after one update from %d", after, before)
	}
	sleep(500 * time.Millisecond)
	if got := bob.Stats().Peers["alice"].Opened; got <= opened+10 {
		t.Errorf("bob opened %d of alice's frames after the attack", got-opened)
	}
	k.verify("alice", "bob")
	k.verify("bob", "alice")

	var reasons [NumReasons]uint64
	var processErrors, mismatch uint64
	for _, c := range []*Client{alice, bob} {
		st := c.Stats()
		for _, p := range st.Peers {
			for r, n := range p.Rejected {
				reasons[r] += n
			}
		}
		processErrors += st.ProcessErrors
		mismatch += st.SourceMismatch
	}
	rs := srv.Stats()
	t.Logf("mallory sent %d frames; rejected by reason %v; process errors %d; relay %+v", sent, reasons, processErrors, rs)
	for _, r := range []Reason{ReasonReplay, ReasonAuthentication, ReasonMalformed} {
		if reasons[r] == 0 {
			t.Errorf("no frame rejected for %v", r)
		}
	}
	if processErrors == 0 {
		t.Error("the garbage proposal was not reported")
	}
	if mismatch != 0 {
		t.Errorf("%d frames opened under another client's source", mismatch)
	}
	if rs.MediaRejected == 0 {
		t.Error("the relay forwarded the oversized frame")
	}
}

// recounted returns a copy of the sealed packet b with its SFrame
// counter raised by n.
func recounted(t *testing.T, b []byte, n uint64) []byte {
	t.Helper()
	pkt, err := e2ee.ParsePacket(b)
	if err != nil {
		t.Fatal(err)
	}
	hdr, body, err := frame.ParseHeader(pkt.SFrame)
	if err != nil {
		t.Fatal(err)
	}
	hdr.CTR += n
	out, err := hdr.AppendBinary(bytes.Clone(pkt.Metadata))
	if err != nil {
		t.Fatal(err)
	}
	return append(out, body...)
}
