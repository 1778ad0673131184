package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"google.golang.org/protobuf/proto"

	"github.com/sealroom/sealroom/examples/wire"
)

// Member is a client connected to the room, and the source number that
// tags its media.
type Member struct {
	ClientID string
	Source   uint32
}

// Joined is what the relay said when the client joined.
type Joined struct {
	Source      uint32 // this client's media source number
	GroupExists bool   // the relay has seen a commit or proposal in the room
	Epoch       uint64 // the epoch the room's next commit must be created in
	LastSeq     uint64 // the last handshake log sequence number
	Members     []Member
}

// Conn is one client's connection to the relay, joined to one room. Its
// methods are safe for concurrent use.
type Conn struct {
	cfg    Config
	conn   *quic.Conn
	stream *quic.Stream
	joined Joined

	writeMu sync.Mutex
	wbuf    []byte

	nextID  atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]chan *wire.ServerMessage

	events  *eventQueue
	lastSeq uint64 // read by the control reader only
	media   chan Media
	bufs    sync.Pool

	stats counters

	done     chan struct{}
	doneOnce sync.Once
	err      error // set before done is closed
	wg       sync.WaitGroup
}

// Dial connects to the relay at addr (host:port, UDP), joins cfg.Room as
// cfg.ClientID and returns once the relay has answered. On a relay error
// the returned error is an *Error (errors.Is with ErrUnauthorized, ...).
func Dial(ctx context.Context, addr string, cfg Config) (*Conn, error) {
	cfg = cfg.withDefaults()
	tlsConf, err := cfg.tlsConfig(addr)
	if err != nil {
		return nil, err
	}
	qconf := &quic.Config{
		EnableDatagrams:       true,
		KeepAlivePeriod:       cfg.KeepAlive,
		MaxIncomingStreams:    -1, // the relay opens no bidirectional stream
		MaxIncomingUniStreams: 64, // one per large media frame
	}
	qc, err := quic.DialAddr(ctx, addr, tlsConf, qconf)
	if err != nil {
		return nil, fmt.Errorf("transport: dial %s: %w", addr, err)
	}
	st, err := qc.OpenStreamSync(ctx)
	if err != nil {
		qc.CloseWithError(wire.CloseNormal, "")
		return nil, fmt.Errorf("transport: open control stream: %w", err)
	}
	c := &Conn{
		cfg:     cfg,
		conn:    qc,
		stream:  st,
		pending: make(map[uint64]chan *wire.ServerMessage),
		events:  newEventQueue(cfg.EventBuffer),
		media:   make(chan Media, cfg.MediaBuffer),
		done:    make(chan struct{}),
	}
	c.bufs.New = func() any { b := make([]byte, 0, 1500); return &b }
	c.wg.Go(c.readControl)
	c.wg.Go(func() { c.events.pump(c.done) })
	c.wg.Go(c.readDatagrams)
	c.wg.Go(c.acceptMediaStreams)
	c.wg.Go(func() {
		<-qc.Context().Done()
		c.fail(context.Cause(qc.Context()))
	})

	hello := &wire.Hello{Version: wire.ProtocolVersion_PROTOCOL_VERSION_1, Room: cfg.Room, ClientId: cfg.ClientID, Token: cfg.Token}
	if cfg.CatchUp {
		hello.CatchUpSinceEpoch = proto.Uint64(cfg.CatchUpSince)
	}
	reply, err := c.request(ctx, &wire.ClientMessage{Body: &wire.ClientMessage_Hello{Hello: hello}})
	if err != nil {
		c.Close()
		return nil, err
	}
	j := reply.GetJoined()
	if j == nil {
		c.Close()
		return nil, fmt.Errorf("transport: relay answered Hello with %T", reply.Body)
	}
	c.joined = Joined{Source: j.Source, GroupExists: j.GroupExists, Epoch: j.Epoch, LastSeq: j.LastSeq}
	for _, m := range j.Members {
		c.joined.Members = append(c.joined.Members, Member{ClientID: m.ClientId, Source: m.Source})
	}
	return c, nil
}

// Joined returns what the relay said when this client joined.
func (c *Conn) Joined() Joined { return c.joined }

// Source is this client's media source number in the room.
func (c *Conn) Source() uint32 { return c.joined.Source }

// Events returns the relay's ordered control stream. It is closed when
// the connection ends. It must be read: events are buffered up to
// Config.EventBuffer, past which the connection fails.
func (c *Conn) Events() <-chan Event { return c.events.out }

// Done is closed when the connection has ended; Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns nil while the connection is up, then an error matching
// ErrClosed that wraps the cause.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close leaves the room and closes the connection.
func (c *Conn) Close() error {
	c.fail(nil)
	c.conn.CloseWithError(wire.CloseNormal, "bye")
	c.wg.Wait()
	return nil
}

// fail ends the connection with cause (nil: closed by this client).
func (c *Conn) fail(cause error) {
	c.doneOnce.Do(func() {
		c.err = &closedError{cause: cause}
		close(c.done)
		if cause != nil {
			go c.conn.CloseWithError(wire.CloseNormal, "")
		}
	})
}

// request sends m with a fresh request id and waits for the answer.
func (c *Conn) request(ctx context.Context, m *wire.ClientMessage) (*wire.ServerMessage, error) {
	id := c.nextID.Add(1)
	m.RequestId = id
	ch := make(chan *wire.ServerMessage, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	if err := c.write(ctx, m); err != nil {
		return nil, err
	}
	select {
	case reply := <-ch:
		if e := reply.GetError(); e != nil {
			return nil, &Error{Code: e.Code, Message: e.Message, Epoch: e.Epoch}
		}
		return reply, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, c.err
	}
}

func (c *Conn) write(ctx context.Context, m *wire.ClientMessage) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	b, err := wire.AppendFrame(c.wbuf[:0], m)
	if err != nil {
		return err
	}
	c.wbuf = b
	if len(b) > c.cfg.MaxMessage+10 {
		return fmt.Errorf("transport: %w: control message of %d bytes", ErrTooLarge, len(b))
	}
	deadline, _ := ctx.Deadline()
	c.stream.SetWriteDeadline(deadline)
	n, err := c.stream.Write(b)
	if err == nil {
		return nil
	}
	select {
	case <-c.done:
		return c.err
	default:
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() && n == 0 {
		return context.DeadlineExceeded // nothing written: the stream is intact
	}
	// Part of a frame went out: the stream cannot carry another.
	err = fmt.Errorf("transport: write control stream: %w", err)
	c.fail(err)
	return err
}

// readControl reads the relay's control stream: answers go to the
// waiting request, everything else to Events, in order.
func (c *Conn) readControl() {
	r := bufio.NewReaderSize(c.stream, 4096)
	for {
		b, err := wire.ReadFrame(r, c.cfg.MaxMessage, nil)
		if err != nil {
			c.fail(fmt.Errorf("transport: control stream: %w", err))
			return
		}
		var m wire.ServerMessage
		if err := wire.UnmarshalServerMessage(b, &m); err != nil {
			c.fail(fmt.Errorf("transport: relay sent an unparsable message: %w", err))
			return
		}
		if err := c.dispatch(&m); err != nil {
			c.fail(err)
			return
		}
	}
}

func (c *Conn) dispatch(m *wire.ServerMessage) error {
	if m.RequestId != 0 {
		c.mu.Lock()
		ch := c.pending[m.RequestId]
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- m:
			default:
				return fmt.Errorf("transport: %w: second answer to request %d", wire.ErrMalformed, m.RequestId)
			}
		}
		return nil
	}
	var e Event
	switch b := m.Body.(type) {
	case *wire.ServerMessage_HandshakeEvent:
		h := b.HandshakeEvent
		if h.Seq <= c.lastSeq {
			return nil // already delivered; a catch-up overlapped the live stream
		}
		c.lastSeq = h.Seq
		e = &HandshakeEvent{Seq: h.Seq, Kind: h.Kind, Epoch: h.Epoch, Sender: h.Sender, Message: h.Message}
	case *wire.ServerMessage_Welcome:
		w := b.Welcome
		e = &WelcomeEvent{Sender: w.Sender, Epoch: w.Epoch, Message: w.Message}
	case *wire.ServerMessage_Member:
		mb := b.Member.GetMember()
		e = &MemberEvent{Member: Member{ClientID: mb.GetClientId(), Source: mb.GetSource()}, Joined: b.Member.Joined}
	case *wire.ServerMessage_CatchUpDone:
		d := b.CatchUpDone
		e = &CaughtUpEvent{Epoch: d.Epoch, LastSeq: d.LastSeq, Replayed: int(d.Replayed)}
	case *wire.ServerMessage_Error:
		x := b.Error
		e = &NoticeEvent{Err: &Error{Code: x.Code, Message: x.Message, Epoch: x.Epoch}}
	default:
		return fmt.Errorf("transport: %w: unexpected unsolicited %T", wire.ErrMalformed, m.Body)
	}
	if !c.events.push(e) {
		return ErrEventsOverflow
	}
	return nil
}

// mediaStreamTimeout bounds reading or writing one media frame on a
// unidirectional stream.
const mediaStreamTimeout = 5 * time.Second
