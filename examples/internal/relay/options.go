package relay

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/sealroom/sealroom/examples/wire"
)

// Options configures a Server. The zero value is usable: an in-memory
// database, a fresh self-signed certificate, no token check, and the
// limits below.
type Options struct {
	// TLSConfig holds the relay's certificate. If nil, a self-signed
	// certificate is generated at start (see Server.CertificateSHA256 for
	// clients that pin it). TLS protects metadata only: who talks to the
	// relay and the handshake envelopes. Media and MLS content are
	// end-to-end encrypted by the clients whatever TLS does.
	TLSConfig *tls.Config

	// DBPath is the SQLite file holding KeyPackages, handshake logs,
	// GroupInfos and pending Welcomes. "" or ":memory:" keeps them in
	// memory (lost when the Server closes).
	DBPath string

	// Logger receives connection and handshake events; never payload
	// bytes. nil discards.
	Logger *slog.Logger

	// Authorize gates resource use: whether clientID, presenting token,
	// may enter room. It does not authenticate members (MLS does that,
	// inside the clients). nil admits everyone. See RoomTokens.
	Authorize func(room, clientID, token string) bool

	// MediaObserver, if set, is called for each media frame the relay
	// accepts, before it is forwarded, for statistics. The relay itself
	// reads nothing of the payload; an observer may read the SFrame
	// header (KID, CTR) at its start, which is in clear. It runs on the
	// media path: it must be fast and must not keep m.Payload.
	MediaObserver func(room string, m *wire.MediaFrame)

	MaxMessage              int // control-stream message bytes; default 1 MiB
	MaxFrame                int // media payload bytes; default 256 KiB
	MaxKeyPackage           int // bytes of one KeyPackage; default 64 KiB
	MaxKeyPackagesPerClient int // one-time KeyPackages stored per client; default 256
	MaxMembers              int // connected clients per room; default 64
	MaxRooms                int // rooms with a connected client; default 10000
	MaxLog                  int // handshake log entries kept per room; default 1024
	MaxPendingWelcomes      int // undelivered Welcomes kept per room; default 256
	ControlQueue            int // messages queued to one client; default 4096, at least MaxLog+MaxPendingWelcomes+64
	ControlQueueBytes       int // bytes queued to one client; default 32 MiB
	MediaQueue              int // media frames queued to one client; default 256

	// IdleTimeout closes a connection that has been silent this long;
	// default 30 s. Clients send keep-alives.
	IdleTimeout time.Duration
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxMessage, 1<<20)
	def(&o.MaxFrame, 256<<10)
	def(&o.MaxKeyPackage, 64<<10)
	def(&o.MaxKeyPackagesPerClient, 256)
	def(&o.MaxMembers, 64)
	def(&o.MaxRooms, 10000)
	def(&o.MaxLog, 1024)
	def(&o.MaxPendingWelcomes, 256)
	// A catch-up replays up to MaxLog entries into the control queue at
	// once, after the pending Welcomes.
	def(&o.ControlQueue, 4096)
	o.ControlQueue = max(o.ControlQueue, o.MaxLog+o.MaxPendingWelcomes+64)
	def(&o.ControlQueueBytes, 32<<20)
	def(&o.MediaQueue, 256)
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// maxName bounds room names and client ids.
const maxName = 128

// helloTimeout bounds how long a new connection may take to open its
// control stream and send Hello.
const helloTimeout = 10 * time.Second

// closeGrace bounds how long the relay waits to flush a final Error
// before closing a connection.
const closeGrace = 2 * time.Second

// mediaStreamTimeout bounds reading or writing one media frame on a
// unidirectional stream.
const mediaStreamTimeout = 5 * time.Second
