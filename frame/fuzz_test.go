package frame

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseHeader checks that ParseHeader never panics, that it rejects
// with ErrMalformedHeader, and that every accepted header re-encodes to
// exactly the bytes it was read from (there is one encoding per value).
func FuzzParseHeader(f *testing.F) {
	for _, tc := range loadRFCVectors(f).Header {
		f.Add([]byte(tc.Encoded))
		f.Add(append(bytes.Clone(tc.Encoded), 0xde, 0xad))
		if len(tc.Encoded) > 1 {
			f.Add([]byte(tc.Encoded[:len(tc.Encoded)-1]))
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x80, 0x07})
	f.Fuzz(func(t *testing.T, in []byte) {
		h, rest, err := ParseHeader(in)
		if err != nil {
			if !errors.Is(err, ErrMalformedHeader) || rest != nil || h != (Header{}) {
				t.Fatalf("ParseHeader(%x) = %+v, %x, %v", in, h, rest, err)
			}
			if !strings.HasPrefix(err.Error(), "frame: parse header: malformed header: ") {
				t.Fatalf("error %q lacks context", err)
			}
			return
		}
		n := len(in) - len(rest)
		if n < 1 || n > MaxHeaderLen || !bytes.Equal(rest, in[n:]) {
			t.Fatalf("ParseHeader(%x) consumed %d bytes", in, n)
		}
		enc, _ := h.MarshalBinary()
		if !bytes.Equal(enc, in[:n]) || h.Len() != n {
			t.Fatalf("ParseHeader(%x) = %+v, which encodes as %x", in[:n], h, enc)
		}
		var u Header
		if err := u.UnmarshalBinary(in[:n]); err != nil || u != h {
			t.Fatalf("UnmarshalBinary(%x) = %+v, %v", in[:n], u, err)
		}
		if len(rest) > 0 {
			if err := u.UnmarshalBinary(in); !errors.Is(err, ErrMalformedHeader) {
				t.Fatalf("UnmarshalBinary with trailing bytes: %v", err)
			}
		}
	})
}

// fuzzKey names a key the Open fuzzer's contexts hold.
type fuzzKey struct {
	suite Suite
	kid   KID
}

// openSeeds returns valid frames from the RFC and KAT vectors, and keys
// that open them, one base key per (suite, KID).
func openSeeds(t testing.TB) (seeds []sframeVector, keys map[fuzzKey][]byte) {
	keys = map[fuzzKey][]byte{}
	add := func(tc sframeVector) {
		k := fuzzKey{suite: tc.Suite, kid: tc.KID}
		if base, ok := keys[k]; ok && !bytes.Equal(base, tc.BaseKey) {
			return
		}
		keys[k] = tc.BaseKey
		seeds = append(seeds, tc)
	}
	for _, tc := range loadRFCVectors(t).SFrame {
		add(tc)
	}
	var post struct {
		SFrame []sframeVector `json:"sframe_aes_256_ctr_hmac"`
	}
	loadJSON(t, "post-rfc-test-vectors-aes256-ctr-hmac.json", &post)
	for _, tc := range post.SFrame {
		add(tc)
	}
	for _, tc := range loadKAT(t).SFrame {
		add(sframeVector{Suite: tc.Suite, KID: tc.KID, CTR: tc.CTR, BaseKey: tc.BaseKey, Metadata: tc.Metadata, PT: tc.PT, CT: tc.CT})
	}
	return seeds, keys
}

// FuzzOpen feeds Open arbitrary metadata and ciphertexts in every suite,
// with keys for the seed frames installed. Open must never panic; every
// error must wrap a sentinel and return no plaintext; a frame it accepts
// must have the header it reports, re-seal to the same bytes at its
// counter, and be refused as a replay the second time.
func FuzzOpen(f *testing.F) {
	seeds, keys := openSeeds(f)
	suiteIndex := map[Suite]byte{}
	for i, s := range allSuites {
		suiteIndex[s] = byte(i)
	}
	for _, tc := range seeds {
		f.Add(suiteIndex[tc.Suite], []byte(tc.Metadata), []byte(tc.CT))
		f.Add(suiteIndex[tc.Suite]|0x80, []byte(tc.Metadata), []byte(tc.CT))
	}
	recv := map[Suite]*Context{}
	for _, s := range allSuites {
		recv[s] = newTestContext(f, Config{Suite: s})
	}
	for k, base := range keys {
		if err := recv[k.suite].AddReceiveKey(k.kid, NewBaseKey(base)); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, mode byte, md, ct []byte) {
		suite := allSuites[int(mode&0x7f)%len(allSuites)]
		c := recv[suite]
		for _, kid := range c.KIDs() {
			c.lookup(kid).resetReplay()
		}
		input := bytes.Clone(ct)
		var dst []byte
		if mode&0x80 != 0 {
			dst = input[:0] // in place
		}
		pt, h, err := c.Open(dst, md, input)
		if err != nil {
			if pt != nil {
				t.Fatalf("Open returned plaintext with error %v", err)
			}
			for _, s := range []error{ErrMalformedHeader, ErrUnknownKID, ErrAuthentication, ErrReplay} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("Open error wraps no expected sentinel: %v", err)
		}
		ph, _, perr := ParseHeader(ct)
		if perr != nil || ph != h {
			t.Fatalf("Open reported header %+v, ParseHeader says %+v, %v", h, ph, perr)
		}
		base, ok := keys[fuzzKey{suite: suite, kid: h.KID}]
		if !ok {
			t.Fatalf("opened a frame for KID %d, which has no key", h.KID)
		}
		send := newTestContext(t, Config{Suite: suite})
		if err := send.AddSendKey(h.KID, NewBaseKey(base)); err != nil {
			t.Fatal(err)
		}
		send.setNextCounter(h.KID, h.CTR)
		again, err := send.Seal(nil, h.KID, md, pt)
		if err != nil || !bytes.Equal(again, ct) {
			t.Fatalf("accepted frame %x re-seals as %x, %v", ct, again, err)
		}
		if _, _, err := c.Open(nil, md, ct); !errors.Is(err, ErrReplay) {
			t.Fatalf("second Open of an accepted frame: %v", err)
		}
	})
}
