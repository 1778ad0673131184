package e2ee

import (
	"fmt"
	"time"

	"github.com/sealroom/sealroom/keyschedule"
)

// DefaultGrace is the grace period a zero Config.Grace selects: how long a
// receiver keeps the keys of an epoch after it stops being current. It
// covers frames still in flight from members who process the commit later
// than this one: the relay delivers a commit to everyone at once, so the
// difference is one delivery and one commit processing, well below a
// second on any working network; two seconds leave room for a slow client
// without keeping old keys for long.
const DefaultGrace = 2 * time.Second

// MaxGrace bounds Config.Grace. Longer would keep keys that forward
// secrecy wants erased for no benefit to real-time media.
const MaxGrace = time.Minute

// Config configures a Session. Its zero value selects the defaults. Every
// member of a call must use the same Schedule.Frame.Suite, Schedule.Layout
// and SenderAuth setting.
type Config struct {
	// Schedule configures the SFrame keys (package keyschedule): cipher
	// suite (zero: AES_256_GCM_SHA512_128), replay window and KID layout
	// (RFC 9605 §5.2; zero: 10 leaf bits, 4 epoch bits).
	Schedule keyschedule.Config

	// Grace is how long the keys of an epoch stay after a newer epoch
	// replaces it, for frames still in flight (RFC 9605 §5.2 leaves this to
	// the application). Zero selects DefaultGrace; at most MaxGrace.
	Grace time.Duration

	// Clock returns the current time. Nil selects time.Now. The grace
	// period and the sender-authentication deadlines are measured with it;
	// tests inject a manual clock and call Session.Tick.
	Clock func() time.Time

	// SenderAuth turns on signed tag batches (see SenderAuth). Nil leaves
	// them off: frames are then authenticated as coming from some member
	// of the epoch, and attributed to a leaf by their KID only.
	SenderAuth *SenderAuth
}

// SenderAuth configures signed tag batches, Sealroom's sender
// authentication beyond RFC 9605 (see tagbatch.go for the design and its
// overhead). Its zero value selects the defaults.
type SenderAuth struct {
	// Frames is the number of frames a batch covers (N), from 1 to
	// MaxBatchFrames. Zero selects DefaultBatchFrames (50: one second of
	// 20 ms audio).
	Frames int

	// Interval is the longest a sealed frame waits for its batch: a batch
	// is due once it holds Frames frames or its first frame is Interval
	// old. Zero selects one second.
	Interval time.Duration

	// Deadline is how long a receiver waits, after a frame arrives, for a
	// batch that covers it before reporting AuthMissingBatch, and how long
	// it keeps a batch it cannot check yet. Zero selects three seconds; it
	// must exceed Interval.
	Deadline time.Duration

	// Report, if not nil, receives every problem found (AuthReport). It
	// is called from whichever goroutine found it (Open, ReceiveTagBatch,
	// Tick, or the MLS goroutine when an epoch is erased) with no lock of
	// the Session held; it must not block for long.
	Report func(AuthReport)
}

// Defaults of SenderAuth.
const (
	DefaultBatchFrames   = 50
	DefaultBatchInterval = time.Second
	DefaultBatchDeadline = 3 * time.Second
)

// settings is a Config with its defaults filled in and checked.
type settings struct {
	schedule keyschedule.Config
	grace    time.Duration
	clock    func() time.Time
	auth     *SenderAuth // a copy, defaults filled in; nil when off
}

func (cfg Config) settings() (settings, error) {
	s := settings{schedule: cfg.Schedule, grace: cfg.Grace, clock: cfg.Clock}
	if s.grace == 0 {
		s.grace = DefaultGrace
	}
	if s.grace < 0 || s.grace > MaxGrace {
		return s, newError("config", ErrInvalidConfig, fmt.Errorf("grace period %v outside (0, %v]", cfg.Grace, MaxGrace))
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if cfg.SenderAuth != nil {
		a := *cfg.SenderAuth
		if a.Frames == 0 {
			a.Frames = DefaultBatchFrames
		}
		if a.Interval == 0 {
			a.Interval = DefaultBatchInterval
		}
		if a.Deadline == 0 {
			a.Deadline = DefaultBatchDeadline
		}
		switch {
		case a.Frames < 1 || a.Frames > MaxBatchFrames:
			return s, newError("config", ErrInvalidConfig, fmt.Errorf("%d frames per tag batch outside 1..%d", a.Frames, MaxBatchFrames))
		case a.Interval < 0:
			return s, newError("config", ErrInvalidConfig, fmt.Errorf("negative tag batch interval %v", a.Interval))
		case a.Deadline <= a.Interval:
			return s, newError("config", ErrInvalidConfig, fmt.Errorf("tag batch deadline %v not above the interval %v", a.Deadline, a.Interval))
		}
		s.auth = &a
	}
	return s, nil
}
