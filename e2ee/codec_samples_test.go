package e2ee

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Test-only readers that cut the sample files in testdata/ into the units
// an encoder hands to the Session: IVF frames (VP8, VP9, AV1 temporal
// units), Annex B access units (H.264, H.265) and Ogg packets (Opus). They
// are deliberately simple, and bounded: every length is checked against the
// bytes that are left.

// sample is one file of testdata/ with what ffprobe said about it.
type sample struct {
	file   string
	codec  Codec
	frames [][]byte
	// keyframes holds ffprobe's per-packet key flags, from
	// testdata/ffprobe.txt.
	keyframes []bool
}

// sampleFiles maps each sample file to its codec.
var sampleFiles = []struct {
	file  string
	codec Codec
}{
	{"opus.ogg", CodecOpus},
	{"vp8.ivf", CodecVP8},
	{"vp9.ivf", CodecVP9},
	{"vp9-profile1.ivf", CodecVP9},
	{"h264.h264", CodecH264},
	{"h265.h265", CodecH265},
	{"av1.ivf", CodecAV1},
}

const maxSampleUnit = 1 << 20

// loadSamples reads every sample file and checks its unit count against
// testdata/ffprobe.txt, so that a reader that drops or merges units fails.
func loadSamples(tb testing.TB) []sample {
	tb.Helper()
	probe := readProbe(tb)
	var out []sample
	for _, sf := range sampleFiles {
		data, err := os.ReadFile(filepath.Join("testdata", sf.file))
		if err != nil {
			tb.Fatal(err)
		}
		var frames [][]byte
		switch sf.codec {
		case CodecOpus:
			frames, err = readOggOpus(data)
		case CodecH264, CodecH265:
			frames, err = readAnnexBAccessUnits(sf.codec, data)
		default:
			frames, err = readIVF(data)
		}
		if err != nil {
			tb.Fatalf("%s: %v", sf.file, err)
		}
		keys, ok := probe[sf.file]
		if !ok {
			tb.Fatalf("%s: no line in testdata/ffprobe.txt", sf.file)
		}
		if len(frames) != len(keys) {
			tb.Fatalf("%s: read %d units, ffprobe counted %d", sf.file, len(frames), len(keys))
		}
		out = append(out, sample{file: sf.file, codec: sf.codec, frames: frames, keyframes: keys})
	}
	return out
}

// readProbe reads testdata/ffprobe.txt: "file count flags", flags holding
// one K (key) or _ per packet, as ffprobe -show_packets printed them.
func readProbe(tb testing.TB) map[string][]bool {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "ffprobe.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	m := make(map[string][]bool)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			tb.Fatalf("ffprobe.txt: bad line %q", line)
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil || n != len(fields[2]) {
			tb.Fatalf("ffprobe.txt: count %q does not match flags in %q", fields[1], line)
		}
		keys := make([]bool, n)
		for i, ch := range fields[2] {
			keys[i] = ch == 'K'
		}
		m[fields[0]] = keys
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return m
}

// readIVF returns the frames of an IVF file: a 32-byte header starting
// with "DKIF", then per frame a 12-byte header (4-byte little-endian size,
// 8-byte timestamp) and the frame.
func readIVF(b []byte) ([][]byte, error) {
	if len(b) < 32 || string(b[:4]) != "DKIF" {
		return nil, errors.New("ivf: no DKIF header")
	}
	hdrLen := int(binary.LittleEndian.Uint16(b[6:]))
	if hdrLen < 32 || hdrLen > len(b) {
		return nil, errors.New("ivf: bad header length")
	}
	var frames [][]byte
	for p := hdrLen; p < len(b); {
		if len(b)-p < 12 {
			return nil, fmt.Errorf("ivf: frame header truncated at %d", p)
		}
		n := int(binary.LittleEndian.Uint32(b[p:]))
		p += 12
		if n > maxSampleUnit || n > len(b)-p {
			return nil, fmt.Errorf("ivf: frame of %d bytes at %d runs past the end", n, p)
		}
		frames = append(frames, b[p:p+n:p+n])
		p += n
	}
	return frames, nil
}

// readAnnexBAccessUnits cuts an Annex B elementary stream into access units
// at its access unit delimiters (H.264 NAL type 9, H.265 type 35), which the
// samples were encoded with. A start code's leading zero byte belongs to the
// access unit it starts.
func readAnnexBAccessUnits(c Codec, b []byte) ([][]byte, error) {
	var starts []int
	for i := 0; i+3 < len(b); i++ {
		if b[i] != 0 || b[i+1] != 0 || b[i+2] != 1 {
			continue
		}
		var aud bool
		if c == CodecH264 {
			aud = b[i+3]&0x1f == 9
		} else {
			aud = b[i+3]>>1&0x3f == 35
		}
		if aud {
			s := i
			if s > 0 && b[s-1] == 0 {
				s--
			}
			starts = append(starts, s)
		}
		i += 2
	}
	if len(starts) == 0 || starts[0] != 0 {
		return nil, errors.New("annexb: stream does not start with an access unit delimiter")
	}
	var aus [][]byte
	for i, s := range starts {
		end := len(b)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		if end-s > maxSampleUnit {
			return nil, errors.New("annexb: access unit too large")
		}
		aus = append(aus, b[s:end:end])
	}
	return aus, nil
}

// readOggOpus returns the audio packets of an Ogg Opus file (RFC 7845):
// the packets of all pages of the first logical stream, without the
// OpusHead and OpusTags header packets. An Ogg page (RFC 3533 §6) is
// "OggS", version 0, header type, granule position (8), serial (4),
// sequence (4), CRC (4), the number of segments and the segment table; a
// packet ends at a segment shorter than 255 bytes.
func readOggOpus(b []byte) ([][]byte, error) {
	var packets [][]byte
	var cur []byte
	for p := 0; p < len(b); {
		if len(b)-p < 27 || string(b[p:p+4]) != "OggS" || b[p+4] != 0 {
			return nil, fmt.Errorf("ogg: no page at %d", p)
		}
		nseg := int(b[p+26])
		p += 27
		if len(b)-p < nseg {
			return nil, errors.New("ogg: segment table truncated")
		}
		lacing := b[p : p+nseg]
		p += nseg
		for _, l := range lacing {
			if int(l) > len(b)-p || len(cur)+int(l) > maxSampleUnit {
				return nil, errors.New("ogg: segment runs past the end")
			}
			cur = append(cur, b[p:p+int(l)]...)
			p += int(l)
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
	}
	if len(cur) != 0 {
		return nil, errors.New("ogg: last packet unterminated")
	}
	if len(packets) < 2 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) || !bytes.HasPrefix(packets[1], []byte("OpusTags")) {
		return nil, errors.New("ogg: no OpusHead and OpusTags packets")
	}
	return packets[2:], nil
}

// TestExampleMedia checks the media checked in for the example clients
// (examples/testdata, see its SOURCE): the counts its note gives, and that
// every frame goes through its codec's policy and back.
func TestExampleMedia(t *testing.T) {
	dir := filepath.Join("..", "examples", "testdata")
	video, err := os.ReadFile(filepath.Join(dir, "video.ivf"))
	if err != nil {
		t.Fatal(err)
	}
	audio, err := os.ReadFile(filepath.Join(dir, "audio.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := readIVF(video)
	if err != nil {
		t.Fatal(err)
	}
	packets, err := readOggOpus(audio)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 150 || len(packets) != 251 {
		t.Fatalf("%d video frames, %d audio packets; SOURCE says 150 and 251", len(frames), len(packets))
	}
	var keys []int
	for i, f := range frames {
		_, info := clearInfo(t, CodecVP8, f)
		if info.Keyframe {
			keys = append(keys, i)
			if info.Width != 320 || info.Height != 240 {
				t.Errorf("frame %d: %dx%d", i, info.Width, info.Height)
			}
		}
		roundTripSample(t, CodecVP8, f)
	}
	if fmt.Sprint(keys) != "[0 30 60 90 120]" {
		t.Errorf("key frames at %v", keys)
	}
	for _, p := range packets {
		roundTripSample(t, CodecOpus, p)
	}
}

func roundTripSample(t *testing.T, c Codec, frame []byte) {
	t.Helper()
	_, clear, payload := splitClear(t, c, frame)
	if got, err := c.join(nil, clear, payload); err != nil || !bytes.Equal(got, frame) {
		t.Fatalf("%v: round trip failed: %v", c, err)
	}
}
