package call

import "testing"

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
