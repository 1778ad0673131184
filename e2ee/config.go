package e2ee

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/sealroom/sealroom/keyschedule"
	"github.com/sealroom/sealroom/mls"
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

	// CredentialValidator is the application's Authentication Service
	// (RFC 9420 §5.3.1, §16.4): it decides whether a member's credential
	// is acceptable and bound to its signature key, for every member this
	// Session adds, joins with or learns of. Nil accepts every basic
	// credential and refuses every other type (an X.509 chain is only
	// worth anything once verified, which is the validator's job).
	//
	// With nil, a basic credential is a name its holder chose: anyone
	// who obtains a Welcome or the relay's GroupInfo can join as "alice".
	// The safety code (SafetyCode) then is the members' only defence
	// against an impostor or a delivery service that splits the group:
	// compare it out of band.
	CredentialValidator mls.CredentialValidator

	// PublicHandshake sends this member's commits and proposals as
	// PublicMessage (RFC 9420 §6.2), readable by the delivery service,
	// instead of the default PrivateMessage (§6.3), which hides from the
	// relay who commits and whom a commit adds or removes. The relay
	// orders commits by the epoch the transport carries next to each
	// message, so it needs neither. External commits (JoinExternal) are
	// PublicMessage whatever this says, as RFC 9420 §12.4.3.2 requires.
	PublicHandshake bool

	// MLS, if not nil, are the MLS group options the Session starts from,
	// for what Config does not cover: bounds on hostile input, padding,
	// Validation.MaxLifetime = -1 for the key packages of implementations
	// that publish unbounded lifetimes. The Session copies them and then
	// sets EncryptHandshake (from PublicHandshake), caps MaxLeaves at the
	// 2^S leaves of the KID layout, sets PastEpochs to -1 unless given
	// (media goes over SFrame, not MLS application messages, so past MLS
	// epochs keep nothing), and fills Validation.CredentialValidator and
	// Validation.Now from CredentialValidator and Clock where they are
	// nil.
	MLS *mls.GroupOptions
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
	auth     *SenderAuth      // a copy, defaults filled in; nil when off
	mls      mls.GroupOptions // see Config.MLS
}

func (cfg Config) settings() (settings, error) {
	s := settings{schedule: cfg.Schedule, grace: cfg.Grace, clock: cfg.Clock}
	s.mls = cfg.groupOptions()
	if s.grace == 0 {
		s.grace = DefaultGrace
	}
	if s.grace < 0 || s.grace > MaxGrace {
		return s, newError("config", ErrInvalidConfig, fmt.Errorf("grace period %v outside (0, %v]", cfg.Grace, MaxGrace))
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if err := cfg.layout().Validate(); err != nil {
		return s, newError("config", ErrInvalidConfig, err)
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

// layout is the KID layout cfg selects.
func (cfg Config) layout() keyschedule.Layout {
	if cfg.Schedule.Layout == (keyschedule.Layout{}) {
		return keyschedule.DefaultLayout
	}
	return cfg.Schedule.Layout
}

// groupOptions returns the MLS group options of cfg: see Config.MLS.
func (cfg Config) groupOptions() mls.GroupOptions {
	var o mls.GroupOptions
	if cfg.MLS != nil {
		o = *cfg.MLS
	}
	o.EncryptHandshake = !cfg.PublicHandshake
	if o.MaxLeaves <= 0 {
		o.MaxLeaves = mls.DefaultMaxLeaves
	}
	if n := cfg.layout().MaxLeaves(); uint64(o.MaxLeaves) > n {
		o.MaxLeaves = int(n)
	}
	if o.PastEpochs == 0 {
		o.PastEpochs = -1
	}
	var v mls.ValidationOptions
	if o.Validation != nil {
		v = *o.Validation
	}
	if v.CredentialValidator == nil {
		v.CredentialValidator = cfg.CredentialValidator
	}
	if v.CredentialValidator == nil {
		v.CredentialValidator = basicCredentialsOnly
	}
	if v.Now == nil {
		v.Now = cfg.Clock
	}
	o.Validation = &v
	return o
}

// errUnvalidatedCredential is why the default validator refuses a
// credential that is not basic.
var errUnvalidatedCredential = errors.New("a credential other than basic needs Config.CredentialValidator")

// basicCredentialsOnly is the credential validator of a nil
// Config.CredentialValidator: see there.
func basicCredentialsOnly(cred mls.Credential, _ []byte, _ []*x509.Certificate) error {
	if cred.Type != mls.CredentialTypeBasic {
		return fmt.Errorf("%v credential: %w", cred.Type, errUnvalidatedCredential)
	}
	return nil
}
