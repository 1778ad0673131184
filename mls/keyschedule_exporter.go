package mls

import (
	"fmt"
	"math"
)

// The secrets an epoch offers beyond MLS itself: the exporter (RFC 9420
// §8.5), the resumption PSK (§8.6) and the epoch authenticator (§8.7).

// exporterSecret is exporter_secret of RFC 9420 §8, the root of
// MLS-Exporter (§8.5). It prints redacted.
type exporterSecret struct {
	suite *suite
	secret
}

// export is MLS-Exporter(Label, Context, Length) of RFC 9420 §8.5:
//
//	ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
//
// The label is used as given, any bytes (the interop vectors use random
// ones); applications register theirs (§17.8). length is at most 65535
// (KDFLabel.length is a uint16) and at most 255*KDF.Nh (HKDF). The caller
// owns and zeroes the result.
func (e exporterSecret) export(label string, context []byte, length int) (secret, error) {
	s := e.suite
	if err := s.checkSecretSize("exporter_secret", e.secret); err != nil {
		return nil, err
	}
	if length < 0 || length > math.MaxUint16 {
		return nil, fmt.Errorf("mls: MLS-Exporter of %d bytes: %w", length, ErrInvalidLength)
	}
	derived, err := s.deriveSecret(e.secret, label)
	if err != nil {
		return nil, err
	}
	defer derived.zero()
	return s.expandWithLabel(derived, "exported", s.hash(context), uint16(length))
}

// resumptionPSK is resumption_psk of RFC 9420 §8 (§8.6): the value of a
// resumption PSK that names this group and epoch. The group layer keeps
// those of a bounded number of past epochs and hands them to pskSecret as
// preSharedKey values. It prints redacted.
type resumptionPSK struct {
	secret
}

// epochAuthenticator is epoch_authenticator of RFC 9420 §8 (§8.7): equal
// for all members that share the view of the group in an epoch, different
// for an impersonated one. Sealroom renders it as the group safety code.
// It is secret from non-members, so it prints redacted; compare it with
// equal (constant time).
type epochAuthenticator struct {
	secret
}
