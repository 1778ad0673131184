package keyschedule

import (
	"fmt"
	"math"

	"github.com/sealroom/sealroom/frame"
)

// Ratchet moves this member's sending to the next ratchet step of the
// sending epoch and returns the new step. It is the sender-key ratchet of
// RFC 9605 §5.1 applied to the epoch's §5.2 base key, for forward secrecy
// within a long epoch:
//
//	base_key[0]   = MLS-Exporter("SFrame 1.0 Base Key", "", Nk)
//	base_key[i+1] = HKDF-Expand(HKDF-Extract("", base_key[i]), "SFrame 1.0 Ratchet", Nh)
//	KID           = context << (R+S+E) | i % 2^R << (S+E) | leaf << E | epoch % 2^E
//
// Each sender's key at step i is derive_key_salt(KID, base_key[i]) (RFC
// 9605 §4.4.2), distinct per sender because the KID is. The layout's
// RatchetBits R must be at least 1 (else ErrRatchetDisabled). At step 0
// the KID and key are those of plain §5.2, so an epoch in which nobody
// ratchets interoperates with any §5.2 implementation that uses the same
// S and E and context bits R wide.
//
// # KID layout and the window
//
// §5.2's KID has no room for a ratchet step, so the low R bits of its
// context field carry the step's low bits, as §5.1 sends them; only
// ContextBits remain for the sender's own context value, and every member
// must agree on R. A receiver reads a step from its R bits relative to
// its own floor: the steps it accepts form the window [floor,
// floor+2^R). Ratchet raises this member's floor to step-(2^(R-1)-1), so
// it accepts frames from senders up to 2^(R-1)-1 steps behind it and
// 2^(R-1) ahead (with R = 2: one behind, two ahead). Members must
// therefore ratchet on a common schedule, for instance every few minutes
// of the epoch; MLS restarts every member at step 0 in each new epoch.
//
// # What it protects
//
// The base keys form one chain per epoch, shared by all senders: RFC 9605
// §5.2 derives one base key per epoch, and §5.1's ratchet has no input
// that could separate senders. Ratchet erases the chain below the new
// floor, with the receive keys of those steps and this member's previous
// send key. A member compromised afterwards reveals the frames of every
// sender at steps from its floor on, but none from earlier steps: forward
// secrecy holds for steps older than the window, for all senders at once.
// Older epochs keep the floor they had; DropEpoch them as usual.
func (s *Schedule) Ratchet() (uint64, error) {
	r := s.layout.RatchetBits
	if r == 0 {
		return 0, newError("ratchet", ErrRatchetDisabled, "")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.send.Load()
	if st == nil {
		return 0, newError("ratchet", ErrUnknownEpoch, "no epoch installed for sending")
	}
	ep := st.ep
	if st.step == math.MaxUint64 {
		return 0, newError("ratchet", nil, "every ratchet step has been used").at(ep.number)
	}
	next := st.step + 1
	base, err := ep.chainAt(s.suite, r, next)
	if err != nil {
		return 0, newError("ratchet", nil, "").at(ep.number).from(ep.self).wrap(err)
	}

	// Remove what leaves before publishing: the old send keys, then the
	// receive keys below the new floor.
	s.removeSendKeys(ep)
	if behind := uint64(1)<<(r-1) - 1; next > behind && next-behind > ep.floor {
		s.raiseFloor(ep, next-behind)
	}
	kid := s.layout.kid(0, next, ep.self, ep.number)
	key, err := s.addSendKey(kid, base)
	s.publish(ep.number&lowMask(s.layout.EpochBits), &view{ep: ep, floor: ep.floor})
	if err != nil {
		s.send.Store(nil)
		return 0, newError("ratchet", nil, "send key").at(ep.number).from(ep.self).wrap(err)
	}
	ep.send = append(ep.send, kid)
	s.send.Store(&sendState{ep: ep, step: next, kid: kid, key: key})
	return next, nil
}

// raiseFloor removes ep's receive keys below floor and zeroes the base
// keys of those steps. The caller holds s.mu and publishes a new view
// afterwards.
func (s *Schedule) raiseFloor(ep *epoch, floor uint64) {
	var kids []frame.KID
	for kid, step := range ep.recv {
		if step < floor {
			kids = append(kids, kid)
			delete(ep.recv, kid)
		}
	}
	_ = s.ctx.RemoveKeys(kids)
	n := min(floor-ep.floor, uint64(len(ep.chain)))
	for _, b := range ep.chain[:n] {
		b.Zero()
	}
	ep.chain = ep.chain[n:]
	ep.floor = floor
}

// chainAt returns the base key of step in ep's chain (RFC 9605 §5.1),
// ratcheting forward from the newest key held. The step must lie in the
// window [floor, floor+2^r). The caller holds s.mu.
func (ep *epoch) chainAt(suite frame.Suite, r uint, step uint64) (frame.BaseKey, error) {
	if step < ep.floor || step-ep.floor > lowMask(r) {
		return frame.BaseKey{}, fmt.Errorf("ratchet step %d outside the window of %d steps from %d", step, uint64(1)<<r, ep.floor)
	}
	if len(ep.chain) == 0 {
		// Ratcheting from a floor above every step derived so far.
		return frame.BaseKey{}, fmt.Errorf("ratchet step %d: base key erased", step)
	}
	for i := step - ep.floor; uint64(len(ep.chain)) <= i; {
		next, err := ep.chain[len(ep.chain)-1].Ratchet(suite)
		if err != nil {
			return frame.BaseKey{}, err
		}
		ep.chain = append(ep.chain, next)
	}
	return ep.chain[step-ep.floor], nil
}
