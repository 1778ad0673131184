package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"slices"
	"testing"
)

// fixOggCRCs rewrites the CRC of every whole page at the start of b, so
// that mutated inputs get past pion's checksum to the demuxer.
func fixOggCRCs(b []byte) {
	for len(b) >= oggPageHeaderSize && string(b[:4]) == oggSignature {
		n := int(b[26])
		if len(b) < oggPageHeaderSize+n {
			return
		}
		size := oggPageHeaderSize + n
		for _, l := range b[oggPageHeaderSize : oggPageHeaderSize+n] {
			size += int(l)
		}
		if len(b) < size {
			return
		}
		clear(b[22:26])
		var crc uint32
		for _, c := range b[:size] {
			crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
		}
		binary.LittleEndian.PutUint32(b[22:], crc)
		b = b[size:]
	}
}

// FuzzReadOgg reads mutated Ogg streams (with their page CRCs fixed). On
// success the track must be consistent, and the round trip through
// OggWriter must give back the same packets.
func FuzzReadOgg(f *testing.F) {
	if b, err := os.ReadFile(sampleAudio); err == nil {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	tags := testOpusTags("fuzz")
	f.Add(oggStream(page(oggBOS, testOpusHead), page(0, tags), page(oggEOS, opusPkt(toc20ms, 300), opusPkt(toc20ms|3, 2))))
	f.Add(oggStream(page(oggBOS, testOpusHead),
		testPage{seq: -1, lacing: []byte{255}, payload: make([]byte, 255)},
		testPage{flags: oggContinued, seq: -1, lacing: []byte{0, 1}, payload: []byte{toc20ms}}))
	f.Fuzz(func(t *testing.T, in []byte) {
		in = slices.Clone(in)
		fixOggCRCs(in)
		tr, err := ReadOgg(bytes.NewReader(in))
		if err != nil {
			return
		}
		if tr.Codec() != Opus || tr.Bytes() > len(in) || tr.Len() > MaxTrackFrames {
			t.Fatalf("track of %v, %d frames, %d bytes from %d input bytes", tr.Codec(), tr.Len(), tr.Bytes(), len(in))
		}
		var end int64
		for i := range tr.Len() {
			fr := tr.Frame(i)
			p, err := parseOpus(fr.Payload)
			if err != nil || fr.Seq != uint64(i) || int64(fr.Timestamp) != end || fr.Duration != p.duration() {
				t.Fatalf("packet %d: %+v, %v", i, fr, err)
			}
			end += int64(fr.Duration)
		}
		if int64(tr.Duration()) != end {
			t.Fatalf("duration %v, packets end at %d", tr.Duration(), end)
		}
		info := tr.Opus()
		if info.Channels > 2 {
			return // pion writes mono and stereo only
		}
		var buf bytes.Buffer
		w, err := NewOggWriter(&buf, OpusInfo{Channels: info.Channels})
		if err != nil {
			t.Fatal(err)
		}
		for i := range tr.Len() {
			if err := w.WriteFrame(tr.Frame(i)); err != nil {
				t.Fatalf("writing packet %d: %v", i, err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		back, err := ReadOgg(&buf)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if back.Len() != tr.Len() {
			t.Fatalf("read back %d packets of %d", back.Len(), tr.Len())
		}
		for i := range tr.Len() {
			if !bytes.Equal(back.Frame(i).Payload, tr.Frame(i).Payload) {
				t.Fatalf("packet %d differs after the round trip", i)
			}
		}
	})
}

// FuzzReadIVF reads mutated IVF files. On success the track must be
// consistent, and writing it through an IVFWriter must give back its
// frames from the first key frame on.
func FuzzReadIVF(f *testing.F) {
	if b, err := os.ReadFile(sampleVideo); err == nil {
		f.Add(b[:1200])
		if tr, err := ReadIVF(bytes.NewReader(b)); err == nil {
			var fs [][]byte
			var pts []uint64
			for i := range 5 {
				fs, pts = append(fs, tr.Frame(i).Payload), append(pts, uint64(i))
			}
			f.Add(ivfFile("VP80", 30, 1, fs, pts))
		}
	}
	f.Add(ivfFile("VP80", 1000, 1, [][]byte{vp8Key(64, 48, 20), vp8Inter(5), vp8Inter(5)}, []uint64{3, 40, 40}))
	f.Add(ivfFile("VP80", 30, 1, nil, nil))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := ReadIVF(bytes.NewReader(in))
		if err != nil {
			return
		}
		if tr.Codec() != VP8 || tr.Bytes() > len(in) {
			t.Fatalf("track of %v, %d bytes from %d input bytes", tr.Codec(), tr.Bytes(), len(in))
		}
		first := -1
		for i := range tr.Len() {
			fr := tr.Frame(i)
			h, err := parseVP8(fr.Payload)
			if err != nil || fr.Seq != uint64(i) || h.key != fr.Keyframe || fr.Duration < 0 {
				t.Fatalf("frame %d: %+v, %v", i, fr, err)
			}
			if i > 0 && fr.Timestamp < tr.Frame(i-1).Timestamp {
				t.Fatalf("frame %d goes back in time", i)
			}
			if first < 0 && fr.Keyframe {
				first = i
			}
		}
		var buf bytes.Buffer
		w := NewIVFWriter(&buf, IVFConfig{FrameRate: 1000})
		for i := range tr.Len() {
			if err := w.WriteFrame(tr.Frame(i)); errors.Is(err, ErrTooLarge) {
				return // timestamps beyond what IVF numbers at 1/1000 s
			} else if err != nil {
				t.Fatalf("writing frame %d: %v", i, err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		back, err := ReadIVF(&buf)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		want := 0
		if first >= 0 {
			want = tr.Len() - first
		}
		if back.Len() != want {
			t.Fatalf("read back %d frames, want %d", back.Len(), want)
		}
		for i := range want {
			if !bytes.Equal(back.Frame(i).Payload, tr.Frame(first+i).Payload) {
				t.Fatalf("frame %d differs after the round trip", first+i)
			}
		}
	})
}

// FuzzParseFrame checks ParseFrame on any payload and, for what it
// accepts, that the sinks accept it too (pion's Opus TOC parsing included)
// and that a concealment packet for it lasts as long.
func FuzzParseFrame(f *testing.F) {
	f.Add(byte(Opus), []byte{toc20ms | 3, 0x83, 1, 2})
	f.Add(byte(Opus), []byte{16 << 3})
	f.Add(byte(VP8), vp8Key(320, 240, 12))
	f.Add(byte(VP8), vp8Inter(4))
	f.Fuzz(func(t *testing.T, codec byte, payload []byte) {
		fr, err := ParseFrame(Codec(codec), 0, 0, payload)
		if err != nil {
			return
		}
		switch fr.Codec {
		case Opus:
			p, _ := parseOpus(payload)
			if g, err := parseOpus(opusGap(nil, payload[0], p)); err != nil || g != p {
				t.Fatalf("gap for %x: %+v, %v; want %+v", payload, g, err, p)
			}
			w, err := NewOggWriter(&bytes.Buffer{}, OpusInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteFrame(fr); err != nil {
				t.Fatalf("OggWriter refuses %x: %v", payload, err)
			}
		case VP8:
			w := NewIVFWriter(&bytes.Buffer{}, IVFConfig{})
			if err := w.WriteFrame(fr); err != nil {
				t.Fatalf("IVFWriter refuses %x: %v", payload, err)
			}
			if w.Stats().Written != map[bool]uint64{true: 1, false: 0}[fr.Keyframe] {
				t.Fatalf("key frame %v, stats %v", fr.Keyframe, w.Stats())
			}
		default:
			t.Fatalf("ParseFrame accepted codec %d", codec)
		}
	})
}

// FuzzWriters feeds the sinks a stream of frames with arbitrary sequence
// numbers and payloads: each input record is a sequence step byte, a
// length byte and the payload. Whatever they write must read back, with
// as many frames as they say they wrote.
func FuzzWriters(f *testing.F) {
	rec := func(step byte, p []byte) []byte { return append([]byte{step, byte(len(p))}, p...) }
	f.Add(slices.Concat(rec(0, []byte{toc20ms, 1}), rec(3, []byte{toc20ms | 1, 2, 2}), rec(0, []byte{toc20ms}), rec(200, []byte{19<<3 | 3, 5})))
	f.Add(slices.Concat(rec(0, vp8Inter(3)), rec(1, vp8Key(8, 8, 10)), rec(2, vp8Inter(3)), rec(1, vp8Key(8, 8, 10)), rec(0, vp8Inter(3))))
	f.Fuzz(func(t *testing.T, in []byte) {
		var ivf, ogg bytes.Buffer
		iw := NewIVFWriter(&ivf, IVFConfig{WriteAfterLoss: len(in)%2 == 0})
		ow, err := NewOggWriter(&ogg, OpusInfo{Channels: 1})
		if err != nil {
			t.Fatal(err)
		}
		var seq uint64
		for len(in) >= 2 {
			step, n := in[0], int(in[1])
			in = in[2:]
			p := in[:min(n, len(in))]
			in = in[len(p):]
			seq += uint64(step) - 1 // 0 repeats, 1 is the next, more skips
			fr := Frame{Seq: seq, Timestamp: 0, Payload: p}
			fr.Codec = VP8
			_ = iw.WriteFrame(fr)
			fr.Codec = Opus
			_ = ow.WriteFrame(fr)
		}
		if err := iw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := ow.Close(); err != nil {
			t.Fatal(err)
		}
		v, err := ReadIVF(&ivf)
		if err != nil || uint64(v.Len()) != iw.Stats().Written {
			t.Fatalf("IVF read back: %v, %v; %v", v, err, iw.Stats())
		}
		a, err := ReadOgg(&ogg)
		if st := ow.Stats(); err != nil || uint64(a.Len()) != st.Written+st.Concealed {
			t.Fatalf("Ogg read back: %v, %v; %v", a, err, st)
		}
	})
}
