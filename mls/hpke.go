package mls

import (
	"crypto/ecdh"
	stdhpke "crypto/hpke"
	"crypto/rand"
	"fmt"

	circlhpke "github.com/cloudflare/circl/hpke"
	circlkem "github.com/cloudflare/circl/kem"
)

// HPKE (RFC 9180) in base mode for the KEMs of the MLS cipher suites
// (RFC 9420 §5.1, §17.1). DHKEM(X25519), DHKEM(P-256), DHKEM(P-384) and
// DHKEM(P-521) come from the standard library's crypto/hpke; DHKEM(X448),
// which it lacks, comes from circl. DeriveKeyPair for X448 is our own
// (hpke_derive.go): circl's requires a seed of exactly Nsk bytes, and MLS
// derives key pairs from KDF.Nh-byte secrets.

// kemID is an HPKE KEM identifier (RFC 9180 §7.1).
type kemID uint16

const (
	kemP256   kemID = 0x0010 // DHKEM(P-256, HKDF-SHA256)
	kemP384   kemID = 0x0011 // DHKEM(P-384, HKDF-SHA384)
	kemP521   kemID = 0x0012 // DHKEM(P-521, HKDF-SHA512)
	kemX25519 kemID = 0x0020 // DHKEM(X25519, HKDF-SHA256)
	kemX448   kemID = 0x0021 // DHKEM(X448, HKDF-SHA512)
)

// privateKeySize returns Nsk, the length of a serialized private key
// (RFC 9180 §7.1).
func (k kemID) privateKeySize() int {
	switch k {
	case kemP256, kemX25519:
		return 32
	case kemP384:
		return 48
	case kemP521:
		return 66
	default: // X448
		return 56
	}
}

// std returns the standard library KEM, or nil for X448.
func (k kemID) std() stdhpke.KEM {
	switch k {
	case kemP256:
		return stdhpke.DHKEM(ecdh.P256())
	case kemP384:
		return stdhpke.DHKEM(ecdh.P384())
	case kemP521:
		return stdhpke.DHKEM(ecdh.P521())
	case kemX25519:
		return stdhpke.DHKEM(ecdh.X25519())
	}
	return nil
}

// isNIST reports whether the KEM is on a NIST curve, whose private keys
// are big-endian scalars that some encoders shorten.
func (k kemID) isNIST() bool {
	return k == kemP256 || k == kemP384 || k == kemP521
}

// x448Scheme is circl's DHKEM(X448, HKDF-SHA512).
var x448Scheme = circlhpke.KEM_X448_HKDF_SHA512.Scheme()

// hpkePrivateKey is an HPKE private key of a suite's KEM together with its
// encoded public key. It prints redacted. The key lives inside crypto/hpke
// or circl, which offer no way to erase it; it is dropped with the value.
type hpkePrivateKey struct {
	kem kemID
	pub []byte // SerializePublicKey output (RFC 9180 §7.1.1)

	std  stdhpke.PrivateKey  // P-256, P-384, P-521, X25519
	x448 circlkem.PrivateKey // X448
}

func (k *hpkePrivateKey) String() string                { return redactedText("mls.hpkePrivateKey") }
func (k *hpkePrivateKey) GoString() string              { return redactedText("mls.hpkePrivateKey") }
func (k *hpkePrivateKey) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.hpkePrivateKey") }

// publicKey returns the encoded public key, the value of an HPKEPublicKey
// (RFC 9420 §5.1.1). The caller must not modify it.
func (k *hpkePrivateKey) publicKey() []byte { return k.pub }

// bytes returns SerializePrivateKey(sk) (RFC 9180 §7.1.2). For X25519 the
// standard library returns the clamped scalar, as §7.1.2 asks; for X448
// circl returns the key as it was derived or decoded, unclamped (the form
// of the RFC 9180 test vectors). Either form decodes to the same key.
func (k *hpkePrivateKey) bytes() (secret, error) {
	if k.std != nil {
		return k.std.Bytes()
	}
	return k.x448.MarshalBinary()
}

func newStdHPKEPrivateKey(id kemID, k stdhpke.PrivateKey) *hpkePrivateKey {
	return &hpkePrivateKey{kem: id, pub: k.PublicKey().Bytes(), std: k}
}

func newX448HPKEPrivateKey(k circlkem.PrivateKey) (*hpkePrivateKey, error) {
	pub, err := k.Public().MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &hpkePrivateKey{kem: kemX448, pub: pub, x448: k}, nil
}

// generateHPKEKey returns a new random HPKE key pair of the suite's KEM
// (RFC 9180 §4: GenerateKeyPair), drawn from crypto/rand.
func (s *suite) generateHPKEKey() (*hpkePrivateKey, error) {
	if kem := s.kem.std(); kem != nil {
		k, err := kem.GenerateKey()
		if err != nil {
			return nil, err
		}
		return newStdHPKEPrivateKey(s.kem, k), nil
	}
	_, k, err := x448Scheme.GenerateKeyPair()
	if err != nil {
		return nil, err
	}
	return newX448HPKEPrivateKey(k)
}

// deriveKeyPair is KEM.DeriveKeyPair(ikm) of RFC 9180 §7.1.3 for the
// suite's KEM. MLS uses it to turn secrets into key pairs: a TreeKEM
// node_secret (RFC 9420 §7.4), the external_secret (§8), and so on. Any
// ikm length is accepted; MLS passes KDF.Nh bytes.
func (s *suite) deriveKeyPair(ikm secret) (*hpkePrivateKey, error) {
	if kem := s.kem.std(); kem != nil {
		k, err := kem.DeriveKeyPair(ikm)
		if err != nil {
			return nil, fmt.Errorf("mls: DeriveKeyPair: %w", err)
		}
		return newStdHPKEPrivateKey(s.kem, k), nil
	}
	sk, err := deriveXKeyPair(s.kem, ikm)
	if err != nil {
		return nil, err
	}
	defer sk.zero()
	k, err := x448Scheme.UnmarshalBinaryPrivateKey(sk)
	if err != nil {
		return nil, fmt.Errorf("mls: DeriveKeyPair: %w", err)
	}
	return newX448HPKEPrivateKey(k)
}

// newHPKEPrivateKey is DeserializePrivateKey of RFC 9180 §7.1.2 for the
// suite's KEM. A NIST-curve scalar shorter than Nsk is left-padded with
// zeros, since some encoders drop leading zero bytes (a P-521 key is then
// 65 bytes, not 66).
func (s *suite) newHPKEPrivateKey(b []byte) (*hpkePrivateKey, error) {
	nsk := s.kem.privateKeySize()
	if s.kem.isNIST() {
		padded, ok := leftPad(b, nsk)
		if !ok {
			return nil, fmt.Errorf("mls: HPKE private key of %d bytes, want %d: %w", len(b), nsk, ErrInvalidPrivateKey)
		}
		defer clear(padded)
		b = padded
	} else if len(b) != nsk {
		return nil, fmt.Errorf("mls: HPKE private key of %d bytes, want %d: %w", len(b), nsk, ErrInvalidPrivateKey)
	}
	if kem := s.kem.std(); kem != nil {
		k, err := kem.NewPrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("mls: HPKE private key: %w", ErrInvalidPrivateKey)
		}
		return newStdHPKEPrivateKey(s.kem, k), nil
	}
	k, err := x448Scheme.UnmarshalBinaryPrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("mls: HPKE private key: %w", ErrInvalidPrivateKey)
	}
	return newX448HPKEPrivateKey(k)
}

// checkHPKEPublicKey reports whether pub is a valid encoded public key of
// the suite's KEM (RFC 9180 §7.1.1 DeserializePublicKey), for validating
// an HPKEPublicKey before it is stored (RFC 9420 §7.3, §10.1).
func (s *suite) checkHPKEPublicKey(pub []byte) error {
	var err error
	if kem := s.kem.std(); kem != nil {
		_, err = kem.NewPublicKey(pub)
	} else {
		_, err = x448Scheme.UnmarshalBinaryPublicKey(pub)
	}
	if err != nil {
		return fmt.Errorf("mls: HPKE public key of %d bytes: %w", len(pub), ErrInvalidPublicKey)
	}
	return nil
}

// stdKDF and stdAEAD return the standard library HPKE KDF and AEAD of the
// suite.
func (s *suite) stdKDF() stdhpke.KDF {
	switch s.nh {
	case 32:
		return stdhpke.HKDFSHA256()
	case 48:
		return stdhpke.HKDFSHA384()
	default:
		return stdhpke.HKDFSHA512()
	}
}

func (s *suite) stdAEAD() stdhpke.AEAD {
	switch s.aead {
	case aeadAES128GCM:
		return stdhpke.AES128GCM()
	case aeadAES256GCM:
		return stdhpke.AES256GCM()
	default:
		return stdhpke.ChaCha20Poly1305()
	}
}

// circlSuite returns circl's HPKE suite for the X448 cipher suites.
func (s *suite) circlSuite() circlhpke.Suite {
	aead := circlhpke.AEAD_AES256GCM
	if s.aead == aeadChaCha20Poly1305 {
		aead = circlhpke.AEAD_ChaCha20Poly1305
	}
	return circlhpke.NewSuite(circlhpke.KEM_X448_HKDF_SHA512, circlhpke.KDF_HKDF_SHA512, aead)
}

// hpkeSender is an HPKE sender context (RFC 9180 §5.1, §5.2, §5.3): the
// standard library's, or circl's for X448.
type hpkeSender struct {
	std   *stdhpke.Sender
	circl circlhpke.Sealer
	nh    int
}

// hpkeReceiver is an HPKE receiver context: the standard library's, or
// circl's for X448.
type hpkeReceiver struct {
	std   *stdhpke.Recipient
	circl circlhpke.Opener
	nh    int
}

// hpkeSetupS is SetupBaseS(pkR, info) of RFC 9180 §5.1.1 with the suite's
// KEM, KDF and AEAD: the encapsulated key (enc, the kem_output of MLS) and
// the sender context. The ephemeral key comes from crypto/rand.
func (s *suite) hpkeSetupS(pub, info []byte) (enc []byte, ctx hpkeSender, err error) {
	ctx.nh = s.nh
	if kem := s.kem.std(); kem != nil {
		pk, perr := kem.NewPublicKey(pub)
		if perr != nil {
			return nil, hpkeSender{}, fmt.Errorf("mls: HPKE public key of %d bytes: %w", len(pub), ErrInvalidPublicKey)
		}
		enc, ctx.std, err = stdhpke.NewSender(pk, s.stdKDF(), s.stdAEAD(), info)
	} else {
		pk, perr := x448Scheme.UnmarshalBinaryPublicKey(pub)
		if perr != nil {
			return nil, hpkeSender{}, fmt.Errorf("mls: HPKE public key of %d bytes: %w", len(pub), ErrInvalidPublicKey)
		}
		var sender *circlhpke.Sender
		sender, err = s.circlSuite().NewSender(pk, info)
		if err == nil {
			enc, ctx.circl, err = sender.Setup(rand.Reader)
		}
	}
	if err != nil {
		return nil, hpkeSender{}, fmt.Errorf("mls: HPKE SetupBaseS: %w", err)
	}
	return enc, ctx, nil
}

// hpkeSetupR is SetupBaseR(enc, skR, info) of RFC 9180 §5.1.1 with the
// suite's KEM, KDF and AEAD. An enc that does not decapsulate is
// ErrDecryption.
func (s *suite) hpkeSetupR(k *hpkePrivateKey, enc, info []byte) (hpkeReceiver, error) {
	if k == nil {
		return hpkeReceiver{}, fmt.Errorf("mls: HPKE SetupBaseR without a private key: %w", ErrInvalidPrivateKey)
	}
	if k.kem != s.kem {
		return hpkeReceiver{}, fmt.Errorf("mls: HPKE key of KEM 0x%04x used with %v: %w", uint16(k.kem), s.id, ErrInvalidPrivateKey)
	}
	ctx := hpkeReceiver{nh: s.nh}
	var err error
	if k.std != nil {
		ctx.std, err = stdhpke.NewRecipient(enc, k.std, s.stdKDF(), s.stdAEAD(), info)
	} else {
		var r *circlhpke.Receiver
		r, err = s.circlSuite().NewReceiver(k.x448, info)
		if err == nil {
			ctx.circl, err = r.Setup(enc)
		}
	}
	if err != nil {
		return hpkeReceiver{}, fmt.Errorf("mls: HPKE SetupBaseR: %w", ErrDecryption)
	}
	return ctx, nil
}

// seal is ContextS.Seal(aad, pt) of RFC 9180 §5.2.
func (c hpkeSender) seal(aad, plaintext []byte) ([]byte, error) {
	if c.std != nil {
		return c.std.Seal(aad, plaintext)
	}
	return c.circl.Seal(plaintext, aad)
}

// open is ContextR.Open(aad, ct) of RFC 9180 §5.2.
func (c hpkeReceiver) open(aad, ciphertext []byte) ([]byte, error) {
	if c.std != nil {
		return c.std.Open(aad, ciphertext)
	}
	return c.circl.Open(ciphertext, aad)
}

// export is Context.Export(exporter_context, L) of RFC 9180 §5.3.
func (c hpkeSender) export(exporterContext []byte, length int) (secret, error) {
	return hpkeExport(c.std, c.circl, c.nh, exporterContext, length)
}

// export is Context.Export(exporter_context, L) of RFC 9180 §5.3.
func (c hpkeReceiver) export(exporterContext []byte, length int) (secret, error) {
	return hpkeExport(c.std, c.circl, c.nh, exporterContext, length)
}

// hpkeExport exports from the context that is set: circl's if circl is
// not nil (checked first, since std may then hold a nil pointer), else the
// standard library's. L is at most 255*Nh (RFC 9180 §5.3; circl panics
// beyond).
func hpkeExport(std interface {
	Export(string, int) ([]byte, error)
}, circl circlhpke.Context, nh int, exporterContext []byte, length int) (secret, error) {
	if length < 0 || length > 255*nh {
		return nil, fmt.Errorf("mls: HPKE Export of %d bytes: %w", length, ErrInvalidLength)
	}
	if circl != nil {
		return circl.Export(exporterContext, uint(length)), nil
	}
	return std.Export(string(exporterContext), length)
}

// hpkeSeal is SealBase(pkR, info, aad, pt) of RFC 9180 §6.1 with the
// suite's KEM, KDF and AEAD. It returns the encapsulated key (enc, the
// kem_output of MLS) and the ciphertext. Callers use encryptWithLabel.
func (s *suite) hpkeSeal(pub, info, aad, plaintext []byte) (enc, ciphertext []byte, err error) {
	enc, ctx, err := s.hpkeSetupS(pub, info)
	if err != nil {
		return nil, nil, err
	}
	ciphertext, err = ctx.seal(aad, plaintext)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: HPKE SealBase: %w", err)
	}
	return enc, ciphertext, nil
}

// hpkeOpen is OpenBase(enc, skR, info, aad, ct) of RFC 9180 §6.1. Every
// failure to decapsulate or decrypt is ErrDecryption. Callers use
// decryptWithLabel.
func (s *suite) hpkeOpen(k *hpkePrivateKey, enc, info, aad, ciphertext []byte) ([]byte, error) {
	ctx, err := s.hpkeSetupR(k, enc, info)
	if err != nil {
		return nil, err
	}
	pt, err := ctx.open(aad, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("mls: HPKE OpenBase: %w", ErrDecryption)
	}
	return pt, nil
}
