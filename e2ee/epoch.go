package e2ee

import (
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/sealroom/sealroom/keyschedule"
)

// Causes of ErrNotMember.
var (
	errNotConfirmed = errors.New("the external commit has not been confirmed yet")
	errRemoved      = errors.New("removed from the group")
)

// epochInfo is what the Session knows of one epoch besides its keys (which
// the keyschedule.Schedule holds): its members, safety code, and the
// sender-authentication state of its senders. It is immutable once
// published, except for dropped and the authentication state.
type epochInfo struct {
	number  uint64
	self    uint32
	members []memberInfo // by leaf index; blank leaves are not present
	code    SafetyCode

	// batchContext binds tag batches to the group and epoch (see
	// tagbatch.go); set only with SenderAuth.
	batchContext []byte
	// recv is the receive side of sender authentication, one per leaf,
	// created on the leaf's first frame or batch; nil without SenderAuth.
	recv []atomic.Pointer[batchReceiver]

	// dropped is set once the epoch's keys have been erased.
	dropped atomic.Bool
}

// peer is a member of an epoch as Open finds it: the value of the
// member's receive keys (keyschedule.Key.Value), so that attributing a
// frame to its sender takes no lookup.
type peer struct {
	info     *epochInfo
	identity []byte // info.members[leaf].identity
	auth     bool   // info.recv != nil: its frames are recorded for their tag batches
}

type memberInfo struct {
	present  bool
	identity []byte
	sigKey   []byte
}

// member returns the member at leaf, and false if the leaf is blank.
func (info *epochInfo) member(leaf uint32) (memberInfo, bool) {
	if uint64(leaf) >= uint64(len(info.members)) || !info.members[leaf].present {
		return memberInfo{}, false
	}
	return info.members[leaf], true
}

// identity returns the credential identity at leaf, or nil for a blank
// leaf.
func (info *epochInfo) identity(leaf uint32) []byte {
	if uint64(leaf) < uint64(len(info.members)) {
		return info.members[leaf].identity
	}
	return nil
}

// infoTable holds the epochInfo of the live epochs, and of erased ones
// until a newer epoch takes their slot, indexed by the low E bits of the
// epoch number as in the KID (RFC 9605 §5.2). It is replaced, never
// changed.
type infoTable struct {
	slots []*epochInfo
}

// info returns the epochInfo of epoch n, or nil.
func (s *Session) info(n uint64) *epochInfo {
	if info := s.current.Load(); info != nil && info.number == n {
		return info
	}
	if info := s.infos.Load().slots[n&s.mask]; info != nil && info.number == n {
		return info
	}
	return nil
}

// epochOf returns the epoch whose low E bits (the epoch field of a KID,
// RFC 9605 §5.2) are bits, read as the nearest epoch at or behind the
// current one: frames and batches of older epochs arrive for a while
// after a commit, those of newer ones only before this member has
// processed it. It returns nil, and ahead set if the bits name an epoch
// up to 2^(E-1) ahead of the current one, when it knows no such epoch.
func (s *Session) epochOf(bits uint64) (info *epochInfo, ahead bool) {
	cur := s.current.Load()
	if cur == nil {
		return nil, false
	}
	if d := (bits - cur.number) & s.mask; d != 0 && d <= s.mask/2 {
		return nil, true
	}
	back := (cur.number - bits) & s.mask
	if back > cur.number {
		return nil, false
	}
	return s.info(cur.number - back), false
}

// installEpoch makes the group's current epoch the Session's: it exports
// the epoch's SFrame base key (RFC 9605 §5.2), derives its safety code,
// publishes its members and installs its keys, so that Seal uses the new
// epoch at once; the previous epoch is retired after the grace period. The
// caller holds s.mu.
func (s *Session) installEpoch() error {
	g := s.g
	n, self, members := g.Epoch(), g.OwnLeaf(), g.Members()
	info := &epochInfo{number: n, self: self}
	leaves := make([]uint32, 0, len(members))
	maxLeaf := uint32(0)
	for _, m := range members {
		if uint64(m.Leaf) >= s.layout.MaxLeaves() {
			return newError("install", nil, keyschedule.ErrLeafOutOfRange).at(n).from(m.Leaf, m.Identity)
		}
		maxLeaf = max(maxLeaf, m.Leaf)
		leaves = append(leaves, m.Leaf)
	}
	info.members = make([]memberInfo, maxLeaf+1)
	for _, m := range members {
		info.members[m.Leaf] = memberInfo{present: true, identity: slices.Clone(m.Identity), sigKey: slices.Clone(m.SignatureKey)}
	}

	auth := g.EpochAuthenticator()
	code, err := deriveSafetyCode(n, auth)
	clear(auth)
	if err != nil {
		return newError("install", nil, err).at(n)
	}
	info.code = code
	if s.set.auth != nil {
		if info.batchContext, err = g.Export(batchContextLabel, nil, batchContextLen); err != nil {
			return newError("install", nil, err).at(n)
		}
		info.recv = make([]atomic.Pointer[batchReceiver], len(info.members))
	}
	base, err := keyschedule.ExportBaseKey(g, s.ks.Suite())
	if err != nil {
		return newError("install", nil, err).at(n)
	}

	// Every receive key of the epoch carries its sender's peer
	// (Epoch.Values), which is how Open attributes a frame.
	peers := make([]any, len(leaves))
	for i, leaf := range leaves {
		peers[i] = &peer{info: info, identity: info.members[leaf].identity, auth: info.recv != nil}
	}
	// The info goes first, so that the epoch is known by number before
	// any frame of it opens.
	evicted := s.publish(info)
	if err := s.ks.InstallEpoch(keyschedule.Epoch{Number: n, BaseKey: base, Self: self, Members: leaves, Values: peers}); err != nil {
		return newError("install", nil, err).at(n)
	}
	prev := s.current.Swap(info)
	if prev != nil {
		s.retire(prev.number)
	}
	if evicted != nil {
		// A newer epoch with the same low bits evicts its keys (RFC 9605
		// §5.2) before its grace period ends. The reports go out once s.mu
		// is released (unlockReport).
		s.deferred = append(s.deferred, s.finishEpochAuth(evicted)...)
	}
	return nil
}

// publish puts info in its slot and returns the epoch it replaced if that
// one was still live.
func (s *Session) publish(info *epochInfo) (evicted *epochInfo) {
	s.epochMu.Lock()
	defer s.epochMu.Unlock()
	old := s.infos.Load().slots
	t := &infoTable{slots: slices.Clone(old)}
	idx := info.number & s.mask
	if prev := t.slots[idx]; prev != nil && !prev.dropped.Swap(true) {
		evicted = prev
		s.retiring = slices.DeleteFunc(s.retiring, func(r retirement) bool { return r.epoch == prev.number })
		s.rearm()
	}
	t.slots[idx] = info
	s.infos.Store(t)
	return evicted
}

// retire schedules the erasure of epoch n's keys after the grace period.
func (s *Session) retire(n uint64) {
	s.epochMu.Lock()
	defer s.epochMu.Unlock()
	s.retiring = append(s.retiring, retirement{epoch: n, at: s.set.clock().Add(s.set.grace).UnixNano()})
	s.rearm()
}

// rearm sets nextDrop to the earliest retirement and arms the timer that
// calls Tick then. The caller holds s.epochMu.
func (s *Session) rearm() {
	if len(s.retiring) == 0 {
		s.nextDrop.Store(0)
		if s.timer != nil {
			s.timer.Stop()
		}
		return
	}
	next := s.retiring[0].at
	for _, r := range s.retiring[1:] {
		next = min(next, r.at)
	}
	s.nextDrop.Store(next)
	d := time.Duration(next - s.set.clock().UnixNano())
	if s.timer == nil {
		s.timer = time.AfterFunc(max(d, 0), s.Tick)
	} else {
		s.timer.Reset(max(d, 0))
	}
}

// Tick erases the keys of every epoch whose grace period has ended and, with
// SenderAuth, reports frames whose tag batch is overdue. The Session calls
// it itself: from a timer set for each epoch's end (with the real clock)
// and from Seal and Open whenever an erasure is due, so keys are erased on
// time even when no frame arrives. An application with an injected
// Config.Clock calls it after moving the clock.
func (s *Session) Tick() {
	s.epochMu.Lock()
	dropped := s.dropDue()
	s.epochMu.Unlock()
	s.sweep(dropped)
}

// expire runs Tick's erasures from Seal and Open, if one is due. It reads
// the clock only while an epoch is waiting for its erasure.
func (s *Session) expire() {
	if d := s.nextDrop.Load(); d != 0 {
		s.expireAt(d)
	}
}

// expireAt erases what is due if the clock has reached d, unless another
// goroutine is already at it.
func (s *Session) expireAt(d int64) {
	if s.set.clock().UnixNano() < d || !s.epochMu.TryLock() {
		return
	}
	dropped := s.dropDue()
	s.epochMu.Unlock()
	if len(dropped) > 0 {
		s.report(s.finishDropped(dropped))
	}
}

// dropDue erases the epochs whose time has come and returns them. The
// caller holds s.epochMu.
func (s *Session) dropDue() []*epochInfo {
	if len(s.retiring) == 0 {
		return nil
	}
	now := s.set.clock().UnixNano()
	var dropped []*epochInfo
	keep := s.retiring[:0]
	for _, r := range s.retiring {
		if r.at > now {
			keep = append(keep, r)
			continue
		}
		// The epoch may already be gone: evicted by a newer one, or the
		// Schedule closed.
		_ = s.ks.DropEpoch(r.epoch)
		if info := s.info(r.epoch); info != nil && !info.dropped.Swap(true) {
			dropped = append(dropped, info)
		}
	}
	s.retiring = keep
	s.rearm()
	return dropped
}
