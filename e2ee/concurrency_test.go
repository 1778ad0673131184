package e2ee

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentCall is the stress test for -race: each member has one
// goroutine sealing (Seal, TagBatch) and two opening (Open,
// ReceiveTagBatch), while the test goroutine runs the MLS operations
// (self-updates, an add and a removal) and delivers each commit to the
// members one after the other, so that they change epochs at different
// moments with frames in flight, and moves the clock so that old epochs
// expire. Frames must open attributed to their real sender, or fail only
// because their epoch is not reached yet or already erased; sender
// authentication must never find a forgery.
func TestConcurrentCall(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	c := newCall(t, Config{SenderAuth: &SenderAuth{Frames: 10}}, "alice", "bob", "carol")

	type peer struct {
		m     *testMember
		inbox chan []byte
		stop  chan struct{}
	}
	var (
		mu       sync.Mutex // guards peers
		peers    = map[string]*peer{}
		wg       sync.WaitGroup
		opened   atomic.Int64
		sealed   atomic.Int64
		tolerate atomic.Int64
		failures = make(chan error, 100)
	)
	fail := func(err error) {
		select {
		case failures <- err:
		default:
		}
	}
	fanout := func(from string, pkt []byte) {
		mu.Lock()
		defer mu.Unlock()
		for name, p := range peers {
			if name == from {
				continue
			}
			select {
			case p.inbox <- pkt:
			default: // a lossy network
			}
		}
	}
	start := func(m *testMember) {
		p := &peer{m: m, inbox: make(chan []byte, 64), stop: make(chan struct{})}
		mu.Lock()
		peers[m.name] = p
		mu.Unlock()
		wg.Go(func() { // the sending goroutine
			for seq := uint64(0); ; seq++ {
				select {
				case <-p.stop:
					return
				default:
				}
				f := binary.BigEndian.AppendUint64([]byte(m.name+":"), seq)
				pkt, err := m.s.Seal(make([]byte, 0, 64), f, CodecOpus)
				switch {
				case errors.Is(err, ErrNotMember):
					return // removed
				case err != nil:
					fail(fmt.Errorf("%s: seal: %w", m.name, err))
					return
				}
				sealed.Add(1)
				fanout(m.name, pkt)
				b, err := m.s.TagBatch()
				if err != nil {
					fail(fmt.Errorf("%s: tag batch: %w", m.name, err))
					return
				}
				if b != nil {
					fanout(m.name, b)
				}
				time.Sleep(50 * time.Microsecond)
			}
		})
		for range 2 { // receiving goroutines
			wg.Go(func() {
				dst := make([]byte, 0, 64)
				for {
					var pkt []byte
					select {
					case <-p.stop:
						return
					case pkt = <-p.inbox:
					}
					if IsTagBatch(pkt) {
						err := m.s.ReceiveTagBatch(pkt)
						if err != nil && !errors.Is(err, ErrUnknownEpoch) && !errors.Is(err, ErrEpochExpired) {
							fail(fmt.Errorf("%s: tag batch: %w", m.name, err))
						}
						continue
					}
					f, snd, err := m.s.Open(dst, pkt)
					switch {
					case errors.Is(err, ErrUnknownEpoch), errors.Is(err, ErrEpochExpired):
						tolerate.Add(1)
					case err != nil:
						fail(fmt.Errorf("%s: open: %w", m.name, err))
					case string(f[:len(snd.Identity)+1]) != string(snd.Identity)+":":
						fail(fmt.Errorf("%s: frame %q attributed to %s", m.name, f, snd.Identity))
					default:
						opened.Add(1)
					}
				}
			})
		}
	}
	for _, m := range c.members {
		start(m)
	}

	for r := range rounds {
		time.Sleep(2 * time.Millisecond)
		switch r {
		case rounds / 3:
			c.add("alice", "dave")
			start(c.member("dave"))
		case 2 * rounds / 3:
			c.remove("dave", "bob")
		default:
			c.update(c.members[r%len(c.members)].name)
		}
		c.clock.Advance(300 * time.Millisecond)
		for _, m := range c.members {
			m.s.Tick()
		}
	}
	time.Sleep(10 * time.Millisecond)
	mu.Lock()
	for _, p := range peers {
		close(p.stop)
	}
	mu.Unlock()
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	for _, m := range append(c.members, c.gone...) {
		if st := m.s.AuthStats(); st.BadSignature != 0 || st.Forged != 0 {
			t.Errorf("%s: sender authentication found forgeries in an honest call: %+v", m.name, st)
		}
	}
	if opened.Load() == 0 {
		t.Fatal("no frame opened")
	}
	t.Logf("%d frames sealed, %d opened, %d refused for their epoch, %d commits", sealed.Load(), opened.Load(), tolerate.Load(), rounds)
}
