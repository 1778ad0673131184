package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/ffprobe"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/relay"
)

// TestClient runs two clients of the command against an in-process
// relay, one creating the group and one invited: each records the other's
// audio and video, our readers and ffprobe read the files back, and
// their frames are frames of the sample media.
func TestClient(t *testing.T) {
	srv, err := relay.New(relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pin := srv.CertificateSHA256()
	testdata := filepath.Join("..", "testdata")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	type result struct {
		out  bytes.Buffer
		dir  string
		err  error
		args []string
	}
	clients := map[string]*result{}
	var wg sync.WaitGroup
	for i, name := range []string{"alice", "bob"} {
		r := &result{dir: t.TempDir()}
		clients[name] = r
		r.args = []string{
			"-relay", srv.Addr().String(), "-room", "r", "-name", name, "-pin", hex.EncodeToString(pin[:]),
			"-audio", filepath.Join(testdata, "audio.ogg"), "-video", filepath.Join(testdata, "video.ivf"),
			"-out", r.dir, "-duration", "3s", "-stats", "1s", "-grace", "300ms",
		}
		if name == "bob" {
			r.args = append(r.args, "-join", "invite")
		}
		wg.Go(func() {
			// bob connects once alice has had time to create the group.
			time.Sleep(time.Duration(i) * 300 * time.Millisecond)
			var stderr bytes.Buffer
			r.err = run(ctx, r.args, &r.out, &stderr)
			if s := stderr.String(); s != "" {
				t.Logf("%s stderr: %s", name, s)
			}
		})
	}
	wg.Wait()

	sample := map[media.Codec]map[string]bool{}
	for _, file := range []string{"audio.ogg", "video.ivf"} {
		tr, err := media.Open(filepath.Join(testdata, file))
		if err != nil {
			t.Fatal(err)
		}
		frames := map[string]bool{}
		for i := range tr.Len() {
			frames[string(tr.Frame(i).Payload)] = true
		}
		sample[tr.Codec()] = frames
	}
	recorded := map[string]int{} // path: frames our reader read
	for name, r := range clients {
		t.Logf("%s:\n%s", name, r.out.String())
		if r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
		other := map[string]string{"alice": "bob", "bob": "alice"}[name]
		for _, file := range []string{other + "-vp8.ivf", other + "-opus.ogg"} {
			path := filepath.Join(r.dir, file)
			tr, err := media.Open(path)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if tr.Len() < 10 {
				t.Errorf("%s holds %d frames", path, tr.Len())
			}
			foreign := 0
			for i := range tr.Len() {
				if !sample[tr.Codec()][string(tr.Frame(i).Payload)] {
					foreign++
				}
			}
			// The Ogg writer conceals lost packets with packets of its
			// own; nothing was lost here.
			if foreign > 0 {
				t.Errorf("%s: %d of %d frames are not frames of the sample", path, foreign, tr.Len())
			}
			recorded[path] = tr.Len()
		}
		if out := r.out.String(); !strings.Contains(out, "safety code") || !strings.Contains(out, "recorded ") {
			t.Errorf("%s printed no state or recordings", name)
		}
	}

	t.Run("ffprobe", func(t *testing.T) {
		if ffprobe.Path() == "" {
			t.Skip("ffprobe not installed (apt-get install ffmpeg): the recordings were read by our own readers only")
		}
		if len(recorded) != 4 {
			t.Errorf("%d recordings read back, want 4", len(recorded))
		}
		for path, frames := range recorded {
			st, err := ffprobe.Probe(path)
			if err != nil || st.Packets != frames {
				t.Errorf("ffprobe %s: %+v, %v; want %d packets", path, st, err, frames)
			}
		}
	})
}

// TestClientFlags: bad command lines are refused with a message that
// says what is wrong, before connecting.
func TestClientFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-insecure"}, "-name is required"},
		{[]string{"-name", "a", "-insecure", "-join", "sideways"}, "join mode"},
		{[]string{"-name", "a"}, "-pin"},
		{[]string{"-name", "a", "-pin", "zz"}, "-pin"},
		{[]string{"-name", "a", "-insecure", "-audio", "", "-video", "no/such/file.ivf"}, "no/such/file.ivf"},
		{[]string{"-name", "a", "-insecure", "extra"}, "unexpected arguments"},
	} {
		var out, errs bytes.Buffer
		err := run(t.Context(), tc.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}
