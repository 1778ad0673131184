package keyschedule

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"github.com/sealroom/sealroom/frame"
)

// A reference SFrame written in the tests from RFC 9605 §4.4.2, §4.4.3,
// §4.5.1 and §5.1, on the standard library alone, to compute and check the
// keys and salts of the known-answer file independently of package
// frame's internals.

type refSuite struct {
	hash func() hash.Hash
	nh   int
	nka  int // AES key size of a CTR-HMAC suite, 0 for GCM
	nk   int
	nt   int
}

var refSuites = map[frame.Suite]refSuite{
	1: {sha256.New, 32, 16, 48, 10},
	2: {sha256.New, 32, 16, 48, 8},
	3: {sha256.New, 32, 16, 48, 4},
	4: {sha256.New, 32, 0, 16, 16},
	5: {sha512.New, 64, 0, 32, 16},
}

// refDeriveKeySalt is derive_key_salt of RFC 9605 §4.4.2.
func refDeriveKeySalt(suite frame.Suite, kid frame.KID, base []byte) (key, salt []byte) {
	p := refSuites[suite]
	secret, err := hkdf.Extract(p.hash, base, nil)
	if err != nil {
		panic(err)
	}
	var tail [10]byte
	binary.BigEndian.PutUint64(tail[:], uint64(kid))
	binary.BigEndian.PutUint16(tail[8:], uint16(suite))
	key, err = hkdf.Expand(p.hash, secret, "SFrame 1.0 Secret key "+string(tail[:]), p.nk)
	if err != nil {
		panic(err)
	}
	salt, err = hkdf.Expand(p.hash, secret, "SFrame 1.0 Secret salt "+string(tail[:]), 12)
	if err != nil {
		panic(err)
	}
	return key, salt
}

// refRatchet is the base-key ratchet of RFC 9605 §5.1.
func refRatchet(suite frame.Suite, base []byte) []byte {
	p := refSuites[suite]
	secret, err := hkdf.Extract(p.hash, base, nil)
	if err != nil {
		panic(err)
	}
	next, err := hkdf.Expand(p.hash, secret, "SFrame 1.0 Ratchet", p.nh)
	if err != nil {
		panic(err)
	}
	return next
}

// refSeal seals one SFrame frame (RFC 9605 §4.4.3) under key and salt.
func refSeal(suite frame.Suite, key, salt []byte, kid frame.KID, ctr uint64, metadata, pt []byte) []byte {
	p := refSuites[suite]
	header, _ := frame.Header{KID: kid, CTR: ctr}.AppendBinary(nil)
	nonce := make([]byte, 12)
	copy(nonce, salt)
	binary.BigEndian.PutUint64(nonce[4:], binary.BigEndian.Uint64(salt[4:])^ctr)
	aad := append(append([]byte{}, header...), metadata...)
	if p.nka == 0 {
		block, err := aes.NewCipher(key)
		if err != nil {
			panic(err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			panic(err)
		}
		return gcm.Seal(header, nonce, pt, aad)
	}
	// §4.5.1: AES-CTR from nonce || 0x00000000, then a truncated HMAC
	// over the lengths, the nonce, the AAD and the ciphertext.
	block, err := aes.NewCipher(key[:p.nka])
	if err != nil {
		panic(err)
	}
	ct := make([]byte, len(pt))
	cipher.NewCTR(block, append(append([]byte{}, nonce...), 0, 0, 0, 0)).XORKeyStream(ct, pt)
	mac := hmac.New(p.hash, key[p.nka:])
	var lens [24]byte
	binary.BigEndian.PutUint64(lens[:], uint64(len(aad)))
	binary.BigEndian.PutUint64(lens[8:], uint64(len(ct)))
	binary.BigEndian.PutUint64(lens[16:], uint64(p.nt))
	mac.Write(lens[:])
	mac.Write(nonce)
	mac.Write(aad)
	mac.Write(ct)
	out := append(header, ct...)
	return append(out, mac.Sum(nil)[:p.nt]...)
}
