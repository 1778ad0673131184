package call

import (
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/capture"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/relay"
)

// TestRelaySeesNoPlaintext: three members call through a relay that
// copies every media frame it forwards; no 16-byte window of any frame
// of the sample media (every frame the members send is one of them)
// appears anywhere in the forwarded bytes, envelopes included. The index
// finds a frame planted in the capture, so a scan that matched nothing
// would not pass.
func TestRelaySeesNoPlaintext(t *testing.T) {
	rec := capture.NewRecorder(64 << 20)
	k := newCall(t, startRelay(t, relay.Options{MediaObserver: rec.Observe}))
	alice, bob, carol, _ := k.trio(nil)
	sleep(1500 * time.Millisecond)

	a, v := tracks(t)
	idx := capture.NewIndex()
	for _, tr := range []*media.Track{a, v} {
		for i := range tr.Len() {
			idx.Add(tr.Frame(i).Payload)
		}
	}
	if idx.Short() > 0 {
		t.Errorf("%d sample frames are shorter than %d bytes and cannot be searched for", idx.Short(), capture.WindowSize)
	}
	frames := rec.Frames()
	_, bytes, skipped := rec.Stats()
	if skipped > 0 {
		t.Fatalf("the capture skipped %d frames", skipped)
	}
	perStream := map[[2]uint32]int{}
	hits := 0
	for _, f := range frames {
		perStream[[2]uint32{f.Source, f.Stream}]++
		if h := idx.Scan(f.Wire); len(h) > 0 {
			hits += len(h)
			t.Errorf("frame %d of source %d stream %d holds plaintext at offsets %v", f.Sequence, f.Source, f.Stream, h)
		}
	}
	t.Logf("scanned %d forwarded frames (%d bytes) for %d windows of %d plaintext frames: %d hits", len(frames), bytes, idx.Windows(), idx.Frames(), hits)
	for _, c := range []*Client{alice, bob, carol} {
		for _, stream := range []uint32{StreamAudio, StreamVideo} {
			if perStream[[2]uint32{c.Source(), stream}] < 10 {
				t.Errorf("captured %d frames of %s's stream %d", perStream[[2]uint32{c.Source(), stream}], c.Name(), stream)
			}
		}
	}

	// The control: a plaintext frame in the middle of forwarded bytes is
	// found.
	plain := v.Frame(v.Len() / 2).Payload
	planted := append(append(append([]byte(nil), frames[0].Wire...), plain...), frames[1].Wire...)
	if h := idx.Scan(planted); len(h) == 0 || h[0] != len(frames[0].Wire) {
		t.Fatalf("a planted plaintext frame was found at %v, want offset %d", h, len(frames[0].Wire))
	}
}
