package keyschedule

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

func TestSealOpen(t *testing.T) {
	for _, suite := range []frame.Suite{1, 2, 3, 4, 5} {
		t.Run(suite.String(), func(t *testing.T) {
			g := group(t, Config{Frame: frame.Config{Suite: suite}}, 5, 0, 3, 9)
			ct := mustSeal(t, g[1], 0, []byte("md"), []byte("hello"))
			for _, r := range []*Schedule{g[0], g[2]} {
				pt, src := mustOpen(t, r, []byte("md"), ct)
				want := Source{Epoch: 5, Leaf: 3, Header: frame.Header{KID: 3<<4 | 5}}
				if string(pt) != "hello" || src != want {
					t.Errorf("opened %q from %+v, want hello from %+v", pt, src, want)
				}
			}
			if _, _, err := g[0].Open(nil, []byte("md"), ct); !errors.Is(err, frame.ErrReplay) {
				t.Errorf("replay: %v, want frame.ErrReplay", err)
			}
			if _, _, err := g[2].Open(nil, []byte("other"), mustSeal(t, g[1], 0, []byte("md"), nil)); !errors.Is(err, frame.ErrAuthentication) {
				t.Errorf("wrong metadata: %v, want frame.ErrAuthentication", err)
			}
		})
	}
}

// TestKeysPerSender checks that each sender's frames open only under its
// own KID: a frame with its KID rewritten to another member's fails.
func TestKeysPerSender(t *testing.T) {
	g := group(t, Config{}, 1, 0, 1, 2)
	ct := mustSeal(t, g[1], 0, nil, []byte("from leaf 1"))
	h, body, err := frame.ParseHeader(ct)
	if err != nil {
		t.Fatal(err)
	}
	h.KID = 2<<4 | 1 // leaf 2's KID
	forged, _ := h.AppendBinary(nil)
	forged = append(forged, body...)
	if _, _, err := g[0].Open(nil, nil, forged); !errors.Is(err, frame.ErrAuthentication) {
		t.Fatalf("frame moved to leaf 2's KID: %v, want frame.ErrAuthentication", err)
	}
	if _, src := mustOpen(t, g[0], nil, ct); src.Leaf != 1 {
		t.Fatalf("leaf %d", src.Leaf)
	}
}

func TestOpenRefusals(t *testing.T) {
	g := group(t, Config{}, 5, 0, 3)
	outsider := newTestSchedule(t, Config{})
	install(t, outsider, 5, 7, 0, 3, 7) // leaf 7 believes it is a member
	ct := mustSeal(t, outsider, 0, nil, []byte("x"))
	_, src, err := g[0].Open(nil, nil, ct)
	if !errors.Is(err, ErrNotMember) || src.Header.KID != 7<<4|5 {
		t.Errorf("frame from leaf 7: %v, header %+v; want ErrNotMember", err, src.Header)
	}
	if !strings.Contains(err.Error(), "keyschedule: open epoch 5 leaf 7: ") {
		t.Errorf("message %q does not name epoch and leaf", err)
	}

	own := mustSeal(t, g[0], 0, nil, []byte("x"))
	if _, _, err := g[0].Open(nil, nil, own); !errors.Is(err, ErrOwnKID) || !errors.Is(err, frame.ErrKeyUsage) {
		t.Errorf("own frame: %v, want ErrOwnKID and frame.ErrKeyUsage", err)
	}
	// An own KID of another context is refused before any key is derived.
	cfg := Config{Layout: Layout{ContextBits: 2, LeafBits: 10, EpochBits: 4}}
	h := group(t, cfg, 5, 0, 3)
	own = mustSeal(t, h[0], 2, nil, []byte("x"))
	r := newTestSchedule(t, cfg)
	install(t, r, 5, 0, 0, 3) // same leaf, another device of the test
	if _, _, err := r.Open(nil, nil, own); !errors.Is(err, ErrOwnKID) {
		t.Errorf("own frame, context 2: %v, want ErrOwnKID", err)
	}

	future := group(t, Config{}, 6, 0, 3)
	_, src, err = g[0].Open(nil, nil, mustSeal(t, future[1], 0, nil, []byte("x")))
	if !errors.Is(err, ErrUnknownEpoch) || src.Header.KID != 3<<4|6 {
		t.Errorf("frame of epoch 6: %v, %+v; want ErrUnknownEpoch with its header", err, src)
	}

	if _, _, err := g[0].Open(nil, nil, []byte{0x80}); !errors.Is(err, frame.ErrMalformedHeader) {
		t.Errorf("truncated header: %v", err)
	}
	kid := frame.Header{KID: 1 << 20}
	bad, _ := kid.AppendBinary(nil)
	bad = append(bad, make([]byte, 16)...)
	if _, _, err := g[0].Open(nil, nil, bad); !errors.Is(err, ErrInvalidKID) {
		t.Errorf("KID beyond the layout: %v, want ErrInvalidKID", err)
	}
	if got := len(g[0].ctx.KIDs()); got != 1 {
		t.Errorf("refused frames left %d keys, want only the send key", got)
	}
}

// TestEpochSwitch follows a sender and a receiver through an epoch
// change: the sender switches at once, the receiver opens frames of both
// epochs until it drops the old one.
func TestEpochSwitch(t *testing.T) {
	g := group(t, Config{}, 1, 0, 1)
	old := mustSeal(t, g[0], 0, nil, []byte("epoch 1, in flight"))
	install(t, g[0], 2, 0, 0, 1)
	install(t, g[1], 2, 1, 0, 1)
	if n, ok := g[0].SendEpoch(); !ok || n != 2 {
		t.Fatalf("send epoch %d %v", n, ok)
	}
	if !slices.Equal(g[0].ctx.KIDs(), []frame.KID{0x02}) {
		t.Fatalf("sender keys after the switch: %v, want only epoch 2's send key", g[0].ctx.KIDs())
	}
	cur := mustSeal(t, g[0], 0, nil, []byte("epoch 2"))
	if h, _, _ := frame.ParseHeader(cur); h.KID != 0x02 {
		t.Fatalf("sent with KID %#x after the switch", h.KID)
	}
	for _, ct := range [][]byte{cur, old} {
		if _, src := mustOpen(t, g[1], nil, ct); src.Epoch != 2 && src.Epoch != 1 {
			t.Fatalf("source %+v", src)
		}
	}
	if !slices.Equal(g[1].Epochs(), []uint64{1, 2}) {
		t.Fatalf("live epochs %v", g[1].Epochs())
	}
	if err := g[1].DropEpoch(1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g[1].Open(nil, nil, mustSealAt(t, 1, 0, []byte("late"))); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("frame of dropped epoch: %v", err)
	}
	if err := g[1].DropEpoch(1); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("second drop: %v", err)
	}
}

// mustSealAt returns a frame sealed by leaf in epoch n of a two-member
// group {0, 1}, at the given counter.
func mustSealAt(t testing.TB, n uint64, leaf uint32, pt []byte) []byte {
	s := newTestSchedule(t, Config{})
	install(t, s, n, leaf, 0, 1)
	return mustSeal(t, s, 0, nil, pt)
}

// TestDropComplete checks that DropEpoch removes every KID of the epoch,
// send and receive, and zeroes its base keys.
func TestDropComplete(t *testing.T) {
	cfg := Config{Layout: Layout{ContextBits: 2, RatchetBits: 2, LeafBits: 10, EpochBits: 4}}
	leaves := []uint32{0, 1, 2, 3}
	g := group(t, cfg, 7, leaves...)
	base := testBase(0, 8)
	keep := base // shares its bytes, to watch them
	if err := g[0].InstallEpoch(Epoch{Number: 8, BaseKey: base, Self: 0, Members: leaves}); err != nil {
		t.Fatal(err)
	}
	for _, m := range g[1:] {
		install(t, m, 8, m.epochSelf(t), leaves...)
		for _, n := range []uint64{0, 1} {
			for ctx := range uint64(3) {
				mustOpen(t, g[0], nil, mustSeal(t, m, ctx, nil, []byte{byte(n)}))
			}
			if _, err := m.Ratchet(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Epoch 7 opened nothing; epoch 8 has 3 senders x 3 contexts x 2 steps.
	if got := len(g[0].ctx.KIDs()); got != 1+18 {
		t.Fatalf("%d keys, want 19", got)
	}
	if err := g[0].DropEpoch(8); err != nil {
		t.Fatal(err)
	}
	if got := g[0].ctx.KIDs(); len(got) != 0 {
		t.Fatalf("keys left after dropping epoch 8: %v", got)
	}
	if !isZero(keep) {
		t.Fatal("the base key of epoch 8 was not zeroed")
	}
	if _, err := g[0].Seal(nil, 0, nil, nil); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("seal after dropping the sending epoch: %v", err)
	}
	if err := g[0].InstallEpoch(Epoch{Number: 8, BaseKey: testBase(0, 8), Self: 0, Members: leaves}); !errors.Is(err, ErrStaleEpoch) {
		t.Fatalf("reinstalling epoch 8: %v", err)
	}
}

func (s *Schedule) epochSelf(t testing.TB) uint32 {
	st := s.send.Load()
	if st == nil {
		t.Fatal("no sending epoch")
	}
	return st.ep.self
}

// TestEviction installs 2^E+1 epochs: the last evicts the first, which
// shares its low E bits (RFC 9605 §5.2).
func TestEviction(t *testing.T) {
	cfg := Config{Layout: Layout{LeafBits: 4, EpochBits: 2}}
	r := newTestSchedule(t, cfg)
	var bases []frame.BaseKey
	for n := uint64(10); n < 14; n++ {
		b := testBase(0, n)
		bases = append(bases, b)
		if err := r.InstallEpoch(Epoch{Number: n, BaseKey: b, Self: 0, Members: []uint32{0, 1}}); err != nil {
			t.Fatal(err)
		}
		s := newTestSchedule(t, cfg)
		install(t, s, n, 1, 0, 1)
		mustOpen(t, r, nil, mustSeal(t, s, 0, nil, []byte("x")))
	}
	if !slices.Equal(r.Epochs(), []uint64{10, 11, 12, 13}) {
		t.Fatalf("epochs %v", r.Epochs())
	}
	install(t, r, 14, 0, 0, 1) // 14 mod 4 = 10 mod 4
	if !slices.Equal(r.Epochs(), []uint64{11, 12, 13, 14}) {
		t.Fatalf("epochs after 14: %v", r.Epochs())
	}
	if !isZero(bases[0]) || isZero(bases[1]) {
		t.Fatal("eviction zeroed the wrong base keys")
	}
	// Leaf 1's receive KID of epoch 10 is gone: epochs 11..13 have one
	// each, plus the send key of 14.
	if got := len(r.ctx.KIDs()); got != 4 {
		t.Fatalf("%d keys after eviction: %v", got, r.ctx.KIDs())
	}
	s := newTestSchedule(t, cfg)
	install(t, s, 10, 1, 0, 1)
	if _, _, err := r.Open(nil, nil, mustSeal(t, s, 0, nil, []byte("late"))); !errors.Is(err, frame.ErrAuthentication) {
		t.Fatalf("frame of evicted epoch 10 under epoch 14's KID: %v, want frame.ErrAuthentication", err)
	}
}

func TestInstallErrors(t *testing.T) {
	s := newTestSchedule(t, Config{})
	cases := []struct {
		e    Epoch
		want error
		msg  string
	}{
		{Epoch{Number: 1, BaseKey: frame.NewBaseKey(make([]byte, 16)), Members: []uint32{0}}, ErrInvalidEpoch, "16-byte base key"},
		{Epoch{Number: 1, BaseKey: frame.BaseKey{}, Members: []uint32{0}}, ErrInvalidEpoch, "0-byte base key"},
		{Epoch{Number: 1, BaseKey: testBase(0, 1), Self: 1, Members: []uint32{0}}, ErrInvalidEpoch, "own leaf"},
		{Epoch{Number: 1, BaseKey: testBase(0, 1), Self: 0, Members: []uint32{0, 1024}}, ErrLeafOutOfRange, "install epoch 1 leaf 1024"},
		{Epoch{Number: 1, BaseKey: testBase(0, 1), Self: 5000, Members: []uint32{5000}}, ErrLeafOutOfRange, "leaf 5000"},
	}
	for _, c := range cases {
		b := c.e.BaseKey
		err := s.InstallEpoch(c.e)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%+v: %v, want %v mentioning %q", c.e, err, c.want, c.msg)
		}
		if b.Len() > 0 && !isZero(b) {
			t.Errorf("%+v: the refused base key was not zeroed", c.e)
		}
	}
	if _, ok := s.SendEpoch(); ok {
		t.Fatal("a refused epoch became the sending epoch")
	}
	install(t, s, 3, 0, 0)
	for _, n := range []uint64{3, 2} {
		if err := s.InstallEpoch(Epoch{Number: n, BaseKey: testBase(0, n), Members: []uint32{0}}); !errors.Is(err, ErrStaleEpoch) {
			t.Errorf("epoch %d after 3: %v", n, err)
		}
	}
	s.Close()
	if err := s.InstallEpoch(Epoch{Number: 4, BaseKey: testBase(0, 4), Members: []uint32{0}}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if len(s.ctx.KIDs()) != 0 || len(s.Epochs()) != 0 {
		t.Errorf("Close left keys %v, epochs %v", s.ctx.KIDs(), s.Epochs())
	}
}

func TestSealErrors(t *testing.T) {
	s := newTestSchedule(t, Config{})
	if _, err := s.Seal(nil, 0, nil, nil); !errors.Is(err, ErrUnknownEpoch) {
		t.Errorf("seal with no epoch: %v", err)
	}
	if _, err := s.NextHeader(0); !errors.Is(err, ErrUnknownEpoch) {
		t.Errorf("next header with no epoch: %v", err)
	}
	install(t, s, 1, 0, 0)
	if _, err := s.Seal(nil, 1, nil, nil); !errors.Is(err, ErrContextOutOfRange) {
		t.Errorf("context 1 with no context bits: %v", err)
	}
	c := newTestSchedule(t, Config{Frame: frame.Config{MaxCounter: 1}})
	install(t, c, 9, 3, 3)
	for range 2 {
		mustSeal(t, c, 0, nil, nil)
	}
	_, err := c.Seal(nil, 0, nil, nil)
	if !errors.Is(err, frame.ErrCounterExhausted) || !strings.Contains(err.Error(), "keyschedule: seal epoch 9 leaf 3: ") {
		t.Errorf("exhausted counter: %v", err)
	}
}

func TestNextHeader(t *testing.T) {
	s := newTestSchedule(t, Config{Layout: Layout{ContextBits: 1, LeafBits: 10, EpochBits: 4}})
	install(t, s, 2, 40, 40)
	for i := range 3 {
		for ctx := range uint64(2) {
			h, err := s.NextHeader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ct := mustSeal(t, s, ctx, nil, nil)
			got, _, _ := frame.ParseHeader(ct)
			if got != h || h.CTR != uint64(i) {
				t.Fatalf("NextHeader %+v, sealed %+v", h, got)
			}
		}
	}
}

// TestContexts sends on several contexts, each its own KID and counter
// (RFC 9605 §5.2: uncoordinated streams of one sender).
func TestContexts(t *testing.T) {
	cfg := Config{Layout: Layout{ContextBits: 3, LeafBits: 10, EpochBits: 4}}
	g := group(t, cfg, 4, 1, 2)
	seen := map[frame.KID]bool{}
	for ctx := range uint64(8) {
		ct := mustSeal(t, g[0], ctx, nil, []byte{byte(ctx)})
		pt, src := mustOpen(t, g[1], nil, ct)
		if src.Context != ctx || src.Leaf != 1 || src.Header.CTR != 0 || !bytes.Equal(pt, []byte{byte(ctx)}) {
			t.Fatalf("context %d: %+v %x", ctx, src, pt)
		}
		seen[src.Header.KID] = true
	}
	if len(seen) != 8 {
		t.Fatalf("%d distinct KIDs for 8 contexts", len(seen))
	}
	if _, err := g[0].Seal(nil, 8, nil, nil); !errors.Is(err, ErrContextOutOfRange) {
		t.Fatalf("context 8 in 3 bits: %v", err)
	}
}

func TestExportBaseKey(t *testing.T) {
	exp := testExporter{hash: mlsSuiteHash(1), secret: bytes.Repeat([]byte{1}, 32)}
	for _, suite := range []frame.Suite{1, 4, 5} {
		k, err := ExportBaseKey(exp, suite)
		if err != nil || k.Len() != suite.KeySize() {
			t.Fatalf("%v: %d bytes, %v", suite, k.Len(), err)
		}
		want, _ := exp.Export("SFrame 1.0 Base Key", nil, suite.KeySize())
		if !k.Equal(frame.NewBaseKey(want)) {
			t.Fatalf("%v: base key differs from the exporter's output", suite)
		}
	}
	if _, err := ExportBaseKey(exp, 0x99); !errors.Is(err, ErrInvalidEpoch) {
		t.Fatalf("unsupported suite: %v", err)
	}
	bad := errors.New("exporter failed")
	if _, err := ExportBaseKey(funcExporter(func(string, []byte, int) ([]byte, error) { return nil, bad }), 5); !errors.Is(err, bad) {
		t.Fatalf("exporter error: %v", err)
	}
	short := funcExporter(func(string, []byte, int) ([]byte, error) { return make([]byte, 16), nil })
	if _, err := ExportBaseKey(short, 5); !errors.Is(err, ErrInvalidEpoch) {
		t.Fatalf("short exporter output: %v", err)
	}
}

type funcExporter func(string, []byte, int) ([]byte, error)

func (f funcExporter) Export(label string, context []byte, length int) ([]byte, error) {
	return f(label, context, length)
}

func TestRedaction(t *testing.T) {
	s := newTestSchedule(t, Config{})
	install(t, s, 1, 0, 0)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, s)
		if !strings.HasPrefix(out, "keyschedule.Schedule(AES_256_GCM_SHA512_128, 1 live epochs)") {
			t.Errorf("%s: %q", f, out)
		}
	}
}

// TestBatchDerivation checks what the first frame of an epoch derives:
// the context-0 keys of every other member, and for another context only
// its own KID.
func TestBatchDerivation(t *testing.T) {
	cfg := Config{Layout: Layout{ContextBits: 1, LeafBits: 10, EpochBits: 4}}
	g := group(t, cfg, 3, 10, 20, 30, 40)
	mustOpen(t, g[0], nil, mustSeal(t, g[1], 0, nil, nil))
	want := []frame.KID{10<<4 | 3, 20<<4 | 3, 30<<4 | 3, 40<<4 | 3} // own send key and three receive keys
	if got := g[0].ctx.KIDs(); !slices.Equal(got, want) {
		t.Fatalf("keys after the first frame: %#x, want %#x", got, want)
	}
	mustOpen(t, g[0], nil, mustSeal(t, g[2], 1, nil, nil))
	if got := len(g[0].ctx.KIDs()); got != 5 {
		t.Fatalf("context 1 derived %d keys, want 1", got-4)
	}
	// The other senders' first frames need no derivation.
	for _, m := range g[2:] {
		mustOpen(t, g[0], nil, mustSeal(t, m, 0, nil, nil))
	}
	if got := len(g[0].ctx.KIDs()); got != 5 {
		t.Fatalf("%d keys after every sender's first frame, want 5", got)
	}
}

// TestSendKey checks SendKey: none before the first epoch and after the
// sending epoch is dropped; the key of context 0 in the current epoch and
// ratchet step, sharing its counter with Seal; and a key that the epoch
// or step has left seals nothing, while Seal goes on with the new key.
func TestSendKey(t *testing.T) {
	cfg := Config{Layout: Layout{RatchetBits: 2, LeafBits: 4, EpochBits: 2}}
	snd, rcv := newTestSchedule(t, cfg), newTestSchedule(t, cfg)
	if k := snd.SendKey(); k != nil {
		t.Fatalf("SendKey with no epoch: %v", k)
	}
	install(t, snd, 1, 1, 0, 1)
	install(t, rcv, 1, 0, 0, 1)
	opened := 0
	seal := func(k *frame.SendKey, wantEpoch, wantStep, wantCTR uint64) {
		t.Helper()
		ct, err := k.Seal(nil, nil, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		_, src := mustOpen(t, rcv, nil, ct)
		if src.Epoch != wantEpoch || src.Step != wantStep || src.Leaf != 1 || src.Header.CTR != wantCTR {
			t.Fatalf("frame of SendKey attributed to %+v, want epoch %d step %d ctr %d", src, wantEpoch, wantStep, wantCTR)
		}
		opened++
	}
	k1 := snd.SendKey()
	seal(k1, 1, 0, 0)
	mustOpen(t, rcv, nil, mustSeal(t, snd, 0, nil, nil)) // counter 1, shared with Seal
	seal(k1, 1, 0, 2)
	mustRatchet(t, snd, 1)
	if _, err := k1.Seal(nil, nil, nil); !errors.Is(err, frame.ErrUnknownKID) {
		t.Fatalf("SendKey of a ratchet step left: %v", err)
	}
	seal(snd.SendKey(), 1, 1, 0)
	install(t, snd, 2, 1, 0, 1)
	install(t, rcv, 2, 0, 0, 1)
	seal(snd.SendKey(), 2, 0, 0)
	if err := snd.DropEpoch(2); err != nil {
		t.Fatal(err)
	}
	if k := snd.SendKey(); k != nil {
		t.Fatalf("SendKey after the sending epoch was dropped: %v", k)
	}
	if opened != 4 {
		t.Fatalf("%d frames opened, want 4", opened)
	}
}
