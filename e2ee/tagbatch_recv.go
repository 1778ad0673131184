package e2ee

import (
	"crypto/sha256"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sealroom/sealroom/frame"
)

// AuthReason says why frames failed sender authentication.
type AuthReason uint8

const (
	// AuthBadSignature: a tag batch for the frames arrived and its
	// signature does not verify over the digests of the frames received:
	// a frame was sealed by another member than its KID names, or the
	// batch was tampered with.
	AuthBadSignature AuthReason = 1 + iota
	// AuthForged: a frame arrived after its batch had been verified, and
	// its digest is not the one its sender signed: another member sealed
	// it.
	AuthForged
	// AuthMissingBatch: no batch covering the frames arrived within
	// SenderAuth.Deadline (or before the epoch's keys were erased).
	AuthMissingBatch
	// AuthUnverifiable: the batch arrived, but two or more of its frames
	// were lost, so the signed digest list cannot be rebuilt (see
	// tagbatch.go); or the frame arrived after its batch was given up.
	AuthUnverifiable
)

var authReasonNames = [...]string{
	AuthBadSignature: "bad batch signature",
	AuthForged:       "frame does not match its signed digest",
	AuthMissingBatch: "no tag batch within the deadline",
	AuthUnverifiable: "too many frames of the batch lost to verify it",
}

func (r AuthReason) String() string {
	if r >= AuthBadSignature && r <= AuthUnverifiable {
		return authReasonNames[r]
	}
	return "AuthReason(" + strconv.Itoa(int(r)) + ")"
}

// AuthReport is a run of frames, opened and delivered by Open, that sender
// authentication did not confirm as sealed by the member their KID names.
type AuthReport struct {
	// Sender is the member the frames claim to come from, in their epoch;
	// Sender.Counter is First.
	Sender Sender
	// First and Last are the first and last SFrame counters (CTR) of the
	// run; Frames is the number of frames of the run that were opened.
	First, Last uint64
	Frames      int
	Reason      AuthReason
}

// AuthStats counts the work and the findings of sender authentication.
type AuthStats struct {
	// Frames opened, by outcome.
	Verified, BadSignature, Forged, MissingBatch, Unverifiable uint64
	// Batches sent by this member, and dropped unsigned (TagBatch not
	// called often enough, or their epoch evicted).
	BatchesSent, BatchesDropped uint64
	// Batches received, and those whose signature was checked and held or
	// failed.
	BatchesReceived, BatchesVerified, BatchesFailed uint64
}

type authCounters struct {
	verified, badSignature, forged, missing, unverifiable        atomic.Uint64
	batchesSent, batchesReceived, batchesVerified, batchesFailed atomic.Uint64
}

// AuthStats returns the counters of sender authentication (all zero when
// it is off).
func (s *Session) AuthStats() AuthStats {
	c := &s.stats
	st := AuthStats{
		Verified: c.verified.Load(), BadSignature: c.badSignature.Load(), Forged: c.forged.Load(),
		MissingBatch: c.missing.Load(), Unverifiable: c.unverifiable.Load(),
		BatchesSent: c.batchesSent.Load(), BatchesReceived: c.batchesReceived.Load(),
		BatchesVerified: c.batchesVerified.Load(), BatchesFailed: c.batchesFailed.Load(),
	}
	if s.send != nil {
		st.BatchesDropped = s.send.dropped.Load()
	}
	return st
}

// maxParkedBatches bounds the batches a receiver keeps per sender while
// waiting for their frames.
const maxParkedBatches = 4

// Slot states of a batchReceiver.
const (
	slotEmpty    uint8 = iota
	slotPending        // opened, waiting for its batch
	slotVerified       // opened, covered by a verified batch
	slotDone           // opened and reported
	slotExpected       // not opened yet; its digest is known from a verified batch
	slotLost           // not opened; its batch could not be checked
)

// batchReceiver is the receive side of sender authentication for one
// sender in one epoch: the digests of the frames opened, in a ring indexed
// by CTR, and the batches that arrived before enough of their frames.
type batchReceiver struct {
	epoch    uint64
	leaf     uint32
	identity []byte
	sigKey   []byte

	mu       sync.Mutex
	slots    []frameSlot
	mask     uint64
	parked   []tagBatch
	parkedAt []int64
	// nextSweep is when the oldest frame or batch waiting becomes overdue
	// (Clock().UnixNano()), math.MaxInt64 if none waits.
	nextSweep int64
	digests   []byte // scratch
	tbs       []byte // scratch
	events    []authEvent
}

type frameSlot struct {
	ctr    uint64
	at     int64
	state  uint8
	digest [frameDigestLen]byte
}

// authEvent is one frame's finding, before runs are formed.
type authEvent struct {
	reason AuthReason
	ctr    uint64
}

// receiver returns the batchReceiver of leaf in info, creating it. The
// leaf is a member of the epoch.
func (s *Session) receiver(info *epochInfo, leaf uint32) *batchReceiver {
	p := &info.recv[leaf]
	if r := p.Load(); r != nil {
		return r
	}
	m, _ := info.member(leaf)
	ring := 16
	for ring < 4*s.set.auth.Frames {
		ring *= 2
	}
	r := &batchReceiver{
		epoch: info.number, leaf: leaf, identity: m.identity, sigKey: m.sigKey,
		slots: make([]frameSlot, ring), mask: uint64(ring - 1), nextSweep: math.MaxInt64,
	}
	if p.CompareAndSwap(nil, r) {
		return r
	}
	return p.Load()
}

// recordReceived records a frame that Open accepted from leaf, checks it
// against a batch already received, and reports what is overdue. In the
// steady state it does not allocate.
func (s *Session) recordReceived(info *epochInfo, leaf uint32, h frame.Header, packet []byte) {
	r := s.receiver(info, leaf)
	d := sha256.Sum256(packet)
	now := s.set.clock().UnixNano()
	r.mu.Lock()
	if uint64(h.KID)>>(s.layout.LeafBits+s.layout.EpochBits) != 0 {
		// A KID with a context or ratchet step: not a Session's, which
		// always seals with context 0, so no batch will cover it.
		r.events = append(r.events, authEvent{AuthUnverifiable, h.CTR})
	} else {
		s.frameArrived(r, info, h.CTR, d, now)
	}
	if now >= r.nextSweep {
		s.sweepReceiver(r, info, now, false)
	}
	reports := s.takeReports(r)
	r.mu.Unlock()
	s.report(reports)
}

// frameArrived records frame ctr with digest d. The caller holds r.mu.
func (s *Session) frameArrived(r *batchReceiver, info *epochInfo, ctr uint64, d [sha256.Size]byte, now int64) {
	sl := &r.slots[ctr&r.mask]
	if sl.ctr == ctr && sl.state != slotEmpty {
		switch sl.state {
		case slotExpected:
			if [frameDigestLen]byte(d[:frameDigestLen]) == sl.digest {
				sl.state = slotVerified
				s.stats.verified.Add(1)
			} else {
				sl.state = slotDone
				r.events = append(r.events, authEvent{AuthForged, ctr})
			}
		case slotLost:
			sl.state = slotDone
			r.events = append(r.events, authEvent{AuthUnverifiable, ctr})
		}
		// Otherwise a second frame with the same CTR, which the replay
		// window of package frame does not let through.
		return
	}
	r.evict(sl)
	*sl = frameSlot{ctr: ctr, at: now, state: slotPending, digest: [frameDigestLen]byte(d[:frameDigestLen])}
	r.nextSweep = min(r.nextSweep, now+int64(s.set.auth.Deadline))
	for i := 0; i < len(r.parked); i++ {
		if tb := &r.parked[i]; ctr >= tb.first && ctr <= tb.last() && s.tryBatch(r, info, tb, false) {
			r.unpark(i)
			i--
		}
	}
}

// evict frees sl for another CTR, reporting a frame that was still
// waiting for its batch. The caller holds r.mu.
func (r *batchReceiver) evict(sl *frameSlot) {
	if sl.state == slotPending {
		r.events = append(r.events, authEvent{AuthMissingBatch, sl.ctr})
	}
	sl.state = slotEmpty
}

func (r *batchReceiver) unpark(i int) {
	r.parked = slices.Delete(r.parked, i, i+1)
	r.parkedAt = slices.Delete(r.parkedAt, i, i+1)
}

// tryBatch checks tb against the frames of r and reports whether it is
// done with: verified or failed (every frame it covers has its verdict),
// or, if final, given up. It returns false, changing nothing, while two or
// more of its frames are missing and it is not final. The caller holds
// r.mu.
func (s *Session) tryBatch(r *batchReceiver, info *epochInfo, tb *tagBatch, final bool) bool {
	missing, pending := 0, 0
	var lost uint64
	for ctr := tb.first; ; ctr++ {
		sl := &r.slots[ctr&r.mask]
		switch {
		case sl.ctr != ctr || sl.state == slotEmpty || sl.state == slotExpected || sl.state == slotLost:
			missing++
			lost = ctr
		case sl.state == slotPending:
			pending++
		}
		if ctr == tb.last() {
			break
		}
	}
	switch {
	case pending == 0 && missing < tb.count:
		return true // every frame opened already has its verdict: a duplicate
	case missing >= 2 && !final:
		return false
	case missing >= 2:
		r.settle(tb, slotDone, AuthUnverifiable)
		r.markLost(tb, slotLost, nil)
		return true
	}

	r.digests = r.digests[:0]
	parity := tb.parity
	var zero [frameDigestLen]byte
	for ctr := tb.first; ; ctr++ {
		if sl := &r.slots[ctr&r.mask]; ctr != lost || missing == 0 {
			r.digests = append(r.digests, sl.digest[:]...)
			for i := range parity {
				parity[i] ^= sl.digest[i]
			}
		} else {
			r.digests = append(r.digests, zero[:]...)
		}
		if ctr == tb.last() {
			break
		}
	}
	if missing == 1 {
		// The one missing digest is the parity of all the others.
		copy(r.digests[(lost-tb.first)*frameDigestLen:], parity[:])
	}
	r.tbs = appendBatchTBS(r.tbs[:0], info.batchContext, info.number, tb.kid, tb.first, r.digests)
	if err := s.g.VerifyWithLabel(r.sigKey, batchContextLabel, r.tbs, s.sigFormat.expand(tb.sig)); err != nil {
		s.stats.batchesFailed.Add(1)
		r.settle(tb, slotDone, AuthBadSignature)
		return true
	}
	s.stats.batchesVerified.Add(1)
	n := r.settle(tb, slotVerified, 0)
	s.stats.verified.Add(uint64(n))
	if missing == 1 {
		r.markLost(tb, slotExpected, parity[:])
	}
	return true
}

// settle gives every opened frame of tb still pending the state st, with
// an event for reason unless it is 0, and returns how many there were.
// The caller holds r.mu.
func (r *batchReceiver) settle(tb *tagBatch, st uint8, reason AuthReason) int {
	n := 0
	for ctr := tb.first; ; ctr++ {
		if sl := &r.slots[ctr&r.mask]; sl.ctr == ctr && sl.state == slotPending {
			sl.state = st
			n++
			if reason != 0 {
				r.events = append(r.events, authEvent{reason, ctr})
			}
		}
		if ctr == tb.last() {
			return n
		}
	}
}

// markLost records the frames of tb that have not been opened with state
// st (slotLost, or slotExpected with their digest: a batch with one
// missing frame). The caller holds r.mu.
func (r *batchReceiver) markLost(tb *tagBatch, st uint8, digest []byte) {
	for ctr := tb.first; ; ctr++ {
		sl := &r.slots[ctr&r.mask]
		if sl.ctr != ctr || sl.state == slotEmpty {
			r.evict(sl)
			*sl = frameSlot{ctr: ctr, state: st}
			copy(sl.digest[:], digest)
		}
		if ctr == tb.last() {
			return
		}
	}
}

// sweepReceiver gives up on what is overdue (or everything, if final):
// batches kept longer than the deadline, then frames that waited longer
// for a batch. The caller holds r.mu.
func (s *Session) sweepReceiver(r *batchReceiver, info *epochInfo, now int64, final bool) {
	deadline := int64(s.set.auth.Deadline)
	next := int64(math.MaxInt64)
	for i := 0; i < len(r.parked); i++ {
		if final || now-r.parkedAt[i] >= deadline {
			s.tryBatch(r, info, &r.parked[i], true)
			r.unpark(i)
			i--
		} else {
			next = min(next, r.parkedAt[i]+deadline)
		}
	}
	for i := range r.slots {
		sl := &r.slots[i]
		switch {
		case sl.state != slotPending:
		case final || now-sl.at >= deadline:
			sl.state = slotDone
			r.events = append(r.events, authEvent{AuthMissingBatch, sl.ctr})
		default:
			next = min(next, sl.at+deadline)
		}
	}
	r.nextSweep = next
}

// ReceiveTagBatch takes a tag batch packet (IsTagBatch) from the media
// path and checks the frames it covers: at once if at most one of them is
// missing, else when more arrive or, at the latest, at the deadline.
// Findings go to SenderAuth.Report and AuthStats; the error reports only a
// batch that cannot be used at all: malformed (ErrMalformedPacket), from a
// leaf that is not another member of the epoch (ErrUnknownSender), for an
// epoch not reached or already erased (ErrUnknownEpoch, ErrEpochExpired),
// or with SenderAuth off (ErrSenderAuth).
//
// The packet is not retained. Like Open, it may be called from several
// goroutines at once.
func (s *Session) ReceiveTagBatch(packet []byte) error {
	if s.state.Load() == stateClosed {
		return stateError("tag batch", stateClosed)
	}
	if s.set.auth == nil {
		return newError("tag batch", ErrSenderAuth, errors.New("Config.SenderAuth is off"))
	}
	s.expire()
	tb, err := parseTagBatch(packet)
	if err != nil {
		return err
	}
	p, err := s.layout.ParseKID(tb.kid)
	if err != nil {
		return newError("tag batch", ErrMalformedPacket, err)
	}
	info, _ := s.epochOf(p.Epoch)
	if info == nil {
		return newError("tag batch", ErrUnknownEpoch, nil).from(p.Leaf, nil)
	}
	snd := Sender{Epoch: info.number, Leaf: p.Leaf, Identity: info.identity(p.Leaf), Counter: tb.first}
	switch {
	case info.dropped.Load():
		return senderError("tag batch", snd, ErrEpochExpired, nil)
	case p.Leaf == info.self:
		return senderError("tag batch", snd, ErrUnknownSender, errors.New("this member's own batch"))
	case snd.Identity == nil:
		return senderError("tag batch", snd, ErrUnknownSender, nil)
	case p.Context != 0 || p.Step != 0:
		return senderError("tag batch", snd, ErrMalformedPacket, errors.New("KID with a context or ratchet step"))
	case len(tb.sig) != s.sigFormat.size:
		return senderError("tag batch", snd, ErrMalformedPacket,
			errors.New(strconv.Itoa(len(tb.sig))+"-byte signature, the suite's are "+strconv.Itoa(s.sigFormat.size)))
	}
	r := s.receiver(info, p.Leaf)
	now := s.set.clock().UnixNano()
	r.mu.Lock()
	s.stats.batchesReceived.Add(1)
	if !s.tryBatch(r, info, &tb, false) {
		if len(r.parked) == maxParkedBatches {
			s.tryBatch(r, info, &r.parked[0], true)
			r.unpark(0)
		}
		tb.sig = slices.Clone(tb.sig)
		r.parked = append(r.parked, tb)
		r.parkedAt = append(r.parkedAt, now)
		r.nextSweep = min(r.nextSweep, now+int64(s.set.auth.Deadline))
	}
	if now >= r.nextSweep {
		s.sweepReceiver(r, info, now, false)
	}
	reports := s.takeReports(r)
	r.mu.Unlock()
	s.report(reports)
	return nil
}

// takeReports turns r's events into reports, one per run of consecutive
// counters with the same reason, and counts them. The caller holds r.mu.
func (s *Session) takeReports(r *batchReceiver) []AuthReport {
	if len(r.events) == 0 {
		return nil
	}
	slices.SortFunc(r.events, func(a, b authEvent) int {
		if a.reason != b.reason {
			return int(a.reason) - int(b.reason)
		}
		switch {
		case a.ctr < b.ctr:
			return -1
		case a.ctr > b.ctr:
			return 1
		}
		return 0
	})
	var out []AuthReport
	for _, ev := range r.events {
		switch ev.reason {
		case AuthBadSignature:
			s.stats.badSignature.Add(1)
		case AuthForged:
			s.stats.forged.Add(1)
		case AuthMissingBatch:
			s.stats.missing.Add(1)
		case AuthUnverifiable:
			s.stats.unverifiable.Add(1)
		}
		if n := len(out); n > 0 && out[n-1].Reason == ev.reason && out[n-1].Last+1 == ev.ctr {
			out[n-1].Last++
			out[n-1].Frames++
			continue
		}
		out = append(out, AuthReport{
			Sender: Sender{Epoch: r.epoch, Leaf: r.leaf, Identity: r.identity, Counter: ev.ctr},
			First:  ev.ctr, Last: ev.ctr, Frames: 1, Reason: ev.reason,
		})
	}
	r.events = r.events[:0]
	return out
}

// report hands reports to SenderAuth.Report. The caller holds no lock.
func (s *Session) report(reports []AuthReport) {
	if s.set.auth == nil || s.set.auth.Report == nil {
		return
	}
	for _, rep := range reports {
		s.set.auth.Report(rep)
	}
}

// finishEpochAuth gives up on everything still pending in info's
// receivers, once the epoch's keys are gone.
func (s *Session) finishEpochAuth(info *epochInfo) []AuthReport {
	var out []AuthReport
	for i := range info.recv {
		if r := info.recv[i].Load(); r != nil {
			r.mu.Lock()
			s.sweepReceiver(r, info, 0, true)
			out = append(out, s.takeReports(r)...)
			r.mu.Unlock()
		}
	}
	return out
}

// finishDropped is finishEpochAuth for each epoch just dropped.
func (s *Session) finishDropped(dropped []*epochInfo) []AuthReport {
	var out []AuthReport
	for _, info := range dropped {
		out = append(out, s.finishEpochAuth(info)...)
	}
	return out
}

// sweep ends sender authentication for the epochs just dropped and
// reports what is overdue in the live ones.
func (s *Session) sweep(dropped []*epochInfo) {
	if s.set.auth == nil {
		return
	}
	reports := s.finishDropped(dropped)
	now := s.set.clock().UnixNano()
	for _, info := range s.infos.Load().slots {
		if info == nil || info.dropped.Load() {
			continue
		}
		for i := range info.recv {
			if r := info.recv[i].Load(); r != nil {
				r.mu.Lock()
				if now >= r.nextSweep {
					s.sweepReceiver(r, info, now, false)
				}
				reports = append(reports, s.takeReports(r)...)
				r.mu.Unlock()
			}
		}
	}
	s.report(reports)
}
