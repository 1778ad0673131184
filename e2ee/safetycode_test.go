package e2ee

import (
	"bytes"
	"regexp"
	"testing"
)

// TestSafetyCodeKnownAnswers checks the derivation against values computed
// once, independently of this package, with Python's hmac and hashlib
// (HKDF of RFC 5869 written out: PRK = HMAC-SHA-256(32 zero bytes,
// authenticator), OKM = HMAC-SHA-256(PRK, "Sealroom 1.0 Safety Code" ||
// 0x01)[:8], then big-endian mod 10^12).
func TestSafetyCodeKnownAnswers(t *testing.T) {
	seq := make([]byte, 32)
	for i := range seq {
		seq[i] = byte(i)
	}
	for _, tc := range []struct {
		auth []byte
		want string
	}{
		{seq, "4100 0904 8698"},
		{bytes.Repeat([]byte{0xff}, 48), "6442 6738 2498"},
	} {
		got, err := deriveSafetyCode(9, tc.auth)
		if err != nil {
			t.Fatal(err)
		}
		if got.Digits != tc.want || got.Epoch != 9 || got.String() != tc.want {
			t.Errorf("authenticator %x: %q, want %q", tc.auth, got, tc.want)
		}
	}
	if _, err := deriveSafetyCode(1, make([]byte, 8)); err == nil {
		t.Error("accepted an 8-byte authenticator")
	}
}

// TestSafetyCodeEpochs: the code is the same for every member of an epoch
// and new with every commit.
func TestSafetyCodeEpochs(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	format := regexp.MustCompile(`^[0-9]{4} [0-9]{4} [0-9]{4}$`)
	seen := map[string]bool{}
	for i := range 20 {
		code := c.members[0].s.SafetyCode()
		if !format.MatchString(code.Digits) {
			t.Fatalf("code %q", code)
		}
		if seen[code.Digits] {
			t.Fatalf("epoch %d repeats a code", code.Epoch)
		}
		seen[code.Digits] = true
		c.update(c.members[i%3].name) // checks that every member agrees
	}
}
