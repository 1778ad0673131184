package call

import (
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/transport"
)

// send plays track as stream in real time from the client's start,
// looping: each frame the pacer releases is sealed with the Session's
// current epoch key, codec-aware, and sent as one media datagram (or
// stream, if too large). Frames released while the client is not a
// member are counted and skipped, as a live encoder's would be.
func (c *Client) send(track *media.Track, stream uint32) {
	p := media.NewPacer(track, media.PacerConfig{Start: c.start, Loop: true})
	buf := make([]byte, 0, 2048)
	for {
		f, err := p.Next(c.ctx)
		if err != nil {
			return
		}
		capture := c.start.Add(f.Timestamp)
		s := c.sess.Load()
		if s == nil || c.Phase() != PhaseMember {
			c.stats.notSent.Add(1)
			continue
		}
		if need := len(f.Payload) + s.MaxOverhead(); cap(buf) < need {
			buf = make([]byte, 0, need)
		}
		c.sealMu.Lock()
		pkt, err := s.Seal(buf[:0], f.Payload, e2ee.Codec(f.Codec))
		epoch := s.Epoch()
		c.sealMu.Unlock()
		if err != nil {
			if c.Phase() == PhaseMember {
				c.stats.sendErrors.Add(1)
				c.log.Debug("seal", "err", err)
			} else {
				c.stats.notSent.Add(1)
			}
			continue
		}
		// Logged before it leaves, so that no receiver can log a frame
		// its sender has not (one that fails to send counts as lost).
		if c.cfg.SentLog != nil {
			c.cfg.SentLog.Record(media.Key{Sender: c.cfg.Name, Stream: stream}, f.Seq, f.Payload)
		}
		conn := c.conn.Load()
		sent := time.Now()
		err = conn.SendMedia(&transport.Media{StreamID: stream, Sequence: f.Seq, TimestampUS: uint64(capture.UnixMicro()), Payload: pkt})
		if err != nil {
			c.stats.sendErrors.Add(1)
			continue
		}
		if stream == StreamAudio {
			c.stats.sentAudio.Add(1)
		} else {
			c.stats.sentVideo.Add(1)
		}
		c.stats.sentBytes.Add(uint64(len(pkt)))
		if c.cfg.OnSent != nil {
			c.cfg.OnSent(SentFrame{Stream: stream, Seq: f.Seq, Epoch: epoch, Capture: capture, Sent: sent, Size: len(f.Payload), Sealed: len(pkt)})
		}
	}
}
