package mls

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// aeadID is an HPKE AEAD identifier (RFC 9180 §7.3) naming the AEAD of a
// cipher suite (RFC 9420 §17.1).
type aeadID uint16

const (
	aeadAES128GCM        aeadID = 0x0001
	aeadAES256GCM        aeadID = 0x0002
	aeadChaCha20Poly1305 aeadID = 0x0003
)

// keySize returns AEAD.Nk, the key length in bytes.
func (a aeadID) keySize() int {
	switch a {
	case aeadAES128GCM:
		return 16
	default: // AES-256-GCM, ChaCha20-Poly1305
		return 32
	}
}

// nonceSize returns AEAD.Nn, the nonce length in bytes: 12 for all three.
func (a aeadID) nonceSize() int { return 12 }

// new returns the AEAD keyed with key, which must be AEAD.Nk bytes.
func (a aeadID) new(key []byte) (cipher.AEAD, error) {
	if len(key) != a.keySize() {
		return nil, fmt.Errorf("mls: AEAD key of %d bytes, want %d: %w", len(key), a.keySize(), ErrInvalidLength)
	}
	if a == aeadChaCha20Poly1305 {
		return chacha20poly1305.New(key)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// nk returns AEAD.Nk of the suite.
func (s *suite) nk() int { return s.aead.keySize() }

// nn returns AEAD.Nn of the suite.
func (s *suite) nn() int { return s.aead.nonceSize() }

// aeadFor returns the suite's AEAD keyed with key after checking that key
// and nonce have the sizes AEAD.Nk and AEAD.Nn.
func (s *suite) aeadFor(key, nonce secret) (cipher.AEAD, error) {
	a, err := s.aead.new(key)
	if err != nil {
		return nil, err
	}
	if len(nonce) != a.NonceSize() {
		return nil, fmt.Errorf("mls: AEAD nonce of %d bytes, want %d: %w", len(nonce), a.NonceSize(), ErrInvalidLength)
	}
	return a, nil
}

// seal encrypts and authenticates plaintext with the suite's AEAD under key
// and nonce, binding aad (RFC 9420 §5.1: one ciphertext output with the
// tag appended, as in RFC 5116).
func (s *suite) seal(key, nonce secret, aad, plaintext []byte) ([]byte, error) {
	a, err := s.aeadFor(key, nonce)
	if err != nil {
		return nil, err
	}
	return a.Seal(nil, nonce, plaintext, aad), nil
}

// open authenticates and decrypts ciphertext with the suite's AEAD. Any
// authentication failure is ErrDecryption.
func (s *suite) open(key, nonce secret, aad, ciphertext []byte) ([]byte, error) {
	a, err := s.aeadFor(key, nonce)
	if err != nil {
		return nil, err
	}
	pt, err := a.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("mls: AEAD open: %w", ErrDecryption)
	}
	return pt, nil
}
