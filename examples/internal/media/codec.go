package media

import (
	"fmt"
	"time"
)

// Codec says what a Frame holds. The values are those of e2ee.Codec for
// the same codecs.
type Codec uint8

const (
	// Opus: one Opus packet (RFC 6716 §3).
	Opus Codec = 1
	// VP8: one VP8 frame (RFC 6386 §9).
	VP8 Codec = 2
)

func (c Codec) String() string {
	switch c {
	case Opus:
		return "opus"
	case VP8:
		return "vp8"
	}
	return fmt.Sprintf("codec(%d)", uint8(c))
}

// vp8Header is what a VP8 frame's first bytes say (RFC 6386 §9.1).
type vp8Header struct {
	key           bool
	width, height uint16 // key frames only, without the scaling bits
}

// parseVP8 reads the frame tag of RFC 6386 §9.1 and, on key frames, the
// start code and the frame size that follow it.
func parseVP8(b []byte) (vp8Header, error) {
	if len(b) < 3 {
		return vp8Header{}, fmt.Errorf("media: vp8: %d-byte frame, shorter than the 3-byte frame tag: %w", len(b), ErrMalformed)
	}
	if b[0]&1 != 0 {
		return vp8Header{}, nil // inter frame
	}
	if len(b) < 10 {
		return vp8Header{}, fmt.Errorf("media: vp8: %d-byte key frame, shorter than its 10-byte header: %w", len(b), ErrMalformed)
	}
	if b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return vp8Header{}, fmt.Errorf("media: vp8: key frame start code %x, want 9d012a: %w", b[3:6], ErrMalformed)
	}
	h := vp8Header{
		key:    true,
		width:  (uint16(b[6]) | uint16(b[7])<<8) & 0x3fff,
		height: (uint16(b[8]) | uint16(b[9])<<8) & 0x3fff,
	}
	if h.width == 0 || h.height == 0 {
		return vp8Header{}, fmt.Errorf("media: vp8: key frame of %dx%d pixels: %w", h.width, h.height, ErrMalformed)
	}
	return h, nil
}

// opusSampleRate is the rate of Opus durations and Ogg Opus granule
// positions (RFC 7845 §4).
const opusSampleRate = 48000

// maxOpusSamples is the longest an Opus packet may last: 120 ms (RFC 6716
// §3.4, R5).
const maxOpusSamples = 120 * opusSampleRate / 1000

// opusFrameSamples is the duration of one frame, in 48 kHz samples, for
// each TOC configuration (RFC 6716 §3.1, Table 2): SILK-only 10, 20, 40,
// 60 ms; Hybrid 10, 20 ms; CELT-only 2.5, 5, 10, 20 ms.
var opusFrameSamples = [32]uint16{
	480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880,
	480, 960, 480, 960,
	120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
}

// opusPacket is what an Opus packet's TOC byte says (RFC 6716 §3.1).
type opusPacket struct {
	frames  int // frames in the packet, 1 to 48
	samples int // duration in 48 kHz samples
}

func (p opusPacket) duration() time.Duration {
	return time.Duration(p.samples) * time.Second / opusSampleRate
}

// parseOpus reads the TOC byte of an Opus packet and, for code 3, the
// frame count byte (RFC 6716 §3.1, §3.2.5), and checks requirements R1, R5
// and R6 of §3.4. It does not check the frame lengths: a decoder does.
func parseOpus(b []byte) (opusPacket, error) {
	if len(b) == 0 {
		return opusPacket{}, fmt.Errorf("media: opus: empty packet (RFC 6716 §3.4 R1): %w", ErrMalformed)
	}
	p := opusPacket{frames: 1}
	switch b[0] & 3 {
	case 1, 2:
		p.frames = 2
	case 3:
		if len(b) < 2 {
			return opusPacket{}, fmt.Errorf("media: opus: code 3 packet without its frame count byte (RFC 6716 §3.4 R6): %w", ErrMalformed)
		}
		p.frames = int(b[1] & 0x3f)
		if p.frames == 0 {
			return opusPacket{}, fmt.Errorf("media: opus: code 3 packet of 0 frames (RFC 6716 §3.2.5): %w", ErrMalformed)
		}
	}
	p.samples = p.frames * int(opusFrameSamples[b[0]>>3])
	if p.samples > maxOpusSamples {
		return opusPacket{}, fmt.Errorf("media: opus: packet of %d frames lasts %d samples, over 120 ms (RFC 6716 §3.4 R5): %w", p.frames, p.samples, ErrMalformed)
	}
	return p, nil
}

// opusGap returns an Opus packet that stands in for a lost one, as RFC
// 7845 §4.1 describes for repairing gaps: the TOC byte of the previous
// packet p (same mode, bandwidth, channels and frame size) and as many
// frames as p, each zero bytes long, which a decoder conceals (RFC 6716
// §3.2.1). Code 0 for one frame; for more, code 3 with constant bitrate and
// no padding (RFC 6716 §3.2.5).
func opusGap(dst []byte, toc byte, p opusPacket) []byte {
	if p.frames == 1 {
		return append(dst, toc&^3)
	}
	return append(dst, toc|3, byte(p.frames))
}
