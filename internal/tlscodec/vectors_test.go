package tlscodec

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// TestDeserializationVectors runs the "Vector Deserialization" vectors of
// the MLS interop suite (testdata/deserialization.json, see SOURCE): every
// header decodes to the given length, with nothing left over, and encodes
// back to the same bytes.
func TestDeserializationVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/deserialization.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Header string `json:"vlbytes_header"`
		Length uint64 `json:"length"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	const want = 14 // cases in the upstream file
	ran := 0
	for i, c := range cases {
		hdr, err := hex.DecodeString(c.Header)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		s := cryptobyte.String(hdr)
		var n uint64
		if !ReadVarint(&s, &n) || !s.Empty() {
			t.Errorf("case %d: header %s does not decode alone", i, c.Header)
			continue
		}
		if n != c.Length {
			t.Errorf("case %d: header %s = %d, want %d", i, c.Header, n, c.Length)
			continue
		}
		enc, err := Marshal(func(b *cryptobyte.Builder) { AddVarint(b, n) })
		if err != nil || hex.EncodeToString(enc) != c.Header {
			t.Errorf("case %d: %d encodes as %x, want %s (%v)", i, n, enc, c.Header, err)
			continue
		}
		ran++
	}
	if ran != want || len(cases) != want {
		t.Fatalf("deserialization.json: %d of %d cases passed (file holds %d)", ran, want, len(cases))
	}
	t.Logf("deserialization.json: %d of %d cases passed", ran, want)
}
