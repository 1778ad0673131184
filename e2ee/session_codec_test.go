package e2ee

import (
	"bytes"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

// TestSessionSamples runs every frame of every sample file in testdata
// through Session.Seal and Session.Open, and checks that flipping any bit
// in front of the ciphertext (codec byte, clear length, clear part, SFrame
// header) makes Open fail without releasing anything, while the original
// packet still opens afterwards.
func TestSessionSamples(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	alice, bob := c.member("alice").s, c.member("bob").s
	frames, flips := 0, 0
	for _, smp := range loadSamples(t) {
		for i, f := range smp.frames {
			dst := make([]byte, 0, len(f)+alice.MaxOverhead()+MaxClearLen)
			pkt, err := alice.Seal(dst, f, smp.codec)
			if err != nil {
				t.Fatalf("%s frame %d: %v", smp.file, i, err)
			}
			p := mustParse(t, pkt)
			if p.Codec != smp.codec {
				t.Fatalf("%s frame %d: packet of codec %v", smp.file, i, p.Codec)
			}
			info, err := p.Info()
			if err != nil || (info.Keyframe != smp.keyframes[i] && smp.codec != CodecOpus) {
				t.Fatalf("%s frame %d: relay view %+v, %v; ffprobe key=%v", smp.file, i, info, err, smp.keyframes[i])
			}
			_, rest, err := frame.ParseHeader(p.SFrame)
			if err != nil {
				t.Fatal(err)
			}
			covered := len(pkt) - len(rest) // prefix and SFrame header
			for bit := 0; bit < 8*covered; bit++ {
				bad := bytes.Clone(pkt)
				bad[bit/8] ^= 1 << (bit % 8)
				out, _, err := bob.Open(nil, bad)
				if err == nil || out != nil {
					t.Fatalf("%s frame %d: flipping bit %d of the packet went unnoticed", smp.file, i, bit)
				}
				flips++
			}
			got, snd, err := bob.Open(make([]byte, 0, len(f)), pkt)
			if err != nil {
				t.Fatalf("%s frame %d: %v", smp.file, i, err)
			}
			if !bytes.Equal(got, f) || string(snd.Identity) != "alice" {
				t.Fatalf("%s frame %d: round trip differs", smp.file, i)
			}
			frames++
		}
	}
	// 26 Opus + 12 VP8 + 12 VP9 + 6 VP9 profile 1 + 12 H.264 + 12 H.265 + 12 AV1.
	if frames != 92 {
		t.Fatalf("%d frames, the samples hold 92", frames)
	}
	t.Logf("%d frames, %d bit flips rejected", frames, flips)
}

// TestClearMismatchFromMember: a member that seals a frame with a clear
// part that does not describe it (authentic, but lying to the relay) gets
// the frame dropped by receivers with ErrClearMismatch.
func TestClearMismatchFromMember(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	alice, bob := c.member("alice").s, c.member("bob").s
	var key, inter []byte
	for _, smp := range loadSamples(t) {
		if smp.codec == CodecH264 {
			key, inter = smp.frames[0], smp.frames[1]
		}
	}
	// The IDR access unit's clear part (its NAL headers, which a relay
	// reads as a key frame) in front of an inter access unit. (With VP8
	// and VP9 the clear part is the frame's own prefix, so it cannot
	// disagree with the frame.)
	prefix, _, err := CodecH264.split(nil, key)
	if err != nil {
		t.Fatal(err)
	}
	pkt, err := alice.ks.Seal(bytes.Clone(prefix), 0, prefix, inter)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := bob.Open(nil, pkt)
	mustFail(t, "lying clear part", err, ErrClearMismatch)
	if out != nil {
		t.Fatal("a rejected frame was returned")
	}
}
