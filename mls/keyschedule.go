package mls

import (
	"crypto/rand"
	"fmt"
)

// The key schedule of RFC 9420 §8. Each stage is its own type, derived by a
// method of the stage before it:
//
//	init_secret_[n-1]  --KDF.Extract(commit_secret)--ExpandWithLabel("joiner", GroupContext_[n])-->
//	joiner_secret      --KDF.Extract(psk_secret)-->
//	intermediate       --DeriveSecret("welcome")--> welcome_secret
//	intermediate       --ExpandWithLabel("epoch", GroupContext_[n])-->
//	epoch_secret       --DeriveSecret(label)--> the epochSecrets, init_secret_[n] among them
//
// Every stage holds a secret and prints redacted (the String, GoString and
// Format methods of the embedded secret). Deriving a stage never consumes
// its input: a member that processes a Commit keeps its current epoch until
// the Commit's confirmation tag is verified, and zeroes the old stages only
// then. Every stage has zero, which the owner calls when it drops it.

// initSecret is init_secret_[n] of RFC 9420 §8: what a member carries from
// one epoch into the next, or the init_secret a joiner derives through
// external initialization (§8.3).
type initSecret struct {
	suite *suite
	secret
}

// joinerSecret is joiner_secret of RFC 9420 §8, the secret a Welcome gives
// to new members (§12.4.3.1).
type joinerSecret struct {
	suite *suite
	secret
}

// intermediateSecret is the unnamed output of KDF.Extract(joiner_secret,
// psk_secret) in RFC 9420 §8, from which both the welcome_secret and the
// epoch_secret are derived.
type intermediateSecret struct {
	suite *suite
	secret
}

// epochSecret is epoch_secret of RFC 9420 §8, the root of the secrets of
// one epoch.
type epochSecret struct {
	suite *suite
	secret
}

// checkSecretSize returns an error unless sec has the size of a KDF.Extract
// output, KDF.Nh bytes, which every key schedule secret has.
func (s *suite) checkSecretSize(what string, sec []byte) error {
	if len(sec) != s.nh {
		return fmt.Errorf("mls: key schedule: %s of %d bytes, want KDF.Nh = %d: %w", what, len(sec), s.nh, ErrInvalidLength)
	}
	return nil
}

// newInitSecret returns a copy of b as an init_secret: the
// initial_init_secret of a test vector or a stored group state. b must be
// KDF.Nh bytes. The caller keeps b.
func (s *suite) newInitSecret(b []byte) (initSecret, error) {
	if err := s.checkSecretSize("init_secret", b); err != nil {
		return initSecret{}, err
	}
	return initSecret{s, secret(b).clone()}, nil
}

// newJoinerSecret returns a copy of b as a joiner_secret: the one a new
// member decrypts from the GroupSecrets of a Welcome (RFC 9420 §12.4.3.1).
// b must be KDF.Nh bytes. The caller keeps b.
func (s *suite) newJoinerSecret(b []byte) (joinerSecret, error) {
	if err := s.checkSecretSize("joiner_secret", b); err != nil {
		return joinerSecret{}, err
	}
	return joinerSecret{s, secret(b).clone()}, nil
}

// randomEpochSecret returns a fresh random epoch_secret from crypto/rand,
// as the creator of a group starts its epoch 0 (RFC 9420 §11).
func (s *suite) randomEpochSecret() (epochSecret, error) {
	b := make(secret, s.nh)
	if _, err := rand.Read(b); err != nil {
		return epochSecret{}, fmt.Errorf("mls: key schedule: random epoch_secret: %w", err)
	}
	return epochSecret{s, b}, nil
}

// zeroCommitSecret returns the commit_secret of a Commit without a path:
// KDF.Nh zero bytes (RFC 9420 §12.4.2).
func (s *suite) zeroCommitSecret() secret {
	return make(secret, s.nh)
}

// joinerSecret derives joiner_secret from init_secret_[n-1] (RFC 9420 §8):
//
//	joiner_secret = ExpandWithLabel(KDF.Extract(init_secret_[n-1], commit_secret),
//	                                "joiner", GroupContext_[n], KDF.Nh)
//
// commitSecret is the commit_secret of the Commit (KDF.Nh bytes; see
// zeroCommitSecret for a Commit without a path), groupContext the encoded
// GroupContext of the new epoch.
func (i initSecret) joinerSecret(commitSecret secret, groupContext []byte) (joinerSecret, error) {
	s := i.suite
	if err := s.checkSecretSize("init_secret", i.secret); err != nil {
		return joinerSecret{}, err
	}
	if err := s.checkSecretSize("commit_secret", commitSecret); err != nil {
		return joinerSecret{}, err
	}
	prk, err := s.extract(i.secret, commitSecret)
	if err != nil {
		return joinerSecret{}, err
	}
	defer prk.zero()
	j, err := s.expandWithLabel(prk, "joiner", groupContext, uint16(s.nh))
	if err != nil {
		return joinerSecret{}, err
	}
	return joinerSecret{s, j}, nil
}

// withPSK mixes the psk_secret into the joiner_secret (RFC 9420 §8):
// KDF.Extract(joiner_secret, psk_secret). A group that injects no PSK
// passes the psk_secret of an empty list, KDF.Nh zero bytes.
func (j joinerSecret) withPSK(psk pskSecret) (intermediateSecret, error) {
	s := j.suite
	if err := s.checkSecretSize("joiner_secret", j.secret); err != nil {
		return intermediateSecret{}, err
	}
	if err := s.checkSecretSize("psk_secret", psk.secret); err != nil {
		return intermediateSecret{}, err
	}
	m, err := s.extract(j.secret, psk.secret)
	if err != nil {
		return intermediateSecret{}, err
	}
	return intermediateSecret{s, m}, nil
}

// welcomeSecret derives welcome_secret = DeriveSecret(., "welcome") (RFC
// 9420 §8), which encrypts the GroupInfo of a Welcome (§12.4.3.1).
func (m intermediateSecret) welcomeSecret() (welcomeSecret, error) {
	w, err := m.suite.deriveSecret(m.secret, "welcome")
	if err != nil {
		return welcomeSecret{}, err
	}
	return welcomeSecret{m.suite, w}, nil
}

// epochSecret derives epoch_secret = ExpandWithLabel(., "epoch",
// GroupContext_[n], KDF.Nh) (RFC 9420 §8) for the encoded GroupContext of
// the new epoch.
func (m intermediateSecret) epochSecret(groupContext []byte) (epochSecret, error) {
	e, err := m.suite.expandWithLabel(m.secret, "epoch", groupContext, uint16(m.suite.nh))
	if err != nil {
		return epochSecret{}, err
	}
	return epochSecret{m.suite, e}, nil
}

// epochSecrets are the secrets of one epoch derived from its epoch_secret
// (RFC 9420 §8, table "Epoch-Derived Secrets"), each a type whose methods
// are the secret's uses. The epoch_secret itself is not kept.
//
// The group layer keeps an epochSecrets for each epoch it is in. The
// sender_data_secret, encryption_secret and membership_key move into the
// epoch's messageProtector (takeMessageSecrets); the others stay here.
// epochSecrets prints redacted; zero deletes every secret it still holds.
type epochSecrets struct {
	suite *suite

	senderData    senderDataSecret   // "sender data"
	encryption    encryptionSecret   // "encryption"
	exporter      exporterSecret     // "exporter"
	external      externalSecret     // "external"
	confirmation  confirmationKey    // "confirm"
	membership    membershipKey      // "membership"
	resumption    resumptionPSK      // "resumption"
	authenticator epochAuthenticator // "authentication"
	init          initSecret         // "init": init_secret_[n], for epoch n+1
}

func (es epochSecrets) String() string                { return redactedText("mls.epochSecrets") }
func (es epochSecrets) GoString() string              { return redactedText("mls.epochSecrets") }
func (es epochSecrets) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.epochSecrets") }

// derive derives the secrets of the epoch (RFC 9420 §8): DeriveSecret(
// epoch_secret, label) for each label of the table "Epoch-Derived Secrets",
// and init_secret_[n] = DeriveSecret(epoch_secret, "init"). The caller
// keeps and zeroes e.
func (e epochSecret) derive() (*epochSecrets, error) {
	s := e.suite
	if err := s.checkSecretSize("epoch_secret", e.secret); err != nil {
		return nil, err
	}
	es := &epochSecrets{suite: s}
	for _, d := range []struct {
		label string
		dst   *secret
	}{
		{"sender data", &es.senderData.secret},
		{"encryption", &es.encryption.secret},
		{"exporter", &es.exporter.secret},
		{"external", &es.external.secret},
		{"confirm", &es.confirmation.secret},
		{"membership", &es.membership.secret},
		{"resumption", &es.resumption.secret},
		{"authentication", &es.authenticator.secret},
		{"init", &es.init.secret},
	} {
		v, err := s.deriveSecret(e.secret, d.label)
		if err != nil {
			es.zero()
			return nil, err
		}
		*d.dst = v
	}
	es.senderData.suite = s
	es.encryption.suite = s
	es.exporter.suite = s
	es.external.suite = s
	es.confirmation.suite = s
	es.membership.suite = s
	es.init.suite = s
	return es, nil
}

// encryptionSecret is encryption_secret of RFC 9420 §8, the root of the
// epoch's secret tree (§9). newMessageProtector hands it to the tree,
// which deletes it once it has derived the root's children. It prints
// redacted.
type encryptionSecret struct {
	suite *suite
	secret
}

// senderDataSecret is sender_data_secret of RFC 9420 §8, from which the
// key and nonce that encrypt each PrivateMessage's SenderData are derived
// (§6.3.2, suite.senderDataKeyNonce). It prints redacted.
type senderDataSecret struct {
	suite *suite
	secret
}

// membershipKey is membership_key of RFC 9420 §8, the MAC key of the
// membership_tag that proves a PublicMessage comes from a member of the
// epoch (§6.2). It prints redacted.
type membershipKey struct {
	suite *suite
	secret
}

// newEpochSecrets runs the key schedule of RFC 9420 §8 from a joiner_secret
// to the secrets of the new epoch: KDF.Extract with the psk_secret, then
// the epoch_secret for the encoded GroupContext_[n], then the derived
// secrets. A member processing a Commit obtains the joiner_secret with
// initSecret.joinerSecret; a new member takes it from the Welcome.
func newEpochSecrets(joiner joinerSecret, psk pskSecret, groupContext []byte) (*epochSecrets, error) {
	m, err := joiner.withPSK(psk)
	if err != nil {
		return nil, err
	}
	defer m.zero()
	e, err := m.epochSecret(groupContext)
	if err != nil {
		return nil, err
	}
	defer e.zero()
	return e.derive()
}

// takeMessageSecrets moves the sender_data_secret, encryption_secret and
// membership_key out of es, for newMessageProtector; es no longer holds
// them, so that the secret tree's deletion schedule (RFC 9420 §9.2) is not
// undone by a copy left here.
func (es *epochSecrets) takeMessageSecrets() (encryptionSecret, senderDataSecret, membershipKey) {
	enc, sd, mk := es.encryption, es.senderData, es.membership
	es.encryption, es.senderData, es.membership = encryptionSecret{}, senderDataSecret{}, membershipKey{}
	return enc, sd, mk
}

// zero deletes every secret es holds.
func (es *epochSecrets) zero() {
	es.senderData.zero()
	es.encryption.zero()
	es.exporter.zero()
	es.external.zero()
	es.confirmation.zero()
	es.membership.zero()
	es.resumption.zero()
	es.authenticator.zero()
	es.init.zero()
}
