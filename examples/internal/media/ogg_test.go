package media

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadOggSample reads the sample audio and checks it against what
// examples/testdata/SOURCE says of it: 251 packets of 20 ms after the two
// headers, 50 to a page.
func TestReadOggSample(t *testing.T) {
	file := readSample(t, sampleAudio, sampleAudioSHA256)
	tr, err := ReadOgg(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Codec() != Opus || tr.Len() != 251 {
		t.Fatalf("%v track of %d packets, want opus of 251", tr.Codec(), tr.Len())
	}
	info := tr.Opus()
	if info.Channels != 1 || info.PreSkip != 312 || info.SampleRate != 48000 || info.Vendor != "Lavf59.27.100" {
		t.Errorf("Opus() = %d channels, pre-skip %d, rate %d, vendor %q; want 1, 312, 48000, Lavf59.27.100",
			info.Channels, info.PreSkip, info.SampleRate, info.Vendor)
	}
	if tr.Duration() != 5020*time.Millisecond {
		t.Errorf("Duration() = %v, want 5.02s", tr.Duration())
	}
	// The packets, headers first, run together are the pages' payloads run
	// together; with 20 ms each, that is the only way to cut them into 251.
	all := slices.Concat(info.Head, info.Tags)
	for i := range tr.Len() {
		f := tr.Frame(i)
		if f.Codec != Opus || f.Seq != uint64(i) || f.Keyframe {
			t.Fatalf("packet %d: codec %v seq %d keyframe %v", i, f.Codec, f.Seq, f.Keyframe)
		}
		if f.Timestamp != time.Duration(i)*20*time.Millisecond || f.Duration != 20*time.Millisecond {
			t.Errorf("packet %d: at %v for %v, want %v for 20ms", i, f.Timestamp, f.Duration, time.Duration(i)*20*time.Millisecond)
		}
		if cap(f.Payload) != len(f.Payload) {
			t.Errorf("packet %d: payload capacity %d beyond its length %d", i, cap(f.Payload), len(f.Payload))
		}
		all = append(all, f.Payload...)
	}
	var pages [][]byte
	for _, p := range walkOgg(t, file) {
		pages = append(pages, p.payload)
	}
	if len(pages) != 8 {
		t.Fatalf("%d pages, want 8", len(pages))
	}
	if !bytes.Equal(all, slices.Concat(pages...)) {
		t.Error("the packets run together differ from the pages' payloads")
	}
	if len(info.Head) != 19 || !bytes.Equal(info.Head, pages[0]) || !bytes.Equal(info.Tags, pages[1]) {
		t.Errorf("headers of %d and %d bytes differ from the first two pages", len(info.Head), len(info.Tags))
	}
}

// TestReadOggLacing reads packets that span pages in every way lacing
// allows (RFC 3533 §5, §6): a comment header over two pages, an audio
// packet over three, one whose closing lacing value 0 is alone on the next
// page, one of exactly 255 bytes, and several to a page.
func TestReadOggLacing(t *testing.T) {
	tags := testOpusTags(strings.Repeat("v", 400)) // 416 bytes: 255 | 161
	long := opusPkt(toc20ms, 700)                  // 255 255 | 190 over pages 3-5
	exact := opusPkt(toc20ms, 510)                 // 255 255 | 0
	p255 := opusPkt(toc20ms, 255)                  // 255 0
	small := opusPkt(toc20ms, 7)
	stereo := opusPkt(toc20ms|4|1, 9) // stereo, code 1: two 20 ms frames
	in := oggStream(
		page(oggBOS, testOpusHead),
		testPage{seq: -1, lacing: []byte{255}, payload: tags[:255]},
		testPage{flags: oggContinued, seq: -1, lacing: []byte{161}, payload: tags[255:]},
		testPage{seq: -1, lacing: []byte{7, 255}, payload: slices.Concat(small, long[:255])},
		testPage{flags: oggContinued, seq: -1, lacing: []byte{255}, payload: long[255:510]},
		testPage{flags: oggContinued, seq: -1, lacing: []byte{190, 255, 255}, payload: slices.Concat(long[510:], exact)},
		testPage{flags: oggContinued | oggEOS, seq: -1, lacing: []byte{0, 255, 0, 9}, payload: slices.Concat(p255, stereo)},
	)
	tr, err := ReadOgg(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{small, long, exact, p255, stereo}
	if tr.Len() != len(want) {
		t.Fatalf("%d packets, want %d", tr.Len(), len(want))
	}
	for i, w := range want {
		if !bytes.Equal(tr.Frame(i).Payload, w) {
			t.Errorf("packet %d: %d bytes, want the %d-byte packet", i, len(tr.Frame(i).Payload), len(w))
		}
	}
	if !bytes.Equal(tr.Opus().Tags, tags) || tr.Opus().Vendor != strings.Repeat("v", 400) {
		t.Error("comment header over two pages not reassembled")
	}
	if last := tr.Frame(4); last.Timestamp != 80*time.Millisecond || last.Duration != 40*time.Millisecond || tr.Duration() != 120*time.Millisecond {
		t.Errorf("last packet at %v for %v, track %v; want 80ms for 40ms, 120ms", last.Timestamp, last.Duration, tr.Duration())
	}
}

func TestReadOggErrors(t *testing.T) {
	tags := testOpusTags("test")
	audio := opusPkt(toc20ms, 30)
	head := page(oggBOS, testOpusHead)
	good := []testPage{head, page(0, tags), page(oggEOS, audio)}
	with := func(i int, f func(p *testPage)) []byte {
		pages := slices.Clone(good)
		f(&pages[i])
		return oggStream(pages...)
	}
	headWith := func(off int, v ...byte) testPage {
		h := slices.Clone(testOpusHead)
		copy(h[off:], v)
		return page(oggBOS, h)
	}
	goodBytes := oggStream(good...)
	// A packet of MaxFrameSize+1 bytes, over pages of 255 segments.
	tooLong := []testPage{head, page(0, tags)}
	for rest := MaxFrameSize + 1; rest > 0; rest -= 255 * 255 {
		p := testPage{seq: -1, payload: make([]byte, min(rest, 255*255))}
		if len(tooLong) > 2 {
			p.flags = oggContinued
		}
		p.lacing = lace(len(p.payload))
		if rest > 255*255 {
			p.lacing = bytes.Repeat([]byte{255}, 255)
		}
		tooLong = append(tooLong, p)
	}
	cases := []struct {
		name string
		in   []byte
		err  error
		msg  string
	}{
		{"empty", nil, ErrMalformed, "0 of its 2 header packets"},
		{"capture pattern", append([]byte("OggX"), goodBytes[4:]...), ErrMalformed, "capture pattern"},
		{"checksum", with(2, func(p *testPage) { p.badCRC = true }), ErrMalformed, "page 2: media: malformed input: expected and actual checksum"},
		{"truncated header", goodBytes[:len(goodBytes)-len(audio)-oggPageHeaderSize-1+10], ErrMalformed, "page 2: header"},
		{"truncated segment table", goodBytes[:len(goodBytes)-len(audio)-1], ErrMalformed, "page 2: segment table"},
		{"truncated payload", goodBytes[:len(goodBytes)-1], ErrMalformed, "page 2"},
		{"no BOS", with(0, func(p *testPage) { p.flags = 0 }), ErrMalformed, "beginning-of-stream"},
		{"second BOS", with(2, func(p *testPage) { p.flags = oggBOS }), ErrUnsupported, "second logical stream"},
		{"second serial", with(2, func(p *testPage) { p.serial = 9 }), ErrUnsupported, "second logical stream"},
		{"page after EOS", oggStream(head, page(0, tags), page(oggEOS, audio), page(0, audio)), ErrMalformed, "after the end-of-stream"},
		{"page missing", with(2, func(p *testPage) { p.seq = 3 }), ErrMalformed, "sequence number 3, want 2"},
		{"continued flag without packet", with(2, func(p *testPage) { p.flags = oggContinued }), ErrMalformed, "continued-packet flag is true"},
		{"continued packet without flag", oggStream(head, page(0, tags), testPage{seq: -1, lacing: []byte{255}, payload: make([]byte, 255)}, page(0, audio)), ErrMalformed, "continued-packet flag is false"},
		{"ends inside a packet", oggStream(head, page(0, tags), testPage{seq: -1, lacing: []byte{255}, payload: make([]byte, 255)}), ErrMalformed, "ends inside packet 2"},
		{"head not alone", oggStream(testPage{flags: oggBOS, seq: -1, lacing: []byte{19, 255}, payload: slices.Concat(testOpusHead, make([]byte, 255))}), ErrMalformed, "identification header alone"},
		{"tags on the first page", oggStream(page(oggBOS, testOpusHead, tags), page(0, audio)), ErrMalformed, "OpusTags does not begin a page"},
		{"only head", oggStream(head), ErrMalformed, "after 1 of its 2"},
		{"tags not on a new page", oggStream(head, page(0, tags, audio)), ErrMalformed, "first audio packet does not begin a page"},
		{"Vorbis", oggStream(page(oggBOS, []byte("\x01vorbis\x00\x00\x00\x00\x02\x44\xac\x00\x00"))), ErrUnsupported, "not an Opus stream"},
		{"head length", oggStream(page(oggBOS, testOpusHead[:18]), page(0, tags)), ErrMalformed, "OpusHead"},
		{"head version 16", oggStream(headWith(8, 16), page(0, tags)), ErrUnsupported, "version 16"},
		{"head 0 channels", oggStream(headWith(9, 0), page(0, tags)), ErrMalformed, "0 channels"},
		{"tags", oggStream(head, page(0, []byte("OpusTagz\x00\x00\x00\x00\x00\x00\x00\x00"))), ErrMalformed, "OpusTags"},
		{"tags length", oggStream(head, page(0, tags[:len(tags)-1])), ErrMalformed, "OpusTags"},
		{"empty audio packet", oggStream(head, page(0, tags), page(0, nil)), ErrMalformed, "packet 2: media: opus: empty packet"},
		{"code 3 no count", oggStream(head, page(0, tags), page(0, []byte{toc20ms | 3})), ErrMalformed, "frame count byte"},
		{"over 120 ms", oggStream(head, page(0, tags), page(0, []byte{toc20ms | 3, 7})), ErrMalformed, "over 120 ms"},
		{"packet too large", oggStream(tooLong...), ErrTooLarge, "over 4194304 bytes"},
	}
	for _, c := range cases {
		_, err := ReadOgg(bytes.NewReader(c.in))
		if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: ReadOgg = %v, want %v mentioning %q", c.name, err, c.err, c.msg)
		}
	}
	if _, err := ReadOgg(bytes.NewReader(goodBytes)); err != nil {
		t.Errorf("the unchanged stream: %v", err)
	}
	v := slices.Clone(goodBytes)
	v[4] = 1
	if _, err := ReadOgg(bytes.NewReader(v)); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("page version 1: ReadOgg = %v, want ErrUnsupported", err)
	}
}
