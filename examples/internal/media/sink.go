package media

import "fmt"

// A Sink writes the frames of one sender's stream to a file: IVFWriter
// and OggWriter are Sinks.
type Sink interface {
	// WriteFrame writes f, or counts it in Stats if it does not belong in
	// the file (late, or not decodable yet). It returns an error for a frame
	// of the wrong codec or an invalid one, and for a failed write.
	WriteFrame(f Frame) error
	// Stats returns what the sink did so far.
	Stats() SinkStats
	// Close finishes the file and closes the output if it is an io.Closer.
	Close() error
}

var (
	_ Sink = (*IVFWriter)(nil)
	_ Sink = (*OggWriter)(nil)
)

// SinkStats counts what a sink did with the frames it was given.
type SinkStats struct {
	// Written counts the frames written to the file.
	Written uint64
	// Lost counts the sequence numbers never given, between the first and
	// the last frame given: frames lost on the way.
	Lost uint64
	// Concealed counts the packets an OggWriter wrote in place of lost
	// ones.
	Concealed uint64
	// Skipped counts the VP8 frames an IVFWriter dropped while waiting for
	// a key frame: at the start, and after a loss.
	Skipped uint64
	// Late counts the frames given after a frame with a higher sequence
	// number, or twice; they were dropped.
	Late uint64
}

func (s SinkStats) String() string {
	return fmt.Sprintf("%d written, %d lost, %d concealed, %d skipped, %d late",
		s.Written, s.Lost, s.Concealed, s.Skipped, s.Late)
}

// sequencer follows the sequence numbers given to a sink.
type sequencer struct {
	started bool
	last    uint64
}

// next takes sequence number seq and reports how many were missed before
// it, or late if seq is not past the last one.
func (s *sequencer) next(seq uint64, st *SinkStats) (missed uint64, late bool) {
	if s.started && seq <= s.last {
		st.Late++
		return 0, true
	}
	if s.started {
		missed = seq - s.last - 1
		st.Lost += missed
	}
	s.started, s.last = true, seq
	return missed, false
}
