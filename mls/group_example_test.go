package mls_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"

	"github.com/sealroom/sealroom/mls"
)

// newClient makes the signature key and basic credential of a client.
func newClient(cs mls.CipherSuite, name string) (*mls.SigningKey, mls.Credential) {
	key, err := cs.GenerateSigningKey()
	if err != nil {
		log.Fatal(err)
	}
	return key, mls.Credential{Type: mls.CredentialTypeBasic, Identity: []byte(name)}
}

// A group's life from creation to a removal: Alice creates a group, adds
// Bob, Bob adds Carol, the three exchange messages, and Alice removes Bob,
// who can no longer read what the group sends. Every message would travel
// through a Delivery Service; here the members hand them over directly.
func Example() {
	cs := mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

	// Alice creates the group (RFC 9420 §11).
	aliceKey, aliceCred := newClient(cs, "alice")
	alice, err := mls.CreateGroup([]byte("example group"), cs, aliceCred, aliceKey, nil)
	if err != nil {
		log.Fatal(err)
	}

	// Bob publishes a KeyPackage; Alice adds him with a Commit. Once the
	// Delivery Service has accepted the Commit, Alice merges it and sends
	// Bob the Welcome.
	bobKey, bobCred := newClient(cs, "bob")
	bobKP, bobKeys, err := mls.NewKeyPackage(bobKey, bobCred, nil)
	if err != nil {
		log.Fatal(err)
	}
	res, err := alice.Commit(&mls.CommitOptions{ByValue: []mls.Proposal{&mls.AddProposal{KeyPackage: *bobKP}}})
	if err != nil {
		log.Fatal(err)
	}
	if err := alice.MergePendingCommit(); err != nil {
		log.Fatal(err)
	}
	bob, err := mls.JoinFromWelcome(res.Welcome, bobKP, bobKeys, nil)
	if err != nil {
		log.Fatal(err)
	}

	// Bob adds Carol; Alice processes his Commit, inspects and merges it.
	carolKey, carolCred := newClient(cs, "carol")
	carolKP, carolKeys, err := mls.NewKeyPackage(carolKey, carolCred, nil)
	if err != nil {
		log.Fatal(err)
	}
	res, err = bob.Commit(&mls.CommitOptions{ByValue: []mls.Proposal{&mls.AddProposal{KeyPackage: *carolKP}}})
	if err != nil {
		log.Fatal(err)
	}
	pm, err := alice.Process(res.Commit)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range pm.Commit.Added() {
		fmt.Printf("alice: %s joins at leaf %d\n", m.Credential.Identity, m.Leaf)
	}
	if err := alice.Merge(pm.Commit); err != nil {
		log.Fatal(err)
	}
	if err := bob.MergePendingCommit(); err != nil {
		log.Fatal(err)
	}
	carol, err := mls.JoinFromWelcome(res.Welcome, carolKP, carolKeys, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("epoch", carol.Epoch(), "with", len(carol.Members()), "members")
	fmt.Println("same safety code:", bytes.Equal(alice.EpochAuthenticator(), carol.EpochAuthenticator()))

	// Carol writes to the group; Alice and Bob read it.
	msg, err := carol.Encrypt(nil, []byte("hello from carol"))
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range []*mls.Group{alice, bob} {
		_, text, sender, err := g.Decrypt(msg)
		if err != nil {
			log.Fatal(err)
		}
		m, _ := g.Member(sender)
		fmt.Printf("%q from %s\n", text, m.Credential.Identity)
	}

	// Alice removes Bob. Bob and Carol process the Commit; Bob learns he
	// is out.
	bobLeaf, _ := alice.MemberByIdentity([]byte("bob"))
	res, err = alice.Commit(&mls.CommitOptions{ByValue: []mls.Proposal{&mls.RemoveProposal{Removed: bobLeaf}}})
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range []*mls.Group{bob, carol} {
		pm, err := g.Process(res.Commit)
		if err != nil {
			log.Fatal(err)
		}
		if pm.Commit.SelfRemoved() {
			fmt.Println("bob: removed from the group")
		}
		if err := g.Merge(pm.Commit); err != nil {
			log.Fatal(err)
		}
	}
	if err := alice.MergePendingCommit(); err != nil {
		log.Fatal(err)
	}

	// What Alice sends now, Carol reads and Bob cannot.
	msg, err = alice.Encrypt(nil, []byte("bob has left"))
	if err != nil {
		log.Fatal(err)
	}
	if _, text, _, err := carol.Decrypt(msg); err == nil {
		fmt.Printf("carol: %q\n", text)
	}
	_, _, _, err = bob.Decrypt(msg)
	fmt.Println("bob can read it:", err == nil, errors.Is(err, mls.ErrWrongEpoch))
	_, err = bob.Encrypt(nil, []byte("hello?"))
	fmt.Println("bob can send:", err == nil, errors.Is(err, mls.ErrNotMember))
	// Output:
	// alice: carol joins at leaf 2
	// epoch 2 with 3 members
	// same safety code: true
	// "hello from carol" from carol
	// "hello from carol" from carol
	// bob: removed from the group
	// carol: "bob has left"
	// bob can read it: false true
	// bob can send: false true
}

// A member's state survives a restart: MarshalBinary stores everything,
// secrets included, and UnmarshalGroup restores it.
func ExampleGroup_MarshalBinary() {
	cs := mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	key, cred := newClient(cs, "alice")
	g, err := mls.CreateGroup([]byte("stored group"), cs, cred, key, nil)
	if err != nil {
		log.Fatal(err)
	}
	state, err := g.MarshalBinary() // secret: store it encrypted
	if err != nil {
		log.Fatal(err)
	}
	restored, err := mls.UnmarshalGroup(state, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s at epoch %d\n", restored.GroupID(), restored.Epoch())
	fmt.Println(bytes.Equal(g.EpochAuthenticator(), restored.EpochAuthenticator()))
	// Output:
	// stored group at epoch 0
	// true
}
