package call

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/transport"
)

// Reason says why a received frame was not opened.
type Reason uint8

const (
	// ReasonUnknownEpoch: sealed in an epoch this client never reached:
	// kept for HoldFor and no commit brought it, or the client had been
	// removed (e2ee.ErrUnknownEpoch).
	ReasonUnknownEpoch Reason = iota
	// ReasonEpochExpired: its epoch's keys were erased after the grace
	// period (e2ee.ErrEpochExpired).
	ReasonEpochExpired
	// ReasonAuthentication: SFrame authentication failed
	// (e2ee.ErrAuthentication).
	ReasonAuthentication
	// ReasonReplay: its counter was seen already or is too old
	// (e2ee.ErrReplay).
	ReasonReplay
	// ReasonUnknownSender: its KID names no other member of the epoch
	// (e2ee.ErrUnknownSender).
	ReasonUnknownSender
	// ReasonMalformed: the packet, its clear part or the decrypted frame
	// does not parse, or its codec is not its stream's.
	ReasonMalformed
	// ReasonNotMember: this client was not in the group (joining, or its
	// session closed).
	ReasonNotMember
	// ReasonOther: anything else.
	ReasonOther

	// NumReasons is the number of reasons.
	NumReasons
)

var reasonNames = [NumReasons]string{"unknown epoch", "epoch expired", "authentication", "replay", "unknown sender", "malformed", "not a member", "other"}

func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// reasonOf classifies an error of e2ee.Session.Open.
func reasonOf(err error) Reason {
	switch {
	case errors.Is(err, e2ee.ErrUnknownEpoch):
		return ReasonUnknownEpoch
	case errors.Is(err, e2ee.ErrEpochExpired):
		return ReasonEpochExpired
	case errors.Is(err, e2ee.ErrAuthentication):
		return ReasonAuthentication
	case errors.Is(err, e2ee.ErrReplay):
		return ReasonReplay
	case errors.Is(err, e2ee.ErrUnknownSender):
		return ReasonUnknownSender
	case errors.Is(err, e2ee.ErrMalformedPacket), errors.Is(err, e2ee.ErrClearMismatch), errors.Is(err, e2ee.ErrUnknownCodec):
		return ReasonMalformed
	case errors.Is(err, e2ee.ErrClosed), errors.Is(err, e2ee.ErrNotMember):
		return ReasonNotMember
	}
	return ReasonOther
}

// PeerStats counts the frames a client received from one other member.
type PeerStats struct {
	Opened      uint64
	OpenedBytes uint64 // plaintext bytes
	Rejected    [NumReasons]uint64
	// Lost counts the frames that never reached the receiving goroutine:
	// the gaps in each of the sender's streams, between the first and the
	// last sequence number that arrived (datagrams lost on the way, or
	// dropped by a queue of QUIC, the relay or the transport that was
	// full). It is known only per relay source, so a sender that
	// reconnected is counted under each of its sources.
	Lost uint64
}

// RejectedTotal sums Rejected.
func (p PeerStats) RejectedTotal() uint64 {
	var n uint64
	for _, v := range p.Rejected {
		n += v
	}
	return n
}

// Departure describes what a client received after it left the group:
// frames of its last epoch still open for the grace period, and nothing
// after it.
type Departure struct {
	// At is when the client processed its removal; zero if it was not
	// removed. Epoch is its last epoch.
	At    time.Time
	Epoch uint64
	// GraceEnd is At plus the Session's grace period.
	GraceEnd time.Time
	// Opened counts the frames opened after the removal, AfterGrace those
	// of them opened after GraceEnd (never expected), LaterEpoch those of
	// an epoch after Epoch (never possible).
	Opened, AfterGrace, LaterEpoch uint64
	// Rejected counts the frames received after the removal and not
	// opened, RejectedAfterGrace those received after GraceEnd.
	Rejected, RejectedAfterGrace uint64
}

// Stats is a snapshot of a Client.
type Stats struct {
	Name       string
	Phase      Phase
	Epoch      uint64
	SafetyCode e2ee.SafetyCode
	Members    []string // the group's members by leaf, when a member
	Source     uint32   // the relay's number for this client's media

	// Sent counts the frames sent per stream; SentBytes their sealed
	// bytes. NotSent counts frames the pacers released while the client
	// could not send (not a member yet, or no more), SendErrors frames
	// that failed to seal or send.
	Sent       map[uint32]uint64
	SentBytes  uint64
	NotSent    uint64
	SendErrors uint64

	// Peers counts what was received, by sender: the MLS identity of a
	// frame that opened, or, when Open could not tell, the identity its
	// KID names or the relay's name for its source. Past 1024 senders,
	// further ones are counted together under "other senders".
	Peers map[string]PeerStats
	// SourceMismatch counts frames whose MLS sender is not the client the
	// relay says sent them: a member forging another's frames, or a relay
	// misattributing.
	SourceMismatch uint64
	// Held counts frames kept for an epoch not yet installed, HeldOpened
	// those of them opened later, HeldExpired those given up.
	Held, HeldOpened, HeldExpired uint64
	// LastCapture is the capture time of the last frame the receiving
	// goroutine took from the transport: how far it has caught up with
	// the call (zero before the first).
	LastCapture time.Time

	// Commits counts commits of this client the relay accepted,
	// StaleCommits those it refused because another took the epoch (each
	// was retried if still wanted), ProcessErrors handshake messages that
	// failed to process, Reconnects connections made after the first.
	Commits, StaleCommits, ProcessErrors, Reconnects uint64

	Departure Departure
	Transport transport.Stats
}

// Opened sums the frames opened from every peer.
func (s *Stats) Opened() uint64 {
	var n uint64
	for _, p := range s.Peers {
		n += p.Opened
	}
	return n
}

// Rejected sums the frames not opened, from every peer.
func (s *Stats) Rejected() uint64 {
	var n uint64
	for _, p := range s.Peers {
		n += p.RejectedTotal()
	}
	return n
}

// SentTotal sums Sent.
func (s *Stats) SentTotal() uint64 {
	var n uint64
	for _, v := range s.Sent {
		n += v
	}
	return n
}

// counters are a Client's running totals.
type counters struct {
	sentAudio, sentVideo, sentBytes, notSent, sendErrors atomic.Uint64
	sourceMismatch, held, heldOpened, heldExpired        atomic.Uint64
	lastCapture                                          atomic.Int64 // µs
	commits, staleCommits, processErrors, reconnects     atomic.Uint64

	mu        sync.Mutex
	peers     map[string]*PeerStats
	arrivals  map[streamKey]*arrivals
	departure Departure
}

// maxTrackedStreams bounds the streams whose arrivals are counted.
const maxTrackedStreams = 1024

// streamKey names one stream of one relay source.
type streamKey struct{ source, stream uint32 }

// arrivals are the sequence numbers of one stream that arrived: the
// lowest, the highest and how many.
type arrivals struct{ first, last, count uint64 }

// lost is how many sequence numbers between first and last did not
// arrive.
func (a *arrivals) lost() uint64 {
	return (a.last - a.first + 1) - min(a.count, a.last-a.first+1)
}

// arrived records a frame of stream from source, sequence seq, handed
// over by the transport.
func (c *counters) arrived(source, stream uint32, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := streamKey{source, stream}
	a := c.arrivals[k]
	if a == nil {
		if _, ok := codecOf[stream]; !ok || len(c.arrivals) >= maxTrackedStreams {
			return // not a stream of these calls, or a relay making up sources
		}
		if c.arrivals == nil {
			c.arrivals = make(map[streamKey]*arrivals)
		}
		c.arrivals[k] = &arrivals{first: seq, last: seq, count: 1}
		return
	}
	a.first, a.last = min(a.first, seq), max(a.last, seq)
	a.count++
}

// maxTrackedPeers bounds the senders counted apart in Stats.Peers; the
// frames of any further sender are counted under otherPeers. Names of
// unknown relay sources ("source N") come from the relay, which may make
// up any number of them.
const maxTrackedPeers = 1024

// otherPeers is the Stats.Peers entry for senders past maxTrackedPeers.
const otherPeers = "other senders"

func (c *counters) peer(name string) *PeerStats {
	p := c.peers[name]
	if p == nil {
		if len(c.peers) >= maxTrackedPeers {
			name = otherPeers
			if p = c.peers[name]; p != nil {
				return p
			}
		}
		p = new(PeerStats)
		c.peers[name] = p
	}
	return p
}

// opened counts a frame opened from name at time now, in epoch.
func (c *counters) opened(name string, bytes int, epoch uint64, now time.Time) {
	c.mu.Lock()
	p := c.peer(name)
	p.Opened++
	p.OpenedBytes += uint64(bytes)
	if d := &c.departure; !d.At.IsZero() {
		d.Opened++
		if now.After(d.GraceEnd) {
			d.AfterGrace++
		}
		if epoch > d.Epoch {
			d.LaterEpoch++
		}
	}
	c.mu.Unlock()
}

// rejected counts a frame from name not opened for reason, received at
// time at.
func (c *counters) rejected(name string, reason Reason, at time.Time) {
	c.mu.Lock()
	c.peer(name).Rejected[reason]++
	if d := &c.departure; !d.At.IsZero() && !at.Before(d.At) {
		d.Rejected++
		if at.After(d.GraceEnd) {
			d.RejectedAfterGrace++
		}
	}
	c.mu.Unlock()
}

func (c *counters) depart(at time.Time, epoch uint64, grace time.Duration) {
	c.mu.Lock()
	c.departure = Departure{At: at, Epoch: epoch, GraceEnd: at.Add(grace)}
	c.mu.Unlock()
}
