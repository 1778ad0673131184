package frame

import (
	"fmt"
	"math/bits"
	"sync"
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
// frame, so forged frames never move the window; accept repeats the check
// under the lock, so two concurrent Opens of one frame cannot both
// succeed.
type replayWindow struct {
	mu   sync.Mutex
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

// newReplayWindow returns a window tracking size frames. The ring has a
// power-of-two number of words, at least one more than size needs, so that
// moving the window forward only ever clears whole words that lie entirely
// below it.
func newReplayWindow(size int) *replayWindow {
	words := (size+63)/64 + 1
	words = 1 << bits.Len(uint(words-1))
	return &replayWindow{size: uint64(size), ring: make([]uint64, words)}
}

// statusLocked classifies ctr without changing the window.
func (w *replayWindow) statusLocked(ctr uint64) replayStatus {
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

// check classifies ctr without changing the window.
func (w *replayWindow) check(ctr uint64) replayStatus {
	w.mu.Lock()
	s := w.statusLocked(ctr)
	w.mu.Unlock()
	return s
}

// accept records ctr as seen if it is fresh, and returns its status
// before the call.
func (w *replayWindow) accept(ctr uint64) replayStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.statusLocked(ctr); s != replayFresh {
		return s
	}
	mask := uint64(len(w.ring) - 1)
	if !w.seen {
		w.seen, w.top = true, ctr
	} else if ctr > w.top {
		from, to := w.top>>6, ctr>>6
		if to-from >= uint64(len(w.ring)) {
			clear(w.ring)
		} else {
			for i := from + 1; i <= to; i++ {
				w.ring[i&mask] = 0
			}
		}
		w.top = ctr
	}
	w.ring[(ctr>>6)&mask] |= 1 << (ctr & 63)
	return replayFresh
}

// describe explains a non-fresh status for an error message.
func (w *replayWindow) describe(ctr uint64, s replayStatus) string {
	if s == replayDuplicate {
		return fmt.Sprintf("counter %d was already accepted", ctr)
	}
	w.mu.Lock()
	top := w.top
	w.mu.Unlock()
	return fmt.Sprintf("counter %d is %d behind the newest accepted counter %d, outside the %d-frame window",
		ctr, top-ctr, top, w.size)
}
