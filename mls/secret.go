package mls

import (
	"crypto/subtle"
	"fmt"
	"io"
)

// secret is secret keying material of the key schedule and the secret tree
// (RFC 9420 §8, §9): the input or output of KDF.Extract and
// ExpandWithLabel, an AEAD key, a nonce. It is a distinct type so that it
// never reaches a log by accident: every fmt verb, String and GoString print
// a redacted placeholder, never the bytes.
//
// fmt never calls the methods of a struct's unexported fields, so a struct
// that holds secrets in unexported fields must redact itself as a whole
// (String, GoString and Format, as keyNonce and secretTree do); otherwise
// printing the struct prints the bytes.
//
// RFC 9420 §9.2 requires a consumed secret to be deleted at once; zero does
// that for the copy it is called on. Copies made with clone must be zeroed
// separately.
type secret []byte

// redactedText is what every secret type prints instead of its value.
func redactedText(typeName string) string {
	return typeName + "(REDACTED)"
}

// writeRedacted implements fmt.Formatter for secret types: the placeholder
// is printed for every verb, so %x or %v cannot reveal the value.
func writeRedacted(f fmt.State, typeName string) {
	io.WriteString(f, redactedText(typeName))
}

func (s secret) String() string                { return redactedText("mls.secret") }
func (s secret) GoString() string              { return redactedText("mls.secret") }
func (s secret) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.secret") }

// equal compares two secrets in time that depends only on their lengths,
// which are public (fixed by the cipher suite).
func (s secret) equal(t secret) bool {
	return subtle.ConstantTimeCompare(s, t) == 1
}

// clone returns a copy of s that the caller owns (and must zero).
func (s secret) clone() secret {
	if s == nil {
		return nil
	}
	return append(secret(nil), s...)
}

// zero overwrites the secret with zeros and drops the reference, so that a
// deleted secret (RFC 9420 §9.2) does not linger in this copy.
func (s *secret) zero() {
	clear(*s)
	*s = nil
}

// keyNonce is an AEAD key and nonce for one message: a generation of a
// sender ratchet (RFC 9420 §9.1) or the sender data key and nonce (§6.3.2).
// It prints redacted.
type keyNonce struct {
	key   secret
	nonce secret
}

func (kn keyNonce) String() string                { return redactedText("mls.keyNonce") }
func (kn keyNonce) GoString() string              { return redactedText("mls.keyNonce") }
func (kn keyNonce) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.keyNonce") }

// zero deletes both the key and the nonce.
func (kn *keyNonce) zero() {
	kn.key.zero()
	kn.nonce.zero()
}
