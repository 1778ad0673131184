package frame

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// ctrHMAC is the compound AEAD of RFC 9605 §4.5.1: AES-CTR encryption with
// an HMAC tag over the lengths, nonce, AAD and ciphertext, truncated to Nt
// bytes (encrypt-then-MAC, as in SRTP). It implements cipher.AEAD.
//
// The AEAD key is enc_key || auth_key with len(enc_key) = Nka and
// len(auth_key) = Nh. The keystream starts at the counter block
// nonce || 0x00000000; a frame is limited to 2^32-2 blocks (maxPlaintext),
// so the low 32 bits never wrap into the nonce and a 128-bit counter (as in
// crypto/cipher) and a 32-bit one give the same keystream.
type ctrHMAC struct {
	block   cipher.Block
	tagLen  int
	authKey secretBytes
	macs    sync.Pool // of *ctrHMACScratch, each an HMAC keyed with authKey
}

// ctrHMACScratch is per-call state, pooled so that Seal and Open do not
// allocate for the MAC. Several goroutines may use one ctrHMAC at once.
type ctrHMACScratch struct {
	mac    hash.Hash
	iv     [aes.BlockSize]byte
	prefix [24]byte
	sum    [64]byte
}

var errCTRHMACOpen = errors.New("frame: AES-CTR-HMAC tag mismatch")

// newCTRHMAC returns the §4.5.1 AEAD for key = enc_key || auth_key, with
// an AES key of nka bytes, HMAC over h, and tags of tagLen bytes.
func newCTRHMAC(key []byte, nka int, h func() hash.Hash, tagLen int) (*ctrHMAC, error) {
	if len(key) <= nka {
		return nil, errors.New("frame: AES-CTR-HMAC key too short")
	}
	block, err := aes.NewCipher(key[:nka])
	if err != nil {
		return nil, err
	}
	// a keeps its own copy of auth_key for the pool's constructor, so the
	// caller can zero key as soon as this returns.
	a := &ctrHMAC{block: block, tagLen: tagLen, authKey: append(secretBytes(nil), key[nka:]...)}
	a.macs.New = func() any {
		return &ctrHMACScratch{mac: hmac.New(h, a.authKey)}
	}
	return a, nil
}

// zero zeroes a's copy of auth_key. HMAC states already pooled keep their
// padded keys until the garbage collector drops them. The caller makes
// sure a is no longer in use.
func (a *ctrHMAC) zero() { clear(a.authKey) }

func (a *ctrHMAC) NonceSize() int { return nonceSize }
func (a *ctrHMAC) Overhead() int  { return a.tagLen }

// tag computes compute_tag of RFC 9605 §4.5.1 over ct into s.sum and
// returns its first tagLen bytes:
// HMAC(auth_key, u64(len(aad)) || u64(len(ct)) || u64(Nt) || nonce || aad || ct).
func (a *ctrHMAC) tag(s *ctrHMACScratch, nonce, aad, ct []byte) []byte {
	binary.BigEndian.PutUint64(s.prefix[0:], uint64(len(aad)))
	binary.BigEndian.PutUint64(s.prefix[8:], uint64(len(ct)))
	binary.BigEndian.PutUint64(s.prefix[16:], uint64(a.tagLen))
	s.mac.Reset()
	s.mac.Write(s.prefix[:])
	s.mac.Write(nonce)
	s.mac.Write(aad)
	s.mac.Write(ct)
	return s.mac.Sum(s.sum[:0])[:a.tagLen]
}

// xorKeyStream encrypts or decrypts src into dst with AES-CTR from the
// counter block nonce || 0x00000000.
func (a *ctrHMAC) xorKeyStream(s *ctrHMACScratch, dst, src, nonce []byte) {
	if len(src) == 0 {
		return
	}
	copy(s.iv[:], nonce)
	clear(s.iv[nonceSize:])
	cipher.NewCTR(a.block, s.iv[:]).XORKeyStream(dst, src)
}

// Seal implements AEAD.Encrypt of RFC 9605 §4.5.1: ct || tag.
func (a *ctrHMAC) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != nonceSize {
		panic("frame: incorrect nonce length given to AES-CTR-HMAC")
	}
	if uint64(len(plaintext)) > maxPlaintext {
		panic("frame: message too large for AES-CTR-HMAC")
	}
	ret, out := sliceForAppend(dst, len(plaintext)+a.tagLen)
	if inexactOverlap(out[:len(plaintext)], plaintext) {
		panic("frame: invalid buffer overlap in AES-CTR-HMAC")
	}
	s := a.macs.Get().(*ctrHMACScratch)
	ct := out[:len(plaintext)]
	a.xorKeyStream(s, ct, plaintext, nonce)
	copy(out[len(plaintext):], a.tag(s, nonce, aad, ct))
	a.macs.Put(s)
	return ret
}

// Open implements AEAD.Decrypt of RFC 9605 §4.5.1: the tag is checked in
// constant time before anything is decrypted.
func (a *ctrHMAC) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != nonceSize {
		panic("frame: incorrect nonce length given to AES-CTR-HMAC")
	}
	if len(ciphertext) < a.tagLen || uint64(len(ciphertext)-a.tagLen) > maxPlaintext {
		return nil, errCTRHMACOpen
	}
	ct, tag := ciphertext[:len(ciphertext)-a.tagLen], ciphertext[len(ciphertext)-a.tagLen:]
	ret, out := sliceForAppend(dst, len(ct))
	if inexactOverlap(out, ct) {
		panic("frame: invalid buffer overlap in AES-CTR-HMAC")
	}
	s := a.macs.Get().(*ctrHMACScratch)
	defer a.macs.Put(s)
	if subtle.ConstantTimeCompare(a.tag(s, nonce, aad, ct), tag) != 1 {
		return nil, errCTRHMACOpen
	}
	a.xorKeyStream(s, out, ct, nonce)
	return ret, nil
}
