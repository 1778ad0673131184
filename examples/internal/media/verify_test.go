package media

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func payload(k Key, seq uint64) []byte { return fmt.Appendf(nil, "%v#%d", k, seq) }

// TestCompare builds what two senders sent and what one receiver that
// joined late opened, with losses, a tampered frame, a frame never sent
// and a conflicting duplicate, and checks every count.
func TestCompare(t *testing.T) {
	aliceVideo, aliceAudio, bobVideo := Key{"alice", 1}, Key{"alice", 2}, Key{"bob", 1}
	sent := NewLog()
	var wg sync.WaitGroup
	for _, k := range []Key{aliceVideo, aliceAudio, bobVideo} {
		wg.Go(func() {
			for seq := range uint64(100) {
				sent.Record(k, seq, payload(k, seq))
			}
		})
	}
	wg.Wait()

	got := NewLog()
	for seq := uint64(20); seq <= 80; seq++ {
		switch seq {
		case 30, 31: // lost
		case 50:
			got.Record(aliceVideo, seq, []byte("tampered"))
		default:
			got.Record(aliceVideo, seq, payload(aliceVideo, seq))
		}
	}
	got.Record(aliceVideo, 60, []byte("again, otherwise")) // conflicts with the first record
	got.Record(aliceVideo, 61, payload(aliceVideo, 61))    // a harmless duplicate
	for seq := uint64(10); seq < 15; seq++ {
		got.Record(bobVideo, seq, payload(bobVideo, seq))
	}
	got.Record(Key{"bob", 7}, 5, []byte("never sent"))

	r := Compare(sent, got)
	want := []StreamReport{
		{Key: aliceVideo, First: 20, Last: 80, Sent: 61, Matched: 58, Missing: 2, Mismatched: 1, Conflicts: 1},
		{Key: bobVideo, First: 10, Last: 14, Sent: 5, Matched: 5},
		{Key: Key{"bob", 7}, First: 5, Last: 5, Unexpected: 1},
	}
	if !slices.Equal(r.Streams, want) {
		t.Errorf("Compare:\n got %+v\nwant %+v", r.Streams, want)
	}
	if !slices.Equal(r.Unheard, []Key{aliceAudio}) {
		t.Errorf("Unheard = %v, want [alice/2]", r.Unheard)
	}
	if r.OK() || r.Streams[0].OK() || !r.Streams[1].OK() || r.Streams[2].OK() {
		t.Errorf("OK: report %v, streams %v %v %v", r.OK(), r.Streams[0].OK(), r.Streams[1].OK(), r.Streams[2].OK())
	}
	if s := r.Streams[0].String(); s != "alice/1 seq 20-80: 61 sent, 58 matched, 2 missing, 1 MISMATCHED, 0 UNEXPECTED, 1 CONFLICTING" {
		t.Errorf("String() = %q", s)
	}
	if s := r.Streams[1].String(); s != "bob/1 seq 10-14: 5 sent, 5 matched, 0 missing" {
		t.Errorf("String() = %q", s)
	}

	// An explicit span: the whole call, as if the receiver had been a
	// member from the start.
	full := CompareSpan(sent, got, bobVideo, 0, 99)
	if full.Sent != 100 || full.Matched != 5 || full.Missing != 95 || !full.OK() {
		t.Errorf("CompareSpan(bob/1, 0, 99) = %+v", full)
	}
	none := CompareSpan(sent, got, Key{"carol", 1}, 0, 10)
	if none != (StreamReport{Key: Key{"carol", 1}, Last: 10}) {
		t.Errorf("CompareSpan of a stream nobody logged: %+v", none)
	}

	// A log compared with itself matches in full (and does not deadlock).
	self := Compare(sent, sent)
	if !self.OK() || len(self.Streams) != 3 || self.Unheard != nil {
		t.Fatalf("Compare(sent, sent) = %+v", self)
	}
	for _, s := range self.Streams {
		if s.Sent != 100 || s.Matched != 100 || s.First != 0 || s.Last != 99 {
			t.Errorf("Compare(sent, sent): %v", s)
		}
	}
	if first, last, n := got.Span(aliceVideo); first != 20 || last != 80 || n != 59 {
		t.Errorf("Span(alice/1) = %d, %d, %d; want 20, 80, 59", first, last, n)
	}
	if _, _, n := got.Span(aliceAudio); n != 0 {
		t.Errorf("Span of a stream not logged: %d frames", n)
	}
	if k := got.Keys(); !slices.Equal(k, []Key{aliceVideo, bobVideo, {"bob", 7}}) {
		t.Errorf("Keys() = %v", k)
	}
}

// TestCompareMedia runs the sample media through the whole receive path
// a client will use: a Pacer on the sender side feeding a Log, a lossy
// link, ParseFrame, a Recorder and a Log on the receiver, then Compare.
func TestCompareMedia(t *testing.T) {
	sent, got := NewLog(), NewLog()
	rec, err := NewRecorder(t.TempDir(), RecorderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for stream, path := range map[uint32]string{1: sampleVideo, 2: sampleAudio} {
		sum := sampleVideoSHA256
		if stream == 2 {
			sum = sampleAudioSHA256
		}
		tr := sampleTrack(t, path, sum)
		p := NewPacer(tr, PacerConfig{Clock: &fakeClock{now: epoch}, Loop: true})
		k := Key{"alice", stream}
		for range 2 * tr.Len() {
			f, err := p.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			sent.Record(k, f.Seq, f.Payload)
			if f.Seq%7 == 3 || f.Seq < 50 { // lost, or before the receiver joined
				continue
			}
			wire := slices.Clone(f.Payload)
			g, err := ParseFrame(tr.Codec(), f.Seq, f.Timestamp, wire)
			if err != nil {
				t.Fatal(err)
			}
			got.Record(k, g.Seq, g.Payload)
			if err := rec.WriteFrame("alice", g); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	r := Compare(sent, got)
	if !r.OK() || len(r.Streams) != 2 || r.Unheard != nil {
		t.Fatalf("Compare = %+v", r)
	}
	for _, s := range r.Streams {
		if s.First != 50 || s.Missing == 0 || s.Matched+s.Missing != s.Sent {
			t.Errorf("%v", s)
		}
		t.Log(s)
	}
	for _, f := range rec.Files() {
		if f.Stats.Lost == 0 || !strings.HasPrefix(filepath.Base(f.Path), "alice-") {
			t.Errorf("%+v", f)
		}
		t.Logf("%s: %v", f.Path, f.Stats)
	}
}
