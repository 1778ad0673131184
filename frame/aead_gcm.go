package frame

import (
	"crypto/aes"
	"crypto/cipher"
)

// newGCM returns the AES-GCM AEAD (NIST SP 800-38D, 12-byte nonce, 16-byte
// tag) for the GCM suites AES_128_GCM_SHA256_128 and AES_256_GCM_SHA512_128
// (RFC 9605 §4.5). key is 16 or 32 bytes.
//
// This is the only place the package chooses its GCM implementation: the
// standard library's today, and the assembly package frame/internal/gcm
// (gcm.New, same signature) later, by changing this function alone.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
