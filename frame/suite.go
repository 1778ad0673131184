package frame

import (
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strconv"
)

// Suite is an SFrame cipher suite, identified by its two-byte code point
// in the IANA "SFrame Cipher Suites" registry (RFC 9605 §4.5, §8.1).
type Suite uint16

// The cipher suites of RFC 9605 §4.5. Names follow the registry, the way
// crypto/tls names TLS cipher suites.
const (
	AES_128_CTR_HMAC_SHA256_80 Suite = 0x0001
	AES_128_CTR_HMAC_SHA256_64 Suite = 0x0002
	AES_128_CTR_HMAC_SHA256_32 Suite = 0x0003
	AES_128_GCM_SHA256_128     Suite = 0x0004
	AES_256_GCM_SHA512_128     Suite = 0x0005
)

// Cipher suites registered after RFC 9605 (draft-barnes-sframe-iana-256;
// the sframe-wg repository publishes vectors for them). They are NOT part
// of RFC 9605: they use the §4.5.1 construction with AES-256 and
// HMAC-SHA-512 (Nka = 32, Nh = 64, Nk = 96). Supported for interop only.
const (
	AES_256_CTR_HMAC_SHA512_80 Suite = 0x0006
	AES_256_CTR_HMAC_SHA512_64 Suite = 0x0007
	AES_256_CTR_HMAC_SHA512_32 Suite = 0x0008
)

// DefaultSuite is the suite a zero Config selects: AES_256_GCM_SHA512_128,
// Sealroom's choice for media (see the package documentation).
const DefaultSuite = AES_256_GCM_SHA512_128

// nonceSize is AEAD.Nn, 12 bytes for every suite.
const nonceSize = 12

// suiteParams are the constants of RFC 9605 §4.5, Table 2.
type suiteParams struct {
	name string
	hash func() hash.Hash
	nh   int // Hash.Nh
	nka  int // AEAD.Nka, the AES key size of a CTR-HMAC suite; 0 for GCM
	nk   int // AEAD.Nk
	nt   int // AEAD.Nt
	gcm  bool
	rfc  bool // defined by RFC 9605 itself
}

func (p *suiteParams) newAEAD(key []byte) (cipher.AEAD, error) {
	if p.gcm {
		return newGCM(key)
	}
	return newCTRHMAC(key, p.nka, p.hash, p.nt)
}

var suites = map[Suite]*suiteParams{
	AES_128_CTR_HMAC_SHA256_80: {name: "AES_128_CTR_HMAC_SHA256_80", hash: sha256.New, nh: 32, nka: 16, nk: 48, nt: 10, rfc: true},
	AES_128_CTR_HMAC_SHA256_64: {name: "AES_128_CTR_HMAC_SHA256_64", hash: sha256.New, nh: 32, nka: 16, nk: 48, nt: 8, rfc: true},
	AES_128_CTR_HMAC_SHA256_32: {name: "AES_128_CTR_HMAC_SHA256_32", hash: sha256.New, nh: 32, nka: 16, nk: 48, nt: 4, rfc: true},
	AES_128_GCM_SHA256_128:     {name: "AES_128_GCM_SHA256_128", hash: sha256.New, nh: 32, nk: 16, nt: 16, gcm: true, rfc: true},
	AES_256_GCM_SHA512_128:     {name: "AES_256_GCM_SHA512_128", hash: sha512.New, nh: 64, nk: 32, nt: 16, gcm: true, rfc: true},
	AES_256_CTR_HMAC_SHA512_80: {name: "AES_256_CTR_HMAC_SHA512_80", hash: sha512.New, nh: 64, nka: 32, nk: 96, nt: 10},
	AES_256_CTR_HMAC_SHA512_64: {name: "AES_256_CTR_HMAC_SHA512_64", hash: sha512.New, nh: 64, nka: 32, nk: 96, nt: 8},
	AES_256_CTR_HMAC_SHA512_32: {name: "AES_256_CTR_HMAC_SHA512_32", hash: sha512.New, nh: 64, nka: 32, nk: 96, nt: 4},
}

// params returns the constants of s, or nil if s is not supported.
func (s Suite) params() *suiteParams { return suites[s] }

// IsValid reports whether s is a cipher suite this package implements.
func (s Suite) IsValid() bool { return s.params() != nil }

// IsRFC9605 reports whether s is one of the five suites RFC 9605 defines
// (0x0001 to 0x0005).
func (s Suite) IsRFC9605() bool {
	p := s.params()
	return p != nil && p.rfc
}

// String returns the registry name of s, or its code point in hex.
func (s Suite) String() string {
	if p := s.params(); p != nil {
		return p.name
	}
	return "Suite(0x" + strconv.FormatUint(uint64(s), 16) + ")"
}

// KeySize returns AEAD.Nk, the size of the derived sframe_key, and the
// size RFC 9605 §5.2 asks the MLS exporter for as base_key. It is 0 for an
// unsupported suite.
func (s Suite) KeySize() int {
	if p := s.params(); p != nil {
		return p.nk
	}
	return 0
}

// NonceSize returns AEAD.Nn (12 for every supported suite, 0 otherwise).
func (s Suite) NonceSize() int {
	if s.IsValid() {
		return nonceSize
	}
	return 0
}

// Overhead returns AEAD.Nt, the tag length a sealed frame adds on top of
// its header. It is 0 for an unsupported suite.
func (s Suite) Overhead() int {
	if p := s.params(); p != nil {
		return p.nt
	}
	return 0
}

// HashSize returns Hash.Nh, the output size of the suite's hash, which is
// also the size of a ratcheted base key (RFC 9605 §5.1). It is 0 for an
// unsupported suite.
func (s Suite) HashSize() int {
	if p := s.params(); p != nil {
		return p.nh
	}
	return 0
}
