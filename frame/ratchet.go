package frame

import (
	"crypto/hkdf"
	"fmt"
)

// Ratchet returns the next key of the sender-key ratchet of RFC 9605 §5.1:
//
//	base_key[i+1] = HKDF-Expand(HKDF-Extract("", base_key[i]), "SFrame 1.0 Ratchet", Nh)
//
// with the hash of suite s; the result is Hash.Nh bytes (s.HashSize()).
// Ratcheting gives forward secrecy within a key generation: a receiver
// that joins at step i cannot compute the keys of earlier steps. The
// caller zeroes k when it no longer needs it.
func (k BaseKey) Ratchet(s Suite) (BaseKey, error) {
	p := s.params()
	if p == nil {
		return BaseKey{}, newError("ratchet", ErrUnsupportedSuite, s.String())
	}
	if len(k.b) == 0 {
		return BaseKey{}, newError("ratchet", ErrInvalidKey, "empty base key")
	}
	secret, err := p.extract(k.b)
	if err != nil {
		return BaseKey{}, fmt.Errorf("frame: ratchet: %w", err)
	}
	defer clear(secret)
	next, err := hkdf.Expand(p.hash, secret, ratchetLabel, p.nh)
	if err != nil {
		return BaseKey{}, fmt.Errorf("frame: ratchet: %w", err)
	}
	return BaseKey{b: next}, nil
}

// SenderKeyKID returns the KID of the sender-keys scheme (RFC 9605 §5.1)
// for a key generation and ratchet step, with r bits of ratchet step:
//
//	KID = (generation << r) + (step % (1 << r))
//
// r is at most 64, and generation must fit in the 64-r bits left to it.
// Only the low r bits of step are sent, so receivers can tell at most 2^r
// consecutive steps apart.
func SenderKeyKID(generation, step uint64, r uint) (KID, error) {
	if r > 64 {
		return 0, newError("sender key KID", ErrInvalidConfig, fmt.Sprintf("r = %d exceeds 64 bits", r))
	}
	if r == 64 {
		if generation != 0 {
			return 0, newError("sender key KID", ErrInvalidConfig, "r = 64 leaves no bits for a key generation")
		}
		return KID(step), nil
	}
	if generation>>(64-r) != 0 {
		return 0, newError("sender key KID", ErrInvalidConfig,
			fmt.Sprintf("key generation %d does not fit in %d bits", generation, 64-r))
	}
	return KID(generation<<r | step&(1<<r-1)), nil
}

// SenderKey splits a KID of the sender-keys scheme (RFC 9605 §5.1) with r
// bits of ratchet step into the key generation and the low r bits of the
// ratchet step. r above 64 is treated as 64.
func (k KID) SenderKey(r uint) (generation, stepLowBits uint64) {
	if r >= 64 {
		return 0, uint64(k)
	}
	return uint64(k) >> r, uint64(k) & (1<<r - 1)
}
