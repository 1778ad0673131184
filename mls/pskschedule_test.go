package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestPSKSecretVectors checks psk_secret (RFC 9420 §8.4) for every entry of
// psk_secret.json: the PSKs are external ones with the given psk_id and
// psk_nonce, in file order (test-vectors.md, "Pre-Shared Keys").
func TestPSKSecretVectors(t *testing.T) {
	var vectors []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		PSKs        []struct {
			PSKID    hexBytes `json:"psk_id"`
			PSK      hexBytes `json:"psk"`
			PSKNonce hexBytes `json:"psk_nonce"`
		} `json:"psks"`
		PSKSecret hexBytes `json:"psk_secret"`
	}
	loadVectors(t, "psk_secret.json", &vectors)
	ran := 0
	perSuite := map[CipherSuite]int{}
	perCount := map[int]int{}
	for i, v := range vectors {
		t.Run(fmt.Sprintf("%d/%v/%d-psks", i, v.CipherSuite, len(v.PSKs)), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			psks := make([]preSharedKey, len(v.PSKs))
			for j, p := range v.PSKs {
				psks[j] = preSharedKey{
					id:  PreSharedKeyID{Type: PSKTypeExternal, ID: p.PSKID, Nonce: p.PSKNonce},
					psk: secret(p.PSK),
				}
			}
			got, err := s.pskSecret(psks)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.secret, v.PSKSecret) {
				t.Fatalf("psk_secret = %x, want %x", []byte(got.secret), v.PSKSecret)
			}
			ran++
			perSuite[v.CipherSuite]++
			perCount[len(v.PSKs)]++
		})
	}
	requireCount(t, "psk_secret.json", ran, len(vectors))
	if len(vectors) != 77 || len(perSuite) != 7 || perCount[0] == 0 {
		t.Fatalf("psk_secret.json: %d cases, per suite %v, per PSK count %v; want 77 over 7 suites, some with no PSK", len(vectors), perSuite, perCount)
	}
	t.Logf("cases per suite %v, per number of PSKs %v", perSuite, perCount)
}

// TestPSKSecretEmpty checks that no PSKs give KDF.Nh zero bytes (RFC 9420
// §8.4: psk_secret_[0] = 0).
func TestPSKSecretEmpty(t *testing.T) {
	for _, s := range allSuites(t) {
		got, err := s.pskSecret(nil)
		if err != nil || !bytes.Equal(got.secret, make([]byte, s.nh)) {
			t.Fatalf("%v: psk_secret of no PSKs = %x, %v", s.id, []byte(got.secret), err)
		}
	}
}

// TestPSKSecretResumption checks that the PSKLabel carries the whole
// PreSharedKeyID: a resumption PSK of the same value gives another
// psk_secret than an external one, an unknown usage cannot be encoded, and
// the order of the PSKs matters.
func TestPSKSecretResumption(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	value := secret(bytes.Repeat([]byte{7}, s.nh))
	nonce, err := s.newPSKNonce()
	if err != nil || len(nonce) != s.nh {
		t.Fatalf("newPSKNonce = %d bytes, %v", len(nonce), err)
	}
	ext := preSharedKey{id: PreSharedKeyID{Type: PSKTypeExternal, ID: []byte("id"), Nonce: nonce}, psk: value.clone()}
	res := preSharedKey{id: PreSharedKeyID{Type: PSKTypeResumption, Usage: ResumptionPSKUsageApplication, GroupID: []byte("g"), Epoch: 3, Nonce: nonce}, psk: value.clone()}
	a, err := s.pskSecret([]preSharedKey{ext})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.pskSecret([]preSharedKey{res})
	if err != nil {
		t.Fatal(err)
	}
	if a.equal(b.secret) {
		t.Fatal("external and resumption PSKs of one value give one psk_secret")
	}
	ab, _ := s.pskSecret([]preSharedKey{ext, res})
	ba, _ := s.pskSecret([]preSharedKey{res, ext})
	if ab.equal(ba.secret) {
		t.Fatal("psk_secret does not depend on the order of the PSKs")
	}
	bad := res
	bad.id.Usage = 9
	if _, err := s.pskSecret([]preSharedKey{ext, bad}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("unknown usage: %v", err)
	}
	held := ext.psk
	ext.zero()
	if ext.psk != nil || !bytes.Equal(held, make([]byte, len(held))) {
		t.Fatal("zero left the PSK value")
	}
}
