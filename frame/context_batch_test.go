package frame

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// TestAddReceiveKeys checks that a batch installs the same keys as
// separate AddReceiveKey calls, for every suite.
func TestAddReceiveKeys(t *testing.T) {
	kids := []KID{0, 7, 8, 0x3e, 1 << 40, 1<<64 - 1}
	for _, s := range allSuites {
		base := NewBaseKey([]byte("shared epoch base key"))
		send := newTestContext(t, Config{Suite: s})
		recv := newTestContext(t, Config{Suite: s})
		for _, kid := range kids {
			if err := send.AddSendKey(kid, base); err != nil {
				t.Fatal(err)
			}
		}
		if err := recv.AddReceiveKeys(base, kids); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recv.KIDs(), kids) {
			t.Fatalf("%v: KIDs %v", s, recv.KIDs())
		}
		for _, kid := range kids {
			pt, h, err := recv.Open(nil, []byte("md"), mustSeal(t, send, kid, []byte("md"), []byte("frame")))
			if err != nil || h.KID != kid || string(pt) != "frame" {
				t.Fatalf("%v kid %d: %q %+v %v", s, kid, pt, h, err)
			}
		}
		if _, err := recv.Seal(nil, 7, nil, nil); !errors.Is(err, ErrKeyUsage) {
			t.Fatalf("%v: batch keys are not receive keys: %v", s, err)
		}
	}
}

func TestAddReceiveKeysAllOrNothing(t *testing.T) {
	base := NewBaseKey([]byte("k"))
	c := newTestContext(t, Config{})
	if err := c.AddReceiveKeys(base, []KID{1, 2, 1}); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("repeated KID: %v", err)
	}
	if err := c.AddSendKey(5, base); err != nil {
		t.Fatal(err)
	}
	if err := c.AddReceiveKeys(base, []KID{3, 4, 5}); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("present KID: %v", err)
	}
	if err := c.AddReceiveKeys(BaseKey{}, []KID{3}); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("empty base key: %v", err)
	}
	if err := c.AddReceiveKeys(base, nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	if !slices.Equal(c.KIDs(), []KID{5}) {
		t.Fatalf("failed batches left keys: %v", c.KIDs())
	}
}

func TestRemoveKeys(t *testing.T) {
	send, recv := pair(t, Config{}, 1, 2, 3, 4)
	ct := mustSeal(t, send, 2, nil, nil)
	e := recv.lookup(2)
	if err := recv.RemoveKeys([]KID{1, 2, 9, 3, 10}); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("absent KIDs: %v", err)
	} else if want := "frame: remove keys kid 9: unknown key ID"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if !slices.Equal(recv.KIDs(), []KID{4}) {
		t.Fatalf("KIDs after removal: %v", recv.KIDs())
	}
	if !e.removed || e.aead != nil || e.salt != (salt{}) {
		t.Fatal("removed entry not zeroed")
	}
	if _, _, err := recv.Open(nil, nil, ct); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("open under a removed KID: %v", err)
	}
	if err := recv.RemoveKeys([]KID{4}); err != nil || len(recv.KIDs()) != 0 {
		t.Fatalf("remove the last: %v, %v", err, recv.KIDs())
	}
}

// TestBatchDuringUse runs batch changes while other goroutines open
// frames under the same and other KIDs (go test -race).
func TestBatchDuringUse(t *testing.T) {
	base := NewBaseKey([]byte("epoch"))
	send := newTestContext(t, Config{})
	recv := newTestContext(t, Config{})
	kids := []KID{10, 11, 12, 13}
	for _, kid := range append(kids, 99) {
		if err := send.AddSendKey(kid, base); err != nil {
			t.Fatal(err)
		}
	}
	if err := recv.AddReceiveKey(99, base); err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for i := range 200 {
		frames = append(frames, mustSeal(t, send, kids[i%4], nil, []byte{byte(i)}))
	}
	stable := make([][]byte, 200)
	for i := range stable {
		stable[i] = mustSeal(t, send, 99, nil, nil)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 50 {
			if err := recv.AddReceiveKeys(base, kids); err != nil {
				t.Error(err)
			}
			if err := recv.RemoveKeys(kids); err != nil {
				t.Error(err)
			}
		}
	})
	for g := range 2 {
		wg.Go(func() {
			for i := g; i < len(frames); i += 2 {
				_, _, err := recv.Open(nil, nil, frames[i])
				if err != nil && !errors.Is(err, ErrUnknownKID) && !errors.Is(err, ErrReplay) {
					t.Error(err)
				}
				if _, _, err := recv.Open(nil, nil, stable[i]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkAddReceiveKeys installs and removes the receive keys of 100
// senders under one base key, one at a time (impl=single) or in one batch
// each way (impl=batch).
func BenchmarkAddReceiveKeys(b *testing.B) {
	kids := make([]KID, 100)
	for i := range kids {
		kids[i] = KID(i<<4 | 5)
	}
	base := NewBaseKey(make([]byte, 32))
	b.Run("impl=single", func(b *testing.B) {
		c := newTestContext(b, Config{})
		b.ReportAllocs()
		for b.Loop() {
			for _, kid := range kids {
				if err := c.AddReceiveKey(kid, base); err != nil {
					b.Fatal(err)
				}
			}
			for _, kid := range kids {
				if err := c.RemoveKey(kid); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("impl=batch", func(b *testing.B) {
		c := newTestContext(b, Config{})
		b.ReportAllocs()
		for b.Loop() {
			if err := c.AddReceiveKeys(base, kids); err != nil {
				b.Fatal(err)
			}
			if err := c.RemoveKeys(kids); err != nil {
				b.Fatal(err)
			}
		}
	})
}
