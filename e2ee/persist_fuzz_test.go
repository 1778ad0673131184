package e2ee

import (
	"bytes"
	"testing"
)

// FuzzRestore: Restore never panics on stored state, and what it accepts
// stores back to the same bytes. The seeds are states of a real call: a
// plain member, one with a commit pending, one with a proposal pending.
func FuzzRestore(f *testing.F) {
	c := newCall(f, Config{}, "alice", "bob", "carol")
	store := func(s *Session) {
		data, err := s.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	store(c.member("alice").s)
	if _, err := c.member("bob").s.Update(); err != nil {
		f.Fatal(err)
	}
	store(c.member("bob").s)
	if _, err := c.member("carol").s.Leave(); err != nil {
		f.Fatal(err)
	}
	store(c.member("carol").s)
	f.Add([]byte(sessionStateMagic))
	cfg := c.cfg
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Restore(data, cfg)
		if err != nil {
			return
		}
		defer s.Close()
		again, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("restored state does not store: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("restored state stores as %d other bytes", len(again))
		}
	})
}

// FuzzUnmarshalKeyPackagePrivate: the decoder never panics, and what it
// accepts encodes back to the same bytes.
func FuzzUnmarshalKeyPackagePrivate(f *testing.F) {
	for _, suite := range authSuites {
		id, err := NewIdentity([]byte("fuzz"), suite)
		if err != nil {
			f.Fatal(err)
		}
		_, priv, err := NewKeyPackage(id)
		if err != nil {
			f.Fatal(err)
		}
		data, err := priv.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(keyPackagePrivateMagic + "\x00\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := UnmarshalKeyPackagePrivate(data)
		if err != nil {
			return
		}
		again, err := k.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("%x encodes back as %x (%v)", data, again, err)
		}
	})
}
