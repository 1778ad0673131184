package e2ee

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sealroom/sealroom/keyschedule"
)

// Session is one participant of an end-to-end encrypted call: an MLS group
// (RFC 9420) and the SFrame keys of its epochs (RFC 9605 §5.2), kept in
// step. Every commit merged moves the Session to a new epoch with new
// per-sender keys at once; frames of the previous epochs still open for
// the grace period (Config.Grace), after which their keys are erased.
//
// # Concurrency
//
// A Session is safe for one goroutine that seals (Seal, TagBatch), any
// number that open (Open, ReceiveTagBatch), and one that runs the MLS
// operations (Invite, Remove, Update, Leave, Process, DiscardPending), all
// at once. Seal and Open take no lock in the steady state; the MLS
// operations serialize on one lock, which neither Seal nor Open takes.
// Tick, Close and the accessors may be called from any goroutine.
type Session struct {
	set    settings
	ks     *keyschedule.Schedule
	layout keyschedule.Layout
	mask   uint64 // 2^E - 1: the epoch bits of a KID

	state   atomic.Int32
	current atomic.Pointer[epochInfo] // the epoch this member sends in
	infos   atomic.Pointer[infoTable]

	// mu serializes the MLS operations and guards the fields below; it is
	// held across an epoch install. Lock order: mu, then epochMu.
	mu           sync.Mutex
	g            group
	pending      *commitOutput // this member's commit awaiting confirmation
	pendingEpoch uint64        // the epoch pending was created in
	pendingFresh bool          // pending was created after a Restore: merging it lets a restored Session seal
	ownProposals [][]byte      // this member's proposals of the current epoch
	deferred     []AuthReport  // reports found under mu, for unlockReport

	// epochMu guards changes to infos and the retirement list below.
	epochMu  sync.Mutex
	retiring []retirement
	nextDrop atomic.Int64 // Clock().UnixNano() of the earliest retirement, 0 if none
	timer    *time.Timer

	send      *batchSender // the sender's tag batches; nil without SenderAuth
	sigFormat sigFormat    // how tag batches carry the suite's signatures
	authTimer *time.Timer  // sweeps overdue tag batches; nil without SenderAuth
	stats     authCounters
}

// Session states.
const (
	stateJoining int32 = iota // external commit sent, not yet confirmed
	stateMember               // a member: seals and opens
	stateRemoved              // removed by a commit: opens its last epoch during the grace period
	stateClosed
	stateRestored // restored from storage: a member that seals nothing until its own new commit is merged
)

// retirement schedules the erasure of an epoch's keys.
type retirement struct {
	epoch uint64
	at    int64 // Clock().UnixNano()
}

// newSession returns a Session on g, a group in an epoch this member
// belongs to (created, or joined from a Welcome), and installs its keys.
func newSession(cfg Config, g group) (*Session, error) {
	s, err := newIdleSession(cfg, g)
	if err != nil {
		return nil, err
	}
	s.state.Store(stateMember)
	s.mu.Lock()
	defer s.unlockReport()
	if err := s.installEpoch(); err != nil {
		s.ks.Close()
		return nil, err
	}
	return s, nil
}

// newJoiningSession returns a Session on g, which has a pending external
// commit out (RFC 9420 §12.4.3.2) for the epoch g.Epoch(): the Session
// becomes a member when Process sees the commit confirmed.
func newJoiningSession(cfg Config, g group, out commitOutput) (*Session, Commit, error) {
	s, err := newIdleSession(cfg, g)
	if err != nil {
		return nil, Commit{}, err
	}
	s.state.Store(stateJoining)
	s.pending, s.pendingEpoch = &out, g.Epoch()
	return s, s.commitFor(&out, s.pendingEpoch, nil), nil
}

func newIdleSession(cfg Config, g group) (*Session, error) {
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	ks, err := keyschedule.New(set.schedule)
	if err != nil {
		return nil, newError("new session", ErrInvalidConfig, err)
	}
	l := ks.Layout()
	s := &Session{set: set, ks: ks, layout: l, mask: 1<<l.EpochBits - 1, g: g}
	s.infos.Store(&infoTable{slots: make([]*epochInfo, 1<<l.EpochBits)})
	if set.auth != nil {
		if s.sigFormat, err = sigFormatOf(g.CipherSuite()); err != nil {
			ks.Close()
			return nil, newError("new session", ErrSenderAuth, err)
		}
		s.send = newBatchSender(set.auth.Frames)
		s.authTimer = time.AfterFunc(set.auth.Deadline/2, s.authTick)
	}
	return s, nil
}

// Epoch returns the epoch this member sends in: the current MLS epoch once
// it is a member, the last one it had once removed, and 0 before.
func (s *Session) Epoch() uint64 {
	if info := s.current.Load(); info != nil {
		return info.number
	}
	return 0
}

// Leaf returns this member's leaf index in the current epoch.
func (s *Session) Leaf() uint32 {
	if info := s.current.Load(); info != nil {
		return info.self
	}
	return 0
}

// Member is a member of the group.
type Member struct {
	// Leaf is its leaf index in the ratchet tree (RFC 9420 §4.1, §7.1),
	// which is also its sender index in the SFrame KIDs (RFC 9605 §5.2).
	Leaf uint32
	// Identity is the identity of its credential (RFC 9420 §5.3): the
	// identity of a basic credential, the subject of an X.509
	// credential's end-entity certificate (RFC 4514 form).
	Identity []byte
}

// Members returns the members of the current epoch, this member included,
// by leaf index.
func (s *Session) Members() []Member {
	info := s.current.Load()
	if info == nil {
		return nil
	}
	var out []Member
	for leaf, m := range info.members {
		if m.present {
			out = append(out, Member{Leaf: uint32(leaf), Identity: slices.Clone(m.identity)})
		}
	}
	return out
}

// MaxOverhead returns the most that Seal adds to a frame of a codec whose
// clear part is a prefix of the frame (Opus, VP8, VP9): the packet's codec
// byte and clear length, and the SFrame header and tag. For H.264, H.265
// and AV1 add the clear part, a copy of the frame's NAL unit or OBU
// headers (see Codec).
func (s *Session) MaxOverhead() int { return 3 + s.ks.MaxOverhead() }

// String describes s without key material.
func (s *Session) String() string {
	st := [...]string{"joining", "member", "removed", "closed", "restored"}[s.state.Load()]
	return "e2ee.Session(" + st + ", epoch " + strconv.FormatUint(s.Epoch(), 10) + ", " + s.ks.Suite().String() + ")"
}

// GoString describes s without key material.
func (s *Session) GoString() string { return s.String() }

// Close erases every key of the Session at once and stops its timer. The
// MLS group is abandoned: a closed Session seals, opens and processes
// nothing (ErrClosed).
func (s *Session) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Store(stateClosed)
	s.epochMu.Lock()
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.authTimer != nil {
		s.authTimer.Stop()
	}
	s.retiring = nil
	s.nextDrop.Store(0)
	for _, info := range s.infos.Load().slots {
		if info != nil {
			info.dropped.Store(true)
		}
	}
	s.epochMu.Unlock()
	s.ks.Close()
	if s.pending != nil {
		s.g.ClearPendingCommit()
		s.pending = nil
	}
}

// unlockReport releases s.mu and then hands the reports found while it was
// held to SenderAuth.Report, which must not run under the Session's locks.
func (s *Session) unlockReport() {
	r := s.deferred
	s.deferred = nil
	s.mu.Unlock()
	s.report(r)
}

// authTick is the periodic Tick that reports overdue tag batches even
// when no frame arrives.
func (s *Session) authTick() {
	if s.state.Load() == stateClosed {
		return
	}
	s.Tick()
	s.epochMu.Lock()
	if s.state.Load() != stateClosed {
		s.authTimer.Reset(s.set.auth.Deadline / 2)
	}
	s.epochMu.Unlock()
}

// stateError returns the error of an operation refused in state st.
func stateError(op string, st int32) error {
	switch st {
	case stateClosed:
		return newError(op, ErrClosed, nil)
	case stateJoining:
		return newError(op, ErrNotMember, errNotConfirmed)
	case stateRestored:
		return newError(op, ErrRestored, errors.New("commit (Update) and process its echo first: the epoch keys restored may have sealed frames before"))
	default:
		return newError(op, ErrNotMember, errRemoved)
	}
}

// isMember reports whether st is a state in which the Session takes part
// in the group's handshake: a member, possibly restored.
func isMember(st int32) bool { return st == stateMember || st == stateRestored }

// GroupID returns the MLS group ID (RFC 9420 §8.1).
func (s *Session) GroupID() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.g.GroupID()
}

// GroupInfo returns the signed GroupInfo of the current epoch (RFC 9420
// §12.4.3) as an MLSMessage, with the ratchet tree and the external_pub
// extension that JoinExternal needs. Every Commit carries the GroupInfo of
// the epoch it creates; GroupInfo is for a delivery service that has none
// (a group with no commit yet) or lost it.
func (s *Session) GroupInfo() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.state.Load(); !isMember(st) {
		return nil, stateError("group info", st)
	}
	gi, err := s.g.GroupInfo()
	if err != nil {
		return nil, newError("group info", nil, err).at(s.current.Load().number)
	}
	return gi, nil
}
