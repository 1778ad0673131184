package frame

import (
	"fmt"
	"strings"
	"testing"
)

// TestSecretsRedacted prints every secret type with every common verb and
// checks that no key byte shows.
func TestSecretsRedacted(t *testing.T) {
	raw := []byte("very secret base key bytes!!")
	base := NewBaseKey(raw)
	c := newTestContext(t, Config{Suite: AES_128_CTR_HMAC_SHA256_80})
	if err := c.AddSendKey(1, base); err != nil {
		t.Fatal(err)
	}
	e := c.lookup(1)
	s := e.salt
	auth := e.aead.(*ctrHMAC).authKey
	k, err := c.SendKey(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Seal(nil, []byte("md"), []byte("pt")); err != nil {
		t.Fatal(err)
	}
	values := []any{base, &base, s, &s, e.scratch.nonce, auth, c, e, k}
	leaks := []string{string(raw), fmt.Sprintf("%x", raw), fmt.Sprintf("%x", s[:]), fmt.Sprintf("%x", []byte(auth)), fmt.Sprint([]byte(auth)[:4])}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, leak := range leaks {
				if strings.Contains(out, leak) {
					t.Errorf("Sprintf(%q, %T) = %q leaks key material", verb, v, out)
				}
			}
		}
	}
	if got := fmt.Sprint(base); got != "BaseKey(REDACTED, 28 bytes)" {
		t.Errorf("BaseKey prints as %q", got)
	}
	if got := fmt.Sprintf("%#v", base); got != "frame.BaseKey(REDACTED, 28 bytes)" {
		t.Errorf("BaseKey %%#v prints as %q", got)
	}
}

func TestBaseKey(t *testing.T) {
	raw := []byte("key")
	k := NewBaseKey(raw)
	raw[0] = 'X'
	if !k.Equal(NewBaseKey([]byte("key"))) || k.Equal(NewBaseKey([]byte("kez"))) || k.Equal(NewBaseKey([]byte("ke"))) {
		t.Fatal("NewBaseKey did not copy, or Equal is wrong")
	}
	cp := k
	k.Zero()
	if !cp.Equal(NewBaseKey(make([]byte, 3))) || k.Len() != 3 {
		t.Fatal("Zero did not zero every copy")
	}
}

func TestSuites(t *testing.T) {
	for _, tc := range []struct {
		s          Suite
		name       string
		nk, nt, nh int
		rfc        bool
	}{
		{AES_128_CTR_HMAC_SHA256_80, "AES_128_CTR_HMAC_SHA256_80", 48, 10, 32, true},
		{AES_128_CTR_HMAC_SHA256_64, "AES_128_CTR_HMAC_SHA256_64", 48, 8, 32, true},
		{AES_128_CTR_HMAC_SHA256_32, "AES_128_CTR_HMAC_SHA256_32", 48, 4, 32, true},
		{AES_128_GCM_SHA256_128, "AES_128_GCM_SHA256_128", 16, 16, 32, true},
		{AES_256_GCM_SHA512_128, "AES_256_GCM_SHA512_128", 32, 16, 64, true},
		{AES_256_CTR_HMAC_SHA512_80, "AES_256_CTR_HMAC_SHA512_80", 96, 10, 64, false},
		{AES_256_CTR_HMAC_SHA512_64, "AES_256_CTR_HMAC_SHA512_64", 96, 8, 64, false},
		{AES_256_CTR_HMAC_SHA512_32, "AES_256_CTR_HMAC_SHA512_32", 96, 4, 64, false},
		{0, "Suite(0x0)", 0, 0, 0, false},
		{0xf000, "Suite(0xf000)", 0, 0, 0, false},
	} {
		valid := tc.nk != 0
		if tc.s.String() != tc.name || tc.s.KeySize() != tc.nk || tc.s.Overhead() != tc.nt ||
			tc.s.HashSize() != tc.nh || tc.s.IsValid() != valid || tc.s.IsRFC9605() != tc.rfc ||
			(tc.s.NonceSize() == 12) != valid {
			t.Errorf("suite %#04x: %s nk=%d nt=%d nh=%d valid=%v rfc=%v", uint16(tc.s), tc.s,
				tc.s.KeySize(), tc.s.Overhead(), tc.s.HashSize(), tc.s.IsValid(), tc.s.IsRFC9605())
		}
	}
	if DefaultSuite != AES_256_GCM_SHA512_128 {
		t.Error("default suite is not AES_256_GCM_SHA512_128")
	}
}
