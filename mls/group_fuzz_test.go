package mls

import (
	"bytes"
	"slices"
	"sync"
	"testing"
)

// Fuzz targets of the group layer: messages processed by a member
// (FuzzGroupProcess), Welcomes joined from (FuzzJoinFromWelcome), stored
// states restored (FuzzUnmarshalGroup) and stored KeyPackage keys
// (FuzzUnmarshalKeyPackagePrivateKeys). Whatever the input, nothing may
// panic; failures must wrap one of the package's sentinels; what is
// accepted must work on. Seeds are real messages and states of a small
// group.

// groupSentinels are the errors a group operation on hostile input may
// wrap.
var groupSentinels = append(slices.Clone(unprotectSentinels),
	ErrInvalidProposal, ErrInvalidCommit, ErrUnknownProposal, ErrMissingPSK, ErrOwnMessage,
	ErrLimitExceeded, ErrConfirmationTag, ErrInvalidUpdatePath, ErrInvalidLeafNode,
	ErrInvalidKeyPackage, ErrInvalidRatchetTree, ErrNotMember, ErrReInitPending,
	ErrInvalidWelcome, ErrInvalidGroupInfo, ErrInvalidGroupState, ErrUnsupportedCipherSuite,
	ErrInvalidPrivateKey, ErrLeafOutOfRange, ErrUnsupportedCapability, ErrDuplicateKey)

func requireGroupSentinel(t *testing.T, err error) {
	t.Helper()
	requireSentinelIn(t, err, groupSentinels)
}

// groupFuzzFixture is a three-member group (public and private
// handshakes): the stored state of member bob, the messages the others
// sent him, and a Welcome with the KeyPackage it is for.
type groupFuzzFixture struct {
	state    []byte
	messages [][]byte
	welcome  []byte
	kp       *KeyPackage
	keys     *KeyPackagePrivateKeys
	states   [][]byte
}

var (
	groupFuzzOnce sync.Once
	groupFuzz     *groupFuzzFixture
)

func newGroupFuzzFixture(t testing.TB) *groupFuzzFixture {
	groupFuzzOnce.Do(func() {
		cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
		f := &groupFuzzFixture{}
		tg := newTestGroup(t, cs, "alice", &GroupOptions{EncryptHandshake: true})
		tg.add("alice", "bob", "carol")
		alice, bob := tg.members["alice"], tg.members["bob"]
		for _, g := range tg.members {
			g.AddExternalPSK([]byte("psk"), []byte("value"))
		}
		var err error
		if f.state, err = bob.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
		add := func(msg []byte, err error) {
			if err != nil {
				t.Fatal(err)
			}
			f.messages = append(f.messages, msg)
		}
		add(alice.Encrypt([]byte("ad"), []byte("hello")))
		add(alice.ProposeUpdate())
		add(alice.ProposeExternalPSK([]byte("psk")))
		c := newTestClient(t, cs, "dave")
		f.kp, f.keys = c.keyPackage(t)
		res, err := tg.members["carol"].Commit(&CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *f.kp}}, ForcePath: true})
		if err != nil {
			t.Fatal(err)
		}
		add(res.Commit, nil)
		if f.welcome, err = (&MLSMessage{WireFormat: WireFormatWelcome, Welcome: res.Welcome}).Marshal(); err != nil {
			t.Fatal(err)
		}
		alice.cfg.encryptHandshake = false
		add(alice.ProposeRemove(1))
		res, err = alice.Commit(nil)
		if err != nil {
			t.Fatal(err)
		}
		add(res.Commit, nil)
		pending, err := alice.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		f.states = [][]byte{f.state, pending}
		groupFuzz = f
	})
	if groupFuzz == nil {
		t.Fatal("no fuzz fixture")
	}
	return groupFuzz
}

// FuzzGroupProcess processes arbitrary messages at a member restored from
// a fixed state. An accepted commit must merge, and the group must still
// store.
func FuzzGroupProcess(f *testing.F) {
	fx := newGroupFuzzFixture(f)
	for _, m := range fx.messages {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := UnmarshalGroup(fx.state, nil)
		if err != nil {
			t.Fatal(err)
		}
		pm, err := g.Process(data)
		if err != nil {
			requireGroupSentinel(t, err)
			return
		}
		if pm.ContentType == ContentTypeCommit {
			if err := g.Merge(pm.Commit); err != nil {
				t.Fatalf("merging an accepted commit: %v", err)
			}
		}
		if _, err := g.MarshalBinary(); err != nil {
			t.Fatalf("storing after processing: %v", err)
		}
	})
}

// FuzzJoinFromWelcome joins from arbitrary Welcomes with a fixed
// KeyPackage; a Welcome that is accepted must give a working group.
func FuzzJoinFromWelcome(f *testing.F) {
	fx := newGroupFuzzFixture(f)
	f.Add(fx.welcome)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalMLSMessage(data)
		if err != nil || m.Welcome == nil {
			return
		}
		g, err := JoinFromWelcome(m.Welcome, fx.kp, fx.keys, &JoinOptions{PSKs: []ExternalPSK{{ID: []byte("psk"), Secret: []byte("value")}}})
		if err != nil {
			requireGroupSentinel(t, err)
			return
		}
		if _, err := g.Encrypt(nil, []byte("x")); err != nil {
			t.Fatalf("a joined group cannot send: %v", err)
		}
	})
}

// FuzzUnmarshalGroup restores arbitrary states: a state that is accepted
// encodes to bytes that restore to the same encoding.
func FuzzUnmarshalGroup(f *testing.F) {
	fx := newGroupFuzzFixture(f)
	for _, s := range fx.states {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := UnmarshalGroup(data, nil)
		if err != nil {
			requireGroupSentinel(t, err)
			return
		}
		enc, err := g.MarshalBinary()
		if err != nil {
			t.Fatalf("storing a restored group: %v", err)
		}
		g2, err := UnmarshalGroup(enc, nil)
		if err != nil {
			t.Fatalf("restoring a re-encoded state: %v", err)
		}
		enc2, err := g2.MarshalBinary()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("the state does not round-trip (%v)", err)
		}
	})
}

// FuzzUnmarshalKeyPackagePrivateKeys decodes arbitrary stored keys: keys
// that decode re-encode to an encoding that decodes to the same keys.
func FuzzUnmarshalKeyPackagePrivateKeys(f *testing.F) {
	fx := newGroupFuzzFixture(f)
	enc, err := fx.keys.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := UnmarshalKeyPackagePrivateKeys(data)
		if err != nil {
			requireGroupSentinel(t, err)
			return
		}
		enc, err := k.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		k2, err := UnmarshalKeyPackagePrivateKeys(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k.initKey.publicKey(), k2.initKey.publicKey()) || !bytes.Equal(k.encryptionKey.publicKey(), k2.encryptionKey.publicKey()) || !bytes.Equal(k.signer.pub, k2.signer.pub) {
			t.Fatal("the keys do not round-trip")
		}
	})
}
