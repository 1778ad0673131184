package keyschedule

import (
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

// TestConcurrentEpochChanges runs the e2ee session's model under -race:
// one goroutine seals while it moves through epochs and ratchet steps,
// several goroutines open every frame (each frame twice), and another
// drops old epochs. Every frame that opens must be attributed to the
// epoch and step it was sealed in, and opened once; every failure must be
// one the races allow.
func TestConcurrentEpochChanges(t *testing.T) {
	cfg := Config{Layout: Layout{RatchetBits: 2, LeafBits: 4, EpochBits: 2}}
	const (
		frames    = 3000
		perEpoch  = 200
		perStep   = 50
		receivers = 4
	)
	members := []uint32{0, 1}
	sender, receiver := newTestSchedule(t, cfg), newTestSchedule(t, cfg)

	type sealed struct {
		ct     []byte
		opened atomic.Int32
	}
	work := make(chan *sealed, 64)
	latest := make(chan uint64, 1)
	var wg sync.WaitGroup
	var opened, refused atomic.Int64

	for range receivers {
		wg.Go(func() {
			buf := make([]byte, 0, 64)
			for f := range work {
				pt, src, err := receiver.Open(buf, nil, f.ct)
				switch {
				case err == nil:
					epoch, step := binary.BigEndian.Uint64(pt), binary.BigEndian.Uint64(pt[8:])
					if src.Epoch != epoch || src.Step != step || src.Leaf != 0 {
						t.Errorf("frame of epoch %d step %d attributed to %+v", epoch, step, src)
					}
					if f.opened.Add(1) > 1 {
						t.Errorf("frame of epoch %d opened twice", epoch)
					}
					opened.Add(1)
				case errors.Is(err, ErrUnknownEpoch), errors.Is(err, frame.ErrReplay),
					errors.Is(err, frame.ErrAuthentication): // evicted or dropped epoch
					refused.Add(1)
				default:
					t.Errorf("open: %v", err)
				}
			}
		})
	}
	wg.Go(func() { // the session's grace-period timer
		for n := range latest {
			if n >= 2 {
				_ = receiver.DropEpoch(n - 2)
			}
		}
	})

	var epoch, step uint64
	for i := range frames {
		if i%perEpoch == 0 {
			epoch++
			step = 0
			// The receiver learns of the epoch first, as when its own
			// commit processing wins the race with the first frame.
			install(t, receiver, epoch, 1, members...)
			install(t, sender, epoch, 0, members...)
			select {
			case latest <- epoch:
			default:
			}
		} else if i%perStep == 0 {
			step++
			mustRatchet(t, sender, step)
			mustRatchet(t, receiver, step)
		}
		var pt [16]byte
		binary.BigEndian.PutUint64(pt[:], epoch)
		binary.BigEndian.PutUint64(pt[8:], step)
		f := &sealed{ct: mustSeal(t, sender, 0, nil, pt[:])}
		work <- f
		work <- f
	}
	close(work)
	close(latest)
	wg.Wait()
	if opened.Load() < frames*9/10 {
		t.Fatalf("only %d of %d frames opened (%d refusals)", opened.Load(), frames, refused.Load())
	}
	t.Logf("%d frames opened, %d open calls refused", opened.Load(), refused.Load())
}

// TestConcurrentFirstFrames opens the first frames of many senders from
// several goroutines at once, so that lazy derivations race.
func TestConcurrentFirstFrames(t *testing.T) {
	const senders = 40
	leaves := make([]uint32, senders+1)
	for i := range leaves {
		leaves[i] = uint32(i)
	}
	r := newTestSchedule(t, Config{})
	install(t, r, 1, senders, leaves...)
	var cts [][]byte
	for l := range uint32(senders) {
		s := newTestSchedule(t, Config{})
		install(t, s, 1, l, leaves...)
		for range 4 {
			cts = append(cts, mustSeal(t, s, 0, nil, []byte{byte(l)}))
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(cts); i += 4 {
				pt, src, err := r.Open(nil, nil, cts[i])
				if err != nil || src.Leaf != uint32(pt[0]) {
					t.Errorf("frame %d: %v %+v", i, err, src)
				}
			}
		})
	}
	wg.Wait()
	if got := len(r.ctx.KIDs()); got != senders+1 {
		t.Fatalf("%d keys, want %d", got, senders+1)
	}
}

// TestStableView checks the attribution rule of Open: a frame is
// attributed only if its slot held the same view before and after the
// frame.Context opened it, or a view of the same epoch that reads the
// frame's step bits as the same step.
func TestStableView(t *testing.T) {
	l := Layout{RatchetBits: 2, LeafBits: 4, EpochBits: 2}
	s := newTestSchedule(t, Config{Layout: l})
	install(t, s, 1, 0, 0)
	install(t, s, 2, 0, 0)
	kid := func(step, epoch uint64) frame.KID {
		k, _ := l.KID(KIDParts{Step: step, Leaf: 1, Epoch: epoch})
		return k
	}
	before := s.table.Load()
	v1, v2 := before.slots[1], before.slots[2]
	if s.stableView(before, kid(0, 1)) != v1 || s.stableView(before, kid(0, 3)) != nil {
		t.Fatal("unchanged table")
	}
	mustRatchet(t, s, 1) // floor stays 0: a new view of epoch 2, same window
	mustRatchet(t, s, 2) // floor 1: window [1, 5)
	if s.stableView(before, kid(0, 1)) != v1 {
		t.Fatal("a change to another slot made slot 1 unstable")
	}
	now := s.table.Load().slots[2]
	for step, want := range map[uint64]*view{0: nil, 1: now, 2: now, 3: now} {
		// Step bits 0 read as step 0 before and step 4 now: the key may
		// have been step 0's, which the floor removed.
		if got := s.stableView(before, kid(step, 2)); got != want {
			t.Errorf("step %d across a raised floor: view %p, want %p (before %p)", step, got, want, v2)
		}
	}
	if err := s.DropEpoch(1); err != nil {
		t.Fatal(err)
	}
	if s.stableView(before, kid(0, 1)) != nil {
		t.Fatal("slot 1 dropped during the open but was attributed")
	}
	install(t, s, 5, 0, 0) // slot 1 again, another epoch
	if s.stableView(before, kid(0, 1)) != nil {
		t.Fatal("slot 1 evicted during the open but was attributed")
	}
	// refuseRaced erases the plaintext it refuses.
	dst := []byte("hdr")
	out := append(dst, "secret"...)
	if got, _, err := s.refuseRaced(dst, out, frame.Header{KID: 1}); got != nil || !errors.Is(err, ErrUnknownEpoch) || string(out) != "hdr\x00\x00\x00\x00\x00\x00" {
		t.Fatalf("refuseRaced: %q, %v, left %q", got, err, out)
	}
}
