package capture

import (
	"bytes"
	"slices"
	"testing"

	"github.com/sealroom/sealroom/examples/wire"
)

// TestRecorder: the Recorder keeps copies (the relay reuses its
// buffers), the wire form parses back to the frame, and frames past the
// budget are counted, not kept.
func TestRecorder(t *testing.T) {
	m := &wire.MediaFrame{StreamID: 2, Sequence: 9, TimestampUS: 1234, Payload: []byte("sealed packet"), Source: 3}
	size := wire.MediaSize(m)
	r := NewRecorder(2 * size)
	for range 3 {
		r.Observe("room", m)
	}
	m.Payload[0] = 'X' // the relay reuses its memory
	frames, bytesKept, skipped := r.Stats()
	if frames != 2 || bytesKept != 2*size || skipped != 1 {
		t.Fatalf("stats %d frames, %d bytes, %d skipped; want 2, %d, 1", frames, bytesKept, skipped, 2*size)
	}
	f := r.Frames()[0]
	if f.Room != "room" || f.Source != 3 || f.Stream != 2 || f.Sequence != 9 || string(f.Payload) != "sealed packet" {
		t.Errorf("frame %+v", f)
	}
	var back wire.MediaFrame
	if err := wire.ParseMedia(f.Wire, 1<<10, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.Payload) != "sealed packet" || back.Source != 3 || back.TimestampUS != 1234 {
		t.Errorf("wire form parses to %+v", &back)
	}
}

// TestIndex: every 16-byte window of an indexed frame is found wherever
// it sits, shorter frames are counted and not indexed, and a byte string
// that holds no window is clean.
func TestIndex(t *testing.T) {
	x := NewIndex()
	frame := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	x.Add(frame)
	x.Add([]byte("short"))
	if x.Frames() != 2 || x.Short() != 1 || x.Windows() != len(frame)-WindowSize+1 {
		t.Fatalf("%d frames, %d short, %d windows", x.Frames(), x.Short(), x.Windows())
	}
	for i := 0; i+WindowSize <= len(frame); i++ {
		hay := slices.Concat(bytes.Repeat([]byte{0xff}, 7), frame[i:i+WindowSize], []byte{0xfe})
		if got := x.Scan(hay); !slices.Equal(got, []int{7}) {
			t.Errorf("window %d found at %v, want [7]", i, got)
		}
	}
	// Fifteen bytes of a window, or a window with one byte changed, is
	// not a hit.
	changed := bytes.Clone(frame[:WindowSize])
	changed[5] ^= 1
	for _, hay := range [][]byte{frame[:WindowSize-1], changed, []byte("short short short short")} {
		if got := x.Scan(hay); len(got) != 0 {
			t.Errorf("%q: hits at %v", hay, got)
		}
	}
	if got := x.Scan(frame); len(got) != len(frame)-WindowSize+1 {
		t.Errorf("the frame itself: %d hits", len(got))
	}
}
