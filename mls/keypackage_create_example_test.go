package mls_test

import (
	"fmt"
	"log"

	"github.com/sealroom/sealroom/mls"
)

// A client publishes KeyPackages so that others can add it to groups
// (RFC 9420 §10). It keeps the private keys, which never print, until a
// Welcome arrives; whoever downloads a KeyPackage verifies it first.
func ExampleNewKeyPackage() {
	signer, err := mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.GenerateSigningKey()
	if err != nil {
		log.Fatal(err)
	}
	cred := mls.Credential{Type: mls.CredentialTypeBasic, Identity: []byte("alice@example.com")}
	kp, keys, err := mls.NewKeyPackage(signer, cred, nil)
	if err != nil {
		log.Fatal(err)
	}
	published, err := kp.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("private keys:", keys)

	// The group member adding Alice.
	downloaded, err := mls.UnmarshalKeyPackage(published)
	if err != nil {
		log.Fatal(err)
	}
	if err := downloaded.Verify(nil); err != nil {
		log.Fatal(err)
	}
	ref, err := downloaded.Ref()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s of %s, %d-byte reference\n", downloaded.LeafNode.Source, downloaded.LeafNode.Credential.Identity, len(ref))
	// Output:
	// private keys: mls.KeyPackagePrivateKeys(REDACTED)
	// key_package of alice@example.com, 32-byte reference
}
