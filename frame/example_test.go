package frame_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log"

	"github.com/sealroom/sealroom/frame"
)

// The base key of the RFC 9605 test vectors. Real base keys come from the
// key management layer (an MLS exporter, RFC 9605 §5.2).
var exampleKey, _ = hex.DecodeString("000102030405060708090a0b0c0d0e0f")

// A sender seals frames under its KID; a receiver holding the same base
// key for that KID opens them.
func Example() {
	sender, err := frame.NewContext(frame.Config{}) // AES_256_GCM_SHA512_128
	if err != nil {
		log.Fatal(err)
	}
	receiver, err := frame.NewContext(frame.Config{})
	if err != nil {
		log.Fatal(err)
	}
	const kid = frame.KID(0x3e)
	base := frame.NewBaseKey(exampleKey)
	if err := sender.AddSendKey(kid, base); err != nil {
		log.Fatal(err)
	}
	if err := receiver.AddReceiveKey(kid, base); err != nil {
		log.Fatal(err)
	}
	base.Zero() // both contexts have derived what they need

	ct, err := sender.Seal(nil, kid, nil, []byte("hello, room"))
	if err != nil {
		log.Fatal(err)
	}
	pt, hdr, err := receiver.Open(nil, nil, ct)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d-byte frame, KID %#x, CTR %d: %s\n", len(ct), hdr.KID, hdr.CTR, pt)
	// Output: 29-byte frame, KID 0x3e, CTR 0: hello, room
}

// Seal appends header || ciphertext || tag. Metadata, such as codec bytes
// left in clear for a relay, is authenticated but not included.
func ExampleContext_Seal() {
	c, err := frame.NewContext(frame.Config{Suite: frame.AES_256_GCM_SHA512_128})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.AddSendKey(0x123, frame.NewBaseKey(exampleKey)); err != nil {
		log.Fatal(err)
	}
	metadata := []byte("IETF SFrame WG")
	buf := make([]byte, 0, 1500) // reused: Seal does not allocate
	for range 2 {
		ct, err := c.Seal(buf, 0x123, metadata, []byte("draft-ietf-sframe-enc"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%x\n", ct) // config byte, KID 0x0123, CTR, ciphertext, tag
	}
	// The outputs match an independent implementation (testdata/gen_kat.py).

	// Output:
	// 90012304928e39ea79a4521b75dfd1c21c335515a26fe385a939fa00e41c4e77e5afabad64846e4c
	// 91012339b56401340d5df1ccb48afbe4bd9a4821a4ba291867c882679fb4442b138842364bd72bd2
}

// Open authenticates the frame against its header and the metadata, and
// refuses a frame it has already opened.
func ExampleContext_Open() {
	sender, _ := frame.NewContext(frame.Config{})
	receiver, _ := frame.NewContext(frame.Config{})
	_ = sender.AddSendKey(7, frame.NewBaseKey(exampleKey))
	_ = receiver.AddReceiveKey(7, frame.NewBaseKey(exampleKey))

	ct, _ := sender.Seal(nil, 7, []byte{0x90}, []byte("frame"))
	if _, _, err := receiver.Open(nil, []byte{0x91}, ct); errors.Is(err, frame.ErrAuthentication) {
		fmt.Println("tampered metadata:", err)
	}
	pt, _, err := receiver.Open(nil, []byte{0x90}, ct)
	fmt.Printf("opened %q, %v\n", pt, err)
	if _, _, err := receiver.Open(nil, []byte{0x90}, ct); errors.Is(err, frame.ErrReplay) {
		fmt.Println("replayed:", err)
	}
	// Output:
	// tampered metadata: frame: open kid 7: message authentication failed
	// opened "frame", <nil>
	// replayed: frame: open kid 7: replayed or too old frame: counter 0 was already accepted
}

// A relay reads the KID and CTR in clear to route a frame; nothing else.
func ExampleParseHeader() {
	ct, _ := hex.DecodeString("990123456744") // header, then the first ciphertext byte
	hdr, rest, err := frame.ParseHeader(ct)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("KID %#x CTR %#x, %d byte(s) of ciphertext\n", hdr.KID, hdr.CTR, len(rest))
	// Output: KID 0x123 CTR 0x4567, 1 byte(s) of ciphertext
}

// The sender-key ratchet of RFC 9605 §5.1: each step hashes the key
// forward and is signalled in the low R bits of the KID.
func ExampleBaseKey_Ratchet() {
	suite := frame.AES_128_GCM_SHA256_128
	key := frame.NewBaseKey(exampleKey)
	for step := uint64(0); step < 3; step++ {
		kid, err := frame.SenderKeyKID(1, step, 4) // generation 1, R = 4
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("step %d: KID %#x, %v\n", step, kid, key)
		if key, err = key.Ratchet(suite); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// step 0: KID 0x10, BaseKey(REDACTED, 16 bytes)
	// step 1: KID 0x11, BaseKey(REDACTED, 32 bytes)
	// step 2: KID 0x12, BaseKey(REDACTED, 32 bytes)
}
