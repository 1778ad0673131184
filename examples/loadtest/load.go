package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sealroom/sealroom/examples/internal/transport"
)

// sendStats counts what one client sent.
type sendStats struct {
	scheduled  uint64    // frames the schedule called for
	sent       [2]uint64 // by stream: audio, video
	sendErrors uint64
	sealErrors uint64
	lag        Latencies // how late each frame was sealed against its schedule
}

// recvStats counts what one client received, per sender.
type recvStats struct {
	opened        [][2]uint64 // by sender index, then stream
	decryptFailed uint64      // frames Open refused
	firstFailure  error
	badStamp      uint64 // opened, but the stamp disagrees with MLS's sender or the stream
	latency       [2]Latencies
	handled       atomic.Uint64 // frames taken from the transport
}

// streamIndex maps a stream id to 0 (audio) or 1 (video).
func streamIndex(stream uint32) int {
	if stream == streamAudio {
		return 0
	}
	return 1
}

// sendLoop sends stream's frames from start, one every period, until
// end, sealing each with m's Session (sealMu serializes Seal between the
// client's two streams, as Session requires). The stamp's send time is
// read just before Seal, so the measured latency includes sealing (a few
// microseconds), the client's QUIC send path, the relay and the
// receiver's QUIC receive path.
func (m *member) sendLoop(ctx context.Context, stream uint32, start, end time.Time, sealMu *sync.Mutex, st *sendStats, mu *sync.Mutex) {
	codec, size := codecOf(stream)
	period := audioPeriod
	if stream == streamVideo {
		period = videoPeriod
	}
	frame := make([]byte, size)
	buf := make([]byte, 0, size+m.sess.MaxOverhead())
	var scheduled, sent, sendErrors, sealErrors uint64
	var lag Latencies
	defer func() {
		mu.Lock()
		st.scheduled += scheduled
		st.sent[streamIndex(stream)] += sent
		st.sendErrors += sendErrors
		st.sealErrors += sealErrors
		st.lag.Merge(&lag)
		mu.Unlock()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for seq, next := uint64(0), start; next.Before(end); seq, next = seq+1, next.Add(period) {
		timer.Reset(time.Until(next))
		select {
		case <-timer.C:
		case <-ctx.Done():
			return
		}
		now := time.Now()
		scheduled++
		lag.Add(now.Sub(next))
		fillFrame(frame, stamp{Sender: uint32(m.index), Stream: stream, Seq: seq, Sent: now})
		sealMu.Lock()
		pkt, err := m.sess.Seal(buf[:0], frame, codec)
		sealMu.Unlock()
		if err != nil {
			sealErrors++
			continue
		}
		if err := m.conn.SendMedia(&transport.Media{StreamID: stream, Sequence: seq, TimestampUS: uint64(now.UnixMicro()), Payload: pkt}); err != nil {
			sendErrors++
			continue
		}
		sent++
	}
}

// receiveLoop opens every frame m receives until ctx ends. The receive
// time is read as soon as the transport hands the frame over, before
// Open.
func (m *member) receiveLoop(ctx context.Context, n int, names []string, st *recvStats) {
	st.opened = make([][2]uint64, n)
	buf := make([]byte, 0, videoSize+1024)
	for {
		in, err := m.conn.ReceiveMedia(ctx)
		if err != nil {
			return
		}
		at := time.Now()
		st.handled.Add(1)
		frame, snd, err := m.sess.Open(buf[:0], in.Payload)
		if err != nil {
			st.decryptFailed++
			if st.firstFailure == nil {
				st.firstFailure = err
			}
			continue
		}
		s, err := readStamp(frame)
		if err != nil || int(s.Sender) >= n || names[s.Sender] != string(snd.Identity) || s.Stream != in.StreamID ||
			(s.Stream != streamAudio && s.Stream != streamVideo) {
			st.badStamp++
			continue
		}
		k := streamIndex(s.Stream)
		st.opened[s.Sender][k]++
		st.latency[k].Add(at.Sub(s.Sent))
	}
}

// drainEvents reads m's control stream after the group has formed:
// member announcements, and no handshake messages (nobody commits during
// the load).
func (m *member) drainEvents(ctx context.Context, handshakes *atomic.Uint64) {
	for {
		select {
		case e, ok := <-m.conn.Events():
			if !ok {
				return
			}
			if _, ok := e.(*transport.HandshakeEvent); ok {
				handshakes.Add(1)
			}
		case <-ctx.Done():
			return
		}
	}
}
