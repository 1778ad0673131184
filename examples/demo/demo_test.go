package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/ffprobe"
	"github.com/sealroom/sealroom/examples/internal/media"
)

// TestDemo runs the demo's scenario in a shorter call: five members,
// one joining mid-call by external commit and one leaving. Every
// receiver opens, unaltered, what the others sent in the epochs they
// shared (a few lost frames allowed), the leaver opens nothing after its
// grace period though the relay keeps sending it the call, the members
// end in one epoch with one safety code, no plaintext window appears in
// what the relay forwarded, and ffprobe accepts every recording.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// Loaded: the test runs beside other jobs on a small machine (see
	// checkReceiver for what a loaded machine may miss).
	s, err := runDemo(ctx, options{Duration: 4 * time.Second, Grace: time.Second, OutDir: t.TempDir(), Out: &out, Loaded: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("output:\n%s", out.String())
	for _, p := range s.Problems {
		t.Errorf("problem: %s", p)
	}
	if !strings.Contains(out.String(), "\nOK: ") {
		t.Error("the summary does not say OK")
	}
	// The newcomer heard every other member, the leaver included: two
	// streams each.
	if n := len(s.Receivers["erin"]); n != 2*(len(cast)-1) {
		t.Errorf("erin has %d stream reports, want %d", n, 2*(len(cast)-1))
	}
	for name, reps := range s.Receivers {
		for _, r := range reps {
			if r.Matched == 0 {
				t.Errorf("%s opened nothing of %v", name, r.Key)
			}
		}
	}
	dep, ok := s.Departed["bob"]
	if !ok || dep.At.IsZero() || dep.RejectedAfterGrace == 0 {
		t.Errorf("bob's departure: %+v", dep)
	}
	if s.Captured == 0 || s.Windows == 0 || s.Hits != 0 {
		t.Errorf("capture: %d frames, %d windows, %d hits", s.Captured, s.Windows, s.Hits)
	}
	if s.Code == "" || len(s.Members) != len(cast)-1 {
		t.Errorf("final state: epoch %d code %q members %v", s.Epoch, s.Code, s.Members)
	}

	t.Run("ffprobe", func(t *testing.T) {
		if ffprobe.Path() == "" {
			t.Skip("ffprobe not installed (apt-get install ffmpeg): the recordings were checked by our own readers only")
		}
		// One receiver's recordings, to keep the test short: erin's, which
		// start mid-call (the IVF waits for a key frame).
		checked := 0
		for _, f := range s.Files["erin"] {
			st, err := ffprobe.Probe(f.Path)
			if err != nil {
				t.Error(err)
				continue
			}
			want := map[media.Codec]string{media.VP8: "vp8", media.Opus: "opus"}[f.Codec]
			// A VP8 file may hold no frame: the IVF writer waits for a
			// key frame, and erin heard bob for a second only.
			if st.Codec != want || uint64(st.Packets) != f.Stats.Written+f.Stats.Concealed {
				t.Errorf("%s: ffprobe reads %d %s packets, want %s and the %v", f.Path, st.Packets, st.Codec, want, f.Stats)
			}
			checked++
		}
		if want := 2 * (len(cast) - 1); checked != want {
			t.Errorf("checked %d recordings, want %d", checked, want)
		}
	})
}
