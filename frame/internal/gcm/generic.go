package gcm

import (
	"crypto/aes"
	"crypto/cipher"
)

// newGeneric returns crypto/cipher's AES-GCM, the path used where no
// assembly path runs.
func newGeneric(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
