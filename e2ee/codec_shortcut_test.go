package e2ee

import (
	"bytes"
	"testing"
)

// shortcutFrames returns the frames the shortcut tests run: every sample
// frame, and for every codec every first byte followed by 0 to 11 more
// bytes (which covers empty, truncated and both VP8 frame types).
func shortcutFrames(t *testing.T) (codecs []Codec, frames [][]byte) {
	for _, s := range loadSamples(t) {
		for _, f := range s.frames {
			codecs, frames = append(codecs, s.codec), append(frames, f)
		}
	}
	for c := CodecOpus; c <= CodecAV1+1; c++ {
		codecs, frames = append(codecs, c), append(frames, nil)
		for b := range 256 {
			for n := range 12 {
				f := append([]byte{byte(b)}, testFrame(n, byte(b))...)
				codecs, frames = append(codecs, c), append(frames, f)
			}
		}
	}
	return codecs, frames
}

// TestSplitShort checks Seal's shortcut against split: whenever
// splitShort applies, it gives exactly what split gives, and it applies to
// every Opus frame split accepts and every VP8 inter frame.
func TestSplitShort(t *testing.T) {
	codecs, frames := shortcutFrames(t)
	applied := map[Codec]int{}
	for i, frame := range frames {
		c := codecs[i]
		dst := []byte("dst")
		prefix, payload, err := c.split(bytes.Clone(dst), frame)
		sp, spay, ok := c.splitShort(bytes.Clone(dst), frame)
		if !ok {
			if err == nil && (c == CodecOpus || (c == CodecVP8 && frame[0]&vp8InterFrameFlag != 0)) {
				t.Fatalf("%v frame %x: splitShort does not apply", c, frame[:min(len(frame), 12)])
			}
			continue
		}
		applied[c]++
		if err != nil || !bytes.Equal(sp, prefix) || !bytes.Equal(spay, payload) ||
			(len(payload) > 0 && &spay[0] != &payload[0]) {
			t.Fatalf("%v frame %x: splitShort %x %x, split %x %x %v", c, frame[:min(len(frame), 12)], sp, spay, prefix, payload, err)
		}
	}
	if applied[CodecOpus] == 0 || applied[CodecVP8] == 0 || len(applied) != 2 {
		t.Fatalf("splitShort applied to %v", applied)
	}
	t.Logf("%d frames, splitShort applied to %v", len(frames), applied)
}

// TestFrameMinLen checks Open's shortcut against checkFrame: whenever
// frameMinLen applies to a clear part, a frame the receiver rebuilds from
// it (framePrefix(clear) || plaintext) passes checkFrame if and only if it
// is at least that long; and it applies to the clear part of every Opus
// frame and VP8 inter frame.
func TestFrameMinLen(t *testing.T) {
	codecs, frames := shortcutFrames(t)
	applied := map[Codec]int{}
	checked := 0
	for i, frame := range frames {
		c := codecs[i]
		prefix, payload, err := c.split(nil, frame)
		if err != nil {
			continue
		}
		p, err := ParsePacket(append(prefix, 0))
		if err != nil {
			t.Fatal(err)
		}
		m := c.frameMinLen(p.Clear)
		if m == 0 {
			if c == CodecOpus || (c == CodecVP8 && frame[0]&vp8InterFrameFlag != 0) {
				t.Fatalf("%v frame %x: frameMinLen does not apply", c, frame[:min(len(frame), 12)])
			}
			continue
		}
		applied[c]++
		// Every length of plaintext up to the payload's, and beyond.
		for n := 0; n <= len(payload)+2; n++ {
			pt := testFrame(n, 7)
			if n <= len(payload) {
				pt = payload[:n]
			}
			rebuilt := append(bytes.Clone(c.framePrefix(p.Clear)), pt...)
			if got, want := len(rebuilt) >= m, c.checkFrame(p.Clear, rebuilt) == nil; got != want {
				t.Fatalf("%v clear %x, %d-byte frame: frameMinLen %d says %v, checkFrame %v", c, p.Clear, len(rebuilt), m, got, want)
			}
			checked++
		}
	}
	if applied[CodecOpus] == 0 || applied[CodecVP8] == 0 || len(applied) != 2 {
		t.Fatalf("frameMinLen applied to %v", applied)
	}
	t.Logf("%d frames, frameMinLen applied to %v, %d rebuilt frames checked", len(frames), applied, checked)
}
