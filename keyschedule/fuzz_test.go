package keyschedule

import (
	"errors"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

// FuzzParseKID parses any KID under any layout: it never panics, a valid
// layout either refuses the KID with ErrInvalidKID or gives back fields
// that compose to the same KID, and composing parsed fields round-trips.
func FuzzParseKID(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(10), uint8(4), uint64(0x3e))
	f.Add(uint8(16), uint8(0), uint8(6), uint8(4), uint64(0xc20))
	f.Add(uint8(16), uint8(8), uint8(32), uint8(8), uint64(1<<64-1))
	f.Add(uint8(0), uint8(2), uint8(10), uint8(4), uint64(1<<16))
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), uint64(0))
	f.Add(uint8(64), uint8(0), uint8(0), uint8(0), uint64(5))
	f.Fuzz(func(t *testing.T, c, r, s, e uint8, kid uint64) {
		l := Layout{ContextBits: uint(c), RatchetBits: uint(r), LeafBits: uint(s), EpochBits: uint(e)}
		if err := l.Validate(); err != nil {
			if !errors.Is(err, ErrInvalidLayout) {
				t.Fatalf("Validate: %v", err)
			}
			return
		}
		p, err := l.ParseKID(frame.KID(kid))
		if err != nil {
			if !errors.Is(err, ErrInvalidKID) || l.bits() >= 64 || kid>>l.bits() == 0 {
				t.Fatalf("ParseKID(%#x) under %+v: %v", kid, l, err)
			}
			return
		}
		back, err := l.KID(p)
		if err != nil || back != frame.KID(kid) {
			t.Fatalf("%+v: %#x -> %+v -> %#x, %v", l, kid, p, back, err)
		}
	})
}

// fuzzFrames seals frames that a fuzzOpen receiver can open, as seeds.
func fuzzFrames(t testing.TB) [][]byte {
	var out [][]byte
	for _, leaf := range []uint32{1, 2, 9} {
		s := newTestSchedule(t, Config{Layout: fuzzLayout})
		install(t, s, 6, leaf, 0, 1, 2, 9)
		for ctx := range uint64(2) {
			out = append(out, mustSeal(t, s, ctx, []byte("md"), []byte("frame")))
		}
		if _, err := s.Ratchet(); err != nil {
			t.Fatal(err)
		}
		out = append(out, mustSeal(t, s, 0, nil, nil))
	}
	return out
}

var fuzzLayout = Layout{ContextBits: 2, RatchetBits: 2, LeafBits: 4, EpochBits: 2}

// FuzzOpen feeds arbitrary ciphertexts to a receiver with two live epochs
// (5 and 6; leaves 0, 1, 2 and, in epoch 6, 9): Open never panics, every
// error wraps a sentinel, a frame that opens is attributed consistently
// with its header, and the keys it derives stay within the bound of
// members * contexts * ratchet steps per epoch.
func FuzzOpen(f *testing.F) {
	for _, ct := range fuzzFrames(f) {
		f.Add(ct, []byte("md"))
		f.Add(ct, []byte(nil))
	}
	f.Add([]byte{}, []byte(nil))
	f.Add([]byte{0x80}, []byte(nil))
	f.Add([]byte{0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, []byte(nil))
	f.Add([]byte{0x07, 1, 2, 3}, []byte("x"))
	f.Fuzz(func(t *testing.T, ct, md []byte) {
		r := newTestSchedule(t, Config{Layout: fuzzLayout})
		install(t, r, 5, 0, 0, 1, 2)
		install(t, r, 6, 0, 0, 1, 2, 9)
		for range 2 { // one open may derive keys, the next finds them
			pt, src, err := r.Open(nil, md, ct)
			if err != nil {
				if pt != nil {
					t.Fatalf("plaintext returned with error %v", err)
				}
				for _, s := range []error{ErrInvalidKID, ErrUnknownEpoch, ErrNotMember, ErrOwnKID,
					frame.ErrMalformedHeader, frame.ErrAuthentication, frame.ErrReplay} {
					if errors.Is(err, s) {
						goto ok
					}
				}
				t.Fatalf("error wraps no expected sentinel: %v", err)
			ok:
				continue
			}
			h, _, herr := frame.ParseHeader(ct)
			p, _ := fuzzLayout.ParseKID(h.KID)
			if herr != nil || src.Header != h || src.Leaf != p.Leaf || src.Epoch&3 != p.Epoch || src.Step&3 != p.Step || src.Context != p.Context {
				t.Fatalf("opened frame %x attributed to %+v, header %+v", ct, src, h)
			}
		}
		// 2 epochs x (3 or 4 members) x 4 contexts x 4 steps.
		if n := len(r.ctx.KIDs()); n > 1+(3+4)*4*4 {
			t.Fatalf("%d keys derived", n)
		}
	})
}
