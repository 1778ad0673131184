package keyschedule

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

var ratchetLayout = Layout{RatchetBits: 2, LeafBits: 10, EpochBits: 4}

func mustRatchet(t testing.TB, s *Schedule, want uint64) {
	t.Helper()
	got, err := s.Ratchet()
	if err != nil || got != want {
		t.Fatalf("Ratchet: step %d, %v; want %d", got, err, want)
	}
}

// TestRatchetKeys checks a ratcheted frame against frame's own §5.1
// ratchet and §4.4.2 derivation: the key of leaf 1 at step 2 is
// derive_key_salt(KID, Ratchet(Ratchet(base_key))).
func TestRatchetKeys(t *testing.T) {
	cfg := Config{Layout: ratchetLayout}
	g := group(t, cfg, 6, 0, 1)
	mustRatchet(t, g[1], 1)
	mustRatchet(t, g[1], 2)
	ct := mustSeal(t, g[1], 0, nil, []byte("step 2"))

	b1, _ := testBase(0, 6).Ratchet(frame.DefaultSuite)
	b2, _ := b1.Ratchet(frame.DefaultSuite)
	kid, _ := ratchetLayout.KID(KIDParts{Step: 2, Leaf: 1, Epoch: 6})
	c, _ := frame.NewContext(frame.Config{})
	if err := c.AddReceiveKey(kid, b2); err != nil {
		t.Fatal(err)
	}
	if pt, h, err := c.Open(nil, nil, ct); err != nil || string(pt) != "step 2" || h.KID != kid {
		t.Fatalf("frame.Context with the ratcheted key: %q %+v %v", pt, h, err)
	}
	// Leaf 0 has not ratcheted: step 2 is ahead of it by 2, inside its
	// window [0, 4).
	pt, src := mustOpen(t, g[0], nil, ct)
	if string(pt) != "step 2" || src.Step != 2 || src.Leaf != 1 || src.Epoch != 6 {
		t.Fatalf("opened %q from %+v", pt, src)
	}
}

// TestRatchetStepZero checks that step 0 of a ratchet layout is plain RFC
// 9605 §5.2: the same KID and key as a layout whose context field is R
// bits wide.
func TestRatchetStepZero(t *testing.T) {
	r := group(t, Config{Layout: ratchetLayout}, 3, 5, 6)
	plain := group(t, Config{Layout: Layout{ContextBits: 2, LeafBits: 10, EpochBits: 4}}, 3, 5, 6)
	a := mustSeal(t, r[0], 0, []byte("m"), []byte("same"))
	b := mustSeal(t, plain[0], 0, []byte("m"), []byte("same"))
	if !bytes.Equal(a, b) {
		t.Fatalf("step 0 frame %x differs from the plain §5.2 frame %x", a, b)
	}
	mustOpen(t, plain[1], []byte("m"), a)
}

// TestRatchetWindow runs three members through ten steps in lockstep
// (the KID's 2 step bits wrap twice) and checks which steps stay
// readable: one behind, the current, and up to two ahead.
func TestRatchetWindow(t *testing.T) {
	cfg := Config{Layout: ratchetLayout}
	g := group(t, cfg, 1, 0, 1, 2)
	var prev []byte // leaf 1's frame of the previous step, not yet opened
	for step := uint64(0); step < 10; step++ {
		if step > 0 {
			for _, m := range g {
				mustRatchet(t, m, step)
			}
		}
		ct := mustSeal(t, g[1], 0, nil, []byte{byte(step)})
		for _, r := range []*Schedule{g[0], g[2]} {
			pt, src := mustOpen(t, r, nil, ct)
			if src.Step != step || pt[0] != byte(step) {
				t.Fatalf("step %d: opened step %d, %x", step, src.Step, pt)
			}
		}
		if prev != nil {
			// One step behind: still readable.
			if _, src := mustOpen(t, g[0], nil, prev); src.Step != step-1 {
				t.Fatalf("step %d: late frame attributed to step %d", step, src.Step)
			}
		}
		prev = mustSeal(t, g[1], 0, nil, []byte{byte(step)})
	}
	// Two behind: the floor is past it, its KID bits now name a step
	// ahead, and the frame does not authenticate.
	old := mustSeal(t, g[2], 0, nil, []byte("step 9"))
	for _, m := range g {
		mustRatchet(t, m, 10)
		mustRatchet(t, m, 11)
	}
	if _, _, err := g[0].Open(nil, nil, old); !errors.Is(err, frame.ErrAuthentication) {
		t.Fatalf("frame two steps behind: %v, want frame.ErrAuthentication", err)
	}
	// Ahead by two: readable; by three: outside the window.
	ahead := newTestSchedule(t, cfg)
	install(t, ahead, 1, 2, 0, 1, 2)
	for range 13 {
		if _, err := ahead.Ratchet(); err != nil {
			t.Fatal(err)
		}
	}
	if _, src := mustOpen(t, g[0], nil, mustSeal(t, ahead, 0, nil, nil)); src.Step != 13 {
		t.Fatalf("two ahead: step %d", src.Step)
	}
	mustRatchet(t, ahead, 14)
	if _, _, err := g[0].Open(nil, nil, mustSeal(t, ahead, 0, nil, nil)); !errors.Is(err, frame.ErrAuthentication) {
		t.Fatalf("three ahead: %v, want frame.ErrAuthentication", err)
	}
}

// TestRatchetErases checks what Ratchet erases: the previous send key,
// the receive keys below the floor, and the chain below it.
func TestRatchetErases(t *testing.T) {
	cfg := Config{Layout: ratchetLayout}
	g := group(t, cfg, 2, 0, 1)
	base := testBase(0, 2)
	keep := base
	s := newTestSchedule(t, cfg)
	if err := s.InstallEpoch(Epoch{Number: 2, BaseKey: base, Self: 0, Members: []uint32{0, 1}}); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, s, nil, mustSeal(t, g[1], 0, nil, nil)) // leaf 1, step 0
	mustRatchet(t, g[1], 1)
	mustOpen(t, s, nil, mustSeal(t, g[1], 0, nil, nil)) // leaf 1, step 1
	mustRatchet(t, s, 1)                                // floor stays 0
	if isZero(keep) || len(s.ctx.KIDs()) != 3 {
		t.Fatalf("after step 1: zeroed %v, keys %v", isZero(keep), s.ctx.KIDs())
	}
	mustRatchet(t, s, 2) // floor 1: step 0 goes
	if !isZero(keep) {
		t.Fatal("base key of step 0 not zeroed after the floor passed it")
	}
	kids := s.ctx.KIDs()
	step1, _ := ratchetLayout.KID(KIDParts{Step: 1, Leaf: 1, Epoch: 2})
	send2, _ := ratchetLayout.KID(KIDParts{Step: 2, Leaf: 0, Epoch: 2})
	if len(kids) != 2 || kids[0] != step1 || kids[1] != send2 {
		t.Fatalf("keys after step 2: %#x, want leaf 1 step 1 %#x and own step 2 %#x", kids, step1, send2)
	}
	ep := s.send.Load().ep
	if ep.floor != 1 || len(ep.chain) != 2 {
		t.Fatalf("floor %d, %d chain keys; want 1 and 2", ep.floor, len(ep.chain))
	}
	// A new epoch starts at step 0 again.
	install(t, s, 3, 0, 0, 1)
	if h, _ := s.NextHeader(0); h.KID != 0<<4|3 {
		t.Fatalf("new epoch sends with KID %#x", h.KID)
	}
}

func TestRatchetErrors(t *testing.T) {
	if _, err := newTestSchedule(t, Config{}).Ratchet(); !errors.Is(err, ErrRatchetDisabled) {
		t.Errorf("ratchet without ratchet bits: %v", err)
	}
	if _, err := newTestSchedule(t, Config{Layout: ratchetLayout}).Ratchet(); !errors.Is(err, ErrUnknownEpoch) {
		t.Errorf("ratchet without an epoch: %v", err)
	}
	// R = 1: the floor follows the own step, nothing behind is kept.
	cfg := Config{Layout: Layout{RatchetBits: 1, LeafBits: 10, EpochBits: 4}}
	g := group(t, cfg, 1, 0, 1)
	old := mustSeal(t, g[1], 0, nil, nil)
	mustRatchet(t, g[0], 1)
	if _, _, err := g[0].Open(nil, nil, old); !errors.Is(err, frame.ErrAuthentication) {
		t.Errorf("R = 1, frame one step behind: %v", err)
	}
}
