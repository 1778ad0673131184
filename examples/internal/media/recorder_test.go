package media

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestRecorder records two senders' audio and video from two goroutines,
// one of them joining late, and reads every file back.
func TestRecorder(t *testing.T) {
	video := frames(sampleTrack(t, sampleVideo, sampleVideoSHA256))
	audio := sampleTrack(t, sampleAudio, sampleAudioSHA256)
	dir := filepath.Join(t.TempDir(), "bob")
	r, err := NewRecorder(dir, RecorderConfig{Audio: audio.Opus()})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, sender := range []string{"alice", "carol.2"} {
		wg.Go(func() {
			from := 0
			if sender == "carol.2" {
				from = 40 // joins mid-call: video waits for frame 60
			}
			for i := from; i < len(video); i++ {
				if err := r.WriteFrame(sender, video[i]); err != nil {
					t.Error(err)
					return
				}
				for _, f := range frames(audio)[i*251/150 : (i+1)*251/150] {
					if err := r.WriteFrame(sender, f); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := r.WriteFrame("alice", video[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteFrame after Close: %v, want ErrClosed", err)
	}
	want := []Recorded{
		{"alice", VP8, filepath.Join(dir, "alice-vp8.ivf"), SinkStats{Written: 150}},
		{"alice", Opus, filepath.Join(dir, "alice-opus.ogg"), SinkStats{Written: 251}},
		{"carol.2", VP8, filepath.Join(dir, "carol.2-vp8.ivf"), SinkStats{Written: 90, Skipped: 20}},
		{"carol.2", Opus, filepath.Join(dir, "carol.2-opus.ogg"), SinkStats{Written: 251 - 40*251/150}},
	}
	files := r.Files()
	if len(files) != len(want) {
		t.Fatalf("Files() = %v", files)
	}
	for i, f := range files {
		if f != want[i] {
			t.Errorf("file %d: %+v, want %+v", i, f, want[i])
		}
		tr, err := Open(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if uint64(tr.Len()) != f.Stats.Written {
			t.Errorf("%s: %d frames read back, %d written", f.Path, tr.Len(), f.Stats.Written)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 4 {
		t.Errorf("%d files in %s, want 4: %v", len(entries), dir, err)
	}
}

func TestRecorderErrors(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRecorder(dir, RecorderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	good := Frame{Codec: Opus, Payload: []byte{toc20ms}}
	for _, name := range []string{"", ".hidden", "..", "a/b", `a\b`, "a b", strings.Repeat("x", 65), "é"} {
		if err := r.WriteFrame(name, good); !errors.Is(err, ErrBadName) {
			t.Errorf("sender %q: %v, want ErrBadName", name, err)
		}
	}
	if err := r.WriteFrame(strings.Repeat("x", 64), good); err != nil {
		t.Errorf("64-character name: %v", err)
	}
	if err := r.WriteFrame("alice", Frame{Codec: 7, Payload: []byte{1}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("codec 7: %v, want ErrUnsupported", err)
	}
	if err := r.WriteFrame("alice", Frame{Codec: Opus}); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "alice-opus.ogg") {
		t.Errorf("empty Opus packet: %v, want ErrMalformed naming the file", err)
	}
	if _, err := NewRecorder(filepath.Join(dir, "alice-opus.ogg", "sub"), RecorderConfig{}); err == nil {
		t.Error("NewRecorder under a file succeeded")
	}
	// Three channels need a channel mapping table pion does not write:
	// the first packet fails, and leaves no file behind.
	dir3 := t.TempDir()
	r3, err := NewRecorder(dir3, RecorderConfig{Audio: OpusInfo{Channels: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r3.WriteFrame("alice", good); !errors.Is(err, ErrUnsupported) {
		t.Errorf("3 channels: %v, want ErrUnsupported", err)
	}
	if entries, _ := os.ReadDir(dir3); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}
