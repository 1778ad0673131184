package relay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/quic-go/quic-go"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealroom/sealroom/examples/wire"
)

// session is one client connection: its control stream, its queues and
// the room it joined.
type session struct {
	srv  *Server
	conn *quic.Conn
	log  *slog.Logger

	// ctrlQ carries encoded control frames to the writer. Handshake
	// messages are never dropped: a client whose queue is full is
	// disconnected and catches up when it reconnects.
	ctrlQ     chan outFrame
	ctrlBytes atomic.Int64
	// mediaQ carries encoded Media to the media writer; full means drop.
	mediaQ chan []byte

	killOnce sync.Once
	done     chan struct{}

	// Set once by a successful Hello, under the room's lock: clientID and
	// source first, then room. Goroutines other than the control reader
	// read them only after seeing room set (see name).
	room     atomic.Pointer[room]
	clientID string
	source   uint32

	// wg tracks the goroutines reading media streams.
	wg sync.WaitGroup
}

// name is the client id for logs, from any goroutine ("" before Hello).
func (s *session) name() string {
	if s.room.Load() == nil {
		return ""
	}
	return s.clientID
}

// outFrame is one control frame to write, or (close set) the order to
// close the connection after everything before it has been written.
type outFrame struct {
	b         []byte
	close     bool
	closeCode quic.ApplicationErrorCode
	closeMsg  string
}

func newSession(srv *Server, conn *quic.Conn) *session {
	return &session{
		srv:    srv,
		conn:   conn,
		log:    srv.log.With("remote", conn.RemoteAddr().String()),
		ctrlQ:  make(chan outFrame, srv.opts.ControlQueue),
		mediaQ: make(chan []byte, srv.opts.MediaQueue),
		done:   make(chan struct{}),
	}
}

// kill closes the connection now, with code and reason. It never blocks.
func (s *session) kill(code quic.ApplicationErrorCode, reason string) {
	s.killOnce.Do(func() {
		close(s.done)
		go s.conn.CloseWithError(code, reason)
	})
}

func (s *session) run() {
	defer s.kill(wire.CloseNormal, "")
	ctx, cancel := context.WithTimeout(s.conn.Context(), helloTimeout)
	stream, err := s.conn.AcceptStream(ctx)
	cancel()
	if err != nil {
		s.log.Debug("no control stream", "err", err)
		s.kill(wire.CloseProtocolError, "no control stream")
		return
	}
	s.wg.Go(func() { s.writeControl(stream) })
	s.wg.Go(s.writeMedia)
	s.wg.Go(s.readDatagrams)
	s.wg.Go(s.acceptMediaStreams)
	s.readControl(stream)
	if r := s.room.Load(); r != nil {
		r.leave(s)
	}
	s.kill(wire.CloseNormal, "")
	s.wg.Wait()
	s.log.Info("disconnected", "client", s.clientID)
}

// writeControl writes queued control frames in order.
func (s *session) writeControl(stream *quic.Stream) {
	for {
		select {
		case <-s.done:
			return
		case f := <-s.ctrlQ:
			if f.close {
				// End the stream after the final Error and give the
				// client a moment to read it and close the connection
				// itself: a close from here could overtake the Error.
				stream.Close()
				select {
				case <-s.conn.Context().Done():
				case <-time.After(closeGrace):
				}
				s.kill(f.closeCode, f.closeMsg)
				return
			}
			s.ctrlBytes.Add(-int64(len(f.b)))
			if _, err := stream.Write(f.b); err != nil {
				s.kill(wire.CloseNormal, "")
				return
			}
		}
	}
}

// send queues an encoded control frame. It never blocks and never drops:
// a client that lets its queue fill is disconnected.
func (s *session) send(b []byte) {
	if s.ctrlBytes.Add(int64(len(b))) > int64(s.srv.opts.ControlQueueBytes) {
		s.log.Info("control queue full, disconnecting", "client", s.name())
		s.kill(wire.CloseTooSlow, "control queue full")
		return
	}
	select {
	case s.ctrlQ <- outFrame{b: b}:
	default:
		s.log.Info("control queue full, disconnecting", "client", s.name())
		s.kill(wire.CloseTooSlow, "control queue full")
	}
}

// notify queues a frame only if the control queue is less than half
// full; it is for notices about media, which must not cost a client its
// connection.
func (s *session) notify(b []byte) {
	if len(s.ctrlQ) >= cap(s.ctrlQ)/2 {
		return
	}
	s.send(b)
}

// closeAfter queues the closing of the connection behind what is queued.
func (s *session) closeAfter(code quic.ApplicationErrorCode, msg string) {
	select {
	case s.ctrlQ <- outFrame{close: true, closeCode: code, closeMsg: msg}:
	default:
		s.kill(code, msg)
	}
}

// encode frames a ServerMessage.
func encode(m *wire.ServerMessage) []byte {
	b, err := wire.AppendFrame(nil, m)
	if err != nil {
		// Every ServerMessage the relay builds is valid protobuf; a
		// failure here is a bug in the relay, not bad input.
		panic(err)
	}
	return b
}

func (s *session) reply(reqID uint64, m *wire.ServerMessage) {
	m.RequestId = reqID
	s.send(encode(m))
}

// protoError is an Error for a client, with the room epoch where it
// matters.
type protoError struct {
	code  wire.ErrorCode
	epoch uint64
	msg   string
}

func (e *protoError) Error() string { return fmt.Sprintf("%v: %s", e.code, e.msg) }

func errorf(code wire.ErrorCode, format string, args ...any) *protoError {
	return &protoError{code: code, msg: fmt.Sprintf(format, args...)}
}

func errorMessage(reqID uint64, e *protoError) *wire.ServerMessage {
	return &wire.ServerMessage{RequestId: reqID, Body: &wire.ServerMessage_Error{Error: &wire.Error{Code: e.code, Message: e.msg, Epoch: e.epoch}}}
}

func (s *session) sendError(reqID uint64, e *protoError) {
	s.log.Debug("refused", "client", s.name(), "request", reqID, "code", e.code.String(), "why", e.msg)
	s.send(encode(errorMessage(reqID, e)))
}

// readControl reads and handles control messages until the stream ends
// or the client must be disconnected.
func (s *session) readControl(stream *quic.Stream) {
	r := bufio.NewReaderSize(stream, 4096)
	var buf []byte
	for {
		b, err := wire.ReadFrame(r, s.srv.opts.MaxMessage, buf)
		if err != nil {
			switch {
			case errors.Is(err, wire.ErrTooLarge):
				s.srv.stats.badMessages.Add(1)
				s.sendError(0, errorf(wire.ErrorCode_TOO_LARGE, "control message over %d bytes", s.srv.opts.MaxMessage))
				s.closeAfter(wire.CloseProtocolError, "control message too large")
			case errors.Is(err, wire.ErrMalformed):
				s.srv.stats.badMessages.Add(1)
				s.sendError(0, errorf(wire.ErrorCode_BAD_MESSAGE, "control stream: %v", err))
				s.closeAfter(wire.CloseProtocolError, "truncated control stream")
			default:
				return // the stream ended or the connection closed
			}
			// The writer closes the connection once the Error is out;
			// if it is stuck behind a client that does not read, close
			// it from here.
			select {
			case <-s.done:
			case <-time.After(2 * closeGrace):
				s.kill(wire.CloseProtocolError, "protocol error")
			}
			return
		}
		buf = b
		var m wire.ClientMessage
		if err := wire.UnmarshalClientMessage(b, &m); err != nil {
			s.srv.stats.badMessages.Add(1)
			s.sendError(peekRequestID(b), errorf(wire.ErrorCode_BAD_MESSAGE, "cannot parse ClientMessage of %d bytes: %v", len(b), err))
			continue
		}
		if perr := s.handle(&m); perr != nil {
			if perr.code == wire.ErrorCode_BAD_MESSAGE || perr.code == wire.ErrorCode_TOO_LARGE {
				s.srv.stats.badMessages.Add(1)
			}
			s.sendError(m.RequestId, perr)
		}
		select {
		case <-s.done:
			return
		default:
		}
	}
}

// peekRequestID returns field 1 of an undecodable ClientMessage if it
// leads the message, so the error still names the request; else 0.
func peekRequestID(b []byte) uint64 {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != 1 || typ != protowire.VarintType {
		return 0
	}
	v, n := protowire.ConsumeVarint(b[n:])
	if n < 0 {
		return 0
	}
	return v
}

// handle runs one request. A returned error goes back to the client; the
// handlers send their own replies.
func (s *session) handle(m *wire.ClientMessage) *protoError {
	if m.Body == nil {
		return errorf(wire.ErrorCode_BAD_MESSAGE, "ClientMessage has no body")
	}
	if h, ok := m.Body.(*wire.ClientMessage_Hello); ok {
		return s.hello(m.RequestId, h.Hello)
	}
	r := s.room.Load()
	if r == nil {
		return errorf(wire.ErrorCode_NOT_IN_ROOM, "send Hello first")
	}
	switch b := m.Body.(type) {
	case *wire.ClientMessage_UploadKeyPackages:
		return s.uploadKeyPackages(m.RequestId, b.UploadKeyPackages)
	case *wire.ClientMessage_ClaimKeyPackage:
		return s.claimKeyPackage(m.RequestId, b.ClaimKeyPackage)
	case *wire.ClientMessage_Handshake:
		if b.Handshake.Room != r.name {
			return errorf(wire.ErrorCode_NOT_IN_ROOM, "handshake for a room this connection has not joined")
		}
		return r.handshake(s, m.RequestId, b.Handshake)
	case *wire.ClientMessage_CatchUp:
		if b.CatchUp.Room != r.name {
			return errorf(wire.ErrorCode_NOT_IN_ROOM, "catch-up for a room this connection has not joined")
		}
		return r.catchUp(s, m.RequestId, b.CatchUp.SinceEpoch)
	case *wire.ClientMessage_GetGroupInfo:
		if b.GetGroupInfo.Room != r.name {
			return errorf(wire.ErrorCode_NOT_IN_ROOM, "GroupInfo of a room this connection has not joined")
		}
		return r.groupInfo(s, m.RequestId)
	default:
		return errorf(wire.ErrorCode_BAD_MESSAGE, "unexpected %T", b)
	}
}

func (s *session) hello(reqID uint64, h *wire.Hello) *protoError {
	if s.room.Load() != nil {
		return errorf(wire.ErrorCode_BAD_MESSAGE, "second Hello on one connection")
	}
	refuse := func(e *protoError) *protoError {
		s.sendError(reqID, e)
		s.closeAfter(wire.CloseProtocolError, "hello refused")
		return nil
	}
	if h.Version != wire.ProtocolVersion_PROTOCOL_VERSION_1 {
		return refuse(errorf(wire.ErrorCode_UNSUPPORTED_VERSION, "protocol version %d, relay speaks %d", h.Version, wire.ProtocolVersion_PROTOCOL_VERSION_1))
	}
	if err := checkName("room", h.Room); err != nil {
		return refuse(err)
	}
	if err := checkName("client_id", h.ClientId); err != nil {
		return refuse(err)
	}
	if auth := s.srv.opts.Authorize; auth != nil && !auth(h.Room, h.ClientId, h.Token) {
		return refuse(errorf(wire.ErrorCode_UNAUTHORIZED, "token does not admit this client to the room"))
	}
	if err := s.srv.join(s, reqID, h); err != nil {
		return refuse(err)
	}
	return nil
}

// checkName validates a room name or client id.
func checkName(field, v string) *protoError {
	if v == "" {
		return errorf(wire.ErrorCode_BAD_MESSAGE, "%s is empty", field)
	}
	if len(v) > maxName {
		return errorf(wire.ErrorCode_TOO_LARGE, "%s of %d bytes, limit %d", field, len(v), maxName)
	}
	for _, c := range v {
		if !unicode.IsPrint(c) {
			return errorf(wire.ErrorCode_BAD_MESSAGE, "%s has a non-printable character", field)
		}
	}
	return nil
}

func (s *session) uploadKeyPackages(reqID uint64, u *wire.UploadKeyPackages) *protoError {
	opts := &s.srv.opts
	if len(u.KeyPackages) == 0 && len(u.LastResort) == 0 {
		return errorf(wire.ErrorCode_BAD_MESSAGE, "no KeyPackage in upload")
	}
	if len(u.KeyPackages) > opts.MaxKeyPackagesPerClient {
		return errorf(wire.ErrorCode_LIMIT_EXCEEDED, "%d KeyPackages in one upload, limit %d", len(u.KeyPackages), opts.MaxKeyPackagesPerClient)
	}
	for i, kp := range u.KeyPackages {
		if len(kp) == 0 {
			return errorf(wire.ErrorCode_BAD_MESSAGE, "KeyPackage %d is empty", i)
		}
		if len(kp) > opts.MaxKeyPackage {
			return errorf(wire.ErrorCode_TOO_LARGE, "KeyPackage %d of %d bytes, limit %d", i, len(kp), opts.MaxKeyPackage)
		}
	}
	var lastResort []byte
	if len(u.LastResort) > 0 {
		if len(u.LastResort) > opts.MaxKeyPackage {
			return errorf(wire.ErrorCode_TOO_LARGE, "last-resort KeyPackage of %d bytes, limit %d", len(u.LastResort), opts.MaxKeyPackage)
		}
		lastResort = u.LastResort
	}
	n, err := s.srv.store.addKeyPackages(s.srv.ctx, s.clientID, u.KeyPackages, lastResort, opts.MaxKeyPackagesPerClient)
	if errors.Is(err, errKeyPackageLimit) {
		return errorf(wire.ErrorCode_LIMIT_EXCEEDED, "%d KeyPackages stored, %d uploaded, limit %d", n, len(u.KeyPackages), opts.MaxKeyPackagesPerClient)
	}
	if err != nil {
		s.log.Error("store key packages", "err", err)
		return errorf(wire.ErrorCode_INTERNAL, "storage failed")
	}
	s.log.Info("key packages stored", "client", s.clientID, "uploaded", len(u.KeyPackages), "available", n, "last_resort", lastResort != nil)
	s.reply(reqID, &wire.ServerMessage{Body: &wire.ServerMessage_KeyPackagesStored{KeyPackagesStored: &wire.KeyPackagesStored{Available: uint32(n)}}})
	return nil
}

func (s *session) claimKeyPackage(reqID uint64, c *wire.ClaimKeyPackage) *protoError {
	if err := checkName("client_id", c.ClientId); err != nil {
		return err
	}
	kp, lastResort, err := s.srv.store.claimKeyPackage(s.srv.ctx, c.ClientId)
	if errors.Is(err, errNoKeyPackage) {
		return errorf(wire.ErrorCode_NO_KEY_PACKAGE, "no KeyPackage left for %q", c.ClientId)
	}
	if err != nil {
		s.log.Error("claim key package", "err", err)
		return errorf(wire.ErrorCode_INTERNAL, "storage failed")
	}
	s.log.Info("key package claimed", "client", s.clientID, "owner", c.ClientId, "last_resort", lastResort)
	s.reply(reqID, &wire.ServerMessage{Body: &wire.ServerMessage_ClaimedKeyPackage{ClaimedKeyPackage: &wire.ClaimedKeyPackage{
		ClientId: c.ClientId, KeyPackage: kp, LastResort: lastResort,
	}}})
	return nil
}
