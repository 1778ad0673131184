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
				if len(res.GroupInfo.Extensions) < 2 {
					t.Fatal("the GroupInfo lacks external_pub or the tree")
				}
				if _, ok := tg.members["bob"]; ok {
					t.Fatal("bob was not removed")
				}
				if _, err := bob.Encrypt(nil, []byte("x")); !errors.Is(err, ErrNotMember) {
					t.Fatalf("bob after removal: %v", err)
				}
				tg.exchange()
				tg.add("dave", "erin")
				tg.exchange()
				// A Welcome without the tree, which the joiner gets beside it.
				frank := newTestClient(t, cs, "frank")
				kp, keys := frank.keyPackage(t)
				res = tg.commit("erin", &CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *kp}}, ExternalTree: true}, map[string]*joinerKeys{"frank": {kp, keys}})
				if _, ok := findExtension(res.GroupInfo.Extensions, ExtensionTypeRatchetTree); ok {
					t.Fatal("ExternalTree left the tree in the GroupInfo")
				}
				if _, err := JoinFromWelcome(res.Welcome, kp, keys, nil); !errors.Is(err, ErrInvalidRatchetTree) {
					t.Fatalf("joining without the tree: %v", err)
				}
				tg.exchange()
			})
		}
	}
}

// joinExternal has a new client join by an external Commit built from
// member from's GroupInfo, and everyone process it.
func (tg *testGroup) joinExternal(from, name string, opts *ExternalJoinOptions, includeTree bool) *Group {
	tg.t.Helper()
	gi, err := tg.members[from].GroupInfo(includeTree)
	if err != nil {
		tg.t.Fatal(err)
	}
	var tree []byte
	if !includeTree {
		if tree, err = tg.members[from].RatchetTree(); err != nil {
			tg.t.Fatal(err)
		}
	}
	c := newTestClient(tg.t, tg.cs, name)
	if opts != nil && opts.RemovePrior {
		// Resync: the same identity with a new signature key.
		old := tg.members[name]
		l, _ := old.OwnLeaf()
		m, _ := old.Member(l)
		c.cred = m.Credential
	}
	g, commit, err := JoinExternal(gi, tree, c.cred, c.signer, opts)
	if err != nil {
		tg.t.Fatalf("%s joining externally: %v", name, err)
	}
	delete(tg.members, name)
	for _, pm := range tg.deliver(name, commit) {
		if !pm.Commit.External() || len(pm.Commit.Added()) != 1 {
			tg.t.Fatalf("external commit: external %v, %d added", pm.Commit.External(), len(pm.Commit.Added()))
		}
	}
	if _, err := g.Process(commit); !errors.Is(err, ErrOwnMessage) {
		tg.t.Fatalf("the joiner processing its own commit: %v", err)
	}
	tg.members[name] = g
	tg.check()
	return g
}

func TestGroupExternalJoin(t *testing.T) {
	for _, cs := range allCipherSuites() {
		t.Run(cs.String(), func(t *testing.T) {
			tg := newTestGroup(t, cs, "alice", nil)
			tg.add("alice", "bob")
			tg.joinExternal("bob", "carol", nil, true)
			tg.exchange()
			tg.joinExternal("alice", "dave", nil, false)
			tg.exchange()
			// Resync: carol rejoins, removing her old leaf.
			old := tg.leafOf("carol")
			tg.joinExternal("alice", "carol", &ExternalJoinOptions{RemovePrior: true}, true)
			if got := tg.leafOf("carol"); got != old {
				t.Errorf("carol rejoined at leaf %d, her old one was %d (the leftmost blank)", got, old)
			}
			tg.exchange()
			// An external join with a PSK the group has.
			for _, g := range tg.members {
				g.AddExternalPSK([]byte("shared"), []byte("psk value"))
			}
			tg.joinExternal("bob", "erin", &ExternalJoinOptions{PSKs: []ExternalPSK{{ID: []byte("shared"), Secret: []byte("psk value")}}}, true)
			tg.commit("erin", nil, nil)
			tg.exchange()
		})
	}
}

func TestGroupExternalProposals(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", nil)
	tg.add("alice", "bob")

	// A new member asks to join; a member commits its Add.
	frank := newTestClient(t, cs, "frank")
	kp, keys := frank.keyPackage(t)
	gi, err := tg.members["alice"].GroupInfo(false)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := NewMemberAddProposal(gi, kp, keys)
	if err != nil {
		t.Fatal(err)
	}
	for name, pm := range tg.deliver("", msg) {
		if pm.Sender.Type != SenderTypeNewMemberProposal || pm.Proposal.ProposalType() != ProposalTypeAdd {
			t.Fatalf("%s: %v proposal from %v", name, pm.Proposal.ProposalType(), pm.Sender.Type)
		}
	}
	tg.commit("bob", nil, map[string]*joinerKeys{"frank": {kp, keys}})

	// An external sender, added by GroupContextExtensions, removes bob.
	ds, senders := newExternalSender(t, cs)
	exts := append(tg.members["alice"].Extensions(), Extension{Type: ExtensionTypeExternalSenders, Data: senders})
	tg.commit("alice", &CommitOptions{ByValue: []Proposal{&GroupContextExtensionsProposal{Extensions: exts}}}, nil)
	gi, err = tg.members["alice"].GroupInfo(false)
	if err != nil {
		t.Fatal(err)
	}
	msg, err = ExternalProposal(gi, ds, 0, &RemoveProposal{Removed: tg.leafOf("bob")})
	if err != nil {
		t.Fatal(err)
	}
	tg.deliver("", msg)
	tg.commit("frank", nil, nil)
	if _, ok := tg.members["bob"]; ok {
		t.Fatal("bob was not removed")
	}
	// External senders may not send updates; an unknown index fails.
	if _, err := ExternalProposal(gi, ds, 0, &UpdateProposal{}); err == nil {
		t.Error("an external update was made")
	}
	gi, _ = tg.members["alice"].GroupInfo(false)
	msg, err = ExternalProposal(gi, ds, 3, &RemoveProposal{Removed: tg.leafOf("frank")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.members["alice"].Process(msg); !errors.Is(err, ErrInvalidSender) {
		t.Errorf("external sender 3 of 1: %v", err)
	}
	// A policy can refuse external proposals.
	tg.members["alice"].cfg.externalProposalOK = func(Sender, Proposal) error { return errors.New("not today") }
	msg, _ = ExternalProposal(gi, ds, 0, &RemoveProposal{Removed: tg.leafOf("frank")})
	if _, err := tg.members["alice"].Process(msg); !errors.Is(err, ErrInvalidProposal) {
		t.Errorf("refused by policy: %v", err)
	}
}

// newExternalSender returns the signing key of an external sender "ds" and
// an external_senders extension that lists it alone.
func newExternalSender(t *testing.T, cs CipherSuite) (*SigningKey, []byte) {
	t.Helper()
	ds, err := cs.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	senders, err := MarshalExternalSenders([]ExternalSender{{SignatureKey: ds.PublicKey(), Credential: Credential{Type: CredentialTypeBasic, Identity: []byte("ds")}}})
	if err != nil {
		t.Fatal(err)
	}
	return ds, senders
}

// TestExternalProposalPSKNonce: an external sender's PreSharedKey proposal
// made without a psk_nonce gets one of KDF.Nh bytes (RFC 9420 §8.4), which
// the members accept and commit; one made with a nonce keeps it.
func TestExternalProposalPSKNonce(t *testing.T) {
	for _, cs := range []CipherSuite{MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448} {
		ds, senders := newExternalSender(t, cs)
		tg := newTestGroup(t, cs, "alice", &GroupOptions{Extensions: []Extension{{Type: ExtensionTypeExternalSenders, Data: senders}}})
		nh := mustSuite(t, cs).nh
		tg.add("alice", "bob")
		for _, g := range tg.members {
			g.AddExternalPSK([]byte("ext"), []byte("external secret"))
		}
		gi, err := tg.members["alice"].GroupInfo(false)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := ExternalProposal(gi, ds, 0, &PreSharedKeyProposal{PSK: PreSharedKeyID{Type: PSKTypeExternal, ID: []byte("ext")}})
		if err != nil {
			t.Fatal(err)
		}
		for name, pm := range tg.deliver("", msg) {
			psk, ok := pm.Proposal.(*PreSharedKeyProposal)
			if !ok || len(psk.PSK.Nonce) != nh {
				t.Fatalf("%v: %s got %v with a %d-byte nonce, want %d", cs, name, pm.Proposal.ProposalType(), len(psk.PSK.Nonce), nh)
			}
		}
		tg.commit("bob", nil, nil)

		nonce := bytes.Repeat([]byte{7}, nh)
		gi, err = tg.members["alice"].GroupInfo(false)
		if err != nil {
			t.Fatal(err)
		}
		msg, err = ExternalProposal(gi, ds, 0, &PreSharedKeyProposal{PSK: PreSharedKeyID{Type: PSKTypeExternal, ID: []byte("ext"), Nonce: nonce}})
		if err != nil {
			t.Fatal(err)
		}
		for name, pm := range tg.deliver("", msg) {
			if psk, ok := pm.Proposal.(*PreSharedKeyProposal); !ok || !bytes.Equal(psk.PSK.Nonce, nonce) {
				t.Fatalf("%v: %s: the given nonce was not kept: %v", cs, name, pm.Proposal)
			}
		}
		tg.commit("alice", nil, nil)
	}
}

func TestGroupPSKs(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", nil)
	tg.add("alice", "bob", "carol")
	for _, g := range tg.members {
		g.AddExternalPSK([]byte("ext"), []byte("external secret"))
	}
	// External and resumption PSKs proposed, then committed by reference.
	p1, err := tg.members["bob"].ProposeExternalPSK([]byte("ext"))
	if err != nil {
		t.Fatal(err)
	}
	tg.deliver("bob", p1)
	tg.commit("alice", &CommitOptions{ForcePath: true}, nil)
	tg.commit("bob", nil, nil)
	tg.commit("carol", nil, nil)
	epoch := tg.members["alice"].Epoch() - 3
	p2, err := tg.members["carol"].ProposeResumptionPSK(epoch)
	if err != nil {
		t.Fatal(err)
	}
	tg.deliver("carol", p2)
	res := tg.commit("alice", nil, nil)
	_ = res
	// A PSK nobody has cannot be proposed; a commit injecting one that a
	// member lacks is refused by that member.
	if _, err := tg.members["alice"].ProposeExternalPSK([]byte("none")); !errors.Is(err, ErrMissingPSK) {
		t.Errorf("unknown PSK: %v", err)
	}
	tg.members["alice"].AddExternalPSK([]byte("alice only"), []byte("x"))
	r, err := tg.members["alice"].Commit(&CommitOptions{ByValue: []Proposal{&PreSharedKeyProposal{PSK: PreSharedKeyID{Type: PSKTypeExternal, ID: []byte("alice only")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.members["bob"].Process(r.Commit); !errors.Is(err, ErrMissingPSK) {
		t.Errorf("bob lacks the PSK: %v", err)
	}
	// Resumption PSKs of epochs no longer kept are gone.
	if _, err := tg.members["bob"].ProposeResumptionPSK(0); !errors.Is(err, ErrMissingPSK) {
		t.Errorf("resumption PSK of epoch 0 in epoch %d: %v", tg.members["bob"].Epoch(), err)
	}
}

func TestGroupReInitAndBranch(t *testing.T) {
	for _, newCS := range []CipherSuite{MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, MLS_128_DHKEMP256_AES128GCM_SHA256_P256} {
		t.Run(newCS.String(), func(t *testing.T) {
			cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
			tg := newTestGroup(t, cs, "alice", nil)
			tg.add("alice", "bob", "carol")
			p, err := tg.members["bob"].ProposeReInit([]byte("new group"), newCS, nil)
			if err != nil {
				t.Fatal(err)
			}
			tg.deliver("bob", p)
			res, err := tg.members["carol"].Commit(nil)
			if err != nil {
				t.Fatal(err)
			}
			for name, pm := range tg.deliver("carol", res.Commit) {
				if pm.Commit.ReInit() == nil {
					t.Fatalf("%s: no ReInit in the commit", name)
				}
			}
			if err := tg.members["carol"].MergePendingCommit(); err != nil {
				t.Fatal(err)
			}
			for name, g := range tg.members {
				if g.PendingReInit() == nil {
					t.Fatalf("%s: no pending ReInit", name)
				}
				if _, err := g.Encrypt(nil, []byte("x")); !errors.Is(err, ErrReInitPending) {
					t.Fatalf("%s sending after the ReInit: %v", name, err)
				}
			}
			// Alice creates the new group with the others' new KeyPackages.
			var kps []*KeyPackage
			joiners := map[string]*joinerKeys{}
			for _, name := range []string{"bob", "carol"} {
				c := newTestClient(t, newCS, name)
				kp, keys := c.keyPackage(t)
				kps = append(kps, kp)
				joiners[name] = &joinerKeys{kp, keys}
			}
			signer, err := newCS.GenerateSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			ng, res, err := tg.members["alice"].ReInitGroup(signer, kps, &ResumeOptions{ForcePath: true})
			if err != nil {
				t.Fatal(err)
			}
			welcome := res.Welcome
			nt := &testGroup{t: t, cs: newCS, members: map[string]*Group{"alice": ng}}
			for name, j := range joiners {
				g, err := JoinFromWelcome(welcome, j.kp, j.keys, &JoinOptions{OldGroup: tg.members[name]})
				if err != nil {
					t.Fatalf("%s joining the new group: %v", name, err)
				}
				nt.members[name] = g
				// Without the old group the PSK is missing.
				if _, err := JoinFromWelcome(welcome, j.kp, j.keys, nil); !errors.Is(err, ErrMissingPSK) {
					t.Fatalf("%s joining without the old group: %v", name, err)
				}
			}
			nt.check()
			if ng.Epoch() != 1 || ng.CipherSuite() != newCS || string(ng.GroupID()) != "new group" {
				t.Fatalf("new group: epoch %d, %v, %q", ng.Epoch(), ng.CipherSuite(), ng.GroupID())
			}
			nt.exchange()

			// Bob branches the new group with carol.
			c := newTestClient(t, newCS, "carol")
			kp, keys := c.keyPackage(t)
			bg, res, err := nt.members["bob"].Branch([]byte("branch"), []*KeyPackage{kp}, nil)
			if err != nil {
				t.Fatal(err)
			}
			welcome = res.Welcome
			cg, err := JoinFromWelcome(welcome, kp, keys, &JoinOptions{OldGroup: nt.members["carol"]})
			if err != nil {
				t.Fatal(err)
			}
			bt := &testGroup{t: t, cs: newCS, members: map[string]*Group{"bob": bg, "carol": cg}}
			bt.check()
			bt.exchange()
			// A stranger cannot be in a branch.
			s := newTestClient(t, newCS, "stranger")
			kp, keys = s.keyPackage(t)
			_, res, err = nt.members["bob"].Branch([]byte("branch 2"), []*KeyPackage{kp}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := JoinFromWelcome(res.Welcome, kp, keys, &JoinOptions{OldGroup: nt.members["carol"]}); !errors.Is(err, ErrInvalidWelcome) {
				t.Fatalf("a stranger joining a branch: %v", err)
			}
		})
	}
}
