package mls

import (
	"crypto/hkdf"
	"fmt"
)

// extract is KDF.Extract(salt, ikm) of RFC 9420 §8: HKDF-Extract (RFC 5869
// §2.2) with the suite's hash. Its output is KDF.Nh bytes.
func (s *suite) extract(salt, ikm []byte) (secret, error) {
	prk, err := hkdf.Extract(s.newHash, ikm, salt)
	if err != nil {
		return nil, fmt.Errorf("mls: KDF.Extract: %w", err)
	}
	return prk, nil
}

// expand is KDF.Expand(prk, info, length) of RFC 9420 §8: HKDF-Expand
// (RFC 5869 §2.3) with the suite's hash. length may be at most 255*KDF.Nh.
func (s *suite) expand(prk secret, info []byte, length int) (secret, error) {
	if length < 0 || length > 255*s.nh {
		return nil, fmt.Errorf("mls: KDF.Expand of %d bytes with a %d-byte hash: %w", length, s.nh, ErrInvalidLength)
	}
	out, err := hkdf.Expand(s.newHash, prk, string(info), length)
	if err != nil {
		return nil, fmt.Errorf("mls: KDF.Expand: %w", err)
	}
	return out, nil
}
