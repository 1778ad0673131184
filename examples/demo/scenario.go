package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/call"
	"github.com/sealroom/sealroom/examples/internal/capture"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/relay"
)

// options configure one run of the demo call.
type options struct {
	// Duration is how long the call runs; the newcomer joins at 35% of it
	// and the leaver leaves at 60%, once the newcomer is in.
	Duration time.Duration
	// Grace is the Sessions' grace period for the keys of a past epoch.
	Grace time.Duration
	// MediaDir holds audio.ogg and video.ivf; OutDir receives each
	// member's recordings, one directory per member.
	MediaDir, OutDir string
	// Out receives the live view and the summary; Live redraws the view
	// in place (a terminal) rather than printing progress lines.
	Out  io.Writer
	Live bool
	// Logger receives the relay's and the clients' logs; nil discards.
	Logger *slog.Logger
	// Loaded judges missing frames for a machine that may be too loaded
	// to keep up (the tests, run beside other jobs): a receiver may miss
	// more than one frame in fifty of a sender if its counters account
	// for them (see checkReceiver). The demo itself is strict.
	Loaded bool
}

// role is one participant of the scenario.
type role struct {
	name    string
	join    call.JoinMode
	joinAt  float64 // fraction of the call at which it joins (0: at once)
	leaveAt float64 // fraction at which it leaves the group (0: never)
}

// cast is the scenario: four members at the start, one joining mid-call
// by external commit and one leaving by a Remove proposal that another
// member commits. The leaver stays connected, so the relay keeps sending
// it the call that it can no longer open.
var cast = []role{
	{name: "alice", join: call.JoinExternal},
	{name: "bob", join: call.JoinInvite, leaveAt: 0.60},
	{name: "carol", join: call.JoinExternal},
	{name: "dave", join: call.JoinInvite},
	{name: "erin", join: call.JoinExternal, joinAt: 0.35},
}

// participant is a role in the running call.
type participant struct {
	role
	received *media.Log
	client   *call.Client // set once started

	// Guarded by demo.mu: whether it is a member, whether it was told to
	// leave, and the epochs it was a member of, first to last (last is 0
	// while it is still a member).
	member, leaving    bool
	first, last        uint64
	joinedAt           time.Time
	startErr, leaveErr error
}

// sentFrame is what the demo keeps of each frame sent: enough to find
// the frames a receiver should have opened.
type sentFrame struct {
	seq, epoch uint64
	at         time.Time
}

// demo is one run of the call.
type demo struct {
	opts    options
	srv     *relay.Server
	capture *capture.Recorder
	audio   *media.Track
	video   *media.Track
	sent    *media.Log
	people  []*participant
	begin   time.Time
	stopAt  time.Time

	mu      sync.Mutex
	frames  map[media.Key][]sentFrame
	events  []call.Event
	printed int // events printed so far (progress lines)
}

// settle is how long the call keeps running after the last frame that
// counts: frames in flight arrive, and held ones are opened.
const settle = 500 * time.Millisecond

// captureBudget bounds the bytes of forwarded media the demo keeps to
// search for plaintext.
const captureBudget = 256 << 20

func newDemo(opts options) (*demo, error) {
	d := &demo{opts: opts, sent: media.NewLog(), frames: make(map[media.Key][]sentFrame), capture: capture.NewRecorder(captureBudget)}
	var err error
	if d.audio, err = media.Open(filepath.Join(opts.MediaDir, "audio.ogg")); err != nil {
		return nil, err
	}
	if d.video, err = media.Open(filepath.Join(opts.MediaDir, "video.ivf")); err != nil {
		return nil, err
	}
	for _, r := range cast {
		d.people = append(d.people, &participant{role: r, received: media.NewLog()})
	}
	return d, nil
}

// run runs the call to its end and returns its summary.
func (d *demo) run(ctx context.Context) (*summary, error) {
	srv, err := relay.New(relay.Options{MediaObserver: d.capture.Observe, Logger: d.opts.Logger})
	if err != nil {
		return nil, err
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		srv.Close()
		return nil, err
	}
	d.srv = srv
	defer srv.Close()
	defer func() {
		for _, p := range d.people {
			if p.client != nil {
				p.client.Close()
			}
		}
	}()
	fmt.Fprintf(d.opts.Out, "relay on %s (QUIC); it forwards media it cannot read\n", srv.Addr())
	fmt.Fprintf(d.opts.Out, "recordings in %s\n\n", d.opts.OutDir)

	d.begin = time.Now()
	// The first member creates the group; the others join it together.
	if err := d.startClient(ctx, d.people[0]); err != nil {
		return nil, err
	}
	if err := d.people[0].client.WaitMember(ctx); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for _, p := range d.people[1:] {
		if p.joinAt == 0 {
			wg.Go(func() { p.startErr = d.startClient(ctx, p) })
		}
	}
	wg.Wait()
	for _, p := range d.people {
		if p.startErr != nil {
			return nil, p.startErr
		}
	}

	v := newView(d)
	tick := time.NewTicker(v.period())
	defer tick.Stop()
	end := d.begin.Add(d.opts.Duration)
	for {
		now := time.Now()
		elapsed := now.Sub(d.begin)
		for _, p := range d.people {
			if p.joinAt > 0 && p.client == nil && elapsed >= d.at(p.joinAt) {
				if err := d.startClient(ctx, p); err != nil {
					return nil, err
				}
			}
			if p.leaveAt > 0 && p.client != nil && elapsed >= d.at(p.leaveAt) && d.joinedBefore(p.leaveAt) && d.startLeaving(p) {
				go func() {
					if err := p.client.Leave(ctx); err != nil {
						d.mu.Lock()
						p.leaveErr = err
						d.mu.Unlock()
					}
				}()
			}
		}
		v.draw(now)
		if !now.Before(end) && (d.departuresShown(now) || !now.Before(end.Add(d.opts.Duration))) {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// Frames sent up to now count; the call runs on a little while they
	// arrive.
	d.stopAt = time.Now()
	time.Sleep(settle)
	d.catchUp(ctx)
	v.done(time.Now())
	snap := d.snapshot()
	for _, p := range d.people {
		if p.client != nil {
			if err := p.client.Close(); err != nil {
				return nil, fmt.Errorf("%s: %w", p.name, err)
			}
			snap.files[p.name] = p.client.Recorded()
		}
	}
	return d.summarize(snap), nil
}

// maxCatchUp bounds how long the call runs on, after settle, for a
// receiver starved of CPU to reach the frames captured when the call
// ended: it opens them from its backlog meanwhile.
const maxCatchUp = 10 * time.Second

// catchUp waits, at most maxCatchUp, until every client's receiving
// goroutine has taken a frame captured after stopAt.
func (d *demo) catchUp(ctx context.Context) {
	deadline := time.Now().Add(maxCatchUp)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		behind := false
		for _, p := range d.people {
			if p.client != nil && !p.client.Stats().LastCapture.After(d.stopAt) {
				behind = true
			}
		}
		if !behind {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// joinedBefore reports whether everyone who joins before fraction f of
// the call is a member: a starved newcomer's join can take seconds, and
// the leaver waits for it, so that the newcomer hears the leaver.
func (d *demo) joinedBefore(f float64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.people {
		if p.joinAt < f && !p.member && p.last == 0 {
			return false
		}
	}
	return true
}

// afterGrace is how long the call runs on after a leaver's grace period,
// for the relay to send it frames it cannot open.
const afterGrace = 300 * time.Millisecond

// departuresShown reports whether every leaver has left and its grace
// period has ended afterGrace ago, or has failed to leave: a leaver that
// waited for a late newcomer may leave near the end of the call, and the
// call runs on (at most its duration again) to show its departure.
func (d *demo) departuresShown(now time.Time) bool {
	for _, p := range d.people {
		if p.leaveAt == 0 || p.client == nil {
			continue
		}
		d.mu.Lock()
		failed := p.leaveErr != nil
		d.mu.Unlock()
		dep := p.client.Stats().Departure
		if !failed && (dep.At.IsZero() || now.Before(dep.GraceEnd.Add(afterGrace))) {
			return false
		}
	}
	return true
}

// startLeaving reports whether p, a member, is to leave now: once.
func (d *demo) startLeaving(p *participant) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p.leaving || !p.member {
		return false
	}
	p.leaving = true
	return true
}

// at converts a fraction of the call into a time from its beginning.
func (d *demo) at(f float64) time.Duration {
	return time.Duration(f * float64(d.opts.Duration))
}

// startClient connects p's client to the relay; it joins in the
// background.
func (d *demo) startClient(ctx context.Context, p *participant) error {
	pin := d.srv.CertificateSHA256()
	cfg := call.Config{
		Relay: d.srv.Addr().String(), Room: "demo", Name: p.name, CertSHA256: pin[:],
		Join:    p.join,
		Session: e2ee.Config{Grace: d.opts.Grace},
		Audio:   d.audio, Video: d.video,
		OutDir:  filepath.Join(d.opts.OutDir, p.name),
		SentLog: d.sent, ReceivedLog: p.received,
		Logger:  d.opts.Logger,
		OnEvent: func(e call.Event) { d.event(p, e) },
		OnSent: func(f call.SentFrame) {
			k := media.Key{Sender: p.name, Stream: f.Stream}
			d.mu.Lock()
			d.frames[k] = append(d.frames[k], sentFrame{seq: f.Seq, epoch: f.Epoch, at: f.Sent})
			d.mu.Unlock()
		},
	}
	c, err := call.Start(ctx, cfg)
	if err != nil {
		return err
	}
	d.mu.Lock()
	p.client = c
	d.mu.Unlock()
	return nil
}

// event records a client's membership events: the epochs it was a
// member of, and the log the view shows.
func (d *demo) event(p *participant, e call.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch e.Kind {
	case call.EventCreated, call.EventJoined:
		if !p.member {
			p.member, p.first, p.joinedAt = true, e.Epoch, e.Time
		}
	case call.EventRemoved:
		p.member, p.last = false, e.Epoch
	case call.EventConnected:
		return // not worth a line
	}
	d.events = append(d.events, e)
}

// snapshot is the state of every client at the end of the call.
type snapshot struct {
	stats map[string]call.Stats
	files map[string][]media.Recorded
}

func (d *demo) snapshot() snapshot {
	s := snapshot{stats: map[string]call.Stats{}, files: map[string][]media.Recorded{}}
	for _, p := range d.people {
		if p.client != nil {
			s.stats[p.name] = p.client.Stats()
		}
	}
	return s
}
