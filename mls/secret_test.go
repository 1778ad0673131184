package mls

import (
	"bytes"
	"fmt"
	"testing"
)

// requireRedacted fails the test if printing any of values with any fmt
// verb shows the bytes of raw (in hex, decimal, or raw).
func requireRedacted(t *testing.T, raw []byte, values ...any) {
	t.Helper()
	hexLower, hexUpper := fmt.Sprintf("%x", raw[:2]), fmt.Sprintf("%X", raw[:2])
	dec := fmt.Sprintf("%d %d", raw[0], raw[1])
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d", "%T %v"} {
			out := fmt.Sprintf(verb, v)
			for _, leak := range []string{hexLower, hexUpper, dec, string(raw[:2])} {
				if bytes.Contains([]byte(out), []byte(leak)) {
					t.Errorf("%s of %T leaks the secret: %s", verb, v, out)
				}
			}
		}
	}
}

// TestSecretRedaction checks that secrets and private keys never print
// their value, whatever the verb.
func TestSecretRedaction(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	s := secret(raw).clone()
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	sk, _ := cs.NewSigningKey(raw)
	su, _ := cs.suite()
	hk, _ := su.newHPKEPrivateKey(raw)
	requireRedacted(t, raw, s, &s, sk, hk, []secret{s}, map[int]secret{1: s})
	if s.String() != "mls.secret(REDACTED)" || s.GoString() != s.String() {
		t.Errorf("String = %q, GoString = %q", s.String(), s.GoString())
	}
	if sk.String() != "mls.SigningKey(REDACTED)" || sk.GoString() != sk.String() {
		t.Errorf("SigningKey String = %q", sk.String())
	}
	if hk.String() != "mls.hpkePrivateKey(REDACTED)" || hk.GoString() != hk.String() {
		t.Errorf("hpkePrivateKey String = %q", hk.String())
	}
}

// TestSecretHelpers checks equal, clone and zero.
func TestSecretHelpers(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	s := secret(raw).clone()
	if !s.equal(secret(raw)) || s.equal(secret(raw[:31])) || s.equal(nil) || s.equal(make(secret, 32)) {
		t.Error("equal")
	}
	c := s.clone()
	c[0] = 0
	if s[0] != 0xab {
		t.Error("clone shares memory")
	}
	if secret(nil).clone() != nil {
		t.Error("clone(nil) != nil")
	}
	backing := s
	s.zero()
	if s != nil || !bytes.Equal(backing, make([]byte, 32)) {
		t.Errorf("zero left %x", []byte(backing))
	}
	var empty secret
	empty.zero() // no panic on nil
}
