package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/call"
	"github.com/sealroom/sealroom/examples/internal/capture"
	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/frame"
)

// summary is what the call proved, and what went wrong if anything did.
type summary struct {
	// Final is the members' state at the end: every member still in the
	// group is in Epoch with Code, and the group's members are Members.
	Epoch   uint64
	Code    string
	Members []string

	// Receivers holds, for every receiver, one report per stream of every
	// other member: what it opened against what was sent in the epochs
	// both were members of.
	Receivers map[string][]media.StreamReport
	// Verdicts is, for every receiver, "ok", "FAIL", or "ok, loaded" when
	// it missed more frames than missingAllowed but no more than the
	// load explains (options.Loaded).
	Verdicts map[string]string
	// Unopened is, for every receiver, what its counters say about the
	// frames it did not open, by sender; Loaded lists the receivers and
	// senders whose missing frames only the load explains.
	Unopened map[string]map[string]call.PeerStats
	Loaded   []string
	// Departed is what the leaver received after leaving.
	Departed map[string]call.Departure
	// Files are the recordings, by receiver. ReadBack counts those read
	// back and checked, ReadFrames the frames in them.
	Files                         map[string][]media.Recorded
	ReadBack, ReadFrames, ReadBad int

	// The relay's capture: frames and bytes it forwarded, the plaintext
	// frames indexed (Short of them too short to search for), the windows
	// held, and where a plaintext window was found in what it forwarded
	// (never).
	Captured, CapturedBytes, Skipped int
	Plain, Short, Windows            int
	Hits                             int
	Sample                           string

	Problems []string
}

func (s *summary) problem(format string, args ...any) {
	s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
}

// missingAllowed is how many of the frames a receiver should have
// opened may be missing: frames can be lost on the way, even on loopback
// (the relay drops media for a receiver that falls behind). One in fifty.
func missingAllowed(sent uint64) uint64 { return max(2, sent/50) }

// benign are the reasons a frame may go unopened on a machine too loaded
// to keep up: its epoch came too late (or before the receiver joined), or
// its epoch's grace period had ended when it was opened. The others
// (authentication, replay, unknown sender, malformed, other) never
// happen in an honest call, loaded or not.
var benign = [call.NumReasons]bool{call.ReasonUnknownEpoch: true, call.ReasonEpochExpired: true, call.ReasonNotMember: true}

// explained is how many frames of a sender a receiver's counters account
// for without a fault: lost on the way, or not opened for a benign
// reason. It counts every frame of the call, not only those of the span
// the summary checks, so it is an upper bound.
func explained(p call.PeerStats) uint64 {
	n := p.Lost
	for r, v := range p.Rejected {
		if benign[r] {
			n += v
		}
	}
	return n
}

// reasons describes what a receiver's counters say about a sender's
// frames it did not open.
func reasons(p call.PeerStats) string {
	var parts []string
	if p.Lost > 0 {
		parts = append(parts, fmt.Sprintf("%d lost on the way", p.Lost))
	}
	for r, v := range p.Rejected {
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%d %v", v, call.Reason(r)))
		}
	}
	if len(parts) == 0 {
		return "none lost or rejected"
	}
	return strings.Join(parts, ", ")
}

// summarize checks the call against what the demo promises.
func (d *demo) summarize(snap snapshot) *summary {
	s := &summary{
		Receivers: map[string][]media.StreamReport{}, Verdicts: map[string]string{}, Unopened: map[string]map[string]call.PeerStats{},
		Departed: map[string]call.Departure{}, Files: snap.files,
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.checkFinal(s, snap)
	for _, r := range d.people {
		if r.joinedAt.IsZero() {
			s.problem("%s never joined", r.name)
			continue
		}
		d.checkReceiver(s, r, snap)
		if r.leaveAt > 0 {
			d.checkDeparted(s, r, snap)
		}
	}
	d.checkCapture(s, snap)
	d.checkRecordings(s)
	return s
}

// checkRecordings reads every recording back: each holds the frames
// written, and each frame is a frame of the sample media (every frame sent
// is one), but for the packets an Ogg file conceals losses with.
func (d *demo) checkRecordings(s *summary) {
	sample := map[media.Codec]map[string]bool{}
	for _, t := range []*media.Track{d.audio, d.video} {
		frames := map[string]bool{}
		for i := range t.Len() {
			frames[string(t.Frame(i).Payload)] = true
		}
		sample[t.Codec()] = frames
	}
	for _, files := range s.Files {
		for _, f := range files {
			t, err := media.Open(f.Path)
			if err != nil {
				s.problem("reading back %v", err)
				continue
			}
			foreign := 0
			for i := range t.Len() {
				if !sample[t.Codec()][string(t.Frame(i).Payload)] {
					foreign++
				}
			}
			if uint64(t.Len()) != f.Stats.Written+f.Stats.Concealed || uint64(foreign) > f.Stats.Concealed {
				s.problem("%s holds %d frames, %d of them not sent; %v", f.Path, t.Len(), foreign, f.Stats)
				s.ReadBad++
			}
			s.ReadBack++
			s.ReadFrames += t.Len()
		}
	}
}

// checkFinal checks that the members still in the group agree on the
// epoch, the safety code and the membership.
func (d *demo) checkFinal(s *summary, snap snapshot) {
	var want []string
	for _, p := range d.people {
		if p.member {
			want = append(want, p.name)
		}
	}
	for i, name := range want {
		st := snap.stats[name]
		if i == 0 {
			s.Epoch, s.Code, s.Members = st.Epoch, st.SafetyCode.Digits, slices.Sorted(slices.Values(st.Members))
			continue
		}
		if st.Epoch != s.Epoch || st.SafetyCode.Digits != s.Code {
			s.problem("%s ends in epoch %d with safety code %s, %s in epoch %d with %s", name, st.Epoch, st.SafetyCode, want[0], s.Epoch, s.Code)
		}
	}
	if !slices.Equal(s.Members, want) {
		s.problem("the group's members are %v, want %v", s.Members, want)
	}
}

// checkReceiver compares what r opened of every other member with what
// was sent in the epochs both were members of, up to the end of the
// call. Whatever the load, r must have opened every frame unaltered and
// attributed to its sender, and have rejected none for a reason other
// than a benign one. Missing frames are allowed up to missingAllowed; on
// a loaded machine (options.Loaded), more are allowed, up to half of a
// sender's frames, when r's counters account for them (explained).
func (d *demo) checkReceiver(s *summary, r *participant, snap snapshot) {
	st := snap.stats[r.name]
	last := r.last
	if r.member {
		last = st.Epoch
	}
	verdict := "ok"
	fail := func(format string, args ...any) {
		s.problem(format, args...)
		verdict = "FAIL"
	}
	s.Unopened[r.name] = st.Peers
	for name, ps := range st.Peers {
		for reason, v := range ps.Rejected {
			if v > 0 && !benign[reason] {
				fail("%s rejected %d frames of %s: %v", r.name, v, name, call.Reason(reason))
			}
		}
	}
	if st.SourceMismatch > 0 {
		fail("%s opened %d frames whose MLS sender is not the client the relay named", r.name, st.SourceMismatch)
	}
	for _, p := range d.people {
		if p == r {
			continue
		}
		var sent, missing, allowed uint64
		var short []media.StreamReport
		for _, stream := range []uint32{call.StreamAudio, call.StreamVideo} {
			k := media.Key{Sender: p.name, Stream: stream}
			lo, hi, ok := d.span(k, r.first, last)
			if !ok {
				continue // never members together
			}
			rep := media.CompareSpan(d.sent, r.received, k, lo, hi)
			s.Receivers[r.name] = append(s.Receivers[r.name], rep)
			if !rep.OK() {
				fail("%s: %v", r.name, rep)
			}
			sent, missing, allowed = sent+rep.Sent, missing+rep.Missing, allowed+missingAllowed(rep.Sent)
			if rep.Missing > missingAllowed(rep.Sent) {
				short = append(short, rep)
			}
		}
		if len(short) == 0 {
			continue
		}
		ps := st.Peers[p.name]
		if d.opts.Loaded && missing <= allowed+explained(ps) && 2*missing <= sent {
			s.Loaded = append(s.Loaded, fmt.Sprintf("%s missed %d of the %d frames of %s; its counters: %s", r.name, missing, sent, p.name, reasons(ps)))
			if verdict == "ok" {
				verdict = "ok, loaded"
			}
			continue
		}
		for _, rep := range short {
			fail("%s missed %d of the %d frames of %v it should have opened (of all %s's frames: %s)", r.name, rep.Missing, rep.Sent, rep.Key, p.name, reasons(ps))
		}
	}
	if all := media.Compare(d.sent, r.received); !all.OK() {
		fail("%s opened frames that were not sent: %v", r.name, all)
	}
	s.Verdicts[r.name] = verdict
}

// span returns the sequence numbers of the frames of k sent in epochs
// first to last and before the call ended.
func (d *demo) span(k media.Key, first, last uint64) (lo, hi uint64, ok bool) {
	for _, f := range d.frames[k] {
		if f.epoch < first || f.epoch > last || f.at.After(d.stopAt) {
			continue
		}
		if !ok {
			lo, ok = f.seq, true
		}
		hi = f.seq
	}
	return lo, hi, ok
}

// checkDeparted checks that the member that left opened nothing after
// its grace period, and nothing of a later epoch, though the relay kept
// sending it the call.
func (d *demo) checkDeparted(s *summary, r *participant, snap snapshot) {
	dep := snap.stats[r.name].Departure
	s.Departed[r.name] = dep
	switch {
	case dep.At.IsZero():
		s.problem("%s did not leave (%v)", r.name, r.leaveErr)
	case dep.AfterGrace > 0 || dep.LaterEpoch > 0:
		s.problem("%s opened %d frames after its grace period, %d of a later epoch", r.name, dep.AfterGrace, dep.LaterEpoch)
	case dep.RejectedAfterGrace == 0:
		s.problem("%s received nothing after its grace period: the call ended too soon to show it", r.name)
	}
}

// checkCapture searches what the relay forwarded for any 16-byte window
// of any frame of the sample media (every frame sent is one of them), and
// takes a sample.
func (d *demo) checkCapture(s *summary, snap snapshot) {
	idx := capture.NewIndex()
	for _, t := range []*media.Track{d.audio, d.video} {
		for i := range t.Len() {
			idx.Add(t.Frame(i).Payload)
		}
	}
	s.Plain, s.Short, s.Windows = idx.Frames(), idx.Short(), idx.Windows()
	frames := d.capture.Frames()
	_, s.CapturedBytes, s.Skipped = d.capture.Stats()
	s.Captured = len(frames)
	for _, f := range frames {
		s.Hits += len(idx.Scan(f.Wire))
	}
	if s.Captured == 0 {
		s.problem("the relay forwarded nothing")
	}
	if s.Hits > 0 {
		s.problem("%d windows of plaintext found in what the relay forwarded", s.Hits)
	}
	s.Sample = d.sample(frames, snap)
}

// sampleBytes is how much of a frame the sample shows.
const sampleBytes = 24

// sample shows one video frame as the relay forwarded it, next to its
// plaintext.
func (d *demo) sample(frames []capture.Frame, snap snapshot) string {
	bySource := map[uint32]string{}
	for name, st := range snap.stats {
		bySource[st.Source] = name
	}
	for _, f := range frames[len(frames)/2:] {
		name, ok := bySource[f.Source]
		if !ok || f.Stream != call.StreamVideo {
			continue
		}
		plain := d.video.Frame(int(f.Sequence % uint64(d.video.Len()))).Payload
		pkt, err := e2ee.ParsePacket(f.Payload)
		if err != nil || len(plain) < 2*sampleBytes || plain[0]&1 == 0 {
			continue // show an inter frame (bit 0 set): its clear part is one byte
		}
		hdr, body, err := frame.ParseHeader(pkt.SFrame)
		if err != nil {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s's VP8 frame %d, as the relay forwarded it (%d bytes in a %d-byte Media message):\n", name, f.Sequence, len(f.Payload), len(f.Wire))
		fmt.Fprintf(&b, "  codec %02x, clear part %s (the VP8 frame type the relay may route on; authenticated)\n", byte(pkt.Codec), hex.EncodeToString(pkt.Clear))
		fmt.Fprintf(&b, "  SFrame header %s (KID %d, CTR %d)\n", hex.EncodeToString(pkt.SFrame[:len(pkt.SFrame)-len(body)]), hdr.KID, hdr.CTR)
		fmt.Fprintf(&b, "  ciphertext    %s... (%d bytes with the tag)\n", spaced(body[:sampleBytes]), len(body))
		fmt.Fprintf(&b, "the plaintext it could not read (the sender's frame, %d bytes):\n", len(plain))
		fmt.Fprintf(&b, "  clear part %s, then\n", hex.EncodeToString(plain[:len(pkt.Clear)]))
		fmt.Fprintf(&b, "  plaintext     %s...\n", spaced(plain[len(pkt.Clear):len(pkt.Clear)+sampleBytes]))
		return b.String()
	}
	return "(no video frame captured)\n"
}

// spaced formats b as hex in groups of four bytes.
func spaced(b []byte) string {
	var parts []string
	for i := 0; i < len(b); i += 4 {
		parts = append(parts, hex.EncodeToString(b[i:min(i+4, len(b))]))
	}
	return strings.Join(parts, " ")
}

// print writes the summary.
func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "\n== summary ==\n\n")
	fmt.Fprintf(w, "members at the end: %s, all in epoch %d with safety code %s\n\n", strings.Join(s.Members, ", "), s.Epoch, s.Code)
	fmt.Fprintf(w, "what each receiver opened, against what each sender sent while both were members\n(frames identical/sent, audio and video; frames missing or altered are listed):\n")
	for _, name := range slices.Sorted(maps.Keys(s.Receivers)) {
		var parts []string
		verdict := s.Verdicts[name]
		reps := s.Receivers[name]
		for i := 0; i < len(reps); {
			sender := reps[i].Key.Sender
			var sent, matched, missing, altered uint64
			for ; i < len(reps) && reps[i].Key.Sender == sender; i++ {
				r := reps[i]
				sent, matched, missing, altered = sent+r.Sent, matched+r.Matched, missing+r.Missing, altered+r.Mismatched+r.Unexpected+r.Conflicts
			}
			part := fmt.Sprintf("%s %d/%d", sender, matched, sent)
			if missing > 0 {
				part += fmt.Sprintf(" (%d missing)", missing)
			}
			if altered > 0 {
				part += fmt.Sprintf(" (%d ALTERED)", altered)
			}
			parts = append(parts, part)
		}
		fmt.Fprintf(w, "  %-6s <- %s  %s\n", name, strings.Join(parts, ", "), verdict)
	}
	fmt.Fprintf(w, "\nframes not opened, by receiver and sender (lost on the way: gaps in the sequence numbers that arrived; rejected: why):\n")
	for _, name := range slices.Sorted(maps.Keys(s.Unopened)) {
		peers := s.Unopened[name]
		var parts []string
		for _, sender := range slices.Sorted(maps.Keys(peers)) {
			if p := peers[sender]; p.Lost+p.RejectedTotal() > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", sender, reasons(p)))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "none")
		}
		fmt.Fprintf(w, "  %-6s <- %s\n", name, strings.Join(parts, "; "))
	}
	if len(s.Loaded) > 0 {
		fmt.Fprintf(w, "\nthe machine could not keep up: frames missing beyond one in fifty, accounted for by frames lost on the way\nor by epochs installed too late or expired (tolerated up to half of a sender's frames):\n")
		for _, l := range s.Loaded {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	for name, dep := range s.Departed {
		fmt.Fprintf(w, "\n%s left in epoch %d and stayed connected: it opened %d frames in its %v grace period, %d after it;\n",
			name, dep.Epoch, dep.Opened-dep.AfterGrace, dep.GraceEnd.Sub(dep.At), dep.AfterGrace)
		fmt.Fprintf(w, "  the relay kept sending it the call: %d frames after the grace period, none of which it could open\n", dep.RejectedAfterGrace)
	}
	fmt.Fprintf(w, "\nrecordings, decrypted, SENDER-vp8.ivf and SENDER-opus.ogg per receiver (ffplay plays them):\n")
	for _, name := range slices.Sorted(maps.Keys(s.Files)) {
		var written, lost, late uint64
		for _, f := range s.Files[name] {
			written, lost, late = written+f.Stats.Written, lost+f.Stats.Lost, late+f.Stats.Late
		}
		if fs := s.Files[name]; len(fs) > 0 {
			fmt.Fprintf(w, "  %s: %d files, %d frames; %d gaps, %d frames opened too late to write in order\n", filepath.Dir(fs[0].Path), len(fs), written, lost, late)
		}
	}
	if s.ReadBad == 0 {
		fmt.Fprintf(w, "  read back: %d files, %d frames, every one a frame that was sent\n", s.ReadBack, s.ReadFrames)
	} else {
		fmt.Fprintf(w, "  read back: %d files, %d frames; %d files hold frames that were not sent\n", s.ReadBack, s.ReadFrames, s.ReadBad)
	}
	fmt.Fprintf(w, "\nthe relay forwarded %d frames (%d bytes); %d windows of 16 bytes from the %d plaintext frames (%d too short to search) appear in them %d times\n\n",
		s.Captured, s.CapturedBytes, s.Windows, s.Plain, s.Short, s.Hits)
	fmt.Fprint(w, s.Sample)
	if len(s.Problems) == 0 {
		fmt.Fprintf(w, "\nOK: every receiver opened what was sent while it was a member, the leaver opened nothing after its grace period, and the relay forwarded sealed frames only: no plaintext beyond the clear headers shown\n")
		return
	}
	fmt.Fprintf(w, "\nPROBLEMS:\n")
	for _, p := range s.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}
