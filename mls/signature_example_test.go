package mls_test

import (
	"fmt"
	"log"

	"github.com/sealroom/sealroom/mls"
)

// A member creates its signature key once and publishes the public key in
// its credential's LeafNode; the private key never prints.
func ExampleCipherSuite_GenerateSigningKey() {
	cs := mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	key, err := cs.GenerateSigningKey()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(key.PublicKey()), "byte public key for", key.CipherSuite())
	fmt.Printf("%x\n", key)

	// Bytes and NewSigningKey store and restore the key.
	restored, err := cs.NewSigningKey(key.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(restored.PublicKey()) == string(key.PublicKey()))
	// Output:
	// 32 byte public key for MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	// mls.SigningKey(REDACTED)
	// true
}
