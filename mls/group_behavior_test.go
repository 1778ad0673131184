package mls

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Tests of the group layer's rules beyond the happy path: own messages
// echoed by the Delivery Service, the pending commit, late and replayed
// application messages, the bounds on hostile input, the windows of past
// epochs and resumption PSKs, which cached proposals a Commit takes, and
// the requirements of GroupContext extensions.

func TestGroupOwnEcho(t *testing.T) {
	for _, enc := range []bool{false, true} {
		tg := newTestGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", &GroupOptions{EncryptHandshake: enc})
		tg.add("alice", "bob")
		alice := tg.members["alice"]

		// An own proposal comes back as Own, once cached.
		p, err := alice.ProposeUpdate()
		if err != nil {
			t.Fatal(err)
		}
		pm, err := alice.Process(p)
		if err != nil || !pm.Own || pm.Proposal.ProposalType() != ProposalTypeUpdate {
			t.Fatalf("echo of an own proposal: %+v, %v", pm, err)
		}
		if _, err := alice.Encrypt(nil, []byte("x")); !errors.Is(err, ErrPendingProposals) {
			t.Fatalf("sending with a proposal pending: %v", err)
		}
		tg.deliver("alice", p)

		// Bob commits it; alice's update key is used.
		res, err := tg.members["bob"].Commit(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tg.members["bob"].Commit(nil); !errors.Is(err, ErrPendingCommit) {
			t.Fatalf("a second commit: %v", err)
		}
		echo, err := tg.members["bob"].Process(res.Commit)
		if err != nil || !echo.Own || echo.Commit == nil {
			t.Fatalf("echo of the pending commit: %v", err)
		}
		tg.deliver("bob", res.Commit)
		if err := tg.members["bob"].Merge(echo.Commit); err != nil {
			t.Fatal(err)
		}
		tg.check()
		if _, err := tg.members["bob"].Process(res.Commit); !errors.Is(err, ErrOwnMessage) {
			t.Fatalf("the merged commit echoed again: %v", err)
		}
		if err := tg.members["bob"].MergePendingCommit(); !errors.Is(err, ErrNoPendingCommit) {
			t.Fatalf("merging no pending commit: %v", err)
		}

		// A discarded commit echoed is an own message; so is own data.
		res, err = alice.Commit(nil)
		if err != nil {
			t.Fatal(err)
		}
		alice.ClearPendingCommit()
		if _, err := alice.Process(res.Commit); !errors.Is(err, ErrOwnMessage) {
			t.Fatalf("a discarded commit echoed: %v", err)
		}
		msg, err := alice.Encrypt(nil, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := alice.Process(msg); !errors.Is(err, ErrOwnMessage) {
			t.Fatalf("own application message: %v", err)
		}
		tg.deliver("alice", msg)
	}
}

func TestGroupLateMessages(t *testing.T) {
	tg := newTestGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", &GroupOptions{PastEpochs: 2, MaxForwardDistance: 10, MaxRetainedKeys: 4})
	tg.add("alice", "bob")
	alice, bob := tg.members["alice"], tg.members["bob"]
	var msgs [][]byte
	for i := range 6 {
		m, err := alice.Encrypt([]byte{byte(i)}, []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	// Out of order within the epoch; replays fail.
	for _, i := range []int{3, 1, 5} {
		if _, pt, _, err := bob.Decrypt(msgs[i]); err != nil || pt[0] != byte(i) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if _, _, _, err := bob.Decrypt(msgs[3]); !errors.Is(err, ErrGenerationConsumed) {
		t.Fatalf("replay: %v", err)
	}
	// Two epochs later messages 0 and 2 still read; three epochs later
	// not.
	tg.commit("alice", nil, nil)
	tg.commit("bob", nil, nil)
	for _, i := range []int{0, 2} {
		pm, err := bob.Process(msgs[i])
		if err != nil || pm.Epoch != bob.Epoch()-2 {
			t.Fatalf("late message %d: %v", i, err)
		}
	}
	tg.commit("alice", nil, nil)
	if _, _, _, err := bob.Decrypt(msgs[4]); !errors.Is(err, ErrWrongEpoch) {
		t.Fatalf("a message of an epoch no longer kept: %v", err)
	}
	// Too far ahead of the ratchet.
	var far []byte
	for range 12 {
		m, err := alice.Encrypt(nil, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		far = m
	}
	if _, _, _, err := bob.Decrypt(far); !errors.Is(err, ErrGenerationTooFar) {
		t.Fatalf("a message 11 generations ahead with a limit of 10: %v", err)
	}
	// Handshake messages of a past epoch are refused.
	old := roundTripGroup(t, bob)
	res, err := alice.Commit(nil)
	if err != nil {
		t.Fatal(err)
	}
	alice.ClearPendingCommit()
	tg.commit("bob", nil, nil)
	if _, err := tg.members["bob"].Process(res.Commit); !errors.Is(err, ErrWrongEpoch) {
		t.Fatalf("a commit of the past epoch: %v", err)
	}
	_ = old
	// Decrypt refuses other messages without processing them.
	p, err := alice.ProposeRemove(tg.leafOf("bob"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := tg.members["bob"].Decrypt(p); !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("Decrypt of a proposal: %v", err)
	}
	if n := len(tg.members["bob"].proposals.list); n != 0 {
		t.Fatalf("Decrypt cached %d proposals", n)
	}
}

func TestGroupLimits(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", &GroupOptions{MaxProposals: 3, MaxLeaves: 4})
	tg.add("alice", "bob", "carol")
	alice, bob := tg.members["alice"], tg.members["bob"]
	for range 3 {
		p, err := alice.ProposeUpdate()
		if err != nil {
			t.Fatal(err)
		}
		tg.deliver("alice", p)
	}
	if _, err := alice.ProposeUpdate(); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("a fourth cached proposal: %v", err)
	}
	tg.members["carol"].cfg.maxProposals = 4
	p, err := tg.members["carol"].ProposeUpdate()
	if err != nil {
		t.Fatal(err)
	}
	requireRejected(t, "a fourth received proposal", bob, p, ErrLimitExceeded)
	tg.commit("carol", nil, nil)

	// A commit beyond MaxLeaves is refused by the committer and by
	// receivers; a Welcome with a larger tree than the joiner's bound too.
	d, e := newTestClient(t, cs, "dave"), newTestClient(t, cs, "erin")
	kpD, keysD := d.keyPackage(t)
	kpE, _ := e.keyPackage(t)
	twoAdds := &CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *kpD}, &AddProposal{KeyPackage: *kpE}}}
	if _, err := alice.Commit(twoAdds); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("growing beyond MaxLeaves: %v", err)
	}
	alice.cfg.maxLeaves = 8
	res, err := alice.Commit(twoAdds)
	if err != nil {
		t.Fatal(err)
	}
	requireRejected(t, "a commit beyond MaxLeaves", bob, res.Commit, ErrLimitExceeded)
	if _, err := JoinFromWelcome(res.Welcome, kpD, keysD, &JoinOptions{GroupOptions: GroupOptions{MaxLeaves: 4}}); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("joining a tree beyond MaxLeaves: %v", err)
	}
	alice.ClearPendingCommit()

	// A commit with more proposals than MaxProposals.
	alice.cfg.maxProposals = 10
	var many []Proposal
	for range 5 {
		many = append(many, &PreSharedKeyProposal{PSK: PreSharedKeyID{Type: PSKTypeResumption, Usage: ResumptionPSKUsageApplication, GroupID: alice.GroupID(), Epoch: alice.Epoch()}})
	}
	res, err = alice.Commit(&CommitOptions{ByValue: many})
	if err != nil {
		t.Fatal(err)
	}
	requireRejected(t, "a commit with 5 proposals, limit 3", bob, res.Commit, ErrLimitExceeded)
}

func TestGroupResumptionWindow(t *testing.T) {
	tg := newTestGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", &GroupOptions{ResumptionEpochs: 3})
	tg.add("alice", "bob")
	for range 4 {
		tg.commit("bob", nil, nil)
	}
	alice := tg.members["alice"]
	e := alice.Epoch()
	for back, ok := range map[uint64]bool{0: true, 1: true, 2: true, 3: false} {
		_, err := alice.ProposeResumptionPSK(e - back)
		if ok != (err == nil) || (!ok && !errors.Is(err, ErrMissingPSK)) {
			t.Errorf("resumption PSK of epoch %d in epoch %d: %v", e-back, e, err)
		}
	}
	alice.proposals.reset()
	alice.sent = nil
	if len(alice.resumption) != 2 {
		t.Errorf("%d past resumption PSKs kept, want 2", len(alice.resumption))
	}
}

func TestGroupCommitSelection(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", nil)
	tg.add("alice", "bob", "carol", "dave")
	send := func(from string) func([]byte, error) {
		return func(msg []byte, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			tg.deliver(from, msg)
		}
	}
	// Carol updates twice (the latest counts), dave updates and is removed
	// (the remove counts), bob proposes removing alice (the committer,
	// left out), dave is removed twice (once counts), a ReInit (left out
	// with other proposals), and two adds of one client (once counts).
	send("carol")(tg.members["carol"].ProposeUpdate())
	send("carol")(tg.members["carol"].ProposeUpdate())
	send("dave")(tg.members["dave"].ProposeUpdate())
	send("bob")(tg.members["bob"].ProposeRemove(tg.leafOf("dave")))
	send("carol")(tg.members["carol"].ProposeRemove(tg.leafOf("dave")))
	send("bob")(tg.members["bob"].ProposeRemove(tg.leafOf("alice")))
	send("bob")(tg.members["bob"].ProposeReInit([]byte("other"), cs, nil))
	erin := newTestClient(t, cs, "erin")
	kp, keys := erin.keyPackage(t)
	send("bob")(tg.members["bob"].ProposeAdd(kp))
	send("carol")(tg.members["carol"].ProposeAdd(kp))
	res := tg.commit("alice", nil, map[string]*joinerKeys{"erin": {kp, keys}})
	c := decodeMessage(t, res.Commit).PublicMessage.Content.Commit
	if len(c.Proposals) != 3 {
		t.Fatalf("the commit has %d proposals, want 3 (carol's last update, one remove, one add)", len(c.Proposals))
	}
	if _, ok := tg.members["dave"]; ok {
		t.Fatal("dave was not removed")
	}
	tg.exchange()

	// With only a ReInit cached, it is committed.
	send("bob")(tg.members["bob"].ProposeReInit([]byte("other"), cs, nil))
	res, err := tg.members["carol"].Commit(nil)
	if err != nil {
		t.Fatal(err)
	}
	c = decodeMessage(t, res.Commit).PublicMessage.Content.Commit
	if len(c.Proposals) != 1 || c.Path != nil {
		t.Fatalf("a ReInit commit with %d proposals, path %v", len(c.Proposals), c.Path != nil)
	}
}

func TestGroupRequiredCapabilities(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	const custom = ExtensionType(0xF0F0)
	opts := &GroupOptions{Capabilities: &Capabilities{
		Versions: []ProtocolVersion{ProtocolVersionMLS10}, CipherSuites: []CipherSuite{cs},
		Extensions: []ExtensionType{custom}, Proposals: []ProposalType{}, Credentials: []CredentialType{CredentialTypeBasic},
	}}
	tg := newTestGroup(t, cs, "alice", opts)
	tg.add("alice", "bob") // bob's KeyPackage does not list the custom extension
	rc, err := MarshalRequiredCapabilities(&RequiredCapabilities{ExtensionTypes: []ExtensionType{custom}, ProposalTypes: []ProposalType{}, CredentialTypes: []CredentialType{}})
	if err != nil {
		t.Fatal(err)
	}
	gce := &GroupContextExtensionsProposal{Extensions: []Extension{{Type: ExtensionTypeRequiredCapabilities, Data: rc}}}
	_, err = tg.members["alice"].Commit(&CommitOptions{ByValue: []Proposal{gce}})
	if !errors.Is(err, ErrUnsupportedCapability) || !strings.Contains(err.Error(), "proposal 0 (group_context_extensions)") {
		t.Fatalf("requiring what bob lacks: %v", err)
	}
	// Removing bob in the same commit makes it valid (RFC 9420 §12.1.7).
	res, err := tg.members["alice"].Commit(&CommitOptions{ByValue: []Proposal{gce, &RemoveProposal{Removed: tg.leafOf("bob")}}})
	if err != nil {
		t.Fatal(err)
	}
	tg.deliver("alice", res.Commit)
	if err := tg.members["alice"].MergePendingCommit(); err != nil {
		t.Fatal(err)
	}
	// Now an add of a client without the extension is invalid.
	carol := newTestClient(t, cs, "carol")
	kp, _ := carol.keyPackage(t)
	if _, err := tg.members["alice"].Commit(&CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *kp}}}); !errors.Is(err, ErrUnsupportedCapability) {
		t.Fatalf("adding a client without the required extension: %v", err)
	}
	if !bytes.Equal(tg.members["alice"].Extensions()[0].Data, rc) {
		t.Fatal("the extensions were not replaced")
	}
}

func TestGroupErrorNamesProposal(t *testing.T) {
	tg := newTestGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", nil)
	tg.add("alice", "bob", "carol")
	tg.commit("alice", &CommitOptions{ByValue: []Proposal{&RemoveProposal{Removed: 1}}}, nil)
	_, err := tg.members["alice"].Commit(&CommitOptions{ByValue: []Proposal{&RemoveProposal{Removed: 2}, &RemoveProposal{Removed: 1}}})
	const want = "mls: commit: proposal 1 (remove): leaf 1 is blank"
	if err == nil || err.Error() != want || !errors.Is(err, ErrInvalidProposal) || !errors.Is(err, ErrInvalidCommit) {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// TestGroupExternalResyncOtherClient checks that an external commit may
// remove only the joiner's own old leaf (RFC 9420 §12.2): a joiner whose
// credential is not that of the leaf it removes is refused.
func TestGroupExternalResyncOtherClient(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", nil)
	tg.add("alice", "bob")
	gi, err := tg.members["alice"].GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	mallory := newTestClient(t, cs, "mallory")
	anyone := GroupOptions{SameClient: func(a, b *Credential) bool { return true }}
	_, commit, err := JoinExternal(gi, nil, mallory.cred, mallory.signer, &ExternalJoinOptions{GroupOptions: anyone, RemovePrior: true})
	if err != nil {
		t.Fatal(err)
	}
	requireRejected(t, "an external commit removing another client", tg.members["bob"], commit, ErrInvalidProposal)
}
