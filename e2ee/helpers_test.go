package e2ee

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sealroom/sealroom/mls"
)

// The tests run calls of Sessions with a manual clock, delivering
// handshake messages in one total order as the relay does. newCall builds
// the call on the real MLS group (the public constructors: NewIdentity,
// NewKeyPackage, Create, JoinFromWelcome); newTestCall on the in-memory
// fake of fakegroup_test.go, for the benchmarks (see there).

const testSuite = mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

// testMember is one participant of a testCall.
type testMember struct {
	name string
	s    *Session
	// On the fake group: the client and its group.
	client *fakeClient
	g      *fakeGroup
	// On the real group: the identity and the private half of the
	// KeyPackage it joined with.
	id   *Identity
	priv *KeyPackagePrivate
}

// testCall is a call of Sessions sharing a manual clock.
type testCall struct {
	t       testing.TB
	suite   mls.CipherSuite
	cfg     Config
	clock   *fakeClock
	real    bool          // on mls.Group, not the fake
	members []*testMember // the current members, in join order
	gone    []*testMember // removed or left
}

// newCall creates a call on the real MLS group: names[0] creates the
// group, then invites the others in one commit.
func newCall(t testing.TB, cfg Config, names ...string) *testCall {
	t.Helper()
	return newCallSuite(t, testSuite, cfg, names...)
}

func newCallSuite(t testing.TB, suite mls.CipherSuite, cfg Config, names ...string) *testCall {
	t.Helper()
	return startCall(t, suite, cfg, true, names)
}

// newTestCall creates a call like newCall on the fake MLS group.
func newTestCall(t testing.TB, cfg Config, names ...string) *testCall {
	t.Helper()
	return newTestCallSuite(t, testSuite, cfg, names...)
}

func newTestCallSuite(t testing.TB, suite mls.CipherSuite, cfg Config, names ...string) *testCall {
	t.Helper()
	return startCall(t, suite, cfg, false, names)
}

func startCall(t testing.TB, suite mls.CipherSuite, cfg Config, real bool, names []string) *testCall {
	t.Helper()
	c := &testCall{t: t, suite: suite, clock: newFakeClock(), real: real}
	if cfg.Clock == nil {
		cfg.Clock = c.clock.Now
	}
	c.cfg = cfg
	creator := &testMember{name: names[0]}
	var err error
	if real {
		if creator.id, err = NewIdentity([]byte(names[0]), suite); err != nil {
			t.Fatal(err)
		}
		creator.s, err = Create(nil, creator.id, cfg)
	} else {
		creator.client = newFakeClient(t, suite, names[0])
		creator.g = fakeCreate(creator.client)
		creator.s, err = newSession(cfg, creator.g)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(creator.s.Close)
	c.members = []*testMember{creator}
	if len(names) > 1 {
		c.add(names[0], names[1:]...)
	}
	return c
}

// member returns the member called name, current or gone.
func (c *testCall) member(name string) *testMember {
	for _, m := range append(slices.Clone(c.members), c.gone...) {
		if m.name == name {
			return m
		}
	}
	c.t.Fatalf("no member %q", name)
	return nil
}

// newJoiner returns a client called name, not in the call yet, and its
// KeyPackage.
func (c *testCall) newJoiner(name string) (*testMember, []byte) {
	c.t.Helper()
	m := &testMember{name: name}
	if !c.real {
		m.client = newFakeClient(c.t, c.suite, name)
		return m, m.client.keyPackage()
	}
	var err error
	if m.id, err = NewIdentity([]byte(name), c.suite); err != nil {
		c.t.Fatal(err)
	}
	kp, priv, err := NewKeyPackage(m.id)
	if err != nil {
		c.t.Fatal(err)
	}
	m.priv = priv
	return m, kp
}

// join has m join from welcome and adds it to the members.
func (c *testCall) join(m *testMember, welcome []byte) {
	c.t.Helper()
	var err error
	if c.real {
		m.s, err = JoinFromWelcome(welcome, m.priv, c.cfg)
	} else if m.g, err = fakeJoinFromWelcome(m.client, welcome); err == nil {
		m.s, err = newSession(c.cfg, m.g)
	}
	if err != nil {
		c.t.Fatalf("%s: join: %v", m.name, err)
	}
	c.t.Cleanup(m.s.Close)
	c.members = append(c.members, m)
}

// add has by invite new clients called names and delivers the commit.
func (c *testCall) add(by string, names ...string) Commit {
	c.t.Helper()
	var kps [][]byte
	var joiners []*testMember
	for _, n := range names {
		m, kp := c.newJoiner(n)
		joiners = append(joiners, m)
		kps = append(kps, kp)
	}
	cm, err := c.member(by).s.Invite(kps...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.deliverCommit(by, cm)
	for _, m := range joiners {
		c.join(m, cm.Welcome)
	}
	c.checkCodes()
	return cm
}

// remove has by remove the members called names.
func (c *testCall) remove(by string, names ...string) Commit {
	c.t.Helper()
	var leaves []uint32
	for _, n := range names {
		leaves = append(leaves, c.member(n).s.Leaf())
	}
	cm, err := c.member(by).s.Remove(leaves...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.deliverCommit(by, cm)
	c.checkCodes()
	return cm
}

// update has by commit a self-update and delivers it.
func (c *testCall) update(by string) Commit {
	c.t.Helper()
	cm, err := c.member(by).s.Update()
	if err != nil {
		c.t.Fatal(err)
	}
	c.deliverCommit(by, cm)
	c.checkCodes()
	return cm
}

// deliverCommit delivers the commit cm of by to every current member, as
// the relay echoes it, and checks what each Session made of it. Members
// it removes move to gone.
func (c *testCall) deliverCommit(by string, cm Commit) {
	c.t.Helper()
	var stay []*testMember
	for _, m := range c.members {
		ch, err := m.s.Process(cm.Message)
		if err != nil {
			c.t.Fatalf("%s: process commit of %s: %v", m.name, by, err)
		}
		want := ChangeCommit
		if m.name == by {
			want = ChangeOwnCommit
		}
		removed := slices.ContainsFunc(ch.Removed, func(r Member) bool { return bytes.Equal(r.Identity, []byte(m.name)) })
		if removed {
			want = ChangeRemoved
		}
		if ch.Kind != want {
			c.t.Fatalf("%s: commit of %s: %v, want %v", m.name, by, ch.Kind, want)
		}
		if removed {
			c.gone = append(c.gone, m)
		} else {
			if ch.Epoch != cm.Epoch+1 || m.s.Epoch() != cm.Epoch+1 {
				c.t.Fatalf("%s: epoch %d after a commit of epoch %d", m.name, m.s.Epoch(), cm.Epoch)
			}
			stay = append(stay, m)
		}
	}
	c.members = stay
}

// checkCodes checks that every member has the same epoch and safety code.
func (c *testCall) checkCodes() {
	c.t.Helper()
	first := c.members[0].s.SafetyCode()
	for _, m := range c.members[1:] {
		if code := m.s.SafetyCode(); code != first {
			c.t.Fatalf("%s: safety code %v of epoch %d, %s has %v of epoch %d",
				m.name, code, code.Epoch, c.members[0].name, first, first.Epoch)
		}
	}
}

// seal seals frame as from's, or fails the test.
func (c *testCall) seal(from string, codec Codec, frame []byte) []byte {
	c.t.Helper()
	pkt, err := c.member(from).s.Seal(nil, frame, codec)
	if err != nil {
		c.t.Fatalf("%s: seal: %v", from, err)
	}
	return pkt
}

// open opens pkt as to, and checks the frame and its sender.
func (c *testCall) open(to, from string, pkt, frame []byte) {
	c.t.Helper()
	got, snd, err := c.member(to).s.Open(nil, pkt)
	if err != nil {
		c.t.Fatalf("%s: open frame of %s: %v", to, from, err)
	}
	if !bytes.Equal(got, frame) {
		c.t.Fatalf("%s: frame of %s differs", to, from)
	}
	fm := c.member(from)
	if string(snd.Identity) != from || snd.Leaf != fm.s.Leaf() {
		c.t.Fatalf("%s: frame of %s (leaf %d) attributed to %q leaf %d", to, from, fm.s.Leaf(), snd.Identity, snd.Leaf)
	}
}

// mustFail checks that err matches want.
func mustFail(t testing.TB, what string, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

// testFrame returns an Opus-like frame of n bytes.
func testFrame(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// waitFor polls cond for up to five seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
