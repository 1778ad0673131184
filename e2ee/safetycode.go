package e2ee

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// The group safety code: a short string of digits that members read to
// each other out of band (aloud on the call, or side by side) to check that
// they share one view of the group: the same members with the same keys.
// It is derived from the MLS epoch_authenticator (RFC 9420 §8.7), which is
// equal for every member whose view of the epoch agrees and different for
// anyone who was given a different one (an impersonated member, a
// delivery service that split the group).
//
// # Derivation
//
//	okm  = HKDF-SHA-256(IKM = epoch_authenticator, salt = "", info = "Sealroom 1.0 Safety Code", L = 8)
//	code = uint64(okm, big-endian) mod 10^12, as 12 decimal digits in three groups of four
//
// The authenticator is a secret of the epoch, uniformly random to anyone
// outside the group; the labelled KDF keeps the code independent of
// every other value derived from it, and of the MLS cipher suite. The
// reduction mod 10^12 biases the digits by less than 2^-24, which costs
// nothing measurable.
//
// # Why 12 digits
//
// 10^12 is 39.9 bits. An attacker who controls the delivery service and
// holds a member's credential can show two members different views and
// needs their codes to match: it must try commits (each a fresh UpdatePath
// and key schedule, tens of microseconds) until one view's code equals the
// other's, about 2^39 of them on average. That work has to be done during
// the call, before the members compare codes, and every other member's
// commit restarts it: at 10^6 commits a second on a large cluster, 2^39
// takes six days. Fewer digits would come within reach (8 digits: under a minute),
// more would not be read aloud reliably: 12 digits in three groups of four
// take a few seconds to read and compare, as with a phone number.
//
// A new code comes with every epoch, so members compare the code of the
// epoch they are both in (SafetyCode.Epoch).

// safetyCodeLabel is the HKDF info of the safety code derivation.
const safetyCodeLabel = "Sealroom 1.0 Safety Code"

// SafetyCodeDigits is the number of digits of a safety code.
const SafetyCodeDigits = 12

// SafetyCode is the group safety code of one epoch.
type SafetyCode struct {
	// Epoch is the MLS epoch the code belongs to.
	Epoch uint64
	// Digits is the code: 12 decimal digits in three groups of four,
	// "0123 4567 8901". It is empty before the Session has an epoch.
	Digits string
}

// String returns c.Digits.
func (c SafetyCode) String() string { return c.Digits }

// SafetyCode returns the safety code of the current epoch: equal for every
// member of the epoch, different in every epoch.
func (s *Session) SafetyCode() SafetyCode {
	if info := s.current.Load(); info != nil {
		return info.code
	}
	return SafetyCode{}
}

// deriveSafetyCode returns the safety code of epoch n from its
// epoch_authenticator.
func deriveSafetyCode(n uint64, authenticator []byte) (SafetyCode, error) {
	if len(authenticator) < 16 {
		return SafetyCode{}, errors.New("epoch authenticator of fewer than 16 bytes")
	}
	okm, err := hkdf.Key(sha256.New, authenticator, nil, safetyCodeLabel, 8)
	if err != nil {
		return SafetyCode{}, err
	}
	v := binary.BigEndian.Uint64(okm) % 1_000_000_000_000
	clear(okm)
	var b [SafetyCodeDigits + 2]byte
	for i := len(b) - 1; i >= 0; i-- {
		if i == 4 || i == 9 {
			b[i] = ' '
			continue
		}
		b[i] = '0' + byte(v%10)
		v /= 10
	}
	return SafetyCode{Epoch: n, Digits: string(b[:])}, nil
}
