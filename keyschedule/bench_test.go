package keyschedule

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/sealroom/sealroom/frame"
)

// Benchmarks of the default suite (AES_256_GCM_SHA512_128) and layout.
// The steady-state ones have impl=frame (frame.Context alone, the
// baseline) and impl=keyschedule (through a Schedule), so that
//
//	benchstat -col /impl bench.txt
//
// prints the cost of this layer next to its baseline from the same run.

var benchSizes = []int{64, 160, 1200}

// benchEpochs are epoch numbers that share their low 4 bits, so that the
// same frames stay valid when a benchmark reinstalls the epoch to reset
// the replay windows.
func benchEpoch(i int) uint64 { return uint64(16*i + 5) }

// benchBase returns the same base key bytes whatever the epoch.
func benchBase() frame.BaseKey { return testBase(0, 5) }

const benchBatch = 1000 // frames per batch, inside the replay window

// benchFrames returns n frames of size bytes sealed by leaf 1 of epoch 5,
// counters 0 to n-1.
func benchFrames(b *testing.B, n, size int) [][]byte {
	s := newTestSchedule(b, Config{})
	if err := s.InstallEpoch(Epoch{Number: 5, BaseKey: benchBase(), Self: 1, Members: []uint32{0, 1}}); err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = mustSeal(b, s, 0, nil, make([]byte, size))
	}
	return out
}

// benchReceivers returns a Schedule (leaf 0, epoch 16*i+5) and a
// frame.Context holding leaf 1's receive key, both with their windows
// empty.
func benchReceivers(b *testing.B, i int) (*Schedule, *frame.Context) {
	s := newTestSchedule(b, Config{})
	if err := s.InstallEpoch(Epoch{Number: benchEpoch(i), BaseKey: benchBase(), Self: 0, Members: []uint32{0, 1}}); err != nil {
		b.Fatal(err)
	}
	c, err := frame.NewContext(frame.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.AddReceiveKey(1<<4|5, benchBase()); err != nil {
		b.Fatal(err)
	}
	return s, c
}

// BenchmarkOpen is the steady state: frames of a sender whose key is
// installed. Every batchth call, untimed, the receivers are rebuilt so
// that every frame passes the replay window; the first frame of each
// batch derives the Schedule's key, and is opened untimed.
func BenchmarkOpen(b *testing.B) {
	for _, size := range benchSizes {
		frames := benchFrames(b, benchBatch+1, size)
		for _, impl := range []string{"frame", "keyschedule"} {
			b.Run(fmt.Sprintf("impl=%s/size=%d", impl, size), func(b *testing.B) {
				dst := make([]byte, 0, size)
				epoch := 0
				var s *Schedule
				var c *frame.Context
				reset := func() {
					epoch++
					s, c = benchReceivers(b, epoch)
					if _, _, err := s.Open(dst, nil, frames[0]); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.Open(dst, nil, frames[0]); err != nil {
						b.Fatal(err)
					}
				}
				reset()
				b.SetBytes(int64(size))
				b.ReportAllocs()
				i := 1
				for b.Loop() {
					var err error
					if impl == "frame" {
						_, _, err = c.Open(dst, nil, frames[i])
					} else {
						_, _, err = s.Open(dst, nil, frames[i])
					}
					if err != nil {
						b.Fatal(err)
					}
					if i++; i == len(frames) {
						b.StopTimer()
						reset()
						i = 1
						b.StartTimer()
					}
				}
			})
		}
	}
}

// benchSenders returns a Schedule sending as leaf 1 of epoch 5 and a
// frame.Context with the same send key.
func benchSenders(b *testing.B) (*Schedule, *frame.Context) {
	s := newTestSchedule(b, Config{})
	if err := s.InstallEpoch(Epoch{Number: 5, BaseKey: benchBase(), Self: 1, Members: []uint32{0, 1}}); err != nil {
		b.Fatal(err)
	}
	c, err := frame.NewContext(frame.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.AddSendKey(1<<4|5, benchBase()); err != nil {
		b.Fatal(err)
	}
	return s, c
}

// BenchmarkSeal is the steady state of the sending side.
func BenchmarkSeal(b *testing.B) {
	for _, size := range benchSizes {
		for _, impl := range []string{"frame", "keyschedule"} {
			b.Run(fmt.Sprintf("impl=%s/size=%d", impl, size), func(b *testing.B) {
				s, c := benchSenders(b)
				pt := make([]byte, size)
				dst := make([]byte, 0, size+s.MaxOverhead())
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if impl == "frame" {
						_, err = c.Seal(dst, 1<<4|5, nil, pt)
					} else {
						_, err = s.Seal(dst, 0, nil, pt)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// pairedBatch is the number of calls per timed batch of the paired
// benchmarks.
const pairedBatch = 64

// runPaired times pairedBatch calls of raw (frame.Context) and of ks
// (Schedule), called with the index in the batch, in alternating batches,
// and reports the fastest batch of each, per call, and their ratio: on a
// loaded machine the fastest batches measure the code rather than the
// scheduler, and alternating keeps both sides under the same conditions.
// reset runs untimed after each pair of batches. ns/op covers both sides.
func runPaired(b *testing.B, raw, ks func(i int), reset func()) {
	b.ReportAllocs()
	minRaw, minKS := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		for i := range pairedBatch {
			raw(i)
		}
		t1 := time.Now()
		for i := range pairedBatch {
			ks(i)
		}
		t2 := time.Now()
		b.StopTimer()
		reset()
		b.StartTimer()
		minRaw, minKS = min(minRaw, t1.Sub(t0)), min(minKS, t2.Sub(t1))
	}
	b.ReportMetric(float64(minRaw.Nanoseconds())/pairedBatch, "frame-ns/call")
	b.ReportMetric(float64(minKS.Nanoseconds())/pairedBatch, "keyschedule-ns/call")
	b.ReportMetric(float64(minKS)/float64(minRaw), "keyschedule/frame")
}

// BenchmarkOpenPaired opens the same frames with frame.Context.Open and
// Schedule.Open; the receivers are rebuilt between batches so that every
// frame passes the replay window.
func BenchmarkOpenPaired(b *testing.B) {
	benchOpenPaired(b, func(s *Schedule, dst, ct []byte) error {
		_, _, err := s.Open(dst, nil, ct)
		return err
	})
}

// BenchmarkOpenEpochPaired is BenchmarkOpenPaired with Schedule.OpenEpoch,
// the form the e2ee Session uses.
func BenchmarkOpenEpochPaired(b *testing.B) {
	benchOpenPaired(b, func(s *Schedule, dst, ct []byte) error {
		_, _, _, err := s.OpenEpoch(dst, nil, ct)
		return err
	})
}

func benchOpenPaired(b *testing.B, open func(s *Schedule, dst, ct []byte) error) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			frames := benchFrames(b, pairedBatch+1, size)
			dst := make([]byte, 0, size)
			epoch := 0
			var s *Schedule
			var c *frame.Context
			reset := func() {
				epoch++
				s, c = benchReceivers(b, epoch)
				if _, _, err := s.Open(dst, nil, frames[0]); err != nil { // derives the key
					b.Fatal(err)
				}
			}
			reset()
			runPaired(b,
				func(i int) {
					if _, _, err := c.Open(dst, nil, frames[i+1]); err != nil {
						b.Fatal(err)
					}
				},
				func(i int) {
					if err := open(s, dst, frames[i+1]); err != nil {
						b.Fatal(err)
					}
				},
				reset)
		})
	}
}

// BenchmarkSealPaired seals with frame.Context.Seal and Schedule.Seal.
func BenchmarkSealPaired(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			s, c := benchSenders(b)
			pt := make([]byte, size)
			dst := make([]byte, 0, size+s.MaxOverhead())
			runPaired(b,
				func(int) {
					if _, err := c.Seal(dst, 1<<4|5, nil, pt); err != nil {
						b.Fatal(err)
					}
				},
				func(int) {
					if _, err := s.Seal(dst, 0, nil, pt); err != nil {
						b.Fatal(err)
					}
				},
				func() {})
		})
	}
}

// BenchmarkEpochChange is an epoch change on a receiver in a group of
// senders+1 members: install the new epoch (which derives this member's
// send key), open the first frame of each sender (deriving its key
// lazily), and drop the previous epoch with all its keys. phase=install
// is the install and drop alone, with no receive keys.
func BenchmarkEpochChange(b *testing.B) {
	for _, senders := range []int{10, 100} {
		leaves := make([]uint32, senders+1)
		for i := range leaves {
			leaves[i] = uint32(i)
		}
		// frames[r][l]: the first frame of sender l+1 in an epoch with
		// low bits r; every epoch uses the same base key bytes.
		var frames [16][][]byte
		for r := range frames {
			for l := 1; l <= senders; l++ {
				s := newTestSchedule(b, Config{})
				if err := s.InstallEpoch(Epoch{Number: uint64(r), BaseKey: benchBase(), Self: uint32(l), Members: leaves}); err != nil {
					b.Fatal(err)
				}
				frames[r] = append(frames[r], mustSeal(b, s, 0, nil, make([]byte, 100)))
			}
		}
		for _, phase := range []string{"install", "install+first-frames"} {
			b.Run(fmt.Sprintf("senders=%d/phase=%s", senders, phase), func(b *testing.B) {
				r := newTestSchedule(b, Config{})
				dst := make([]byte, 0, 128)
				n := uint64(0)
				fastest := time.Duration(math.MaxInt64)
				b.ReportAllocs()
				for b.Loop() {
					start := time.Now()
					n++
					if err := r.InstallEpoch(Epoch{Number: n, BaseKey: benchBase(), Self: 0, Members: leaves}); err != nil {
						b.Fatal(err)
					}
					if phase != "install" {
						for _, f := range frames[n%16] {
							if _, _, err := r.Open(dst, nil, f); err != nil {
								b.Fatal(err)
							}
						}
					}
					if n > 1 {
						if err := r.DropEpoch(n - 1); err != nil {
							b.Fatal(err)
						}
					}
					fastest = min(fastest, time.Since(start))
				}
				// The fastest change, the one the scheduler left alone on a
				// loaded machine.
				b.ReportMetric(float64(fastest.Nanoseconds()), "min-ns/change")
			})
		}
	}
}
