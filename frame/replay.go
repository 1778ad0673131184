package frame

import (
	"fmt"
	"math/bits"
)

// DefaultReplayWindow is the replay window a zero Config selects, in
// frames (CTR values) per KID.
//
// One KID carries all of a sender's streams (audio, and video with its
// simulcast or SVC layers), which share one counter, and those streams
// reach the receiver's Open in a different order than they were sealed:
// audio is opened as it arrives, while a video frame waits in the jitter
// buffer for its last packet or a retransmission (one or more round trips,
// 100-500 ms). Sealed per frame, a sender makes roughly 50-300 frames a
// second, so 1024 frames cover several seconds of reordering; sealed per
// packet (up to about 1000 a second for 1080p video) they still cover
// about one second, beyond which a real-time frame is useless anyway. The
// window costs 256 bytes per KID.
const DefaultReplayWindow = 1024

// MaxReplayWindow is the largest replay window Config accepts (8 KiB of
// bitmap per KID).
const MaxReplayWindow = 1 << 16

// replayWindow is the anti-replay state of one receive KID: a sliding
// window over CTR values in the manner of RFC 3711 §3.3.2 and the
// word-at-a-time bitmap of RFC 6479. A counter is accepted once if it is
// newer than the newest accepted so far, or no more than size-1 behind it
// and not yet seen; everything else is a replay.
//
// Open checks a counter before decrypting (to skip the work for an
// obvious replay) and records it only after the AEAD has authenticated the
// frame, so forged frames never move the window. The window has no lock of
// its own: its key's lock (keyEntry.mu) guards it. An Open holding that
// lock throughout checks and records under it; an Open running beside
// the holder checks again when it records, so two concurrent Opens of one
// frame cannot both succeed.
type replayWindow struct {
	size uint64   // frames tracked below and including top
	top  uint64   // newest accepted CTR, valid if started
	seen bool     // whether any CTR has been accepted
	ring []uint64 // bitmap; bit c%64 of word (c/64)%len(ring) is CTR c
}

// replayStatus is the verdict on a counter.
type replayStatus uint8

const (
	replayFresh     replayStatus = iota // not seen, inside or above the window
	replayDuplicate                     // already accepted
	replayTooOld                        // below the window
)

// init makes w an empty window tracking size frames. The ring has a
// power-of-two number of words, at least one more than size needs, so that
// moving the window forward only ever clears whole words that lie entirely
// below it.
func (w *replayWindow) init(size int) {
	words := (size+63)/64 + 1
	words = 1 << bits.Len(uint(words-1))
	*w = replayWindow{size: uint64(size), ring: make([]uint64, words)}
}

// status classifies ctr without changing the window.
func (w *replayWindow) status(ctr uint64) replayStatus {
	if !w.seen || ctr > w.top {
		return replayFresh
	}
	if w.top-ctr >= w.size {
		return replayTooOld
	}
	if w.ring[(ctr>>6)&uint64(len(w.ring)-1)]&(1<<(ctr&63)) != 0 {
		return replayDuplicate
	}
	return replayFresh
}

// accept records ctr, which status found fresh, as seen.
func (w *replayWindow) accept(ctr uint64) {
	if !w.seen || ctr > w.top {
		if w.seen && ctr>>6 != w.top>>6 {
			w.advance(ctr)
		}
		w.seen, w.top = true, ctr
	}
	w.ring[(ctr>>6)&uint64(len(w.ring)-1)] |= 1 << (ctr & 63)
}

// advance clears the ring words the window moves into when its top moves
// from w.top to ctr, a later word.
func (w *replayWindow) advance(ctr uint64) {
	mask := uint64(len(w.ring) - 1)
	from, to := w.top>>6, ctr>>6
	if to-from >= uint64(len(w.ring)) {
		clear(w.ring)
		return
	}
	for i := from + 1; i <= to; i++ {
		w.ring[i&mask] = 0
	}
}

// describe explains a non-fresh status for an error message.
func (w *replayWindow) describe(ctr uint64, s replayStatus) string {
	if s == replayDuplicate {
		return fmt.Sprintf("counter %d was already accepted", ctr)
	}
	top := w.top
	return fmt.Sprintf("counter %d is %d behind the newest accepted counter %d, outside the %d-frame window",
		ctr, top-ctr, top, w.size)
}
