package transport_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// Two clients on a loopback relay: Bob publishes a KeyPackage, Alice
// claims it and commits (creating the group and adding Bob, with his
// Welcome), then sends a media frame. Every byte slice here stands for
// what an e2ee Session would produce: MLS messages and SFrame ciphertext,
// opaque to the transport and the relay.
func Example() {
	srv, err := relay.New(relay.Options{})
	if err != nil {
		panic(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer srv.Close()
	pin := srv.CertificateSHA256()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	join := func(id string) *transport.Conn {
		c, err := transport.Dial(ctx, srv.Addr().String(), transport.Config{Room: "call", ClientID: id, CertSHA256: pin[:]})
		if err != nil {
			panic(err)
		}
		return c
	}
	alice, bob := join("alice"), join("bob")
	defer alice.Close()
	defer bob.Close()

	if _, err := bob.UploadKeyPackages(ctx, [][]byte{[]byte("bob's KeyPackage")}, nil); err != nil {
		panic(err)
	}
	kp, err := alice.ClaimKeyPackage(ctx, "bob")
	if err != nil {
		panic(err)
	}
	fmt.Printf("alice claimed %q\n", kp.Data)

	acc, err := alice.SendHandshake(ctx, transport.Handshake{
		Kind:       wire.HandshakeKind_HANDSHAKE_KIND_COMMIT,
		Epoch:      0,
		Message:    []byte("commit adding bob"),
		GroupInfo:  []byte("GroupInfo for epoch 1"),
		Welcome:    []byte("Welcome for bob"),
		Recipients: []string{"bob"},
	})
	if err != nil {
		panic(err) // errors.Is(err, transport.ErrStaleEpoch): process the winner, retry
	}
	fmt.Printf("commit accepted: seq %d, room now at epoch %d\n", acc.Seq, acc.Epoch)

	for e := range bob.Events() {
		switch e := e.(type) {
		case *transport.HandshakeEvent:
			fmt.Printf("bob: %v from %s in epoch %d: %q\n", e.Kind, e.Sender, e.Epoch, e.Message)
		case *transport.WelcomeEvent:
			fmt.Printf("bob: Welcome from %s into epoch %d: %q\n", e.Sender, e.Epoch, e.Message)
		}
		if _, ok := e.(*transport.WelcomeEvent); ok {
			break
		}
	}

	if err := alice.SendMedia(&transport.Media{StreamID: 1, Sequence: 1, TimestampUS: 20000, Payload: []byte("SFrame ciphertext")}); err != nil {
		panic(err)
	}
	m, err := bob.ReceiveMedia(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Printf("bob: frame %d on stream %d from alice: %v, %q\n", m.Sequence, m.StreamID, m.Source == alice.Source(), m.Payload)

	// Output:
	// alice claimed "bob's KeyPackage"
	// commit accepted: seq 1, room now at epoch 1
	// bob: HANDSHAKE_KIND_COMMIT from alice in epoch 0: "commit adding bob"
	// bob: Welcome from alice into epoch 1: "Welcome for bob"
	// bob: frame 1 on stream 1 from alice: true, "SFrame ciphertext"
}
