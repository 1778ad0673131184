package e2ee

import (
	"errors"

	"github.com/sealroom/sealroom/frame"
	"github.com/sealroom/sealroom/keyschedule"
)

// Sender says who sent a frame that Open accepted.
type Sender struct {
	// Epoch is the MLS epoch the frame was sealed in.
	Epoch uint64
	// Leaf is the sender's leaf index, from the frame's KID (RFC 9605
	// §5.2). Any member of the epoch holds the epoch's keys, so the KID
	// alone does not prove which member sealed a frame; with
	// Config.SenderAuth the sender's signed tag batches do (see
	// AuthReport).
	Leaf uint32
	// Identity is the identity of the sender's credential (RFC 9420
	// §5.3). It is the Session's copy: do not modify it.
	Identity []byte
	// Counter is the frame's SFrame counter (CTR, RFC 9605 §4.3).
	Counter uint64
}

// Open authenticates and decrypts a sealed packet from another member
// (RFC 9605 §4.4.4), appends the encoded frame to dst and says who sent
// it. The receive path runs in the order Codec documents: framing
// (ParsePacket), SFrame Open with the packet prefix as metadata, then a
// check that the authenticated clear part is exactly what the codec's
// policy derives from the decrypted frame (ErrClearMismatch otherwise).
// Nothing of a rejected frame is returned.
//
// Frames of every live epoch open: the current one and those still in
// their grace period. The first frame of an epoch derives the receive keys
// of all its senders at once (see keyschedule.Schedule.Open). Errors name
// the sender where its KID tells it and wrap ErrAuthentication, ErrReplay,
// ErrUnknownSender, ErrUnknownEpoch (not reached yet: process pending
// handshake messages), ErrEpochExpired (keys erased after the grace
// period), ErrMalformedPacket or ErrClearMismatch.
//
// With enough capacity in dst, Open does not allocate, and in the steady
// state it takes no lock (with SenderAuth, one short lock per sender to
// record the frame for its tag batch). dst must not overlap packet. A tag
// batch packet (IsTagBatch) goes to ReceiveTagBatch instead.
func (s *Session) Open(dst, packet []byte) ([]byte, Sender, error) {
	if s.state.Load() == stateClosed {
		return nil, Sender{}, stateError("open", stateClosed)
	}
	s.expire()
	// The framing of ParsePacket, with the common case (a clear part
	// shorter than 128 bytes: a one-byte clear_len, always minimal)
	// written out.
	var codec Codec
	var clearPart, metadata, sframe []byte
	if len(packet) > 2 && packet[1] < 0x80 && Codec(packet[0]).IsValid() && 2+int(packet[1]) < len(packet) {
		end := 2 + int(packet[1])
		codec, clearPart, metadata, sframe = Codec(packet[0]), packet[2:end:end], packet[:end:end], packet[end:]
	} else {
		p, err := ParsePacket(packet)
		if err != nil {
			return nil, Sender{}, openPacketError(packet, err)
		}
		codec, clearPart, metadata, sframe = p.Codec, p.Clear, p.Metadata, p.SFrame
	}
	out := append(dst, codec.framePrefix(clearPart)...)
	out, src, err := s.ks.Open(out, metadata, sframe)
	if err != nil {
		return nil, Sender{}, s.openError(src.Header, err)
	}
	info := s.info(src.Epoch)
	if info == nil {
		// Its slot was taken by an epoch 2^E newer while the frame was
		// opened.
		clear(out[len(dst):])
		return nil, Sender{}, s.openError(src.Header, keyschedule.ErrUnknownEpoch)
	}
	snd := Sender{Epoch: src.Epoch, Leaf: src.Leaf, Identity: info.identity(src.Leaf), Counter: src.Header.CTR}
	if err := codec.checkFrame(clearPart, out[len(dst):]); err != nil {
		clear(out[len(dst):])
		return nil, Sender{}, senderError("open", snd, nil, err)
	}
	if info.recv != nil {
		s.recordReceived(info, src.Leaf, src.Header, packet)
	}
	return out, snd, nil
}

// senderError returns an error of op about a frame or batch of snd.
//
//go:noinline
func senderError(op string, snd Sender, kind, cause error) error {
	return newError(op, kind, cause).at(snd.Epoch).from(snd.Leaf, snd.Identity)
}

// openPacketError wraps a framing error, pointing tag batches to their
// own method.
//
//go:noinline
func openPacketError(packet []byte, err error) error {
	if IsTagBatch(packet) {
		return newError("open", ErrMalformedPacket, errors.New("a tag batch, not a media packet: see ReceiveTagBatch"))
	}
	return newError("open", nil, err)
}

// openError wraps an error of the Schedule with the sender its KID names:
// the leaf, and the epoch and identity if the epoch bits name an epoch
// this Session knows.
//
//go:noinline
func (s *Session) openError(h frame.Header, err error) error {
	e := newError("open", nil, err)
	switch {
	case errors.Is(err, frame.ErrMalformedHeader), errors.Is(err, keyschedule.ErrInvalidKID):
		e.Kind = ErrMalformedPacket
		return e
	case errors.Is(err, frame.ErrReplay):
		e.Kind = ErrReplay
	case errors.Is(err, frame.ErrAuthentication):
		e.Kind = ErrAuthentication
	case errors.Is(err, keyschedule.ErrNotMember), errors.Is(err, keyschedule.ErrOwnKID):
		e.Kind = ErrUnknownSender
	case errors.Is(err, keyschedule.ErrUnknownEpoch):
		e.Kind = ErrUnknownEpoch
	}
	p, perr := s.layout.ParseKID(h.KID)
	if perr != nil {
		return e
	}
	e.from(p.Leaf, nil)
	info, _ := s.epochOf(p.Epoch)
	if info == nil {
		return e
	}
	if e.Kind == ErrUnknownEpoch && info.dropped.Load() {
		e.Kind = ErrEpochExpired
	}
	return e.at(info.number).from(p.Leaf, info.identity(p.Leaf))
}
