package e2ee

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/sealroom/sealroom/frame"
	"github.com/sealroom/sealroom/keyschedule"
)

// Benchmarks of the Session's hot path next to package frame's, in the
// paired min-of-batch form of frame/bench_test.go and
// keyschedule/bench_test.go: the machine is shared and noisy, so each
// benchmark alternates timed batches of the baseline and of the Session
// and reports the fastest batch of each, per call, and their ratio
// (session/frame). ns/op covers both sides.
//
// The frames: 64- and 160-byte Opus frames (24 and 64 kbit/s at 20 ms), a
// 1,200-byte frame under the Opus policy (no clear part: the size of a
// full packet, with nothing but SFrame around it), and a real 1,195-byte
// VP8 inter frame (frame 20 of examples/testdata/video.ivf), which has a
// one-byte clear part.
//
// The baseline is frame.Context's own Seal and Open, with the default suite,
// sealing the whole frame (the Session seals the frame less its clear
// part) with metadata of the length of the Session's packet prefix (codec
// byte, clear length, clear part: 2 bytes for Opus, 3 for a VP8 inter
// frame), so that both sides build the same AAD.

const pairedBatch = 64

// runPaired times pairedBatch calls of base and of s, called with the
// index in the batch, in alternating batches, and reports the fastest
// batch of each and their ratio. reset runs untimed after each pair.
func runPaired(b *testing.B, baseName, sName string, base, s func(i int), reset func()) {
	b.ReportAllocs()
	minBase, minS := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		for i := range pairedBatch {
			base(i)
		}
		t1 := time.Now()
		for i := range pairedBatch {
			s(i)
		}
		t2 := time.Now()
		b.StopTimer()
		reset()
		b.StartTimer()
		minBase, minS = min(minBase, t1.Sub(t0)), min(minS, t2.Sub(t1))
	}
	b.ReportMetric(float64(minBase.Nanoseconds())/pairedBatch, baseName+"-ns/call")
	b.ReportMetric(float64(minS.Nanoseconds())/pairedBatch, sName+"-ns/call")
	b.ReportMetric(float64(minS)/float64(minBase), sName+"/"+baseName)
}

type benchFrameCase struct {
	name  string
	codec Codec
	frame []byte
	// prefix is the Session's packet prefix for frame, the baseline's
	// metadata.
	prefix []byte
}

func benchFrameCases(b *testing.B) []benchFrameCase {
	vp8 := videoFrames(b)[20]
	if len(vp8) != 1195 || vp8[0]&1 != 1 {
		b.Fatalf("frame 20 of video.ivf: %d bytes, key=%v", len(vp8), vp8[0]&1 == 0)
	}
	cases := []benchFrameCase{
		{name: "opus-64", codec: CodecOpus, frame: testFrame(64, 0)},
		{name: "opus-160", codec: CodecOpus, frame: testFrame(160, 0)},
		{name: "opus-1200", codec: CodecOpus, frame: testFrame(1200, 0)},
		{name: "vp8-1195", codec: CodecVP8, frame: vp8},
	}
	for i := range cases {
		prefix, _, err := cases[i].codec.split(nil, cases[i].frame)
		if err != nil {
			b.Fatal(err)
		}
		cases[i].prefix = prefix
	}
	return cases
}

// benchRaw returns frame.Contexts sending and receiving under one KID.
func benchRaw(b *testing.B) (snd, rcv *frame.Context, kid frame.KID) {
	f := newFrameSealer(b)
	return f.snd, f.rcv, f.kid
}

func BenchmarkSessionSeal(b *testing.B) {
	for _, bc := range benchFrameCases(b) {
		b.Run(bc.name, func(b *testing.B) {
			c := newTestCall(b, Config{}, "alice", "bob")
			s := c.member("alice").s
			steady(b, c, s)
			raw, _, kid := benchRaw(b)
			dst := make([]byte, 0, len(bc.frame)+s.MaxOverhead())
			b.SetBytes(int64(len(bc.frame)))
			runPaired(b, "frame", "session",
				func(int) {
					if _, err := raw.Seal(dst, kid, bc.prefix, bc.frame); err != nil {
						b.Fatal(err)
					}
				},
				func(int) {
					if _, err := s.Seal(dst, bc.frame, bc.codec); err != nil {
						b.Fatal(err)
					}
				},
				func() {})
		})
	}
}

// steady ends the grace period of s's previous epoch, so that a benchmark
// measures the steady state: during the grace period (DefaultGrace after
// each commit) Seal and Open also read the clock to erase the old keys on
// time, and the manual clock of the tests never moves by itself.
func steady(b *testing.B, c *testCall, s *Session) {
	c.clock.Advance(DefaultGrace)
	s.Tick()
	if s.nextDrop.Load() != 0 || len(s.ks.Epochs()) != 1 {
		b.Fatalf("not in the steady state: epochs %v", s.ks.Epochs())
	}
}

// benchReceiver sets up a Session receiving alice's packets and a
// frame.Context receiving raw frames of the same size, sealed in advance:
// benchPackets of each, used in order by next. Once they are used up, the
// receivers are rebuilt with empty replay windows (bob joins again from
// the same Welcome) and open the first frame of each, which derives the
// keys, untimed.
type benchReceiver struct {
	b       *testing.B
	c       *testCall
	welcome []byte
	cfg     Config
	prefix  []byte // the raw frames' metadata
	pkts    [][]byte
	raws    [][]byte
	used    int
	// With SenderAuth (Frames = pairedBatch): batches[k] covers
	// pkts[64k:64k+64]; delivered counts those given to the receiver.
	batches   [][]byte
	delivered int
	s         *Session
	raw       *frame.Context
	bobState  *fakeClient
}

const benchPackets = 32 * pairedBatch

func newBenchReceiver(b *testing.B, cfg Config, bc benchFrameCase) *benchReceiver {
	c := newTestCall(b, cfg, "alice")
	r := &benchReceiver{b: b, c: c, cfg: c.cfg, prefix: bc.prefix}
	r.bobState = newFakeClient(b, testSuite, "bob")
	cm, err := c.member("alice").s.Invite(r.bobState.keyPackage())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.member("alice").s.Process(cm.Message); err != nil {
		b.Fatal(err)
	}
	r.welcome = cm.Welcome
	snd, _, kid := benchRaw(b)
	for range benchPackets + 1 {
		r.pkts = append(r.pkts, c.seal("alice", bc.codec, bc.frame))
		if cfg.SenderAuth != nil {
			tb, err := c.member("alice").s.TagBatch()
			if err != nil {
				b.Fatal(err)
			}
			if tb != nil {
				r.batches = append(r.batches, tb)
			}
		}
		raw, err := snd.Seal(nil, kid, bc.prefix, bc.frame)
		if err != nil {
			b.Fatal(err)
		}
		r.raws = append(r.raws, raw)
	}
	r.reset()
	return r
}

// next returns the i-th packet and raw frame of the current batch.
func (r *benchReceiver) next(i int) (pkt, raw []byte) {
	return r.pkts[r.used+i+1], r.raws[r.used+i+1]
}

// advance moves past a batch, rebuilding the receivers if the packets
// are used up.
func (r *benchReceiver) advance() {
	r.used += pairedBatch
	for ; r.delivered < len(r.batches) && (r.delivered+1)*pairedBatch <= r.used+1; r.delivered++ {
		if err := r.s.ReceiveTagBatch(r.batches[r.delivered]); err != nil {
			r.b.Fatal(err)
		}
	}
	if r.used+pairedBatch > benchPackets {
		r.reset()
	}
}

func (r *benchReceiver) reset() {
	if r.s != nil && r.batches != nil {
		if st := r.s.AuthStats(); st.Verified != uint64(r.delivered*pairedBatch) || st.MissingBatch+st.BadSignature != 0 {
			r.b.Fatalf("sender authentication: %+v after %d batches", st, r.delivered)
		}
	}
	r.used, r.delivered = 0, 0
	if r.s != nil {
		r.s.Close()
	}
	g, err := fakeJoinFromWelcome(r.bobState, r.welcome)
	if err != nil {
		r.b.Fatal(err)
	}
	if r.s, err = newSession(r.cfg, g); err != nil {
		r.b.Fatal(err)
	}
	_, r.raw, _ = benchRaw(r.b)
	if _, _, err := r.s.Open(nil, r.pkts[0]); err != nil {
		r.b.Fatal(err)
	}
	if _, _, err := r.raw.Open(nil, r.prefix, r.raws[0]); err != nil {
		r.b.Fatal(err)
	}
}

func BenchmarkSessionOpen(b *testing.B) {
	for _, bc := range benchFrameCases(b) {
		b.Run(bc.name, func(b *testing.B) {
			r := newBenchReceiver(b, Config{}, bc)
			dst := make([]byte, 0, len(bc.frame))
			b.SetBytes(int64(len(bc.frame)))
			runPaired(b, "frame", "session",
				func(i int) {
					if _, raw := r.next(i); true {
						if _, _, err := r.raw.Open(dst, r.prefix, raw); err != nil {
							b.Fatal(err)
						}
					}
				},
				func(i int) {
					if pkt, _ := r.next(i); true {
						if _, _, err := r.s.Open(dst, pkt); err != nil {
							b.Fatal(err)
						}
					}
				},
				r.advance)
		})
	}
}

// BenchmarkSessionAuth is the cost of SenderAuth on the hot path: Seal and
// Open with tag batches on (a SHA-256 of each packet, and on Open a ring
// entry under the sender's lock) next to the plain Session. The batches
// themselves (one signature, or one verification, per 64 frames) are made
// and checked between the timed batches.
func BenchmarkSessionAuth(b *testing.B) {
	for _, bc := range benchFrameCases(b) {
		b.Run("seal/"+bc.name, func(b *testing.B) {
			plain := newTestCall(b, Config{}, "alice").member("alice").s
			auth := newTestCall(b, Config{SenderAuth: &SenderAuth{Frames: MaxBatchFrames}}, "alice").member("alice").s
			dst := make([]byte, 0, len(bc.frame)+plain.MaxOverhead())
			b.SetBytes(int64(len(bc.frame)))
			runPaired(b, "session", "auth",
				func(int) {
					if _, err := plain.Seal(dst, bc.frame, bc.codec); err != nil {
						b.Fatal(err)
					}
				},
				func(int) {
					if _, err := auth.Seal(dst, bc.frame, bc.codec); err != nil {
						b.Fatal(err)
					}
				},
				func() {
					for {
						if p, _ := auth.TagBatch(); p == nil {
							return
						}
					}
				})
		})
		b.Run("open/"+bc.name, func(b *testing.B) {
			plain := newBenchReceiver(b, Config{}, bc)
			auth := newBenchReceiver(b, Config{SenderAuth: &SenderAuth{Frames: pairedBatch}}, bc)
			dst := make([]byte, 0, len(bc.frame))
			b.SetBytes(int64(len(bc.frame)))
			runPaired(b, "session", "auth",
				func(i int) {
					if pkt, _ := plain.next(i); true {
						if _, _, err := plain.s.Open(dst, pkt); err != nil {
							b.Fatal(err)
						}
					}
				},
				func(i int) {
					if pkt, _ := auth.next(i); true {
						if _, _, err := auth.s.Open(dst, pkt); err != nil {
							b.Fatal(err)
						}
					}
				},
				func() { plain.advance(); auth.advance() })
		})
	}
}

// BenchmarkSessionEpochChange is an epoch change on a receiver in a group
// of 101 members: make the group's new epoch current (for the Session:
// export the base key, derive the safety code, publish the members,
// install the keys; the fake group's own commit processing is left out),
// open the first frame of each of the 100 other senders (which derives
// their keys), and erase the previous epoch. The baseline is the same
// with a keyschedule.Schedule alone. It reports the fastest change of
// each, as keyschedule's BenchmarkEpochChange does.
func BenchmarkSessionEpochChange(b *testing.B) {
	const senders = 100
	c := newTestCall(b, Config{Grace: time.Millisecond}, "rx")
	rx := c.member("rx")
	g := rx.g
	for i := 1; i <= senders; i++ {
		g.leaves = append(g.leaves, newFakeClient(b, testSuite, fmt.Sprint("s", i)).leaf())
	}
	leaves := make([]uint32, senders+1)
	for i := range leaves {
		leaves[i] = uint32(i)
	}
	// Epochs with the same low 4 bits share their secret, so that the
	// first frames sealed for one stay valid 16 epochs later.
	secret := func(n uint64) []byte { return bytes.Repeat([]byte{byte(n % 16), 0x5e}, 16) }
	var frames [16][][]byte
	for r := range frames {
		bb := basebytes(b, &fakeGroup{secret: secret(uint64(r))})
		for l := 1; l <= senders; l++ {
			ks, err := keyschedule.New(keyschedule.Config{})
			if err != nil {
				b.Fatal(err)
			}
			if err := ks.InstallEpoch(keyschedule.Epoch{Number: uint64(r), BaseKey: frame.NewBaseKey(bb), Self: uint32(l), Members: leaves}); err != nil {
				b.Fatal(err)
			}
			pkt, err := ks.Seal([]byte{byte(CodecOpus), 0}, 0, []byte{byte(CodecOpus), 0}, make([]byte, 100))
			if err != nil {
				b.Fatal(err)
			}
			frames[r] = append(frames[r], pkt)
		}
	}
	ksRx, err := keyschedule.New(keyschedule.Config{})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 128)
	var n uint64 = g.epoch
	fastestKS, fastestS := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	b.ReportAllocs()
	for b.Loop() {
		n++
		// keyschedule alone
		t0 := time.Now()
		eg := &fakeGroup{secret: secret(n)}
		base, err := keyschedule.ExportBaseKey(eg, frame.DefaultSuite)
		if err != nil {
			b.Fatal(err)
		}
		if err := ksRx.InstallEpoch(keyschedule.Epoch{Number: n, BaseKey: base, Self: 0, Members: leaves}); err != nil {
			b.Fatal(err)
		}
		for _, f := range frames[n%16] {
			if _, _, err := ksRx.Open(dst, f[:2], f[2:]); err != nil {
				b.Fatal(err)
			}
		}
		if n > 1 {
			_ = ksRx.DropEpoch(n - 1)
		}
		t1 := time.Now()
		// the Session
		g.epoch, g.secret = n, secret(n)
		rx.s.mu.Lock()
		err = rx.s.installEpoch()
		rx.s.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range frames[n%16] {
			if _, _, err := rx.s.Open(dst, f); err != nil {
				b.Fatal(err)
			}
		}
		c.clock.Advance(time.Millisecond)
		rx.s.Tick()
		t2 := time.Now()
		fastestKS, fastestS = min(fastestKS, t1.Sub(t0)), min(fastestS, t2.Sub(t1))
		if got := rx.s.ks.Epochs(); len(got) != 1 {
			b.Fatalf("live epochs %v", got)
		}
	}
	b.ReportMetric(float64(fastestKS.Nanoseconds()), "keyschedule-min-ns/change")
	b.ReportMetric(float64(fastestS.Nanoseconds()), "session-min-ns/change")
	b.ReportMetric(float64(fastestS)/float64(fastestKS), "session/keyschedule")
}

// basebytes returns the raw base key bytes g exports.
func basebytes(b *testing.B, g *fakeGroup) []byte {
	k, err := g.Export(keyschedule.ExporterLabel, []byte{}, frame.DefaultSuite.KeySize())
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// BenchmarkSessionSealSteady and BenchmarkSessionOpenSteady are
// BenchmarkSessionSeal and BenchmarkSessionOpen in the standard form, one
// impl at a time (impl=frame, the baseline, and impl=session), for
//
//	benchstat -col /impl bench.txt
func BenchmarkSessionSealSteady(b *testing.B) {
	for _, bc := range benchFrameCases(b) {
		for _, impl := range []string{"frame", "session"} {
			b.Run("case="+bc.name+"/impl="+impl, func(b *testing.B) {
				s := newTestCall(b, Config{}, "alice").member("alice").s
				raw, _, kid := benchRaw(b)
				dst := make([]byte, 0, len(bc.frame)+s.MaxOverhead())
				b.SetBytes(int64(len(bc.frame)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if impl == "frame" {
						_, err = raw.Seal(dst, kid, bc.prefix, bc.frame)
					} else {
						_, err = s.Seal(dst, bc.frame, bc.codec)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkSessionOpenSteady(b *testing.B) {
	for _, bc := range benchFrameCases(b) {
		for _, impl := range []string{"frame", "session"} {
			b.Run("case="+bc.name+"/impl="+impl, func(b *testing.B) {
				r := newBenchReceiver(b, Config{}, bc)
				dst := make([]byte, 0, len(bc.frame))
				b.SetBytes(int64(len(bc.frame)))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					pkt, raw := r.next(i)
					var err error
					if impl == "frame" {
						_, _, err = r.raw.Open(dst, r.prefix, raw)
					} else {
						_, _, err = r.s.Open(dst, pkt)
					}
					if err != nil {
						b.Fatal(err)
					}
					if i++; i == pairedBatch {
						i = 0
						// Rebuilding the receivers (every benchPackets
						// frames) is not timed.
						if r.used+2*pairedBatch > benchPackets {
							b.StopTimer()
							r.advance()
							b.StartTimer()
						} else {
							r.advance()
						}
					}
				}
			})
		}
	}
}
