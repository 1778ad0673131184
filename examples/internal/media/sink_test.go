package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// frames returns the frames of tr.
func frames(tr *Track) []Frame {
	fs := make([]Frame, tr.Len())
	for i := range fs {
		fs[i] = tr.Frame(i)
	}
	return fs
}

// writeFile writes fs through a new sink on a file at path and returns
// the sink's stats.
func writeFile(t *testing.T, path string, codec Codec, info OpusInfo, fs []Frame) SinkStats {
	return writeFileWith(t, path, codec, IVFConfig{}, info, fs)
}

func writeFileWith(t *testing.T, path string, codec Codec, cfg IVFConfig, info OpusInfo, fs []Frame) SinkStats {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var s Sink
	if codec == VP8 {
		s = NewIVFWriter(f, cfg)
	} else if s, err = NewOggWriter(f, info); err != nil {
		t.Fatal(err)
	}
	for _, fr := range fs {
		if err := s.WriteFrame(fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.WriteFrame(fs[0]); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteFrame after Close: %v, want ErrClosed", err)
	}
	return s.Stats()
}

// reread reads a written file back with ReadIVF or ReadOgg (pion's
// readers underneath).
func reread(t *testing.T, path string) (*Track, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Open(path)
	if err != nil {
		t.Fatalf("reading back %s: %v", path, err)
	}
	return tr, b
}

// TestIVFWriterSample writes the sample video through an IVFWriter and
// reads it back: the same 150 frames, key frames, timestamps, and a header
// with the frame size, time base and frame count.
func TestIVFWriterSample(t *testing.T) {
	src := sampleTrack(t, sampleVideo, sampleVideoSHA256)
	path := filepath.Join(t.TempDir(), "video.ivf")
	st := writeFile(t, path, VP8, OpusInfo{}, frames(src))
	if st != (SinkStats{Written: 150}) {
		t.Errorf("stats: %v, want 150 written", st)
	}
	got, file := reread(t, path)
	if got.Len() != src.Len() {
		t.Fatalf("read back %d frames, want %d", got.Len(), src.Len())
	}
	for i := range src.Len() {
		a, b := src.Frame(i), got.Frame(i)
		if !bytes.Equal(a.Payload, b.Payload) || a.Keyframe != b.Keyframe || a.Timestamp != b.Timestamp || a.Seq != b.Seq {
			t.Fatalf("frame %d differs: seq %d/%d, key %v/%v, at %v/%v, %d/%d bytes",
				i, a.Seq, b.Seq, a.Keyframe, b.Keyframe, a.Timestamp, b.Timestamp, len(a.Payload), len(b.Payload))
		}
	}
	if got.Video() != src.Video() {
		t.Errorf("header %+v, want %+v", got.Video(), src.Video())
	}
	if n := binary.LittleEndian.Uint32(file[ivfLengthOffset:]); n != 150 {
		t.Errorf("header frame count %d, want 150", n)
	}
	// The frames and their headers are those of the sample: only the file
	// header's unused last word may differ.
	sample := readSample(t, sampleVideo, sampleVideoSHA256)
	if !bytes.Equal(file[:28], sample[:28]) || !bytes.Equal(file[32:], sample[32:]) {
		t.Error("written file differs from the sample")
	}
}

// oggGranules checks a written Ogg Opus file page by page: the two header
// pages with granule position 0, then one page per packet whose granule
// position counts the samples to the end of its packet (RFC 7845 §4), the
// last page marked end of stream. It returns the granule positions of the
// audio pages.
func oggGranules(t *testing.T, file []byte) []uint64 {
	t.Helper()
	pages := walkOgg(t, file)
	if len(pages) < 2 || pages[0].flags != oggBOS || pages[0].granule != 0 || pages[1].granule != 0 {
		t.Fatalf("header pages: %+v", pages[:min(2, len(pages))])
	}
	var granules []uint64
	var samples uint64
	for i, p := range pages[2:] {
		if len(p.lacing) != 1 {
			t.Fatalf("audio page %d: %d segments, want one packet", i, len(p.lacing))
		}
		op, err := parseOpus(p.payload)
		if err != nil {
			t.Fatalf("audio page %d: %v", i, err)
		}
		samples += uint64(op.samples)
		if p.granule != samples {
			t.Errorf("audio page %d: granule position %d, want %d", i, p.granule, samples)
		}
		granules = append(granules, p.granule)
	}
	for i, p := range pages {
		if eos := p.flags&oggEOS != 0; eos != (i == len(pages)-1) {
			t.Errorf("page %d of %d: end-of-stream flag %v", i, len(pages), eos)
		}
	}
	return granules
}

// TestOggWriterSample writes the sample audio through an OggWriter and
// reads it back: the same 251 packets, headers from the sample's
// OpusInfo, granule positions counting 960 samples a packet.
func TestOggWriterSample(t *testing.T) {
	src := sampleTrack(t, sampleAudio, sampleAudioSHA256)
	path := filepath.Join(t.TempDir(), "audio.ogg")
	st := writeFile(t, path, Opus, src.Opus(), frames(src))
	if st != (SinkStats{Written: 251}) {
		t.Errorf("stats: %v, want 251 written", st)
	}
	got, file := reread(t, path)
	if got.Len() != src.Len() {
		t.Fatalf("read back %d packets, want %d", got.Len(), src.Len())
	}
	for i := range src.Len() {
		a, b := src.Frame(i), got.Frame(i)
		if !bytes.Equal(a.Payload, b.Payload) || a.Timestamp != b.Timestamp || a.Duration != b.Duration {
			t.Fatalf("packet %d differs", i)
		}
	}
	info := got.Opus()
	if info.Channels != 1 || info.PreSkip != 3840 || info.SampleRate != 48000 || info.Vendor != "Lavf59.27.100" {
		t.Errorf("headers: %d channels, pre-skip %d, rate %d, vendor %q; want 1, 3840, 48000, Lavf59.27.100",
			info.Channels, info.PreSkip, info.SampleRate, info.Vendor)
	}
	g := oggGranules(t, file)
	if len(g) != 251 || g[250] != 251*960 {
		t.Errorf("%d audio pages, last granule position %v; want 251, 240960", len(g), g[len(g)-1])
	}
}

// lossy returns fs without the frames whose index drop reports.
func lossy(fs []Frame, drop func(i int) bool) []Frame {
	var out []Frame
	for i, f := range fs {
		if !drop(i) {
			out = append(out, f)
		}
	}
	return out
}

// TestIVFWriterLoss gives an IVFWriter the sample video as a receiver
// would get it: joining at frame 5, losing frames 40-41 and 95, and
// getting frame 70 again late. Inter frames that follow a loss are
// skipped until the next key frame; the rest keep their timestamps.
func TestIVFWriterLoss(t *testing.T) {
	src := frames(sampleTrack(t, sampleVideo, sampleVideoSHA256))
	in := lossy(src, func(i int) bool { return i < 5 || i == 40 || i == 41 || i == 95 })
	in = append(in[:70], append([]Frame{src[70]}, in[70:]...)...) // src[70] again after src[76]
	path := filepath.Join(t.TempDir(), "video.ivf")
	st := writeFile(t, path, VP8, OpusInfo{}, in)
	// Written: 30-39, 60-94, 120-149; skipped: 5-29, 42-59, 96-119.
	want := SinkStats{Written: 10 + 35 + 30, Lost: 3, Skipped: 25 + 18 + 24, Late: 1}
	if st != want {
		t.Errorf("stats: %v, want %v", st, want)
	}
	got, file := reread(t, path)
	var seqs []int
	for i := range got.Len() {
		f := got.Frame(i)
		// Frame k of the sample, written with timestamp (k-30)/30 s.
		k := 30 + int((f.Timestamp+time.Millisecond)*30/time.Second)
		if !bytes.Equal(f.Payload, src[k].Payload) {
			t.Fatalf("frame %d at %v is not sample frame %d", i, f.Timestamp, k)
		}
		seqs = append(seqs, k)
	}
	if len(seqs) != 75 || seqs[0] != 30 || seqs[10] != 60 || seqs[45] != 120 || !got.Frame(0).Keyframe {
		t.Errorf("frames read back: %v", seqs)
	}
	// With WriteAfterLoss, only the frames before the first key frame are
	// skipped, and the gaps stay on the timeline.
	keepPath := filepath.Join(t.TempDir(), "keep.ivf")
	st = writeFileWith(t, keepPath, VP8, IVFConfig{WriteAfterLoss: true}, OpusInfo{}, in)
	if want := (SinkStats{Written: 120 - 3, Lost: 3, Skipped: 25, Late: 1}); st != want {
		t.Errorf("WriteAfterLoss stats: %v, want %v", st, want)
	}
	kept, _ := reread(t, keepPath)
	if f := kept.Frame(10); kept.Len() != 117 || !bytes.Equal(f.Payload, src[42].Payload) || f.Timestamp != 12*time.Second/30 {
		t.Errorf("WriteAfterLoss: %d frames, frame 10 at %v; want 117, sample frame 42 at 400ms", kept.Len(), f.Timestamp)
	}
	if w, h := binary.LittleEndian.Uint16(file[12:]), binary.LittleEndian.Uint16(file[14:]); w != 320 || h != 240 {
		t.Errorf("header frame size %dx%d, want 320x240 from the first key frame", w, h)
	}
	// Frames 30 to 149 span 120 ticks of 1/30 s.
	if n := binary.LittleEndian.Uint32(file[ivfLengthOffset:]); n != 120 {
		t.Errorf("header length %d, want 120 ticks", n)
	}
}

// TestOggWriterLoss gives an OggWriter the sample audio, losing packets
// 10-14 and 100 and getting packet 50 twice: the lost ones are replaced
// by packets of empty frames (RFC 7845 §4.1), so the timeline and granule
// positions are those of the whole sample.
func TestOggWriterLoss(t *testing.T) {
	src := frames(sampleTrack(t, sampleAudio, sampleAudioSHA256))
	in := lossy(src, func(i int) bool { return (i >= 10 && i < 15) || i == 100 })
	in = append(in[:46], append([]Frame{src[50]}, in[46:]...)...) // src[50] before src[51]: a duplicate
	path := filepath.Join(t.TempDir(), "audio.ogg")
	st := writeFile(t, path, Opus, OpusInfo{Channels: 1}, in)
	if want := (SinkStats{Written: 245, Lost: 6, Concealed: 6, Late: 1}); st != want {
		t.Errorf("stats: %v, want %v", st, want)
	}
	got, file := reread(t, path)
	if got.Len() != 251 || got.Duration() != 5020*time.Millisecond {
		t.Fatalf("read back %d packets lasting %v, want 251 lasting 5.02s", got.Len(), got.Duration())
	}
	for i := range got.Len() {
		p := got.Frame(i).Payload
		lost := (i >= 10 && i < 15) || i == 100
		if lost && (len(p) != 1 || p[0] != src[i-1].Payload[0]&^3) {
			t.Errorf("packet %d: %x, want the previous packet's TOC byte alone", i, p)
		}
		if !lost && !bytes.Equal(p, src[i].Payload) {
			t.Errorf("packet %d differs from the sample's", i)
		}
	}
	if g := oggGranules(t, file); g[250] != 251*960 {
		t.Errorf("last granule position %d, want %d", g[250], 251*960)
	}
}

// TestOggWriterLongGap checks that a gap longer than MaxConcealed packets
// is concealed with MaxConcealed packets only.
func TestOggWriterLongGap(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewOggWriter(&buf, OpusInfo{})
	if err != nil {
		t.Fatal(err)
	}
	pkt := opusPkt(toc20ms, 10)
	for _, seq := range []uint64{0, 1 << 40} {
		if err := w.WriteFrame(Frame{Codec: Opus, Seq: seq, Payload: pkt}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st != (SinkStats{Written: 2, Lost: 1<<40 - 1, Concealed: MaxConcealed}) {
		t.Errorf("stats: %v", st)
	}
	tr, err := ReadOgg(&buf)
	if err != nil || tr.Len() != 2+MaxConcealed {
		t.Errorf("read back: %v, %v; want %d packets", tr, err, 2+MaxConcealed)
	}
}

// TestSinkUnseekable writes to outputs that cannot seek: the IVF header
// keeps pion's frame count placeholder, and the Ogg stream ends with an
// empty end-of-stream page. Both read back.
func TestSinkUnseekable(t *testing.T) {
	video := sampleTrack(t, sampleVideo, sampleVideoSHA256)
	var ivf bytes.Buffer
	w := NewIVFWriter(&ivf, IVFConfig{})
	for _, f := range frames(video)[:31] {
		if err := w.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tr, err := ReadIVF(bytes.NewReader(ivf.Bytes()))
	if err != nil || tr.Len() != 31 {
		t.Errorf("IVF read back: %v, %v; want 31 frames", tr, err)
	}

	var ogg bytes.Buffer
	o, err := NewOggWriter(&ogg, OpusInfo{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := o.WriteFrame(Frame{Codec: Opus, Seq: uint64(i), Payload: opusPkt(toc20ms, 5)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	pages := walkOgg(t, ogg.Bytes())
	if last := pages[len(pages)-1]; len(pages) != 6 || last.flags != oggEOS || len(last.lacing) != 0 || last.granule != 3*960 {
		t.Errorf("%d pages, last %+v; want 6, an empty EOS page at granule position 2880", len(pages), last)
	}
	if tr, err := ReadOgg(&ogg); err != nil || tr.Len() != 3 || tr.Opus().Channels != 2 || tr.Opus().Vendor != "pion" {
		t.Errorf("Ogg read back: %v, %v; want 3 packets, 2 channels, vendor pion (the defaults)", tr, err)
	}
}

// TestSinkEmpty closes sinks that got nothing: the IVF file is a header
// of 0x0 pixels and no frames, the Ogg file the two header pages; both
// read back as empty tracks.
func TestSinkEmpty(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		codec Codec
		frame Frame // a frame that is not written: an inter frame before any key frame
	}{
		{"empty.ivf", VP8, Frame{Codec: VP8, Payload: vp8Inter(5)}},
		{"empty.ogg", Opus, Frame{}},
	} {
		path := filepath.Join(dir, c.name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		var s Sink = NewIVFWriter(f, IVFConfig{})
		if c.codec == Opus {
			if s, err = NewOggWriter(f, OpusInfo{}); err != nil {
				t.Fatal(err)
			}
		}
		if c.frame.Codec != 0 {
			if err := s.WriteFrame(c.frame); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		tr, _ := reread(t, path)
		if tr.Len() != 0 || tr.Codec() != c.codec {
			t.Errorf("%s: %v track of %d frames", c.name, tr.Codec(), tr.Len())
		}
	}
}

// TestSinkErrors gives sinks frames they must refuse.
func TestSinkErrors(t *testing.T) {
	ivf := NewIVFWriter(&bytes.Buffer{}, IVFConfig{})
	ogg, err := NewOggWriter(&bytes.Buffer{}, OpusInfo{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		sink Sink
		f    Frame
		err  error
		msg  string
	}{
		{"opus to ivf", ivf, Frame{Codec: Opus, Payload: []byte{toc20ms}}, ErrWrongCodec, "opus frame"},
		{"vp8 to ogg", ogg, Frame{Codec: VP8, Payload: vp8Inter(3)}, ErrWrongCodec, "vp8 frame"},
		{"short vp8", ivf, Frame{Codec: VP8, Seq: 3, Payload: []byte{1, 2}}, ErrMalformed, "frame 3: media: vp8"},
		{"bad key frame", ivf, Frame{Codec: VP8, Payload: vp8Key(0, 0, 10)}, ErrMalformed, "0x0 pixels"},
		{"empty opus", ogg, Frame{Codec: Opus, Seq: 4}, ErrMalformed, "packet 4: media: opus: empty"},
		{"long opus", ogg, Frame{Codec: Opus, Payload: []byte{toc20ms | 3, 9}}, ErrMalformed, "over 120 ms"},
	}
	for _, c := range cases {
		if err := c.sink.WriteFrame(c.f); !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v mentioning %q", c.name, err, c.err, c.msg)
		}
	}
	if ivf.Stats() != (SinkStats{}) || ogg.Stats() != (SinkStats{}) {
		t.Errorf("refused frames counted: %v, %v", ivf.Stats(), ogg.Stats())
	}
	// 2^32 ticks of 1/30 s after the first frame is beyond what pion's
	// writer numbers.
	if err := ivf.WriteFrame(Frame{Codec: VP8, Payload: vp8Key(8, 8, 10)}); err != nil {
		t.Fatal(err)
	}
	far := Frame{Codec: VP8, Seq: 1, Timestamp: (1<<32 - 1) * time.Second / 30, Payload: vp8Inter(3)}
	if err := ivf.WriteFrame(far); err != nil {
		t.Errorf("timestamp 2^32-1 ticks: %v", err)
	}
	far.Seq, far.Timestamp = 2, far.Timestamp+time.Second/30
	if err := ivf.WriteFrame(far); !errors.Is(err, ErrTooLarge) {
		t.Errorf("timestamp 2^32 ticks: %v, want ErrTooLarge", err)
	}
	if _, err := NewOggWriter(&bytes.Buffer{}, OpusInfo{Channels: 3}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("3 channels: %v, want ErrUnsupported", err)
	}
}
