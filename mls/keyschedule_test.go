package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// keyScheduleVector is one entry of key-schedule.json (test-vectors.md,
// "Key Schedule").
type keyScheduleVector struct {
	CipherSuite       CipherSuite `json:"cipher_suite"`
	GroupID           hexBytes    `json:"group_id"`
	InitialInitSecret hexBytes    `json:"initial_init_secret"`
	Epochs            []struct {
		TreeHash                hexBytes `json:"tree_hash"`
		CommitSecret            hexBytes `json:"commit_secret"`
		PSKSecret               hexBytes `json:"psk_secret"`
		ConfirmedTranscriptHash hexBytes `json:"confirmed_transcript_hash"`

		GroupContext       hexBytes `json:"group_context"`
		JoinerSecret       hexBytes `json:"joiner_secret"`
		WelcomeSecret      hexBytes `json:"welcome_secret"`
		InitSecret         hexBytes `json:"init_secret"`
		SenderDataSecret   hexBytes `json:"sender_data_secret"`
		EncryptionSecret   hexBytes `json:"encryption_secret"`
		ExporterSecret     hexBytes `json:"exporter_secret"`
		EpochAuthenticator hexBytes `json:"epoch_authenticator"`
		ExternalSecret     hexBytes `json:"external_secret"`
		ConfirmationKey    hexBytes `json:"confirmation_key"`
		MembershipKey      hexBytes `json:"membership_key"`
		ResumptionPSK      hexBytes `json:"resumption_psk"`
		ExternalPub        hexBytes `json:"external_pub"`
		Exporter           struct {
			// The label is a string, as test-vectors.md says. The
			// generator happens to draw it as hex digits: it is used
			// as those ASCII characters, not decoded.
			Label   string
			Context hexBytes
			Length  int
			Secret  hexBytes
		}
	}
}

// mustSuite returns the algorithms of cs, failing the test if it is not
// one of the seven suites.
func mustSuite(t testing.TB, cs CipherSuite) *suite {
	t.Helper()
	s, err := cs.suite()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// keyScheduleFieldsPerEpoch is how many values TestKeyScheduleVectors
// checks in each epoch: the encoded GroupContext, the 11 secrets of the
// file, external_pub and the exporter output.
const keyScheduleFieldsPerEpoch = 14

// TestKeyScheduleVectors runs the key schedule of RFC 9420 §8 through every
// epoch of every entry of key-schedule.json, chaining init_secret from one
// epoch into the next, and checks every value the file gives: the encoded
// GroupContext, joiner_secret, welcome_secret, init_secret, the eight
// epoch-derived secrets, external_pub (KEM.DeriveKeyPair(external_secret))
// and MLS-Exporter(label, context, length).
func TestKeyScheduleVectors(t *testing.T) {
	var vectors []keyScheduleVector
	loadVectors(t, "key-schedule.json", &vectors)
	epochs, fields, wantEpochs := 0, 0, 0
	perSuite := map[CipherSuite]int{}
	for _, v := range vectors {
		wantEpochs += len(v.Epochs)
		t.Run(v.CipherSuite.String(), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			init, err := s.newInitSecret(v.InitialInitSecret)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range v.Epochs {
				check := func(name string, got, want []byte) {
					t.Helper()
					if !bytes.Equal(got, want) {
						t.Fatalf("epoch %d: %s = %x, want %x", i, name, got, want)
					}
					fields++
				}
				gc := GroupContext{
					CipherSuite:             v.CipherSuite,
					GroupID:                 v.GroupID,
					Epoch:                   uint64(i),
					TreeHash:                e.TreeHash,
					ConfirmedTranscriptHash: e.ConfirmedTranscriptHash,
				}
				gcBytes, err := marshalGroupContext(&gc)
				if err != nil {
					t.Fatal(err)
				}
				check("group_context", gcBytes, e.GroupContext)

				joiner, err := init.joinerSecret(secret(e.CommitSecret), gcBytes)
				if err != nil {
					t.Fatal(err)
				}
				check("joiner_secret", joiner.secret, e.JoinerSecret)
				inter, err := joiner.withPSK(pskSecret{secret(e.PSKSecret)})
				if err != nil {
					t.Fatal(err)
				}
				welcome, err := inter.welcomeSecret()
				if err != nil {
					t.Fatal(err)
				}
				check("welcome_secret", welcome.secret, e.WelcomeSecret)
				epoch, err := inter.epochSecret(gcBytes)
				if err != nil {
					t.Fatal(err)
				}
				es, err := epoch.derive()
				if err != nil {
					t.Fatal(err)
				}
				check("init_secret", es.init.secret, e.InitSecret)
				check("sender_data_secret", es.senderData.secret, e.SenderDataSecret)
				check("encryption_secret", es.encryption.secret, e.EncryptionSecret)
				check("exporter_secret", es.exporter.secret, e.ExporterSecret)
				check("epoch_authenticator", es.authenticator.secret, e.EpochAuthenticator)
				check("external_secret", es.external.secret, e.ExternalSecret)
				check("confirmation_key", es.confirmation.secret, e.ConfirmationKey)
				check("membership_key", es.membership.secret, e.MembershipKey)
				check("resumption_psk", es.resumption.secret, e.ResumptionPSK)

				pub, err := es.external.publicKey()
				if err != nil {
					t.Fatal(err)
				}
				check("external_pub", pub, e.ExternalPub)
				exported, err := es.exporter.export(e.Exporter.Label, e.Exporter.Context, e.Exporter.Length)
				if err != nil {
					t.Fatal(err)
				}
				check("MLS-Exporter", exported, e.Exporter.Secret)

				// The one-call form gives the same epoch.
				es2, err := newEpochSecrets(joiner, pskSecret{secret(e.PSKSecret)}, gcBytes)
				if err != nil || !es2.init.equal(es.init.secret) || !es2.membership.equal(es.membership.secret) {
					t.Fatalf("epoch %d: newEpochSecrets differs from the staged derivation (%v)", i, err)
				}
				es2.zero()

				init.zero()
				init = es.init
				es.init = initSecret{}
				es.zero()
				joiner.zero()
				inter.zero()
				epoch.zero()
				welcome.zero()
				epochs++
				perSuite[v.CipherSuite]++
			}
		})
	}
	requireCount(t, "key-schedule.json (epochs)", epochs, wantEpochs)
	requireCount(t, "key-schedule.json (values)", fields, keyScheduleFieldsPerEpoch*wantEpochs)
	if len(perSuite) != 7 {
		t.Fatalf("epochs per suite %v, want all seven suites", perSuite)
	}
	t.Logf("epochs per suite: %v", perSuite)
}

// TestKeyScheduleSizes checks that the stages refuse inputs whose size is
// not KDF.Nh, and that the exporter refuses lengths KDFLabel cannot carry.
func TestKeyScheduleSizes(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	nh := make([]byte, s.nh)
	short := make([]byte, s.nh-1)
	if _, err := s.newInitSecret(short); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("newInitSecret(short) = %v", err)
	}
	if _, err := s.newJoinerSecret(append(nh, 0)); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("newJoinerSecret(long) = %v", err)
	}
	init, _ := s.newInitSecret(nh)
	if _, err := init.joinerSecret(secret(short), nil); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("joinerSecret(short commit_secret) = %v", err)
	}
	if _, err := init.joinerSecret(nil, nil); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("joinerSecret(nil commit_secret) = %v", err)
	}
	joiner, err := init.joinerSecret(s.zeroCommitSecret(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := joiner.withPSK(pskSecret{}); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("withPSK(empty) = %v", err)
	}
	if _, err := (epochSecret{s, secret(short)}).derive(); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("derive(short) = %v", err)
	}
	e, err := s.randomEpochSecret()
	if err != nil {
		t.Fatal(err)
	}
	es, err := e.derive()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, 65536, 255*s.nh + 1} {
		if _, err := es.exporter.export("x", nil, n); !errors.Is(err, ErrInvalidLength) {
			t.Errorf("export(length %d) = %v", n, err)
		}
	}
	if out, err := es.exporter.export("x", nil, 255*s.nh); err != nil || len(out) != 255*s.nh {
		t.Errorf("export(255*Nh) = %d bytes, %v", len(out), err)
	}
	if out, err := es.exporter.export("x", nil, 0); err != nil || len(out) != 0 {
		t.Errorf("export(0) = %d bytes, %v", len(out), err)
	}
}

// TestRandomEpochSecret checks that a group creator's epoch 0 secrets are
// fresh: two draws differ.
func TestRandomEpochSecret(t *testing.T) {
	for _, s := range allSuites(t) {
		a, err := s.randomEpochSecret()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.randomEpochSecret()
		if len(a.secret) != s.nh || a.equal(b.secret) {
			t.Fatalf("%v: random epoch secrets %d bytes, equal %v", s.id, len(a.secret), a.equal(b.secret))
		}
	}
}

// TestEpochSecretsOwnership checks takeMessageSecrets and zero: the
// message secrets leave the epochSecrets, and zero wipes the memory of
// every secret still held.
func TestEpochSecretsOwnership(t *testing.T) {
	s, _ := MLS_256_DHKEMP384_AES256GCM_SHA384_P384.suite()
	e, _ := s.randomEpochSecret()
	es, err := e.derive()
	if err != nil {
		t.Fatal(err)
	}
	enc, sd, mk := es.takeMessageSecrets()
	if es.encryption.secret != nil || es.senderData.secret != nil || es.membership.secret != nil {
		t.Fatal("takeMessageSecrets left copies behind")
	}
	if len(enc.secret) != s.nh || len(sd.secret) != s.nh || len(mk.secret) != s.nh || enc.suite != s {
		t.Fatal("takeMessageSecrets returned empty secrets")
	}
	held := [][]byte{es.exporter.secret, es.external.secret, es.confirmation.secret,
		es.resumption.secret, es.authenticator.secret, es.init.secret}
	es.zero()
	for i, b := range held {
		if !bytes.Equal(b, make([]byte, len(b))) {
			t.Errorf("secret %d not wiped", i)
		}
	}
	if es.exporter.secret != nil || es.init.secret != nil {
		t.Error("zero kept references")
	}
}

// TestKeyScheduleRedaction checks that every stage and derived secret
// prints redacted.
func TestKeyScheduleRedaction(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	raw := bytes.Repeat([]byte{0xc3}, s.nh)
	sec := func() secret { return secret(raw).clone() }
	e := epochSecret{s, sec()}
	es, err := e.derive()
	if err != nil {
		t.Fatal(err)
	}
	requireRedacted(t, raw,
		initSecret{s, sec()}, joinerSecret{s, sec()}, intermediateSecret{s, sec()}, e,
		pskSecret{sec()}, preSharedKey{psk: sec()}, welcomeSecret{s, sec()},
		exporterSecret{s, sec()}, externalSecret{s, sec()}, confirmationKey{s, sec()},
		membershipKey{s, sec()}, resumptionPSK{sec()}, epochAuthenticator{sec()},
		encryptionSecret{s, sec()}, senderDataSecret{s, sec()})
	// The derived secrets are not raw, so check them by their own bytes.
	requireRedacted(t, es.exporter.secret, es, *es)
	requireRedacted(t, es.init.secret, es, *es, fmt.Sprint(es))
}
