package mls

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// The tests in this file drive groups of real members through the public
// API: every member processes every message, as a Delivery Service would
// deliver it, and after each epoch all members must agree on the epoch
// authenticator, the exporter, the tree and the GroupContext.

// testClient is a client that can join groups: its signature key and
// credential.
type testClient struct {
	name   string
	signer *SigningKey
	cred   Credential
}

func newTestClient(t testing.TB, cs CipherSuite, name string) *testClient {
	t.Helper()
	signer, err := cs.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return &testClient{name: name, signer: signer, cred: Credential{Type: CredentialTypeBasic, Identity: []byte(name)}}
}

// keyPackage makes a KeyPackage of the client.
func (c *testClient) keyPackage(t testing.TB) (*KeyPackage, *KeyPackagePrivateKeys) {
	t.Helper()
	kp, keys, err := NewKeyPackage(c.signer, c.cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	return kp, keys
}

// testGroup is a set of members' Groups of one group, by name.
type testGroup struct {
	t       testing.TB
	cs      CipherSuite
	members map[string]*Group
	opts    *GroupOptions
}

func newTestGroup(t testing.TB, cs CipherSuite, creator string, opts *GroupOptions) *testGroup {
	t.Helper()
	c := newTestClient(t, cs, creator)
	g, err := CreateGroup([]byte("test group"), cs, c.cred, c.signer, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &testGroup{t: t, cs: cs, members: map[string]*Group{creator: g}, opts: opts}
}

// deliver has every member but the sender process msg; commits are merged.
// It returns what each processed.
func (tg *testGroup) deliver(sender string, msg []byte) map[string]*ProcessedMessage {
	tg.t.Helper()
	out := map[string]*ProcessedMessage{}
	for name, g := range tg.members {
		if name == sender {
			continue
		}
		pm, err := g.Process(msg)
		if err != nil {
			tg.t.Fatalf("%s processing %s's message: %v", name, sender, err)
		}
		out[name] = pm
	}
	for name, pm := range out {
		if pm.ContentType == ContentTypeCommit {
			if err := tg.members[name].Merge(pm.Commit); err != nil {
				tg.t.Fatalf("%s merging: %v", name, err)
			}
			if pm.Commit.SelfRemoved() {
				delete(tg.members, name)
			}
		}
	}
	return out
}

// commit has committer commit (with opts), everyone process it, the
// committer merge it, and the new clients join from the Welcome.
func (tg *testGroup) commit(committer string, opts *CommitOptions, joiners map[string]*joinerKeys) *CommitResult {
	tg.t.Helper()
	g := tg.members[committer]
	res, err := g.Commit(opts)
	if err != nil {
		tg.t.Fatalf("%s committing: %v", committer, err)
	}
	tg.deliver(committer, res.Commit)
	if err := g.MergePendingCommit(); err != nil {
		tg.t.Fatal(err)
	}
	for name, j := range joiners {
		jo := &JoinOptions{}
		if tg.opts != nil {
			jo.GroupOptions = *tg.opts
		}
		if opts != nil && opts.ExternalTree {
			jo.RatchetTree = res.RatchetTree
		}
		ng, err := JoinFromWelcome(res.Welcome, j.kp, j.keys, jo)
		if err != nil {
			tg.t.Fatalf("%s joining: %v", name, err)
		}
		tg.members[name] = ng
	}
	tg.check()
	return res
}

// joinerKeys is a KeyPackage waiting for a Welcome.
type joinerKeys struct {
	kp   *KeyPackage
	keys *KeyPackagePrivateKeys
}

// add has committer add new clients by value.
func (tg *testGroup) add(committer string, names ...string) {
	tg.t.Helper()
	opts := &CommitOptions{}
	joiners := map[string]*joinerKeys{}
	for _, n := range names {
		c := newTestClient(tg.t, tg.cs, n)
		kp, keys := c.keyPackage(tg.t)
		opts.ByValue = append(opts.ByValue, &AddProposal{KeyPackage: *kp})
		joiners[n] = &joinerKeys{kp, keys}
	}
	tg.commit(committer, opts, joiners)
}

// check requires every member to agree on the epoch.
func (tg *testGroup) check() {
	tg.t.Helper()
	var ref *Group
	var refName string
	for name, g := range tg.members {
		if ref == nil {
			ref, refName = g, name
			continue
		}
		if g.Epoch() != ref.Epoch() {
			tg.t.Fatalf("%s is at epoch %d, %s at %d", name, g.Epoch(), refName, ref.Epoch())
		}
		if !bytes.Equal(g.EpochAuthenticator(), ref.EpochAuthenticator()) {
			tg.t.Fatalf("epoch %d: %s and %s disagree on the epoch authenticator", g.Epoch(), name, refName)
		}
		e1, _ := g.Export("test", []byte("ctx"), 32)
		e2, _ := ref.Export("test", []byte("ctx"), 32)
		if !bytes.Equal(e1, e2) {
			tg.t.Fatalf("epoch %d: %s and %s disagree on the exporter", g.Epoch(), name, refName)
		}
		gc1, _ := marshalGroupContext(g.cur.gc)
		gc2, _ := marshalGroupContext(ref.cur.gc)
		if !bytes.Equal(gc1, gc2) {
			tg.t.Fatalf("epoch %d: %s and %s disagree on the group context", g.Epoch(), name, refName)
		}
	}
	for name, g := range tg.members {
		if err := g.cur.priv.checkConsistent(g.cur.tree); err != nil {
			tg.t.Fatalf("%s: %v", name, err)
		}
		if len(g.Members()) != len(tg.members) {
			tg.t.Fatalf("%s sees %d members, there are %d", name, len(g.Members()), len(tg.members))
		}
	}
}

// leafOf returns the leaf of member name.
func (tg *testGroup) leafOf(name string) LeafIndex {
	l, ok := tg.members[name].OwnLeaf()
	if !ok {
		tg.t.Fatalf("%s has no leaf", name)
	}
	return l
}

// exchange has every member send an application message that every other
// member reads.
func (tg *testGroup) exchange() {
	tg.t.Helper()
	for sender, g := range tg.members {
		msg, err := g.Encrypt([]byte("ad"), []byte("hello from "+sender))
		if err != nil {
			tg.t.Fatalf("%s encrypting: %v", sender, err)
		}
		for name, pm := range tg.deliver(sender, msg) {
			if pm.ContentType != ContentTypeApplication || string(pm.ApplicationData) != "hello from "+sender || pm.Sender.LeafIndex != tg.leafOf(sender) {
				tg.t.Fatalf("%s read %q from leaf %d", name, pm.ApplicationData, pm.Sender.LeafIndex)
			}
		}
	}
}

func TestGroupLifecycle(t *testing.T) {
	for _, cs := range allCipherSuites() {
		for _, enc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/encrypted=%v", cs, enc), func(t *testing.T) {
				tg := newTestGroup(t, cs, "alice", &GroupOptions{EncryptHandshake: enc})
				tg.add("alice", "bob")
				tg.exchange()
				tg.add("bob", "carol", "dave")
				tg.exchange()
				// An empty commit, an update proposal, a remove proposal.
				tg.commit("carol", nil, nil)
				upd, err := tg.members["dave"].ProposeUpdate()
				if err != nil {
					t.Fatal(err)
				}
				tg.deliver("dave", upd)
				rm, err := tg.members["alice"].ProposeRemove(tg.leafOf("bob"))
				if err != nil {
					t.Fatal(err)
				}
				bob := tg.members["bob"]
				tg.deliver("alice", rm)
				res := tg.commit("carol", nil, nil)
				if _, ok := tg.members["bob"]; ok {
					t.Fatal("bob was not removed")
				}
				if _, err := bob.Encrypt(nil, []byte("x")); !errors.Is(err, ErrNotMember) {
					t.Fatalf("bob after removal: %v", err)
				}
				_ = res
				tg.exchange()
				tg.add("dave", "erin")
				tg.exchange()
			})
		}
	}
}
