package keyschedule

import (
	"errors"
	"fmt"

	"github.com/sealroom/sealroom/frame"
)

// Source says who sent a frame that Open accepted: the fields of its KID
// (RFC 9605 §5.2), with the epoch and ratchet step resolved to their full
// values, and the frame's header.
type Source struct {
	Epoch   uint64
	Leaf    uint32
	Context uint64
	Step    uint64
	Header  frame.Header
}

// Open authenticates and decrypts an SFrame ciphertext from another member
// (RFC 9605 §4.4.4), appends the plaintext to dst like frame.Context.Open
// and says who sent it. metadata must be what the frame was sealed with.
//
// The first frame under a KID derives its key (for context 0, the keys of
// every member of the epoch at once; see Schedule): the KID's low E bits
// must name a live epoch (else ErrUnknownEpoch), its leaf one of the
// epoch's members (else ErrNotMember) other than this one (else
// ErrOwnKID), and a KID with bits outside the layout fails with
// ErrInvalidKID. Errors of the
// frame layer (frame.ErrAuthentication, frame.ErrReplay,
// frame.ErrMalformedHeader, ...) are wrapped and match errors.Is. On
// error, Source holds the header if it parsed, unauthenticated, so that a
// caller may keep a frame for an epoch it has not installed yet (RFC 9605
// §4.4.4).
//
// In the steady state Open takes no lock and, with enough capacity in dst,
// does not allocate. A frame opened at the moment its epoch is dropped or
// evicted, or its ratchet step retired, cannot be attributed with
// certainty; its plaintext is erased and it fails with ErrUnknownEpoch.
func (s *Schedule) Open(dst, metadata, ciphertext []byte) ([]byte, Source, error) {
	t := s.table.Load()
	out, h, err := s.ctx.Open(dst, metadata, ciphertext)
	if err != nil {
		return s.openSlow(dst, metadata, ciphertext, h, err)
	}
	l := &s.layout
	v := s.stableView(t, h.KID)
	if v == nil {
		return s.refuseRaced(dst, out, h)
	}
	// The source of the default layout, written out here: calling source
	// costs several percent of a small frame's Open.
	src := Source{Epoch: v.ep.number, Leaf: uint32(uint64(h.KID) >> l.EpochBits & lowMask(l.LeafBits)), Header: h}
	if l.ContextBits|l.RatchetBits != 0 {
		src = s.source(v, h)
	}
	return out, src, nil
}

// openSlow handles a frame that frame.Context.Open refused: an unknown
// KID gets its key derived and the frame is opened again; other errors
// are wrapped.
func (s *Schedule) openSlow(dst, metadata, ciphertext []byte, h frame.Header, err error) ([]byte, Source, error) {
	if !errors.Is(err, frame.ErrUnknownKID) {
		return nil, Source{Header: h}, s.openError(h, err)
	}
	if err := s.installReceiveKey(h.KID); err != nil {
		return nil, Source{Header: h}, err
	}
	t := s.table.Load()
	out, h, err := s.ctx.Open(dst, metadata, ciphertext)
	if err != nil {
		return nil, Source{Header: h}, s.openError(h, err)
	}
	v := s.stableView(t, h.KID)
	if v == nil {
		return s.refuseRaced(dst, out, h)
	}
	return out, s.source(v, h), nil
}

// stableView returns the view to attribute a frame under kid to, given t,
// the table loaded before frame.Context.Open found the frame's key, or nil
// if the frame cannot be attributed.
//
// Every change to the keys of a slot (eviction, drop, a ratchet floor
// raised) removes keys from the frame.Context before it publishes the
// table that reflects it, and keys are added only under the published
// view, with steps in its window. So if the slot holds the same view
// before and after Open, the key that opened the frame belongs to that
// view (views are never reused, so equal pointers mean an unchanged slot).
// If the view changed, see changedView.
func (s *Schedule) stableView(t *table, kid frame.KID) *view {
	i := uint64(kid) & lowMask(s.layout.EpochBits)
	v := t.slots[i]
	if now := s.table.Load(); now != t && now.slots[i] != v {
		return s.changedView(v, now.slots[i], kid)
	}
	return v
}

// changedView attributes a frame whose slot changed from view v to view
// now while it was opened. A different epoch (eviction, drop) cannot be
// told apart: nil. Within one epoch only the ratchet floor moves. The
// frame's key was installed, when Open found it, under some view u
// between v and now, with its step s in u's window; the window of u
// covers the overlap of v's and now's windows. So if the frame's step
// bits give the same step x under v and under now, x lies in that overlap,
// in u's window too, and s = x. If they differ, the key may have been
// one of the steps the new floor removed: nil.
func (s *Schedule) changedView(v, now *view, kid frame.KID) *view {
	if v == nil || now == nil || v.ep != now.ep {
		return nil
	}
	low := s.layout.parts(kid).Step
	if r := s.layout.RatchetBits; v.step(r, low) != now.step(r, low) {
		return nil
	}
	return now
}

// source returns the Source of a frame with header h opened under a key
// of v.
func (s *Schedule) source(v *view, h frame.Header) Source {
	p := s.layout.parts(h.KID)
	return Source{
		Epoch:   v.ep.number,
		Leaf:    p.Leaf,
		Context: p.Context,
		Step:    v.step(s.layout.RatchetBits, p.Step),
		Header:  h,
	}
}

// refuseRaced erases the plaintext of a frame that opened while its
// epoch changed, and refuses it.
func (s *Schedule) refuseRaced(dst, out []byte, h frame.Header) ([]byte, Source, error) {
	clear(out[len(dst):])
	return nil, Source{Header: h}, newError("open", ErrUnknownEpoch,
		"the epoch changed while the frame was opened").from(s.layout.parts(h.KID).Leaf)
}

// step returns the full ratchet step whose low r bits are low: the one in
// the window [floor, floor+2^r).
func (v *view) step(r uint, low uint64) uint64 {
	return v.floor + (low-v.floor)&lowMask(r)
}

// openError wraps an error of frame.Context.Open with what the header
// says about the frame's sender.
func (s *Schedule) openError(h frame.Header, err error) error {
	e := newError("open", nil, "").wrap(err)
	switch {
	case errors.Is(err, frame.ErrMalformedHeader):
		return e
	case errors.Is(err, frame.ErrKeyUsage):
		e.kind = ErrOwnKID
	case errors.Is(err, frame.ErrUnknownKID):
		// The key was removed between its installation and the retry.
		e.kind = ErrUnknownEpoch
	}
	p, perr := s.layout.ParseKID(h.KID)
	if perr != nil {
		return e
	}
	e.from(p.Leaf)
	if v := s.table.Load().slots[p.Epoch]; v != nil {
		e.at(v.ep.number)
	}
	return e
}

// installReceiveKey derives and installs the receive key of kid, unless
// another goroutine has just done so.
func (s *Schedule) installReceiveKey(kid frame.KID) error {
	p, err := s.layout.ParseKID(kid)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.table.Load().slots[p.Epoch]
	if v == nil {
		return newError("open", ErrUnknownEpoch,
			fmt.Sprintf("no live epoch has low bits %d", p.Epoch)).from(p.Leaf)
	}
	ep := v.ep
	switch {
	case p.Leaf == ep.self:
		return newError("open", ErrOwnKID, "").at(ep.number).from(p.Leaf)
	case !ep.members.has(p.Leaf):
		return newError("open", ErrNotMember, "").at(ep.number).from(p.Leaf)
	}
	if _, ok := ep.recv[kid]; ok {
		return nil
	}
	// Under s.mu the published view's floor is ep.floor.
	step := v.step(s.layout.RatchetBits, p.Step)
	base, err := ep.chainAt(s.suite, s.layout.RatchetBits, step)
	if err != nil {
		return newError("open", nil, "").at(ep.number).from(p.Leaf).wrap(err)
	}
	// Context 0, the one senders use unless they need more, is derived
	// for every member at once: its first frame in an epoch (or ratchet
	// step) is soon followed by the other senders' first frames, and one
	// batch shares HKDF-Extract and one update of the frame.Context's key
	// set. Other contexts are derived one KID at a time.
	kids := []frame.KID{kid}
	if p.Context == 0 {
		kids = kids[:0]
		for _, leaf := range ep.members {
			k := s.layout.kid(0, step, leaf, ep.number)
			if _, ok := ep.recv[k]; !ok && leaf != ep.self {
				kids = append(kids, k)
			}
		}
	}
	if err := s.ctx.AddReceiveKeys(base, kids); err != nil {
		return newError("open", nil, "").at(ep.number).from(p.Leaf).wrap(err)
	}
	for _, k := range kids {
		ep.recv[k] = step
	}
	return nil
}
