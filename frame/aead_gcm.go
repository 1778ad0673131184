package frame

import (
	"crypto/cipher"

	"github.com/sealroom/sealroom/frame/internal/gcm"
)

// newGCM returns the AES-GCM AEAD (NIST SP 800-38D, 12-byte nonce, 16-byte
// tag) for the GCM suites AES_128_GCM_SHA256_128 and AES_256_GCM_SHA512_128
// (RFC 9605 §4.5). key is 16 or 32 bytes.
//
// This is the only place the package chooses its GCM implementation:
// frame/internal/gcm, which runs VAES assembly where the CPU has it and the
// standard library's GCM everywhere else (and under the purego build tag).
func newGCM(key []byte) (cipher.AEAD, error) {
	return gcm.New(key)
}
