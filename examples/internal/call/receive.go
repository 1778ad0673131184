package call

import (
	"errors"
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/transport"
)

// inbound is a received media frame and when the transport handed it
// over.
type inbound struct {
	m  transport.Media
	at time.Time
}

// pump moves one connection's media to the receiving goroutine.
func (c *Client) pump(conn *transport.Conn) {
	for {
		m, err := conn.ReceiveMedia(c.ctx)
		if err != nil {
			return
		}
		select {
		case c.media <- inbound{m: m, at: time.Now()}:
		case <-c.ctx.Done():
			return
		}
	}
}

// receive is the receiving goroutine: it opens every frame with the
// Session, attributes it to its sender's MLS identity, records and logs
// it. A frame of an epoch the client has not installed yet (its commit
// is still on the way, or the Welcome) is held, bounded, and tried again
// once the MLS goroutine has processed a commit and before each later
// frame, so that frames open in the order they came.
func (c *Client) receive() {
	var held []inbound
	var tried keyState // the key state the held frames were last tried in
	buf := make([]byte, 0, 64<<10)
	tick := time.NewTicker(c.cfg.HoldFor / 4)
	defer tick.Stop()
	for {
		select {
		case in := <-c.media:
			c.stats.arrived(in.m.Source, in.m.StreamID, in.m.Sequence)
			c.stats.lastCapture.Store(int64(in.m.TimestampUS))
			// Held frames go first, even before the MLS goroutine has
			// signalled their epoch (it installs the epoch, then
			// signals): a later frame must not be opened before them.
			// Only if the keys changed: trying every held frame before
			// every frame costs a starved client the time it needs to
			// keep up (frames of an epoch before it joined stay held
			// until HoldFor ends).
			if now := c.keyState(); len(held) > 0 && now != tried {
				held, tried = c.retryHeld(held, &buf), now
			}
			if c.open(in, &buf, false) {
				held = c.hold(held, in)
			}
		case <-c.epochs:
			held, tried = c.retryHeld(held, &buf), c.keyState()
		case now := <-tick.C:
			n := 0
			for n < len(held) && now.Sub(held[n].at) > c.cfg.HoldFor {
				c.giveUp(held[n])
				n++
			}
			held = held[n:]
		case <-c.ctx.Done():
			return
		}
	}
}

// keyState is what decides whether a held frame may open now: the
// Session, its current epoch and the client's phase.
type keyState struct {
	sess  *e2ee.Session
	epoch uint64
	phase Phase
}

func (c *Client) keyState() keyState {
	k := keyState{sess: c.sess.Load(), phase: c.Phase()}
	if k.sess != nil {
		k.epoch = k.sess.Epoch()
	}
	return k
}

// hold keeps in for a retry, giving up the oldest held frame if the
// buffer is full.
func (c *Client) hold(held []inbound, in inbound) []inbound {
	if len(held) >= c.cfg.HoldFrames {
		c.giveUp(held[0])
		held = held[1:]
	}
	c.stats.held.Add(1)
	return append(held, in)
}

func (c *Client) giveUp(in inbound) {
	c.stats.heldExpired.Add(1)
	c.stats.rejected(c.sourceName(in.m.Source), ReasonUnknownEpoch, in.at)
}

// retryHeld opens the held frames again, in the order they came, and
// returns those still waiting for their epoch.
func (c *Client) retryHeld(held []inbound, buf *[]byte) []inbound {
	kept := held[:0]
	for _, in := range held {
		if c.open(in, buf, true) {
			kept = append(kept, in)
		}
	}
	clear(held[len(kept):])
	return kept
}

// open opens one frame and delivers or rejects it. It reports true for a
// frame to hold: its epoch is not installed yet, and may be soon.
func (c *Client) open(in inbound, buf *[]byte, retry bool) (hold bool) {
	s := c.sess.Load()
	phase := c.Phase()
	if phase == PhaseJoining {
		// Not in the group yet: the frame may be of the epoch this
		// client's Welcome or external commit brings it into.
		return true
	}
	if s == nil {
		c.stats.rejected(c.sourceName(in.m.Source), ReasonNotMember, in.at)
		return false
	}
	if e2ee.IsTagBatch(in.m.Payload) {
		return false // no sender authentication in these calls
	}
	if need := len(in.m.Payload); cap(*buf) < need {
		*buf = make([]byte, 0, need)
	}
	out, snd, err := s.Open((*buf)[:0], in.m.Payload)
	if err != nil {
		reason := reasonOf(err)
		if reason == ReasonUnknownEpoch && c.Phase() == PhaseMember {
			return true
		}
		name := c.sourceName(in.m.Source)
		if e, ok := errors.AsType[*e2ee.Error](err); ok && e.Identity != nil {
			name = string(e.Identity)
		}
		if retry {
			c.stats.heldExpired.Add(1)
		}
		c.stats.rejected(name, reason, in.at)
		return false
	}
	c.deliver(in, out, snd, retry)
	return false
}

// codecOf is the codec each stream must carry.
var codecOf = map[uint32]media.Codec{StreamAudio: media.Opus, StreamVideo: media.VP8}

// deliver records a frame that opened: the recording, the log, the
// counters and OnReceived.
func (c *Client) deliver(in inbound, frame []byte, snd e2ee.Sender, held bool) {
	now := time.Now()
	name := string(snd.Identity)
	m := &in.m
	codec, ok := codecOf[m.StreamID]
	// The codec byte leads the packet, authenticated as SFrame metadata.
	if !ok || media.Codec(m.Payload[0]) != codec {
		c.stats.rejected(name, ReasonMalformed, in.at)
		return
	}
	f, err := media.ParseFrame(codec, m.Sequence, time.Duration(m.TimestampUS)*time.Microsecond, frame)
	if err != nil {
		c.stats.rejected(name, ReasonMalformed, in.at)
		return
	}
	if c.sourceName(m.Source) != name {
		c.stats.sourceMismatch.Add(1)
	}
	if held {
		c.stats.heldOpened.Add(1)
	}
	c.stats.opened(name, len(frame), snd.Epoch, now)
	if c.recorder != nil {
		if err := c.recorder.WriteFrame(name, f); err != nil {
			c.log.Debug("record", "sender", name, "err", err)
		}
	}
	if c.cfg.ReceivedLog != nil {
		c.cfg.ReceivedLog.Record(media.Key{Sender: name, Stream: m.StreamID}, m.Sequence, frame)
	}
	if c.cfg.OnReceived != nil {
		c.cfg.OnReceived(ReceivedFrame{
			From: name, Stream: m.StreamID, Seq: m.Sequence, Epoch: snd.Epoch,
			Capture: time.UnixMicro(int64(m.TimestampUS)), Received: in.at, Opened: now, Size: len(frame), Held: held,
		})
	}
}
