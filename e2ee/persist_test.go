package e2ee

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sealroom/sealroom/frame"
	"github.com/sealroom/sealroom/internal/tlscodec"
	"github.com/sealroom/sealroom/mls"
)

// restart stores m's Session, closes it (the client crashes) and restores
// it from data, or from what it stores now if data is nil.
func (c *testCall) restart(m *testMember, data []byte) {
	c.t.Helper()
	if data == nil {
		var err error
		if data, err = m.s.MarshalBinary(); err != nil {
			c.t.Fatal(err)
		}
	}
	m.s.Close()
	s, err := Restore(data, c.cfg)
	if err != nil {
		c.t.Fatalf("%s: restore: %v", m.name, err)
	}
	c.t.Cleanup(s.Close)
	m.s = s
}

// header returns the SFrame header of a sealed Opus packet.
func header(t testing.TB, pkt []byte) frame.Header {
	t.Helper()
	p, err := ParsePacket(pkt)
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := frame.ParseHeader(p.SFrame)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestRestore: a member restarts mid-call from its stored state. It opens
// frames and processes handshake messages at once, refuses to seal until
// a commit of its own is merged, and then seals under a KID it never used.
func TestRestore(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	bob := c.member("bob")
	f := testFrame(160, 1)
	var before []frame.Header
	for range 3 {
		pkt := c.seal("bob", CodecOpus, f)
		c.open("alice", "bob", pkt, f)
		before = append(before, header(t, pkt))
	}
	code := bob.s.SafetyCode()
	c.restart(bob, nil)
	if bob.s.Epoch() != code.Epoch || bob.s.SafetyCode() != code || bob.s.Leaf() != 1 {
		t.Fatalf("restored into epoch %d leaf %d", bob.s.Epoch(), bob.s.Leaf())
	}
	if s := bob.s.String(); s != "e2ee.Session(restored, epoch 1, AES_256_GCM_SHA512_128)" {
		t.Fatalf("String %q", s)
	}
	_, err := bob.s.Seal(nil, f, CodecOpus)
	mustFail(t, "seal after restore", err, ErrRestored)
	c.open("bob", "alice", c.seal("alice", CodecOpus, f), f)

	// Another member's commit is not enough: bob may have reached its
	// epoch before the restart.
	c.update("carol")
	_, err = bob.s.Seal(nil, f, CodecOpus)
	mustFail(t, "seal after another member's commit", err, ErrRestored)
	c.open("bob", "carol", c.seal("carol", CodecOpus, f), f)

	// A stored state of a restored Session restores as restored.
	c.restart(bob, nil)
	_, err = bob.s.Seal(nil, f, CodecOpus)
	mustFail(t, "seal after a second restore", err, ErrRestored)

	// bob's own commit, made after the restore, creates a fresh epoch.
	c.update("bob")
	pkt := c.seal("bob", CodecOpus, f)
	c.open("alice", "bob", pkt, f)
	c.open("carol", "bob", pkt, f)
	h := header(t, pkt)
	for _, b := range before {
		if h.KID == b.KID {
			t.Fatalf("bob seals under KID %d again", h.KID)
		}
	}
	if h.CTR != 0 || bob.s.Epoch() != 3 {
		t.Fatalf("first frame after the restore: counter %d in epoch %d", h.CTR, bob.s.Epoch())
	}
}

// TestRestoreStaleState: the stored state is older than the client's
// last epoch: the client sealed in epoch 2, crashed, and restores a state
// of epoch 1. Catching up with the relay's log takes it into epoch 2
// again, with the same keys and the send counter back at 0: it must not
// seal there, or it would reuse nonces.
func TestRestoreStaleState(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	bob := c.member("bob")
	stored, err := bob.s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	cm := c.update("alice")
	f := testFrame(160, 2)
	used := header(t, c.seal("bob", CodecOpus, f))

	c.restart(bob, stored)
	if bob.s.Epoch() != cm.Epoch {
		t.Fatalf("restored into epoch %d", bob.s.Epoch())
	}
	ch, err := bob.s.Process(cm.Message) // the relay's log, from the stored epoch on
	if err != nil || ch.Kind != ChangeCommit || ch.Epoch != cm.Epoch+1 {
		t.Fatalf("catch-up: %+v %v", ch, err)
	}
	c.checkCodes()
	// Sealing now would give used.KID with counter 0 again.
	if h, err := bob.s.ks.NextHeader(0); err != nil || h.KID != used.KID || h.CTR != used.CTR {
		t.Fatalf("the restored epoch's next header is %+v (%v), not the one used before the crash, %+v: the test shows nothing", h, err, used)
	}
	_, err = bob.s.Seal(nil, f, CodecOpus)
	mustFail(t, "seal in an epoch re-entered after a restore", err, ErrRestored)

	c.update("bob")
	pkt := c.seal("bob", CodecOpus, f)
	c.open("alice", "bob", pkt, f)
	if h := header(t, pkt); h.KID == used.KID {
		t.Fatal("bob seals under the KID he used before the crash")
	}
}

// TestRestorePending: a commit and a proposal pending when the state was
// stored come back; the commit's echo merges it, but it does not let the
// Session seal (it was made before the restart); a fresh one does.
func TestRestorePending(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	bob := c.member("bob")
	cm, err := bob.s.Update()
	if err != nil {
		t.Fatal(err)
	}
	c.restart(bob, nil)
	p, ok := bob.s.Pending()
	if !ok || !bytes.Equal(p.Message, cm.Message) || p.Epoch != cm.Epoch || !bytes.Equal(p.GroupInfo, cm.GroupInfo) {
		t.Fatalf("pending commit not restored: %+v", p)
	}
	c.deliverCommit("bob", cm)
	c.checkCodes()
	_, err = bob.s.Seal(nil, testFrame(10, 0), CodecOpus)
	mustFail(t, "seal after a commit made before the restart", err, ErrRestored)

	// A commit of the restored Session that loses is discarded; the next
	// one counts.
	lost, err := bob.s.Update()
	if err != nil {
		t.Fatal(err)
	}
	c.update("alice")
	if _, ok := bob.s.Pending(); ok {
		t.Fatal("the lost commit is still pending")
	}
	_, err = bob.s.Seal(nil, testFrame(10, 0), CodecOpus)
	mustFail(t, "seal after a lost commit", err, ErrRestored)
	_, err = c.member("carol").s.Process(lost.Message)
	mustFail(t, "the lost commit", err, ErrStaleMessage)
	c.update("bob")
	f := testFrame(10, 1)
	c.open("carol", "bob", c.seal("bob", CodecOpus, f), f)

	// A proposal: its echo is recognized after the restart, and the
	// member who commits it removes bob.
	leave, err := bob.s.Leave()
	if err != nil {
		t.Fatal(err)
	}
	c.restart(bob, nil)
	for _, m := range c.members {
		ch, err := m.s.Process(leave.Message)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if want := map[bool]ChangeKind{true: ChangeOwnProposal, false: ChangeProposal}[m == bob]; ch.Kind != want {
			t.Fatalf("%s: %v", m.name, ch.Kind)
		}
	}
	// carol restarts too: the Remove proposal she has cached comes back,
	// and her commit removing bob does not name him twice.
	c.restart(c.member("carol"), nil)
	rm := c.remove("carol", "bob")
	if len(rm.Removed) != 1 || string(rm.Removed[0].Identity) != "bob" {
		t.Fatalf("removes %+v", rm.Removed)
	}
}

// TestRestoreLostCommit: the stored state predates a commit of this
// member that the relay accepted: the restored group cannot process its
// own commit, and the client joins again in place of its old leaf.
func TestRestoreLostCommit(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	bob := c.member("bob")
	stored, err := bob.s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	cm := c.update("bob")
	c.restart(bob, stored)
	_, err = bob.s.Process(cm.Message)
	mustFail(t, "own commit unknown to the stored state", err, mls.ErrOwnMessage)
	bob.s.Close()

	s, ext, err := JoinExternal(cm.GroupInfo, bob.id, c.cfg, &ExternalJoinOptions{Resync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c.members = slices.DeleteFunc(c.members, func(m *testMember) bool { return m == bob })
	c.deliverExternal(ext, "bob", s)
	c.checkCodes()
	f := testFrame(100, 3)
	c.open("alice", "bob", c.seal("bob", CodecOpus, f), f)
}

// TestRestoreRefused: what cannot be stored or restored.
func TestRestoreRefused(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	data, err := c.member("bob").s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XRE2EESS"), data[8:]...),
		"version":   append(append([]byte("SRE2EESS"), 0, 2), data[10:]...),
		"truncated": data[:len(data)-1],
		"trailing":  append(bytes.Clone(data), 0),
	} {
		_, err := Restore(bad, c.cfg)
		mustFail(t, name, err, ErrInvalidState)
	}
	// Flipping a byte of the group state breaks its consistency checks,
	// or decodes to a state with another secret: it either fails or is
	// not the same group.
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 0x40
	if s, err := Restore(flipped, c.cfg); err == nil {
		if s.SafetyCode() == c.member("bob").s.SafetyCode() {
			t.Log("a flipped byte outside every checked field restored the same epoch")
		}
		s.Close()
	}

	// A removed member has nothing to store.
	carol := c.member("carol")
	c.remove("alice", "carol")
	_, err = carol.s.MarshalBinary()
	mustFail(t, "store a removed member", err, ErrNotMember)
	carol.s.Close()
	_, err = carol.s.MarshalBinary()
	mustFail(t, "store a closed Session", err, ErrClosed)

	// The fake group has no persistence: the error comes through.
	f := newTestCall(t, Config{}, "x")
	_, err = f.member("x").s.MarshalBinary()
	if err == nil || !strings.Contains(err.Error(), "e2ee: save: epoch 0: fake: no persistence") {
		t.Fatalf("store on the fake: %v", err)
	}
}

// TestKeyPackagePrivateStorage: the private half of a KeyPackage survives
// storage, and joins.
func TestKeyPackagePrivateStorage(t *testing.T) {
	c := newCall(t, Config{}, "alice")
	id, err := NewIdentity([]byte("bob"), testSuite)
	if err != nil {
		t.Fatal(err)
	}
	kp, priv, err := NewKeyPackage(id)
	if err != nil {
		t.Fatal(err)
	}
	data, err := priv.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalKeyPackagePrivate(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.MarshalBinary()
	if err != nil || !bytes.Equal(again, data) {
		t.Fatalf("stored again differently: %v", err)
	}
	for _, s := range []string{back.String(), back.GoString(), fmt.Sprintf("%x", back), fmt.Sprintf("%#v", back)} {
		if s != "e2ee.KeyPackagePrivate(bob, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)" {
			t.Fatalf("prints as %q", s)
		}
	}
	cm, err := c.member("alice").s.Invite(kp)
	if err != nil {
		t.Fatal(err)
	}
	c.deliverCommit("alice", cm)
	c.join(&testMember{name: "bob", id: id, priv: back}, cm.Welcome)
	c.checkCodes()

	// Keys of another client's KeyPackage, or damaged data, are refused.
	carol, err := NewIdentity([]byte("carol"), testSuite)
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := NewKeyPackage(carol)
	if err != nil {
		t.Fatal(err)
	}
	otherData, err := other.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// data with the private keys of otherData.
	mixed := append(bytes.Clone(data[:storedKeyPackageEnd(t, back)]), otherData[storedKeyPackageEnd(t, other):]...)
	for name, bad := range map[string][]byte{
		"empty":    nil,
		"magic":    append([]byte("SRE2EEXX"), data[8:]...),
		"trailing": append(bytes.Clone(data), 1),
		"short":    data[:len(data)-3],
		"mixed":    mixed,
	} {
		_, err := UnmarshalKeyPackagePrivate(bad)
		mustFail(t, name, err, ErrInvalidState)
	}
}

// storedKeyPackageEnd returns where the private keys start in the storage
// encoding of k.
func storedKeyPackageEnd(t testing.TB, k *KeyPackagePrivate) int {
	t.Helper()
	kp, err := k.kp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return len(keyPackagePrivateMagic) + 2 + tlscodec.VarintLen(uint64(len(kp))) + len(kp)
}
