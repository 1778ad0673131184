package frame

import (
	"crypto/hkdf"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// BaseKey is an SFrame base_key (RFC 9605 §4.4.1): the secret from which
// the key and salt of one KID are derived. It comes from the key
// management layer (the MLS exporter of §5.2, or a sender key of §5.1).
//
// A BaseKey prints as redacted with every fmt verb. Copies of a BaseKey
// share its bytes, so Zero on any copy zeroes them all. The zero value is
// an empty key, which Context refuses.
type BaseKey struct {
	b []byte
}

// NewBaseKey returns a BaseKey holding a copy of key. RFC 9605 §4.4.2
// feeds base_key to HKDF-Extract, so any length works; §5.2 uses Nk bytes
// (Suite.KeySize) and §5.1 ratchet outputs are Nh bytes (Suite.HashSize).
// The caller may zero key after the call.
func NewBaseKey(key []byte) BaseKey {
	return BaseKey{b: append([]byte(nil), key...)}
}

// Len returns the length of the key in bytes.
func (k BaseKey) Len() int { return len(k.b) }

// Equal reports whether k and other hold the same bytes, in time that
// depends only on their lengths.
func (k BaseKey) Equal(other BaseKey) bool {
	return len(k.b) == len(other.b) && subtle.ConstantTimeCompare(k.b, other.b) == 1
}

// Zero overwrites the key bytes with zeros, in k and in every copy of k.
// Zero it once it is installed in every Context that needs it: a Context
// keeps only what it derives, never the base key.
func (k BaseKey) Zero() { clear(k.b) }

// String returns a redacted description of k.
func (k BaseKey) String() string { return redacted("BaseKey", len(k.b)) }

// GoString returns a redacted description of k.
func (k BaseKey) GoString() string { return "frame." + k.String() }

// Format prints k redacted whatever the verb, so that %x or %v cannot leak
// it into a log.
func (k BaseKey) Format(f fmt.State, verb rune) { formatRedacted(f, verb, k) }

// secretBytes is derived key material (sframe_key, or the auth_key half of
// it) held by this package. It prints redacted.
type secretBytes []byte

func (s secretBytes) String() string                { return redacted("secret", len(s)) }
func (s secretBytes) GoString() string              { return s.String() }
func (s secretBytes) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s) }

// salt is an sframe_salt (RFC 9605 §4.4.2), or a nonce made from one. It
// prints redacted.
type salt [nonceSize]byte

func (s salt) String() string                { return redacted("salt", len(s)) }
func (s salt) GoString() string              { return s.String() }
func (s salt) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s) }

func redacted(what string, n int) string {
	return fmt.Sprintf("%s(REDACTED, %d bytes)", what, n)
}

func formatRedacted(f fmt.State, verb rune, s fmt.Stringer) {
	if verb == 'v' && f.Flag('#') {
		if g, ok := s.(fmt.GoStringer); ok {
			fmt.Fprint(f, g.GoString())
			return
		}
	}
	fmt.Fprint(f, s.String())
}

// Labels of RFC 9605 §4.4.2 and §5.1.
const (
	keyLabelPrefix  = "SFrame 1.0 Secret key "
	saltLabelPrefix = "SFrame 1.0 Secret salt "
	ratchetLabel    = "SFrame 1.0 Ratchet"
)

// deriveLabel returns prefix || u64be(kid) || u16be(suite), the HKDF info
// of RFC 9605 §4.4.2 (the KID as a full 8-byte integer, not in its header
// form).
func deriveLabel(prefix string, kid KID, suite Suite) string {
	b := make([]byte, 0, len(prefix)+10)
	b = append(b, prefix...)
	b = binary.BigEndian.AppendUint64(b, uint64(kid))
	b = binary.BigEndian.AppendUint16(b, uint16(suite))
	return string(b)
}

// extract returns sframe_secret = HKDF-Extract("", base_key) with the
// suite's hash (RFC 9605 §4.4.2). The caller zeroes it.
func (p *suiteParams) extract(base []byte) (secretBytes, error) {
	return hkdf.Extract(p.hash, base, nil)
}

// deriveKeySalt implements derive_key_salt of RFC 9605 §4.4.2: an Nk-byte
// sframe_key and an Nn-byte sframe_salt for kid under suite. The caller
// zeroes the key once it has built its AEAD.
func (p *suiteParams) deriveKeySalt(suite Suite, kid KID, base []byte) (secretBytes, *salt, error) {
	secret, err := p.extract(base)
	if err != nil {
		return nil, nil, err
	}
	defer clear(secret)
	return p.expandKeySalt(suite, kid, secret)
}

// expandKeySalt is the second half of derive_key_salt (RFC 9605 §4.4.2):
// the key and salt of kid from sframe_secret, which does not depend on the
// KID, so that keys of many KIDs under one base key share one extract.
func (p *suiteParams) expandKeySalt(suite Suite, kid KID, secret secretBytes) (secretBytes, *salt, error) {
	key, err := hkdf.Expand(p.hash, secret, deriveLabel(keyLabelPrefix, kid, suite), p.nk)
	if err != nil {
		return nil, nil, err
	}
	sb, err := hkdf.Expand(p.hash, secret, deriveLabel(saltLabelPrefix, kid, suite), nonceSize)
	if err != nil {
		clear(key)
		return nil, nil, err
	}
	s := new(salt)
	copy(s[:], sb)
	clear(sb)
	return key, s, nil
}
