package relay

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/quic-go/quic-go"

	"github.com/sealroom/sealroom/examples/wire"
)

// Server is the Sealroom relay: the media relay and the MLS delivery
// service of any number of rooms, over QUIC. It holds no key and parses
// nothing of what it carries beyond the wire envelope.
type Server struct {
	opts  Options
	log   *slog.Logger
	store *store
	tls   *tls.Config
	cert  [32]byte

	ctx    context.Context
	cancel context.CancelFunc
	ln     *quic.Listener
	wg     sync.WaitGroup

	mu       sync.Mutex
	rooms    map[string]*room
	sessions map[*session]struct{}

	stats counters
}

// counters are the relay's running totals (see Stats).
type counters struct {
	connections   atomic.Uint64
	mediaIn       atomic.Uint64
	mediaOut      atomic.Uint64
	mediaDropped  atomic.Uint64
	mediaRejected atomic.Uint64
	handshakes    atomic.Uint64
	staleCommits  atomic.Uint64
	badMessages   atomic.Uint64
}

// Stats is a snapshot of the relay's counters.
type Stats struct {
	Connections   uint64 // connections accepted
	MediaIn       uint64 // media frames received
	MediaOut      uint64 // media frames handed to QUIC for a receiver
	MediaDropped  uint64 // media frames dropped for a slow receiver
	MediaRejected uint64 // media frames refused (malformed, too large, not in a room)
	Handshakes    uint64 // handshake messages accepted
	StaleCommits  uint64 // commits and proposals refused with STALE_EPOCH
	BadMessages   uint64 // control messages refused with BAD_MESSAGE or TOO_LARGE
}

// Stats returns the relay's counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		Connections: c.connections.Load(), MediaIn: c.mediaIn.Load(), MediaOut: c.mediaOut.Load(),
		MediaDropped: c.mediaDropped.Load(), MediaRejected: c.mediaRejected.Load(),
		Handshakes: c.handshakes.Load(), StaleCommits: c.staleCommits.Load(), BadMessages: c.badMessages.Load(),
	}
}

// New opens the relay's database and prepares its TLS configuration.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	var tlsConf *tls.Config
	if opts.TLSConfig != nil {
		tlsConf = opts.TLSConfig.Clone()
	} else {
		cert, err := selfSigned()
		if err != nil {
			return nil, err
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if len(tlsConf.Certificates) == 0 {
		return nil, errors.New("relay: TLS config has no certificate")
	}
	tlsConf.MinVersion = tls.VersionTLS13
	tlsConf.NextProtos = []string{wire.ALPN}
	st, err := openStore(opts.DBPath)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:     opts,
		log:      opts.Logger,
		store:    st,
		tls:      tlsConf,
		cert:     sha256.Sum256(tlsConf.Certificates[0].Certificate[0]),
		ctx:      ctx,
		cancel:   cancel,
		rooms:    make(map[string]*room),
		sessions: make(map[*session]struct{}),
	}, nil
}

// CertificateSHA256 is the SHA-256 of the relay's certificate (DER), for
// clients that pin it.
func (s *Server) CertificateSHA256() [32]byte { return s.cert }

// Start listens on the UDP address addr ("127.0.0.1:0" picks a port) and
// serves in the background until Close.
func (s *Server) Start(addr string) error {
	qconf := &quic.Config{
		EnableDatagrams:       true,
		MaxIdleTimeout:        s.opts.IdleTimeout,
		HandshakeIdleTimeout:  helloTimeout,
		MaxIncomingStreams:    1, // the control stream
		MaxIncomingUniStreams: 64,
		// A client's control stream never needs more than a few of the
		// largest messages in flight.
		MaxStreamReceiveWindow:     uint64(4 * s.opts.MaxMessage),
		MaxConnectionReceiveWindow: uint64(8*s.opts.MaxMessage + 64*s.opts.MaxFrame),
	}
	ln, err := quic.ListenAddr(addr, s.tls, qconf)
	if err != nil {
		return fmt.Errorf("relay: listen %s: %w", addr, err)
	}
	s.ln = ln
	s.log.Info("relay listening", "addr", ln.Addr().String(), "cert_sha256", fmt.Sprintf("%x", s.cert), "db", s.opts.DBPath)
	s.wg.Add(1)
	go s.acceptLoop()
	return nil
}

// Addr is the address the relay listens on, once started.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept(s.ctx)
		if err != nil {
			return
		}
		s.stats.connections.Add(1)
		sess := newSession(s, conn)
		s.mu.Lock()
		closing := s.ctx.Err() != nil
		if !closing {
			s.sessions[sess] = struct{}{}
			s.wg.Add(1)
		}
		s.mu.Unlock()
		if closing {
			conn.CloseWithError(wire.CloseShutdown, "relay shutting down")
			return
		}
		go func() {
			defer s.wg.Done()
			sess.run()
			s.mu.Lock()
			delete(s.sessions, sess)
			s.mu.Unlock()
		}()
	}
}

// Close disconnects every client, stops listening, waits for the
// connections' goroutines and closes the database. Everything a client
// was told was accepted is already stored.
func (s *Server) Close() error {
	s.cancel()
	s.mu.Lock()
	for sess := range s.sessions {
		sess.kill(wire.CloseShutdown, "relay shutting down")
	}
	s.mu.Unlock()
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	s.wg.Wait()
	if cerr := s.store.close(); err == nil {
		err = cerr
	}
	return err
}
