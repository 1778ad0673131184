package media

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestOpusDuration checks the frame size of every TOC configuration (RFC
// 6716 §3.1, Table 2) and the frame count of every code (§3.2).
func TestOpusDuration(t *testing.T) {
	ms := func(tenths int) int { return tenths * 48 / 10 } // tenths of ms -> samples
	want := [32]int{
		100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600, // SILK NB, MB, WB
		100, 200, 100, 200, // Hybrid SWB, FB
		25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200, // CELT
	}
	for config := range 32 {
		toc := byte(config << 3)
		for _, c := range []struct {
			packet []byte
			frames int
		}{
			{[]byte{toc}, 1},
			{[]byte{toc | 4 | 1, 0, 0}, 2}, // stereo, code 1
			{[]byte{toc | 2, 1, 0, 0}, 2},
			{[]byte{toc | 3, 1}, 1},
			{[]byte{toc | 3, 0x80 | 0x40 | 2, 0}, 2}, // VBR and padding flags
		} {
			p, err := parseOpus(c.packet)
			if err != nil {
				t.Fatalf("config %d packet %x: %v", config, c.packet, err)
			}
			if p.frames != c.frames || p.samples != c.frames*ms(want[config]) {
				t.Errorf("config %d packet %x: %d frames of %d samples, want %d of %d", config, c.packet, p.frames, p.samples, c.frames, c.frames*ms(want[config]))
			}
		}
		// The most frames 120 ms allows, and one more.
		maxFrames := 1200 / want[config]
		if _, err := parseOpus([]byte{toc | 3, byte(maxFrames)}); err != nil {
			t.Errorf("config %d: %d frames: %v", config, maxFrames, err)
		}
		if maxFrames < 48 {
			if _, err := parseOpus([]byte{toc | 3, byte(maxFrames + 1)}); !errors.Is(err, ErrMalformed) {
				t.Errorf("config %d: %d frames: %v, want ErrMalformed", config, maxFrames+1, err)
			}
		}
	}
	for _, bad := range [][]byte{nil, {toc20ms | 3}, {toc20ms | 3, 0}, {toc20ms | 3, 0x40}} {
		if _, err := parseOpus(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("parseOpus(%x) = %v, want ErrMalformed", bad, err)
		}
	}
}

// TestOpusGap checks the packets that stand in for lost ones: as long as
// the packet before, with its TOC configuration and stereo flag, and every
// frame empty.
func TestOpusGap(t *testing.T) {
	for _, prev := range [][]byte{
		{toc20ms, 1, 2, 3},
		{toc20ms | 4 | 1, 1, 2},           // stereo, code 1
		{2<<3 | 2, 1, 0, 0},               // SILK 40 ms, code 2
		{19<<3 | 3, 0x80 | 6, 0, 0, 0, 0}, // CELT 10 ms, code 3 VBR, 6 frames
	} {
		p, err := parseOpus(prev)
		if err != nil {
			t.Fatal(err)
		}
		gap := opusGap(nil, prev[0], p)
		g, err := parseOpus(gap)
		if err != nil {
			t.Fatalf("gap after %x: %x: %v", prev, gap, err)
		}
		if g != p || gap[0]>>2 != prev[0]>>2 {
			t.Errorf("gap after %x: %x lasts %d samples in %d frames, want %d in %d, same configuration", prev, gap, g.samples, g.frames, p.samples, p.frames)
		}
		// Frames of zero bytes: code 0 has only the TOC byte; code 3 CBR has
		// no bytes after the count (RFC 6716 §3.2.5).
		if (gap[0]&3 == 0 && len(gap) != 1) || (gap[0]&3 == 3 && (len(gap) != 2 || gap[1]&0xc0 != 0)) || gap[0]&3 == 1 || gap[0]&3 == 2 {
			t.Errorf("gap after %x: %x has non-empty frames", prev, gap)
		}
	}
}

func TestParseVP8(t *testing.T) {
	h, err := parseVP8(vp8Key(320, 240|2<<14, 12))
	if err != nil || !h.key || h.width != 320 || h.height != 240 {
		t.Errorf("key frame: %+v, %v; want 320x240 (scaling bits dropped)", h, err)
	}
	if h, err := parseVP8(vp8Inter(3)); err != nil || h.key {
		t.Errorf("inter frame: %+v, %v", h, err)
	}
	for _, c := range []struct {
		in  []byte
		msg string
	}{
		{nil, "3-byte frame tag"},
		{[]byte{0x31, 0}, "3-byte frame tag"},
		{vp8Key(320, 240, 12)[:9], "10-byte header"},
		{append([]byte{0x10, 2, 0, 0x9d, 0x01, 0x2b}, 1, 1, 1, 1), "start code"},
		{vp8Key(0, 240, 12), "0x240"},
		{vp8Key(320, 0, 12), "320x0"},
	} {
		if _, err := parseVP8(c.in); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("parseVP8(%x) = %v, want ErrMalformed mentioning %q", c.in, err, c.msg)
		}
	}
}

func TestParseFrame(t *testing.T) {
	f, err := ParseFrame(Opus, 7, time.Second, []byte{toc20ms | 1, 0, 0})
	if err != nil || f.Duration != 40*time.Millisecond || f.Seq != 7 || f.Timestamp != time.Second || f.Keyframe {
		t.Errorf("Opus: %+v, %v", f, err)
	}
	f, err = ParseFrame(VP8, 8, 0, vp8Key(2, 2, 10))
	if err != nil || !f.Keyframe || f.Duration != 0 {
		t.Errorf("VP8 key frame: %+v, %v", f, err)
	}
	if _, err := ParseFrame(Codec(9), 0, 0, []byte{1}); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "codec(9)") {
		t.Errorf("codec 9: %v", err)
	}
	if _, err := ParseFrame(Opus, 0, 0, nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty Opus packet: %v", err)
	}
	if VP8.String() != "vp8" || Opus.String() != "opus" {
		t.Errorf("codec names %q, %q", VP8, Opus)
	}
}
