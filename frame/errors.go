package frame

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Every error this package returns wraps exactly one of
// them, so callers can branch with errors.Is; the message adds what was
// being done and what was wrong ("frame: open kid 7: replayed frame: ...").
var (
	// ErrMalformedHeader reports an SFrame header that does not decode
	// (RFC 9605 §4.3): truncated, or a KID or CTR not in its minimal form.
	ErrMalformedHeader = errors.New("frame: malformed header")

	// ErrUnknownKID reports a KID that has no key in the context. RFC 9605
	// §4.4.4 allows buffering such a frame until its key arrives; Open
	// returns the parsed Header alongside this error for that purpose.
	ErrUnknownKID = errors.New("frame: unknown key ID")

	// ErrKeyUsage reports a key used in the wrong direction: Seal with a
	// receive key or Open with a send key. RFC 9605 §4.4.1 requires every
	// base key to be marked for encryption or decryption, never both.
	ErrKeyUsage = errors.New("frame: key not usable for this operation")

	// ErrAuthentication reports a ciphertext that failed AEAD verification
	// under the key of its KID: forged, corrupted, truncated, or opened with
	// different metadata than it was sealed with.
	ErrAuthentication = errors.New("frame: message authentication failed")

	// ErrReplay reports a frame whose counter was already accepted for its
	// KID, or is too old to be tracked by the replay window.
	ErrReplay = errors.New("frame: replayed or too old frame")

	// ErrCounterExhausted reports that a send key has reached its usage
	// limit: the next CTR would exceed Config.MaxCounter, or the key has
	// encrypted Config.MaxBlocks AES blocks. Seal never reuses a nonce; the
	// application has to install a new key (a new KID or epoch).
	ErrCounterExhausted = errors.New("frame: counter exhausted")

	// ErrKeyExists reports an attempt to add a key under a KID that already
	// has one. Keys are never silently replaced: replacing a send key would
	// restart its counter and reuse nonces.
	ErrKeyExists = errors.New("frame: key ID already in use")

	// ErrInvalidKey reports a base key that cannot be used (it is empty).
	ErrInvalidKey = errors.New("frame: invalid base key")

	// ErrUnsupportedSuite reports a cipher suite this package does not
	// implement.
	ErrUnsupportedSuite = errors.New("frame: unsupported cipher suite")

	// ErrInvalidConfig reports a Config field out of range.
	ErrInvalidConfig = errors.New("frame: invalid configuration")

	// ErrTooLarge reports a plaintext longer than the cipher suite can
	// encrypt in one frame (2^32-2 AES blocks).
	ErrTooLarge = errors.New("frame: frame too large")

	// ErrBufferOverlap reports a dst buffer that overlaps the input in a
	// way that the operation cannot work with (see Context.Seal and
	// Context.Open for the in-place forms that are allowed).
	ErrBufferOverlap = errors.New("frame: invalid buffer overlap")
)

// opError is an operation error: which operation, on which KID, which
// sentinel, and the details.
type opError struct {
	op     string
	kid    KID
	hasKID bool
	err    error
	detail string
}

func (e *opError) Error() string {
	var b strings.Builder
	b.WriteString("frame: ")
	b.WriteString(e.op)
	if e.hasKID {
		b.WriteString(" kid ")
		b.WriteString(strconv.FormatUint(uint64(e.kid), 10))
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.err.Error(), "frame: "))
	if e.detail != "" {
		b.WriteString(": ")
		b.WriteString(e.detail)
	}
	return b.String()
}

func (e *opError) Unwrap() error { return e.err }

// newError returns an error for op that wraps the sentinel err.
func newError(op string, err error, detail string) error {
	return &opError{op: op, err: err, detail: detail}
}

// newKIDError returns an error for op on kid that wraps the sentinel err.
func newKIDError(op string, kid KID, err error, detail string) error {
	return &opError{op: op, kid: kid, hasKID: true, err: err, detail: detail}
}

// keyError is the error of op with kid, whose entry e is nil (no key) or
// a key for the other direction.
//
//go:noinline
func keyError(op string, kid KID, e *keyEntry) error {
	switch {
	case e == nil:
		return newKIDError(op, kid, ErrUnknownKID, "")
	case e.send:
		return newKIDError(op, kid, ErrKeyUsage, "it is a send key")
	}
	return newKIDError(op, kid, ErrKeyUsage, "it is a receive key")
}
