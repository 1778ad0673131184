package call

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/transport"
)

// Client is one participant of a call: a connection to the relay (which
// it re-establishes if lost), an e2ee Session, the media it sends and
// what it receives. Its methods are safe for concurrent use. Any number
// of Clients may run in one process.
type Client struct {
	cfg Config
	id  *e2ee.Identity
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	conn  atomic.Pointer[transport.Conn]
	sess  atomic.Pointer[e2ee.Session]
	phase atomic.Uint32

	// st is the state of the MLS goroutine (run), which alone touches it.
	st   mlsState
	cmds chan command

	memberOnce, removedOnce sync.Once
	member, removed         chan struct{}

	// sources maps the relay's source numbers to client ids, for frames
	// Open cannot attribute.
	srcMu   sync.Mutex
	sources map[uint32]string

	sealMu   sync.Mutex // Seal is for one goroutine at a time
	start    time.Time
	media    chan inbound
	epochs   chan struct{}
	recorder *media.Recorder
	stats    counters

	closeOnce sync.Once
	closeErr  error
}

// command is a request to the MLS goroutine.
type command struct {
	kind  string // "leave" or "update"
	reply chan error
}

// Start connects to the relay, joins cfg.Room and starts the call in the
// background: joining the group (creating it if the room has none),
// sending the configured tracks once a member, receiving and recording.
// It returns once connected; WaitMember waits for the group. ctx bounds
// the connection only; the Client runs until Close.
func Start(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Relay == "" || cfg.Room == "" || cfg.Name == "" {
		return nil, errors.New("call: Config needs Relay, Room and Name")
	}
	if cfg.Join != JoinExternal && cfg.Join != JoinInvite {
		return nil, fmt.Errorf("call: join mode %v", cfg.Join)
	}
	cfg = cfg.withDefaults()
	id := cfg.Identity
	if id == nil {
		var err error
		if id, err = e2ee.NewIdentity([]byte(cfg.Name), 0); err != nil {
			return nil, fmt.Errorf("call: identity: %w", err)
		}
	}
	c := &Client{
		cfg:     cfg,
		id:      id,
		log:     cfg.Logger.With("client", cfg.Name),
		cmds:    make(chan command),
		member:  make(chan struct{}),
		removed: make(chan struct{}),
		sources: make(map[uint32]string),
		media:   make(chan inbound, 256),
		epochs:  make(chan struct{}, 1),
		stats:   counters{peers: make(map[string]*PeerStats)},
		start:   cfg.Start,
	}
	if c.start.IsZero() {
		c.start = time.Now()
	}
	c.st.init()
	if cfg.OutDir != "" {
		var rc media.RecorderConfig
		if cfg.Audio != nil {
			rc.Audio = cfg.Audio.Opus()
		}
		rec, err := media.NewRecorder(cfg.OutDir, rc)
		if err != nil {
			return nil, fmt.Errorf("call: %w", err)
		}
		c.recorder = rec
	}
	conn, err := c.dial(ctx)
	if err != nil {
		if c.recorder != nil {
			c.recorder.Close()
		}
		return nil, err
	}
	if cfg.Join == JoinInvite {
		if err := c.uploadKeyPackages(ctx, conn); err != nil {
			conn.Close()
			if c.recorder != nil {
				c.recorder.Close()
			}
			return nil, err
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Go(func() { c.run(conn) })
	c.wg.Go(c.receive)
	if cfg.Audio != nil {
		c.wg.Go(func() { c.send(cfg.Audio, StreamAudio) })
	}
	if cfg.Video != nil {
		c.wg.Go(func() { c.send(cfg.Video, StreamVideo) })
	}
	return c, nil
}

// Name returns the client's name.
func (c *Client) Name() string { return c.cfg.Name }

// Phase returns where the client is in the call.
func (c *Client) Phase() Phase { return Phase(c.phase.Load()) }

func (c *Client) setPhase(p Phase) {
	if c.Phase() == PhaseClosed {
		return
	}
	c.phase.Store(uint32(p))
	switch p {
	case PhaseMember:
		c.memberOnce.Do(func() { close(c.member) })
	case PhaseRemoved:
		c.removedOnce.Do(func() { close(c.removed) })
	}
}

// Session returns the client's current e2ee Session, or nil before it has
// one. It changes when the client joins again.
func (c *Client) Session() *e2ee.Session { return c.sess.Load() }

// Epoch returns the epoch the client is in (0 before joining).
func (c *Client) Epoch() uint64 {
	if s := c.sess.Load(); s != nil {
		return s.Epoch()
	}
	return 0
}

// SafetyCode returns the safety code of the client's epoch (empty before
// joining). Members of one epoch all show the same.
func (c *Client) SafetyCode() e2ee.SafetyCode {
	if s := c.sess.Load(); s != nil && c.Phase() == PhaseMember {
		return s.SafetyCode()
	}
	return e2ee.SafetyCode{}
}

// Members returns the names of the group's members, by leaf, while the
// client is a member.
func (c *Client) Members() []string {
	s := c.sess.Load()
	if s == nil || c.Phase() != PhaseMember {
		return nil
	}
	var names []string
	for _, m := range s.Members() {
		names = append(names, string(m.Identity))
	}
	return names
}

// Source returns the relay's number for this client's media on its
// current connection.
func (c *Client) Source() uint32 {
	if conn := c.conn.Load(); conn != nil {
		return conn.Source()
	}
	return 0
}

// WaitMember waits until the client is a member of the group.
func (c *Client) WaitMember(ctx context.Context) error {
	select {
	case <-c.member:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("call: %s: waiting to join: %w", c.cfg.Name, ctx.Err())
	}
}

// Removed is closed once the client has been removed from the group.
func (c *Client) Removed() <-chan struct{} { return c.removed }

// Leave asks to be removed from the group (a Remove proposal, which the
// member online with the lowest leaf commits) and waits until the removal
// has been processed. The client stays connected, receiving, until Close:
// what it gets after its grace period it cannot open.
func (c *Client) Leave(ctx context.Context) error { return c.command(ctx, "leave") }

// Update commits a fresh UpdatePath for this member (post-compromise
// security; it also commits pending proposals), retrying if another
// commit takes the epoch, and waits until it is merged.
func (c *Client) Update(ctx context.Context) error { return c.command(ctx, "update") }

func (c *Client) command(ctx context.Context, kind string) error {
	cmd := command{kind: kind, reply: make(chan error, 1)}
	select {
	case c.cmds <- cmd:
	case <-ctx.Done():
		return fmt.Errorf("call: %s: %s: %w", c.cfg.Name, kind, ctx.Err())
	case <-c.ctx.Done():
		return fmt.Errorf("call: %s: %s: client closed", c.cfg.Name, kind)
	}
	select {
	case err := <-cmd.reply:
		return err
	case <-ctx.Done():
		return fmt.Errorf("call: %s: %s: %w", c.cfg.Name, kind, ctx.Err())
	}
}

// Close hangs up: it stops sending and receiving, closes the connection
// without leaving the group (the others remove the client after
// Config.RemoveAfter; Leave first to leave properly), erases the
// Session's keys and finishes the recordings.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		if conn := c.conn.Load(); conn != nil {
			conn.Close()
		}
		c.wg.Wait()
		c.phase.Store(uint32(PhaseClosed))
		if s := c.sess.Load(); s != nil {
			s.Close()
		}
		if c.recorder != nil {
			c.closeErr = c.recorder.Close()
		}
	})
	return c.closeErr
}

// Recorded describes the files the client has written (Config.OutDir).
func (c *Client) Recorded() []media.Recorded {
	if c.recorder == nil {
		return nil
	}
	return c.recorder.Files()
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	s := Stats{
		Name: c.cfg.Name, Phase: c.Phase(), Epoch: c.Epoch(), SafetyCode: c.SafetyCode(), Members: c.Members(), Source: c.Source(),
		Sent:       map[uint32]uint64{StreamAudio: c.stats.sentAudio.Load(), StreamVideo: c.stats.sentVideo.Load()},
		SentBytes:  c.stats.sentBytes.Load(),
		NotSent:    c.stats.notSent.Load(),
		SendErrors: c.stats.sendErrors.Load(),

		SourceMismatch: c.stats.sourceMismatch.Load(),
		Held:           c.stats.held.Load(), HeldOpened: c.stats.heldOpened.Load(), HeldExpired: c.stats.heldExpired.Load(),
		Commits: c.stats.commits.Load(), StaleCommits: c.stats.staleCommits.Load(),
		ProcessErrors: c.stats.processErrors.Load(), Reconnects: c.stats.reconnects.Load(),
		Peers: make(map[string]PeerStats),
	}
	if us := c.stats.lastCapture.Load(); us != 0 {
		s.LastCapture = time.UnixMicro(us)
	}
	c.stats.mu.Lock()
	for name, p := range c.stats.peers {
		s.Peers[name] = *p
	}
	for k, a := range c.stats.arrivals {
		name := c.sourceName(k.source)
		p := s.Peers[name]
		p.Lost += a.lost()
		s.Peers[name] = p
	}
	s.Departure = c.stats.departure
	c.stats.mu.Unlock()
	if conn := c.conn.Load(); conn != nil {
		s.Transport = conn.Stats()
	}
	return s
}

// emit reports an event to Config.OnEvent and the log.
func (c *Client) emit(e Event) {
	e.Time, e.Client = time.Now(), c.cfg.Name
	if e.Kind == EventError {
		c.log.Error(e.Detail, "err", e.Err)
	} else {
		c.log.Debug(e.String())
	}
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(e)
	}
}

// sourceName returns the client id the relay gave source.
func (c *Client) sourceName(source uint32) string {
	c.srcMu.Lock()
	defer c.srcMu.Unlock()
	if n, ok := c.sources[source]; ok {
		return n
	}
	return fmt.Sprintf("source %d", source)
}

func (c *Client) setSource(source uint32, name string) {
	c.srcMu.Lock()
	c.sources[source] = name
	c.srcMu.Unlock()
}

// epochChanged tells the receiving goroutine to open held frames again.
func (c *Client) epochChanged() {
	select {
	case c.epochs <- struct{}{}:
	default:
	}
}

// Test hooks: called, if set, before a commit is sent (op says what it
// does) and before a handshake message is processed.
var (
	testHookCommit  func(c *Client, op string)
	testHookProcess func(c *Client)
)
