package e2ee_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/sealroom/sealroom/e2ee"
)

// A two-member call: alice creates the group and invites bob with a
// KeyPackage he published; bob joins from the Welcome; a frame goes from
// alice to bob, and their safety codes agree. The relay's part (ordering
// the commit, echoing it back, delivering the Welcome) is played inline:
// every byte slice here is what the transport carries.
func Example() {
	var cfg e2ee.Config // the defaults: X25519/Ed25519 MLS, AES-256-GCM SFrame

	alice, err := e2ee.NewIdentity([]byte("alice"), e2ee.DefaultSuite)
	if err != nil {
		log.Fatal(err)
	}
	bob, err := e2ee.NewIdentity([]byte("bob"), e2ee.DefaultSuite)
	if err != nil {
		log.Fatal(err)
	}

	// bob publishes a KeyPackage (transport UploadKeyPackages) and keeps
	// its private half.
	kp, kpPrivate, err := e2ee.NewKeyPackage(bob)
	if err != nil {
		log.Fatal(err)
	}

	// alice creates the call and invites bob with the KeyPackage she
	// claimed (transport ClaimKeyPackage). The commit goes to the relay
	// as a COMMIT of epoch c.Epoch, with c.Welcome for bob.
	as, err := e2ee.Create(nil, alice, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer as.Close()
	c, err := as.Invite(kp)
	if err != nil {
		log.Fatal(err)
	}

	// The relay accepts the commit and echoes it: alice moves to epoch 1.
	ch, err := as.Process(c.Message)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ch.Kind, "to epoch", ch.Epoch, "adds", string(ch.Added[0].Identity))

	// bob joins with the Welcome the relay delivered to him.
	bs, err := e2ee.JoinFromWelcome(c.Welcome, kpPrivate, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer bs.Close()

	// alice seals an Opus frame; bob opens it and learns who sent it.
	pkt, err := as.Seal(nil, []byte("20 ms of Opus"), e2ee.CodecOpus)
	if err != nil {
		log.Fatal(err)
	}
	frame, sender, err := bs.Open(nil, pkt)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bob opened %q from %s (leaf %d, epoch %d)\n", frame, sender.Identity, sender.Leaf, sender.Epoch)

	// They read their safety codes to each other: equal.
	fmt.Println("safety codes equal:", as.SafetyCode() == bs.SafetyCode())
	// Output:
	// own commit to epoch 1 adds bob
	// bob opened "20 ms of Opus" from alice (leaf 0, epoch 1)
	// safety codes equal: true
}

// A client restarts in the middle of a call: it stores its Session after
// every change and restores it on start. The restored Session opens
// frames at once, but seals only once a commit of its own has moved the
// group to an epoch that did not exist before the restart (see Restore).
func ExampleRestore() {
	var cfg e2ee.Config
	alice, _ := e2ee.NewIdentity([]byte("alice"), 0)
	bob, _ := e2ee.NewIdentity([]byte("bob"), 0)
	kp, kpPrivate, _ := e2ee.NewKeyPackage(bob)
	as, _ := e2ee.Create(nil, alice, cfg)
	defer as.Close()
	c, _ := as.Invite(kp)
	as.Process(c.Message)
	bs, _ := e2ee.JoinFromWelcome(c.Welcome, kpPrivate, cfg)

	// bob's client stores its state (as a secret), then crashes.
	stored, err := bs.MarshalBinary()
	if err != nil {
		log.Fatal(err)
	}
	bs.Close()

	bs, err = e2ee.Restore(stored, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer bs.Close()
	_, err = bs.Seal(nil, []byte("hello"), e2ee.CodecOpus)
	fmt.Println("seal at once:", errors.Is(err, e2ee.ErrRestored))

	// Once caught up with the relay, bob commits a self-update; its echo
	// moves both members to a fresh epoch.
	u, err := bs.Update()
	if err != nil {
		log.Fatal(err)
	}
	as.Process(u.Message)
	bs.Process(u.Message)
	pkt, err := bs.Seal(nil, []byte("hello"), e2ee.CodecOpus)
	if err != nil {
		log.Fatal(err)
	}
	frame, _, err := as.Open(nil, pkt)
	fmt.Printf("after the commit: %q %v, epoch %d\n", frame, err, bs.Epoch())
	// Output:
	// seal at once: true
	// after the commit: "hello" <nil>, epoch 2
}

// A client joins a running call by external commit, from the GroupInfo
// the relay keeps (transport Conn.GroupInfo): no member has to invite it.
func ExampleJoinExternal() {
	var cfg e2ee.Config
	alice, _ := e2ee.NewIdentity([]byte("alice"), 0)
	as, _ := e2ee.Create(nil, alice, cfg)
	defer as.Close()
	groupInfo, _ := as.GroupInfo() // what the relay holds after each commit

	carol, _ := e2ee.NewIdentity([]byte("carol"), 0)
	cs, commit, err := e2ee.JoinExternal(groupInfo, carol, cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close()
	// carol sends the commit; the relay orders it and delivers it to
	// everyone, carol included, which confirms her join.
	ch, _ := as.Process(commit.Message)
	fmt.Println("alice:", ch.Kind, "from", string(ch.From.Identity))
	ch, _ = cs.Process(commit.Message)
	fmt.Println("carol:", ch.Kind, "epoch", ch.Epoch)
	fmt.Println("safety codes equal:", as.SafetyCode() == cs.SafetyCode())
	// Output:
	// alice: commit from carol
	// carol: own commit epoch 1
	// safety codes equal: true
}
