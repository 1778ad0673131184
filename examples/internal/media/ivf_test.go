package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadIVFSample reads the sample video and checks it against what
// examples/testdata/SOURCE says of it, then rebuilds the file from the
// frames to show nothing was lost, reordered or changed.
func TestReadIVFSample(t *testing.T) {
	file := readSample(t, sampleVideo, sampleVideoSHA256)
	tr, err := ReadIVF(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Codec() != VP8 || tr.Len() != 150 {
		t.Fatalf("%v track of %d frames, want vp8 of 150", tr.Codec(), tr.Len())
	}
	if want := (VideoInfo{Width: 320, Height: 240, TimebaseNum: 1, TimebaseDen: 30}); tr.Video() != want {
		t.Errorf("Video() = %+v, want %+v", tr.Video(), want)
	}
	if d := tr.Duration(); d < 5*time.Second-time.Microsecond || d > 5*time.Second {
		t.Errorf("Duration() = %v, want 5s", d)
	}
	var keys []uint64
	rebuilt := slices.Clone(file[:ivfFileHeaderSize])
	for i := range tr.Len() {
		f := tr.Frame(i)
		if f.Codec != VP8 || f.Seq != uint64(i) {
			t.Fatalf("frame %d: codec %v seq %d", i, f.Codec, f.Seq)
		}
		if want := time.Duration(i) * time.Second / 30; f.Timestamp != want {
			t.Errorf("frame %d: timestamp %v, want %v", i, f.Timestamp, want)
		}
		if f.Duration < 33333333 || f.Duration > 33333334 {
			t.Errorf("frame %d: duration %v, want 1/30 s", i, f.Duration)
		}
		if f.Keyframe {
			keys = append(keys, f.Seq)
		}
		if cap(f.Payload) != len(f.Payload) {
			t.Errorf("frame %d: payload capacity %d beyond its length %d: an append would overwrite", i, cap(f.Payload), len(f.Payload))
		}
		rebuilt = binary.LittleEndian.AppendUint32(rebuilt, uint32(len(f.Payload)))
		rebuilt = binary.LittleEndian.AppendUint64(rebuilt, uint64(i))
		rebuilt = append(rebuilt, f.Payload...)
	}
	if want := []uint64{0, 30, 60, 90, 120}; !slices.Equal(keys, want) {
		t.Errorf("key frames %v, want %v", keys, want)
	}
	if !bytes.Equal(rebuilt, file) {
		t.Error("the file rebuilt from the frames differs from the sample")
	}
	if want := len(file) - ivfFileHeaderSize - 150*ivfFrameHeaderSize; tr.Bytes() != want {
		t.Errorf("Bytes() = %d, want %d", tr.Bytes(), want)
	}
}

func TestOpenSamples(t *testing.T) {
	for _, c := range []struct {
		path  string
		codec Codec
		n     int
	}{{sampleVideo, VP8, 150}, {sampleAudio, Opus, 251}} {
		tr, err := Open(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Codec() != c.codec || tr.Len() != c.n {
			t.Errorf("Open(%s): %v track of %d frames, want %v of %d", c.path, tr.Codec(), tr.Len(), c.codec, c.n)
		}
	}
	if _, err := Open("helpers_test.go"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Open(a Go file) = %v, want ErrUnsupported", err)
	}
	if _, err := Open("no such file"); err == nil {
		t.Error("Open(a missing file) succeeded")
	}
}

// TestReadIVFTimestamps checks timestamps in another time base, frames
// sharing a timestamp, and the duration of a one-frame track.
func TestReadIVFTimestamps(t *testing.T) {
	frames := [][]byte{vp8Key(64, 48, 20), vp8Inter(5), vp8Inter(5), vp8Inter(5)}
	tr, err := ReadIVF(bytes.NewReader(ivfFile("VP80", 1000, 1, frames, []uint64{500, 540, 540, 600})))
	if err != nil {
		t.Fatal(err)
	}
	var ts, durs []time.Duration
	for i := range tr.Len() {
		ts = append(ts, tr.Frame(i).Timestamp)
		durs = append(durs, tr.Frame(i).Duration)
	}
	ms := time.Millisecond
	if want := []time.Duration{0, 40 * ms, 40 * ms, 100 * ms}; !slices.Equal(ts, want) {
		t.Errorf("timestamps %v, want %v", ts, want)
	}
	if want := []time.Duration{40 * ms, 0, 60 * ms, 60 * ms}; !slices.Equal(durs, want) {
		t.Errorf("durations %v, want %v", durs, want)
	}
	if tr.Duration() != 160*ms {
		t.Errorf("Duration() = %v, want 160ms", tr.Duration())
	}

	tr, err = ReadIVF(bytes.NewReader(ivfFile("VP80", 25, 1, frames[:1], []uint64{7})))
	if err != nil {
		t.Fatal(err)
	}
	if f := tr.Frame(0); f.Timestamp != 0 || f.Duration != 40*ms || tr.Duration() != 40*ms {
		t.Errorf("one frame at 25 fps: timestamp %v, duration %v, track %v; want 0, 40ms, 40ms", f.Timestamp, f.Duration, tr.Duration())
	}

	tr, err = ReadIVF(bytes.NewReader(ivfFile("VP80", 30, 1, nil, nil)))
	if err != nil || tr.Len() != 0 || tr.Duration() != 0 {
		t.Errorf("IVF of no frames: %v, %v", tr, err)
	}
}

func TestReadIVFErrors(t *testing.T) {
	key := vp8Key(64, 48, 20)
	good := ivfFile("VP80", 30, 1, [][]byte{key, vp8Inter(9)}, []uint64{0, 1})
	set := func(b []byte, off int, v ...byte) []byte {
		b = slices.Clone(b)
		copy(b[off:], v)
		return b
	}
	huge := set(good, ivfFileHeaderSize, 0xff, 0xff, 0xff, 0x7f)
	cases := []struct {
		name string
		in   []byte
		err  error
		msg  string
	}{
		{"empty", nil, ErrMalformed, "file header"},
		{"truncated file header", good[:31], ErrMalformed, "file header"},
		{"signature", set(good, 0, 'D', 'K', 'I', 'X'), ErrMalformed, "signature"},
		{"version", set(good, 4, 1), ErrMalformed, "version"},
		{"header size", set(good, 6, 64), ErrUnsupported, "64-byte file header"},
		{"codec", set(good, 8, 'V', 'P', '9', '0'), ErrUnsupported, `"VP90"`},
		{"zero time base", set(good, 16, 0, 0, 0, 0), ErrMalformed, "timebase"},
		{"truncated frame header", good[:ivfFileHeaderSize+5], ErrMalformed, "frame 0: header"},
		{"truncated frame", good[:len(good)-1], ErrMalformed, "frame 1"},
		{"frame too large", huge, ErrTooLarge, "frame 0"},
		{"timestamps back", ivfFile("VP80", 30, 1, [][]byte{key, key}, []uint64{5, 4}), ErrMalformed, "before the previous"},
		{"timestamp overflow", ivfFile("VP80", 1, 1<<31, [][]byte{key, key}, []uint64{0, 1 << 40}), ErrMalformed, "out of range"},
		{"short frame", ivfFile("VP80", 30, 1, [][]byte{{0x31, 0}}, []uint64{0}), ErrMalformed, "3-byte frame tag"},
		{"bad key frame", ivfFile("VP80", 30, 1, [][]byte{set(key, 3, 0)}, []uint64{0}), ErrMalformed, "start code"},
	}
	for _, c := range cases {
		_, err := ReadIVF(bytes.NewReader(c.in))
		if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: ReadIVF = %v, want %v mentioning %q", c.name, err, c.err, c.msg)
		}
	}
}
