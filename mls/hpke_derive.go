package mls

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
)

// RFC 9180 §7.1.3 DeriveKeyPair for the Montgomery-curve DHKEMs, used for
// DHKEM(X448): circl's DeriveKeyPair panics unless the seed is exactly
// Nsk = 56 bytes, while MLS derives key pairs from KDF.Nh = 64-byte
// secrets (RFC 9420 §7.4, §8). The standard library serves the other four
// KEMs and accepts any ikm length. The X25519 case exists so that the
// construction can be checked against crypto/hpke and the RFC 9180 test
// vectors for X25519 as well as the X448 ones.

// hpkeVersionLabel is the "HPKE-v1" prefix of RFC 9180 §4.
const hpkeVersionLabel = "HPKE-v1"

// kemHash returns the hash of a Montgomery DHKEM's own KDF (RFC 9180
// §7.1: HKDF-SHA256 for X25519, HKDF-SHA512 for X448).
func kemHash(id kemID) func() hash.Hash {
	if id == kemX25519 {
		return sha256.New
	}
	return sha512.New
}

// kemSuiteID returns the suite_id of a KEM, "KEM" || I2OSP(kem_id, 2)
// (RFC 9180 §4.1).
func kemSuiteID(id kemID) []byte {
	return []byte{'K', 'E', 'M', byte(id >> 8), byte(id)}
}

// labeledExtract is LabeledExtract(salt, label, ikm) of RFC 9180 §4 with
// the KEM's suite_id.
func kemLabeledExtract(id kemID, salt []byte, label string, ikm []byte) ([]byte, error) {
	labeled := make([]byte, 0, len(hpkeVersionLabel)+5+len(label)+len(ikm))
	labeled = append(labeled, hpkeVersionLabel...)
	labeled = append(labeled, kemSuiteID(id)...)
	labeled = append(labeled, label...)
	labeled = append(labeled, ikm...)
	defer clear(labeled)
	return hkdf.Extract(kemHash(id), labeled, salt)
}

// kemLabeledExpand is LabeledExpand(prk, label, info, L) of RFC 9180 §4
// with the KEM's suite_id.
func kemLabeledExpand(id kemID, prk []byte, label string, info []byte, length int) ([]byte, error) {
	labeled := make([]byte, 0, 2+len(hpkeVersionLabel)+5+len(label)+len(info))
	labeled = append(labeled, byte(length>>8), byte(length))
	labeled = append(labeled, hpkeVersionLabel...)
	labeled = append(labeled, kemSuiteID(id)...)
	labeled = append(labeled, label...)
	labeled = append(labeled, info...)
	return hkdf.Expand(kemHash(id), prk, string(labeled), length)
}

// deriveXKeyPair is DeriveKeyPair(ikm) of RFC 9180 §7.1.3 for X25519 and
// X448: it returns the Nsk-byte private key
//
//	dkp_prk = LabeledExtract("", "dkp_prk", ikm)
//	sk      = LabeledExpand(dkp_prk, "sk", "", Nsk)
//
// from which the KEM computes the public key. The caller zeroes sk.
func deriveXKeyPair(id kemID, ikm []byte) (secret, error) {
	if id != kemX25519 && id != kemX448 {
		return nil, fmt.Errorf("mls: DeriveKeyPair: KEM 0x%04x is not X25519 or X448", uint16(id))
	}
	prk, err := kemLabeledExtract(id, nil, "dkp_prk", ikm)
	if err != nil {
		return nil, fmt.Errorf("mls: DeriveKeyPair: %w", err)
	}
	defer clear(prk)
	sk, err := kemLabeledExpand(id, prk, "sk", nil, id.privateKeySize())
	if err != nil {
		return nil, fmt.Errorf("mls: DeriveKeyPair: %w", err)
	}
	return sk, nil
}
