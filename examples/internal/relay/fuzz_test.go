package relay_test

import (
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/wire"
)

var (
	fuzzOnce sync.Once
	fuzzSrv  *relay.Server
)

// FuzzControlStream writes arbitrary bytes on a control stream of a live
// relay. Whatever they are, the relay answers or closes within bounds and
// never stops serving: a Hello on a fresh connection still works.
func FuzzControlStream(f *testing.F) {
	hello, _ := wire.AppendFrame(nil, &wire.ClientMessage{RequestId: 1, Body: &wire.ClientMessage_Hello{Hello: &wire.Hello{
		Version: wire.ProtocolVersion_PROTOCOL_VERSION_1, Room: "fuzz", ClientId: "f"}}})
	commit, _ := wire.AppendFrame(nil, &wire.ClientMessage{RequestId: 2, Body: &wire.ClientMessage_Handshake{Handshake: &wire.Handshake{
		Room: "fuzz", Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: 0, Message: []byte("m"), Welcome: []byte("w"), Recipients: []string{"x"}}}})
	f.Add(hello)
	f.Add(append(append([]byte(nil), hello...), commit...))
	f.Add(hello[:len(hello)-2])
	f.Add([]byte{4, 0x08, 0x07, 0x12, 100})
	f.Add(protowire.AppendVarint(nil, 1<<40))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzOnce.Do(func() {
			srv, err := relay.New(relay.Options{MaxMessage: 4096})
			if err == nil {
				err = srv.Start("127.0.0.1:0")
			}
			if err != nil {
				t.Fatal(err)
			}
			fuzzSrv = srv // lives for the process, shared by all inputs
		})
		c := rawDial(t, fuzzSrv)
		if len(in) == 0 {
			in = []byte{0}
		}
		c.write(t, in)
		c.st.Close()
		// Read everything the relay answers until it ends the stream or
		// the connection; each answer must be a valid ServerMessage.
		c.st.SetReadDeadline(time.Now().Add(wait))
		for {
			b, err := wire.ReadFrame(c.r, 1<<20, nil)
			if err != nil {
				// The relay ends the stream, or closes the connection
				// (it takes the end of the client's side as leaving).
				var ae *quic.ApplicationError
				if errors.Is(err, io.EOF) || errors.As(err, &ae) {
					break
				}
				t.Fatalf("reading the relay's answers: %v", err)
			}
			var m wire.ServerMessage
			if err := wire.UnmarshalServerMessage(b, &m); err != nil {
				t.Fatalf("relay sent %v", err)
			}
		}
		ok := rawDial(t, fuzzSrv)
		ok.hello(t, "fuzz-check", "checker")
	})
}
