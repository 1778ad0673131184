package mls

import (
	"bytes"
	"errors"
	"testing"
)

// TestWelcomeVectors checks the key schedule from the joiner's side with
// welcome.json (test-vectors.md, "Welcome"): the GroupSecrets decrypted for
// the key package give a joiner_secret; with no PSKs it yields the
// welcome_secret whose key and nonce decrypt the GroupInfo (RFC 9420
// §12.4.3.1), whose signature verifies with signer_pub; and the epoch's
// confirmation_key, from the GroupInfo's GroupContext, verifies the
// GroupInfo's confirmation tag over its confirmed transcript hash. The
// GroupInfo is then encrypted again and must decrypt to the same bytes.
func TestWelcomeVectors(t *testing.T) {
	var vectors []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		InitPriv    hexBytes    `json:"init_priv"`
		SignerPub   hexBytes    `json:"signer_pub"`
		KeyPackage  hexBytes    `json:"key_package"`
		Welcome     hexBytes    `json:"welcome"`
	}
	loadVectors(t, "welcome.json", &vectors)
	ran := 0
	for _, v := range vectors {
		t.Run(v.CipherSuite.String(), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			m, err := UnmarshalMLSMessage(v.Welcome)
			if err != nil || m.Welcome == nil {
				t.Fatalf("welcome: %v", err)
			}
			w := m.Welcome
			ref, err := s.makeKeyPackageRef(v.KeyPackage[4:]) // strip the MLSMessage header
			if err != nil {
				t.Fatal(err)
			}
			var egs *EncryptedGroupSecrets
			for i := range w.Secrets {
				if bytes.Equal(w.Secrets[i].NewMember, ref) {
					egs = &w.Secrets[i]
				}
			}
			if egs == nil {
				t.Fatal("no entry for the key package")
			}
			priv, err := s.newHPKEPrivateKey(v.InitPriv)
			if err != nil {
				t.Fatal(err)
			}
			pt, err := s.decryptWithLabel(priv, "Welcome", w.EncryptedGroupInfo,
				egs.EncryptedGroupSecrets.KEMOutput, egs.EncryptedGroupSecrets.Ciphertext)
			if err != nil {
				t.Fatal(err)
			}
			gs, err := unmarshalGroupSecrets(pt)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs.psks) != 0 {
				t.Fatalf("%d PSKs; the vectors use none", len(gs.psks))
			}

			joiner, err := s.newJoinerSecret(gs.joinerSecret)
			if err != nil {
				t.Fatal(err)
			}
			psk, err := s.pskSecret(nil)
			if err != nil {
				t.Fatal(err)
			}
			inter, err := joiner.withPSK(psk)
			if err != nil {
				t.Fatal(err)
			}
			welcome, err := inter.welcomeSecret()
			if err != nil {
				t.Fatal(err)
			}
			giBytes, err := welcome.openGroupInfo(w.EncryptedGroupInfo)
			if err != nil {
				t.Fatal(err)
			}
			gi, err := UnmarshalGroupInfo(giBytes)
			if err != nil {
				t.Fatal(err)
			}
			tbs, err := marshalGroupInfoTBS(gi)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.verifyWithLabel(v.SignerPub, "GroupInfoTBS", tbs, gi.Signature); err != nil {
				t.Fatalf("GroupInfo signature: %v", err)
			}
			gc, err := marshalGroupContext(&gi.GroupContext)
			if err != nil {
				t.Fatal(err)
			}
			epoch, err := inter.epochSecret(gc)
			if err != nil {
				t.Fatal(err)
			}
			es, err := epoch.derive()
			if err != nil {
				t.Fatal(err)
			}
			if err := es.confirmation.verify(gi.GroupContext.ConfirmedTranscriptHash, gi.ConfirmationTag); err != nil {
				t.Fatalf("GroupInfo confirmation tag: %v", err)
			}
			es2, err := newEpochSecrets(joiner, psk, gc)
			if err != nil || !es2.confirmation.equal(es.confirmation.secret) {
				t.Fatalf("newEpochSecrets differs from the staged derivation (%v)", err)
			}

			// Sealing is deterministic (fixed key and nonce), so it must
			// give back the vector's encrypted_group_info exactly.
			sealed, err := welcome.sealGroupInfo(giBytes)
			if err != nil || !bytes.Equal(sealed, w.EncryptedGroupInfo) {
				t.Fatalf("sealGroupInfo differs from the vector (%v)", err)
			}
			tampered := bytes.Clone(w.EncryptedGroupInfo)
			tampered[0] ^= 1
			if _, err := welcome.openGroupInfo(tampered); !errors.Is(err, ErrDecryption) {
				t.Fatalf("tampered encrypted_group_info: %v", err)
			}
			ran++
		})
	}
	requireCount(t, "welcome.json (key schedule)", ran, len(vectors))
}

// TestWelcomeSecretSize checks that a welcome_secret of the wrong size is
// refused rather than used.
func TestWelcomeSecretSize(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	w := welcomeSecret{s, secret(make([]byte, 5))}
	if _, err := w.sealGroupInfo([]byte("x")); !errors.Is(err, ErrInvalidLength) {
		t.Fatalf("seal: %v", err)
	}
	if _, err := w.openGroupInfo([]byte("x")); !errors.Is(err, ErrInvalidLength) {
		t.Fatalf("open: %v", err)
	}
}
