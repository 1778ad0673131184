package e2ee_test

import (
	"errors"
	"fmt"

	"github.com/sealroom/sealroom/e2ee"
)

// A relay reads the clear part of each sealed frame to decide where to
// forward it; it holds no key, and the SFrame ciphertext stays opaque.
func ExampleParsePacket() {
	packet := []byte{
		0x02,                                                       // codec: VP8
		0x0a,                                                       // 10 clear bytes:
		0xb0, 0x43, 0x00, 0x9d, 0x01, 0x2a, 0xb0, 0x00, 0x90, 0x00, // VP8 key frame header
		0x0f, 0, 0, 0, 0, 0, 0, 0, 1, 0xc3, 0x5e, // SFrame header and ciphertext ...
	}
	p, err := e2ee.ParsePacket(packet)
	if err != nil {
		fmt.Println("drop:", err)
		return
	}
	info, err := p.Info()
	if err != nil {
		fmt.Println("drop:", err)
		return
	}
	fmt.Printf("%v key=%v %dx%d, %d bytes of SFrame ciphertext\n", info.Codec, info.Keyframe, info.Width, info.Height, len(p.SFrame))

	// A truncated clear part is rejected before anyone decrypts it.
	_, err = e2ee.ParsePacket(packet[:8])
	fmt.Println(errors.Is(err, e2ee.ErrMalformedPacket), err)
	// Output:
	// vp8 key=true 176x144, 11 bytes of SFrame ciphertext
	// true e2ee: malformed packet: vp8: offset 1: clear part runs past the end of the packet
}
