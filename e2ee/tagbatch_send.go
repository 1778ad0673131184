package e2ee

import (
	"crypto/sha256"
	"errors"
	"sync/atomic"

	"github.com/sealroom/sealroom/frame"
)

// maxReadyBatches bounds the complete batches waiting for TagBatch; the
// oldest is dropped (and counted) when a sender does not call it.
const maxReadyBatches = 4

// batchSender collects the digests of the frames this member seals, for
// its tag batches. It is used by the sending goroutine only (Seal and
// TagBatch), so it has no lock.
type batchSender struct {
	frames int
	cur    *openBatch   // the batch frames are added to
	ready  []*openBatch // complete batches, oldest first
	free   []*openBatch
	tbs    []byte // scratch for the signed content

	dropped atomic.Uint64 // batches dropped unsigned
}

// openBatch is a batch being collected: count consecutive frames of one
// KID from CTR first.
type openBatch struct {
	kid     frame.KID
	epoch   uint64
	first   uint64
	count   int
	started int64 // Clock().UnixNano() of the first frame
	digests []byte
	parity  [frameDigestLen]byte
}

func newBatchSender(frames int) *batchSender {
	b := &batchSender{frames: frames}
	all := make([]*openBatch, maxReadyBatches+2)
	for i := range all {
		all[i] = &openBatch{digests: make([]byte, 0, frames*frameDigestLen)}
	}
	b.cur, b.free = all[0], all[1:]
	b.ready = make([]*openBatch, 0, maxReadyBatches)
	return b
}

// recordSent adds the packet this member has just sealed to the current
// batch. prefixLen is the length of the packet prefix in front of the
// SFrame header. It does not allocate.
func (s *Session) recordSent(packet []byte, prefixLen int) {
	h, _, err := frame.ParseHeader(packet[prefixLen:])
	if err != nil {
		return // Seal has just written a valid header
	}
	b := s.send
	cur := b.cur
	if cur.count > 0 && (cur.kid != h.KID || cur.first+uint64(cur.count) != h.CTR) {
		b.finish()
		cur = b.cur
	}
	if cur.count == 0 {
		cur.kid, cur.first = h.KID, h.CTR
		// The epoch bits are the low E bits of the KID; the sending epoch
		// is the newest with those bits.
		cur.epoch = s.infos.Load().slots[uint64(h.KID)&s.mask].number
		cur.started = s.set.clock().UnixNano()
	}
	d := sha256.Sum256(packet)
	cur.digests = append(cur.digests, d[:frameDigestLen]...)
	for i := range cur.parity {
		cur.parity[i] ^= d[i]
	}
	if cur.count++; cur.count == b.frames {
		b.finish()
	}
}

// finish moves the current batch to the ready list, dropping the oldest
// ready batch if the list is full, and starts a new one.
func (b *batchSender) finish() {
	if len(b.ready) == maxReadyBatches {
		b.recycle(b.ready[0])
		b.ready = append(b.ready[:0], b.ready[1:]...)
		b.dropped.Add(1)
	}
	b.ready = append(b.ready, b.cur)
	b.cur = b.free[len(b.free)-1]
	b.free = b.free[:len(b.free)-1]
}

func (b *batchSender) recycle(ob *openBatch) {
	ob.count = 0
	ob.digests = ob.digests[:0]
	ob.parity = [frameDigestLen]byte{}
	b.free = append(b.free, ob)
}

// TagBatch returns the next tag batch of this member's frames that is due
// (Config.SenderAuth: N frames sealed, or the oldest unbatched frame
// Interval old), signed with its MLS leaf signature key, or nil if none is
// due. The sending goroutine calls it after each Seal and sends what it
// returns on the media path, like a frame; it costs a clock read when
// nothing is due, and one signature when a batch is. See tagbatch.go for
// the layout.
//
// It fails with ErrSenderAuth if Config.SenderAuth is off, and ErrClosed
// after Close. A batch whose epoch has been evicted in the meantime is
// dropped (it is counted in AuthStats.BatchesDropped).
func (s *Session) TagBatch() ([]byte, error) {
	b := s.send
	if b == nil {
		return nil, newError("tag batch", ErrSenderAuth, errors.New("Config.SenderAuth is off"))
	}
	if s.state.Load() == stateClosed {
		return nil, stateError("tag batch", stateClosed)
	}
	if len(b.ready) == 0 {
		if b.cur.count == 0 || s.set.clock().UnixNano()-b.cur.started < int64(s.set.auth.Interval) {
			return nil, nil
		}
		b.finish()
	}
	ob := b.ready[0]
	b.ready = append(b.ready[:0], b.ready[1:]...)
	defer b.recycle(ob)

	info := s.info(ob.epoch)
	if info == nil {
		b.dropped.Add(1)
		return nil, nil
	}
	b.tbs = appendBatchTBS(b.tbs[:0], info.batchContext, ob.epoch, ob.kid, ob.first, ob.digests)
	s.mu.Lock()
	if s.state.Load() == stateClosed {
		s.mu.Unlock()
		return nil, stateError("tag batch", stateClosed)
	}
	suite := s.g.CipherSuite()
	sig, err := s.g.SignWithLabel(batchContextLabel, b.tbs)
	s.mu.Unlock()
	if err != nil {
		return nil, newError("tag batch", ErrSenderAuth, err).at(ob.epoch)
	}
	f, err := sigFormatOf(suite)
	if err == nil {
		sig, err = f.compact(sig)
	}
	if err != nil {
		return nil, newError("tag batch", ErrSenderAuth, err).at(ob.epoch)
	}
	tb := tagBatch{kid: ob.kid, first: ob.first, count: ob.count, parity: ob.parity, sig: sig}
	s.stats.batchesSent.Add(1)
	return appendTagBatch(make([]byte, 0, maxTagBatchLen), &tb), nil
}
