package e2ee

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

// These tests show that the clear part is bound to the ciphertext: every
// byte in front of the SFrame ciphertext is the metadata handed to the
// AEAD, so flipping any bit of it makes the receiver drop the frame.
//
// They run twice: on sframeAEAD below, a minimal stand-in written before
// package frame existed (AES-256-GCM with AAD = header || metadata and
// nonce = salt XOR CTR, as RFC 9605 §4.4.3 and §4.4.4 specify), and on the
// real frame.Context through frameSealer. session_codec_test.go runs the
// same checks through Session.Seal and Session.Open.
type sframeSealer interface {
	// Seal appends the SFrame ciphertext (header || AEAD output) of
	// plaintext, authenticated together with metadata, to dst.
	Seal(dst, metadata, plaintext []byte) []byte
	// Open authenticates and decrypts an SFrame ciphertext and appends the
	// plaintext to dst.
	Open(dst, metadata, ciphertext []byte) ([]byte, error)
}

// sframeAEAD is a minimal SFrame stand-in: one key, KID 0, an 8-byte CTR.
type sframeAEAD struct {
	aead cipher.AEAD
	salt [12]byte
	ctr  uint64
	// lastAAD is the AAD of the last Seal, for the test to inspect.
	lastAAD []byte
}

// sframeHeaderConfig is the RFC 9605 §4.3 config byte X=0 KID=0, Y=1, C=7:
// an 8-byte CTR follows.
const sframeHeaderConfig = 0x0f

func newSFrameAEAD(t testing.TB) *sframeAEAD {
	t.Helper()
	key := bytes.Repeat([]byte{0x5a}, 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	s := &sframeAEAD{aead: aead}
	copy(s.salt[:], "sealroom-slt")
	return s
}

func (s *sframeAEAD) nonce(ctr uint64) []byte {
	n := s.salt
	binary.BigEndian.PutUint64(n[4:], binary.BigEndian.Uint64(n[4:])^ctr)
	return n[:]
}

func (s *sframeAEAD) Seal(dst, metadata, plaintext []byte) []byte {
	s.ctr++
	start := len(dst)
	dst = append(dst, sframeHeaderConfig)
	dst = binary.BigEndian.AppendUint64(dst, s.ctr)
	header := dst[start:]
	s.lastAAD = append(append([]byte{}, header...), metadata...)
	return s.aead.Seal(dst, s.nonce(s.ctr), plaintext, s.lastAAD)
}

func (s *sframeAEAD) Open(dst, metadata, ct []byte) ([]byte, error) {
	if len(ct) < 9 || ct[0] != sframeHeaderConfig {
		return dst, errors.New("sframe stand-in: bad header")
	}
	aad := append(append([]byte{}, ct[:9]...), metadata...)
	return s.aead.Open(dst, s.nonce(binary.BigEndian.Uint64(ct[1:9])), ct[9:], aad)
}

// frameSealer is a pair of frame.Contexts, one sending and one receiving
// under the same KID and base key, behind sframeSealer.
type frameSealer struct {
	t        testing.TB
	kid      frame.KID
	snd, rcv *frame.Context
}

func newFrameSealer(t testing.TB) *frameSealer {
	t.Helper()
	f := &frameSealer{t: t, kid: 0x35}
	base := frame.NewBaseKey(bytes.Repeat([]byte{0x5a}, frame.DefaultSuite.KeySize()))
	var err error
	if f.snd, err = frame.NewContext(frame.Config{}); err == nil {
		if err = f.snd.AddSendKey(f.kid, base); err == nil {
			if f.rcv, err = frame.NewContext(frame.Config{}); err == nil {
				err = f.rcv.AddReceiveKey(f.kid, base)
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *frameSealer) Seal(dst, metadata, plaintext []byte) []byte {
	out, err := f.snd.Seal(dst, f.kid, metadata, plaintext)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *frameSealer) Open(dst, metadata, ct []byte) ([]byte, error) {
	out, _, err := f.rcv.Open(dst, metadata, ct)
	return out, err
}

// sealers returns the stand-in and the real SFrame, by name.
func sealers(t testing.TB) map[string]sframeSealer {
	return map[string]sframeSealer{"stand-in": newSFrameAEAD(t), "frame": newFrameSealer(t)}
}

// sealPacket is the Session's send path: split, then Seal with the packet
// prefix as metadata.
func sealPacket(t testing.TB, s sframeSealer, c Codec, frame []byte) []byte {
	t.Helper()
	prefix, payload, err := c.split(nil, frame)
	if err != nil {
		t.Fatal(err)
	}
	return s.Seal(prefix, prefix, payload)
}

// openStage names where openPacket rejected a packet.
type openStage int

const (
	openOK openStage = iota
	stageParse
	stageInfo
	stageOpen
	stageJoin
)

// openPacket is the Session's receive path, in the documented order:
// framing, structural check of the clear part, Open, join.
func openPacket(s sframeSealer, pkt []byte) ([]byte, openStage) {
	p, err := ParsePacket(pkt)
	if err != nil {
		return nil, stageParse
	}
	if _, err := p.Info(); err != nil {
		return nil, stageInfo
	}
	pt, err := s.Open(nil, p.Metadata, p.SFrame)
	if err != nil {
		return nil, stageOpen
	}
	frame, err := p.Codec.join(nil, p.Clear, pt)
	if err != nil {
		return nil, stageJoin
	}
	return frame, openOK
}

func TestClearBytesAreTheAAD(t *testing.T) {
	s := newSFrameAEAD(t)
	frames := 0
	for _, smp := range loadSamples(t) {
		for _, frame := range smp.frames {
			pkt := sealPacket(t, s, smp.codec, frame)
			p, err := ParsePacket(pkt)
			if err != nil {
				t.Fatal(err)
			}
			// The AAD is the SFrame header followed by exactly the bytes in
			// front of the SFrame ciphertext, which hold the clear part.
			want := append(append([]byte{}, p.SFrame[:9]...), pkt[:len(p.Metadata)]...)
			if !bytes.Equal(s.lastAAD, want) || !bytes.Equal(p.Metadata, pkt[:len(pkt)-len(p.SFrame)]) {
				t.Fatalf("%s: AAD %x, want header || packet prefix %x", smp.file, s.lastAAD, want)
			}
			if !bytes.Contains(p.Metadata, p.Clear) || len(p.Metadata) < len(p.Clear)+2 {
				t.Fatalf("%s: clear part is not inside the metadata", smp.file)
			}
			frames++
		}
	}
	if frames == 0 {
		t.Fatal("no frames")
	}
}

// TestFlipClearByteFailsOpen flips every bit of the clear prefix of every
// sample frame, and a sample of ciphertext bits, and requires that the
// receive path never yields a frame. It also counts where each flip was
// caught: a flip that still parses must be caught by the AEAD.
func TestFlipClearByteFailsOpen(t *testing.T) {
	for name, s := range sealers(t) {
		t.Run(name, func(t *testing.T) { testFlipClearByteFailsOpen(t, s) })
	}
}

func testFlipClearByteFailsOpen(t *testing.T, s sframeSealer) {
	stages := map[openStage]int{}
	flips := 0
	for _, smp := range loadSamples(t) {
		for i, f := range smp.frames {
			pkt := sealPacket(t, s, smp.codec, f)
			got, stage := openPacket(s, pkt)
			if stage != openOK || !bytes.Equal(got, f) {
				t.Fatalf("%s frame %d: round trip failed at stage %d", smp.file, i, stage)
			}
			prefixLen := len(pkt) - len(mustParse(t, pkt).SFrame)
			for bit := 0; bit < 8*prefixLen; bit++ {
				bad := bytes.Clone(pkt)
				bad[bit/8] ^= 1 << (bit % 8)
				if _, stage := openPacket(s, bad); stage == openOK {
					t.Fatalf("%s frame %d: flipping bit %d of the clear prefix went unnoticed", smp.file, i, bit)
				} else {
					stages[stage]++
				}
				flips++
			}
			// Every bit of the SFrame header (the stand-in's is always
			// 9 bytes, and not minimal, so frame does not parse it).
			hl := 9
			if _, rest, err := frame.ParseHeader(pkt[prefixLen:]); err == nil {
				hl = len(pkt) - prefixLen - len(rest)
			}
			for bit := 8 * prefixLen; bit < 8*(prefixLen+hl); bit++ {
				bad := bytes.Clone(pkt)
				bad[bit/8] ^= 1 << (bit % 8)
				if _, stage := openPacket(s, bad); stage == openOK {
					t.Fatalf("%s frame %d: flipping SFrame header bit %d went unnoticed", smp.file, i, bit-8*prefixLen)
				}
				flips++
			}
			// Ciphertext bits: every 97th bit.
			for bit := 8 * (prefixLen + hl); bit < 8*len(pkt); bit += 97 {
				bad := bytes.Clone(pkt)
				bad[bit/8] ^= 1 << (bit % 8)
				if _, stage := openPacket(s, bad); stage == openOK {
					t.Fatalf("%s frame %d: flipping ciphertext bit %d went unnoticed", smp.file, i, bit)
				}
				flips++
			}
		}
	}
	if stages[stageOpen] == 0 {
		t.Fatal("no flip reached the AEAD: the test does not exercise the binding")
	}
	t.Logf("%d flips rejected; clear-prefix flips caught by ParsePacket %d, Info %d, Open %d, join %d",
		flips, stages[stageParse], stages[stageInfo], stages[stageOpen], stages[stageJoin])
}

// TestSpliceClearPart moves the clear part of one frame in front of the
// ciphertext of another frame of the same codec; the receiver must reject
// it even where the two clear parts have the same length.
func TestSpliceClearPart(t *testing.T) {
	for name, s := range sealers(t) {
		t.Run(name, func(t *testing.T) { testSpliceClearPart(t, s) })
	}
}

func testSpliceClearPart(t *testing.T, s sframeSealer) {
	spliced := 0
	for _, smp := range loadSamples(t) {
		pkts := make([][]byte, len(smp.frames))
		for i, frame := range smp.frames {
			pkts[i] = sealPacket(t, s, smp.codec, frame)
		}
		for i := range pkts {
			j := (i + 1) % len(pkts)
			pi, pj := mustParse(t, pkts[i]), mustParse(t, pkts[j])
			bad := append(bytes.Clone(pi.Metadata), pj.SFrame...)
			if bytes.Equal(pi.Metadata, pj.Metadata) {
				continue // identical clear parts: nothing was moved
			}
			if _, stage := openPacket(s, bad); stage == openOK {
				t.Fatalf("%s: clear part of frame %d accepted with frame %d", smp.file, i, j)
			}
			spliced++
		}
	}
	if spliced == 0 {
		t.Fatal("no splice tried")
	}
}

func mustParse(t testing.TB, pkt []byte) Packet {
	t.Helper()
	p, err := ParsePacket(pkt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
