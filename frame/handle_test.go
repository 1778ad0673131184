package frame

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestSendKey checks the send key handle: it refuses receive and absent
// KIDs like Seal, shares the key's counter with Context.Seal, and fails
// with ErrUnknownKID once the key is removed.
func TestSendKey(t *testing.T) {
	send, recv := pair(t, Config{}, 1, 2)
	if _, err := send.SendKey(9); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("absent KID: %v", err)
	}
	if _, err := recv.SendKey(1); !errors.Is(err, ErrKeyUsage) {
		t.Fatalf("receive key: %v", err)
	}
	k, err := send.SendKey(1)
	if err != nil {
		t.Fatal(err)
	}
	if k.KID() != 1 {
		t.Fatalf("KID() = %d", k.KID())
	}
	md := []byte("md")
	for i := range uint64(6) {
		var ct []byte
		if i%2 == 0 {
			ct, err = k.Seal(nil, md, []byte(fmt.Sprint(i)))
		} else {
			ct, err = send.Seal(nil, 1, md, []byte(fmt.Sprint(i)))
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, h, err := recv.Open(nil, md, ct)
		if err != nil || h != (Header{KID: 1, CTR: i}) || string(pt) != fmt.Sprint(i) {
			t.Fatalf("frame %d: %+v %q %v", i, h, pt, err)
		}
	}
	if next, _ := send.NextCounter(1); next != 6 {
		t.Fatalf("NextCounter = %d, want 6", next)
	}
	if s := fmt.Sprintf("%v %#v %s", k, k, k); strings.Count(s, "frame.SendKey(kid 1, AES_256_GCM_SHA512_128)") != 3 {
		t.Fatalf("printed as %q", s)
	}
	if err := send.RemoveKey(1); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Seal(nil, nil, []byte("x")); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("Seal after removal: %v", err)
	}
}

// TestSendKeyLimits checks that the handle enforces the counter and usage
// limits of Context.Seal.
func TestSendKeyLimits(t *testing.T) {
	send, _ := pair(t, Config{MaxCounter: 1}, 1)
	k, err := send.SendKey(1)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := k.Seal(nil, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := k.Seal(nil, nil, nil); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("past MaxCounter: %v", err)
	}
	send, _ = pair(t, Config{MaxBlocks: 3}, 1)
	if k, err = send.SendKey(1); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Seal(nil, nil, make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Seal(nil, nil, nil); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("past MaxBlocks: %v", err)
	}
}

// TestOpenWithValue checks that a frame comes with the value of its key,
// nil for keys added without one, none on error, and that
// AddReceiveKeysWithValues refuses a values slice of another length.
func TestOpenWithValue(t *testing.T) {
	send, recv := pair(t, Config{}, 1)
	base := NewBaseKey([]byte("base key for kid 2"))
	if err := send.AddSendKey(2, base); err != nil {
		t.Fatal(err)
	}
	if err := send.AddSendKey(3, base); err != nil {
		t.Fatal(err)
	}
	if err := recv.AddReceiveKeysWithValues(base, []KID{2, 3}, []any{"two"}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("short values: %v", err)
	}
	type owner struct{ n int }
	two, three := &owner{2}, &owner{3}
	if err := recv.AddReceiveKeysWithValues(base, []KID{2, 3}, []any{two, three}); err != nil {
		t.Fatal(err)
	}
	for kid, want := range map[KID]any{1: nil, 2: two, 3: three} {
		ct := mustSeal(t, send, kid, nil, []byte("x"))
		if _, h, v, err := recv.OpenWithValue(nil, nil, ct); err != nil || h.KID != kid || v != want {
			t.Fatalf("kid %d: value %v, want %v (%v)", kid, v, want, err)
		}
		if _, _, v, err := recv.OpenWithValue(nil, nil, ct); !errors.Is(err, ErrReplay) || v != nil {
			t.Fatalf("kid %d replayed: value %v, %v", kid, v, err)
		}
	}
}
