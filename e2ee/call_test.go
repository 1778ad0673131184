package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestFiveMemberCall runs a call of five members on the real MLS group,
// with frames flowing while a member is added and another removed, and
// checks that every frame is opened by exactly the members who should
// open it and by no one else, and that the safety codes agree in every
// epoch (testCall.checkCodes, after each commit).
//
// Who should open a frame: every member of the epoch it was sealed in
// but its sender, as long as that epoch's keys are live for the member.
// A member added later has never had them; one removed has them for the
// grace period, for frames still in flight, and then no longer; every
// member erases them once the grace period after the next commit ends.
// Frames sealed just before each commit are delivered just after it, as
// on the network.
func TestFiveMemberCall(t *testing.T) {
	c := newCall(t, Config{}, "alice", "bob", "carol", "dave", "erin")
	type sent struct {
		from     string
		epoch    uint64
		pkt      []byte
		frame    []byte
		audience []string // the members of the epoch the frame was sealed in
	}
	names := func() []string {
		var out []string
		for _, m := range c.members {
			out = append(out, m.name)
		}
		return out
	}
	everyone := func() []*testMember { return append(slices.Clone(c.members), c.gone...) }
	var log []sent
	opened, refused := 0, 0
	// seal seals one frame per member.
	seal := func(n int) []sent {
		var batch []sent
		for _, m := range c.members {
			f := testFrame(160, byte(n))
			batch = append(batch, sent{from: m.name, epoch: m.s.Epoch(), pkt: c.seal(m.name, CodecOpus, f), frame: f, audience: names()})
		}
		log = append(log, batch...)
		return batch
	}
	// deliver gives every frame of batch to every client the test knows,
	// current or gone; live says whether the frame's epoch is still live
	// for its audience.
	deliver := func(batch []sent, live bool) {
		t.Helper()
		for _, x := range batch {
			for _, m := range everyone() {
				if m.name == x.from {
					continue
				}
				got, snd, err := m.s.Open(nil, x.pkt)
				should := live && slices.Contains(x.audience, m.name)
				switch {
				case should && err != nil:
					t.Fatalf("%s cannot open %s's frame of epoch %d: %v", m.name, x.from, x.epoch, err)
				case !should && err == nil:
					t.Fatalf("%s opened %s's frame of epoch %d, sealed for %v (live %v)", m.name, x.from, x.epoch, x.audience, live)
				case err == nil:
					if !bytes.Equal(got, x.frame) || string(snd.Identity) != x.from || snd.Epoch != x.epoch {
						t.Fatalf("%s: frame of %s in epoch %d came out as %q's of epoch %d", m.name, x.from, x.epoch, snd.Identity, snd.Epoch)
					}
					opened++
				case !errors.Is(err, ErrUnknownEpoch) && !errors.Is(err, ErrEpochExpired):
					t.Fatalf("%s: %s's frame of epoch %d refused for the wrong reason: %v", m.name, x.from, x.epoch, err)
				default:
					refused++
				}
			}
		}
	}
	rounds := func(from, to int) {
		for n := from; n < to; n++ {
			deliver(seal(n), true)
		}
	}

	rounds(0, 3)
	inFlight := seal(3)
	c.add("carol", "frank")
	deliver(inFlight, true) // frank was not in that epoch: he cannot open them
	rounds(4, 7)
	inFlight = seal(7)
	late := seal(8)
	c.remove("alice", "bob")
	deliver(inFlight, true) // bob still opens frames of his last epoch
	rounds(9, 12)
	c.clock.Advance(DefaultGrace)
	deliver(late, false) // past the grace period: nobody, bob included
	c.update("frank")
	rounds(12, 13)

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
	// Epoch 1: 4 rounds (3 + the frames in flight) of 5 senders to 4.
	// Epoch 2: 4 rounds of 6 senders to 5; the late round to nobody.
	// Epoch 3: 3 rounds of 5 to 4; epoch 4: 1 round of 5 to 4.
	if want := 4*5*4 + 4*6*5 + 3*5*4 + 1*5*4; opened != want {
		t.Fatalf("%d frames opened, want %d", opened, want)
	}
	// Refused: frank the 5 frames in flight of epoch 1; everyone (6
	// clients but the sender) the 6 late frames of epoch 2; bob the 3
	// rounds of epoch 3 and the round of epoch 4.
	if want := 5 + 6*5 + 3*5 + 5; refused != want {
		t.Fatalf("%d frames refused, want %d", refused, want)
	}
}
