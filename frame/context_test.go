package frame

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

var allSuites = []Suite{
	AES_128_CTR_HMAC_SHA256_80, AES_128_CTR_HMAC_SHA256_64, AES_128_CTR_HMAC_SHA256_32,
	AES_128_GCM_SHA256_128, AES_256_GCM_SHA512_128,
	AES_256_CTR_HMAC_SHA512_80, AES_256_CTR_HMAC_SHA512_64, AES_256_CTR_HMAC_SHA512_32,
}

// pair returns a sending and a receiving context sharing base keys for kids.
func pair(t testing.TB, cfg Config, kids ...KID) (send, recv *Context) {
	t.Helper()
	send, recv = newTestContext(t, cfg), newTestContext(t, cfg)
	for _, kid := range kids {
		base := NewBaseKey([]byte(fmt.Sprintf("base key for kid %d", kid)))
		if err := send.AddSendKey(kid, base); err != nil {
			t.Fatal(err)
		}
		if err := recv.AddReceiveKey(kid, base); err != nil {
			t.Fatal(err)
		}
	}
	return send, recv
}

func mustSeal(t testing.TB, c *Context, kid KID, md, pt []byte) []byte {
	t.Helper()
	ct, err := c.Seal(nil, kid, md, pt)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestRoundTripAllSuites(t *testing.T) {
	for _, s := range allSuites {
		t.Run(s.String(), func(t *testing.T) {
			send, recv := pair(t, Config{Suite: s}, 0, 7, 8, math.MaxUint64)
			for _, kid := range []KID{0, 7, 8, math.MaxUint64} {
				for _, size := range []int{0, 1, 15, 16, 17, 160, 1200, 5000} {
					for _, md := range [][]byte{nil, {1}, bytes.Repeat([]byte{2}, 300), bytes.Repeat([]byte{3}, maxRetainedAAD+1)} {
						pt := bytes.Repeat([]byte{byte(size)}, size)
						ct := mustSeal(t, send, kid, md, pt)
						h, body, err := ParseHeader(ct)
						if err != nil || h.KID != kid {
							t.Fatalf("header %+v, %v", h, err)
						}
						if len(body) != size+s.Overhead() {
							t.Fatalf("body is %d bytes, want %d", len(body), size+s.Overhead())
						}
						got, h2, err := recv.Open(nil, md, ct)
						if err != nil || !bytes.Equal(got, pt) || h2 != h {
							t.Fatalf("kid %d size %d: Open = %x, %+v, %v", kid, size, got, h2, err)
						}
					}
				}
			}
		})
	}
}

func TestCounterMovesForward(t *testing.T) {
	send, _ := pair(t, Config{}, 1)
	for want := range uint64(300) {
		h, _, err := ParseHeader(mustSeal(t, send, 1, nil, []byte("x")))
		if err != nil || h.CTR != want {
			t.Fatalf("frame %d has CTR %d (%v)", want, h.CTR, err)
		}
	}
}

func TestCounterExhausted(t *testing.T) {
	send, recv := pair(t, Config{MaxCounter: 3}, 1)
	for range 4 {
		ct := mustSeal(t, send, 1, nil, nil)
		if _, _, err := recv.Open(nil, nil, ct); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		_, err := send.Seal(nil, 1, nil, nil)
		if !errors.Is(err, ErrCounterExhausted) {
			t.Fatalf("Seal past MaxCounter: %v", err)
		}
	}
	if _, err := send.NextCounter(1); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("NextCounter past MaxCounter: %v", err)
	}

	// The whole 64-bit space: CTR 2^64-1 is used once, then never again.
	send, recv = pair(t, Config{}, 2)
	send.setNextCounter(2, math.MaxUint64-1)
	for _, want := range []uint64{math.MaxUint64 - 1, math.MaxUint64} {
		ct := mustSeal(t, send, 2, nil, nil)
		if _, h, err := recv.Open(nil, nil, ct); err != nil || h.CTR != want {
			t.Fatalf("CTR %d: %+v, %v", want, h, err)
		}
	}
	_, err := send.Seal(nil, 2, nil, nil)
	if !errors.Is(err, ErrCounterExhausted) || !strings.Contains(err.Error(), "frame: seal kid 2: counter exhausted") {
		t.Fatalf("Seal after CTR 2^64-1: %v", err)
	}
}

func TestUsageLimit(t *testing.T) {
	// 10 blocks: a 16-byte frame costs 2, a 64-byte frame 5.
	send, _ := pair(t, Config{MaxBlocks: 10}, 1)
	for range 5 {
		if _, err := send.Seal(nil, 1, nil, make([]byte, 16)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := send.Seal(nil, 1, nil, nil); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("Seal past MaxBlocks: %v", err)
	}
	send, _ = pair(t, Config{MaxBlocks: 10}, 1)
	if _, err := send.Seal(nil, 1, nil, make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	if _, err := send.Seal(nil, 1, nil, make([]byte, 80)); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("Seal of a frame over the remaining budget: %v", err)
	}
	// A refused frame used no counter: a smaller one still goes out with CTR 1.
	ct, err := send.Seal(nil, 1, nil, make([]byte, 64))
	if err != nil {
		t.Fatal(err)
	}
	if h, _, _ := ParseHeader(ct); h.CTR != 1 {
		t.Fatalf("CTR %d after a refused frame, want 1", h.CTR)
	}
}

func TestReplayAndReorder(t *testing.T) {
	send, recv := pair(t, Config{ReplayWindow: 64}, 5)
	var frames [][]byte
	for i := range 200 {
		frames = append(frames, mustSeal(t, send, 5, nil, []byte{byte(i)}))
	}
	open := func(i int) error {
		pt, h, err := recv.Open(nil, nil, frames[i])
		if err == nil && (h.CTR != uint64(i) || !bytes.Equal(pt, []byte{byte(i)})) {
			t.Fatalf("frame %d opened as CTR %d, %x", i, h.CTR, pt)
		}
		return err
	}
	// Out of order inside the window opens; each frame only once.
	for _, i := range []int{10, 3, 9, 0, 70, 7, 69, 100, 37} {
		if err := open(i); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	for _, i := range []int{70, 69, 100, 37} {
		if err := open(i); !errors.Is(err, ErrReplay) || !strings.Contains(err.Error(), "already accepted") {
			t.Fatalf("replayed frame %d: %v", i, err)
		}
	}
	for _, i := range []int{10, 3} {
		if err := open(i); !errors.Is(err, ErrReplay) || !strings.Contains(err.Error(), "outside the 64-frame window") {
			t.Fatalf("replayed frame %d, now below the window: %v", i, err)
		}
	}
	// 100 is the newest: 37 is the oldest still inside a 64-frame window,
	// 36 is too old.
	if err := open(36); !errors.Is(err, ErrReplay) || !strings.Contains(err.Error(), "outside the 64-frame window") {
		t.Fatalf("too-old frame 36: %v", err)
	}
	if err := open(38); err != nil {
		t.Fatalf("frame 38 at the edge of the window: %v", err)
	}
}

// TestReplayWindowNeedsAuthentication checks that a forged frame with a
// high counter does not move the window.
func TestReplayWindowNeedsAuthentication(t *testing.T) {
	send, recv := pair(t, Config{ReplayWindow: 16}, 5)
	first := mustSeal(t, send, 5, nil, []byte("first"))
	send.setNextCounter(5, 1000)
	late := mustSeal(t, send, 5, nil, []byte("late"))
	forged := bytes.Clone(late)
	forged[len(forged)-1] ^= 1
	if _, _, err := recv.Open(nil, nil, forged); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("forged frame: %v", err)
	}
	if _, _, err := recv.Open(nil, nil, first); err != nil {
		t.Fatalf("frame 0 after a forged frame 1000: %v", err)
	}
	if _, _, err := recv.Open(nil, nil, late); err != nil {
		t.Fatalf("genuine frame 1000: %v", err)
	}
}

func TestOpenRejects(t *testing.T) {
	send, recv := pair(t, Config{}, 9)
	md := []byte("meta")
	ct := mustSeal(t, send, 9, md, []byte("hello"))

	// Every single-bit change of the frame fails, with the error of the
	// layer that caught it, and never opens.
	for i := range ct {
		for bit := range 8 {
			bad := bytes.Clone(ct)
			bad[i] ^= 1 << bit
			_, _, err := recv.Open(nil, md, bad)
			if !errors.Is(err, ErrAuthentication) && !errors.Is(err, ErrMalformedHeader) && !errors.Is(err, ErrUnknownKID) {
				t.Fatalf("flipped bit %d of byte %d: %v", bit, i, err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		md   []byte
		ct   []byte
		want error
		msg  string
	}{
		{"empty", md, nil, ErrMalformedHeader, "frame: open: malformed header: empty input"},
		{"header only", md, ct[:2], ErrAuthentication, "frame: open kid 9: message authentication failed: 0 bytes after the header, shorter than the 16-byte tag"},
		{"short tag", md, ct[:len(ct)-6], ErrAuthentication, "shorter than the 16-byte tag"},
		{"truncated", md, ct[:len(ct)-1], ErrAuthentication, "frame: open kid 9: message authentication failed"},
		{"other metadata", []byte("metb"), ct, ErrAuthentication, ""},
		{"no metadata", nil, ct, ErrAuthentication, ""},
		{"unknown kid", md, mustSealOther(t, 10), ErrUnknownKID, "frame: open kid 10: unknown key ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt, _, err := recv.Open(nil, tc.md, tc.ct)
			if !errors.Is(err, tc.want) || pt != nil {
				t.Fatalf("Open = %x, %v; want %v", pt, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", err, tc.msg)
			}
		})
	}
	// After all that, the genuine frame still opens once.
	if _, _, err := recv.Open(nil, md, ct); err != nil {
		t.Fatal(err)
	}
}

func mustSealOther(t *testing.T, kid KID) []byte {
	send, _ := pair(t, Config{}, kid)
	return mustSeal(t, send, kid, nil, []byte("x"))
}

func TestUnknownKIDReturnsHeader(t *testing.T) {
	send, _ := pair(t, Config{}, 77)
	send.setNextCounter(77, 12345)
	ct := mustSeal(t, send, 77, nil, nil)
	recv := newTestContext(t, Config{})
	_, h, err := recv.Open(nil, nil, ct)
	if !errors.Is(err, ErrUnknownKID) || h != (Header{77, 12345}) {
		t.Fatalf("Open = %+v, %v", h, err)
	}
}

func TestKeyDirection(t *testing.T) {
	send, recv := pair(t, Config{}, 1)
	ct := mustSeal(t, send, 1, nil, nil)
	if _, err := recv.Seal(nil, 1, nil, nil); !errors.Is(err, ErrKeyUsage) {
		t.Errorf("Seal with a receive key: %v", err)
	}
	if _, _, err := send.Open(nil, nil, ct); !errors.Is(err, ErrKeyUsage) {
		t.Errorf("Open with a send key: %v", err)
	}
	if _, err := send.Seal(nil, 2, nil, nil); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("Seal with an unknown KID: %v", err)
	}
	if n, err := send.NextCounter(1); n != 1 || err != nil {
		t.Errorf("NextCounter after one frame = %d, %v", n, err)
	}
	if _, err := recv.NextCounter(1); !errors.Is(err, ErrKeyUsage) {
		t.Errorf("NextCounter of a receive key: %v", err)
	}
	if _, err := send.NextCounter(2); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("NextCounter of an unknown KID: %v", err)
	}
}

func TestAddRemoveKeys(t *testing.T) {
	c := newTestContext(t, Config{})
	k := NewBaseKey([]byte("k"))
	for _, kid := range []KID{30, 1, 20} {
		if err := c.AddSendKey(kid, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.AddReceiveKey(2, k); err != nil {
		t.Fatal(err)
	}
	if got := c.KIDs(); !slices.Equal(got, []KID{1, 2, 20, 30}) {
		t.Fatalf("KIDs() = %v", got)
	}
	if err := c.AddSendKey(1, k); !errors.Is(err, ErrKeyExists) {
		t.Errorf("re-adding a send key: %v", err)
	}
	if err := c.AddReceiveKey(1, k); !errors.Is(err, ErrKeyExists) {
		t.Errorf("adding a receive key over a send key: %v", err)
	}
	if err := c.AddSendKey(2, k); !errors.Is(err, ErrKeyExists) {
		t.Errorf("adding a send key over a receive key: %v", err)
	}
	if err := c.AddSendKey(3, BaseKey{}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("adding an empty key: %v", err)
	}
	e := c.lookup(20)
	if err := c.RemoveKey(20); err != nil {
		t.Fatal(err)
	}
	if !e.removed || e.aead != nil || e.salt != (salt{}) {
		t.Error("removed key was not zeroed")
	}
	if err := c.RemoveKey(20); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("removing twice: %v", err)
	}
	if _, err := c.Seal(nil, 20, nil, nil); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("Seal after removal: %v", err)
	}
	if got := c.KIDs(); !slices.Equal(got, []KID{1, 2, 30}) {
		t.Fatalf("KIDs() after removal = %v", got)
	}
	if s := c.String(); s != "frame.Context(AES_256_GCM_SHA512_128, 3 keys)" {
		t.Errorf("String() = %q", s)
	}
}

func TestRemoveZeroesCTRHMACKey(t *testing.T) {
	c := newTestContext(t, Config{Suite: AES_128_CTR_HMAC_SHA256_80})
	if err := c.AddSendKey(1, NewBaseKey([]byte("k"))); err != nil {
		t.Fatal(err)
	}
	a := c.lookup(1).aead.(*ctrHMAC)
	if err := c.RemoveKey(1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.authKey, make([]byte, len(a.authKey))) {
		t.Error("auth_key not zeroed on removal")
	}
}

func TestConfig(t *testing.T) {
	c := newTestContext(t, Config{})
	if c.Suite() != AES_256_GCM_SHA512_128 || c.window != DefaultReplayWindow ||
		c.maxCounter != math.MaxUint64 || c.maxBlocks != DefaultMaxBlocks || c.MaxOverhead() != 33 {
		t.Errorf("zero Config: %+v", c)
	}
	for _, cfg := range []Config{
		{Suite: 0x0009}, {Suite: 0xF000}, {ReplayWindow: -1}, {ReplayWindow: MaxReplayWindow + 1},
	} {
		if _, err := NewContext(cfg); err == nil {
			t.Errorf("NewContext(%+v) succeeded", cfg)
		}
	}
	if _, err := NewContext(Config{Suite: 0x0009}); !errors.Is(err, ErrUnsupportedSuite) {
		t.Errorf("unsupported suite: %v", err)
	}
	if _, err := NewContext(Config{ReplayWindow: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad window: %v", err)
	}
}

func TestInPlace(t *testing.T) {
	for _, s := range []Suite{AES_256_GCM_SHA512_128, AES_128_CTR_HMAC_SHA256_32} {
		send, recv := pair(t, Config{Suite: s}, 300)
		pt := []byte("in place plaintext, in place plaintext")
		ctr, err := send.NextCounter(300)
		if err != nil || ctr != 0 {
			t.Fatalf("NextCounter = %d, %v", ctr, err)
		}
		hl := Header{KID: 300, CTR: ctr}.Len()
		buf := make([]byte, hl+len(pt)+s.Overhead())
		copy(buf[hl:], pt)
		ct, err := send.Seal(buf[:0], 300, []byte("md"), buf[hl:hl+len(pt)])
		if err != nil || &ct[0] != &buf[0] {
			t.Fatalf("in-place Seal: %v", err)
		}
		// Compare with an out-of-place frame at the same counter.
		send2, _ := pair(t, Config{Suite: s}, 300)
		if want := mustSeal(t, send2, 300, []byte("md"), pt); !bytes.Equal(ct, want) {
			t.Fatalf("in-place Seal = %x, want %x", ct, want)
		}
		got, _, err := recv.Open(ct[:0], []byte("md"), ct)
		if err != nil || !bytes.Equal(got, pt) || &got[0] != &ct[0] {
			t.Fatalf("in-place Open = %q, %v", got, err)
		}

		// Opening into the body position also works.
		ct = mustSeal(t, send, 300, nil, pt)
		hl = len(ct) - len(pt) - s.Overhead()
		got, _, err = recv.Open(ct[:hl], nil, ct)
		if err != nil || !bytes.Equal(got[hl:], pt) {
			t.Fatalf("Open into ciphertext[:hl]: %q, %v", got, err)
		}

		// Other overlaps are refused, not a panic.
		ct = mustSeal(t, send, 300, nil, pt)
		if _, _, err := recv.Open(ct[:1], nil, ct); !errors.Is(err, ErrBufferOverlap) {
			t.Fatalf("Open into ciphertext[:1]: %v", err)
		}
		if _, _, err := recv.Open(nil, nil, ct); err != nil {
			t.Fatalf("frame after a refused overlap: %v", err)
		}
		buf = make([]byte, 100)
		if _, err := send.Seal(buf[:0], 300, nil, buf[1:20]); !errors.Is(err, ErrBufferOverlap) {
			t.Fatalf("Seal with overlapping plaintext: %v", err)
		}
		// metadata may alias the output.
		buf = make([]byte, 200)
		copy(buf, "metadata")
		ct, err = send.Seal(buf[:0], 300, buf[:8], pt)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := recv.Open(nil, []byte("metadata"), ct); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("frame sealed with aliased metadata: %q, %v", got, err)
		}
	}
}

// TestConcurrent runs one sealing goroutine per KID and several opening
// goroutines on shared contexts, with every frame delivered twice, while
// keys come and go: every frame opens exactly once. Run with -race.
func TestConcurrent(t *testing.T) {
	const (
		senders   = 3
		receivers = 4
		frames    = 500
	)
	kids := []KID{1, 2, 3}
	send, recv := pair(t, Config{ReplayWindow: 4 * frames}, kids...)
	ch := make(chan []byte, 64)
	var sealers sync.WaitGroup
	for _, kid := range kids[:senders] {
		sealers.Go(func() {
			for i := range frames {
				ct, err := send.Seal(nil, kid, []byte{byte(kid)}, []byte(fmt.Sprint(kid, i)))
				if err != nil {
					t.Error(err)
					return
				}
				ch <- ct
				ch <- ct
			}
		})
	}
	var churn sync.WaitGroup
	stop := make(chan struct{})
	churn.Go(func() {
		for i := KID(100); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := recv.AddReceiveKey(i, NewBaseKey([]byte("churn"))); err != nil {
				t.Error(err)
			}
			_ = recv.KIDs()
			if err := recv.RemoveKey(i); err != nil {
				t.Error(err)
			}
		}
	})
	var mu sync.Mutex
	opened := map[string]int{}
	var openers sync.WaitGroup
	for range receivers {
		openers.Go(func() {
			for ct := range ch {
				h, _, _ := ParseHeader(ct)
				pt, _, err := recv.Open(nil, []byte{byte(h.KID)}, ct)
				switch {
				case err == nil:
					mu.Lock()
					opened[string(pt)]++
					mu.Unlock()
				case !errors.Is(err, ErrReplay):
					t.Error(err)
				}
			}
		})
	}
	sealers.Wait()
	close(ch)
	openers.Wait()
	close(stop)
	churn.Wait()
	if len(opened) != senders*frames {
		t.Errorf("%d distinct frames opened, want %d", len(opened), senders*frames)
	}
	for pt, n := range opened {
		if n != 1 {
			t.Errorf("frame %q opened %d times", pt, n)
		}
	}
}

// TestRemoveDuringUse removes keys while other goroutines seal and open
// with them; every call either works or reports ErrUnknownKID.
func TestRemoveDuringUse(t *testing.T) {
	for round := range 50 {
		send, recv := pair(t, Config{}, 1)
		ct := mustSeal(t, send, 1, nil, []byte("x"))
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := send.Seal(nil, 1, nil, []byte("y")); err != nil && !errors.Is(err, ErrUnknownKID) {
				t.Errorf("round %d: Seal: %v", round, err)
			}
		})
		wg.Go(func() {
			if _, _, err := recv.Open(nil, nil, ct); err != nil && !errors.Is(err, ErrUnknownKID) {
				t.Errorf("round %d: Open: %v", round, err)
			}
		})
		wg.Go(func() { _ = send.RemoveKey(1) })
		wg.Go(func() { _ = recv.RemoveKey(1) })
		wg.Wait()
	}
}

// TestOpenBesideHolder opens frames while another Open holds the key's
// lock (played here by the test), so that they take the shared path: a
// fresh frame opens once the holder lets go, with and without metadata
// and in place, a replay and a forgery fail, and a counter the holder
// accepted meanwhile is refused after the AEAD.
func TestOpenBesideHolder(t *testing.T) {
	send, recv := pair(t, Config{}, 1)
	e := recv.lookup(1)
	md := []byte("metadata")
	ct0 := mustSeal(t, send, 1, md, []byte("frame 0"))
	ct1 := mustSeal(t, send, 1, nil, []byte("frame 1"))
	forged := bytes.Clone(ct1)
	forged[len(forged)-1] ^= 1
	ct2 := mustSeal(t, send, 1, nil, []byte("frame 2"))

	open := func(dst, md, ct []byte) ([]byte, error) {
		e.mu.Lock() // the other Open
		type result struct {
			pt  []byte
			err error
		}
		done := make(chan result)
		go func() {
			pt, _, err := recv.Open(dst, md, ct)
			done <- result{pt, err}
		}()
		// The Open found e.mu taken once it holds e.shared for reading.
		for e.shared.TryLock() {
			e.shared.Unlock()
			runtime.Gosched()
		}
		e.mu.Unlock()
		r := <-done
		return r.pt, r.err
	}
	if pt, err := open(nil, md, ct0); err != nil || string(pt) != "frame 0" {
		t.Fatalf("beside the holder: %q, %v", pt, err)
	}
	if _, err := open(nil, md, ct0); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay beside the holder: %v", err)
	}
	if _, err := open(nil, nil, forged); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("forgery beside the holder: %v", err)
	}
	in := bytes.Clone(ct1)
	if pt, err := open(in[:0], nil, in); err != nil || string(pt) != "frame 1" {
		t.Fatalf("in place beside the holder: %q, %v", pt, err)
	}

	// The holder accepts ct2's counter while the shared Open decrypts.
	h, _, _ := ParseHeader(ct2)
	if err := e.checkOpen(h.CTR); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.replay.accept(h.CTR)
	e.mu.Unlock()
	if err := e.acceptOpen(h.CTR); !errors.Is(err, ErrReplay) {
		t.Fatalf("counter accepted meanwhile: %v", err)
	}
}

func TestSealTooLarge(t *testing.T) {
	send, _ := pair(t, Config{}, 1)
	if send.maxPlaintext != maxPlaintext {
		t.Fatalf("maxPlaintext = %d, want %d", send.maxPlaintext, uint64(maxPlaintext))
	}
	// A 64 GiB plaintext cannot be allocated here; lower the limit to
	// check the comparison.
	send.maxPlaintext = 100
	if _, err := send.Seal(nil, 1, nil, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := send.Seal(nil, 1, nil, make([]byte, 101)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Seal over the limit: %v", err)
	}
}
