package mls

import (
	"bytes"
	"errors"
	"testing"
)

// roundTrip stores and restores g, requiring the restored group to encode
// to the same bytes.
func roundTripGroup(t testing.TB, g *Group) *Group {
	t.Helper()
	enc, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalGroup(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, again) {
		t.Fatal("the restored group encodes differently")
	}
	return back
}

// TestGroupStateRoundTrip stores and restores members at every kind of
// moment (proposals cached, own Update pending, own commit pending, past
// epochs with late messages, removed) and checks that the restored groups
// go on interoperating with the members that were never stored.
func TestGroupStateRoundTrip(t *testing.T) {
	for _, cs := range allCipherSuites() {
		for _, enc := range []bool{false, true} {
			name := cs.String()
			if enc {
				name += "/private"
			}
			t.Run(name, func(t *testing.T) {
				tg := newTestGroup(t, cs, "alice", &GroupOptions{EncryptHandshake: enc, PastEpochs: 2})
				tg.add("alice", "bob", "carol")
				tg.exchange()
				// Late messages of this epoch, read after restoring.
				late, err := tg.members["bob"].Encrypt(nil, []byte("late"))
				if err != nil {
					t.Fatal(err)
				}
				// Carol has an own Update and a received proposal cached.
				upd, err := tg.members["carol"].ProposeUpdate()
				if err != nil {
					t.Fatal(err)
				}
				tg.deliver("carol", upd)
				for _, g := range tg.members {
					g.AddExternalPSK([]byte("psk"), []byte("value"))
				}
				psk, err := tg.members["bob"].ProposeExternalPSK([]byte("psk"))
				if err != nil {
					t.Fatal(err)
				}
				tg.deliver("bob", psk)
				for name, g := range tg.members {
					tg.members[name] = roundTripGroup(t, g)
				}
				// Alice's commit is pending while she is stored.
				res, err := tg.members["alice"].Commit(nil)
				if err != nil {
					t.Fatal(err)
				}
				tg.members["alice"] = roundTripGroup(t, tg.members["alice"])
				pm, err := tg.members["alice"].Process(res.Commit)
				if err != nil || !pm.Own || pm.Commit == nil {
					t.Fatalf("alice's echoed pending commit after restoring: %v", err)
				}
				if n := len(pm.Commit.Updated()); n != 2 {
					t.Errorf("the restored pending commit updates %d leaves, want 2 (carol's update, alice's path)", n)
				}
				tg.deliver("alice", res.Commit)
				if err := tg.members["alice"].Merge(pm.Commit); err != nil {
					t.Fatal(err)
				}
				tg.check()
				for name, g := range tg.members {
					tg.members[name] = roundTripGroup(t, g)
				}
				tg.check()
				// The late message of the epoch before, with the restored
				// past epoch's keys.
				for _, name := range []string{"alice", "carol"} {
					pm, err := tg.members[name].Process(late)
					if err != nil || string(pm.ApplicationData) != "late" || pm.Epoch != tg.members[name].Epoch()-1 {
						t.Fatalf("%s reading a late message: %v", name, err)
					}
				}
				tg.exchange()
				tg.commit("carol", nil, nil)
				tg.exchange()
				tg.add("bob", "dave")
				tg.exchange()
			})
		}
	}
}

// TestGroupStateRemoved checks that a removed member's state round-trips
// and still reads late messages but nothing else.
func TestGroupStateRemoved(t *testing.T) {
	tg := newTestGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", nil)
	tg.add("alice", "bob")
	late, err := tg.members["alice"].Encrypt(nil, []byte("late"))
	if err != nil {
		t.Fatal(err)
	}
	bob := tg.members["bob"]
	rm, err := tg.members["alice"].Commit(&CommitOptions{ByValue: []Proposal{&RemoveProposal{Removed: tg.leafOf("bob")}}})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := bob.Process(rm.Commit)
	if err != nil || !pm.Commit.SelfRemoved() {
		t.Fatalf("bob processing his removal: %v", err)
	}
	if err := bob.Merge(pm.Commit); err != nil {
		t.Fatal(err)
	}
	bob = roundTripGroup(t, bob)
	if _, ok := bob.OwnLeaf(); ok {
		t.Error("a removed member has a leaf")
	}
	if got, err := bob.Process(late); err != nil || string(got.ApplicationData) != "late" {
		t.Errorf("a removed member reading a late message: %v", err)
	}
	if _, err := bob.Commit(nil); !errors.Is(err, ErrNotMember) {
		t.Errorf("a removed member committing: %v", err)
	}
}

// TestUnmarshalGroupRejects checks that damaged states are refused with
// ErrInvalidGroupState, never a panic.
func TestUnmarshalGroupRejects(t *testing.T) {
	tg := newTestGroup(t, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, "alice", nil)
	tg.add("alice", "bob")
	enc, err := tg.members["alice"].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"truncated": enc[:len(enc)-1],
		"trailing":  append(bytes.Clone(enc), 0),
		"magic":     append([]byte("XRMLSGRP"), enc[8:]...),
		"version":   append(append([]byte(groupStateMagic), 0, 2), enc[10:]...),
	} {
		if _, err := UnmarshalGroup(data, nil); !errors.Is(err, ErrInvalidGroupState) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every single-byte change is refused or gives a working group.
	for i := range enc {
		data := bytes.Clone(enc)
		data[i] ^= 0x41
		if g, err := UnmarshalGroup(data, nil); err == nil {
			_, _ = g.MarshalBinary()
		} else if !errors.Is(err, ErrInvalidGroupState) {
			t.Fatalf("byte %d: %v", i, err)
		}
	}
}

// TestKeyPackagePrivateKeysForJoin checks that stored KeyPackage private
// keys still join.
func TestKeyPackagePrivateKeysForJoin(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	tg := newTestGroup(t, cs, "alice", nil)
	c := newTestClient(t, cs, "bob")
	kp, keys := c.keyPackage(t)
	enc, err := keys.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := UnmarshalKeyPackagePrivateKeys(enc)
	if err != nil {
		t.Fatal(err)
	}
	tg.commit("alice", &CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *kp}}}, map[string]*joinerKeys{"bob": {kp, stored}})
	tg.exchange()
}
