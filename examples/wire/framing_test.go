package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

func TestFrameRoundTrip(t *testing.T) {
	msgs := []*ClientMessage{
		{RequestId: 1, Body: &ClientMessage_Hello{Hello: &Hello{Version: ProtocolVersion_PROTOCOL_VERSION_1, Room: "r", ClientId: "alice"}}},
		{},
		{RequestId: 2, Body: &ClientMessage_Handshake{Handshake: &Handshake{Room: "r", Kind: HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: 3, Message: bytes.Repeat([]byte{1}, 300)}}},
	}
	var stream []byte
	for _, m := range msgs {
		var err error
		if stream, err = AppendFrame(stream, m); err != nil {
			t.Fatal(err)
		}
	}
	r := bufio.NewReader(bytes.NewReader(stream))
	var buf []byte
	for i, want := range msgs {
		b, err := ReadFrame(r, 1<<10, buf)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		var got ClientMessage
		if err := proto.Unmarshal(b, &got); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !proto.Equal(&got, want) {
			t.Fatalf("frame %d = %v, want %v", i, &got, want)
		}
		buf = b
	}
	if _, err := ReadFrame(r, 1<<10, buf); err != io.EOF {
		t.Fatalf("after last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameRejects(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"too large", protowire.AppendVarint(nil, 1025), ErrTooLarge},
		{"huge length", protowire.AppendVarint(nil, 1<<62), ErrTooLarge},
		{"truncated length", []byte{0x80}, io.ErrUnexpectedEOF},
		{"truncated body", []byte{5, 1, 2}, io.ErrUnexpectedEOF},
		{"length overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, ErrMalformed},
		{"length of 11 bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0}, ErrMalformed},
	}
	for _, c := range cases {
		_, err := ReadFrame(bufio.NewReader(bytes.NewReader(c.in)), 1024, nil)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: ReadFrame(%x) = %v, want %v", c.name, c.in, err, c.want)
		}
	}
}

func FuzzReadFrame(f *testing.F) {
	seed, _ := AppendFrame(nil, &ServerMessage{RequestId: 9, Body: &ServerMessage_Error{Error: &Error{Code: ErrorCode_STALE_EPOCH, Epoch: 4}}})
	f.Add(seed)
	f.Add([]byte{0x80})
	f.Add(protowire.AppendVarint(nil, 1<<40))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		total := 0
		for {
			b, err := ReadFrame(r, 256, nil)
			if err != nil {
				return
			}
			if len(b) > 256 {
				t.Fatalf("frame of %d bytes over the limit", len(b))
			}
			total += protowire.SizeVarint(uint64(len(b))) + len(b)
			if total > len(in) {
				t.Fatalf("read %d bytes from %d", total, len(in))
			}
			var m ClientMessage
			_ = proto.Unmarshal(b, &m)
		}
	})
}
