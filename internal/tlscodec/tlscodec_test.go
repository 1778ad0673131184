package tlscodec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAddVarint(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want string
	}{
		{0, "00"},
		{1, "01"},
		{63, "3f"},
		{64, "4040"},
		{255, "40ff"},
		{16383, "7fff"},
		{16384, "80004000"},
		{MaxVarint, "bfffffff"},
	} {
		got, err := Marshal(func(b *cryptobyte.Builder) { AddVarint(b, tc.v) })
		if err != nil {
			t.Fatalf("AddVarint(%d): %v", tc.v, err)
		}
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("AddVarint(%d) = %x, want %s", tc.v, got, tc.want)
		}
		if n := VarintLen(tc.v); n != len(got) {
			t.Errorf("VarintLen(%d) = %d, want %d", tc.v, n, len(got))
		}
	}
	for _, v := range []uint64{MaxVarint + 1, 1 << 32, 1<<64 - 1} {
		_, err := Marshal(func(b *cryptobyte.Builder) { AddVarint(b, v) })
		if !errors.Is(err, ErrTooLong) {
			t.Errorf("AddVarint(%d): err = %v, want ErrTooLong", v, err)
		}
		if n := VarintLen(v); n != 0 {
			t.Errorf("VarintLen(%d) = %d, want 0", v, n)
		}
	}
}

func TestReadVarint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		rest int
	}{
		{"00", 0, 0},
		{"3f", 63, 0},
		{"3fff", 63, 1},
		{"4040", 64, 0},
		{"7fff", 16383, 0},
		{"80004000", 16384, 0},
		{"bfffffff", MaxVarint, 0},
		{"bfffffff00", MaxVarint, 1},
	} {
		s := cryptobyte.String(mustHex(t, tc.in))
		var v uint64
		if !ReadVarint(&s, &v) {
			t.Errorf("ReadVarint(%s) failed", tc.in)
			continue
		}
		if v != tc.want || len(s) != tc.rest {
			t.Errorf("ReadVarint(%s) = %d with %d left, want %d with %d left", tc.in, v, len(s), tc.want, tc.rest)
		}
	}
}

func TestReadVarintMalformed(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"prefix 0b11 alone", "c0"},
		{"prefix 0b11 with 8 bytes", "c000000000000001"},
		{"prefix 0b11 max", "ffffffffffffffff"},
		{"truncated 2-byte", "40"},
		{"truncated 4-byte", "800040"},
		{"non-minimal 2-byte zero", "4000"},
		{"non-minimal 2-byte 63", "403f"},
		{"non-minimal 4-byte zero", "80000000"},
		{"non-minimal 4-byte 63", "8000003f"},
		{"non-minimal 4-byte 16383", "80003fff"},
	} {
		s := cryptobyte.String(mustHex(t, tc.in))
		var v uint64
		if ReadVarint(&s, &v) {
			t.Errorf("%s: ReadVarint(%s) = %d, want failure", tc.name, tc.in, v)
		}
		if v != 0 {
			t.Errorf("%s: out written on failure", tc.name)
		}
	}
}

// TestVarintRoundTripBoundaries checks every length around the encoding
// boundaries both ways.
func TestVarintRoundTripBoundaries(t *testing.T) {
	for _, base := range []uint64{0, 1 << 6, 1 << 14, MaxVarint} {
		for d := int64(-2); d <= 2; d++ {
			v := uint64(int64(base) + d)
			if int64(base)+d < 0 || v > MaxVarint {
				continue
			}
			enc, err := Marshal(func(b *cryptobyte.Builder) { AddVarint(b, v) })
			if err != nil {
				t.Fatal(err)
			}
			s := cryptobyte.String(enc)
			var got uint64
			if !ReadVarint(&s, &got) || got != v || !s.Empty() {
				t.Errorf("round trip of %d: got %d, %d bytes left", v, got, len(s))
			}
		}
	}
}

func TestAddVector(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 255, 16383, 16384, 70000} {
		body := bytes.Repeat([]byte{0xa5}, n)
		got, err := Marshal(func(b *cryptobyte.Builder) {
			b.AddUint8(0xee) // something before, so offsets are not zero
			AddVector(b, func(b *cryptobyte.Builder) { b.AddBytes(body) })
			b.AddUint8(0xff) // and after
		})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		want := []byte{0xee}
		want, _ = Marshal(func(b *cryptobyte.Builder) {
			b.AddBytes(want)
			AddVarint(b, uint64(n))
			b.AddBytes(body)
			b.AddUint8(0xff)
		})
		if !bytes.Equal(got, want) {
			t.Errorf("n=%d: AddVector wrote %d bytes, want %d (header %x, want %x)", n, len(got), len(want), got[:min(len(got), 5)], want[:min(len(want), 5)])
		}
	}
}

func TestAddVectorNested(t *testing.T) {
	inner := bytes.Repeat([]byte{1}, 100)
	got, err := Marshal(func(b *cryptobyte.Builder) {
		AddVector(b, func(b *cryptobyte.Builder) {
			AddVector(b, func(b *cryptobyte.Builder) {
				AddOpaque(b, inner)
				AddVector(b, func(*cryptobyte.Builder) {})
			})
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				AddOpaque(b, []byte{7})
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// opaque<V> of 100 bytes: 2+100; empty vector: 1; inner vector body 103
	// → header 2; uint16-prefixed body 2 → 4 bytes; outer body 109 → 2.
	want := "406d" + "4067" + "4064" + strings.Repeat("01", 100) + "00" + "0002" + "0107"
	if hex.EncodeToString(got) != want {
		t.Errorf("nested = %x\nwant     %s", got, want)
	}
	// It must agree with the copying construction it replaced.
	ref, err := Marshal(func(b *cryptobyte.Builder) {
		addVectorCopy(b, func(b *cryptobyte.Builder) {
			addVectorCopy(b, func(b *cryptobyte.Builder) {
				AddOpaque(b, inner)
				addVectorCopy(b, func(*cryptobyte.Builder) {})
			})
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				AddOpaque(b, []byte{7})
			})
		})
	})
	if err != nil || !bytes.Equal(ref, got) {
		t.Errorf("reference construction differs: %x, %v", ref, err)
	}
}

func TestAddVectorErrors(t *testing.T) {
	sentinel := errors.New("body failed")
	_, err := Marshal(func(b *cryptobyte.Builder) {
		AddVector(b, func(b *cryptobyte.Builder) { b.SetError(sentinel) })
	})
	if !errors.Is(err, sentinel) {
		t.Errorf("error in body: got %v", err)
	}
	// An error set before the vector wins and nothing more is written.
	_, err = Marshal(func(b *cryptobyte.Builder) {
		b.SetError(sentinel)
		AddVector(b, func(b *cryptobyte.Builder) { b.AddUint8(1) })
	})
	if !errors.Is(err, sentinel) {
		t.Errorf("error before vector: got %v", err)
	}
	// A fixed builder too small for the header.
	fb := cryptobyte.NewFixedBuilder(make([]byte, 0, 2))
	AddVector(fb, func(b *cryptobyte.Builder) {})
	if _, err := fb.Bytes(); err == nil {
		t.Error("fixed builder without room for the header: no error")
	}
	// A fixed builder with exactly enough room for the reserved header and
	// body works, and the result is the minimal encoding.
	fb = cryptobyte.NewFixedBuilder(make([]byte, 0, 5))
	AddVector(fb, func(b *cryptobyte.Builder) { b.AddUint8(9) })
	if out, err := fb.Bytes(); err != nil || hex.EncodeToString(out) != "0109" {
		t.Errorf("fixed builder: %x, %v", out, err)
	}
	// A body that removes bytes it did not write is caught.
	_, err = Marshal(func(b *cryptobyte.Builder) {
		b.AddUint8(1)
		AddVector(b, func(b *cryptobyte.Builder) { b.Unwrite(5) })
	})
	if err == nil {
		t.Error("body unwriting its header: no error")
	}
}

func TestAddOpaqueReadOpaque(t *testing.T) {
	for _, n := range []int{0, 5, 64, 20000} {
		v := bytes.Repeat([]byte{byte(n)}, n)
		enc, err := Marshal(func(b *cryptobyte.Builder) { AddOpaque(b, v) })
		if err != nil {
			t.Fatal(err)
		}
		if len(enc) != VarintLen(uint64(n))+n {
			t.Errorf("n=%d: encoded %d bytes", n, len(enc))
		}
		s := cryptobyte.String(enc)
		var out []byte
		if !ReadOpaque(&s, &out) || !s.Empty() || !bytes.Equal(out, v) {
			t.Fatalf("n=%d: ReadOpaque round trip failed", n)
		}
		if out == nil {
			t.Errorf("n=%d: ReadOpaque returned nil", n)
		}
		if n > 0 {
			enc[len(enc)-1] ^= 0xff
			if out[n-1] != v[n-1] {
				t.Errorf("n=%d: ReadOpaque result aliases the input", n)
			}
		}
	}
}

func TestReadVector(t *testing.T) {
	s := cryptobyte.String(mustHex(t, "03aabbccdd"))
	var body cryptobyte.String
	if !ReadVector(&s, &body) || hex.EncodeToString(body) != "aabbcc" || hex.EncodeToString(s) != "dd" {
		t.Fatalf("ReadVector: body %x rest %x", body, s)
	}
	// ReadVector returns a view, not a copy.
	in := mustHex(t, "02abcd")
	s = cryptobyte.String(in)
	if !ReadVector(&s, &body) {
		t.Fatal("ReadVector failed")
	}
	in[1] = 0
	if body[0] != 0 {
		t.Error("ReadVector copied its body")
	}
}

func TestReadVectorMalformed(t *testing.T) {
	for _, tc := range []struct{ name, in, problem string }{
		{"empty", "", "truncated length"},
		{"prefix 0b11", "c1020304", "invalid length prefix 0b11"},
		{"non-minimal", "400100", "non-minimal length 1 in 2 bytes"},
		{"non-minimal 4-byte", "8000000100", "non-minimal length 1 in 4 bytes"},
		{"truncated header", "80", "truncated length"},
		{"length beyond input", "05aabb", "length 5 exceeds the 2 bytes left"},
		{"2^30-1 claimed", "bfffffff00", "length 1073741823 exceeds the 1 bytes left"},
		{"2-byte beyond input", "4100" + strings.Repeat("00", 255), "length 256 exceeds the 255 bytes left"},
	} {
		in := mustHex(t, tc.in)
		s := cryptobyte.String(in)
		var body cryptobyte.String
		if ReadVector(&s, &body) {
			t.Errorf("%s: ReadVector succeeded", tc.name)
		}
		s = cryptobyte.String(in)
		var out []byte
		if ReadOpaque(&s, &out) {
			t.Errorf("%s: ReadOpaque succeeded", tc.name)
		}
		s = cryptobyte.String(in)
		if ReadVectorOf(&s, func(s *cryptobyte.String) bool { return s.Skip(1) }) {
			t.Errorf("%s: ReadVectorOf succeeded", tc.name)
		}
		if got := VectorProblem(in); got != tc.problem {
			t.Errorf("%s: VectorProblem = %q, want %q", tc.name, got, tc.problem)
		}
	}
	if p := VectorProblem(mustHex(t, "01aa")); p != "" {
		t.Errorf("VectorProblem on a valid vector = %q", p)
	}
}

func TestReadVectorOf(t *testing.T) {
	s := cryptobyte.String(mustHex(t, "06000100020003ff"))
	var got []uint16
	ok := ReadVectorOf(&s, func(s *cryptobyte.String) bool {
		var v uint16
		if !s.ReadUint16(&v) {
			return false
		}
		got = append(got, v)
		return true
	})
	if !ok || len(got) != 3 || got[2] != 3 || hex.EncodeToString(s) != "ff" {
		t.Fatalf("ReadVectorOf: ok=%v got=%v rest=%x", ok, got, s)
	}
	// A body that does not split into whole items.
	s = cryptobyte.String(mustHex(t, "03000100"))
	if ReadVectorOf(&s, func(s *cryptobyte.String) bool { var v uint16; return s.ReadUint16(&v) }) {
		t.Error("odd body split into uint16s")
	}
	// An item that consumes nothing would loop forever; it is an error.
	s = cryptobyte.String(mustHex(t, "0100"))
	if ReadVectorOf(&s, func(*cryptobyte.String) bool { return true }) {
		t.Error("item consuming nothing accepted")
	}
	// An item that fails.
	s = cryptobyte.String(mustHex(t, "0100"))
	if ReadVectorOf(&s, func(*cryptobyte.String) bool { return false }) {
		t.Error("failing item accepted")
	}
	// Empty vector: item is never called.
	s = cryptobyte.String(mustHex(t, "00"))
	if !ReadVectorOf(&s, func(*cryptobyte.String) bool { t.Error("item called"); return false }) {
		t.Error("empty vector rejected")
	}
}

func TestOptionalAndBool(t *testing.T) {
	enc, err := Marshal(func(b *cryptobyte.Builder) {
		AddOptional(b, false, func(b *cryptobyte.Builder) { t.Error("absent value written") })
		AddOptional(b, true, func(b *cryptobyte.Builder) { b.AddUint8(0x42) })
		AddBool(b, true)
		AddBool(b, false)
	})
	if err != nil || hex.EncodeToString(enc) != "0001420100" {
		t.Fatalf("encoded %x, %v", enc, err)
	}
	s := cryptobyte.String(enc)
	var present, v bool
	var x uint8
	if !ReadOptional(&s, &present) || present {
		t.Fatal("first optional")
	}
	if !ReadOptional(&s, &present) || !present || !s.ReadUint8(&x) || x != 0x42 {
		t.Fatal("second optional")
	}
	if !ReadBool(&s, &v) || !v || !ReadBool(&s, &v) || v || !s.Empty() {
		t.Fatal("bools")
	}
	for _, bad := range []string{"02", "ff", ""} {
		s := cryptobyte.String(mustHex(t, bad))
		if ReadOptional(&s, &present) || ReadBool(&s, &v) {
			t.Errorf("presence/bool byte %q accepted", bad)
		}
	}
}

func TestMarshalUnmarshal(t *testing.T) {
	readByte := func(s *cryptobyte.String) bool { var v uint8; return s.ReadUint8(&v) }
	if err := Unmarshal("Thing", []byte{1}, readByte); err != nil {
		t.Errorf("exact input: %v", err)
	}
	err := Unmarshal("Thing", []byte{1, 2, 3}, readByte)
	if !errors.Is(err, ErrTrailingData) || !strings.Contains(err.Error(), "Thing: 2 bytes after the end") {
		t.Errorf("trailing: %v", err)
	}
	err = Unmarshal("Thing", nil, readByte)
	if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "Thing: ") {
		t.Errorf("short: %v", err)
	}
	sentinel := errors.New("x")
	if _, err := Marshal(func(b *cryptobyte.Builder) { b.SetError(sentinel) }); !errors.Is(err, sentinel) {
		t.Errorf("Marshal error: %v", err)
	}
}
