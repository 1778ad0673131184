package mls

import (
	"crypto/rand"
	"fmt"
	"math"

	"golang.org/x/crypto/cryptobyte"
)

// pskSecret is psk_secret of RFC 9420 §8.4: the pre-shared keys of one
// Commit or Welcome chained into one KDF.Nh-byte value, which the key
// schedule mixes into the joiner_secret (§8). With no PSKs it is KDF.Nh
// zero bytes. It prints redacted.
type pskSecret struct {
	secret
}

// preSharedKey is one pre-shared key to inject into the key schedule: its
// PreSharedKeyID as listed in the PreSharedKey proposals or the
// GroupSecrets, and its value, psk_[i] of RFC 9420 §8.4 (an external PSK,
// or the resumption_psk of the epoch the ID names). It prints redacted.
type preSharedKey struct {
	id  PreSharedKeyID
	psk secret
}

func (p preSharedKey) String() string                { return redactedText("mls.preSharedKey") }
func (p preSharedKey) GoString() string              { return redactedText("mls.preSharedKey") }
func (p preSharedKey) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.preSharedKey") }

// marshalPSKLabel encodes the PSKLabel struct of RFC 9420 §8.4:
//
//	struct {
//	    PreSharedKeyID id;
//	    uint16 index;
//	    uint16 count;
//	} PSKLabel;
func marshalPSKLabel(id *PreSharedKeyID, index, count uint16) ([]byte, error) {
	return marshalWire("psk label", func(b *cryptobyte.Builder) {
		id.marshal(b)
		b.AddUint16(index)
		b.AddUint16(count)
	})
}

// pskSecret computes psk_secret over psks, in the order the Commit's
// PreSharedKey proposals (or the GroupSecrets' psks) list them (RFC 9420
// §8.4):
//
//	psk_extracted_[i] = KDF.Extract(0, psk_[i])
//	psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
//	psk_secret_[0]    = 0
//	psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
//	psk_secret        = psk_secret_[n]
//
// where 0 is KDF.Nh zero bytes and KDF.Extract's first argument is the
// salt. An empty list gives KDF.Nh zero bytes. PSKLabel counts the PSKs in
// a uint16, so at most 65535 are accepted.
func (s *suite) pskSecret(psks []preSharedKey) (pskSecret, error) {
	if len(psks) > math.MaxUint16 {
		return pskSecret{}, fmt.Errorf("mls: psk_secret: %d PSKs, PSKLabel counts at most %d: %w", len(psks), math.MaxUint16, ErrInvalidLength)
	}
	zero := make([]byte, s.nh)
	acc := secret(make([]byte, s.nh)) // psk_secret_[0]
	for i := range psks {
		input, err := s.pskInput(&psks[i], uint16(i), uint16(len(psks)), zero)
		if err != nil {
			acc.zero()
			return pskSecret{}, fmt.Errorf("mls: psk_secret: psks[%d]: %w", i, err)
		}
		next, err := s.extract(input, acc)
		input.zero()
		acc.zero()
		if err != nil {
			return pskSecret{}, fmt.Errorf("mls: psk_secret: psks[%d]: %w", i, err)
		}
		acc = next
	}
	return pskSecret{acc}, nil
}

// pskInput derives psk_input_[index] of RFC 9420 §8.4.
func (s *suite) pskInput(p *preSharedKey, index, count uint16, zero []byte) (secret, error) {
	label, err := marshalPSKLabel(&p.id, index, count)
	if err != nil {
		return nil, err
	}
	extracted, err := s.extract(zero, p.psk)
	if err != nil {
		return nil, err
	}
	defer extracted.zero()
	return s.expandWithLabel(extracted, "derived psk", label, uint16(s.nh))
}

// newPSKNonce returns a fresh random psk_nonce of KDF.Nh bytes from
// crypto/rand, as a client injecting a PSK must use (RFC 9420 §8.4).
func (s *suite) newPSKNonce() ([]byte, error) {
	nonce := make([]byte, s.nh)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("mls: psk_nonce: %w", err)
	}
	return nonce, nil
}

// zero deletes the PSK value; the ID is public.
func (p *preSharedKey) zero() {
	p.psk.zero()
}
