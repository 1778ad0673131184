package gcm_test

import (
	"fmt"

	"github.com/sealroom/sealroom/frame/internal/gcm"
)

// An SFrame sender seals a frame with its per-sender key and a nonce made
// from its salt and the frame counter (RFC 9605 §4.4.3), authenticating the
// SFrame header as additional data; the receiver opens it the same way.
func ExampleNew() {
	key := make([]byte, 32) // AES_256_GCM_SHA512_128: sframe_key from the key schedule
	aead, err := gcm.New(key)
	if err != nil {
		panic(err)
	}
	nonce := make([]byte, gcm.NonceSize) // sframe_salt XOR the frame counter
	header := []byte{0x10, 0x01}         // the SFrame header, sent in clear

	sealed := aead.Seal(nil, nonce, []byte("audio frame"), header)
	opened, err := aead.Open(nil, nonce, sealed, header)
	fmt.Printf("%d bytes sealed, opened %q, err %v\n", len(sealed), opened, err)

	sealed[0] ^= 1
	_, err = aead.Open(nil, nonce, sealed, header)
	fmt.Println(err)
	// Output:
	// 27 bytes sealed, opened "audio frame", err <nil>
	// gcm: message authentication failed
}
