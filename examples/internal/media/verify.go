package media

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Key names one media stream: a sender and one of its streams (say, the
// wire's stream ID).
type Key struct {
	Sender string
	Stream uint32
}

func (k Key) String() string { return fmt.Sprintf("%s/%d", k.Sender, k.Stream) }

// Digest is the SHA-256 of a frame's payload.
type Digest [sha256.Size]byte

// A Log records the Digest of frames by stream and sequence number: a
// sender logs what it sends (before encryption), a receiver what it opens
// (after decryption), and Compare matches the two. It is safe for
// concurrent use; a Log of n frames holds about 100n bytes.
type Log struct {
	mu      sync.Mutex
	streams map[Key]*streamLog
}

type streamLog struct {
	frames      map[uint64]Digest
	first, last uint64
	// conflicts counts sequence numbers recorded again with other bytes;
	// the first record stands.
	conflicts uint64
}

// NewLog returns an empty Log.
func NewLog() *Log { return &Log{streams: make(map[Key]*streamLog)} }

// Record logs frame seq of stream k, by the digest of payload.
func (l *Log) Record(k Key, seq uint64, payload []byte) {
	d := Digest(sha256.Sum256(payload))
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.streams[k]
	if s == nil {
		s = &streamLog{frames: make(map[uint64]Digest), first: seq, last: seq}
		l.streams[k] = s
	}
	if old, ok := s.frames[seq]; ok {
		if old != d {
			s.conflicts++
		}
		return
	}
	s.frames[seq] = d
	s.first, s.last = min(s.first, seq), max(s.last, seq)
}

// Keys returns the streams logged, sorted.
func (l *Log) Keys() []Key {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.SortedFunc(maps.Keys(l.streams), compareKeys)
}

// Span returns the lowest and highest sequence number logged for k, and
// the number of frames logged; n is 0 if none was.
func (l *Log) Span(k Key) (first, last uint64, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.streams[k]
	if s == nil {
		return 0, 0, 0
	}
	return s.first, s.last, len(s.frames)
}

// copyStream returns a copy of what l logged for k, or nil.
func (l *Log) copyStream(k Key) *streamLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.streams[k]
	if s == nil {
		return nil
	}
	c := *s
	c.frames = maps.Clone(s.frames)
	return &c
}

func compareKeys(a, b Key) int {
	return cmp.Or(strings.Compare(a.Sender, b.Sender), cmp.Compare(a.Stream, b.Stream))
}

// StreamReport compares what a receiver opened of one stream with what
// its sender sent, over a span of sequence numbers.
type StreamReport struct {
	Key         Key
	First, Last uint64 // the span compared, inclusive
	// Sent counts the frames the sender logged in the span.
	Sent uint64
	// Matched counts the frames received with the bytes that were sent.
	Matched uint64
	// Missing counts the frames sent in the span but not received: lost,
	// or not decryptable. Expected on a lossy link.
	Missing uint64
	// Mismatched counts the frames received with other bytes than were
	// sent under their sequence number. Never expected.
	Mismatched uint64
	// Unexpected counts the frames received under a sequence number the
	// sender never logged. Never expected.
	Unexpected uint64
	// Conflicts counts sequence numbers either side logged twice with
	// different bytes. Never expected.
	Conflicts uint64
}

// OK reports that nothing was received that was not sent: Missing frames
// are allowed.
func (r StreamReport) OK() bool {
	return r.Mismatched == 0 && r.Unexpected == 0 && r.Conflicts == 0
}

func (r StreamReport) String() string {
	s := fmt.Sprintf("%v seq %d-%d: %d sent, %d matched, %d missing", r.Key, r.First, r.Last, r.Sent, r.Matched, r.Missing)
	if !r.OK() {
		s += fmt.Sprintf(", %d MISMATCHED, %d UNEXPECTED, %d CONFLICTING", r.Mismatched, r.Unexpected, r.Conflicts)
	}
	return s
}

// Report is the result of Compare.
type Report struct {
	// Streams has a StreamReport for every stream the receiver logged,
	// sorted by Key.
	Streams []StreamReport
	// Unheard lists the streams the sender side logged of which the
	// receiver logged nothing, sorted.
	Unheard []Key
}

// OK reports whether every StreamReport is OK.
func (r Report) OK() bool {
	for _, s := range r.Streams {
		if !s.OK() {
			return false
		}
	}
	return true
}

// Compare compares, stream by stream, what a receiver logged with what
// the senders logged (one Log for all senders, or one merged per
// receiver), over the span of sequence numbers the receiver logged of
// each: from the first frame it opened to the last, which is the part of
// the call it was a member for. Use CompareSpan for another span.
func Compare(sent, received *Log) Report {
	var r Report
	for _, k := range received.Keys() {
		first, last, _ := received.Span(k)
		r.Streams = append(r.Streams, CompareSpan(sent, received, k, first, last))
	}
	got := received.Keys()
	for _, k := range sent.Keys() {
		if _, found := slices.BinarySearchFunc(got, k, compareKeys); !found {
			r.Unheard = append(r.Unheard, k)
		}
	}
	return r
}

// CompareSpan compares what a receiver logged of stream k with what its
// sender logged, over sequence numbers first to last inclusive.
func CompareSpan(sent, received *Log, k Key, first, last uint64) StreamReport {
	r := StreamReport{Key: k, First: first, Last: last}
	s, g := sent.copyStream(k), received.copyStream(k)
	if s == nil {
		s = &streamLog{}
	}
	if g == nil {
		g = &streamLog{}
	}
	r.Conflicts = s.conflicts + g.conflicts
	for seq, want := range s.frames {
		if seq < first || seq > last {
			continue
		}
		r.Sent++
		got, ok := g.frames[seq]
		switch {
		case !ok:
			r.Missing++
		case got == want:
			r.Matched++
		default:
			r.Mismatched++
		}
	}
	for seq := range g.frames {
		if seq < first || seq > last {
			continue
		}
		if _, ok := s.frames[seq]; !ok {
			r.Unexpected++
		}
	}
	return r
}
