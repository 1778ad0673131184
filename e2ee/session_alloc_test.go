package e2ee

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSessionAllocs checks that Seal and Open allocate nothing in the
// steady state on the real group, given a dst with room: for Opus
// frames, VP8 inter frames (their fast paths) and VP8 key frames.
func TestSessionAllocs(t *testing.T) {
	video := videoFrames(t)
	if video[0][0]&1 != 0 || video[20][0]&1 != 1 {
		t.Fatal("video.ivf: frame 0 is not a key frame or frame 20 not an inter frame")
	}
	cases := []struct {
		name  string
		codec Codec
		frame []byte
	}{
		{"opus-160", CodecOpus, testFrame(160, 1)},
		{"vp8-inter", CodecVP8, video[20]},
		{"vp8-key", CodecVP8, video[0]},
	}
	const runs = 100
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCall(t, Config{}, "alice", "bob")
			alice, bob := c.member("alice").s, c.member("bob").s
			// The end of the grace period of the epochs before.
			c.clock.Advance(DefaultGrace)
			alice.Tick()
			bob.Tick()
			// A first frame derives bob's receive keys.
			c.open("bob", "alice", c.seal("alice", tc.codec, tc.frame), tc.frame)

			dst := make([]byte, 0, len(tc.frame)+alice.MaxOverhead())
			if n := testing.AllocsPerRun(runs, func() {
				pkt, err := alice.Seal(dst, tc.frame, tc.codec)
				if err != nil || len(pkt) <= len(tc.frame) {
					t.Fatalf("seal: %d bytes, %v", len(pkt), err)
				}
			}); n != 0 {
				t.Errorf("Seal: %v allocations", n)
			}
			// The packets to open, sealed outside the count.
			pkts := make([][]byte, runs+1)
			for i := range pkts {
				pkts[i] = c.seal("alice", tc.codec, tc.frame)
			}
			i := 0
			if n := testing.AllocsPerRun(runs, func() {
				out, snd, err := bob.Open(dst, pkts[i])
				if err != nil || len(out) != len(tc.frame) || string(snd.Identity) != "alice" {
					t.Fatalf("open: %d bytes from %q, %v", len(out), snd.Identity, err)
				}
				i++
			}); n != 0 {
				t.Errorf("Open: %v allocations", n)
			}
			if i != runs+1 {
				t.Fatalf("opened %d packets, want %d", i, runs+1)
			}
		})
	}
}

// videoFrames returns the VP8 frames of the examples' video,
// examples/testdata/video.ivf.
func videoFrames(tb testing.TB) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "testdata", "video.ivf"))
	if err != nil {
		tb.Fatal(err)
	}
	frames, err := readIVF(data)
	if err != nil {
		tb.Fatal(err)
	}
	return frames
}
