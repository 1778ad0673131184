package frame

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestHeaderLengths(t *testing.T) {
	// Every KID and CTR length from 0 to 8 bytes, at both ends of each
	// length, round-trips and has the expected size.
	var values []uint64
	for n := 0; n <= 8; n++ {
		switch n {
		case 0:
			values = append(values, 0, 7)
		case 8:
			values = append(values, 1<<56, math.MaxUint64)
		default:
			lo := uint64(1) << (8 * (n - 1))
			if n == 1 {
				lo = 8
			}
			values = append(values, lo, 1<<(8*n)-1)
		}
	}
	for _, k := range values {
		for _, c := range values {
			h := Header{KID: KID(k), CTR: c}
			enc, _ := h.MarshalBinary()
			if want := 1 + fieldLen(k) + fieldLen(c); len(enc) != want || h.Len() != want {
				t.Fatalf("%+v: encoded in %d bytes, Len %d, want %d", h, len(enc), h.Len(), want)
			}
			got, rest, err := ParseHeader(enc)
			if err != nil || got != h || len(rest) != 0 {
				t.Fatalf("%+v: ParseHeader(%x) = %+v, %x, %v", h, enc, got, rest, err)
			}
		}
	}
	if (Header{math.MaxUint64, math.MaxUint64}).Len() != MaxHeaderLen {
		t.Error("the largest header is not MaxHeaderLen bytes")
	}
}

func TestHeaderRejects(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		in         []byte
	}{
		{"empty", "empty input", nil},
		{"KID truncated", "truncated", []byte{0x90, 0x01}},              // 2-byte KID, 1 present
		{"CTR truncated", "truncated", []byte{0x0b, 1, 2, 3}},           // 4-byte CTR, 3 present
		{"both truncated", "truncated", []byte{0xff, 1, 2, 3, 4, 5, 6}}, // 8 + 8 bytes
		{"KID below 8 extended", "minimal", []byte{0x80, 0x07}},
		{"KID leading zero", "minimal", []byte{0x90, 0x00, 0xff}},
		{"CTR below 8 extended", "minimal", []byte{0x08, 0x00}},
		{"CTR leading zero", "minimal", []byte{0x0f, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"KID 8 in two bytes", "minimal", []byte{0x90, 0x00, 0x08}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rest, err := ParseHeader(tc.in)
			if !errors.Is(err, ErrMalformedHeader) || rest != nil {
				t.Fatalf("ParseHeader(%x) = %x, %v; want ErrMalformedHeader", tc.in, rest, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "frame: parse header: malformed header: ") {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			var h Header
			if err := h.UnmarshalBinary(tc.in); !errors.Is(err, ErrMalformedHeader) {
				t.Errorf("UnmarshalBinary(%x) = %v", tc.in, err)
			}
		})
	}
}

// TestHeaderTruncatedVectors cuts every RFC header vector short by each
// possible amount; each prefix must fail with ErrMalformedHeader.
func TestHeaderTruncatedVectors(t *testing.T) {
	v := loadRFCVectors(t)
	n := 0
	for _, tc := range v.Header {
		for cut := range len(tc.Encoded) {
			if _, _, err := ParseHeader(tc.Encoded[:cut]); !errors.Is(err, ErrMalformedHeader) {
				t.Fatalf("ParseHeader(%x) = %v, want ErrMalformedHeader", tc.Encoded[:cut], err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no truncations tested")
	}
}

func TestHeaderUnmarshalTrailing(t *testing.T) {
	var h Header
	err := h.UnmarshalBinary([]byte{0x12, 0x00})
	if !errors.Is(err, ErrMalformedHeader) || !strings.Contains(err.Error(), "trailing") {
		t.Fatalf("UnmarshalBinary with a trailing byte: %v", err)
	}
	if h != (Header{}) {
		t.Errorf("UnmarshalBinary changed h on error: %+v", h)
	}
}

// TestHeaderAllConfigBytes decodes every config byte followed by enough
// 0xff bytes: all must decode (0xff bytes are never leading zeros) and
// re-encode to the same bytes.
func TestHeaderAllConfigBytes(t *testing.T) {
	for config := range 256 {
		in := append([]byte{byte(config)}, bytes.Repeat([]byte{0xff}, 16)...)
		h, rest, err := ParseHeader(in)
		if err != nil {
			t.Fatalf("config %#02x: %v", config, err)
		}
		enc, _ := h.MarshalBinary()
		if !bytes.Equal(enc, in[:len(in)-len(rest)]) {
			t.Fatalf("config %#02x: re-encoded as %x, read %x", config, enc, in[:len(in)-len(rest)])
		}
	}
}
