package mls

import (
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// hexBytes is a byte string that appears hex-encoded in the JSON test
// vectors of the mlswg interop repository.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = b
	return nil
}

// loadVectors decodes testdata/name (or testdata/name.gz, for the files
// stored compressed) into v. It fails the test if the file is missing, so
// a vector file can never be skipped silently.
func loadVectors(t testing.TB, name string, v any) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var r io.Reader
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		f, err = os.Open(path + ".gz")
		if err == nil {
			defer f.Close()
			zr, zerr := gzip.NewReader(f)
			if zerr != nil {
				t.Fatalf("%s.gz: %v", path, zerr)
			}
			r = zr
		}
	} else if err == nil {
		defer f.Close()
		r = f
	}
	if err != nil {
		t.Fatalf("loading vectors: %v", err)
	}
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
}

// requireCount fails the test unless exactly want cases ran. Vector tests
// call it at the end so that a case skipped by mistake is a failure.
func requireCount(t testing.TB, file string, ran, want int) {
	t.Helper()
	if ran != want {
		t.Fatalf("%s: ran %d of %d cases", file, ran, want)
	}
	t.Logf("%s: %d of %d cases passed", file, ran, want)
}
