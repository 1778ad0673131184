package e2ee

import (
	"bytes"
	"testing"
)

// Fuzz targets for everything a receiver parses from the relay or from a
// decrypted frame: the packet framing, and per codec the clear part and
// join. Seeds are the sample frames and the hand-made edge cases.
//
//	go test -run '^$' -fuzz '^FuzzJoinH264$' -fuzztime 2m ./e2ee/

// FuzzParsePacket requires that every accepted packet splits into parts
// that cover it exactly and whose prefix re-encodes to the same bytes
// (one encoding per packet), and that Info never panics.
func FuzzParsePacket(f *testing.F) {
	for _, s := range loadSamples(f) {
		for _, frame := range s.frames[:3] {
			prefix, _, err := s.codec.split(nil, frame)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(append(prefix, 0x0f, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa))
		}
	}
	for _, seed := range []string{"", "00", "0100", "010010", "02 8000 10", "02 8101 10", "06 8080 01 10", "04 03 aabb"} {
		f.Add(unhex(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b)
		if err != nil {
			return
		}
		if len(p.Metadata)+len(p.SFrame) != len(b) || len(p.SFrame) == 0 || !bytes.Equal(p.Metadata, b[:len(p.Metadata)]) {
			t.Fatalf("parts do not cover the packet: %+v", p)
		}
		re, err := fixClearLen(append([]byte{byte(p.Codec), 0}, p.Clear...), 0, p.Codec)
		if err != nil || !bytes.Equal(re, p.Metadata) {
			t.Fatalf("prefix %x re-encodes as %x (%v)", p.Metadata, re, err)
		}
		_, _ = p.Info()
	})
}

// fuzzJoin checks, for clear part and plaintext pairs:
//
//   - join never panics, and rejects what ParseClear rejects;
//   - what join accepts is canonical: split of the joined frame gives back
//     the same clear part and plaintext;
//   - the plaintext, taken as a frame from the encoder, either fails split
//     or survives split and join unchanged.
func fuzzJoin(f *testing.F, c Codec, seeds ...string) {
	for _, s := range loadSamples(f) {
		if s.codec != c {
			continue
		}
		for _, frame := range s.frames {
			_, clear, payload := splitClear(f, c, frame)
			f.Add(bytes.Clone(clear), bytes.Clone(payload))
		}
	}
	for i := 0; i+1 < len(seeds); i += 2 {
		f.Add(unhex(seeds[i]), unhex(seeds[i+1]))
	}
	f.Fuzz(func(t *testing.T, clear, plaintext []byte) {
		_, perr := ParseClear(c, clear)
		frame, err := c.join([]byte("x"), clear, plaintext)
		if err != nil {
			if string(frame) != "x" {
				t.Fatalf("rejected frame released: %x", frame)
			}
		} else {
			if perr != nil {
				t.Fatalf("join accepted clear part %x that ParseClear rejects: %v", clear, perr)
			}
			frame = frame[1:]
			prefix, payload, err := c.split(nil, frame)
			if err != nil {
				t.Fatalf("joined frame %x does not split: %v", frame, err)
			}
			if p, err := ParsePacket(append(prefix, 0)); err != nil || !bytes.Equal(p.Clear, clear) || !bytes.Equal(payload, plaintext) {
				t.Fatalf("join/split not canonical: clear %x -> %x, plaintext %x -> %x (%v)", clear, p.Clear, plaintext, payload, err)
			}
		}
		if prefix, payload, err := c.split(nil, plaintext); err == nil {
			p, err := ParsePacket(append(prefix, 0))
			if err != nil {
				t.Fatalf("split produced an unparsable prefix %x: %v", prefix, err)
			}
			if _, err := p.Info(); err != nil {
				t.Fatalf("split produced a clear part %x that ParseClear rejects: %v", p.Clear, err)
			}
			got, err := c.join(nil, p.Clear, payload)
			if err != nil || !bytes.Equal(got, plaintext) {
				t.Fatalf("split/join of frame %x gave %x (%v)", plaintext, got, err)
			}
		}
	})
}

func FuzzJoinOpus(f *testing.F) { fuzzJoin(f, CodecOpus, "", "", "fc", "fc") }

func FuzzJoinVP8(f *testing.F) {
	fuzzJoin(f, CodecVP8, "", "1100aa", "11", "", "5000009d012a00000000", "", "110000", "")
}

func FuzzJoinVP9(f *testing.F) {
	fuzzJoin(f, CodecVP9, "", "86aa", "b1", "00", "b0498342", "0000", "8a", "")
}

func FuzzJoinH264(f *testing.F) {
	fuzzJoin(f, CodecH264,
		"09 67 0e80a067 65",
		"00000001 09f0 000001 67 4200 000001 0e80a067 000001 65 8888 000001 1480a067 aabbcc 000001 65 8888",
		"09 0a 0e000001 41", "0000000000 01 09f0 000000 01 0a 000001 0e000001 00 0000 000001 41 9a 0000 000001 0a 000001 41",
		"158078", "000001 158078 22",
		"41", "000001 41 00 000001 41 00")
}

func FuzzJoinH265(f *testing.F) {
	fuzzJoin(f, CodecH265,
		"4601 4001 4201 4401 2a01",
		"00000001 4601 50 000001 4001 0c 000001 4201 01 000001 4401 c1 000001 2a01 af 000001 040b 99",
		"0201", "000001 0202 00")
}

func FuzzJoinAV1(f *testing.F) {
	fuzzJoin(f, CodecAV1,
		"12 0a 364810 20", "1200 0a02 abcd 3648 838000 10 eeff 20 0102030405",
		"3230", "3201 30 1200", "12", "1201", "1a90", "1a01 90")
}
