package call

import (
	"fmt"
	"testing"
	"time"
)

// TestArrivalsLost checks the count of frames that never arrived: the
// gaps between the first and the last sequence number of each stream,
// whatever the order of arrival, and nothing for streams these calls do
// not send.
func TestArrivalsLost(t *testing.T) {
	var c counters
	for _, seq := range []uint64{10, 11, 14, 12, 20} { // 13, 15..19 never arrive
		c.arrived(7, StreamAudio, seq)
	}
	for _, seq := range []uint64{5, 3, 4} { // out of order, none lost
		c.arrived(7, StreamVideo, seq)
	}
	c.arrived(7, 99, 1)
	c.arrived(7, 99, 50)
	if got := c.arrivals[streamKey{7, StreamAudio}].lost(); got != 6 {
		t.Errorf("audio: lost %d, want 6", got)
	}
	if got := c.arrivals[streamKey{7, StreamVideo}].lost(); got != 0 {
		t.Errorf("video: lost %d, want 0", got)
	}
	if _, ok := c.arrivals[streamKey{7, 99}]; ok || len(c.arrivals) != 2 {
		t.Errorf("tracked %d streams, want the 2 of these calls", len(c.arrivals))
	}
	// A duplicate never makes the count wrap.
	c.arrived(7, StreamVideo, 4)
	if got := c.arrivals[streamKey{7, StreamVideo}].lost(); got != 0 {
		t.Errorf("video after a duplicate: lost %d, want 0", got)
	}
	// A relay making up sources is not tracked past the bound.
	for src := range uint32(2 * maxTrackedStreams) {
		c.arrived(100+src, StreamAudio, 1)
	}
	if len(c.arrivals) != maxTrackedStreams {
		t.Errorf("tracked %d streams, want the bound %d", len(c.arrivals), maxTrackedStreams)
	}
}

// TestPeersBounded checks that a relay making up sources cannot grow the
// per-sender counters without bound: frames it attributes to unknown
// sources are named "source N" and rejected, and past maxTrackedPeers
// names they are all counted under otherPeers.
func TestPeersBounded(t *testing.T) {
	c := counters{peers: make(map[string]*PeerStats)}
	const n = 3 * maxTrackedPeers
	for i := range n {
		c.rejected(fmt.Sprintf("source %d", i), ReasonNotMember, time.Now())
	}
	if len(c.peers) != maxTrackedPeers+1 {
		t.Fatalf("tracked %d senders, want the bound %d plus %q", len(c.peers), maxTrackedPeers, otherPeers)
	}
	if got, want := c.peers[otherPeers].Rejected[ReasonNotMember], uint64(n-maxTrackedPeers); got != want {
		t.Errorf("%q rejected %d, want %d", otherPeers, got, want)
	}
	// A sender already tracked keeps its own entry.
	c.opened("source 0", 10, 1, time.Now())
	if got := c.peers["source 0"].Opened; got != 1 {
		t.Errorf("source 0 opened %d, want 1", got)
	}
}
