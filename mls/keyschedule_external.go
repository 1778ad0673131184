package mls

import "fmt"

// External initialization of RFC 9420 §8.3: a joiner that is not sent a
// Welcome starts the next epoch's key schedule from an init_secret it
// exports from an HPKE context set up to the group's external_pub, and
// sends the KEM output in an ExternalInit proposal; the members derive
// the same init_secret from the KEM output with external_priv.

// externalInitLabel is the HPKE exporter context of RFC 9420 §8.3.
const externalInitLabel = "MLS 1.0 external init secret"

// externalSecret is external_secret of RFC 9420 §8, from which the group's
// external key pair is derived:
//
//	external_priv, external_pub = KEM.DeriveKeyPair(external_secret)
//
// It prints redacted.
type externalSecret struct {
	suite *suite
	secret
}

// keyPair derives external_priv and external_pub.
func (e externalSecret) keyPair() (*hpkePrivateKey, error) {
	if err := e.suite.checkSecretSize("external_secret", e.secret); err != nil {
		return nil, err
	}
	return e.suite.deriveKeyPair(e.secret)
}

// publicKey returns external_pub, the HPKEPublicKey of the external_pub
// GroupInfo extension (RFC 9420 §12.4.3.2).
func (e externalSecret) publicKey() ([]byte, error) {
	k, err := e.keyPair()
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), k.publicKey()...), nil
}

// initSecret is the members' side of external initialization (RFC 9420
// §8.3): the init_secret for the next epoch from the kem_output of an
// ExternalInit proposal,
//
//	context     = SetupBaseR(kem_output, external_priv, "")
//	init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
//
// A kem_output that does not decapsulate is ErrDecryption.
func (e externalSecret) initSecret(kemOutput []byte) (initSecret, error) {
	k, err := e.keyPair()
	if err != nil {
		return initSecret{}, err
	}
	init, err := e.suite.hpkeReceiverExport(k, kemOutput, nil, []byte(externalInitLabel), e.suite.nh)
	if err != nil {
		return initSecret{}, fmt.Errorf("mls: external init: %w", err)
	}
	return initSecret{e.suite, init}, nil
}

// externalInit is the joiner's side of external initialization (RFC 9420
// §8.3): for the group's external_pub, the kem_output to send in an
// ExternalInit proposal and the init_secret of the next epoch,
//
//	kem_output, context = SetupBaseS(external_pub, "")
//	init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
//
// The ephemeral key comes from crypto/rand.
func (s *suite) externalInit(externalPub []byte) (kemOutput []byte, init initSecret, err error) {
	kemOutput, exported, err := s.hpkeSenderExport(externalPub, nil, []byte(externalInitLabel), s.nh)
	if err != nil {
		return nil, initSecret{}, fmt.Errorf("mls: external init: %w", err)
	}
	return kemOutput, initSecret{s, exported}, nil
}

// hpkeSenderExport sets up an HPKE base-mode sender context to pub with
// info (RFC 9180 §5.1.1 SetupBaseS) and returns the encapsulated key and
// context.Export(exporterContext, length) (§5.3). The AEAD is the suite's:
// it is part of the HPKE suite_id, hence of the exported value.
func (s *suite) hpkeSenderExport(pub, info, exporterContext []byte, length int) (enc []byte, exported secret, err error) {
	enc, ctx, err := s.hpkeSetupS(pub, info)
	if err != nil {
		return nil, nil, err
	}
	exported, err = ctx.export(exporterContext, length)
	if err != nil {
		return nil, nil, err
	}
	return enc, exported, nil
}

// hpkeReceiverExport sets up an HPKE base-mode receiver context for enc
// with the private key k and info (RFC 9180 §5.1.1 SetupBaseR) and returns
// context.Export(exporterContext, length) (§5.3). An enc that does not
// decapsulate is ErrDecryption.
func (s *suite) hpkeReceiverExport(k *hpkePrivateKey, enc, info, exporterContext []byte, length int) (secret, error) {
	ctx, err := s.hpkeSetupR(k, enc, info)
	if err != nil {
		return nil, err
	}
	return ctx.export(exporterContext, length)
}
