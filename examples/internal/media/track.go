package media

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"
)

// Bounds on what a reader accepts. A whole Track is held in memory, so a
// file over these is refused with ErrTooLarge rather than read.
const (
	// MaxFrameSize bounds one VP8 frame or Opus packet, and the Opus
	// comment header, in bytes.
	MaxFrameSize = 4 << 20
	// MaxTrackBytes bounds the payload bytes of a Track.
	MaxTrackBytes = 64 << 20
	// MaxTrackFrames bounds the frames of a Track (9.7 hours of 30 fps
	// video, 5.8 hours of 20 ms Opus packets).
	MaxTrackFrames = 1 << 20
)

// A Track is the media of one file, loaded into memory: VP8 frames or
// Opus packets in file order, numbered from 0, with timestamps from 0.
// It is read-only and safe for concurrent use; any number of Pacers can
// play it.
type Track struct {
	codec    Codec
	frames   []Frame
	duration time.Duration
	bytes    int
	video    VideoInfo
	opus     OpusInfo
}

// VideoInfo describes a VP8 track, from its IVF file header.
type VideoInfo struct {
	Width, Height uint16
	// The IVF time base: timestamps count TimebaseNum/TimebaseDen seconds.
	TimebaseNum, TimebaseDen uint32
}

// OpusInfo describes an Opus track, from its identification header
// (RFC 7845 §5.1) and comment header (§5.2), which it also keeps whole.
type OpusInfo struct {
	Channels   uint8
	PreSkip    uint16 // samples at 48 kHz to drop at the start of decoding
	SampleRate uint32 // the input's original sample rate; informational
	Vendor     string // the comment header's vendor string
	Head, Tags []byte // the OpusHead and OpusTags packets
}

// Codec returns what the track holds.
func (t *Track) Codec() Codec { return t.codec }

// Len returns the number of frames.
func (t *Track) Len() int { return len(t.frames) }

// Frame returns frame i, for 0 <= i < Len.
func (t *Track) Frame(i int) Frame { return t.frames[i] }

// Duration returns the time one pass of the track lasts: the end of its
// last frame.
func (t *Track) Duration() time.Duration { return t.duration }

// Bytes returns the total size of the frames' payloads.
func (t *Track) Bytes() int { return t.bytes }

// Video describes a VP8 track; it is zero for others.
func (t *Track) Video() VideoInfo { return t.video }

// Opus describes an Opus track; it is zero for others. Head and Tags are
// shared: do not modify them.
func (t *Track) Opus() OpusInfo { return t.opus }

// add appends a frame, enforcing the track bounds.
func (t *Track) add(f Frame) error {
	if len(t.frames) >= MaxTrackFrames {
		return fmt.Errorf("media: %v: more than %d frames: %w", t.codec, MaxTrackFrames, ErrTooLarge)
	}
	if t.bytes+len(f.Payload) > MaxTrackBytes {
		return fmt.Errorf("media: %v: more than %d bytes of frames: %w", t.codec, MaxTrackBytes, ErrTooLarge)
	}
	t.bytes += len(f.Payload)
	t.frames = append(t.frames, f)
	return nil
}

// Open reads the IVF (VP8) or Ogg Opus file at path, told apart by their
// first four bytes ("DKIF", "OggS").
func Open(path string) (*Track, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.Peek(4)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("media: %s: %w", path, err)
	}
	var t *Track
	switch string(magic) {
	case ivfSignature:
		t, err = ReadIVF(br)
	case oggSignature:
		t, err = ReadOgg(br)
	default:
		return nil, fmt.Errorf("media: %s: neither IVF nor Ogg (starts %q): %w", path, magic, ErrUnsupported)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return t, nil
}
