package e2ee

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"strings"
	"testing"
)

type benchFrame struct {
	name  string
	codec Codec
	frame []byte
}

// benchFrames returns, per sample file, its first key frame and the frame
// after it, plus a large H.264 access unit (the sample's first access unit
// repeated to about 100 KB, the size of a 720p key frame) to measure the
// start-code scan where it costs most.
func benchFrames(b *testing.B) []benchFrame {
	var out []benchFrame
	for _, s := range loadSamples(b) {
		name := s.file[:strings.LastIndexByte(s.file, '.')]
		out = append(out,
			benchFrame{name + "/key", s.codec, s.frames[0]},
			benchFrame{name + "/next", s.codec, s.frames[1]})
		if s.codec == CodecH264 {
			big := bytes.Repeat(s.frames[0], 100<<10/len(s.frames[0]))
			out = append(out, benchFrame{name + "/100KB", s.codec, big})
		}
	}
	return out
}

func BenchmarkSplit(b *testing.B) {
	for _, bf := range benchFrames(b) {
		b.Run(bf.name, func(b *testing.B) {
			dst := make([]byte, 0, MaxClearLen+3)
			b.SetBytes(int64(len(bf.frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := bf.codec.split(dst, bf.frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJoin(b *testing.B) {
	for _, bf := range benchFrames(b) {
		b.Run(bf.name, func(b *testing.B) {
			_, clear, payload := splitClear(b, bf.codec, bf.frame)
			dst := make([]byte, 0, len(bf.frame))
			b.SetBytes(int64(len(bf.frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bf.codec.join(dst, clear, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParsePacket is the relay's per-frame cost: framing plus the
// clear part.
func BenchmarkParsePacket(b *testing.B) {
	for _, bf := range benchFrames(b) {
		b.Run(bf.name, func(b *testing.B) {
			prefix, _, _ := splitClear(b, bf.codec, bf.frame)
			pkt := append(prefix, bytes.Repeat([]byte{0xaa}, 64)...)
			b.ReportAllocs()
			for b.Loop() {
				p, err := ParsePacket(pkt)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Info(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSeal compares, side by side in one run, sealing the frame as it
// is ("raw": AES-256-GCM over the frame with a 9-byte SFrame header as AAD)
// with the sender path the Session will run ("policy": split, then the
// same AEAD with header || packet prefix as AAD). The difference is the
// policy's share of the Session's Seal budget; frame.Seal replaces the
// stand-in AEAD in the Session's own benchmarks.
func BenchmarkSeal(b *testing.B) {
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	header := []byte{sframeHeaderConfig, 0, 0, 0, 0, 0, 0, 0, 1}
	for _, bf := range benchFrames(b) {
		out := make([]byte, 0, len(bf.frame)+MaxClearLen+64)
		aad := make([]byte, 0, MaxClearLen+64)
		b.Run(bf.name+"/raw", func(b *testing.B) {
			b.SetBytes(int64(len(bf.frame)))
			b.ReportAllocs()
			for b.Loop() {
				aead.Seal(out[:0], nonce, bf.frame, header)
			}
		})
		b.Run(bf.name+"/policy", func(b *testing.B) {
			b.SetBytes(int64(len(bf.frame)))
			b.ReportAllocs()
			for b.Loop() {
				prefix, payload, err := bf.codec.split(out[:0], bf.frame)
				if err != nil {
					b.Fatal(err)
				}
				a := append(append(aad[:0], header...), prefix...)
				aead.Seal(prefix, nonce, payload, a)
			}
		})
	}
}
