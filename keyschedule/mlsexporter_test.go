package keyschedule

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"hash"
	"os"
	"testing"

	"github.com/sealroom/sealroom/internal/tlscodec"
	"golang.org/x/crypto/cryptobyte"
)

// testExporter is a test-only MLS-Exporter (RFC 9420 §8.5), written here
// from the RFC text so that this package's tests need nothing from
// package mls:
//
//	MLS-Exporter(Label, Context, Length) =
//	    ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
//	DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh)
//	ExpandWithLabel(Secret, Label, Context, Length) = KDF.Expand(Secret, KDFLabel, Length)
//	struct { uint16 length; opaque label<V> = "MLS 1.0 " + Label; opaque context<V>; } KDFLabel
//
// TestMLSExporterVectors checks it against the exporter entries of the
// official key-schedule vectors before any other test relies on it.
type testExporter struct {
	hash   func() hash.Hash
	secret []byte
}

// mlsSuiteHash returns the hash of an MLS cipher suite (RFC 9420 §17.1).
func mlsSuiteHash(suite uint16) func() hash.Hash {
	switch suite {
	case 1, 2, 3:
		return sha256.New
	case 4, 5, 6:
		return sha512.New
	case 7:
		return sha512.New384
	}
	return nil
}

func (e testExporter) Export(label string, context []byte, length int) ([]byte, error) {
	h := e.hash()
	h.Write(context)
	derived, err := e.expandWithLabel(e.secret, label, nil, h.Size())
	if err != nil {
		return nil, err
	}
	return e.expandWithLabel(derived, "exported", h.Sum(nil), length)
}

func (e testExporter) expandWithLabel(secret []byte, label string, context []byte, length int) ([]byte, error) {
	info, err := tlscodec.Marshal(func(b *cryptobyte.Builder) {
		b.AddUint16(uint16(length))
		tlscodec.AddOpaque(b, []byte("MLS 1.0 "+label))
		tlscodec.AddOpaque(b, context)
	})
	if err != nil {
		return nil, err
	}
	return hkdf.Expand(e.hash, secret, string(info), length)
}

// keyScheduleVector holds the fields of the official key-schedule vectors
// (testdata/key-schedule.json) that this package uses.
type keyScheduleVector struct {
	CipherSuite uint16 `json:"cipher_suite"`
	Epochs      []struct {
		ExporterSecret hexBytes `json:"exporter_secret"`
		Exporter       struct {
			Label   string   `json:"label"`
			Context hexBytes `json:"context"`
			Length  int      `json:"length"`
			Secret  hexBytes `json:"secret"`
		} `json:"exporter"`
	} `json:"epochs"`
}

// hexBytes is a byte string that JSON holds in hex.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

func (h hexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

func loadKeyScheduleVectors(t testing.TB) []keyScheduleVector {
	t.Helper()
	data, err := os.ReadFile("testdata/key-schedule.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []keyScheduleVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestMLSExporterVectors anchors testExporter to the official vectors:
// every epoch of every suite has an exporter entry (label, context,
// length, secret) computed from its exporter_secret. The label is used as
// the string the file holds (it looks like hex, but test-vectors.md types
// it as a string and only that reading reproduces the secrets).
func TestMLSExporterVectors(t *testing.T) {
	vs := loadKeyScheduleVectors(t)
	ran, suites := 0, map[uint16]bool{}
	for _, v := range vs {
		h := mlsSuiteHash(v.CipherSuite)
		if h == nil {
			t.Errorf("cipher suite %d: no hash known", v.CipherSuite)
			continue
		}
		suites[v.CipherSuite] = true
		for i, ep := range v.Epochs {
			exp := testExporter{hash: h, secret: ep.ExporterSecret}
			got, err := exp.Export(ep.Exporter.Label, ep.Exporter.Context, ep.Exporter.Length)
			if err != nil {
				t.Fatalf("suite %d epoch %d: %v", v.CipherSuite, i, err)
			}
			if !bytes.Equal(got, ep.Exporter.Secret) {
				t.Errorf("suite %d epoch %d: exported %x, want %x", v.CipherSuite, i, got, ep.Exporter.Secret)
			}
			ran++
		}
	}
	// The file holds 7 suites with 5 epochs each.
	if ran != 35 || len(suites) != 7 {
		t.Fatalf("ran %d exporter vectors over %d suites, want 35 over 7", ran, len(suites))
	}
}
