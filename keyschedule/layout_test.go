package keyschedule

import (
	"errors"
	"math"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

// TestLayoutRFCFigure checks the KIDs of RFC 9605 §5.2, Figure "An Example
// Sequence of KIDs for an MLS-based SFrame Session (E=4; S=6, Allowing for
// 64 Group Members)".
func TestLayoutRFCFigure(t *testing.T) {
	l := Layout{ContextBits: MaxContextBits, LeafBits: 6, EpochBits: 4}
	cases := []struct {
		epoch   uint64
		leaf    uint32
		context uint64
		kid     frame.KID
	}{
		{14, 3, 0, 0x3e},
		{14, 7, 0, 0x7e},
		{14, 20, 0, 0x14e},
		{15, 3, 0, 0x3f},
		{15, 5, 0, 0x5f},
		{16, 2, 2, 0x820},
		{16, 2, 3, 0xc20},
		{17, 33, 0, 0x211},
		{17, 51, 0, 0x331},
	}
	for _, c := range cases {
		kid, err := l.KID(KIDParts{Context: c.context, Leaf: c.leaf, Epoch: c.epoch})
		if err != nil || kid != c.kid {
			t.Errorf("epoch %d leaf %d context %d: KID %#x, %v; want %#x", c.epoch, c.leaf, c.context, kid, err, c.kid)
		}
		p, err := l.ParseKID(c.kid)
		want := KIDParts{Context: c.context, Leaf: c.leaf, Epoch: c.epoch % 16}
		if err != nil || p != want {
			t.Errorf("ParseKID(%#x) = %+v, %v; want %+v", c.kid, p, err, want)
		}
	}
}

func TestLayoutValidate(t *testing.T) {
	good := []Layout{
		DefaultLayout,
		{},
		{ContextBits: MaxContextBits, RatchetBits: MaxRatchetBits, LeafBits: MaxLeafBits, EpochBits: MaxEpochBits},
		{LeafBits: 32},
		{EpochBits: 8, LeafBits: 1},
	}
	for _, l := range good {
		if err := l.Validate(); err != nil {
			t.Errorf("%+v: %v", l, err)
		}
	}
	bad := []Layout{
		{ContextBits: MaxContextBits + 1},
		{RatchetBits: MaxRatchetBits + 1},
		{LeafBits: MaxLeafBits + 1},
		{EpochBits: MaxEpochBits + 1},
		{ContextBits: 64},
		{LeafBits: math.MaxUint},
	}
	for _, l := range bad {
		if err := l.Validate(); !errors.Is(err, ErrInvalidLayout) {
			t.Errorf("%+v: %v, want ErrInvalidLayout", l, err)
		}
	}
	if _, err := New(Config{Layout: Layout{EpochBits: 9, LeafBits: 10}}); !errors.Is(err, ErrInvalidLayout) {
		t.Errorf("New with 9 epoch bits: %v", err)
	}
}

func TestLayoutKIDRanges(t *testing.T) {
	l := DefaultLayout
	kid, err := l.KID(KIDParts{Leaf: 1023, Epoch: 31})
	if err != nil || kid != 1023<<4|15 {
		t.Errorf("leaf 1023 epoch 31: %#x, %v", kid, err)
	}
	_, err = l.KID(KIDParts{Leaf: 1024})
	if !errors.Is(err, ErrLeafOutOfRange) {
		t.Errorf("leaf 1024 with S = 10: %v, want ErrLeafOutOfRange", err)
	}
	_, err = l.KID(KIDParts{Leaf: 1, Context: 1})
	if !errors.Is(err, ErrContextOutOfRange) {
		t.Errorf("context 1 with no context bits: %v, want ErrContextOutOfRange", err)
	}
	if _, err := l.ParseKID(1 << 14); !errors.Is(err, ErrInvalidKID) {
		t.Errorf("KID 1<<14 with 14 layout bits: %v, want ErrInvalidKID", err)
	}
	if _, err := l.ParseKID(math.MaxUint64); !errors.Is(err, ErrInvalidKID) {
		t.Errorf("KID 2^64-1: %v, want ErrInvalidKID", err)
	}
	// The step wraps to its low bits, like the epoch.
	r := Layout{RatchetBits: 2, LeafBits: 10, EpochBits: 4}
	kid, _ = r.KID(KIDParts{Step: 6, Leaf: 5, Epoch: 17})
	if p, _ := r.ParseKID(kid); p != (KIDParts{Step: 2, Leaf: 5, Epoch: 1}) {
		t.Errorf("step 6 with R = 2: parsed %+v", p)
	}
}

// TestLayoutFull fills all 64 bits: every field at its maximum.
func TestLayoutFull(t *testing.T) {
	l := Layout{ContextBits: 16, RatchetBits: 8, LeafBits: 32, EpochBits: 8}
	p := KIDParts{Context: 0xffff, Step: 0xff, Leaf: math.MaxUint32, Epoch: 0xff}
	kid, err := l.KID(p)
	if err != nil || kid != math.MaxUint64 {
		t.Fatalf("all ones: %#x, %v", kid, err)
	}
	got, err := l.ParseKID(kid)
	if err != nil || got != p {
		t.Fatalf("parse all ones: %+v, %v", got, err)
	}
	p = KIDParts{Context: 0x8001, Step: 0x81, Leaf: 0x80000001, Epoch: 0x81}
	kid, _ = l.KID(p)
	if kid != 0x8001_81_80000001_81 {
		t.Fatalf("mixed: %#x", kid)
	}
	if got, _ := l.ParseKID(kid); got != p {
		t.Fatalf("parse mixed: %+v", got)
	}
}

// TestLayoutRoundTrip composes and parses KIDs over many layouts.
func TestLayoutRoundTrip(t *testing.T) {
	n := 0
	for _, c := range []uint{0, 1, 5, 16} {
		for _, r := range []uint{0, 1, 3, 8} {
			for _, s := range []uint{0, 1, 10, 32} {
				for _, e := range []uint{0, 1, 4, 8} {
					l := Layout{ContextBits: c, RatchetBits: r, LeafBits: s, EpochBits: e}
					p := KIDParts{Context: lowMask(c) & 0xa5a5, Step: lowMask(r) & 0x5a, Leaf: uint32(lowMask(s) & 0xdeadbeef), Epoch: lowMask(e) & 0x96}
					kid, err := l.KID(p)
					if err != nil {
						t.Fatalf("%+v %+v: %v", l, p, err)
					}
					if got, err := l.ParseKID(kid); err != nil || got != p {
						t.Fatalf("%+v: %+v -> %#x -> %+v, %v", l, p, kid, got, err)
					}
					n++
				}
			}
		}
	}
	if n != 256 {
		t.Fatalf("ran %d layouts, want 256", n)
	}
}
