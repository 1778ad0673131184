package keyschedule

import (
	"errors"
	"fmt"

	"github.com/sealroom/sealroom/frame"
)

// Seal encrypts plaintext as this member's frame in the sending epoch
// (RFC 9605 §4.4.3) and appends the SFrame ciphertext to dst, like
// frame.Context.Seal. The KID is that of context under the layout (RFC
// 9605 §5.2): most callers send everything with context 0, whose key is
// derived when the epoch is installed; the key of another context is
// derived on its first frame. metadata is authenticated, not encrypted,
// and Open must be given the same.
//
// Without an epoch to send in, Seal fails with ErrUnknownEpoch. In the
// steady state it takes no lock and, with enough capacity in dst
// (MaxOverhead), does not allocate.
func (s *Schedule) Seal(dst []byte, context uint64, metadata, plaintext []byte) ([]byte, error) {
	// The rest is in sealSlow: its lock and deferred unlock, even unused,
	// cost this function its registers and a tenth of a small frame's
	// Seal.
	st := s.send.Load()
	if st != nil && context == 0 {
		// The common case: the key is at hand, no lookup by KID.
		out, err := st.key.Seal(dst, metadata, plaintext)
		if err == nil {
			return out, nil
		}
		return s.sealSlow(st, dst, context, metadata, plaintext, err)
	}
	return s.sealSlow(st, dst, context, metadata, plaintext, nil)
}

// SendKey returns the send key of context 0 in the sending epoch, or nil
// if there is none, for a caller on the hot path: its Seal is Seal with
// context 0, without this layer's call (SendKey is inlined). The key is
// valid until the sending epoch or ratchet step changes; after that its
// Seal fails with frame.ErrUnknownKID and seals nothing, and the caller
// falls back to Seal, which seals with the new key.
func (s *Schedule) SendKey() *frame.SendKey {
	if st := s.send.Load(); st != nil {
		return st.key
	}
	return nil
}

// sealSlow is Seal for all but the steady state: a context other than 0,
// no sending epoch, or an error of the send key (err, from st.key). A send
// key that is gone (the epoch or ratchet step changed since st was loaded)
// or a context whose key is not derived yet is installed under s.mu.
func (s *Schedule) sealSlow(st *sendState, dst []byte, context uint64, metadata, plaintext []byte, err error) ([]byte, error) {
	if st != nil && context != 0 {
		var kid frame.KID
		if kid, err = s.sendKID(st, context); err != nil {
			return nil, err
		}
		var out []byte
		if out, err = s.ctx.Seal(dst, kid, metadata, plaintext); err == nil {
			return out, nil
		}
	}
	if err != nil && !errors.Is(err, frame.ErrUnknownKID) {
		return nil, s.sealError(st, err)
	}
	// No send key yet for this context, or the epoch or step changed
	// since st was loaded.
	s.mu.Lock()
	defer s.mu.Unlock()
	kid, st, err := s.installSendKey(context)
	if err != nil {
		return nil, err
	}
	out, err := s.ctx.Seal(dst, kid, metadata, plaintext)
	if err != nil {
		return nil, s.sealError(st, err)
	}
	return out, nil
}

// sealError wraps an error of frame.Context.Seal in st.
//
//go:noinline
func (s *Schedule) sealError(st *sendState, err error) error {
	return newError("seal", nil, "").at(st.ep.number).from(st.ep.self).wrap(err)
}

// NextHeader returns the header the next Seal with context will write,
// for sizing in-place encryption (see frame.Context.Seal). A concurrent
// InstallEpoch or Ratchet changes it.
func (s *Schedule) NextHeader(context uint64) (frame.Header, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kid, st, err := s.installSendKey(context)
	if err != nil {
		return frame.Header{}, err
	}
	ctr, err := s.ctx.NextCounter(kid)
	if err != nil {
		return frame.Header{}, newError("next header", nil, "").at(st.ep.number).from(st.ep.self).wrap(err)
	}
	return frame.Header{KID: kid, CTR: ctr}, nil
}

// sendKID returns the KID of context in st.
func (s *Schedule) sendKID(st *sendState, context uint64) (frame.KID, error) {
	if context>>s.layout.ContextBits != 0 {
		return 0, newError("seal", ErrContextOutOfRange,
			fmt.Sprintf("context %d needs more than %d bits", context, s.layout.ContextBits)).at(st.ep.number)
	}
	return s.layout.kid(context, st.step, st.ep.self, st.ep.number), nil
}

// installSendKey returns the send KID of context in the current sending
// state, deriving its key if needed. The caller holds s.mu.
func (s *Schedule) installSendKey(context uint64) (frame.KID, *sendState, error) {
	st := s.send.Load()
	if st == nil {
		return 0, nil, newError("seal", ErrUnknownEpoch, "no epoch installed for sending")
	}
	kid, err := s.sendKID(st, context)
	if err != nil {
		return 0, nil, err
	}
	ep := st.ep
	for _, k := range ep.send {
		if k == kid {
			return kid, st, nil
		}
	}
	base, err := ep.chainAt(s.suite, s.layout.RatchetBits, st.step)
	if err != nil {
		return 0, nil, newError("seal", nil, "").at(ep.number).from(ep.self).wrap(err)
	}
	if err := s.ctx.AddSendKey(kid, base); err != nil {
		return 0, nil, newError("seal", nil, "").at(ep.number).from(ep.self).wrap(err)
	}
	ep.send = append(ep.send, kid)
	return kid, st, nil
}
