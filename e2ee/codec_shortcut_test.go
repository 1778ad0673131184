package e2ee

import (
	"bytes"
	"fmt"
	"reflect"
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

// twinReceivers returns a call of one sender, alice, and two Sessions of
// the same member bob, joined from the same Welcome: they hold the same
// keys and, given the same packets, must give the same answers.
func twinReceivers(t testing.TB, cfg Config) (c *testCall, bob1, bob2 *Session) {
	c = newTestCall(t, cfg, "alice")
	bob := newFakeClient(t, testSuite, "bob")
	alice := c.member("alice").s
	cm, err := alice.Invite(bob.keyPackage())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Process(cm.Message); err != nil {
		t.Fatal(err)
	}
	var twins [2]*Session
	for i := range twins {
		g, err := fakeJoinFromWelcome(bob, cm.Welcome)
		if err != nil {
			t.Fatal(err)
		}
		if twins[i], err = newSession(c.cfg, g); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(twins[i].Close)
	}
	return c, twins[0], twins[1]
}

// TestOpenShortcut checks Open's fast path (open, for Opus frames and VP8
// inter frames) against the full one (openFull) on twin receivers: every
// packet, its replay and damaged copies of it (each byte of the framing
// and the SFrame header changed, the tag changed, truncations) give the
// same frame, Sender and error on both, with dst holding bytes before the
// frame and with or without room for more.
func TestOpenShortcut(t *testing.T) {
	for _, cfg := range []Config{{}, {SenderAuth: &SenderAuth{Frames: 16}}} {
		t.Run(fmt.Sprintf("auth=%v", cfg.SenderAuth != nil), func(t *testing.T) {
			c, bob1, bob2 := twinReceivers(t, cfg)
			alice := c.member("alice").s
			codecs, frames := shortcutFrames(t)
			opened := map[Codec]int{}
			variants := 0
			for i, frame := range frames {
				if i%7 != 0 && codecs[i] != CodecOpus && codecs[i] != CodecVP8 {
					continue // the other codecs only ever take the full path
				}
				pkt, err := alice.Seal(nil, frame, codecs[i])
				if err != nil {
					continue
				}
				for v, p := range damaged(pkt) {
					room := 16
					if v%2 == 1 {
						room = 0
					}
					dst := append(make([]byte, 0, 3+len(p)*room), "dst"...)
					out1, snd1, err1 := bob1.Open(dst, p)
					var snd2 Sender
					out2, err2 := bob2.openFull(bytes.Clone(dst), p, &snd2)
					if fmt.Sprint(err1) != fmt.Sprint(err2) || !bytes.Equal(out1, out2) || !reflect.DeepEqual(snd1, snd2) {
						t.Fatalf("%v frame %d, packet %x: open %x %+v %v; openFull %x %+v %v",
							codecs[i], i, p, out1, snd1, err1, out2, snd2, err2)
					}
					if err1 == nil {
						if v != 0 || !bytes.Equal(out1[3:], frame) {
							t.Fatalf("%v frame %d: variant %d opened to %x", codecs[i], i, v, out1)
						}
						opened[codecs[i]]++
					}
					variants++
				}
			}
			if opened[CodecOpus] < 1000 || opened[CodecVP8] < 1000 {
				t.Fatalf("opened %v", opened)
			}
			t.Logf("%d packets and damaged copies, opened %v", variants, opened)
		})
	}
}

// damaged returns pkt and copies of it that must not open once pkt has:
// pkt again (a replay), pkt with each of its first 6 bytes and its last
// byte changed, and pkt cut short by 1 byte and down to 3 bytes.
func damaged(pkt []byte) [][]byte {
	out := [][]byte{pkt, pkt}
	for _, i := range []int{0, 1, 2, 3, 4, 5, len(pkt) - 1} {
		if i < len(pkt) {
			p := bytes.Clone(pkt)
			p[i] ^= 0x01
			out = append(out, p)
		}
	}
	return append(out, pkt[:len(pkt)-1], pkt[:min(3, len(pkt))])
}

// FuzzOpenShortcut is TestOpenShortcut for hostile packets: on twin
// receivers without SenderAuth (so that Open's fast path finishes frames
// itself), Open and openFull give the same frame, Sender and error for
// any packet, with dst holding bytes before the frame and, if room is
// set, room for more (which VP8's fast path needs).
func FuzzOpenShortcut(f *testing.F) {
	c, bob1, bob2 := twinReceivers(f, Config{})
	alice := c.member("alice").s
	for _, s := range loadSamples(f) {
		if s.codec != CodecOpus && s.codec != CodecVP8 {
			continue
		}
		for _, frame := range s.frames[:min(len(s.frames), 4)] {
			pkt, err := alice.Seal(nil, frame, s.codec)
			if err != nil {
				f.Fatal(err)
			}
			// With room first; the second is then a replay.
			f.Add(pkt, true)
			f.Add(pkt, false)
		}
	}
	f.Fuzz(func(t *testing.T, pkt []byte, room bool) {
		extra := 0
		if room {
			extra = 16
		}
		dst := append(make([]byte, 0, 3+len(pkt)+extra), "dst"...)
		out1, snd1, err1 := bob1.Open(dst, pkt)
		var snd2 Sender
		out2, err2 := bob2.openFull(bytes.Clone(dst), pkt, &snd2)
		if fmt.Sprint(err1) != fmt.Sprint(err2) || !bytes.Equal(out1, out2) || !reflect.DeepEqual(snd1, snd2) {
			t.Fatalf("packet %x: open %x %+v %v; openFull %x %+v %v", pkt, out1, snd1, err1, out2, snd2, err2)
		}
		if err1 != nil && out1 != nil {
			t.Fatal("Open returned a frame with an error")
		}
	})
}
