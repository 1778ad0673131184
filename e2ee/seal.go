package e2ee

import (
	"errors"

	"github.com/sealroom/sealroom/keyschedule"
)

// Seal encrypts one encoded frame of codec as this member's media in the
// current epoch, and appends the sealed packet (see ParsePacket) to dst:
//
//	codec || clear_len || clear || SFrame header || AEAD(frame payload) || tag
//
// The codec's policy (Codec) chooses the clear part; the packet prefix in
// front of the SFrame ciphertext is the SFrame metadata, so the AAD is
// SFrame header || prefix (RFC 9605 §4.4.3) and a relay that changes a
// clear byte makes Open fail. The key is this member's in the current
// epoch, KID = leaf << E | epoch mod 2^E (RFC 9605 §5.2), and switches to
// the new epoch as soon as a commit is merged.
//
// With enough capacity in dst (len(frame) + MaxOverhead(), plus the clear
// part for H.264, H.265 and AV1) Seal does not allocate, and in the steady
// state it takes no lock. dst must not overlap frame. Seal is for one
// goroutine at a time (see Session).
//
// A Session that is not a member (an external join not yet confirmed, or
// removed) refuses with ErrNotMember; a frame its codec's policy cannot
// parse fails with ErrMalformedFrame and nothing is sealed.
func (s *Session) Seal(dst, frame []byte, codec Codec) ([]byte, error) {
	if st := s.state.Load(); st != stateMember {
		return nil, stateError("seal", st)
	}
	s.expire()
	prefix, payload, ok := codec.splitShort(dst, frame)
	if !ok {
		var err error
		if prefix, payload, err = codec.split(dst, frame); err != nil {
			return nil, s.sealError(err)
		}
	}
	// The send key itself in the steady state, the Schedule otherwise
	// (no send key, or a key gone or exhausted: it has sealed nothing).
	var out []byte
	err := errNoSendKey
	if k := s.ks.SendKey(); k != nil {
		out, err = k.Seal(prefix, prefix[len(dst):], payload)
	}
	if err != nil {
		if out, err = s.ks.Seal(prefix, 0, prefix[len(dst):], payload); err != nil {
			return nil, s.sealError(err)
		}
	}
	if s.send != nil {
		s.recordSent(out[len(dst):], len(prefix)-len(dst))
	}
	return out, nil
}

// errNoSendKey stands for the error of a Schedule without a send key.
var errNoSendKey = errors.New("no send key")

// sealError wraps an error of the codec policy or of the Schedule with the
// epoch and this member's leaf.
//
//go:noinline
func (s *Session) sealError(err error) error {
	e := newError("seal", nil, err)
	if info := s.current.Load(); info != nil {
		e.at(info.number).from(info.self, info.identity(info.self))
	}
	if errors.Is(err, keyschedule.ErrUnknownEpoch) {
		// The Schedule has no sending epoch: its install failed.
		e.Kind = ErrUnknownEpoch
	}
	return e
}
