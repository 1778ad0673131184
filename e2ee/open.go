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
func (s *Session) Open(dst, packet []byte) (out []byte, snd Sender, err error) {
	// Small enough to be inlined, so that open writes the Sender straight
	// into the caller's variable: a Sender returned through another
	// function's results costs as much as the rest of this layer.
	out, err = s.open(dst, packet, &snd)
	return out, snd, err
}

// open is Open. It writes *snd only on success.
//
// It is written for the common frames in the steady state: Opus frames
// and VP8 inter frames without SenderAuth, with room in dst for a VP8
// frame's clear byte. Everything else goes to openFull, openRetry or
// finishOpen, in tail calls: with no call but the frame.Context's that
// needs open's values afterwards, open spills only what that call does.
// The frame's key names its epoch and sender and carries the sender's
// peer (keyschedule.Key), so attributing a frame needs no lookup, and
// Schedule.OpenKey is inlined: open calls frame.Context.OpenWithValue
// directly. TestOpenShortcut checks that the two paths agree.
func (s *Session) open(dst, packet []byte, snd *Sender) ([]byte, error) {
	if s.state.Load() == stateClosed || s.nextDrop.Load() != 0 || len(packet) < 4 {
		return s.openFull(dst, packet, snd)
	}
	// The framing of ParsePacket for the clear parts of these frames: the
	// SFrame metadata is packet[:end], the clear part packet[2:end]. For
	// them the clear part settles checkFrame but for the frame's length,
	// known once it is open (frameMinLen).
	pre := dst
	var end, minLen int
	switch {
	case packet[0] == byte(CodecOpus) && packet[1] == 0:
		end, minLen = 2, CodecOpus.frameMinLen(nil)
	case packet[0] == byte(CodecVP8) && packet[1] == vp8InterClearLen && len(dst) < cap(dst):
		// An inter frame if frameMinLen applies (else openFull writes
		// the byte again); the frame starts with framePrefix(clear), the
		// clear byte.
		end, minLen = 2+vp8InterClearLen, CodecVP8.frameMinLen(packet[2:3])
		pre = dst[:len(dst)+1]
		pre[len(dst)] = packet[2]
	}
	if minLen == 0 {
		return s.openFull(dst, packet, snd)
	}
	out, h, k, err := s.ks.OpenKey(pre, packet[:end:end], packet[end:])
	if k == nil {
		return s.openRetry(len(dst), pre, out, packet, end, h, err, snd)
	}
	p, _ := k.Value.(*peer)
	if p == nil || p.auth || len(out)-len(dst) < minLen {
		return s.finishOpen(len(dst), out, packet[:len(packet):len(packet)], k, h, snd)
	}
	snd.Epoch, snd.Leaf, snd.Identity, snd.Counter = k.Epoch, k.Leaf, p.identity, h.CTR
	return out, nil
}

// openFull is open for every packet: the state, the expiry of old
// epochs, the framing (ParsePacket) and the frame's clear part, before
// and after SFrame Open.
func (s *Session) openFull(dst, packet []byte, snd *Sender) ([]byte, error) {
	if s.state.Load() == stateClosed {
		return nil, stateError("open", stateClosed)
	}
	s.expire()
	codec, start, end, err := framing(packet)
	if err != nil {
		return nil, openPacketError(packet, err)
	}
	pre := append(dst, codec.framePrefix(packet[start:end:end])...)
	out, h, k, err := s.ks.OpenKey(pre, packet[:end:end], packet[end:])
	if k == nil {
		return s.openRetry(len(dst), pre, out, packet, end, h, err, snd)
	}
	return s.finishOpen(len(dst), out, packet, k, h, snd)
}

// openRetry is the end of open and openFull for a frame that
// Schedule.OpenKey did not finish (see Schedule.FinishOpen): the first
// frame under its KID, or an error. pre is what OpenKey appended to, the
// n bytes of dst and the frame's prefix; out, h and err are OpenKey's
// results, and packet[:end] the SFrame metadata.
//
//go:noinline
func (s *Session) openRetry(n int, pre, out, packet []byte, end int, h frame.Header, err error, snd *Sender) ([]byte, error) {
	out, h, k, err := s.ks.FinishOpen(pre, out, packet[:end:end], packet[end:], h, err)
	if err != nil {
		return nil, s.openError(h, err)
	}
	return s.finishOpen(n, out, packet, k, h, snd)
}

// finishOpen is the end of open and openFull for the frames open's fast
// path leaves to it: out holds the frame that packet decrypted to, after
// the n bytes that were in dst, under the key k. It checks the frame's
// clear part and records the frame for its tag batch.
func (s *Session) finishOpen(n int, out, packet []byte, k *keyschedule.Key, h frame.Header, snd *Sender) ([]byte, error) {
	p, _ := k.Value.(*peer)
	if p == nil {
		// Every key of the Session's epochs carries its sender's peer; a
		// frame not attributed to one is never released.
		clear(out[n:])
		return nil, s.openError(h, keyschedule.ErrUnknownEpoch)
	}
	leaf := k.Leaf
	sender := Sender{Epoch: k.Epoch, Leaf: leaf, Identity: p.identity, Counter: h.CTR}
	// The framing again (open has checked it).
	codec, start, end := Codec(packet[0]), 2, 2+int(packet[1])
	var err error
	if packet[1] >= 0x80 {
		codec, start, end, err = framing(packet)
	}
	if err == nil {
		err = codec.checkFrame(packet[start:end:end], out[n:])
	}
	if err != nil {
		clear(out[n:])
		return nil, senderError("open", sender, nil, err)
	}
	if p.auth {
		s.recordReceived(p.info, leaf, h, packet)
	}
	*snd = sender
	return out, nil
}

// framing is ParsePacket for Open: where the clear part starts and ends.
//
//go:noinline
func framing(packet []byte) (c Codec, start, end int, err error) {
	p, err := ParsePacket(packet)
	if err != nil {
		return 0, 0, 0, err
	}
	end = len(p.Metadata)
	return p.Codec, end - len(p.Clear), end, nil
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
