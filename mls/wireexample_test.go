package mls_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/sealroom/sealroom/mls"
)

// A delivery service can route MLS messages by reading only their
// envelope: the wire format and, for handshake and application messages,
// the group and epoch in the clear.
func ExampleUnmarshalMLSMessage() {
	// An MLSMessage carrying a PrivateMessage (RFC 9420 §6.3) for group
	// "room", epoch 7, with 3 bytes of sender data and 4 of ciphertext.
	data, _ := hex.DecodeString("0001" + "0002" + "04726f6f6d" + "0000000000000007" + "01" + "00" + "03aabbcc" + "0411223344")
	msg, err := mls.UnmarshalMLSMessage(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	pm := msg.PrivateMessage
	fmt.Printf("%v for group %q, epoch %d, content %v\n", msg.WireFormat, pm.GroupID, pm.Epoch, pm.ContentType)

	// Bytes that are not a valid message say what is wrong with them.
	_, err = mls.UnmarshalMLSMessage(data[:20])
	fmt.Println(err)
	fmt.Println(errors.Is(err, mls.ErrMalformed))
	// Output:
	// mls_private_message for group "room", epoch 7, content application
	// mls: message: private_message: encrypted_sender_data: length 3 exceeds the 0 bytes left
	// true
}

// Encoding a structure gives back exactly the bytes it was decoded from.
func ExampleMLSMessage_Marshal() {
	msg := &mls.MLSMessage{
		WireFormat: mls.WireFormatPrivateMessage,
		PrivateMessage: &mls.PrivateMessage{
			GroupID:             []byte("room"),
			Epoch:               7,
			ContentType:         mls.ContentTypeApplication,
			EncryptedSenderData: []byte{0xaa, 0xbb, 0xcc},
			Ciphertext:          []byte{0x11, 0x22, 0x33, 0x44},
		},
	}
	out, err := msg.Marshal()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%x\n", out)
	// Output:
	// 0001000204726f6f6d0000000000000007010003aabbcc0411223344
}
