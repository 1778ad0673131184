package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/call"
	"github.com/sealroom/sealroom/examples/internal/media"
)

// TestCheckReceiverVerdict checks the verdict on missing and rejected
// frames: strict for the demo, lenient on a loaded machine only for
// frames the receiver's counters account for, up to half of them, and
// never for a rejection other than a benign one or a misattributed frame.
func TestCheckReceiverVerdict(t *testing.T) {
	const sent = 100
	tests := []struct {
		name     string
		loaded   bool
		missing  int
		peer     call.PeerStats
		mismatch uint64
		ok       bool
	}{
		{name: "none missing", missing: 0, ok: true},
		{name: "one in fifty", missing: 2, ok: true},
		{name: "strict, explained", missing: 10, peer: call.PeerStats{Lost: 6, Rejected: rejected(call.ReasonEpochExpired, 4)}},
		{name: "loaded, explained", loaded: true, missing: 10, peer: call.PeerStats{Lost: 6, Rejected: rejected(call.ReasonUnknownEpoch, 4)}, ok: true},
		{name: "loaded, not explained", loaded: true, missing: 10, peer: call.PeerStats{Lost: 3}},
		{name: "loaded, over half", loaded: true, missing: 60, peer: call.PeerStats{Lost: 60}},
		{name: "authentication", loaded: true, peer: call.PeerStats{Rejected: rejected(call.ReasonAuthentication, 1)}},
		{name: "replay", loaded: true, peer: call.PeerStats{Rejected: rejected(call.ReasonReplay, 1)}},
		{name: "malformed", loaded: true, peer: call.PeerStats{Rejected: rejected(call.ReasonMalformed, 1)}},
		{name: "misattributed", loaded: true, mismatch: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &demo{opts: options{Loaded: tt.loaded}, sent: media.NewLog(), frames: map[media.Key][]sentFrame{}, stopAt: time.Now()}
			r := &participant{role: role{name: "r"}, received: media.NewLog(), member: true, first: 1}
			p := &participant{role: role{name: "p"}, received: media.NewLog(), member: true, first: 1}
			d.people = []*participant{r, p}
			k := media.Key{Sender: "p", Stream: call.StreamAudio}
			for seq := range uint64(sent) {
				payload := fmt.Appendf(nil, "frame %d", seq)
				d.sent.Record(k, seq, payload)
				d.frames[k] = append(d.frames[k], sentFrame{seq: seq, epoch: 1, at: d.stopAt.Add(-time.Second)})
				if seq >= uint64(tt.missing) {
					r.received.Record(k, seq, payload)
				}
			}
			snap := snapshot{stats: map[string]call.Stats{"r": {Epoch: 1, SourceMismatch: tt.mismatch, Peers: map[string]call.PeerStats{"p": tt.peer}}}}
			s := &summary{Receivers: map[string][]media.StreamReport{}, Verdicts: map[string]string{}, Unopened: map[string]map[string]call.PeerStats{}}
			d.checkReceiver(s, r, snap)
			if ok := len(s.Problems) == 0; ok != tt.ok {
				t.Errorf("problems %q, want ok %v", s.Problems, tt.ok)
			}
			if want := tt.ok && tt.loaded && tt.missing > 2; want != (s.Verdicts["r"] == "ok, loaded") || want != (len(s.Loaded) == 1) {
				t.Errorf("verdict %q, loaded notes %q", s.Verdicts["r"], s.Loaded)
			}
			if !tt.ok && s.Verdicts["r"] != "FAIL" {
				t.Errorf("verdict %q, want FAIL", s.Verdicts["r"])
			}
			if tt.missing > 2 && !tt.ok && !strings.Contains(strings.Join(s.Problems, "\n"), "missed") {
				t.Errorf("problems %q do not name the missing frames", s.Problems)
			}
		})
	}
}

func rejected(r call.Reason, n uint64) (v [call.NumReasons]uint64) {
	v[r] = n
	return v
}
