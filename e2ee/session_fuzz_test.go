package e2ee

import (
	"bytes"
	"testing"
)

// FuzzParseTagBatch: parseTagBatch never panics, and what it accepts
// encodes back to the same bytes (one encoding per batch).
func FuzzParseTagBatch(f *testing.F) {
	c, _ := authCall(f, testSuite, 5)
	_, batches := sealRun(f, c, "alice", 10, 20)
	for _, b := range batches {
		f.Add(b)
	}
	f.Add([]byte{PacketTagBatch, 0x80, 0x01, 0, 1})
	f.Add([]byte{PacketTagBatch})
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := parseTagBatch(b)
		if err != nil {
			return
		}
		if got := appendTagBatch(nil, &tb); !bytes.Equal(got, b) {
			t.Fatalf("%x re-encodes as %x", b, got)
		}
		if tb.count < 1 || tb.count > MaxBatchFrames || tb.last() < tb.first {
			t.Fatalf("accepted %+v", tb)
		}
	})
}

// FuzzSessionReceive feeds hostile packets to a receiving Session that
// holds frames waiting for their batch: Open and ReceiveTagBatch must
// never panic, never return a frame for a packet they reject, and only
// accept what a member sealed.
func FuzzSessionReceive(f *testing.F) {
	c, _ := authCall(f, testSuite, 5)
	bob := c.member("bob").s
	pkts, batches := sealRun(f, c, "alice", 12, 40)
	openAll(f, bob, pkts[:3])
	for _, p := range append(pkts, batches...) {
		f.Add(p)
	}
	for _, smp := range loadSamples(f) {
		f.Add(c.seal("alice", smp.codec, smp.frames[0]))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _, err := bob.Open(nil, b)
		if err != nil && out != nil {
			t.Fatal("Open returned a frame with an error")
		}
		_ = bob.ReceiveTagBatch(b)
	})
}
