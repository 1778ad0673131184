package media

import (
	"context"
	"io"
	"time"
)

// A Clock tells a Pacer the time and lets it wait. Tests give a Pacer a
// fake one; SystemClock is the real one.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done, and then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock returns a Clock on the system's time. It reuses one timer,
// so Sleep does not allocate; it is for one goroutine at a time.
func SystemClock() Clock { return &systemClock{} }

type systemClock struct{ timer *time.Timer }

func (*systemClock) Now() time.Time { return time.Now() }

func (c *systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d) // since Go 1.23 a Reset timer delivers no stale value
	}
	select {
	case <-c.timer.C:
		return ctx.Err()
	case <-ctx.Done():
		c.timer.Stop()
		return ctx.Err()
	}
}

// PacerConfig configures a Pacer. The zero value plays the track once on
// the system clock, starting at the first call to Next.
type PacerConfig struct {
	// Clock defaults to a new SystemClock.
	Clock Clock
	// Start is the wall time of media time 0. Pacers given the same Start
	// (say, a client's audio and video) stay in step. The zero value means
	// the clock's time at the first call to Next.
	Start time.Time
	// Loop plays the track again and again, until the context ends. Each
	// pass continues the sequence numbers and timestamps of the one before.
	// A track whose Duration is 0 plays once: its passes would all fall at
	// the same instant.
	Loop bool
}

// A Pacer releases the frames of a Track at their media timestamps, as a
// live encoder would produce them: frame i of pass k at Start +
// k*Track.Duration + its Timestamp, with sequence number k*Track.Len + i.
// Deadlines come from Start, not from the previous frame, so delays do not
// add up; a frame already due (the caller fell behind) is released at
// once.
//
// A Pacer is for one goroutine. Next does not allocate.
type Pacer struct {
	track   *Track
	clock   Clock
	start   time.Time
	started bool
	loop    bool
	next    uint64 // frames released
}

// NewPacer returns a Pacer that plays t.
func NewPacer(t *Track, cfg PacerConfig) *Pacer {
	p := &Pacer{track: t, clock: cfg.Clock, start: cfg.Start, started: !cfg.Start.IsZero(), loop: cfg.Loop && t.duration > 0}
	if p.clock == nil {
		p.clock = SystemClock()
	}
	return p
}

// Next waits until the next frame is due and returns it. It returns
// io.EOF after the last frame of a track played once (at once for an empty
// track), and ctx.Err() if ctx ends first; the frame it was waiting for is
// then returned by the next call.
func (p *Pacer) Next(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	n := uint64(p.track.Len())
	if n == 0 || (!p.loop && p.next >= n) {
		return Frame{}, io.EOF
	}
	if !p.started {
		p.start, p.started = p.clock.Now(), true
	}
	pass, i := p.next/n, p.next%n
	f := p.track.frames[i]
	f.Seq = p.next
	f.Timestamp += time.Duration(pass) * p.track.duration
	if wait := p.start.Add(f.Timestamp).Sub(p.clock.Now()); wait > 0 {
		if err := p.clock.Sleep(ctx, wait); err != nil {
			return Frame{}, err
		}
	}
	p.next++
	return f, nil
}

// Released returns the number of frames Next has returned.
func (p *Pacer) Released() uint64 { return p.next }

// Start returns the wall time of media time 0: PacerConfig.Start, or the
// time of the first call to Next.
func (p *Pacer) Start() time.Time { return p.start }
