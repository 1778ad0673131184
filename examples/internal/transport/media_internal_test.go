package transport

import (
	"testing"

	"github.com/sealroom/sealroom/examples/wire"
)

// TestEncodeMediaAllocations: the part of SendMedia that is ours
// (encoding into a pooled buffer) does not allocate; quic-go's
// SendDatagram then makes its own copy.
func TestEncodeMediaAllocations(t *testing.T) {
	c := &Conn{}
	c.bufs.New = func() any { b := make([]byte, 0, 1500); return &b }
	m := Media{StreamID: 1, Source: 9, Payload: make([]byte, 1100)}
	allocs := testing.AllocsPerRun(1000, func() {
		m.Sequence++
		bp := c.encodeMedia(&m)
		c.bufs.Put(bp)
	})
	if allocs != 0 {
		t.Fatalf("encodeMedia allocates %.1f times per frame, want 0", allocs)
	}
	bp := c.encodeMedia(&m)
	var back wire.MediaFrame
	if err := wire.ParseMedia(*bp, 2000, &back); err != nil || back.Source != 0 || back.Sequence != m.Sequence || len(back.Payload) != 1100 {
		t.Fatalf("encoded frame parses to %+v, %v; want Source cleared, the rest kept", back, err)
	}
	if m.Source != 9 {
		t.Fatal("encodeMedia changed the caller's frame")
	}
}
