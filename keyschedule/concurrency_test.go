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

// TestAttributionByKey checks that Open and OpenEpoch attribute a frame
// to the epoch and ratchet step of the key that authenticated it (the
// value attached to the key in the frame.Context), across ratchet steps,
// epochs, an eviction and a drop.
func TestAttributionByKey(t *testing.T) {
	l := Layout{RatchetBits: 2, LeafBits: 4, EpochBits: 2}
	snd, rcv := newTestSchedule(t, Config{Layout: l}), newTestSchedule(t, Config{Layout: l})
	type sealed struct {
		epoch, step uint64
		ct          []byte
	}
	var frames []sealed
	for _, n := range []uint64{1, 2} {
		install(t, snd, n, 1, 0, 1)
		install(t, rcv, n, 0, 0, 1)
		for step := range uint64(4) {
			if step > 0 {
				mustRatchet(t, snd, step)
			}
			frames = append(frames, sealed{n, step, mustSeal(t, snd, 0, nil, []byte("x"))})
		}
	}
	opened := 0
	for _, f := range frames {
		_, src := mustOpen(t, rcv, nil, f.ct)
		if src.Epoch != f.epoch || src.Step != f.step || src.Leaf != 1 {
			t.Fatalf("frame of epoch %d step %d attributed to %+v", f.epoch, f.step, src)
		}
		opened++
	}
	// OpenEpoch agrees, on a fresh frame of the last key.
	ct := mustSeal(t, snd, 0, nil, []byte("y"))
	if _, epoch, h, err := rcv.OpenEpoch(nil, nil, ct); err != nil || epoch != 2 || l.parts(h.KID).Step != 3 {
		t.Fatalf("OpenEpoch: epoch %d, header %+v, %v", epoch, h, err)
	}
	// Epoch 5 evicts epoch 1 (same low bits): a frame of epoch 1 now
	// names epoch 5's key, and fails to authenticate under it.
	install(t, rcv, 5, 0, 0, 1)
	if _, _, err := rcv.Open(nil, nil, frames[0].ct); !errors.Is(err, frame.ErrAuthentication) {
		t.Fatalf("frame of an evicted epoch: %v", err)
	}
	if err := rcv.DropEpoch(2); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := rcv.OpenEpoch(nil, nil, mustSeal(t, snd, 0, nil, []byte("z"))); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("frame of a dropped epoch: %v", err)
	}
	if opened != 8 {
		t.Fatalf("%d frames opened, want 8", opened)
	}
}

// TestKeylessFrameRefused checks that a frame opened by a receive key
// without an epoch attached, which the Schedule never adds, is refused and
// its plaintext erased, by Open and by OpenEpoch.
func TestKeylessFrameRefused(t *testing.T) {
	snd, rcv := newTestSchedule(t, Config{}), newTestSchedule(t, Config{})
	install(t, snd, 1, 1, 0, 1)
	install(t, rcv, 1, 0, 0, 1)
	cts := [][]byte{mustSeal(t, snd, 0, nil, []byte("secret")), mustSeal(t, snd, 0, nil, []byte("secret"))}
	h, _, err := frame.ParseHeader(cts[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.ctx.AddReceiveKey(h.KID, testBase(rcv.Suite(), 1)); err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, 64)
	if out, _, err := rcv.Open(dst, nil, cts[0]); out != nil || !errors.Is(err, ErrUnknownEpoch) || string(dst[:6]) != "\x00\x00\x00\x00\x00\x00" {
		t.Fatalf("Open: %q, %v, left %q", out, err, dst[:6])
	}
	if out, _, _, err := rcv.OpenEpoch(dst, nil, cts[1]); out != nil || !errors.Is(err, ErrUnknownEpoch) || string(dst[:6]) != "\x00\x00\x00\x00\x00\x00" {
		t.Fatalf("OpenEpoch: %q, %v, left %q", out, err, dst[:6])
	}
}

// TestOpenKeyValue checks that OpenKey and FinishOpen return the Key of the
// key that opened a frame, with the caller's value for its sender
// (Epoch.Values): OpenKey leaves the first frame of a KID to FinishOpen,
// which derives the key, and finishes the later ones itself. An epoch
// installed without values has keys with a nil Value, and values that do
// not match the members are refused.
func TestOpenKeyValue(t *testing.T) {
	snd, rcv := newTestSchedule(t, Config{}), newTestSchedule(t, Config{})
	type tag struct{ n uint64 }
	checked := 0
	for _, n := range []uint64{1, 2, 3} {
		var value any
		var values []any
		if n != 3 {
			value = &tag{n}
			values = []any{&tag{0}, value} // the members' values: leaves 0 and 1
		}
		install(t, snd, n, 1, 0, 1)
		if err := rcv.InstallEpoch(Epoch{Number: n, BaseKey: testBase(rcv.Suite(), n), Self: 0, Members: []uint32{0, 1}, Values: values}); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			ct := mustSeal(t, snd, 0, nil, []byte("frame"))
			out, h, k, err := rcv.OpenKey(nil, nil, ct)
			if (k == nil) != (i == 0) {
				t.Fatalf("epoch %d frame %d: OpenKey returned key %+v, %v", n, i, k, err)
			}
			if k == nil {
				out, h, k, err = rcv.FinishOpen(nil, out, nil, ct, h, err)
			}
			if err != nil || string(out) != "frame" || h.CTR != uint64(i) {
				t.Fatalf("epoch %d frame %d: %q, %+v, %v", n, i, out, h, err)
			}
			if k.Epoch != n || k.Step != 0 || k.Leaf != 1 || k.Value != value {
				t.Fatalf("epoch %d frame %d: key %+v, want value %v", n, i, k, value)
			}
			checked++
		}
	}
	// A replayed frame: OpenKey returns no key, FinishOpen the error.
	ct := mustSeal(t, snd, 0, nil, []byte("again"))
	mustOpen(t, rcv, nil, ct)
	out, h, k, err := rcv.OpenKey(nil, nil, ct)
	if k != nil || err == nil {
		t.Fatalf("replay: OpenKey returned key %+v, %v", k, err)
	}
	if _, _, k, err := rcv.FinishOpen(nil, out, nil, ct, h, err); k != nil || !errors.Is(err, frame.ErrReplay) {
		t.Fatalf("replay: FinishOpen returned key %+v, %v", k, err)
	}
	err = rcv.InstallEpoch(Epoch{Number: 4, BaseKey: testBase(rcv.Suite(), 4), Self: 0, Members: []uint32{0, 1}, Values: []any{nil}})
	if !errors.Is(err, ErrInvalidEpoch) {
		t.Fatalf("one value for two members: %v", err)
	}
	if checked != 9 {
		t.Fatalf("%d frames checked, want 9", checked)
	}
}

// TestFrameOfRetiredStep checks what Open's documentation says of a frame
// that arrives after its ratchet step was retired: its KID names the
// later step with the same low bits, and it fails to authenticate under
// that key.
func TestFrameOfRetiredStep(t *testing.T) {
	l := Layout{RatchetBits: 2, LeafBits: 4, EpochBits: 2}
	snd, rcv := newTestSchedule(t, Config{Layout: l}), newTestSchedule(t, Config{Layout: l})
	install(t, snd, 1, 1, 0, 1)
	install(t, rcv, 1, 0, 0, 1)
	mustOpen(t, rcv, nil, mustSeal(t, snd, 0, nil, []byte("a")))
	late := mustSeal(t, snd, 0, nil, []byte("b"))
	for step := uint64(1); step <= 4; step++ {
		mustRatchet(t, snd, step)
		mustRatchet(t, rcv, step)
	}
	out, src, err := rcv.Open(nil, nil, late)
	if out != nil || !errors.Is(err, frame.ErrAuthentication) || errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("frame of a retired step: %q, %+v, %v", out, src, err)
	}
	// The frame's KID is the current step's, which still opens.
	mustOpen(t, rcv, nil, mustSeal(t, snd, 0, nil, []byte("c")))
}
