package media

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// fakeClock is a Clock whose Sleep returns at once, having moved the time
// on; it records every sleep.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
	cancel context.CancelFunc // if set, called by the next Sleep instead of sleeping
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
		return ctx.Err()
	}
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestPacerTimes plays both samples on a fake clock and checks that every
// frame is released at its timestamp: video every 1/30 s, audio every
// 20 ms, then io.EOF.
func TestPacerTimes(t *testing.T) {
	for _, c := range []struct {
		path, sum string
		n, perSec int // frames, and frames per second
	}{
		{sampleVideo, sampleVideoSHA256, 150, 30},
		{sampleAudio, sampleAudioSHA256, 251, 50},
	} {
		tr := sampleTrack(t, c.path, c.sum)
		clock := &fakeClock{now: epoch}
		p := NewPacer(tr, PacerConfig{Clock: clock})
		ctx := context.Background()
		for i := range c.n {
			f, err := p.Next(ctx)
			if err != nil {
				t.Fatalf("%s: frame %d: %v", c.path, i, err)
			}
			if f.Seq != uint64(i) || f.Timestamp != tr.Frame(i).Timestamp {
				t.Fatalf("%s: frame %d: seq %d at %v, want seq %d at %v", c.path, i, f.Seq, f.Timestamp, i, tr.Frame(i).Timestamp)
			}
			if got, want := clock.now.Sub(epoch), time.Duration(i)*time.Second/time.Duration(c.perSec); got != want {
				t.Errorf("%s: frame %d released at %v, want %v", c.path, i, got, want)
			}
		}
		if len(clock.sleeps) != c.n-1 {
			t.Errorf("%s: %d sleeps, want one before each frame after the first (%d)", c.path, len(clock.sleeps), c.n-1)
		}
		if _, err := p.Next(ctx); err != io.EOF {
			t.Errorf("%s: after the last frame: %v, want io.EOF", c.path, err)
		}
		if p.Released() != uint64(c.n) || !p.Start().Equal(epoch) {
			t.Errorf("%s: Released() = %d, Start() = %v", c.path, p.Released(), p.Start())
		}
	}
}

// TestPacerLoop plays the sample audio three times over: sequence numbers
// and timestamps go on across the loops, and the payloads repeat.
func TestPacerLoop(t *testing.T) {
	tr := sampleTrack(t, sampleAudio, sampleAudioSHA256)
	clock := &fakeClock{now: epoch}
	p := NewPacer(tr, PacerConfig{Clock: clock, Loop: true})
	n := tr.Len()
	var prev time.Duration = -1
	for i := range 3 * n {
		f, err := p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		orig := tr.Frame(i % n)
		want := time.Duration(i/n)*tr.Duration() + orig.Timestamp
		if f.Seq != uint64(i) || f.Timestamp != want || f.Timestamp <= prev || &f.Payload[0] != &orig.Payload[0] {
			t.Fatalf("frame %d: seq %d at %v, want seq %d at %v, payload of frame %d", i, f.Seq, f.Timestamp, i, want, i%n)
		}
		if clock.now.Sub(epoch) != want {
			t.Fatalf("frame %d released at %v, want %v", i, clock.now.Sub(epoch), want)
		}
		prev = f.Timestamp
	}
	// 3 passes of 5.02 s: the 753rd packet starts at 15.04 s.
	if prev != 15040*time.Millisecond {
		t.Errorf("last timestamp %v, want 15.04s", prev)
	}
}

// TestPacerStart checks a shared Start: a pacer created late releases the
// frames already due at once, then keeps to the schedule.
func TestPacerStart(t *testing.T) {
	tr := sampleTrack(t, sampleVideo, sampleVideoSHA256)
	clock := &fakeClock{now: epoch.Add(100 * time.Millisecond)}
	p := NewPacer(tr, PacerConfig{Clock: clock, Start: epoch})
	for i := range 4 { // due at 0, 33, 67 and 100 ms
		if _, err := p.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(clock.sleeps) != 0 {
			t.Fatalf("frame %d: slept %v, want no sleep for a frame already due", i, clock.sleeps)
		}
	}
	if _, err := p.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(clock.sleeps) != 1 || clock.now.Sub(epoch) != 133333333 {
		t.Errorf("frame 4 after sleeps %v at %v, want one sleep to 133.333333ms", clock.sleeps, clock.now.Sub(epoch))
	}
}

// TestPacerCancel stops a pacer through its context, while it waits and
// before, and checks the frame it waited for comes next.
func TestPacerCancel(t *testing.T) {
	tr := sampleTrack(t, sampleAudio, sampleAudioSHA256)
	clock := &fakeClock{now: epoch}
	p := NewPacer(tr, PacerConfig{Clock: clock})
	if _, err := p.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	clock.cancel = cancel
	if _, err := p.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while waiting: %v", err)
	}
	if _, err := p.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v", err)
	}
	f, err := p.Next(context.Background())
	if err != nil || f.Seq != 1 {
		t.Errorf("after cancel: seq %d, %v; want 1", f.Seq, err)
	}
	empty := NewPacer(&Track{codec: Opus}, PacerConfig{Clock: clock, Loop: true})
	if _, err := empty.Next(context.Background()); err != io.EOF {
		t.Errorf("empty track: %v, want io.EOF", err)
	}
	// A track of duration 0 (all frames at one instant) plays once even
	// with Loop, rather than releasing frames without end.
	instant := &Track{codec: VP8, frames: []Frame{{Codec: VP8}, {Codec: VP8, Seq: 1}}}
	p = NewPacer(instant, PacerConfig{Clock: clock, Loop: true})
	for i := range 3 {
		_, err := p.Next(context.Background())
		if (i < 2) != (err == nil) || (i == 2 && err != io.EOF) {
			t.Errorf("zero-duration track, frame %d: %v", i, err)
		}
	}
}

// TestPacerSystemClock runs a pacer on the real clock for a few 20 ms
// packets and cancels one mid-wait. It checks order and errors only:
// timing on a shared machine is not asserted.
func TestPacerSystemClock(t *testing.T) {
	tr := sampleTrack(t, sampleAudio, sampleAudioSHA256)
	p := NewPacer(tr, PacerConfig{})
	for i := range 5 {
		f, err := p.Next(context.Background())
		if err != nil || f.Seq != uint64(i) {
			t.Fatalf("frame %d: seq %d, %v", i, f.Seq, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	p = NewPacer(tr, PacerConfig{Start: time.Now().Add(time.Hour)})
	if _, err := p.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting an hour with a 1 ms context: %v", err)
	}
}

// TestPacerAllocs checks that Next allocates nothing, on the fake clock
// and on the system clock with frames already due.
func TestPacerAllocs(t *testing.T) {
	tr := sampleTrack(t, sampleAudio, sampleAudioSHA256)
	ctx := context.Background()
	clock := &fakeClock{now: epoch, sleeps: make([]time.Duration, 0, 1000)}
	fake := NewPacer(tr, PacerConfig{Clock: clock, Loop: true})
	real := NewPacer(tr, PacerConfig{Start: time.Now().Add(-time.Hour), Loop: true})
	for name, p := range map[string]*Pacer{"fake clock": fake, "system clock": real} {
		if n := testing.AllocsPerRun(500, func() {
			if _, err := p.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: Next allocates %v times", name, n)
		}
	}
	// A real sleep reuses the pacer's timer, made by the first sleep.
	sleepy := NewPacer(tr, PacerConfig{Loop: true})
	for range 2 {
		if _, err := sleepy.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(3, func() {
		if _, err := sleepy.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("system clock, sleeping: Next allocates %v times", n)
	}
}
