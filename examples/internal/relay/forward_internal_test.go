package relay

import (
	"testing"

	"github.com/sealroom/sealroom/examples/wire"
)

// newBenchRoom returns a sender and receivers in one room, without
// connections: enough for the media path, which touches only queues.
func newBenchRoom(receivers int, observer func(string, *wire.MediaFrame)) (*session, []*session) {
	srv := &Server{opts: Options{MediaObserver: observer}.withDefaults()}
	srv.log = srv.opts.Logger
	r := &room{srv: srv, name: "bench", members: map[string]*session{}}
	mk := func(src uint32) *session {
		s := &session{srv: srv, log: srv.log, source: src, mediaQ: make(chan []byte, 4), ctrlQ: make(chan outFrame, 4)}
		s.room.Store(r)
		return s
	}
	sender := mk(1)
	list := []*session{sender}
	var rcv []*session
	for i := range receivers {
		s := mk(uint32(i + 2))
		rcv = append(rcv, s)
		list = append(list, s)
	}
	r.fanout.Store(&list)
	return sender, rcv
}

// TestForwardKeepsPayload: the relay forwards the payload byte for byte,
// tagged with the sender's source (overwriting the sender's claim), to
// everyone but the sender; the observer sees the frame first.
func TestForwardKeepsPayload(t *testing.T) {
	var seen []uint64
	sender, rcv := newBenchRoom(3, func(room string, m *wire.MediaFrame) { seen = append(seen, m.Sequence) })
	in := wire.AppendMedia(nil, &wire.MediaFrame{Source: 99, StreamID: 2, Sequence: 7, TimestampUS: 8, Payload: []byte("ciphertext")})
	sender.forward(in)
	for _, r := range rcv {
		var m wire.MediaFrame
		if err := wire.ParseMedia(<-r.mediaQ, 1<<10, &m); err != nil {
			t.Fatal(err)
		}
		if m.Source != 1 || m.StreamID != 2 || m.Sequence != 7 || m.TimestampUS != 8 || string(m.Payload) != "ciphertext" {
			t.Fatalf("forwarded %+v", m)
		}
	}
	if len(sender.mediaQ) != 0 {
		t.Fatal("the sender got its own frame")
	}
	if len(seen) != 1 || seen[0] != 7 {
		t.Fatalf("observer saw %v", seen)
	}
}

// BenchmarkForward measures the relay's per-frame media path: parse the
// envelope, re-encode it once with the source, queue it to each of four
// receivers. One allocation per frame: the re-encoded copy, shared by all
// receivers (quic-go then copies it into each DATAGRAM frame).
func BenchmarkForward(b *testing.B) {
	sender, rcv := newBenchRoom(4, nil)
	in := wire.AppendMedia(nil, &wire.MediaFrame{StreamID: 1, Sequence: 1 << 20, TimestampUS: 1 << 40, Payload: make([]byte, 1100)})
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		sender.forward(in)
		for _, r := range rcv {
			<-r.mediaQ
		}
	}
}

// TestForwardAllocations pins the media path at one allocation per frame
// whatever the number of receivers.
func TestForwardAllocations(t *testing.T) {
	sender, rcv := newBenchRoom(8, nil)
	in := wire.AppendMedia(nil, &wire.MediaFrame{StreamID: 1, Sequence: 5, Payload: make([]byte, 1100)})
	allocs := testing.AllocsPerRun(200, func() {
		sender.forward(in)
		for _, r := range rcv {
			<-r.mediaQ
		}
	})
	if allocs != 1 {
		t.Fatalf("forward allocates %.1f times per frame, want 1", allocs)
	}
}
