package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
)

// IVF layout (https://wiki.multimedia.cx/index.php/IVF): a 32-byte file
// header, then frames, each a 12-byte header (4-byte size, 8-byte
// timestamp in the file's time base, both little-endian) and the frame.
const (
	ivfSignature       = "DKIF"
	ivfFileHeaderSize  = 32
	ivfFrameHeaderSize = 12
	ivfLengthOffset    = 24 // the file header's frame count field
)

// ReadIVF reads an IVF file of VP8 frames (FourCC VP80) with pion's
// ivfreader into a Track. Frame timestamps come from the IVF frame headers,
// relative to the first frame; a frame's Duration is the time to the next
// one (the last frame lasts as long as the one before it).
//
// ReadIVF peeks at each frame header before pion reads it, so a frame
// size over MaxFrameSize is refused before anything is allocated for it.
// Errors wrap ErrMalformed, ErrUnsupported or ErrTooLarge.
func ReadIVF(r io.Reader) (*Track, error) {
	br := bufio.NewReader(r)
	hdr, err := br.Peek(ivfFileHeaderSize)
	if err != nil {
		return nil, fmt.Errorf("media: ivf: file header: %w: %w", ErrMalformed, eofIsUnexpected(err))
	}
	if size := binary.LittleEndian.Uint16(hdr[6:8]); string(hdr[:4]) == ivfSignature && size != ivfFileHeaderSize {
		return nil, fmt.Errorf("media: ivf: %d-byte file header, want %d: %w", size, ivfFileHeaderSize, ErrUnsupported)
	}
	ivf, file, err := ivfreader.NewWith(br)
	if err != nil {
		return nil, fmt.Errorf("media: ivf: file header: %w: %w", ErrMalformed, err)
	}
	if file.FourCC != "VP80" {
		return nil, fmt.Errorf("media: ivf: codec %q, want VP80: %w", file.FourCC, ErrUnsupported)
	}
	t := &Track{codec: VP8, video: VideoInfo{
		Width: file.Width, Height: file.Height,
		TimebaseNum: file.TimebaseNumerator, TimebaseDen: file.TimebaseDenominator,
	}}
	var first, last uint64 // timestamps in the time base
	for i := 0; ; i++ {
		fh, err := br.Peek(ivfFrameHeaderSize)
		if len(fh) == 0 && err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("media: ivf: frame %d: header: %w: %w", i, ErrMalformed, eofIsUnexpected(err))
		}
		size := binary.LittleEndian.Uint32(fh[0:4])
		pts := binary.LittleEndian.Uint64(fh[4:12])
		if size > MaxFrameSize {
			return nil, fmt.Errorf("media: ivf: frame %d: %d bytes, over %d: %w", i, size, MaxFrameSize, ErrTooLarge)
		}
		if i == 0 {
			first, last = pts, pts
		}
		if pts < last {
			return nil, fmt.Errorf("media: ivf: frame %d: timestamp %d before the previous frame's %d: %w", i, pts, last, ErrMalformed)
		}
		last = pts
		payload, _, err := ivf.ParseNextFrame()
		if err != nil {
			return nil, fmt.Errorf("media: ivf: frame %d: %w: %w", i, ErrMalformed, err)
		}
		ts, ok := ivfTime(pts-first, t.video)
		if !ok {
			return nil, fmt.Errorf("media: ivf: frame %d: timestamp %d out of range: %w", i, pts, ErrMalformed)
		}
		f, err := ParseFrame(VP8, uint64(i), ts, payload[:len(payload):len(payload)])
		if err != nil {
			return nil, fmt.Errorf("media: ivf: frame %d: %w", i, err)
		}
		if err := t.add(f); err != nil {
			return nil, fmt.Errorf("media: ivf: frame %d: %w", i, err)
		}
	}
	n := len(t.frames)
	for i := 0; i+1 < n; i++ {
		t.frames[i].Duration = t.frames[i+1].Timestamp - t.frames[i].Timestamp
	}
	switch {
	case n == 1:
		t.frames[0].Duration, _ = ivfTime(1, t.video)
	case n > 1:
		t.frames[n-1].Duration = t.frames[n-2].Duration
	}
	if n > 0 {
		t.duration = t.frames[n-1].Timestamp + t.frames[n-1].Duration
	}
	return t, nil
}

// ivfTime converts ticks of v's time base to a Duration, reporting false
// if it does not fit.
func ivfTime(ticks uint64, v VideoInfo) (time.Duration, bool) {
	hi, lo := bits.Mul64(ticks, uint64(v.TimebaseNum)*uint64(time.Second))
	if hi >= uint64(v.TimebaseDen) {
		return 0, false
	}
	d, _ := bits.Div64(hi, lo, uint64(v.TimebaseDen))
	if d > math.MaxInt64 {
		return 0, false
	}
	return time.Duration(d), true
}

// eofIsUnexpected turns the io.EOF of a partial read into
// io.ErrUnexpectedEOF.
func eofIsUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
