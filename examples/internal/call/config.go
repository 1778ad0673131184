package call

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/media"
)

// Stream IDs of the media a Client sends (wire Media.stream_id).
const (
	StreamAudio uint32 = 1 // Opus packets, every 20 ms
	StreamVideo uint32 = 2 // VP8 frames, 30 per second
)

// JoinMode says how a Client joins a room whose group exists already.
// Either way, a Client that finds the room empty of any group creates it.
type JoinMode uint8

const (
	// JoinExternal joins by external commit (RFC 9420 §12.4.3.2) from the
	// GroupInfo the relay keeps: no member needs to be online. A client
	// whose identity is still in the group (it crashed and lost its state)
	// replaces its old leaf (e2ee.ExternalJoinOptions.Resync).
	JoinExternal JoinMode = iota
	// JoinInvite uploads KeyPackages and waits for a member to invite the
	// client (an Add commit and a Welcome), which the member online with
	// the lowest leaf does when the relay announces the client.
	JoinInvite
)

func (m JoinMode) String() string {
	switch m {
	case JoinExternal:
		return "external"
	case JoinInvite:
		return "invite"
	}
	return fmt.Sprintf("JoinMode(%d)", uint8(m))
}

// ParseJoinMode parses "external" or "invite".
func ParseJoinMode(s string) (JoinMode, error) {
	switch s {
	case "external":
		return JoinExternal, nil
	case "invite":
		return JoinInvite, nil
	}
	return 0, fmt.Errorf("call: join mode %q: want external or invite", s)
}

// Config configures a Client. Relay, Room and Name are required.
type Config struct {
	// Relay is the relay's UDP address (host:port).
	Relay string
	// Room names the call.
	Room string
	// Name is the client's id at the relay and its MLS identity (a basic
	// credential): the name the other members see on its frames. It must
	// be unique in the room; as a file name of the recordings it is 1 to
	// 64 of A-Z a-z 0-9 . _ - (see media.Recorder).
	Name string
	// Token is the relay's room token, if it asks for one.
	Token string

	// How to trust the relay (transport.Config): at most one of these.
	// TLS protects metadata only; the call is end-to-end encrypted
	// whatever it does.
	CertSHA256         []byte
	InsecureSkipVerify bool
	TLSConfig          *tls.Config

	// Join says how to join a room whose group exists.
	Join JoinMode
	// Identity is the client's MLS identity; nil makes a fresh one for
	// Name with the default suite.
	Identity *e2ee.Identity
	// Session configures the e2ee Session (grace period, clock, suites).
	Session e2ee.Config

	// Audio and Video are the tracks to send, each looped and paced in
	// real time from Start; nil sends none.
	Audio, Video *media.Track
	// Start is media time 0 of both tracks; zero is when the Client starts.
	Start time.Time

	// OutDir, if not empty, receives what the client opens, decrypted,
	// one file per sender and codec (media.Recorder): SENDER-vp8.ivf and
	// SENDER-opus.ogg.
	OutDir string
	// SentLog and ReceivedLog, if not nil, log the digest of every frame
	// sent (before sealing, as it is handed to the transport: one that
	// never arrives shows as missing) and opened (after opening), for
	// media.Compare. Several clients may share one SentLog.
	SentLog, ReceivedLog *media.Log

	// KeyPackages is how many one-time KeyPackages a JoinInvite client
	// uploads, besides a last-resort one; default 4.
	KeyPackages int
	// InviteDelay is how long the inviting member waits after a client
	// connects before claiming its KeyPackage, so that clients arriving
	// together are added by one commit; default 50 ms.
	InviteDelay time.Duration
	// RemoveAfter is how long a member may stay disconnected from the
	// relay before the member online with the lowest leaf removes it;
	// default 10 s, negative never.
	RemoveAfter time.Duration
	// HoldFor and HoldFrames bound the frames kept while their epoch is
	// not installed yet (e2ee.ErrUnknownEpoch): kept at most HoldFor
	// (default 3 s), at most HoldFrames of them (default 1024); each is
	// opened again once a commit has been processed. A client starved of
	// CPU can take over a second to process a Welcome or a commit, the
	// frames of the new epoch arriving meanwhile.
	HoldFor    time.Duration
	HoldFrames int
	// MediaBuffer is the transport's buffer of received frames (default
	// 256).
	MediaBuffer int

	// Logger receives the client's debug and error log; nil discards.
	Logger *slog.Logger
	// OnEvent, if not nil, is called from the client's MLS goroutine for
	// every membership event; it must not block.
	OnEvent func(Event)
	// OnSent and OnReceived, if not nil, are called for every frame sent
	// and every frame opened, from the sending and receiving goroutines:
	// per-frame timestamps for latency measurements. They must be fast.
	OnSent     func(SentFrame)
	OnReceived func(ReceivedFrame)
}

func (c Config) withDefaults() Config {
	if c.KeyPackages <= 0 {
		c.KeyPackages = 4
	}
	if c.InviteDelay <= 0 {
		c.InviteDelay = 50 * time.Millisecond
	}
	if c.RemoveAfter == 0 {
		c.RemoveAfter = 10 * time.Second
	}
	if c.HoldFor <= 0 {
		c.HoldFor = 3 * time.Second
	}
	if c.HoldFrames <= 0 {
		c.HoldFrames = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Timeouts of the client's requests to the relay, and its reconnection
// backoff.
const (
	requestTimeout = 5 * time.Second
	dialTimeout    = 5 * time.Second
	minBackoff     = 50 * time.Millisecond
	maxBackoff     = 2 * time.Second
)
