package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
)

// DefaultFrameRate is the IVFWriter time base when IVFConfig sets none.
const DefaultFrameRate = 30

// IVFConfig configures an IVFWriter.
type IVFConfig struct {
	// FrameRate sets the file's time base to 1/FrameRate s (default
	// DefaultFrameRate), as libvpx writes it: frame timestamps are rounded
	// to it, so it should be at least the sender's frame rate.
	FrameRate uint32
	// WriteAfterLoss writes the inter frames that follow a loss instead of
	// skipping them until the next key frame: the file keeps every frame
	// received, and a player shows those frames with artifacts, decoded
	// from references it never had. Frames before the first key frame are
	// skipped either way.
	WriteAfterLoss bool
}

// An IVFWriter writes the VP8 frames of one sender to an IVF file,
// through pion's ivfwriter. The file header takes the frame size from the
// first key frame; frames before it are skipped, as a decoder could not
// use them. Each frame's IVF timestamp is its sender's timestamp, from the
// first frame written, in the time base of IVFConfig.FrameRate, so lost
// frames leave a gap on the timeline. After a loss, frames are skipped
// until the next key frame, unless IVFConfig.WriteAfterLoss: a decoder
// would otherwise show frames built on a reference it never had, so a
// player freezes instead.
//
// An IVFWriter is for one goroutine.
type IVFWriter struct {
	out     io.Writer
	rate    uint32
	keep    bool                 // IVFConfig.WriteAfterLoss
	ivf     *ivfwriter.IVFWriter // nil until the first key frame
	seq     sequencer
	needKey bool
	base    time.Duration // timestamp of the first frame written
	lastPTS uint64
	buf     []byte
	stats   SinkStats
	closed  bool
}

// NewIVFWriter returns an IVFWriter on w. It writes nothing before the
// first key frame, or Close. If w is an io.WriteSeeker (a file), Close
// completes the file header (see Close); otherwise the header keeps
// pion's placeholder frame count of 900. Close closes w if it is an
// io.Closer.
func NewIVFWriter(w io.Writer, cfg IVFConfig) *IVFWriter {
	if cfg.FrameRate == 0 {
		cfg.FrameRate = DefaultFrameRate
	}
	return &IVFWriter{out: w, rate: cfg.FrameRate, keep: cfg.WriteAfterLoss, needKey: true}
}

// WriteFrame writes f, or counts it in Stats as skipped or late. It
// returns an error for a frame that is not VP8 or not a valid VP8 frame
// header (RFC 6386 §9.1), and for a failed write.
func (w *IVFWriter) WriteFrame(f Frame) error {
	if w.closed {
		return fmt.Errorf("media: ivf writer: %w", ErrClosed)
	}
	if f.Codec != VP8 {
		return fmt.Errorf("media: ivf writer: %v frame: %w", f.Codec, ErrWrongCodec)
	}
	h, err := parseVP8(f.Payload)
	if err != nil {
		return fmt.Errorf("media: ivf writer: frame %d: %w", f.Seq, err)
	}
	missed, late := w.seq.next(f.Seq, &w.stats)
	if late {
		return nil
	}
	if missed > 0 && !w.keep {
		w.needKey = true
	}
	if w.needKey && !h.key {
		w.stats.Skipped++
		return nil
	}
	w.needKey = false
	if w.ivf == nil {
		if err := w.start(h.width, h.height); err != nil {
			return err
		}
		w.base = f.Timestamp
	}
	pts, ok := ivfTicks(f.Timestamp-w.base, w.rate)
	if w.stats.Written > 0 && pts <= w.lastPTS {
		pts = w.lastPTS + 1 // keep timestamps increasing
	}
	if !ok || pts > math.MaxUint32 {
		return fmt.Errorf("media: ivf writer: frame %d: timestamp %v after the first frame, over the 2^32 ticks of 1/%d s pion's writer can number: %w",
			f.Seq, f.Timestamp-w.base, w.rate, ErrTooLarge)
	}
	// Pion takes RTP packets: one packet per frame, with the 1-byte VP8
	// payload descriptor of RFC 7741 §4.2 (S = 1, partition 0) and the
	// marker bit, and the timestamp taken as is (WithDirectPTS).
	w.buf = append(append(w.buf[:0], 0x10), f.Payload...)
	pkt := rtp.Packet{Header: rtp.Header{Marker: true, Timestamp: uint32(pts)}, Payload: w.buf}
	if err := w.ivf.WriteRTP(&pkt); err != nil {
		return fmt.Errorf("media: ivf writer: frame %d: %w", f.Seq, err)
	}
	w.lastPTS = pts
	w.stats.Written++
	return nil
}

// start writes the file header.
func (w *IVFWriter) start(width, height uint16) error {
	// Pion gets the output without its Seek and Close: Close completes the
	// header itself.
	ivf, err := ivfwriter.NewWith(struct{ io.Writer }{w.out},
		ivfwriter.WithCodec("video/VP8"),
		ivfwriter.WithWidthAndHeight(width, height),
		ivfwriter.WithFrameRate(1, w.rate),
		ivfwriter.WithDirectPTS())
	if err != nil {
		return fmt.Errorf("media: ivf writer: %w", err)
	}
	w.ivf = ivf
	return nil
}

// ivfTicks converts a Duration to ticks of 1/rate s, rounded to the
// nearest, 0 if it is negative; it reports false if there are more than
// 2^32-1.
func ivfTicks(d time.Duration, rate uint32) (uint64, bool) {
	ticks := math.Round(float64(max(d, 0)) * float64(rate) / float64(time.Second))
	if ticks > math.MaxUint32 {
		return 0, false
	}
	return uint64(ticks), true
}

// Stats returns what the writer did so far.
func (w *IVFWriter) Stats() SinkStats { return w.stats }

// Close finishes the file and closes the output if it is an io.Closer. A
// writer that never saw a key frame writes a header of 0x0 pixels and no
// frames.
//
// If the output can seek, Close puts the stream's length in ticks of the
// time base (the last timestamp + 1) into the header's frame count field,
// as ffmpeg writes it and reads it back (as the stream's duration). For a
// file without losses that is the number of frames; with losses, ffprobe
// still reports the right duration.
func (w *IVFWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.finish()
	if c, ok := w.out.(io.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	if err != nil {
		return fmt.Errorf("media: ivf writer: %w", err)
	}
	return nil
}

func (w *IVFWriter) finish() error {
	if w.ivf == nil {
		if err := w.start(0, 0); err != nil {
			return err
		}
	}
	if err := w.ivf.Close(); err != nil {
		return err
	}
	ws, ok := w.out.(io.WriteSeeker)
	if !ok {
		return nil
	}
	var length uint32
	if w.stats.Written > 0 {
		length = uint32(min(w.lastPTS+1, math.MaxUint32)) // the length field is 32 bits too
	}
	if _, err := ws.Seek(ivfLengthOffset, io.SeekStart); err != nil {
		return err
	}
	_, err := ws.Write(binary.LittleEndian.AppendUint32(nil, length))
	return err
}
