package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestKeyPackagePrivateKeysRoundTrip checks, for every suite, that the
// private keys of a new KeyPackage survive MarshalBinary and
// UnmarshalKeyPackagePrivateKeys and NewKeyPackagePrivateKeys from their
// accessors, still matching the KeyPackage, and that damaged encodings
// fail with the right sentinel.
func TestKeyPackagePrivateKeysRoundTrip(t *testing.T) {
	for _, cs := range allCipherSuites() {
		t.Run(cs.String(), func(t *testing.T) {
			signer, err := cs.GenerateSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			kp, keys, err := NewKeyPackage(signer, Credential{Type: CredentialTypeBasic, Identity: []byte("a")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := keys.matches(kp); err != nil {
				t.Fatal(err)
			}
			enc, err := keys.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			back, err := UnmarshalKeyPackagePrivateKeys(enc)
			if err != nil {
				t.Fatal(err)
			}
			if err := back.matches(kp); err != nil {
				t.Fatalf("after the round trip: %v", err)
			}
			again, err := NewKeyPackagePrivateKeys(cs, keys.InitPrivateKey(), keys.EncryptionPrivateKey(), keys.SigningKey().Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if err := again.matches(kp); err != nil {
				t.Fatalf("from the accessors: %v", err)
			}
			if s := fmt.Sprintf("%v %+v %#v %x %s", keys, keys, keys, keys, keys); bytes.Contains([]byte(s), keys.InitPrivateKey()) || !bytes.Contains([]byte(s), []byte("REDACTED")) {
				t.Errorf("printing the keys shows %q", s)
			}

			// Swapped keys do not match the KeyPackage.
			swapped, err := NewKeyPackagePrivateKeys(cs, keys.EncryptionPrivateKey(), keys.InitPrivateKey(), keys.SigningKey().Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if err := swapped.matches(kp); !errors.Is(err, ErrInvalidPrivateKey) {
				t.Errorf("swapped keys: %v", err)
			}
			for name, data := range map[string][]byte{
				"truncated":     enc[:len(enc)-1],
				"trailing":      append(bytes.Clone(enc), 0),
				"version":       append([]byte{2}, enc[1:]...),
				"empty":         nil,
				"unknown suite": append([]byte{1, 0xFF, 0xFF}, enc[3:]...),
			} {
				if _, err := UnmarshalKeyPackagePrivateKeys(data); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalidPrivateKey) {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}
