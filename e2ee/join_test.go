package e2ee

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sealroom/sealroom/keyschedule"
	"github.com/sealroom/sealroom/mls"
)

// TestCallSuites runs a call on each of the seven MLS cipher suites of RFC
// 9420 §17.1: an add, a removal, a self-update, frames both ways.
func TestCallSuites(t *testing.T) {
	for _, suite := range []mls.CipherSuite{1, 2, 3, 4, 5, 6, 7} {
		t.Run(suite.String(), func(t *testing.T) {
			c := newCallSuite(t, suite, Config{}, "alice", "bob")
			c.add("bob", "carol")
			c.remove("carol", "alice")
			c.update("bob")
			f := testFrame(120, 4)
			c.open("bob", "carol", c.seal("carol", CodecOpus, f), f)
			c.open("carol", "bob", c.seal("bob", CodecOpus, f), f)
		})
	}
}

// TestPublicHandshake: with Config.PublicHandshake the commits and
// proposals are PublicMessages, and the call works the same.
func TestPublicHandshake(t *testing.T) {
	c := newCall(t, Config{PublicHandshake: true}, "alice", "bob", "carol")
	cm := c.update("bob")
	p, err := c.member("carol").s.Leave()
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range [][]byte{cm.Message, p.Message} {
		if m, err := mls.UnmarshalMLSMessage(msg); err != nil || m.WireFormat != mls.WireFormatPublicMessage {
			t.Fatalf("not a PublicMessage: %v", err)
		}
	}
	for _, m := range c.members {
		if _, err := m.s.Process(p.Message); err != nil {
			t.Fatal(err)
		}
	}
	rm := c.update("alice")
	if len(rm.Removed) != 1 || string(rm.Removed[0].Identity) != "carol" {
		t.Fatalf("removes %+v", rm.Removed)
	}
}

// TestRemoveProposedLeaf: a member that proposed to leave is removed by
// another member's Remove: the cached proposal is committed by
// reference and the leaf is not named twice (RFC 9420 §12.2).
func TestRemoveProposedLeaf(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	bob := c.member("bob").s
	p, err := bob.Leave()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.members {
		if _, err := m.s.Process(p.Message); err != nil {
			t.Fatal(err)
		}
	}
	cm := c.remove("carol", "bob")
	if len(cm.Removed) != 1 || cm.Removed[0].Leaf != 1 || string(cm.Removed[0].Identity) != "bob" {
		t.Fatalf("removes %+v", cm.Removed)
	}
}

// x509Identity returns an identity with an X.509 credential: a
// self-signed certificate for cn over a fresh Ed25519 key.
func x509Identity(t testing.TB, cn string) *Identity {
	t.Helper()
	key, err := mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(key.Bytes())
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		t.Fatal(err)
	}
	return &Identity{Credential: mls.Credential{Type: mls.CredentialTypeX509, Certificates: [][]byte{der}}, SigningKey: key}
}

// TestCredentialValidator: without a validator only basic credentials
// pass; a validator decides for the committer, for a joiner (about every
// member of the group) and for the members (about an external joiner).
func TestCredentialValidator(t *testing.T) {
	dave := x509Identity(t, "dave")
	kp, priv, err := NewKeyPackage(dave)
	if err != nil {
		t.Fatal(err)
	}

	// The default refuses an X.509 credential nobody verified.
	c := newCall(t, Config{}, "alice", "bob")
	_, err = c.member("alice").s.Invite(kp)
	mustFail(t, "X.509 credential with the default validator", err, mls.ErrInvalidCredential)
	if !strings.HasPrefix(err.Error(), "e2ee: invite: epoch 1: inviting CN=dave: mls: ") || !strings.Contains(err.Error(), "Config.CredentialValidator") {
		t.Fatalf("error %q", err)
	}
	if _, ok := c.member("alice").s.Pending(); ok {
		t.Fatal("a refused invite left a commit pending")
	}

	// An allow list of names, and certificates whose CN is on it.
	allowed := map[string]bool{"alice": true, "bob": true, "dave": true}
	validator := func(cred mls.Credential, _ []byte, chain []*x509.Certificate) error {
		name := string(cred.Identity)
		if cred.Type == mls.CredentialTypeX509 {
			name = chain[0].Subject.CommonName
		}
		if !allowed[name] {
			return errors.New("not on the list")
		}
		return nil
	}
	c = newCall(t, Config{CredentialValidator: validator}, "alice", "bob")
	cm, err := c.member("alice").s.Invite(kp)
	if err != nil {
		t.Fatal(err)
	}
	c.deliverCommit("alice", cm)
	c.join(&testMember{name: "dave", id: dave, priv: priv}, cm.Welcome)
	c.checkCodes()
	if got := c.member("alice").s.Members()[2].Identity; string(got) != "CN=dave" {
		t.Fatalf("X.509 member's identity %q", got)
	}

	// The committer refuses an invitee the validator rejects.
	_, mallory := c.newJoiner("mallory")
	_, err = c.member("bob").s.Invite(mallory)
	mustFail(t, "invite of a rejected credential", err, mls.ErrInvalidCredential)
	if !strings.Contains(err.Error(), "inviting mallory: ") {
		t.Fatalf("error %q does not name the invitee", err)
	}

	// A joiner whose validator rejects a member of the group refuses the
	// Welcome, and says who it is.
	erin, kpErin := c.newJoiner("erin")
	allowed["erin"] = true
	cm = c.update("bob")
	cm, err = c.member("bob").s.Invite(kpErin)
	if err != nil {
		t.Fatal(err)
	}
	c.deliverCommit("bob", cm)
	strict := c.cfg
	strict.CredentialValidator = func(cred mls.Credential, _ []byte, _ []*x509.Certificate) error {
		if cred.Type != mls.CredentialTypeBasic {
			return errors.New("basic credentials only")
		}
		return nil
	}
	_, err = JoinFromWelcome(cm.Welcome, erin.priv, strict)
	mustFail(t, "Welcome to a group with a rejected member", err, mls.ErrInvalidCredential)
	if !strings.HasPrefix(err.Error(), "e2ee: join: member erin: mls: ") {
		t.Fatalf("error %q", err)
	}

	// The members refuse an external joiner the validator rejects.
	zoe, err := NewIdentity([]byte("zoe"), testSuite)
	if err != nil {
		t.Fatal(err)
	}
	acceptAll := func(mls.Credential, []byte, []*x509.Certificate) error { return nil }
	_, ext, err := JoinExternal(cm.GroupInfo, zoe, Config{Clock: c.clock.Now, CredentialValidator: acceptAll}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.member("alice").s.Process(ext.Message)
	mustFail(t, "external commit of a rejected credential", err, mls.ErrInvalidCredential)
}

// TestJoinErrors: errors of the constructors name the client and, where
// there is one, the epoch.
func TestJoinErrors(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob")
	dave, kp := c.newJoiner("dave")
	erin, _ := c.newJoiner("erin")
	cm, err := c.member("alice").s.Invite(kp)
	if err != nil {
		t.Fatal(err)
	}
	c.deliverCommit("alice", cm)

	_, err = JoinFromWelcome(cm.Welcome, erin.priv, c.cfg)
	mustFail(t, "Welcome for another KeyPackage", err, mls.ErrNoMatchingKeyPackage)
	if !strings.HasPrefix(err.Error(), "e2ee: join: member erin: mls: ") {
		t.Fatalf("error %q", err)
	}
	_, err = JoinFromWelcome(cm.Message, dave.priv, c.cfg)
	mustFail(t, "a commit as a Welcome", err, mls.ErrMalformed)
	if !strings.HasPrefix(err.Error(), "e2ee: join: member dave: mls: malformed input: a mls_private_message, not a Welcome") {
		t.Fatalf("error %q", err)
	}
	_, err = JoinFromWelcome(cm.Welcome, nil, c.cfg)
	mustFail(t, "no KeyPackagePrivate", err, ErrInvalidMember)

	_, _, err = JoinExternal(cm.Welcome, dave.id, c.cfg, nil)
	mustFail(t, "a Welcome as a GroupInfo", err, mls.ErrMalformed)
	if !strings.HasPrefix(err.Error(), "e2ee: join external: member dave: ") {
		t.Fatalf("error %q", err)
	}
	_, _, err = JoinExternal(cm.GroupInfo, erin.id, c.cfg, &ExternalJoinOptions{Resync: true})
	mustFail(t, "resync of a client not in the group", err, mls.ErrInvalidProposal)
	if !strings.HasPrefix(err.Error(), "e2ee: join external: epoch 2 member erin: ") {
		t.Fatalf("error %q", err)
	}
	p384, err := NewIdentity([]byte("frank"), mls.MLS_256_DHKEMP384_AES256GCM_SHA384_P384)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = JoinExternal(cm.GroupInfo, p384, c.cfg, nil)
	mustFail(t, "external join with a key of another suite", err, mls.ErrInvalidPrivateKey)
	_, _, err = JoinExternal(cm.GroupInfo, nil, c.cfg, nil)
	mustFail(t, "no identity", err, ErrInvalidMember)

	// KeyPackages that are not, or not of the group's suite.
	alice := c.member("alice").s
	_, err = alice.Invite([]byte{0, 1, 0, 5})
	mustFail(t, "garbage KeyPackage", err, mls.ErrMalformed)
	_, err = alice.Invite(cm.Welcome)
	mustFail(t, "a Welcome as a KeyPackage", err, mls.ErrMalformed)
	if !strings.HasPrefix(err.Error(), "e2ee: invite: epoch 2: KeyPackage 0: mls: malformed input: a mls_welcome, not a KeyPackage") {
		t.Fatalf("error %q", err)
	}
	kp384, _, err := NewKeyPackage(p384)
	if err != nil {
		t.Fatal(err)
	}
	_, err = alice.Invite(kp384)
	mustFail(t, "KeyPackage of another suite", err, mls.ErrInvalidKeyPackage)
	if !strings.HasPrefix(err.Error(), "e2ee: invite: epoch 2: KeyPackage 0 (frank): mls: invalid key package: of MLS_256_DHKEMP384_AES256GCM_SHA384_P384") {
		t.Fatalf("error %q", err)
	}
	_, _, err = NewKeyPackage(nil)
	mustFail(t, "key package without identity", err, ErrInvalidMember)
	if _, ok := alice.Pending(); ok {
		t.Fatal("a refused invite left a commit pending")
	}
}

// TestProcessErrors: a handshake message the group refuses names the
// epoch, and a stale one says so.
func TestProcessErrors(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol")
	old := c.update("alice")
	c.update("bob")
	carol := c.member("carol").s
	_, err := carol.Process(old.Message)
	mustFail(t, "commit of a past epoch", err, ErrStaleMessage)
	if !strings.HasPrefix(err.Error(), "e2ee: process: epoch 3: handshake message of a past epoch: message of epoch 1, the group is in epoch 3: mls: ") {
		t.Fatalf("error %q", err)
	}
	_, err = carol.Process([]byte{0, 1, 0, 2})
	mustFail(t, "garbage", err, mls.ErrMalformed)
	if !strings.HasPrefix(err.Error(), "e2ee: process: epoch 3: mls: ") {
		t.Fatalf("error %q", err)
	}
	// A KeyPackage is not a handshake message.
	_, kp := c.newJoiner("dave")
	_, err = carol.Process(kp)
	mustFail(t, "a KeyPackage to Process", err, mls.ErrInvalidContent)
}

// TestInstallFailure: an epoch whose keys cannot be exported fails the
// Session's install with the epoch named. It runs on the fake group,
// which can refuse the export on purpose.
func TestInstallFailure(t *testing.T) {
	g := fakeCreate(newFakeClient(t, testSuite, "x"))
	g.failExport = true
	_, err := newSession(Config{}, g)
	if err == nil || !strings.HasPrefix(err.Error(), "e2ee: install: epoch 0: ") || !strings.Contains(err.Error(), "fake: export refused") {
		t.Fatalf("install with a failing export: %v", err)
	}
}

// TestLayoutBoundsGroup: the MLS group refuses to grow beyond the 2^S
// leaves the KID layout can name, at the commit, rather than merging an
// epoch whose keys the Session could not install.
func TestLayoutBoundsGroup(t *testing.T) {
	cfg := Config{Schedule: keyschedule.Config{Layout: keyschedule.Layout{LeafBits: 2, EpochBits: 4}}}
	c := newCall(t, cfg, "a", "b", "c", "d")
	_, kp := c.newJoiner("e")
	_, err := c.member("a").s.Invite(kp)
	mustFail(t, "a fifth member with 2 leaf bits", err, mls.ErrLimitExceeded)
	c.remove("a", "c")
	c.add("b", "e") // takes the blank leaf 2
	if leaf := c.member("e").s.Leaf(); leaf != 2 {
		t.Fatalf("e at leaf %d", leaf)
	}
	f := testFrame(50, 1)
	c.open("a", "e", c.seal("e", CodecOpus, f), f)
}
