package mls

import (
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
)

// CipherSuite is an MLS cipher suite code point (RFC 9420 §17.1).
type CipherSuite uint16

// The seven cipher suites registered by RFC 9420 §17.1.
const (
	MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519        CipherSuite = 0x0001
	MLS_128_DHKEMP256_AES128GCM_SHA256_P256             CipherSuite = 0x0002
	MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 CipherSuite = 0x0003
	MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448            CipherSuite = 0x0004
	MLS_256_DHKEMP521_AES256GCM_SHA512_P521             CipherSuite = 0x0005
	MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448     CipherSuite = 0x0006
	MLS_256_DHKEMP384_AES256GCM_SHA384_P384             CipherSuite = 0x0007
)

var cipherSuiteNames = map[CipherSuite]string{
	MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519:        "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
	MLS_128_DHKEMP256_AES128GCM_SHA256_P256:             "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
	MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519: "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
	MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448:            "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
	MLS_256_DHKEMP521_AES256GCM_SHA512_P521:             "MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
	MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448:     "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448",
	MLS_256_DHKEMP384_AES256GCM_SHA384_P384:             "MLS_256_DHKEMP384_AES256GCM_SHA384_P384",
}

// IsValid reports whether cs is one of the seven suites of RFC 9420 §17.1.
func (cs CipherSuite) IsValid() bool {
	_, ok := cipherSuiteNames[cs]
	return ok
}

func (cs CipherSuite) String() string {
	if name, ok := cipherSuiteNames[cs]; ok {
		return name
	}
	return fmt.Sprintf("CipherSuite(0x%04x)", uint16(cs))
}

// suite holds the algorithms a cipher suite names (RFC 9420 §5.1): the
// HPKE KEM, KDF and AEAD, the hash (which is also the hash of the KDF and
// of the MAC), and the signature scheme. Every cryptographic operation of
// the protocol is a method of suite; the key schedule, TreeKEM and message
// framing obtain one with CipherSuite.suite and keep it.
//
// The suites are package-level values and are never modified.
type suite struct {
	id CipherSuite

	// newHash is the suite's hash function: Hash for RefHash and the
	// transcript hashes (§5.2, §8.2), HMAC for MAC (§5.1), HKDF for
	// KDF.Extract and KDF.Expand (§8).
	newHash func() hash.Hash
	// nh is KDF.Nh, the output size of KDF.Extract and of the hash.
	nh int

	aead aeadID
	kem  kemID
	sig  signatureScheme
}

var suites = map[CipherSuite]*suite{
	MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: {
		id: 0x0001, newHash: sha256.New, nh: sha256.Size,
		aead: aeadAES128GCM, kem: kemX25519, sig: ed25519Scheme,
	},
	MLS_128_DHKEMP256_AES128GCM_SHA256_P256: {
		id: 0x0002, newHash: sha256.New, nh: sha256.Size,
		aead: aeadAES128GCM, kem: kemP256, sig: ecdsaP256SHA256,
	},
	MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519: {
		id: 0x0003, newHash: sha256.New, nh: sha256.Size,
		aead: aeadChaCha20Poly1305, kem: kemX25519, sig: ed25519Scheme,
	},
	MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448: {
		id: 0x0004, newHash: sha512.New, nh: sha512.Size,
		aead: aeadAES256GCM, kem: kemX448, sig: ed448Scheme,
	},
	MLS_256_DHKEMP521_AES256GCM_SHA512_P521: {
		id: 0x0005, newHash: sha512.New, nh: sha512.Size,
		aead: aeadAES256GCM, kem: kemP521, sig: ecdsaP521SHA512,
	},
	MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448: {
		id: 0x0006, newHash: sha512.New, nh: sha512.Size,
		aead: aeadChaCha20Poly1305, kem: kemX448, sig: ed448Scheme,
	},
	MLS_256_DHKEMP384_AES256GCM_SHA384_P384: {
		id: 0x0007, newHash: sha512.New384, nh: sha512.Size384,
		aead: aeadAES256GCM, kem: kemP384, sig: ecdsaP384SHA384,
	},
}

// suite returns the algorithms of cs, or ErrUnsupportedCipherSuite.
func (cs CipherSuite) suite() (*suite, error) {
	s, ok := suites[cs]
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedCipherSuite, cs)
	}
	return s, nil
}
