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
// In the steady state Open takes no lock of its own and, with enough
// capacity in dst, does not allocate. Every receive key carries the epoch
// and ratchet step it was derived for (frame.Context's key values), so a
// frame is attributed to exactly the key that authenticated it, even one
// opened while its epoch is dropped or evicted or its ratchet step
// retired: removing a key waits for the Opens using it. A frame that
// comes after the removal is refused: with ErrUnknownEpoch if no live
// epoch has its epoch bits, and otherwise with frame.ErrAuthentication,
// its KID then naming a newer key (an epoch with the same low E bits, or
// a later ratchet step with the same low R bits).
func (s *Schedule) Open(dst, metadata, ciphertext []byte) (out []byte, src Source, err error) {
	// Small enough to be inlined, so that openSource writes the Source
	// straight into the caller's variable: a Source returned through
	// another function's results is copied through memory, which costs
	// more than the rest of this layer.
	out, err = s.openSource(dst, metadata, ciphertext, &src)
	return out, src, err
}

// openSource is Open writing the Source to *src.
func (s *Schedule) openSource(dst, metadata, ciphertext []byte, src *Source) ([]byte, error) {
	out, h, k, err := s.OpenKey(dst, metadata, ciphertext)
	if k == nil {
		if out, h, k, err = s.FinishOpen(dst, out, metadata, ciphertext, h, err); err != nil {
			*src = Source{Header: h}
			return nil, err
		}
	}
	src.Epoch, src.Leaf, src.Context, src.Step, src.Header = k.Epoch, k.Leaf, s.layout.parts(h.KID).Context, k.Step, h
	return out, nil
}

// OpenEpoch is Open for callers that need no more of the Source than the
// epoch and the header: the sender's leaf and context are in the header's
// KID (Layout.ParseKID). Three words fewer than a Source, its results fit
// in registers, which saves copying a Source through memory on every
// frame. On error the header is returned as Open returns it in the Source.
func (s *Schedule) OpenEpoch(dst, metadata, ciphertext []byte) ([]byte, uint64, frame.Header, error) {
	out, h, k, err := s.OpenKey(dst, metadata, ciphertext)
	if k == nil {
		if out, h, k, err = s.FinishOpen(dst, out, metadata, ciphertext, h, err); err != nil {
			return nil, 0, h, err
		}
	}
	return out, k.Epoch, h, nil
}

// Key is what the Schedule attaches to each receive key (a frame.Context
// key value, see frame.Context.AddReceiveKeysWithValues): the epoch and
// ratchet step the key was derived for, the sender's leaf, and the
// caller's value for that sender in that epoch (Epoch.Values). A Key
// never changes; do not modify one.
type Key struct {
	Epoch uint64
	Step  uint64
	Leaf  uint32
	Value any
}

// OpenKey is the steady-state part of Open, for a caller on the hot path
// that attributes frames itself: frame.Context.OpenWithValue on the
// Schedule's keys, returning the Key of the key that opened the frame.
// It is small enough to be inlined, which saves a call layer per frame.
//
// A nil Key means OpenKey did not finish: the first frame under a KID
// (whose key is derived on demand) and every error. The caller then
// passes all of OpenKey's results to FinishOpen, which returns what Open
// would have; out, h and err alone are not Open's results.
func (s *Schedule) OpenKey(dst, metadata, ciphertext []byte) (out []byte, h frame.Header, k *Key, err error) {
	out, h, v, err := s.ctx.OpenWithValue(dst, metadata, ciphertext)
	k, _ = v.(*Key) // a value comes only with a frame
	return out, h, k, err
}

// FinishOpen finishes an OpenKey that returned a nil Key, given the same
// dst, metadata and ciphertext and OpenKey's out, h and err: an unknown
// KID gets its key derived and the frame is opened again; other errors
// are wrapped as Open wraps them. On error the header is returned as Open
// returns it in the Source.
func (s *Schedule) FinishOpen(dst, out, metadata, ciphertext []byte, h frame.Header, err error) ([]byte, frame.Header, *Key, error) {
	if err == nil {
		return nil, h, nil, s.refuseKeyless(dst, out, h)
	}
	if !errors.Is(err, frame.ErrUnknownKID) {
		return nil, h, nil, s.openError(h, err)
	}
	if err := s.installReceiveKey(h.KID); err != nil {
		return nil, h, nil, err
	}
	out, h, k, err := s.OpenKey(dst, metadata, ciphertext)
	if err != nil {
		return nil, h, nil, s.openError(h, err)
	}
	if k == nil {
		return nil, h, nil, s.refuseKeyless(dst, out, h)
	}
	return out, h, k, nil
}

// refuseKeyless erases the plaintext of a frame opened by a key without
// a Key, and refuses it. Every receive key the Schedule adds has one,
// so this cannot happen; it is here so that an unattributed frame could
// never be released.
func (s *Schedule) refuseKeyless(dst, out []byte, h frame.Header) error {
	clear(out[len(dst):])
	return newError("open", ErrUnknownEpoch, "the key has no epoch").from(s.layout.parts(h.KID).Leaf)
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
	keys := make([]Key, len(kids))
	values := make([]any, len(kids))
	for i, kid := range kids {
		leaf := s.layout.parts(kid).Leaf
		keys[i] = Key{Epoch: ep.number, Step: step, Leaf: leaf, Value: ep.values[leaf]}
		values[i] = &keys[i]
	}
	if err := s.ctx.AddReceiveKeysWithValues(base, kids, values); err != nil {
		return newError("open", nil, "").at(ep.number).from(p.Leaf).wrap(err)
	}
	for _, k := range kids {
		ep.recv[k] = step
	}
	return nil
}
