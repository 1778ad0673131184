package e2ee

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Hand-made frames for what the encoder samples do not cover: VP9 profiles
// 2 and 3 and RGB, superframes, H.264 SVC/MVC/3D-AVC headers, AV1 OBU
// extensions and size-less OBUs, the two-byte clear length, and every
// rejection path with the error it must give.

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// vp9Bits builds a VP9 uncompressed header from (value, width) fields.
func vp9Bits(fields ...uint32) []byte {
	var out []byte
	var acc uint64
	n := 0
	for i := 0; i < len(fields); i += 2 {
		acc = acc<<fields[i+1] | uint64(fields[i])
		n += int(fields[i+1])
		for n >= 8 {
			out = append(out, byte(acc>>(n-8)))
			n -= 8
		}
	}
	if n > 0 {
		out = append(out, byte(acc<<(8-n)))
	}
	return out
}

// roundTrip splits frame, checks the clear part, parses it and joins it
// back, and returns what ParseClear said.
func roundTrip(t *testing.T, c Codec, frame, wantClear []byte) FrameInfo {
	t.Helper()
	_, clear, payload := splitClear(t, c, frame)
	if wantClear != nil && !bytes.Equal(clear, wantClear) {
		t.Fatalf("%v: clear part %x, want %x", c, clear, wantClear)
	}
	info, err := ParseClear(c, clear)
	if err != nil {
		t.Fatalf("%v: ParseClear(%x): %v", c, clear, err)
	}
	got, err := c.join(nil, clear, payload)
	if err != nil || !bytes.Equal(got, frame) {
		t.Fatalf("%v: join: %v", c, err)
	}
	return info
}

func TestVP9Headers(t *testing.T) {
	const w, h = 640 - 1, 360 - 1
	sync := []uint32{0x49, 8, 0x83, 8, 0x42, 8}
	key := func(profile uint32, color ...uint32) []byte {
		f := []uint32{2, 2, profile & 1, 1, profile >> 1, 1}
		if profile == 3 {
			f = append(f, 0, 1)
		}
		f = append(f, 0, 1, 0, 1, 1, 1, 0, 1) // show_existing, KEY_FRAME, show_frame, error_res
		f = append(f, sync...)
		f = append(f, color...)
		f = append(f, w, 16, h, 16, 0x5, 3) // frame_size, then some bits of render_size
		return vp9Bits(f...)
	}
	cases := []struct {
		name  string
		hdr   []byte
		n     int
		key   bool
		units int
	}{
		{"profile 0 inter", vp9Bits(2, 2, 0, 2, 0, 1, 1, 1, 1, 1, 0, 1), 1, false, 1},
		{"profile 3 inter", vp9Bits(2, 2, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1), 2, false, 1},
		{"profile 0 show_existing", vp9Bits(2, 2, 0, 2, 1, 1, 5, 3), 1, false, 1},
		{"profile 3 show_existing", vp9Bits(2, 2, 3, 2, 0, 1, 1, 1, 5, 3), 2, false, 1},
		{"profile 0 key RGB", key(0, 7, 3), 9, true, 1},
		{"profile 1 key RGB", key(1, 7, 3, 0, 1), 9, true, 1},
		{"profile 2 key BT.709", key(2, 1, 1, 2, 3, 0, 1), 9, true, 1},
		{"profile 3 key BT.709", key(3, 0, 1, 2, 3, 1, 1, 0, 1, 0, 1, 0, 1), 10, true, 1},
		{"profile 3 key RGB", key(3, 1, 1, 7, 3, 0, 1), 9, true, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frame := append(bytes.Clone(tc.hdr), 0xde, 0xad, 0xbe, 0xef)
			info := roundTrip(t, CodecVP9, frame, frame[:tc.n])
			if info.Keyframe != tc.key || info.Units != tc.units {
				t.Fatalf("info %+v", info)
			}
			if tc.key && (info.Width != 640 || info.Height != 360) {
				t.Fatalf("size %dx%d", info.Width, info.Height)
			}
			// Every truncation of the header is rejected, both as a frame
			// and as a clear part.
			for cut := 0; cut < tc.n; cut++ {
				if _, _, err := CodecVP9.split(nil, frame[:cut]); !errors.Is(err, ErrMalformedFrame) {
					t.Fatalf("frame cut to %d bytes: %v", cut, err)
				}
				if _, err := ParseClear(CodecVP9, frame[:cut]); !errors.Is(err, ErrMalformedPacket) {
					t.Fatalf("clear cut to %d bytes: %v", cut, err)
				}
			}
			if _, err := ParseClear(CodecVP9, frame[:tc.n+1]); !errors.Is(err, ErrMalformedPacket) {
				t.Fatalf("clear part one byte too long: %v", err)
			}
		})
	}
}

// TestVP9Superframe builds a superframe (VP9 Annex B) of the key frame and
// the next frame of the sample: the first frame's header is the clear part.
func TestVP9Superframe(t *testing.T) {
	var frames [][]byte
	for _, s := range loadSamples(t) {
		if s.file == "vp9.ivf" {
			frames = s.frames
		}
	}
	a, b := frames[0], frames[1]
	if len(a) > 0xffff || len(b) > 0xffff {
		t.Fatal("sample frames too large for a 2-byte superframe index")
	}
	const marker = 0xc0 | 1<<3 | 1 // 2 bytes per size, 2 frames
	sf := append(append(bytes.Clone(a), b...), marker, byte(len(a)), byte(len(a)>>8), byte(len(b)), byte(len(b)>>8), marker)
	info := roundTrip(t, CodecVP9, sf, a[:9])
	if !info.Keyframe || info.Width != 176 {
		t.Fatalf("info %+v", info)
	}
}

func TestH264ExtensionHeaders(t *testing.T) {
	au := unhex("00000001 09f0" + // AUD
		"000001 67 4200" + // SPS
		"000001 0e80a067" + // SVC prefix: dependency_id 2, temporal_id 3
		"000001 65 8888" + // IDR slice of the base layer: the last header in clear
		"000001 1480a067 aabbcc" + // SVC slice extension
		"000001 65 8888") // a second slice
	info := roundTrip(t, CodecH264, au, unhex("09 67 0e80a067 65"))
	if !info.Keyframe || !info.ParameterSets || info.Units != 4 || info.TemporalID != 3 || info.SpatialID != 2 {
		t.Fatalf("info %+v", info)
	}
	// Extension headers of slices: SVC, MVC, 3D-AVC, MVC in type 21.
	for clear, c := range map[string]string{
		"1480a067": "000001 1480a067 aabbcc", "14402b2b": "000001 14402b2b 11",
		"158078": "000001 158078 22", "15402b2b": "000001 15402b2b 33",
	} {
		roundTrip(t, CodecH264, unhex(c), unhex(clear))
	}
	for _, tc := range []struct {
		clear     string
		tid, sid  int
		key, sets bool
	}{
		{"1480a067", 3, 2, false, false},
		{"14402b2b", 5, -1, false, false},
		{"158078", 6, -1, false, false},
		{"15402b2b", 5, -1, false, false},
		{"67 68 65", -1, -1, true, true},
		{"41", -1, -1, false, false},
	} {
		info, err := ParseClear(CodecH264, unhex(tc.clear))
		if err != nil {
			t.Fatal(err)
		}
		if info.TemporalID != tc.tid || info.SpatialID != tc.sid || info.Keyframe != tc.key || info.ParameterSets != tc.sets {
			t.Errorf("%s: info %+v", tc.clear, info)
		}
	}
}

func TestH265Headers(t *testing.T) {
	// AUD, VPS, SPS, PPS, CRA, and a second-layer (nuh_layer_id 1) TSA_N
	// with TemporalId 2 after the first slice, so not in clear.
	au := unhex("00000001 4601 50" + "000001 4001 0c" + "000001 4201 01" + "000001 4401 c1" + "000001 2a01 af" +
		"000001 040b 99")
	info := roundTrip(t, CodecH265, au, unhex("4601 4001 4201 4401 2a01"))
	if !info.Keyframe || !info.ParameterSets || info.TemporalID != 0 || info.SpatialID != 0 || info.Units != 5 {
		t.Fatalf("info %+v", info)
	}
	info, err := ParseClear(CodecH265, unhex("4601 040b"))
	if err != nil || info.Keyframe || info.TemporalID != 2 || info.SpatialID != 1 {
		t.Fatalf("info %+v, %v", info, err)
	}
}

func TestAnnexBStartCodes(t *testing.T) {
	// Leading zero bytes, 3- and 4-byte start codes, trailing zeros, a
	// NAL unit that is only a header (end of sequence, type 10), a start
	// code pattern inside an extension header, and NAL units after the
	// first slice, which stay out of the clear part.
	au := unhex("0000000000 01 09f0 000000 01 0a 000001 0e000001 00 0000 000001 41 9a 0000 000001 0a 000001 41")
	roundTrip(t, CodecH264, au, unhex("09 0a 0e000001 41"))
	// A frame without a slice: every header is in clear.
	roundTrip(t, CodecH264, unhex("000001 67 42 000001 68 ce"), unhex("67 68"))
}

func TestAV1OBUs(t *testing.T) {
	// TD; sequence header; OBU_FRAME with extension (temporal 2, spatial
	// 1) and a non-minimal 3-byte obu_size; a tile group without size
	// field running to the end.
	tu := unhex("1200" + "0a02 abcd" + "3648 838000 10 eeff" + "20 0102030405")
	info := roundTrip(t, CodecAV1, tu, unhex("12 0a 364810 20"))
	if !info.Keyframe || !info.ParameterSets || info.TemporalID != 2 || info.SpatialID != 1 || info.Units != 4 {
		t.Fatalf("info %+v", info)
	}
	for _, tc := range []struct {
		clear string
		key   bool
	}{
		{"3210", true},      // KEY_FRAME, shown
		{"3200", false},     // KEY_FRAME, not shown
		{"3230", false},     // INTER_FRAME
		{"1a90", false},     // show_existing_frame
		{"3a10", true},      // OBU_REDUNDANT_FRAME_HEADER of a shown key frame
		{"1a10 3210", true}, // OBU_FRAME_HEADER and OBU_FRAME
	} {
		info, err := ParseClear(CodecAV1, unhex(tc.clear))
		if err != nil || info.Keyframe != tc.key {
			t.Errorf("%s: info %+v, %v", tc.clear, info, err)
		}
	}
}

// TestLongClearPart takes the clear length into its two-byte form and past
// MaxClearLen.
func TestLongClearPart(t *testing.T) {
	au := append(bytes.Repeat(unhex("000001 06 9a"), 199), unhex("000001 41 9a")...)
	prefix, clear, payload := splitClear(t, CodecH264, au)
	if len(clear) != 200 || prefix[1] != 200&0x7f|0x80 || prefix[2] != 200>>7 {
		t.Fatalf("prefix % x", prefix[:3])
	}
	p, err := ParsePacket(append(prefix, 0x10))
	if err != nil || !bytes.Equal(p.Clear, clear) {
		t.Fatalf("ParsePacket: %v", err)
	}
	if got, err := CodecH264.join(nil, clear, payload); err != nil || !bytes.Equal(got, au) {
		t.Fatalf("join: %v", err)
	}

	au = bytes.Repeat(unhex("000001 06"), MaxClearLen+1)
	if _, _, err := CodecH264.split(nil, au); !errors.Is(err, ErrMalformedFrame) {
		t.Fatalf("%d NAL units: %v", MaxClearLen+1, err)
	}
	tu := bytes.Repeat(unhex("3201 30"), MaxClearLen/2+1)
	if _, _, err := CodecAV1.split(nil, tu); !errors.Is(err, ErrMalformedFrame) {
		t.Fatalf("%d OBUs: %v", MaxClearLen/2+1, err)
	}
}

func TestMalformedFrames(t *testing.T) {
	cases := []struct {
		c     Codec
		frame string
		off   int
	}{
		{CodecOpus, "", 0},
		{CodecVP8, "", 0},
		{CodecVP8, "11", 1},
		{CodecVP8, "1100", 2},
		{CodecVP8, "5000009d012a0000", 8},
		{CodecVP8, "5000009d012b00000000", 3},
		{CodecVP9, "", 0},
		{CodecVP9, "46", 0},
		{CodecVP9, "8249834300000000000000", 1},
		{CodecH264, "", 0},
		{CodecH264, "01020304", 0},
		{CodecH264, "0001 65", 1},
		{CodecH264, "000001", 3},
		{CodecH264, "000001 09 000001", 7},
		{CodecH264, "000001 e5", 3},
		{CodecH264, "000001 0e80a0", 3},
		{CodecH264, "000001 15", 3},
		{CodecH265, "000001 26", 3},
		{CodecH265, "000001 2600", 3},
		{CodecH265, "000001 a601", 3},
		{CodecAV1, "", 0},
		{CodecAV1, "92 00", 0},
		{CodecAV1, "1200 16", 3},
		{CodecAV1, "12 80", 1},
		{CodecAV1, "12 ffffffffffffffff01", 1},
		{CodecAV1, "12 8080808010", 1},
		{CodecAV1, "12 05 0000", 2},
		{CodecAV1, "3200", 2},
		{CodecAV1, "1200 30", 3},
		{Codec(0), "00", 0},
		{Codec(9), "00", 0},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%v %s", tc.c, tc.frame)
		prefix, payload, err := tc.c.split([]byte("keep"), unhex(tc.frame))
		var ce *CodecError
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v", name, err)
			continue
		}
		want := ErrMalformedFrame
		if !tc.c.IsValid() {
			want = ErrUnknownCodec
		}
		if !errors.Is(err, want) || ce.Offset != tc.off || ce.Codec != tc.c {
			t.Errorf("%s: err = %v (offset %d), want %v at offset %d", name, err, ce.Offset, want, tc.off)
		}
		if string(prefix) != "keep" || payload != nil {
			t.Errorf("%s: split changed dst to %q or returned a payload", name, prefix)
		}
	}
}

func TestMalformedPackets(t *testing.T) {
	for _, tc := range []struct {
		pkt  string
		want error
	}{
		{"", ErrMalformedPacket},
		{"00 00 10", ErrUnknownCodec},
		{"07 00 10", ErrUnknownCodec},
		{"02", ErrMalformedPacket},
		{"02 80", ErrMalformedPacket},
		{"02 8000 10", ErrMalformedPacket},    // non-minimal length
		{"02 8080 01 10", ErrMalformedPacket}, // third length byte
		{"02 03 aabb", ErrMalformedPacket},    // clear part past the end
		{"02 02 aabb", ErrMalformedPacket},    // no SFrame ciphertext
		{"02 00", ErrMalformedPacket},
	} {
		if _, err := ParsePacket(unhex(tc.pkt)); !errors.Is(err, tc.want) {
			t.Errorf("%q: err = %v, want %v", tc.pkt, err, tc.want)
		}
	}
	p, err := ParsePacket(unhex("01 00 10"))
	if err != nil || p.Codec != CodecOpus || len(p.Clear) != 0 || len(p.Metadata) != 2 || len(p.SFrame) != 1 {
		t.Fatalf("minimal packet: %+v, %v", p, err)
	}
	// The parts must not let an append to one overwrite the next.
	if cap(p.Clear) != len(p.Clear) || cap(p.Metadata) != len(p.Metadata) {
		t.Fatal("Clear or Metadata has spare capacity")
	}
}

func TestMalformedClear(t *testing.T) {
	for _, tc := range []struct {
		c     Codec
		clear string
		want  error
	}{
		{CodecOpus, "00", ErrMalformedPacket},
		{CodecVP8, "", ErrMalformedPacket},
		{CodecVP8, "110000", ErrMalformedPacket},
		{CodecVP8, "5000009d012a00000000 00", ErrMalformedPacket},
		{CodecVP8, "5000009d012a", ErrMalformedPacket},
		{CodecVP9, "86 00", ErrMalformedPacket},
		{CodecH264, "", ErrMalformedPacket},
		{CodecH264, "09 e5", ErrMalformedPacket},
		{CodecH264, "65 41", ErrMalformedPacket},
		{CodecH265, "2601 0201", ErrMalformedPacket},
		{CodecH264, "0e80a0", ErrMalformedPacket},
		{CodecH265, "", ErrMalformedPacket},
		{CodecH265, "2601 26", ErrMalformedPacket},
		{CodecH265, "2600", ErrMalformedPacket},
		{CodecAV1, "", ErrMalformedPacket},
		{CodecAV1, "32", ErrMalformedPacket},
		{CodecAV1, "3648", ErrMalformedPacket},
		{CodecAV1, "92", ErrMalformedPacket},
		{Codec(0), "", ErrUnknownCodec},
	} {
		if _, err := ParseClear(tc.c, unhex(tc.clear)); !errors.Is(err, tc.want) {
			t.Errorf("%v %q: err = %v, want %v", tc.c, tc.clear, err, tc.want)
		}
	}
}

func TestJoinMismatch(t *testing.T) {
	for _, tc := range []struct {
		c                Codec
		clear, plaintext string
		want             error
	}{
		{CodecOpus, "", "", ErrClearMismatch},
		{CodecOpus, "fc", "fc", ErrClearMismatch},
		{CodecVP8, "", "1100aa", ErrClearMismatch},
		{CodecVP8, "11", "", ErrClearMismatch},     // inter frame without its frame tag
		{CodecVP8, "110000", "", ErrClearMismatch}, // clear part longer than the header
		{CodecVP9, "", "86aa", ErrClearMismatch},
		{CodecH264, "41", "000001 65 00", ErrClearMismatch},
		{CodecH264, "41 41", "000001 41 00", ErrClearMismatch},
		{CodecH264, "41", "000001 41 00 000001 41 00", nil},
		{CodecH264, "09", "000001 09 10 000001 41 00", ErrClearMismatch},
		{CodecH264, "09 41 41", "000001 09 10 000001 41 00 000001 41 00", ErrClearMismatch},
		{CodecH264, "41", "aa000001 41 00", ErrClearMismatch},
		{CodecH265, "0201", "000001 0201 00", nil},
		{CodecH265, "0201", "000001 0202 00", ErrClearMismatch},
		{CodecAV1, "3230", "3201 31", ErrClearMismatch},
		{CodecAV1, "3230", "3201 30 1200", ErrClearMismatch},
		{CodecAV1, "12 32", "1200", ErrClearMismatch},
		{CodecAV1, "", "", ErrClearMismatch},
		{CodecAV1, "12", "1201", ErrClearMismatch},
		{Codec(0), "", "00", ErrUnknownCodec},
	} {
		dst := []byte("keep")
		out, err := tc.c.join(dst, unhex(tc.clear), unhex(tc.plaintext))
		if !errors.Is(err, tc.want) && (tc.want != nil || err != nil) {
			t.Errorf("%v %q %q: err = %v, want %v", tc.c, tc.clear, tc.plaintext, err, tc.want)
		}
		if tc.want != nil && string(out) != "keep" {
			t.Errorf("%v %q %q: rejected frame released: %q", tc.c, tc.clear, tc.plaintext, out)
		}
	}
}

// TestZeroAllocs checks the hot-path promise: with buffers of sufficient
// capacity, split, join, ParsePacket and ParseClear allocate nothing.
func TestZeroAllocs(t *testing.T) {
	for _, s := range loadSamples(t) {
		frame := s.frames[0]
		prefix, clear, payload := splitClear(t, s.codec, frame)
		pkt := append(bytes.Clone(prefix), 0x10, 1, 2, 3)
		dst := make([]byte, 0, len(frame)+64)
		allocs := testing.AllocsPerRun(50, func() {
			out, _, err := s.codec.split(dst[:0], frame)
			if err != nil || len(out) != len(prefix) {
				t.Fatal(err)
			}
			if _, err := s.codec.join(dst[:0], clear, payload); err != nil {
				t.Fatal(err)
			}
			p, err := ParsePacket(pkt)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Info(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per split/join/parse", s.file, allocs)
		}
	}
}

// TestIndexStartCode compares indexStartCode with bytes.Index on every byte
// string over {00, 01, 02} of up to 9 bytes, and on longer ones that put
// the start code on either side of the inline search's end.
func TestIndexStartCode(t *testing.T) {
	n := 0
	b := make([]byte, 0, 9)
	var gen func()
	gen = func() {
		if got, want := indexStartCode(b), bytes.Index(b, annexBStartCode); got != want {
			t.Fatalf("indexStartCode(%x) = %d, want %d", b, got, want)
		}
		n++
		if len(b) == cap(b) {
			return
		}
		for v := byte(0); v < 3; v++ {
			b = append(b, v)
			gen()
			b = b[:len(b)-1]
		}
	}
	gen()
	for at := 0; at < 40; at++ {
		long := bytes.Repeat([]byte{0x9a}, 48)
		copy(long[at:], annexBStartCode)
		long[at+3] = 0
		if got := indexStartCode(long); got != at {
			t.Fatalf("start code at %d found at %d", at, got)
		}
		n++
	}
	if n != (59049-1)/2+40 { // 3^0 + ... + 3^9 strings, 40 long ones
		t.Fatalf("ran %d cases", n)
	}
}

// TestVP9FastPath checks that the one-byte fast path for inter frames
// agrees with the bit parser for every first byte.
func TestVP9FastPath(t *testing.T) {
	tail := unhex("498342 000af008f6 0638")
	fast := 0
	for b0 := range 256 {
		for _, frame := range [][]byte{{byte(b0)}, append([]byte{byte(b0)}, tail...)} {
			n1, h1, f1 := vp9Header(frame)
			n2, h2, f2 := vp9HeaderBits(frame)
			if n1 != n2 || h1 != h2 || f1 != f2 {
				t.Fatalf("%x: fast path %d %+v %+v, bit parser %d %+v %+v", frame, n1, h1, f1, n2, h2, f2)
			}
		}
		if byte(b0)&0xcc == 0x84 && byte(b0)&0x30 != 0x30 {
			fast++
		}
	}
	if fast != 12 {
		t.Fatalf("fast path taken for %d first bytes, want 12 (3 profiles x 4 flag pairs)", fast)
	}
}
