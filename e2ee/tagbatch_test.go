package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sealroom/sealroom/frame"
	"github.com/sealroom/sealroom/keyschedule"
	"github.com/sealroom/sealroom/mls"
)

func TestTagBatchLayout(t *testing.T) {
	for _, tb := range []tagBatch{
		{kid: 0, first: 0, count: 1, sig: []byte{1}},
		{kid: 0x35, first: 200, count: 50, parity: [16]byte{1, 2, 3}, sig: bytes.Repeat([]byte{7}, 64)},
		{kid: 1<<64 - 1, first: 1<<64 - 128, count: 128, sig: bytes.Repeat([]byte{9}, maxBatchSignature)},
	} {
		pkt := appendTagBatch(nil, &tb)
		if !IsTagBatch(pkt) || len(pkt) > maxTagBatchLen {
			t.Fatalf("%x: not a tag batch or too long", pkt)
		}
		got, err := parseTagBatch(pkt)
		if err != nil {
			t.Fatal(err)
		}
		if got.kid != tb.kid || got.first != tb.first || got.count != tb.count || got.parity != tb.parity || !bytes.Equal(got.sig, tb.sig) {
			t.Fatalf("round trip: %+v, want %+v", got, tb)
		}
		if _, err := ParsePacket(pkt); err == nil {
			t.Fatal("a tag batch parses as a media packet")
		}
	}
	sig := bytes.Repeat([]byte{1}, 64)
	parity := make([]byte, 16)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for name, pkt := range map[string][]byte{
		"empty":              nil,
		"media":              {byte(CodecOpus), 0, 1, 2, 3},
		"type only":          {PacketTagBatch},
		"kid truncated":      {PacketTagBatch, 0x80},
		"kid not minimal":    cat([]byte{PacketTagBatch, 0x85, 0x00, 0, 1}, parity, sig),
		"kid overflow":       cat([]byte{PacketTagBatch}, bytes.Repeat([]byte{0xff}, 10), []byte{1, 0, 1}, parity, sig),
		"ctr not minimal":    cat([]byte{PacketTagBatch, 5, 0x80, 0x00, 1}, parity, sig),
		"no count":           {PacketTagBatch, 5, 0},
		"count 0":            cat([]byte{PacketTagBatch, 5, 0, 0}, parity, sig),
		"count 129":          cat([]byte{PacketTagBatch, 5, 0, 129}, parity, sig),
		"range wraps":        cat([]byte{PacketTagBatch, 5}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, []byte{2}, parity, sig),
		"parity truncated":   cat([]byte{PacketTagBatch, 5, 0, 1}, parity[:15]),
		"no signature":       cat([]byte{PacketTagBatch, 5, 0, 1}, parity),
		"signature too long": cat([]byte{PacketTagBatch, 5, 0, 1}, parity, make([]byte, maxBatchSignature+1)),
	} {
		if _, err := parseTagBatch(pkt); err == nil {
			t.Errorf("%s: %x parsed", name, pkt)
		} else if !errors.Is(err, ErrMalformedPacket) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// reportLog collects AuthReports.
type reportLog struct {
	mu      sync.Mutex
	reports []AuthReport
}

func (l *reportLog) add(r AuthReport) {
	l.mu.Lock()
	l.reports = append(l.reports, r)
	l.mu.Unlock()
}

func (l *reportLog) take() []AuthReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reports
	l.reports = nil
	return r
}

// authCall is a call of alice (sender), bob (receiver) and mallory (a
// member who forges), with sender authentication on; the reports are
// bob's, since only bob receives.
func authCall(t testing.TB, suite mls.CipherSuite, frames int) (*testCall, *reportLog) {
	t.Helper()
	log := new(reportLog)
	cfg := Config{SenderAuth: &SenderAuth{Frames: frames, Report: log.add}}
	return newCallSuite(t, suite, cfg, "alice", "bob", "mallory"), log
}

// sealRun has from seal n frames of size bytes and returns them and the
// batches TagBatch produced along the way.
func sealRun(t testing.TB, c *testCall, from string, n, size int) (pkts, batches [][]byte) {
	t.Helper()
	s := c.member(from).s
	for i := range n {
		pkts = append(pkts, c.seal(from, CodecOpus, testFrame(size, byte(i))))
		b, err := s.TagBatch()
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			batches = append(batches, b)
		}
	}
	return pkts, batches
}

func openAll(t testing.TB, s *Session, pkts [][]byte, skip ...int) {
	t.Helper()
	for i, p := range pkts {
		if slices.Contains(skip, i) {
			continue
		}
		if _, _, err := s.Open(nil, p); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

func receiveAll(t testing.TB, s *Session, batches [][]byte) {
	t.Helper()
	for _, b := range batches {
		if err := s.ReceiveTagBatch(b); err != nil {
			t.Fatal(err)
		}
	}
}

func checkReports(t testing.TB, got []AuthReport, want ...string) {
	t.Helper()
	var s []string
	for _, r := range got {
		s = append(s, fmt.Sprintf("%s %d-%d %d: %v", r.Sender.Identity, r.First, r.Last, r.Frames, r.Reason))
	}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Fatalf("reports %q, want %q", s, want)
	}
}

var authSuites = []mls.CipherSuite{1, 2, 3, 4, 5, 6, 7}

// TestTagBatchVerified: batches of every frame received, of one frame
// lost (recovered from the parity, and checked when it arrives late), and
// of two lost (checked once one of them arrives).
func TestTagBatchVerified(t *testing.T) {
	for _, suite := range authSuites {
		t.Run(suite.String(), func(t *testing.T) {
			c, log := authCall(t, suite, 50)
			bob := c.member("bob").s
			pkts, batches := sealRun(t, c, "alice", 150, 160)
			if len(batches) != 3 {
				t.Fatalf("%d batches for 150 frames", len(batches))
			}
			// Batch 0: all frames. Batch 1: frame 67 lost, arrives after
			// the batch. Batch 2: frames 120 and 121 lost, 121 arrives
			// after the batch.
			openAll(t, bob, pkts, 67, 120, 121)
			receiveAll(t, bob, batches)
			if st := bob.AuthStats(); st.Verified != 50+49 || st.BatchesVerified != 2 || st.BatchesReceived != 3 {
				t.Fatalf("stats %+v", st)
			}
			openAll(t, bob, [][]byte{pkts[67], pkts[121]})
			st := bob.AuthStats()
			if st.Verified != 50+50+49 || st.BatchesVerified != 3 {
				t.Fatalf("stats %+v", st)
			}
			c.clock.Advance(time.Hour)
			bob.Tick()
			// Frame 120 never came: nothing to report about it.
			checkReports(t, log.take())
			if st := c.member("alice").s.AuthStats(); st.BatchesSent != 3 || st.BatchesDropped != 0 {
				t.Fatalf("alice stats %+v", st)
			}
		})
	}
}

// TestTagBatchUnverifiable: two frames of a batch lost for good.
func TestTagBatchUnverifiable(t *testing.T) {
	c, log := authCall(t, testSuite, 50)
	bob := c.member("bob").s
	pkts, batches := sealRun(t, c, "alice", 50, 160)
	openAll(t, bob, pkts, 10, 30)
	receiveAll(t, bob, batches)
	checkReports(t, log.take())
	c.clock.Advance(DefaultBatchDeadline)
	bob.Tick()
	checkReports(t, log.take(), "alice 0-9 10: too many frames of the batch lost to verify it",
		"alice 11-29 19: too many frames of the batch lost to verify it",
		"alice 31-49 19: too many frames of the batch lost to verify it")
	// A frame arriving after the batch was given up.
	openAll(t, bob, [][]byte{pkts[30]})
	checkReports(t, log.take(), "alice 30-30 1: too many frames of the batch lost to verify it")
	if st := bob.AuthStats(); st.Unverifiable != 49 || st.Verified != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTagBatchMissing: no batch arrives.
func TestTagBatchMissing(t *testing.T) {
	c, log := authCall(t, testSuite, 50)
	bob := c.member("bob").s
	pkts, _ := sealRun(t, c, "alice", 20, 160)
	openAll(t, bob, pkts)
	c.clock.Advance(DefaultBatchDeadline - time.Millisecond)
	bob.Tick()
	checkReports(t, log.take())
	c.clock.Advance(time.Millisecond)
	bob.Tick()
	checkReports(t, log.take(), "alice 0-19 20: no tag batch within the deadline")
	if st := bob.AuthStats(); st.MissingBatch != 20 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTagBatchMissingAtEpochEnd: frames whose batch has not come when the
// epoch's keys are erased are reported then.
func TestTagBatchMissingAtEpochEnd(t *testing.T) {
	c, log := authCall(t, testSuite, 50)
	bob := c.member("bob").s
	pkts, _ := sealRun(t, c, "alice", 5, 160)
	openAll(t, bob, pkts)
	c.update("mallory")
	c.clock.Advance(DefaultGrace)
	bob.Tick()
	checkReports(t, log.take(), "alice 0-4 5: no tag batch within the deadline")
}

// forger returns a Schedule that seals as victim in mallory's current
// epoch: every member can derive every sender's key (RFC 9605 §5.2).
func forger(t testing.TB, c *testCall, victim string) *keyschedule.Schedule {
	t.Helper()
	g := c.member("mallory").s.g
	base, err := keyschedule.ExportBaseKey(g, frame.DefaultSuite)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []uint32
	for _, x := range g.Members() {
		leaves = append(leaves, x.Leaf)
	}
	ks, err := keyschedule.New(keyschedule.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.InstallEpoch(keyschedule.Epoch{Number: g.Epoch(), BaseKey: base, Self: c.member(victim).s.Leaf(), Members: leaves}); err != nil {
		t.Fatal(err)
	}
	return ks
}

// forge returns mallory's Opus packet claiming to be the victim's frame
// with counter ctr.
func forge(t testing.TB, ks *keyschedule.Schedule, ctr uint64, payload []byte) []byte {
	t.Helper()
	for {
		h, err := ks.NextHeader(0)
		if err != nil {
			t.Fatal(err)
		}
		pkt, err := ks.Seal([]byte{byte(CodecOpus), 0}, 0, []byte{byte(CodecOpus), 0}, payload)
		if err != nil {
			t.Fatal(err)
		}
		if h.CTR == ctr {
			return pkt
		}
	}
}

// TestTagBatchForgery: a member seals a frame under another member's KID.
// SFrame accepts it (the keys are shared); the victim's signed batch
// exposes it, whether the forged frame arrives before the batch (the
// signature fails over the digests) or after it (its digest is not the
// signed one).
func TestTagBatchForgery(t *testing.T) {
	for _, suite := range authSuites {
		t.Run(suite.String(), func(t *testing.T) {
			c, log := authCall(t, suite, 50)
			bob := c.member("bob").s
			ks := forger(t, c, "alice")
			pkts, batches := sealRun(t, c, "alice", 100, 160)

			// Before the batch: the relay delivers mallory's frame 5
			// instead of alice's.
			fake := forge(t, ks, 5, []byte("mallory speaking as alice"))
			got, snd, err := bob.Open(nil, fake)
			if err != nil || string(snd.Identity) != "alice" || snd.Counter != 5 {
				t.Fatalf("SFrame did not accept the forgery as alice's: %+v %v", snd, err)
			}
			if string(got) != "mallory speaking as alice" {
				t.Fatal("forged frame differs")
			}
			openAll(t, bob, pkts[:50], 5)
			receiveAll(t, bob, batches[:1])
			checkReports(t, log.take(), "alice 0-49 50: bad batch signature")

			// After the batch: alice's frame 77 is lost, the batch recovers
			// its digest, and mallory's frame 77 arrives late.
			openAll(t, bob, pkts[50:], 77-50)
			receiveAll(t, bob, batches[1:])
			checkReports(t, log.take())
			if _, _, err := bob.Open(nil, forge(t, ks, 77, []byte("late forgery"))); err != nil {
				t.Fatal(err)
			}
			checkReports(t, log.take(), "alice 77-77 1: frame does not match its signed digest")
			st := bob.AuthStats()
			if st.BadSignature != 50 || st.Forged != 1 || st.Verified != 49 || st.BatchesFailed != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// TestTagBatchTampered: a relay that alters a batch (it cannot sign one)
// gets it rejected: its signature, or its parity where a frame is missing.
func TestTagBatchTampered(t *testing.T) {
	c, log := authCall(t, testSuite, 10)
	bob := c.member("bob").s
	pkts, batches := sealRun(t, c, "alice", 30, 160)
	openAll(t, bob, pkts, 15)
	bad0 := bytes.Clone(batches[0])
	bad0[len(bad0)-1] ^= 1
	p, err := parseTagBatch(batches[1])
	if err != nil {
		t.Fatal(err)
	}
	p.parity[0] ^= 1
	bad1 := appendTagBatch(nil, &p)
	receiveAll(t, bob, [][]byte{bad0, bad1})
	checkReports(t, log.take(), "alice 0-9 10: bad batch signature",
		"alice 10-14 5: bad batch signature", "alice 16-19 4: bad batch signature")
	// The genuine batches come too late for those frames.
	receiveAll(t, bob, batches)
	checkReports(t, log.take())
	if st := bob.AuthStats(); st.Verified != 10 || st.BadSignature != 19 || st.BatchesFailed != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTagBatchOverhead measures what tag batches add to a 50 frames/s
// stream of 160-byte Opus frames (64 kbit/s), N = 50, with Ed25519 and
// P-256 signatures: at the start of a call (2-byte counters) and after
// 20,000 frames (3-byte counters, up to 11 hours), and checks that it
// stays under 1%. It also reports the figure for the 32 kbit/s Opus
// sample (80-byte frames), where N = 100 is needed to stay under 1%.
func TestTagBatchOverhead(t *testing.T) {
	measure := func(c *testCall, frames [][]byte) (media, batch, batches int) {
		s := c.member("alice").s
		for _, f := range frames {
			pkt := c.seal("alice", CodecOpus, f)
			media += len(pkt)
			b, err := s.TagBatch()
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				batch += len(b)
				batches++
			}
		}
		return media, batch, batches
	}
	tenSeconds := make([][]byte, 500)
	for i := range tenSeconds {
		tenSeconds[i] = testFrame(160, byte(i))
	}
	// One suite per signature size: the ChaCha20 suites sign as their
	// AES-GCM twins.
	for _, suite := range []mls.CipherSuite{1, 2, 4, 5, 7} {
		// Under 1% with the 64-byte signatures of Ed25519 and P-256 (see
		// tagbatch.go); Ed448, P-384 and P-521 sign with 96 to 132 bytes.
		limit := 1.0
		if f, _ := sigFormatOf(suite); f.size > 64 {
			limit = 2
		}
		c, _ := authCall(t, suite, 50)
		media, batch, n := measure(c, tenSeconds)
		if n != 10 {
			t.Fatalf("%d batches", n)
		}
		pct := 100 * float64(batch) / float64(media)
		t.Logf("%v: start of call: %d media bytes, %d batch bytes (%d a batch): %.3f%%", suite, media, batch, batch/n, pct)
		if pct >= limit {
			t.Errorf("%v: overhead %.3f%% at the start of a call", suite, pct)
		}
		measure(c, slices.Repeat(tenSeconds, 40)) // 20,000 frames
		media, batch, n = measure(c, tenSeconds)
		pct = 100 * float64(batch) / float64(media)
		t.Logf("%v: after 20,000 frames: %d media bytes, %d batch bytes (%d a batch): %.3f%%", suite, media, batch, batch/n, pct)
		if pct >= limit {
			t.Errorf("%v: overhead %.3f%% after 20,000 frames", suite, pct)
		}
	}
	var opus [][]byte
	for _, smp := range loadSamples(t) {
		if smp.codec == CodecOpus {
			opus = smp.frames
		}
	}
	for _, n := range []int{50, 100} {
		c, _ := authCall(t, testSuite, n)
		media, batch, _ := measure(c, slices.Repeat(opus, 40))
		t.Logf("Opus sample (32 kbit/s), N = %d: %.3f%%", n, 100*float64(batch)/float64(media))
	}
}

// TestTagBatchInterval: a batch is due after Interval even if it holds
// fewer than N frames (a video track at a few frames a second).
func TestTagBatchInterval(t *testing.T) {
	c, log := authCall(t, testSuite, 50)
	alice, bob := c.member("alice").s, c.member("bob").s
	pkts, batches := sealRun(t, c, "alice", 7, 1000)
	if len(batches) != 0 {
		t.Fatal("batch before N frames or Interval")
	}
	c.clock.Advance(DefaultBatchInterval)
	b, err := alice.TagBatch()
	if err != nil || b == nil {
		t.Fatalf("no batch after the interval: %v", err)
	}
	if b2, _ := alice.TagBatch(); b2 != nil {
		t.Fatal("a second batch with no new frame")
	}
	tb, err := parseTagBatch(b)
	if err != nil || tb.count != 7 || tb.first != 0 {
		t.Fatalf("%+v %v", tb, err)
	}
	openAll(t, bob, pkts)
	receiveAll(t, bob, [][]byte{b})
	checkReports(t, log.take())
	if st := bob.AuthStats(); st.Verified != 7 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTagBatchAcrossEpochs: a sender's batch ends where its epoch does;
// the batch of the old epoch is signed after the commit and verifies at
// receivers still in their grace period.
func TestTagBatchAcrossEpochs(t *testing.T) {
	c, log := authCall(t, testSuite, 50)
	bob := c.member("bob").s
	old, b1 := sealRun(t, c, "alice", 30, 160)
	c.update("mallory")
	cur, b2 := sealRun(t, c, "alice", 50, 160)
	// The first frame of the new epoch cut the old epoch's 30 frames off
	// into a batch of their own, returned by the next TagBatch.
	if len(b1) != 0 || len(b2) != 2 {
		t.Fatalf("%d and %d batches", len(b1), len(b2))
	}
	if tb, _ := parseTagBatch(b2[0]); tb.count != 30 || tb.kid&15 != 1 {
		t.Fatalf("first batch after the commit: %+v", tb)
	}
	openAll(t, bob, append(old, cur...))
	receiveAll(t, bob, b2)
	checkReports(t, log.take())
	if st := bob.AuthStats(); st.Verified != 80 || st.BatchesVerified != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTagBatchBeforeFrames: a batch that overtakes its frames waits for
// them.
func TestTagBatchBeforeFrames(t *testing.T) {
	c, log := authCall(t, testSuite, 20)
	bob := c.member("bob").s
	pkts, batches := sealRun(t, c, "alice", 20, 160)
	receiveAll(t, bob, batches)
	openAll(t, bob, pkts)
	checkReports(t, log.take())
	if st := bob.AuthStats(); st.Verified != 20 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTagBatchReadyOverflow: a sender that does not call TagBatch loses
// the oldest batches, counted.
func TestTagBatchReadyOverflow(t *testing.T) {
	c, _ := authCall(t, testSuite, 5)
	alice := c.member("alice").s
	for i := range 5 * (maxReadyBatches + 3) {
		c.seal("alice", CodecOpus, testFrame(10, byte(i)))
	}
	n := 0
	for {
		b, err := alice.TagBatch()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		n++
	}
	if st := alice.AuthStats(); n != maxReadyBatches || st.BatchesDropped != 3 || st.BatchesSent != maxReadyBatches {
		t.Fatalf("%d batches, stats %+v", n, st)
	}
}

func TestTagBatchErrors(t *testing.T) {
	c, _ := authCall(t, testSuite, 10)
	alice, bob := c.member("alice").s, c.member("bob").s
	_, batches := sealRun(t, c, "alice", 10, 50)
	err := alice.ReceiveTagBatch(batches[0])
	mustFail(t, "own batch", err, ErrUnknownSender)
	err = bob.ReceiveTagBatch(batches[0][:len(batches[0])-1])
	mustFail(t, "short signature", err, ErrMalformedPacket)
	err = bob.ReceiveTagBatch([]byte{PacketTagBatch})
	mustFail(t, "truncated", err, ErrMalformedPacket)

	// A batch under a blank leaf.
	tb, _ := parseTagBatch(batches[0])
	tb.kid = frame.KID(9<<4 | uint64(tb.kid)&15)
	err = bob.ReceiveTagBatch(appendTagBatch(nil, &tb))
	mustFail(t, "unknown leaf", err, ErrUnknownSender)

	// After the epoch's keys are erased.
	c.update("mallory")
	c.clock.Advance(DefaultGrace)
	bob.Tick()
	err = bob.ReceiveTagBatch(batches[0])
	mustFail(t, "erased epoch", err, ErrEpochExpired)
	if !bytes.Contains([]byte(err.Error()), []byte("e2ee: tag batch: epoch 1 sender leaf 0 (alice): epoch expired")) {
		t.Fatalf("error %q", err)
	}

	// Sender authentication off.
	plain := newCall(t, Config{}, "x", "y")
	_, err = plain.member("x").s.TagBatch()
	mustFail(t, "TagBatch without SenderAuth", err, ErrSenderAuth)
	err = plain.member("x").s.ReceiveTagBatch(batches[0])
	mustFail(t, "ReceiveTagBatch without SenderAuth", err, ErrSenderAuth)
}

// TestSigFormat: ECDSA signatures of the MLS group (SignWithLabel, RFC 9420
// §5.1.2) survive the DER to r || s round trip, including values with
// leading zero bytes, for every ECDSA suite; malformed DER is refused.
func TestSigFormat(t *testing.T) {
	for _, suite := range []mls.CipherSuite{mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, mls.MLS_256_DHKEMP384_AES256GCM_SHA384_P384, mls.MLS_256_DHKEMP521_AES256GCM_SHA512_P521} {
		s := newCallSuite(t, suite, Config{}, "p").member("p").s
		g := s.g
		f, err := sigFormatOf(g.CipherSuite())
		if err != nil || !f.ecdsa {
			t.Fatalf("%+v %v", f, err)
		}
		pub := g.Members()[0].SignatureKey
		// Leading zero bytes come in about 1 signature in 128; P-256 is
		// signed often enough to meet some, the slower curves less.
		n := 300
		if suite != mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256 {
			n = 40
		}
		short := 0
		for i := range n {
			msg := []byte{byte(i)}
			der, err := g.SignWithLabel("x", msg)
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.compact(der)
			if err != nil || len(b) != f.size {
				t.Fatalf("compact: %v", err)
			}
			if b[0] == 0 || b[f.size/2] == 0 {
				short++
			}
			back := f.expand(b)
			if !bytes.Equal(back, der) {
				t.Fatalf("DER %x came back as %x", der, back)
			}
			if err := g.VerifyWithLabel(pub, "x", msg, back); err != nil {
				t.Fatal(err)
			}
		}
		if short == 0 {
			t.Logf("%v: no signature with a leading zero byte in %d", suite, n)
		}
	}
	f, _ := sigFormatOf(mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
	for _, bad := range [][]byte{nil, {0x30, 0}, {0x30, 3, 2, 1, 1}, append([]byte{0x30, 6, 2, 1, 1, 2, 1, 1}, 0)} {
		if _, err := f.compact(bad); err == nil {
			t.Errorf("compact accepted %x", bad)
		}
	}
	for _, cs := range []mls.CipherSuite{1, 2, 3, 4, 5, 6, 7} {
		if _, err := sigFormatOf(cs); err != nil {
			t.Errorf("%v: %v", cs, err)
		}
	}
	if _, err := sigFormatOf(0x0a0a); err == nil {
		t.Error("format for an unknown suite")
	}
}

// TestReportCallbackMayCallSession: reports are delivered with no lock of
// the Session held, also when an epoch is evicted inside Process (16
// commits within the grace period), so the callback may call back into
// the Session.
func TestReportCallbackMayCallSession(t *testing.T) {
	var bob *Session
	var got []AuthReport
	cfg := Config{SenderAuth: &SenderAuth{Report: func(r AuthReport) {
		bob.Pending() // takes the MLS lock
		got = append(got, r)
	}}}
	c := newCall(t, cfg, "alice", "bob")
	bob = c.member("bob").s
	pkts, _ := sealRun(t, c, "alice", 3, 10)
	openAll(t, bob, pkts)
	for range 16 {
		c.update("alice")
	}
	checkReports(t, got, "alice 0-2 3: no tag batch within the deadline")
}
