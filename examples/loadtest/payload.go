package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/sealroom/sealroom/e2ee"
)

// Streams of the load: what each client sends, at what rate and size.
const (
	streamAudio uint32 = 1
	streamVideo uint32 = 2

	audioSize   = 160    // bytes of one audio frame (20 ms of 64 kb/s Opus)
	videoSize   = 10_000 // bytes of one video frame (2.4 Mb/s at 30 fps)
	audioPeriod = 20 * time.Millisecond
	videoPeriod = time.Second / 30
)

// stampSize is the bytes of the stamp at the end of every frame.
const stampSize = 24

// stamp is what every frame carries at its end, inside the encryption:
// who sent it, on which stream, its sequence number, and the sender's
// wall clock just before it was sealed. Senders and receivers run in one
// process, so the clocks are the same clock.
type stamp struct {
	Sender uint32
	Stream uint32
	Seq    uint64
	Sent   time.Time
}

var errShortFrame = errors.New("loadtest: frame shorter than its stamp")

// codecOf returns the codec of a stream and the size of its frames.
func codecOf(stream uint32) (e2ee.Codec, int) {
	if stream == streamAudio {
		return e2ee.CodecOpus, audioSize
	}
	return e2ee.CodecVP8, videoSize
}

// fillFrame writes a frame of stream into b (which has the stream's
// size): a body the codec policy accepts (for VP8 an inter frame, whose
// first byte stays in clear) and the stamp at the end.
func fillFrame(b []byte, st stamp) {
	for i := range b[:len(b)-stampSize] {
		b[i] = byte(i) ^ byte(st.Seq)
	}
	if st.Stream == streamVideo {
		// VP8 frame tag (RFC 6386 §9.1): P = 1 (inter frame), show_frame.
		b[0], b[1], b[2] = 0x11, 0x00, 0x00
	}
	putStamp(b[len(b)-stampSize:], st)
}

func putStamp(b []byte, st stamp) {
	binary.BigEndian.PutUint32(b[0:], st.Sender)
	binary.BigEndian.PutUint32(b[4:], st.Stream)
	binary.BigEndian.PutUint64(b[8:], st.Seq)
	binary.BigEndian.PutUint64(b[16:], uint64(st.Sent.UnixNano()))
}

// readStamp reads the stamp at the end of an opened frame.
func readStamp(frame []byte) (stamp, error) {
	if len(frame) < stampSize {
		return stamp{}, fmt.Errorf("%w: %d bytes", errShortFrame, len(frame))
	}
	b := frame[len(frame)-stampSize:]
	return stamp{
		Sender: binary.BigEndian.Uint32(b[0:]),
		Stream: binary.BigEndian.Uint32(b[4:]),
		Seq:    binary.BigEndian.Uint64(b[8:]),
		Sent:   time.Unix(0, int64(binary.BigEndian.Uint64(b[16:]))),
	}, nil
}
