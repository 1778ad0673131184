package mls

import "errors"

// Sentinel errors of the cryptographic layer: cipher suites, labeled
// signing and encryption (RFC 9420 §5), and the secret tree (§9). Errors
// returned by the package wrap one of these with %w and add what failed, so
// callers test them with errors.Is.
var (
	// ErrUnsupportedCipherSuite reports a cipher suite other than the seven
	// of RFC 9420 §17.1.
	ErrUnsupportedCipherSuite = errors.New("mls: unsupported cipher suite")

	// ErrInvalidPublicKey reports an HPKE or signature public key that does
	// not decode for the cipher suite (wrong length, not on the curve, the
	// point at infinity).
	ErrInvalidPublicKey = errors.New("mls: invalid public key")

	// ErrInvalidPrivateKey reports an HPKE or signature private key that
	// does not decode for the cipher suite.
	ErrInvalidPrivateKey = errors.New("mls: invalid private key")

	// ErrSignatureVerification reports a signature that does not verify
	// under VerifyWithLabel (RFC 9420 §5.1.2).
	ErrSignatureVerification = errors.New("mls: signature verification failed")

	// ErrDecryption reports a ciphertext that does not decrypt: an AEAD
	// authentication failure, or an HPKE OpenBase failure in
	// DecryptWithLabel (RFC 9420 §5.1.3).
	ErrDecryption = errors.New("mls: decryption failed")

	// ErrInvalidLength reports a requested KDF output or key length that
	// the cipher suite cannot produce (RFC 5869 caps HKDF-Expand at
	// 255*Nh bytes), or a key or nonce of the wrong size.
	ErrInvalidLength = errors.New("mls: invalid length")

	// ErrLeafOutOfRange reports a leaf index outside the secret tree.
	ErrLeafOutOfRange = errors.New("mls: leaf index out of range")

	// ErrGenerationTooFar reports a generation further ahead of a sender
	// ratchet than the configured maximum forward distance (RFC 9420
	// §9.2 lets members bound the work done for out-of-order messages).
	ErrGenerationTooFar = errors.New("mls: generation too far ahead of the ratchet")

	// ErrGenerationConsumed reports a generation whose key was already used
	// or deleted: consumed, or older than the retained out-of-order keys
	// (RFC 9420 §9.2).
	ErrGenerationConsumed = errors.New("mls: generation already consumed or expired")

	// ErrRatchetExhausted reports a sender ratchet that has used all 2^32
	// generations of RFC 9420 §9.1.
	ErrRatchetExhausted = errors.New("mls: sender ratchet exhausted")
)
