package e2ee

import (
	"fmt"
	"slices"
	"testing"
)

// TestFiveMemberCall runs a call of five members with frames flowing while
// one member is added and another removed, and checks that every frame is
// opened by exactly the members who should open it: the members of the
// epoch it was sealed in, and no one who was not (a member removed, or not
// yet added), and that the safety codes agree in every epoch.
func TestFiveMemberCall(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol", "dave", "erin")
	type sent struct {
		from  string
		epoch uint64
		pkt   []byte
		frame []byte
		// members of the epoch the frame was sealed in
		audience []string
	}
	var log []sent
	names := func() []string {
		var out []string
		for _, m := range c.members {
			out = append(out, m.name)
		}
		return out
	}
	opened := 0
	// round seals one frame per member and delivers every frame of the
	// round to every client the test knows, current or gone.
	round := func(n int) {
		var batch []sent
		for _, m := range c.members {
			f := testFrame(160, byte(n))
			batch = append(batch, sent{from: m.name, epoch: m.s.Epoch(), pkt: c.seal(m.name, CodecOpus, f), frame: f, audience: names()})
		}
		for _, x := range batch {
			for _, m := range append(slices.Clone(c.members), c.gone...) {
				if m.name == x.from {
					continue
				}
				_, _, err := m.s.Open(nil, x.pkt)
				should := slices.Contains(x.audience, m.name)
				switch {
				case should && err != nil:
					t.Fatalf("round %d: %s cannot open %s's frame of epoch %d: %v", n, m.name, x.from, x.epoch, err)
				case !should && err == nil:
					t.Fatalf("round %d: %s opened %s's frame of epoch %d, sealed for %v", n, m.name, x.from, x.epoch, x.audience)
				}
				if err == nil {
					opened++
				}
			}
		}
		log = append(log, batch...)
	}
	for n := range 3 {
		round(n)
	}
	c.add("carol", "frank")
	for n := 3; n < 6; n++ {
		round(n)
	}
	c.remove("alice", "bob")
	for n := 6; n < 9; n++ {
		round(n)
	}
	c.update("frank")
	round(9)

	// frank, added in the second epoch, never opens the first epoch's
	// frames; bob, removed, opens none sealed after his removal.
	frank, bob := c.member("frank").s, c.member("bob").s
	for _, x := range log {
		if x.from != "frank" && !slices.Contains(x.audience, "frank") {
			if _, _, err := frank.Open(nil, x.pkt); err == nil {
				t.Fatalf("frank opened a frame of epoch %d sealed before he joined", x.epoch)
			}
		}
		if x.from != "bob" && !slices.Contains(x.audience, "bob") {
			if _, _, err := bob.Open(nil, x.pkt); err == nil {
				t.Fatalf("bob opened a frame of epoch %d sealed after his removal", x.epoch)
			}
		}
	}
	if got := fmt.Sprint(names()); got != "[alice carol dave erin frank]" {
		t.Fatalf("members %s", got)
	}
	// 3 rounds of 5 senders to 4, 3 of 6 to 5, 4 of 5 to 4.
	if want := 3*5*4 + 3*6*5 + 4*5*4; opened != want {
		t.Fatalf("%d frames opened, want %d", opened, want)
	}
}
