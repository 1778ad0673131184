package relay

import (
	"errors"
	"io"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/sealroom/sealroom/examples/wire"
)

// readDatagrams forwards the media frames the client sends as datagrams.
func (s *session) readDatagrams() {
	for {
		d, err := s.conn.ReceiveDatagram(s.conn.Context())
		if err != nil {
			return
		}
		s.forward(d)
	}
}

// acceptMediaStreams forwards the media frames the client sends on
// unidirectional streams (one frame per stream), for frames too large for
// a datagram. QUIC's MaxIncomingUniStreams bounds how many run at once.
func (s *session) acceptMediaStreams() {
	for {
		st, err := s.conn.AcceptUniStream(s.conn.Context())
		if err != nil {
			return
		}
		s.wg.Go(func() { s.readMediaStream(st) })
	}
}

func (s *session) readMediaStream(st *quic.ReceiveStream) {
	st.SetReadDeadline(time.Now().Add(mediaStreamTimeout))
	limit := s.srv.opts.MaxFrame + wire.MaxMediaOverhead
	b, err := io.ReadAll(io.LimitReader(st, int64(limit)+1))
	if err != nil {
		st.CancelRead(0)
		return
	}
	if len(b) > limit {
		st.CancelRead(0)
		s.rejectMedia(errorf(wire.ErrorCode_TOO_LARGE, "media stream over %d bytes", limit))
		return
	}
	s.forward(b)
}

func (s *session) rejectMedia(e *protoError) {
	s.srv.stats.mediaRejected.Add(1)
	s.log.Debug("media refused", "client", s.name(), "code", e.code.String(), "why", e.msg)
	s.notify(encode(errorMessage(0, e)))
}

// forward sends one media frame to every other member of the sender's
// room. It reads the envelope only: the payload is opaque SFrame
// ciphertext. The frame is re-encoded once with the relay's source
// number, and the same bytes are queued to every receiver.
func (s *session) forward(d []byte) {
	s.srv.stats.mediaIn.Add(1)
	r := s.room.Load()
	if r == nil {
		s.rejectMedia(errorf(wire.ErrorCode_NOT_IN_ROOM, "media before Hello"))
		return
	}
	var m wire.MediaFrame
	if err := wire.ParseMedia(d, s.srv.opts.MaxFrame, &m); err != nil {
		code := wire.ErrorCode_BAD_MESSAGE
		if errors.Is(err, wire.ErrTooLarge) {
			code = wire.ErrorCode_TOO_LARGE
		}
		s.rejectMedia(errorf(code, "media frame of %d bytes: %v", len(d), err))
		return
	}
	m.Source = s.source
	if obs := s.srv.opts.MediaObserver; obs != nil {
		seen := m // escapes to the observer; m stays on the stack
		obs(r.name, &seen)
	}
	out := wire.AppendMedia(make([]byte, 0, wire.MediaSize(&m)), &m)
	for _, peer := range *r.fanout.Load() {
		if peer != s {
			peer.queueMedia(out)
		}
	}
}

// queueMedia hands b to the receiver's media writer, or drops it if the
// receiver is not keeping up. It never blocks.
func (s *session) queueMedia(b []byte) {
	select {
	case s.mediaQ <- b:
	default:
		s.srv.stats.mediaDropped.Add(1)
	}
}

// writeMedia sends queued frames as datagrams, or on a unidirectional
// stream when a frame does not fit in one.
func (s *session) writeMedia() {
	for {
		select {
		case <-s.done:
			return
		case b := <-s.mediaQ:
			err := s.conn.SendDatagram(b)
			var tooLarge *quic.DatagramTooLargeError
			if errors.As(err, &tooLarge) {
				err = s.sendMediaStream(b)
			}
			if err != nil {
				s.srv.stats.mediaDropped.Add(1)
				continue
			}
			s.srv.stats.mediaOut.Add(1)
		}
	}
}

// sendMediaStream sends one frame alone on a new unidirectional stream.
// A receiver that does not take it within mediaStreamTimeout loses it.
func (s *session) sendMediaStream(b []byte) error {
	st, err := s.conn.OpenUniStream()
	if err != nil {
		return err
	}
	st.SetWriteDeadline(time.Now().Add(mediaStreamTimeout))
	if _, err := st.Write(b); err != nil {
		st.CancelWrite(0)
		return err
	}
	return st.Close()
}
