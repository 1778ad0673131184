package media

import (
	"fmt"
	"time"
)

// Frame is one encoded media frame: a VP8 frame or an Opus packet, with
// its place in its stream.
type Frame struct {
	Codec Codec
	// Seq numbers the frames of a stream 0, 1, 2, ... in send order; a
	// Pacer keeps counting across loops of its Track. A receiver sees a
	// gap where frames were lost.
	Seq uint64
	// Timestamp is the media time of the frame's first sample, from the
	// start of the stream.
	Timestamp time.Duration
	// Duration is how long the frame lasts: for Opus what its TOC byte says
	// (RFC 6716 §3.1); for VP8 the time to the next frame of the track, or
	// 0 when not known (ParseFrame).
	Duration time.Duration
	// Keyframe reports a VP8 key frame (RFC 6386 §9.1), which decodes
	// without earlier frames. Opus has no key frames (a decoder can start
	// at any packet); Keyframe is false for it.
	Keyframe bool
	// Payload is the encoded frame. The frames of a Track share its
	// memory: read it, do not modify it.
	Payload []byte
}

// ParseFrame checks payload as a frame of codec c and returns it as a
// Frame with the given sequence number and timestamp, its Keyframe flag
// and, for Opus, its Duration read from the payload. A receiver calls it on
// what it opened before writing it to a sink. The Frame holds payload, not
// a copy. Errors wrap ErrMalformed or, for an unknown codec, ErrUnsupported.
func ParseFrame(c Codec, seq uint64, timestamp time.Duration, payload []byte) (Frame, error) {
	f := Frame{Codec: c, Seq: seq, Timestamp: timestamp, Payload: payload}
	switch c {
	case VP8:
		h, err := parseVP8(payload)
		if err != nil {
			return Frame{}, err
		}
		f.Keyframe = h.key
	case Opus:
		p, err := parseOpus(payload)
		if err != nil {
			return Frame{}, err
		}
		f.Duration = p.duration()
	default:
		return Frame{}, fmt.Errorf("media: %v: %w", c, ErrUnsupported)
	}
	return f, nil
}
