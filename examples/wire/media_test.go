package wire

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

var mediaCases = []MediaFrame{
	{},
	{StreamID: 1},
	{Sequence: 1 << 40, TimestampUS: 1},
	{Source: math.MaxUint32, StreamID: math.MaxUint32, Sequence: math.MaxUint64, TimestampUS: math.MaxUint64, Payload: bytes.Repeat([]byte{0xa5}, 1500)},
	{Source: 7, StreamID: 2, Sequence: 99, TimestampUS: 123456789, Payload: []byte{0x1f, 0x00, 0x01}},
}

// TestMediaMatchesProto checks AppendMedia and ParseMedia against the
// generated code, byte for byte.
func TestMediaMatchesProto(t *testing.T) {
	for i, c := range mediaCases {
		pm := &Media{StreamId: c.StreamID, Sequence: c.Sequence, TimestampUs: c.TimestampUS, Payload: c.Payload, Source: c.Source}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(pm)
		if err != nil {
			t.Fatal(err)
		}
		got := AppendMedia(nil, &c)
		if !bytes.Equal(got, want) {
			t.Errorf("case %d: AppendMedia = %x, proto.Marshal = %x", i, got, want)
		}
		if n := MediaSize(&c); n != len(want) {
			t.Errorf("case %d: MediaSize = %d, want %d", i, n, len(want))
		}
		var back MediaFrame
		if err := ParseMedia(want, 1<<20, &back); err != nil {
			t.Fatalf("case %d: ParseMedia: %v", i, err)
		}
		if !mediaEqual(&back, &c) {
			t.Errorf("case %d: ParseMedia = %+v, want %+v", i, back, c)
		}
	}
}

// TestMediaSourceOverride checks the relay's rule that a source field it
// appends wins over one the sender put in, in ParseMedia as in protobuf.
func TestMediaSourceOverride(t *testing.T) {
	b := AppendMedia(nil, &MediaFrame{Source: 99, Payload: []byte("x")})
	b = protowire.AppendTag(b, mediaSource, protowire.VarintType)
	b = protowire.AppendVarint(b, 3)
	var m MediaFrame
	if err := ParseMedia(b, 10, &m); err != nil {
		t.Fatal(err)
	}
	var pm Media
	if err := proto.Unmarshal(b, &pm); err != nil {
		t.Fatal(err)
	}
	if m.Source != 3 || pm.Source != 3 {
		t.Fatalf("source = %d (ParseMedia), %d (proto), want 3", m.Source, pm.Source)
	}
}

func TestParseMediaRejects(t *testing.T) {
	tag := func(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"truncated tag", []byte{0x80}, ErrMalformed},
		{"field zero", []byte{0x00}, ErrMalformed},
		{"truncated varint", cat(tag(mediaSequence, protowire.VarintType), []byte{0xff}), ErrMalformed},
		{"stream id wire type", cat(tag(mediaStreamID, protowire.BytesType), []byte{0}), ErrMalformed},
		{"payload wire type", cat(tag(mediaPayload, protowire.VarintType), []byte{1}), ErrMalformed},
		{"payload truncated", cat(tag(mediaPayload, protowire.BytesType), []byte{5, 1, 2}), ErrMalformed},
		{"payload too large", cat(tag(mediaPayload, protowire.BytesType), []byte{5, 1, 2, 3, 4, 5}), ErrTooLarge},
		{"stream id overflow", cat(tag(mediaStreamID, protowire.VarintType), protowire.AppendVarint(nil, 1<<32)), ErrMalformed},
		{"source overflow", cat(tag(mediaSource, protowire.VarintType), protowire.AppendVarint(nil, 1<<33)), ErrMalformed},
		{"unknown field truncated", cat(tag(9, protowire.BytesType), []byte{9}), ErrMalformed},
		{"end group without start", tag(9, protowire.EndGroupType), ErrMalformed},
	}
	for _, c := range cases {
		var m MediaFrame
		err := ParseMedia(c.in, 4, &m)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: ParseMedia(%x) = %v, want %v", c.name, c.in, err, c.want)
		}
	}
	// Unknown fields are skipped, as protobuf requires.
	in := cat(tag(9, protowire.BytesType), []byte{1, 0}, AppendMedia(nil, &MediaFrame{Sequence: 5}))
	var m MediaFrame
	if err := ParseMedia(in, 4, &m); err != nil || m.Sequence != 5 {
		t.Errorf("unknown field: ParseMedia = %+v, %v; want sequence 5", m, err)
	}
}

func mediaEqual(a, b *MediaFrame) bool {
	return a.Source == b.Source && a.StreamID == b.StreamID && a.Sequence == b.Sequence &&
		a.TimestampUS == b.TimestampUS && bytes.Equal(a.Payload, b.Payload)
}

func FuzzParseMedia(f *testing.F) {
	for _, c := range mediaCases {
		f.Add(AppendMedia(nil, &c))
	}
	f.Add([]byte{0x80})
	f.Add([]byte{0x22, 0x05, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m MediaFrame
		if err := ParseMedia(b, 1<<16, &m); err != nil {
			return
		}
		// Whatever ParseMedia accepts, protobuf accepts with the same values.
		var pm Media
		if err := proto.Unmarshal(b, &pm); err != nil {
			t.Fatalf("ParseMedia accepted %x, proto.Unmarshal: %v", b, err)
		}
		got := MediaFrame{Source: pm.Source, StreamID: pm.StreamId, Sequence: pm.Sequence, TimestampUS: pm.TimestampUs, Payload: pm.Payload}
		if !mediaEqual(&m, &got) {
			t.Fatalf("ParseMedia = %+v, proto = %+v", m, got)
		}
		// Round trip: re-encoding gives a canonical form that parses back.
		enc := AppendMedia(nil, &m)
		var back MediaFrame
		if err := ParseMedia(enc, 1<<16, &back); err != nil || !mediaEqual(&back, &m) {
			t.Fatalf("re-encode %x: %+v, %v", enc, back, err)
		}
	})
}

func BenchmarkAppendMedia(b *testing.B) {
	m := MediaFrame{StreamID: 1, Sequence: 1 << 20, TimestampUS: 1 << 40, Payload: make([]byte, 1100)}
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(len(m.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendMedia(buf[:0], &m)
		m.Sequence++
	}
}

func BenchmarkParseMedia(b *testing.B) {
	enc := AppendMedia(nil, &MediaFrame{Source: 3, StreamID: 1, Sequence: 1 << 20, TimestampUS: 1 << 40, Payload: make([]byte, 1100)})
	var m MediaFrame
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := ParseMedia(enc, 1<<16, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMediaZeroAlloc(t *testing.T) {
	m := MediaFrame{StreamID: 1, Sequence: 1, TimestampUS: 2, Payload: make([]byte, 1000)}
	buf := make([]byte, 0, 2048)
	var out MediaFrame
	n := testing.AllocsPerRun(100, func() {
		buf = AppendMedia(buf[:0], &m)
		if err := ParseMedia(buf, 4096, &out); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("AppendMedia+ParseMedia allocate %v times per frame, want 0", n)
	}
}
