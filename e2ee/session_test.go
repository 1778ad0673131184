package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sealroom/sealroom/frame"
	"github.com/sealroom/sealroom/keyschedule"
	"github.com/sealroom/sealroom/mls"
)

func TestTwoMembers(t *testing.T) {
	c := newCall(t, Config{}, "alice")
	alice := c.member("alice").s
	if alice.Epoch() != 0 || alice.Leaf() != 0 || alice.SafetyCode().Epoch != 0 {
		t.Fatalf("new group: epoch %d leaf %d", alice.Epoch(), alice.Leaf())
	}
	code0 := alice.SafetyCode()

	bob, kp := c.newJoiner("bob")
	cm, err := alice.Invite(kp)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Epoch != 0 || cm.Welcome == nil || cm.GroupInfo == nil || len(cm.Added) != 1 || string(cm.Added[0].Identity) != "bob" || cm.Added[0].Leaf != 1 {
		t.Fatalf("commit: %+v", cm)
	}
	// Pending: alice stays in epoch 0 and refuses a second commit.
	if alice.Epoch() != 0 {
		t.Fatal("a pending commit moved the epoch")
	}
	if p, ok := alice.Pending(); !ok || !bytes.Equal(p.Message, cm.Message) {
		t.Fatal("Pending does not return the commit")
	}
	_, err = alice.Update()
	mustFail(t, "second commit", err, ErrPendingCommit)
	pkt0 := c.seal("alice", CodecOpus, testFrame(160, 1))

	ch, err := alice.Process(cm.Message) // the relay's echo confirms it
	if err != nil {
		t.Fatal(err)
	}
	if ch.Kind != ChangeOwnCommit || ch.Epoch != 1 || len(ch.Added) != 1 || string(ch.Added[0].Identity) != "bob" || len(ch.Removed) != 0 {
		t.Fatalf("own commit: %+v", ch)
	}
	if _, ok := alice.Pending(); ok {
		t.Fatal("commit still pending after confirmation")
	}
	c.join(bob, cm.Welcome)
	bs := bob.s
	c.checkCodes()
	if !bytes.Equal(bs.GroupID(), alice.GroupID()) || len(alice.GroupID()) != 32 {
		t.Fatalf("group IDs %x and %x", bs.GroupID(), alice.GroupID())
	}
	if alice.SafetyCode() == code0 || alice.SafetyCode().Epoch != 1 {
		t.Fatal("safety code did not change with the epoch")
	}
	if got := bs.Members(); len(got) != 2 || string(got[0].Identity) != "alice" || got[1].Leaf != 1 {
		t.Fatalf("members: %+v", got)
	}

	// Frames both ways, with the sender's leaf, identity and epoch.
	for i := range 3 {
		f := testFrame(160, byte(i))
		c.open("bob", "alice", c.seal("alice", CodecOpus, f), f)
		c.open("alice", "bob", c.seal("bob", CodecOpus, f), f)
	}
	pkt := c.seal("bob", CodecOpus, testFrame(100, 9))
	_, snd, err := alice.Open(nil, pkt)
	if err != nil || snd.Epoch != 1 || snd.Counter != 3 {
		t.Fatalf("sender %+v, %v", snd, err)
	}
	// The frame of epoch 0, sealed before bob joined, is not his to read.
	_, _, err = bs.Open(nil, pkt0)
	mustFail(t, "frame from before the join", err, ErrUnknownEpoch)
}

// TestGracePeriod: after a commit, frames of the previous epoch open
// during the grace period and fail after it, with or without frames in
// between; sending switches to the new epoch at once.
func TestGracePeriod(t *testing.T) {
	for _, erase := range []string{"open", "seal", "tick"} {
		t.Run(erase, func(t *testing.T) {
			c := newCall(t, Config{Grace: 500 * time.Millisecond}, "alice", "bob", "carol")
			f := testFrame(160, 7)
			old := [][]byte{c.seal("carol", CodecOpus, f), c.seal("carol", CodecOpus, f), c.seal("carol", CodecOpus, f)}
			e := c.member("bob").s.Epoch()
			c.update("alice")
			bob := c.member("bob").s

			// Senders switch at once.
			if pkt := c.seal("carol", CodecOpus, f); mustOpenEpoch(t, bob, pkt) != e+1 {
				t.Fatal("carol still sends in the old epoch")
			}
			// A frame of the old epoch, in flight: opens.
			if mustOpenEpoch(t, bob, old[0]) != e {
				t.Fatal("old frame attributed to the wrong epoch")
			}
			c.clock.Advance(499 * time.Millisecond)
			mustOpenEpoch(t, bob, old[1])
			if !slices.Contains(bob.ks.Epochs(), e) {
				t.Fatal("old epoch erased early")
			}
			c.clock.Advance(2 * time.Millisecond)
			switch erase {
			case "open":
				_, _, err := bob.Open(nil, old[2])
				mustFail(t, "old frame after the grace period", err, ErrEpochExpired)
			case "seal":
				c.seal("bob", CodecOpus, f)
			case "tick":
				bob.Tick()
			}
			if slices.Contains(bob.ks.Epochs(), e) {
				t.Fatalf("epoch %d still live after the grace period: %v", e, bob.ks.Epochs())
			}
			_, _, err := bob.Open(nil, old[2])
			mustFail(t, "old frame after the grace period", err, ErrEpochExpired)
			var se *Error
			if !errors.As(err, &se) || !se.HasEpoch || se.Epoch != e || string(se.Identity) != "carol" {
				t.Fatalf("error does not name the epoch and sender: %v", err)
			}
		})
	}
}

// TestGraceTimer: with the real clock, the Session's timer erases an
// epoch's keys after the grace period though no frame arrives.
func TestGraceTimer(t *testing.T) {
	c := newCall(t, Config{Grace: 20 * time.Millisecond, Clock: time.Now}, "alice", "bob")
	e := c.member("bob").s.Epoch()
	c.update("alice")
	bob := c.member("bob").s
	if !slices.Contains(bob.ks.Epochs(), e) {
		t.Fatal("old epoch erased at once")
	}
	waitFor(t, "the timer to erase the old epoch", func() bool { return !slices.Contains(bob.ks.Epochs(), e) })
	if got := bob.ks.Epochs(); len(got) != 1 || got[0] != e+1 {
		t.Fatalf("live epochs %v", got)
	}
}

func mustOpenEpoch(t testing.TB, s *Session, pkt []byte) uint64 {
	t.Helper()
	_, snd, err := s.Open(nil, pkt)
	if err != nil {
		t.Fatal(err)
	}
	return snd.Epoch
}

// TestRemovedMember: a removed member seals nothing, cannot open any frame
// of the new epoch (its group cannot even compute the epoch), opens
// frames of its last epoch still in flight during the grace period, and
// nothing after it.
func TestRemovedMember(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	carol := c.member("carol")
	f := testFrame(160, 3)
	e := carol.s.Epoch()
	// bob's frames of epoch e, sealed before he processes the removal.
	inFlight := [][]byte{c.seal("bob", CodecOpus, f), c.seal("bob", CodecOpus, f)}

	cm, err := c.member("alice").s.Remove(carol.s.Leaf())
	if err != nil {
		t.Fatal(err)
	}
	if len(cm.Removed) != 1 || string(cm.Removed[0].Identity) != "carol" {
		t.Fatalf("commit removes %+v", cm.Removed)
	}
	// The commit's UpdatePath is encrypted to the remaining members only
	// (RFC 9420 §12.4.1): carol's group stages it as her removal and
	// learns nothing of the new epoch.
	if cm.Welcome != nil {
		t.Fatal("a removal with a Welcome")
	}
	c.deliverCommit("alice", cm)
	if !slices.Contains(c.gone, carol) {
		t.Fatal("carol was not removed")
	}
	_, err = carol.s.Seal(nil, f, CodecOpus)
	mustFail(t, "seal after removal", err, ErrNotMember)
	_, err = carol.s.Update()
	mustFail(t, "commit after removal", err, ErrNotMember)
	_, err = carol.s.Process(cm.Message)
	mustFail(t, "process after removal", err, ErrNotMember)

	// New-epoch frames: never.
	for _, from := range []string{"alice", "bob"} {
		pkt := c.seal(from, CodecOpus, f)
		c.open(map[string]string{"alice": "bob", "bob": "alice"}[from], from, pkt, f)
		_, _, err := carol.s.Open(nil, pkt)
		mustFail(t, "new-epoch frame at the removed member", err, ErrUnknownEpoch)
	}
	// Old-epoch frames in flight: during the grace period only.
	c.open("carol", "bob", inFlight[0], f)
	c.clock.Advance(DefaultGrace)
	_, _, err = carol.s.Open(nil, inFlight[1])
	mustFail(t, "old frame after the grace period", err, ErrEpochExpired)
	if got := carol.s.ks.Epochs(); len(got) != 0 {
		t.Fatalf("removed member still holds epochs %v", got)
	}
	if carol.s.Epoch() != e {
		t.Fatalf("removed member reports epoch %d, want its last, %d", carol.s.Epoch(), e)
	}
}

// TestLeave: a member proposes its own removal; another commits it.
func TestLeave(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	bob := c.member("bob").s
	p, err := bob.Leave()
	if err != nil {
		t.Fatal(err)
	}
	if p.Epoch != bob.Epoch() {
		t.Fatalf("proposal of epoch %d in epoch %d", p.Epoch, bob.Epoch())
	}
	for _, m := range c.members {
		ch, err := m.s.Process(p.Message)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		want := ChangeProposal
		if m.name == "bob" {
			want = ChangeOwnProposal
		}
		if ch.Kind != want || ch.From.Leaf != bob.Leaf() || string(ch.From.Identity) != "bob" {
			t.Fatalf("%s: %+v", m.name, ch)
		}
	}
	_, err = bob.Update()
	mustFail(t, "commit after proposing to leave", err, ErrInvalidMember)
	cm := c.update("carol")
	if len(cm.Removed) != 1 || string(cm.Removed[0].Identity) != "bob" {
		t.Fatalf("update commits %+v", cm.Removed)
	}
	if len(c.members) != 2 {
		t.Fatalf("%d members after bob left", len(c.members))
	}
}

// TestExternalJoin: a client joins from the GroupInfo of the last commit,
// on the real group: the commit is a PublicMessage whatever the Config
// says (RFC 9420 §12.4.3.2), and the members' PrivateMessage handshakes
// work on both sides of it.
func TestExternalJoin(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	cm := c.update("bob")
	dave, err := NewIdentity([]byte("dave"), testSuite)
	if err != nil {
		t.Fatal(err)
	}
	ds, ext, err := JoinExternal(cm.GroupInfo, dave, c.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ext.Epoch != cm.Epoch+1 || len(ext.Added) != 1 || string(ext.Added[0].Identity) != "dave" || ext.Added[0].Leaf != 2 || len(ext.Removed) != 0 || ext.GroupInfo == nil {
		t.Fatalf("external commit %+v", ext)
	}
	if ds.Epoch() != 0 || ds.String() != "e2ee.Session(joining, epoch 0, AES_256_GCM_SHA512_128)" {
		t.Fatalf("joining Session: %v", ds)
	}
	if m, err := mls.UnmarshalMLSMessage(ext.Message); err != nil || m.WireFormat != mls.WireFormatPublicMessage {
		t.Fatalf("external commit is not a PublicMessage: %v", err)
	}
	if m, err := mls.UnmarshalMLSMessage(cm.Message); err != nil || m.WireFormat != mls.WireFormatPrivateMessage {
		t.Fatalf("a member's commit is not a PrivateMessage by default: %v", err)
	}
	_, err = ds.Seal(nil, testFrame(10, 0), CodecOpus)
	mustFail(t, "seal before confirmation", err, ErrNotMember)
	_, err = ds.Process(cm.Message) // someone else's message: not a member yet
	mustFail(t, "process before confirmation", err, ErrNotMember)
	_, err = ds.MarshalBinary()
	mustFail(t, "save before confirmation", err, ErrNotMember)

	for _, m := range c.members {
		ch, err := m.s.Process(ext.Message)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Kind != ChangeCommit || string(ch.From.Identity) != "dave" || len(ch.Added) != 1 || string(ch.Added[0].Identity) != "dave" {
			t.Fatalf("%s: %+v", m.name, ch)
		}
	}
	ch, err := ds.Process(ext.Message)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Kind != ChangeOwnCommit || ch.Epoch != ext.Epoch+1 || len(ch.Added) != 1 || string(ch.Added[0].Identity) != "dave" {
		t.Fatalf("dave: %+v", ch)
	}
	c.members = append(c.members, &testMember{name: "dave", id: dave, s: ds})
	c.checkCodes()
	f := testFrame(160, 5)
	c.open("alice", "dave", c.seal("dave", CodecOpus, f), f)
	c.open("dave", "bob", c.seal("bob", CodecOpus, f), f)

	// The external commit's GroupInfo is the next joiner's: erin joins
	// from it, and her commit removes dave's old leaf when he resyncs.
	c.update("dave")
	erin, err := NewIdentity([]byte("erin"), testSuite)
	if err != nil {
		t.Fatal(err)
	}
	gi, err := c.member("alice").s.GroupInfo()
	if err != nil {
		t.Fatal(err)
	}
	es, ext2, err := JoinExternal(gi, erin, c.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	c.deliverExternal(ext2, "erin", es)
	c.checkCodes()
	c.open("erin", "dave", c.seal("dave", CodecOpus, f), f)
}

// TestExternalResync: a member that lost its state joins again by
// external commit in place of its old leaf (RFC 9420 §12.4.3.2).
func TestExternalResync(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	bob := c.member("bob")
	gi, err := c.member("alice").s.GroupInfo()
	if err != nil {
		t.Fatal(err)
	}
	// bob's client lost its state but kept its identity.
	s, ext, err := JoinExternal(gi, bob.id, c.cfg, &ExternalJoinOptions{Resync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(ext.Removed) != 1 || ext.Removed[0].Leaf != bob.s.Leaf() {
		t.Fatalf("resync commit removes %+v", ext.Removed)
	}
	old := bob.s
	c.deliverExternal(ext, "bob", s)
	if !slices.Contains(c.gone, bob) {
		t.Fatal("the old bob is still a member")
	}
	_, err = old.Seal(nil, testFrame(10, 1), CodecOpus)
	mustFail(t, "the replaced Session seals", err, ErrNotMember)
	f := testFrame(100, 2)
	c.open("carol", "bob", c.seal("bob", CodecOpus, f), f)
	if got := fmt.Sprint(len(c.members), c.member("bob").s.Leaf()); got != "3 1" {
		t.Fatalf("members, bob's leaf: %s", got)
	}
}

// deliverExternal delivers the external commit of name, whose Session is
// s, to every member and to s, and adds name to the members (in place of
// the member of the same name it removes, if any).
func (c *testCall) deliverExternal(ext Commit, name string, s *Session) {
	c.t.Helper()
	var stay []*testMember
	for _, m := range c.members {
		ch, err := m.s.Process(ext.Message)
		if err != nil {
			c.t.Fatalf("%s: external commit of %s: %v", m.name, name, err)
		}
		if ch.Kind == ChangeRemoved {
			c.gone = append(c.gone, m)
			continue
		}
		if ch.Kind != ChangeCommit || string(ch.From.Identity) != name {
			c.t.Fatalf("%s: external commit of %s: %+v", m.name, name, ch)
		}
		stay = append(stay, m)
	}
	if ch, err := s.Process(ext.Message); err != nil || ch.Kind != ChangeOwnCommit {
		c.t.Fatalf("%s: own external commit: %+v %v", name, ch, err)
	}
	c.members = append(stay, &testMember{name: name, s: s})
}

// TestExternalJoinLost: an external joiner whose commit lost discards it,
// which closes the Session; joining again from the newer GroupInfo works.
func TestExternalJoinLost(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	dave, err := NewIdentity([]byte("dave"), testSuite)
	if err != nil {
		t.Fatal(err)
	}
	gi, err := c.member("alice").s.GroupInfo()
	if err != nil {
		t.Fatal(err)
	}
	ds, lost, err := JoinExternal(gi, dave, c.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cm := c.update("alice") // wins the epoch
	if lost.Epoch != cm.Epoch {
		t.Fatalf("external commit of epoch %d, alice's of %d", lost.Epoch, cm.Epoch)
	}
	// Delivered late, the losing commit is stale for the members.
	_, err = c.member("bob").s.Process(lost.Message)
	mustFail(t, "losing external commit", err, ErrStaleMessage)
	_, err = ds.Process(cm.Message)
	mustFail(t, "process while joining", err, ErrNotMember)
	ds.DiscardPending()
	_, err = ds.Seal(nil, testFrame(10, 0), CodecOpus)
	mustFail(t, "seal after a lost external join", err, ErrClosed)

	ds, ext, err := JoinExternal(cm.GroupInfo, dave, c.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	c.deliverExternal(ext, "dave", ds)
	c.checkCodes()
}

// TestCommitRace: two members commit in the same epoch; the relay orders
// alice's first. bob's pending commit is discarded when he processes
// alice's, and he commits again in the new epoch.
func TestCommitRace(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	ca, err := c.member("alice").s.Update()
	if err != nil {
		t.Fatal(err)
	}
	cb, err := c.member("bob").s.Update()
	if err != nil {
		t.Fatal(err)
	}
	if ca.Epoch != cb.Epoch {
		t.Fatal("commits of different epochs")
	}
	// bob keeps sending in the current epoch while his commit is pending.
	f := testFrame(160, 1)
	c.open("carol", "bob", c.seal("bob", CodecOpus, f), f)

	for _, m := range c.members {
		ch, err := m.s.Process(ca.Message)
		if err != nil {
			t.Fatal(err)
		}
		if m.name == "bob" && (ch.Kind != ChangeCommit || !ch.Discarded) {
			t.Fatalf("bob: %+v", ch)
		}
	}
	c.checkCodes()
	if _, ok := c.member("bob").s.Pending(); ok {
		t.Fatal("the losing commit is still pending")
	}
	// The loser's commit, delivered late (the relay would have refused
	// it), is stale.
	_, err = c.member("carol").s.Process(cb.Message)
	mustFail(t, "losing commit", err, ErrStaleMessage)
	c.update("bob")

	// DiscardPending, as after a STALE_EPOCH refusal.
	if _, err := c.member("carol").s.Update(); err != nil {
		t.Fatal(err)
	}
	c.member("carol").s.DiscardPending()
	if _, ok := c.member("carol").s.Pending(); ok {
		t.Fatal("DiscardPending left the commit")
	}
	c.update("carol")
}

func TestInvalidMembershipRequests(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	alice := c.member("alice").s
	_, err := alice.Remove(alice.Leaf())
	mustFail(t, "remove self", err, ErrInvalidMember)
	_, err = alice.Remove(7)
	mustFail(t, "remove a blank leaf", err, ErrInvalidMember)
	_, err = alice.Remove()
	mustFail(t, "remove nobody", err, ErrInvalidMember)
	_, err = alice.Invite()
	mustFail(t, "invite nobody", err, ErrInvalidMember)
	if _, ok := alice.Pending(); ok {
		t.Fatal("a refused request left a pending commit")
	}
}

// TestOwnFrameEcho: a relay that echoes a member's own frames back gets
// them refused: SFrame keys are for one direction only (RFC 9605 §4.4.1).
func TestOwnFrameEcho(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	pkt := c.seal("alice", CodecOpus, testFrame(50, 0))
	_, _, err := c.member("alice").s.Open(nil, pkt)
	mustFail(t, "own frame", err, ErrUnknownSender)
}

// TestErrorMessages: errors name the operation, epoch and sender.
func TestErrorMessages(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	bob := c.member("bob").s
	pkt := c.seal("alice", CodecOpus, testFrame(50, 0))
	if _, _, err := bob.Open(nil, pkt); err != nil {
		t.Fatal(err)
	}
	_, _, err := bob.Open(nil, pkt)
	mustFail(t, "replay", err, ErrReplay)
	want := "e2ee: open: epoch 1 sender leaf 0 (alice): replayed frame: "
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q, want prefix %q", err, want)
	}
	var se *Error
	if !errors.As(err, &se) || se.Op != "open" || se.Epoch != 1 || !se.HasLeaf || se.Leaf != 0 {
		t.Fatalf("error fields %+v", se)
	}

	bad := bytes.Clone(c.seal("alice", CodecOpus, testFrame(50, 0)))
	bad[len(bad)-1] ^= 1
	_, _, err = bob.Open(nil, bad)
	mustFail(t, "corrupted frame", err, ErrAuthentication)
	if !strings.HasPrefix(err.Error(), "e2ee: open: epoch 1 sender leaf 0 (alice): frame authentication failed") {
		t.Fatalf("error %q", err)
	}

	_, err = c.member("alice").s.Seal(nil, nil, CodecOpus)
	mustFail(t, "empty frame", err, ErrMalformedFrame)
	if !strings.HasPrefix(err.Error(), "e2ee: seal: epoch 1 leaf 0 (alice): e2ee: malformed frame") {
		t.Fatalf("error %q", err)
	}
	_, _, err = bob.Open(nil, []byte{PacketTagBatch, 1, 2})
	mustFail(t, "tag batch to Open", err, ErrMalformedPacket)

	// Identities that are not text print as hex.
	e := newError("open", ErrReplay, nil).from(3, []byte{0, 1, 0xff})
	if got := e.Error(); got != "e2ee: open: sender leaf 3 (0001ff): replayed frame" {
		t.Fatalf("error %q", got)
	}
}

func TestConfig(t *testing.T) {
	id, err := NewIdentity([]byte("x"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Config{
		{Grace: -time.Second},
		{Grace: 2 * MaxGrace},
		{SenderAuth: &SenderAuth{Frames: MaxBatchFrames + 1}},
		{SenderAuth: &SenderAuth{Frames: -1}},
		{SenderAuth: &SenderAuth{Interval: 2 * time.Second, Deadline: time.Second}},
		{SenderAuth: &SenderAuth{Interval: -1}},
		{Schedule: keyschedule.Config{Layout: keyschedule.Layout{LeafBits: 60, EpochBits: 8}}},
	} {
		_, err := Create(nil, id, cfg)
		mustFail(t, "bad config", err, ErrInvalidConfig)
		_, err = Restore(nil, cfg)
		mustFail(t, "bad config", err, ErrInvalidConfig)
	}
	_, err = Create(nil, nil, Config{})
	mustFail(t, "no identity", err, ErrInvalidMember)
	_, err = NewIdentity(nil, 0)
	mustFail(t, "no name", err, ErrInvalidMember)
	_, err = NewIdentity([]byte("x"), 0x0a0a)
	mustFail(t, "unknown suite", err, ErrInvalidConfig)

	// The MLS options a Config gives.
	o := Config{}.groupOptions()
	if !o.EncryptHandshake || o.MaxLeaves != 1024 || o.PastEpochs != -1 || o.Validation.CredentialValidator == nil || o.Validation.Now != nil {
		t.Fatalf("default MLS options %+v", o)
	}
	clock := newFakeClock()
	base := &mls.GroupOptions{MaxLeaves: 1 << 20, PastEpochs: 2, PaddingBlock: 32, Validation: &mls.ValidationOptions{MaxLifetime: -1}}
	o = Config{PublicHandshake: true, Clock: clock.Now, MLS: base, Schedule: keyschedule.Config{Layout: keyschedule.Layout{LeafBits: 16, EpochBits: 4}}}.groupOptions()
	if o.EncryptHandshake || o.MaxLeaves != 1<<16 || o.PastEpochs != 2 || o.PaddingBlock != 32 || o.Validation.MaxLifetime != -1 || o.Validation.Now == nil {
		t.Fatalf("MLS options %+v", o)
	}
	if base.Validation.Now != nil || base.MaxLeaves != 1<<20 {
		t.Fatal("groupOptions changed Config.MLS")
	}
}

func TestClose(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	alice := c.member("alice").s
	pkt := c.seal("bob", CodecOpus, testFrame(10, 0))
	alice.Close()
	if got := alice.ks.Epochs(); len(got) != 0 {
		t.Fatalf("closed Session holds epochs %v", got)
	}
	_, err := alice.Seal(nil, testFrame(10, 0), CodecOpus)
	mustFail(t, "seal", err, ErrClosed)
	_, _, err = alice.Open(nil, pkt)
	mustFail(t, "open", err, ErrClosed)
	_, err = alice.Process(pkt)
	mustFail(t, "process", err, ErrClosed)
	_, err = alice.Leave()
	mustFail(t, "leave", err, ErrClosed)
	if s := alice.String(); !strings.Contains(s, "closed") {
		t.Fatalf("String %q", s)
	}
	alice.Tick()
	alice.Close()
}

func TestStrings(t *testing.T) {
	for k, want := range map[fmt.Stringer]string{
		ChangeOwnCommit:                 "own commit",
		ChangeKind(0):                   "ChangeKind(0)",
		AuthForged:                      "frame does not match its signed digest",
		AuthReason(9):                   "AuthReason(9)",
		SafetyCode{1, "1234 5678 9012"}: "1234 5678 9012",
	} {
		if got := k.String(); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
	c := newCall(t, Config{}, "alice")
	if got := fmt.Sprintf("%v %#v", c.members[0].s, c.members[0].s); got != "e2ee.Session(member, epoch 0, AES_256_GCM_SHA512_128) e2ee.Session(member, epoch 0, AES_256_GCM_SHA512_128)" {
		t.Errorf("%s", got)
	}
}

// TestSealKeyExhausted checks Seal's way past the send key: once the
// key's counters run out, the key refuses and so does the Schedule, with
// frame.ErrCounterExhausted and the epoch and sender in the error; the
// frames sealed before open.
func TestSealKeyExhausted(t *testing.T) {
	c := newTestCall(t, Config{Schedule: keyschedule.Config{Frame: frame.Config{MaxCounter: 2}}}, "alice", "bob")
	alice, bob := c.member("alice").s, c.member("bob").s
	for ctr := range uint64(3) {
		pkt := c.seal("alice", CodecOpus, []byte("opus"))
		out, snd, err := bob.Open(nil, pkt)
		if err != nil || string(out) != "opus" || snd.Leaf != alice.Leaf() || snd.Counter != ctr {
			t.Fatalf("frame %d: %q, %+v, %v", ctr, out, snd, err)
		}
	}
	_, err := alice.Seal(nil, []byte("opus"), CodecOpus)
	want := fmt.Sprintf("epoch %d leaf %d", alice.Epoch(), alice.Leaf())
	if !errors.Is(err, frame.ErrCounterExhausted) || !strings.Contains(err.Error(), want) {
		t.Fatalf("exhausted send key: %v, want frame.ErrCounterExhausted naming %q", err, want)
	}
}
