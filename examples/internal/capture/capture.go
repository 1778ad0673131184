// Package capture keeps what a relay forwards, through its
// Options.MediaObserver hook, and searches it for plaintext: the
// examples' evidence that the relay carries a call it cannot read.
//
// A Recorder copies every media frame the relay accepts, as the bytes
// of the Media message it forwards (examples/wire). An Index holds every
// 16-byte window of the plaintext frames the senders sealed; Scan looks
// for any of them in the captured bytes. Sixteen bytes is longer than
// anything a sealed frame legitimately carries in clear (the VP8 payload
// header, at most 10 bytes, and the wire and SFrame headers, which are
// not plaintext of the frame), and long enough that ciphertext matches a
// window by chance with probability about n*m/2^128 for n windows and m
// captured bytes.
package capture

import (
	"bytes"
	"sync"

	"github.com/sealroom/sealroom/examples/wire"
)

// WindowSize is the length of the plaintext windows an Index holds.
const WindowSize = 16

// Frame is one media frame as the relay forwarded it.
type Frame struct {
	Room     string
	Source   uint32 // the sender's source number in the room
	Stream   uint32
	Sequence uint64
	// Wire is the Media message the relay sends to each receiver: the
	// envelope and the sealed payload.
	Wire []byte
	// Payload is the sealed packet, as in Wire.
	Payload []byte
}

// Recorder keeps copies of the frames a relay forwards, up to a byte
// budget. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	frames  []Frame
	bytes   int
	max     int
	skipped int
}

// NewRecorder returns a Recorder that keeps at most maxBytes of wire
// bytes (0: no limit); frames past the budget are counted, not kept.
func NewRecorder(maxBytes int) *Recorder { return &Recorder{max: maxBytes} }

// Observe records m, forwarded in room. Its signature is the relay's
// Options.MediaObserver; it copies what it keeps, since the relay reuses
// m's memory.
func (r *Recorder) Observe(room string, m *wire.MediaFrame) {
	size := wire.MediaSize(m)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.max > 0 && r.bytes+size > r.max {
		r.skipped++
		return
	}
	r.frames = append(r.frames, Frame{
		Room: room, Source: m.Source, Stream: m.StreamID, Sequence: m.Sequence,
		Wire: wire.AppendMedia(make([]byte, 0, size), m), Payload: bytes.Clone(m.Payload),
	})
	r.bytes += size
}

// Frames returns the frames recorded so far, in the order the relay
// accepted them. The slices are the Recorder's: do not modify them.
func (r *Recorder) Frames() []Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Frame(nil), r.frames...)
}

// Stats returns the number of frames and wire bytes recorded, and of
// frames skipped for the budget.
func (r *Recorder) Stats() (frames, bytes, skipped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.frames), r.bytes, r.skipped
}

// Index is a set of the WindowSize-byte windows of plaintext frames.
// It is not safe for concurrent use.
type Index struct {
	set          map[[WindowSize]byte]struct{}
	frames       int
	short        int
	indexedBytes int
}

// NewIndex returns an empty Index.
func NewIndex() *Index { return &Index{set: make(map[[WindowSize]byte]struct{})} }

// Add indexes every window of frame. A frame shorter than WindowSize has
// none; it is counted (Short) and cannot be searched for.
func (x *Index) Add(frame []byte) {
	x.frames++
	if len(frame) < WindowSize {
		x.short++
		return
	}
	x.indexedBytes += len(frame)
	for i := 0; i+WindowSize <= len(frame); i++ {
		x.set[[WindowSize]byte(frame[i:i+WindowSize])] = struct{}{}
	}
}

// Frames returns the number of frames added, Short those too short to
// index, and Windows the number of distinct windows held.
func (x *Index) Frames() int  { return x.frames }
func (x *Index) Short() int   { return x.short }
func (x *Index) Windows() int { return len(x.set) }

// Scan returns the offsets in b at which a window of the Index starts.
func (x *Index) Scan(b []byte) []int {
	var hits []int
	for i := 0; i+WindowSize <= len(b); i++ {
		if _, ok := x.set[[WindowSize]byte(b[i:i+WindowSize])]; ok {
			hits = append(hits, i)
		}
	}
	return hits
}
