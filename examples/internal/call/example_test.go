package call_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"time"

	"github.com/sealroom/sealroom/examples/internal/call"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/relay"
)

// Two clients call each other through a relay on loopback: alice
// creates the group, bob is invited; both end in one epoch with one
// safety code, and each opens the other's audio.
func Example() {
	srv, err := relay.New(relay.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	audio, err := media.Open(filepath.Join("..", "..", "testdata", "audio.ogg"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	pin := srv.CertificateSHA256()
	start := func(name string, join call.JoinMode) *call.Client {
		c, err := call.Start(ctx, call.Config{
			Relay: srv.Addr().String(), Room: "example", Name: name, CertSHA256: pin[:],
			Join: join, Audio: audio,
		})
		if err != nil {
			log.Fatal(err)
		}
		if err := c.WaitMember(ctx); err != nil {
			log.Fatal(err)
		}
		return c
	}
	alice := start("alice", call.JoinExternal)
	defer alice.Close()
	bob := start("bob", call.JoinInvite)
	defer bob.Close()
	for alice.Epoch() != bob.Epoch() && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)

	fmt.Println("members:", alice.Members())
	fmt.Println("same safety code:", alice.SafetyCode() == bob.SafetyCode())
	fmt.Println("alice opened bob's audio:", alice.Stats().Peers["bob"].Opened > 0)
	fmt.Println("bob opened alice's audio:", bob.Stats().Peers["alice"].Opened > 0)
	// Output:
	// members: [alice bob]
	// same safety code: true
	// alice opened bob's audio: true
	// bob opened alice's audio: true
}
