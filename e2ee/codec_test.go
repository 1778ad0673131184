package e2ee

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/clear.golden from the samples")

// splitClear runs split on a fresh buffer and cuts the returned packet
// prefix into its codec byte, length and clear part, checking the framing.
func splitClear(t testing.TB, c Codec, frame []byte) (prefix, clear, payload []byte) {
	t.Helper()
	prefix, payload, err := c.split(nil, frame)
	if err != nil {
		t.Fatalf("%v: split: %v", c, err)
	}
	if len(prefix) < 2 || Codec(prefix[0]) != c {
		t.Fatalf("%v: prefix %x does not start with the codec byte", c, prefix)
	}
	n, k, ok := readClearLen(prefix[1:])
	if !ok || 1+k+n != len(prefix) {
		t.Fatalf("%v: prefix %x: bad clear length", c, prefix)
	}
	return prefix, prefix[1+k:], payload
}

// referenceClear computes the clear part of a frame the slow, obvious way,
// independently of the policy code, for a differential check.
func referenceClear(c Codec, frame []byte) []byte {
	var out []byte
	switch c {
	case CodecVP8:
		if frame[0]&1 == 0 {
			return frame[:10]
		}
		return frame[:1]
	case CodecVP9:
		// Both VP9 samples are profile 0 or 1 with a non-RGB color space:
		// key frames need 8+24+4+32 (profile 0) or 8+24+7+32 (profile 1)
		// bits, 9 bytes either way; inter frames need 8 bits.
		if frame[0]>>2&1 == 0 && frame[0]>>3&1 == 0 {
			return frame[:9]
		}
		return frame[:1]
	case CodecH264, CodecH265:
		// The headers up to and including the first slice's.
		for i := 0; i+2 < len(frame); i++ {
			if frame[i] == 0 && frame[i+1] == 0 && frame[i+2] == 1 {
				h := i + 3
				n := 1
				var slice bool
				if c == CodecH265 {
					n = 2
					slice = frame[h]>>1&63 < 32
				} else {
					t := frame[h] & 0x1f
					if t == 14 || t == 20 || t == 21 {
						n = 4
					}
					slice = t >= 1 && t <= 5 || t == 20 || t == 21
				}
				out = append(out, frame[h:h+n]...)
				if slice {
					break
				}
				i = h + n - 1
			}
		}
	case CodecAV1:
		for p := 0; p < len(frame); {
			h := frame[p]
			start := p
			p++
			if h&4 != 0 {
				p++
			}
			out = append(out, frame[start:p]...)
			size := len(frame) - p
			if h&2 != 0 {
				size = 0
				for shift := 0; ; shift += 7 {
					b := frame[p]
					p++
					size |= int(b&0x7f) << shift
					if b < 0x80 {
						break
					}
				}
			}
			if t := h >> 3 & 15; t == 3 || t == 6 || t == 7 {
				out = append(out, frame[p])
			}
			p += size
		}
	}
	return out
}

func TestSplitJoinSamples(t *testing.T) {
	ran, want := 0, 0
	for _, s := range loadSamples(t) {
		want += len(s.frames)
		keys := 0
		for i, frame := range s.frames {
			name := fmt.Sprintf("%s frame %d", s.file, i)
			prefix, clear, payload := splitClear(t, s.codec, frame)

			if ref := referenceClear(s.codec, frame); !bytes.Equal(clear, ref) {
				t.Fatalf("%s: clear part %x, reference %x", name, clear, ref)
			}
			// The payload is the frame (or its tail), never a copy.
			if s.codec.framePrefix(clear) == nil {
				if len(payload) != len(frame) || &payload[0] != &frame[0] {
					t.Fatalf("%s: payload is not the frame itself", name)
				}
			} else if len(payload) != len(frame)-len(clear) || (len(payload) > 0 && &payload[0] != &frame[len(clear)]) {
				t.Fatalf("%s: payload is not the frame after its clear prefix", name)
			}

			// The relay's view: a packet with some SFrame bytes behind.
			pkt := append(bytes.Clone(prefix), 0x10, 0xaa, 0xbb)
			p, err := ParsePacket(pkt)
			if err != nil {
				t.Fatalf("%s: ParsePacket: %v", name, err)
			}
			if p.Codec != s.codec || !bytes.Equal(p.Clear, clear) || !bytes.Equal(p.Metadata, prefix) || !bytes.Equal(p.SFrame, pkt[len(prefix):]) {
				t.Fatalf("%s: ParsePacket returned %+v", name, p)
			}
			info, err := p.Info()
			if err != nil {
				t.Fatalf("%s: Info: %v", name, err)
			}
			wantKey := s.keyframes[i] && s.codec != CodecOpus
			if info.Keyframe != wantKey {
				t.Errorf("%s: Keyframe = %v, ffprobe says %v", name, info.Keyframe, wantKey)
			}
			if info.Keyframe {
				keys++
			}
			if (s.codec == CodecVP8 || s.codec == CodecVP9) && info.Keyframe && (info.Width != 176 || info.Height != 144) {
				t.Errorf("%s: size %dx%d, want 176x144", name, info.Width, info.Height)
			}
			if s.codec != CodecOpus && info.ParameterSets != (info.Keyframe && s.codec != CodecVP8 && s.codec != CodecVP9) {
				// The encoders repeat their parameter sets on every key
				// frame and nowhere else.
				t.Errorf("%s: ParameterSets = %v on a frame with Keyframe = %v", name, info.ParameterSets, info.Keyframe)
			}

			got, err := s.codec.join(nil, clear, payload)
			if err != nil {
				t.Fatalf("%s: join: %v", name, err)
			}
			if !bytes.Equal(got, frame) {
				t.Fatalf("%s: join did not give back the frame", name)
			}
			ran++
		}
		if s.codec != CodecOpus && keys == 0 {
			t.Errorf("%s: no key frame seen", s.file)
		}
	}
	if ran != want || ran == 0 {
		t.Fatalf("ran %d frames of %d", ran, want)
	}
	t.Logf("%d sample frames split, parsed and joined", ran)
}

// TestClearGolden pins the clear part of every sample frame to the values
// checked in as testdata/clear.golden (generated once with -update), so that
// a change of policy shows up as a diff.
func TestClearGolden(t *testing.T) {
	var b strings.Builder
	fmt.Fprintln(&b, "# clear part of every sample frame: file index keyframe hex(clear); regenerate with go test -run TestClearGolden -update")
	n := 0
	for _, s := range loadSamples(t) {
		for i, frame := range s.frames {
			clear, info := clearInfo(t, s.codec, frame)
			fmt.Fprintf(&b, "%s %d %v %s\n", s.file, i, info.Keyframe, hex.EncodeToString(clear))
			n++
		}
	}
	path := filepath.Join("testdata", "clear.golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(want))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			lines++
		}
	}
	if lines != n {
		t.Fatalf("clear.golden has %d frames, the samples %d", lines, n)
	}
	if got := b.String(); got != string(want) {
		t.Fatalf("clear parts differ from testdata/clear.golden:\n%s", got)
	}
}

// clearInfo splits frame and parses its clear part.
func clearInfo(t testing.TB, c Codec, frame []byte) ([]byte, FrameInfo) {
	t.Helper()
	_, clear, _ := splitClear(t, c, frame)
	info, err := ParseClear(c, clear)
	if err != nil {
		t.Fatal(err)
	}
	return clear, info
}

// TestSampleLayers checks the layer ids the H.265 sample was encoded with
// (x265 temporal-layers with B frames: the non-reference TSA_N pictures get
// TemporalId 1, the others 0).
func TestSampleLayers(t *testing.T) {
	seen := map[int]int{}
	for _, s := range loadSamples(t) {
		for i, frame := range s.frames {
			_, info := clearInfo(t, s.codec, frame)
			switch s.codec {
			case CodecH265:
				if info.SpatialID != 0 || info.TemporalID < 0 || info.TemporalID > 1 {
					t.Errorf("%s frame %d: layers %d/%d", s.file, i, info.SpatialID, info.TemporalID)
				}
				seen[info.TemporalID]++
			case CodecOpus, CodecVP8, CodecVP9, CodecH264, CodecAV1:
				if info.TemporalID != -1 || info.SpatialID != -1 {
					t.Errorf("%s frame %d: layers %d/%d, want none", s.file, i, info.SpatialID, info.TemporalID)
				}
			}
		}
	}
	if seen[0] == 0 || seen[1] == 0 {
		t.Errorf("H.265 TemporalId counts %v, want both 0 and 1", seen)
	}
}

func TestCodecString(t *testing.T) {
	for c, want := range map[Codec]string{
		0: "Codec(0)", CodecOpus: "opus", CodecVP8: "vp8", CodecVP9: "vp9",
		CodecH264: "h264", CodecH265: "h265", CodecAV1: "av1", 7: "Codec(7)", 255: "Codec(255)",
	} {
		if got := c.String(); got != want {
			t.Errorf("Codec(%d).String() = %q, want %q", uint8(c), got, want)
		}
		if c.IsValid() != (c >= 1 && c <= 6) {
			t.Errorf("Codec(%d).IsValid() = %v", uint8(c), c.IsValid())
		}
	}
}

func TestErrorText(t *testing.T) {
	_, _, err := CodecVP8.split(nil, []byte{0x00, 0x01})
	var ce *CodecError
	if !errors.As(err, &ce) || !errors.Is(err, ErrMalformedFrame) {
		t.Fatalf("err = %v", err)
	}
	const want = "e2ee: malformed frame: vp8: offset 2: VP8 key frame shorter than its 10-byte header"
	if err.Error() != want {
		t.Fatalf("err = %q, want %q", err, want)
	}
}
