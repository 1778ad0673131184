package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// rfc9180Export is one exported secret of an RFC 9180 test vector entry:
// context.Export(exporter_context, L) (RFC 9180 §5.3).
type rfc9180Export struct {
	context string
	length  int
	value   string
}

// rfc9180Exports are the "exports" of the base-mode entries in
// rfc9180Vectors (same source: test-vectors.json of
// github.com/cfrg/draft-irtf-cfrg-hpke at commit 5f503c5, as shipped in
// github.com/cloudflare/circl v1.6.5,
// hpke/testdata/vectors_rfc9180_5f503c5.json.gz), values copied verbatim.
var rfc9180Exports = []struct {
	kem, kdf, aead uint16
	exports        []rfc9180Export
}{
	{kem: 0x0020, kdf: 0x0001, aead: 0x0001, exports: []rfc9180Export{
		{"", 32, "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee"},
		{"00", 32, "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5"},
		{"54657374436f6e74657874", 32, "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931"},
	}},
	{kem: 0x0020, kdf: 0x0001, aead: 0x0003, exports: []rfc9180Export{
		{"", 32, "4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e"},
		{"00", 32, "8c1df14732580e5501b00f82b10a1647b40713191b7c1240ac80e2b68808ba69"},
		{"54657374436f6e74657874", 32, "5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53"},
	}},
	{kem: 0x0021, kdf: 0x0003, aead: 0x0002, exports: []rfc9180Export{
		{"", 32, "596003579117f3edeeeeb84e602b1ff316fd6771ebeb9bd400fd5ae9155199ab"},
		{"00", 32, "d0a4a36284288e3bffe9da9b84bc99da99d7912011bc26c462504e2596229246"},
		{"54657374436f6e74657874", 32, "419d16ff65523a00452d37ba2fd5f2b1a9261aeb30f1b1736cc2f3febb16c884"},
	}},
	{kem: 0x0021, kdf: 0x0003, aead: 0x0003, exports: []rfc9180Export{
		{"", 32, "d13d9f30a9de3369f25b8de6a733d9c5b68a79b148a662a44cb84e9296419ed6"},
		{"00", 32, "e584af331daaab516a39e2ba8a3421e428918e108c88dda9e921fc6ecb86fd5f"},
		{"54657374436f6e74657874", 32, "f4b7df9f1f608657f97084d9847cab976e88083fd2d35f3636dcaa9a14ce62e5"},
	}},
	{kem: 0x0010, kdf: 0x0001, aead: 0x0001, exports: []rfc9180Export{
		{"", 32, "5e9bc3d236e1911d95e65b576a8a86d478fb827e8bdfe77b741b289890490d4d"},
		{"00", 32, "6cff87658931bda83dc857e6353efe4987a201b849658d9b047aab4cf216e796"},
		{"54657374436f6e74657874", 32, "d8f1ea7942adbba7412c6d431c62d01371ea476b823eb697e1f6e6cae1dab85a"},
	}},
	{kem: 0x0012, kdf: 0x0003, aead: 0x0002, exports: []rfc9180Export{
		{"", 32, "05e2e5bd9f0c30832b80a279ff211cc65eceb0d97001524085d609ead60d0412"},
		{"00", 32, "fca69744bb537f5b7a1596dbf34eaa8d84bf2e3ee7f1a155d41bd3624aa92b63"},
		{"54657374436f6e74657874", 32, "f389beaac6fcf6c0d9376e20f97e364f0609a88f1bc76d7328e9104df8477013"},
	}},
}

// TestHPKEReceiverExportRFC9180 checks the receiver side of the HPKE
// exporter that external initialization uses (RFC 9180 §5.3, RFC 9420
// §8.3) against the RFC 9180 vectors: SetupBaseR with the entry's skRm,
// enc and info, then Export for each listed context and length.
func TestHPKEReceiverExportRFC9180(t *testing.T) {
	ran, want := 0, 0
	for _, e := range rfc9180Exports {
		want += len(e.exports)
		t.Run(fmt.Sprintf("kem%04x-kdf%04x-aead%04x", e.kem, e.kdf, e.aead), func(t *testing.T) {
			var v *rfc9180Vector
			for i := range rfc9180Vectors {
				if w := &rfc9180Vectors[i]; w.kem == e.kem && w.kdf == e.kdf && w.aead == e.aead {
					v = w
				}
			}
			if v == nil {
				t.Fatal("no matching entry in rfc9180Vectors")
			}
			s := suiteFor(t, e.kem, e.kdf, e.aead)
			k, err := s.newHPKEPrivateKey(unhex(t, v.skRm))
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range e.exports {
				got, err := s.hpkeReceiverExport(k, unhex(t, v.enc), unhex(t, v.info), unhex(t, x.context), x.length)
				if err != nil || !bytes.Equal(got, unhex(t, x.value)) {
					t.Fatalf("Export(%q, %d) = %x, %v; want %s", x.context, x.length, []byte(got), err, x.value)
				}
				ran++
			}
		})
	}
	requireCount(t, "RFC 9180 exports", ran, want)
}

// TestExternalInit checks external initialization (RFC 9420 §8.3) for
// every suite: the joiner's init_secret from external_pub equals the one
// the members derive from the kem_output with external_priv; the ephemeral
// key is fresh each time; a kem_output that does not belong, a malformed
// one, and a malformed external_pub are refused. The external_secret is
// epoch 0's of key-schedule.json, so external_pub is the vector's.
func TestExternalInit(t *testing.T) {
	var vectors []keyScheduleVector
	loadVectors(t, "key-schedule.json", &vectors)
	ran := 0
	for _, v := range vectors {
		t.Run(v.CipherSuite.String(), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			ext := externalSecret{s, secret(v.Epochs[0].ExternalSecret)}
			pub, err := ext.publicKey()
			if err != nil || !bytes.Equal(pub, v.Epochs[0].ExternalPub) {
				t.Fatalf("external_pub = %x, %v", pub, err)
			}
			kemOutput, joinerInit, err := s.externalInit(pub)
			if err != nil {
				t.Fatal(err)
			}
			memberInit, err := ext.initSecret(kemOutput)
			if err != nil {
				t.Fatal(err)
			}
			if len(joinerInit.secret) != s.nh || !joinerInit.equal(memberInit.secret) || joinerInit.suite != s || memberInit.suite != s {
				t.Fatal("joiner and members derive different init secrets")
			}
			kemOutput2, joinerInit2, err := s.externalInit(pub)
			if err != nil || bytes.Equal(kemOutput, kemOutput2) || joinerInit.equal(joinerInit2.secret) {
				t.Fatalf("two external inits agree: %v", err)
			}
			// A kem_output for another key decapsulates (DH accepts any
			// point) to another init_secret; one of the wrong size fails.
			other := externalSecret{s, secret(v.Epochs[1].ExternalSecret)}
			otherInit, err := other.initSecret(kemOutput)
			if err == nil && otherInit.equal(joinerInit.secret) {
				t.Fatal("another external key derives the joiner's init secret")
			}
			for _, bad := range [][]byte{nil, kemOutput[:len(kemOutput)-1], append(bytes.Clone(kemOutput), 0)} {
				if _, err := ext.initSecret(bad); !errors.Is(err, ErrDecryption) {
					t.Fatalf("kem_output of %d bytes: %v", len(bad), err)
				}
			}
			if _, _, err := s.externalInit(pub[:len(pub)-1]); !errors.Is(err, ErrInvalidPublicKey) {
				t.Fatalf("short external_pub: %v", err)
			}
			if _, err := (externalSecret{s, secret(pub[:3])}).keyPair(); !errors.Is(err, ErrInvalidLength) {
				t.Fatalf("short external_secret: %v", err)
			}
			ran++
		})
	}
	requireCount(t, "key-schedule.json (external init)", ran, len(vectors))
}

// TestHPKEExportArguments checks that a private key of another suite's
// KEM, or none, is refused, and that export lengths beyond 255*Nh fail
// with ErrInvalidLength for every suite (circl would panic for X448).
func TestHPKEExportArguments(t *testing.T) {
	for _, s := range allSuites(t) {
		k, err := s.generateHPKEKey()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{-1, 255*s.nh + 1} {
			if _, _, err := s.hpkeSenderExport(k.publicKey(), nil, nil, n); !errors.Is(err, ErrInvalidLength) {
				t.Fatalf("%v: sender export of %d bytes: %v", s.id, n, err)
			}
		}
		enc, want, err := s.hpkeSenderExport(k.publicKey(), []byte("info"), []byte("ctx"), 255*s.nh)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.hpkeReceiverExport(k, enc, []byte("info"), []byte("ctx"), 255*s.nh)
		if err != nil || !want.equal(got) {
			t.Fatalf("%v: export of 255*Nh bytes differs between sender and receiver (%v)", s.id, err)
		}
		if _, err := s.hpkeReceiverExport(k, enc, []byte("info"), nil, 255*s.nh+1); !errors.Is(err, ErrInvalidLength) {
			t.Fatalf("%v: receiver export beyond 255*Nh: %v", s.id, err)
		}
	}
	s1, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	s7, _ := MLS_256_DHKEMP384_AES256GCM_SHA384_P384.suite()
	k, err := s1.generateHPKEKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s7.hpkeReceiverExport(k, nil, nil, nil, 32); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Fatalf("X25519 key with P-384 suite: %v", err)
	}
	if _, err := s1.hpkeReceiverExport(nil, nil, nil, nil, 32); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Fatalf("nil key: %v", err)
	}
}
