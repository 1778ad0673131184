package gcm

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"sort"
	"testing"
)

type wycheFile struct {
	Algorithm     string `json:"algorithm"`
	NumberOfTests int    `json:"numberOfTests"`
	TestGroups    []struct {
		KeySize int `json:"keySize"`
		IVSize  int `json:"ivSize"`
		TagSize int `json:"tagSize"`
		Tests   []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Flags   []string `json:"flags"`
			Key     string   `json:"key"`
			IV      string   `json:"iv"`
			AAD     string   `json:"aad"`
			Msg     string   `json:"msg"`
			CT      string   `json:"ct"`
			Tag     string   `json:"tag"`
			Result  string   `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// notApplicable says why this package's API cannot take a Wycheproof case,
// or "" if it can.
func notApplicable(keyBits, ivBits, tagBits int) string {
	switch {
	case keyBits != 128 && keyBits != 256:
		return "AES-192 key (New takes 16- or 32-byte keys only)"
	case ivBits != 8*NonceSize:
		return "IV not 96 bits (the nonce is exactly 12 bytes)"
	case tagBits != 8*TagSize:
		return "tag not 128 bits"
	}
	return ""
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWycheproof runs every applicable case of aes_gcm_test.json on every
// path, and counts the cases the API cannot take by reason. It fails if the
// cases seen differ from the file's numberOfTests or if any applicable case
// did not run.
func TestWycheproof(t *testing.T) {
	data, err := os.ReadFile("testdata/aes_gcm_test.json")
	if err != nil {
		t.Fatal(err)
	}
	var f wycheFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Algorithm != "AES-GCM" {
		t.Fatalf("algorithm %q", f.Algorithm)
	}
	total, applicable, invalid := 0, 0, 0
	na := map[string]int{}
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			total++
			if r := notApplicable(g.KeySize, g.IVSize, g.TagSize); r != "" {
				na[r]++
				continue
			}
			applicable++
			if tc.Result == "invalid" {
				invalid++
			}
		}
	}
	if total != f.NumberOfTests {
		t.Fatalf("file holds %d tests, numberOfTests says %d", total, f.NumberOfTests)
	}
	reasons := make([]string, 0, len(na))
	for r := range na {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	t.Logf("Wycheproof %s: %d cases, %d applicable (%d invalid), not applicable:", f.Algorithm, total, applicable, invalid)
	for _, r := range reasons {
		t.Logf("  %3d  %s", na[r], r)
	}

	forEachPath(t, func(t *testing.T, im impl) {
		ran, rejected := 0, 0
		for _, g := range f.TestGroups {
			if notApplicable(g.KeySize, g.IVSize, g.TagSize) != "" {
				continue
			}
			for _, tc := range g.Tests {
				key, iv, aad := unhex(t, tc.Key), unhex(t, tc.IV), unhex(t, tc.AAD)
				msg, ct, tag := unhex(t, tc.Msg), unhex(t, tc.CT), unhex(t, tc.Tag)
				a := mustNew(t, key, im)
				sealed := append(bytes.Clone(ct), tag...)
				pt, err := a.Open(nil, iv, sealed, aad)
				switch tc.Result {
				case "valid":
					if err != nil || !bytes.Equal(pt, msg) {
						t.Errorf("tcId %d (%s): Open: %v", tc.TcID, tc.Comment, err)
					}
					if got := a.Seal(nil, iv, msg, aad); !bytes.Equal(got, sealed) {
						t.Errorf("tcId %d (%s): Seal = %x, want %x", tc.TcID, tc.Comment, got, sealed)
					}
				case "invalid":
					if err == nil {
						t.Errorf("tcId %d (%s, %v): invalid case opened", tc.TcID, tc.Comment, tc.Flags)
					}
					if got := a.Seal(nil, iv, msg, aad); bytes.Equal(got, sealed) {
						t.Errorf("tcId %d (%s): Seal produced the invalid ciphertext", tc.TcID, tc.Comment)
					}
					rejected++
				default:
					t.Errorf("tcId %d: unexpected result %q", tc.TcID, tc.Result)
				}
				ran++
			}
		}
		if ran != applicable || rejected != invalid {
			t.Fatalf("ran %d of %d applicable cases, %d of %d invalid", ran, applicable, rejected, invalid)
		}
		t.Logf("path %s: %d applicable cases passed (%d invalid rejected)", im, ran, rejected)
	})
}
