package e2ee

import (
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sealroom/sealroom/mls"
)

// sigFormat is how a tag batch carries the signatures of an MLS cipher
// suite (RFC 9420 §17.1, signature schemes per RFC 8446 §4.2.3): EdDSA
// signatures as they are (RFC 8032 R || S), ECDSA ones as the fixed-width
// big-endian r || s instead of their DER ECDSA-Sig-Value, which is what
// SignWithLabel produces and VerifyWithLabel takes (RFC 9420 §5.1.2).
type sigFormat struct {
	size  int // bytes in the batch
	ecdsa bool
}

// sigFormatOf returns the format of suite's signatures.
func sigFormatOf(suite mls.CipherSuite) (sigFormat, error) {
	switch suite {
	case mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, mls.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519:
		return sigFormat{size: 64}, nil
	case mls.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, mls.MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448:
		return sigFormat{size: 114}, nil
	case mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256:
		return sigFormat{size: 2 * 32, ecdsa: true}, nil
	case mls.MLS_256_DHKEMP384_AES256GCM_SHA384_P384:
		return sigFormat{size: 2 * 48, ecdsa: true}, nil
	case mls.MLS_256_DHKEMP521_AES256GCM_SHA512_P521:
		return sigFormat{size: 2 * 66, ecdsa: true}, nil
	}
	return sigFormat{}, fmt.Errorf("no tag batch signature format for %v", suite)
}

// compact returns the batch form of a signature from SignWithLabel.
func (f sigFormat) compact(sig []byte) ([]byte, error) {
	if !f.ecdsa {
		if len(sig) != f.size {
			return nil, fmt.Errorf("%d-byte signature, want %d", len(sig), f.size)
		}
		return sig, nil
	}
	var r, s big.Int
	in, inner := cryptobyte.String(sig), cryptobyte.String(nil)
	if !in.ReadASN1(&inner, asn1.SEQUENCE) || !in.Empty() ||
		!inner.ReadASN1Integer(&r) || !inner.ReadASN1Integer(&s) || !inner.Empty() {
		return nil, errors.New("ECDSA signature is not a DER ECDSA-Sig-Value")
	}
	half := f.size / 2
	if r.Sign() <= 0 || s.Sign() <= 0 || r.BitLen() > 8*half || s.BitLen() > 8*half {
		return nil, errors.New("ECDSA signature values out of range")
	}
	out := make([]byte, f.size)
	r.FillBytes(out[:half])
	s.FillBytes(out[half:])
	return out, nil
}

// expand returns the signature that VerifyWithLabel takes for a batch
// signature b, whose length the caller has checked.
func (f sigFormat) expand(b []byte) []byte {
	if !f.ecdsa {
		return b
	}
	half := f.size / 2
	r := new(big.Int).SetBytes(b[:half])
	s := new(big.Int).SetBytes(b[half:])
	var bld cryptobyte.Builder
	bld.AddASN1(asn1.SEQUENCE, func(c *cryptobyte.Builder) {
		c.AddASN1BigInt(r)
		c.AddASN1BigInt(s)
	})
	// A Builder fails only on a bad length, which two integers of at most
	// 66 bytes cannot produce.
	der, _ := bld.Bytes()
	return der
}
