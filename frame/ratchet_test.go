package frame

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// TestKATRatchet checks the §5.1 ratchet against the chains in
// sealroom-kat.json (5 steps each, every suite, two starting keys).
func TestKATRatchet(t *testing.T) {
	k := loadKAT(t)
	ran := 0
	for _, tc := range k.Ratchet {
		key := NewBaseKey(tc.BaseKey)
		ok := len(tc.Steps) == 5
		for i, want := range tc.Steps {
			next, err := key.Ratchet(tc.Suite)
			if err != nil || !bytes.Equal(next.b, want) || next.Len() != tc.Suite.HashSize() {
				t.Errorf("suite %v, %d-byte base key, step %d: %x, %v; want %x", tc.Suite, len(tc.BaseKey), i+1, next.b, err, []byte(want))
				ok = false
				break
			}
			key = next
		}
		if ok {
			ran++
		}
	}
	checkCount(t, "KAT ratchet", ran, len(k.Ratchet), katRatchetCases)
}

func TestRatchetErrors(t *testing.T) {
	if _, err := (BaseKey{}).Ratchet(DefaultSuite); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("empty key: %v", err)
	}
	if _, err := NewBaseKey([]byte("k")).Ratchet(0x0100); !errors.Is(err, ErrUnsupportedSuite) {
		t.Errorf("bad suite: %v", err)
	}
}

func TestSenderKeyKID(t *testing.T) {
	for _, tc := range []struct {
		gen, step uint64
		r         uint
		want      KID
	}{
		{0, 0, 4, 0},
		{3, 2, 4, 0x32},
		{3, 18, 4, 0x32}, // only the low 4 bits of the step
		{1, 0, 0, 1},
		{math.MaxUint64 >> 8, 0xff, 8, math.MaxUint64},
		{0, math.MaxUint64, 64, math.MaxUint64},
	} {
		got, err := SenderKeyKID(tc.gen, tc.step, tc.r)
		if err != nil || got != tc.want {
			t.Errorf("SenderKeyKID(%d, %d, %d) = %#x, %v; want %#x", tc.gen, tc.step, tc.r, got, err, tc.want)
			continue
		}
		gen, low := got.SenderKey(tc.r)
		if gen != tc.gen || (tc.r < 64 && low != tc.step&(1<<tc.r-1)) || (tc.r == 64 && low != tc.step) {
			t.Errorf("%#x.SenderKey(%d) = %d, %d", got, tc.r, gen, low)
		}
	}
	for _, tc := range []struct {
		gen uint64
		r   uint
	}{{1 << 60, 4}, {1, 64}, {0, 65}} {
		if _, err := SenderKeyKID(tc.gen, 0, tc.r); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("SenderKeyKID(%d, 0, %d): %v", tc.gen, tc.r, err)
		}
	}
}

// TestRatchetRoundTrip runs the sender-key scheme of §5.1: the sender
// ratchets its key and signals the step in the KID; a receiver that knows
// the generation's first key follows, and a receiver that joined later
// cannot open older frames.
func TestRatchetRoundTrip(t *testing.T) {
	const r = 2
	suite := AES_128_CTR_HMAC_SHA256_64
	first := NewBaseKey([]byte("generation 5 sender key"))
	send := newTestContext(t, Config{Suite: suite})
	recv := newTestContext(t, Config{Suite: suite})
	late := newTestContext(t, Config{Suite: suite})

	sk, rk := first, first
	var frames [][]byte
	var kids []KID
	for step := range uint64(6) {
		kid, err := SenderKeyKID(5, step, r)
		if err != nil {
			t.Fatal(err)
		}
		if step > 0 {
			if sk, err = sk.Ratchet(suite); err != nil {
				t.Fatal(err)
			}
			// A KID reappears after 2^r steps: the old key must go first.
			if step >= 1<<r {
				old, _ := SenderKeyKID(5, step-1<<r, r)
				if err := send.RemoveKey(old); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := send.AddSendKey(kid, sk); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, mustSeal(t, send, kid, nil, []byte{byte(step)}))
		kids = append(kids, kid)
		if step == 3 {
			if err := late.AddReceiveKey(kid, sk); err != nil {
				t.Fatal(err)
			}
		}
	}
	for step, ct := range frames {
		h, _, _ := ParseHeader(ct)
		if gen, low := h.KID.SenderKey(r); gen != 5 || low != uint64(step)%(1<<r) {
			t.Fatalf("frame %d: KID %#x splits as %d, %d", step, h.KID, gen, low)
		}
		if step > 0 {
			var err error
			if rk, err = rk.Ratchet(suite); err != nil {
				t.Fatal(err)
			}
			if step >= 1<<r {
				if err := recv.RemoveKey(kids[step-1<<r]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := recv.AddReceiveKey(h.KID, rk); err != nil {
			t.Fatal(err)
		}
		pt, _, err := recv.Open(nil, nil, ct)
		if err != nil || !bytes.Equal(pt, []byte{byte(step)}) {
			t.Fatalf("frame %d: %x, %v", step, pt, err)
		}
	}
	if _, _, err := late.Open(nil, nil, frames[3]); err != nil {
		t.Fatalf("late joiner, its own step: %v", err)
	}
	for _, step := range []int{0, 1, 2} {
		if _, _, err := late.Open(nil, nil, frames[step]); !errors.Is(err, ErrUnknownKID) {
			t.Fatalf("late joiner opened step %d: %v", step, err)
		}
	}
	// The KID of step 3 is reused by step 7; installing step 7's key under
	// it shows that step 3's frame does not open with it.
	k7 := first
	for range 7 {
		k7, _ = k7.Ratchet(suite)
	}
	other := newTestContext(t, Config{Suite: suite})
	if err := other.AddReceiveKey(kids[3], k7); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Open(nil, nil, frames[3]); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("step 3 frame under step 7 key: %v", err)
	}
}
