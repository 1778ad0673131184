package media

import (
	"fmt"
	"io"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// MaxConcealed bounds the packets an OggWriter writes for one gap in the
// sequence numbers (10 s of 20 ms packets); a longer gap is shortened on
// the file's timeline.
const MaxConcealed = 500

// oggSSRC is the RTP SSRC of the one track of an OggWriter.
const oggSSRC = 1

// An OggWriter writes the Opus packets of one sender to an Ogg Opus file
// (RFC 7845), through pion's oggwriter: the identification header, the
// comment header, then one page per packet, each with the granule position
// of the samples up to the end of its packet, and the end-of-stream flag
// on the last page.
//
// Lost packets keep their place on the timeline: for each one the
// writer writes a packet with the previous packet's TOC byte and empty
// frames, which a decoder conceals (RFC 7845 §4.1), up to MaxConcealed
// per gap. Packets before the first one given are not made up: the file
// starts at the first packet received.
//
// The identification header has pion's pre-skip of 3840 samples (80 ms),
// the least RFC 7845 §5.1 recommends for a stream cropped at the start, as
// a receiver's is (it starts with the first packet received): the decoder
// converges before playback starts.
//
// An OggWriter is for one goroutine.
type OggWriter struct {
	ogg     *oggwriter.Writer
	track   *oggwriter.Track
	seq     sequencer
	last    opusPacket // the previous packet, for concealment
	lastTOC byte
	buf     []byte
	stats   SinkStats
	closed  bool
}

// NewOggWriter returns an OggWriter on w. The identification and comment
// headers take the channel count (1 or 2; default 2), input sample rate
// (default 48000) and vendor string (default "pion") of info, the sender's
// (Track.Opus). The headers are written with the first packet, or by
// Close. If w is an io.Seeker and io.WriterAt (a file), the end-of-stream
// flag is set on the last page; otherwise Close appends an empty
// end-of-stream page. Close closes w if it is an io.Closer.
func NewOggWriter(w io.Writer, info OpusInfo) (*OggWriter, error) {
	channels, rate := uint16(info.Channels), info.SampleRate
	if channels == 0 {
		channels = 2
	}
	if rate == 0 {
		rate = opusSampleRate
	}
	opts := []oggwriter.WriterOption{
		oggwriter.WithChannelCount(channels),
		oggwriter.WithSampleRate(rate),
	}
	if info.Vendor != "" {
		opts = append(opts, oggwriter.WithVendor(info.Vendor))
	}
	if rw, ok := w.(interface {
		io.Seeker
		io.WriterAt
	}); ok {
		opts = append(opts, oggwriter.WithSeekableOutput(rw))
	}
	ogg, err := oggwriter.NewWriter(w, opts...)
	if err != nil {
		return nil, fmt.Errorf("media: ogg writer: %w: %w", ErrUnsupported, err)
	}
	track, err := ogg.NewTrack(oggSSRC)
	if err != nil {
		return nil, fmt.Errorf("media: ogg writer: %w", err)
	}
	return &OggWriter{ogg: ogg, track: track}, nil
}

// WriteFrame writes f, after concealment packets for any lost before it,
// or counts it in Stats as late. It returns an error for a frame that is
// not Opus or not a valid Opus packet (RFC 6716 §3), and for a failed
// write.
func (w *OggWriter) WriteFrame(f Frame) error {
	if w.closed {
		return fmt.Errorf("media: ogg writer: %w", ErrClosed)
	}
	if f.Codec != Opus {
		return fmt.Errorf("media: ogg writer: %v frame: %w", f.Codec, ErrWrongCodec)
	}
	p, err := parseOpus(f.Payload)
	if err != nil {
		return fmt.Errorf("media: ogg writer: packet %d: %w", f.Seq, err)
	}
	missed, late := w.seq.next(f.Seq, &w.stats)
	if late {
		return nil
	}
	if w.stats.Written == 0 {
		missed = 0 // no packet to model the concealment on (the first write failed)
	}
	for range min(missed, MaxConcealed) {
		w.buf = opusGap(w.buf[:0], w.lastTOC, w.last)
		if err := w.write(w.buf); err != nil {
			return fmt.Errorf("media: ogg writer: concealing before packet %d: %w", f.Seq, err)
		}
		w.stats.Concealed++
	}
	if err := w.write(f.Payload); err != nil {
		return fmt.Errorf("media: ogg writer: packet %d: %w", f.Seq, err)
	}
	w.last, w.lastTOC = p, f.Payload[0]
	w.stats.Written++
	return nil
}

// write hands one Opus packet to pion, which takes RTP packets.
func (w *OggWriter) write(packet []byte) error {
	pkt := rtp.Packet{Header: rtp.Header{SSRC: oggSSRC}, Payload: packet}
	return w.track.WriteRTP(&pkt)
}

// Stats returns what the writer did so far.
func (w *OggWriter) Stats() SinkStats { return w.stats }

// Close writes the headers if no packet came, marks the end of the
// stream, and closes the output if it is an io.Closer.
func (w *OggWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.ogg.Close(); err != nil {
		return fmt.Errorf("media: ogg writer: %w", err)
	}
	return nil
}
