package transport

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/sealroom/sealroom/examples/wire"
)

// Media is one media frame: on send, Source is ignored (the relay sets
// it); on receive, Source names the sender (see Member) and Payload is the
// opaque SFrame ciphertext, owned by the receiver.
type Media = wire.MediaFrame

// Stats counts a connection's media.
type Stats struct {
	Sent          uint64 // frames sent as datagrams
	SentOnStream  uint64 // frames too large for a datagram, sent on a stream
	Received      uint64 // frames received and queued
	Dropped       uint64 // frames received but dropped: ReceiveMedia not keeping up
	BadFromRelay  uint64 // frames from the relay that did not parse
	StreamsFailed uint64 // frames lost on a failed or timed-out stream
}

type counters struct {
	sent, sentOnStream, received, dropped, bad, streamsFailed atomic.Uint64
}

// Stats returns the connection's media counters.
func (c *Conn) Stats() Stats {
	s := &c.stats
	return Stats{
		Sent: s.sent.Load(), SentOnStream: s.sentOnStream.Load(), Received: s.received.Load(),
		Dropped: s.dropped.Load(), BadFromRelay: s.bad.Load(), StreamsFailed: s.streamsFailed.Load(),
	}
}

// SendMedia sends one media frame to the other members of the room, as a
// QUIC datagram, or on its own unidirectional stream if it is too large
// for one. Datagrams may be lost; the call blocks only while QUIC's
// datagram queue is full, or while a stream frame is written (at most a
// few seconds). m is not retained.
func (c *Conn) SendMedia(m *Media) error {
	if len(m.Payload) > c.cfg.MaxFrame {
		return ErrFrameTooLarge
	}
	bp := c.encodeMedia(m)
	defer c.bufs.Put(bp)
	err := c.conn.SendDatagram(*bp) // copies
	var tooLarge *quic.DatagramTooLargeError
	if errors.As(err, &tooLarge) {
		return c.sendMediaStream(*bp)
	}
	if err != nil {
		return c.closedOr(err)
	}
	c.stats.sent.Add(1)
	return nil
}

// encodeMedia encodes m, without its Source, into a pooled buffer; the
// caller puts it back. It does not allocate once the pool is warm.
func (c *Conn) encodeMedia(m *Media) *[]byte {
	bp := c.bufs.Get().(*[]byte)
	frame := *m
	frame.Source = 0
	*bp = wire.AppendMedia((*bp)[:0], &frame)
	return bp
}

func (c *Conn) sendMediaStream(b []byte) error {
	st, err := c.conn.OpenUniStreamSync(c.conn.Context())
	if err != nil {
		return c.closedOr(err)
	}
	st.SetWriteDeadline(time.Now().Add(mediaStreamTimeout))
	if _, err := st.Write(b); err != nil {
		st.CancelWrite(0)
		c.stats.streamsFailed.Add(1)
		return c.closedOr(err)
	}
	if err := st.Close(); err != nil {
		return c.closedOr(err)
	}
	c.stats.sentOnStream.Add(1)
	return nil
}

// closedOr returns the connection's end reason if it has ended, else err.
func (c *Conn) closedOr(err error) error {
	select {
	case <-c.done:
		return c.err
	default:
		return err
	}
}

// ReceiveMedia returns the next media frame from another member, waiting
// until one arrives, ctx ends or the connection ends.
func (c *Conn) ReceiveMedia(ctx context.Context) (Media, error) {
	select {
	case m := <-c.media:
		return m, nil
	case <-ctx.Done():
		return Media{}, ctx.Err()
	case <-c.done:
		return Media{}, c.err
	}
}

func (c *Conn) readDatagrams() {
	for {
		d, err := c.conn.ReceiveDatagram(c.conn.Context())
		if err != nil {
			return
		}
		c.deliverMedia(d)
	}
}

func (c *Conn) acceptMediaStreams() {
	for {
		st, err := c.conn.AcceptUniStream(c.conn.Context())
		if err != nil {
			return
		}
		c.wg.Go(func() { c.readMediaStream(st) })
	}
}

func (c *Conn) readMediaStream(st *quic.ReceiveStream) {
	st.SetReadDeadline(time.Now().Add(mediaStreamTimeout))
	limit := c.cfg.MaxFrame + wire.MaxMediaOverhead
	b, err := io.ReadAll(io.LimitReader(st, int64(limit)+1))
	if err != nil || len(b) > limit {
		st.CancelRead(0)
		c.stats.streamsFailed.Add(1)
		return
	}
	c.deliverMedia(b)
}

// deliverMedia queues one received frame (d is not reused by QUIC), or
// drops it if the application is not keeping up.
func (c *Conn) deliverMedia(d []byte) {
	var m Media
	if err := wire.ParseMedia(d, c.cfg.MaxFrame, &m); err != nil {
		c.stats.bad.Add(1)
		return
	}
	select {
	case c.media <- m:
		c.stats.received.Add(1)
	default:
		c.stats.dropped.Add(1)
	}
}
