package frame

import (
	"crypto/aes"
	"crypto/cipher"
	"strconv"
	"testing"
)

// Benchmarks of the hot path with the default suite, AES_256_GCM_SHA512_128,
// next to the raw crypto/cipher AES-256-GCM Seal they are built on, at the
// sizes of an Opus frame (64, 160 bytes), a packet (1200) and a video
// frame (16384). Compare Seal with RawGCMSeal in the same run.

var benchSizes = []int{64, 160, 1200, 16384}

// benchKID is a realistic MLS-derived KID (RFC 9605 §5.2): sender index 3,
// epoch 14, E = 4, so a one-byte extended KID.
const benchKID KID = 0x3e

func benchBaseKey() BaseKey {
	return NewBaseKey([]byte("0123456789abcdef0123456789abcdef"))
}

func BenchmarkSeal(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			c := newTestContext(b, Config{})
			if err := c.AddSendKey(benchKID, benchBaseKey()); err != nil {
				b.Fatal(err)
			}
			pt := make([]byte, size)
			dst := make([]byte, 0, size+c.MaxOverhead())
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Seal(dst, benchKID, nil, pt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSealMetadata is Seal with 4 bytes of metadata (a VP8 payload
// descriptor left in clear), which makes the AAD a copy of header ||
// metadata.
func BenchmarkSealMetadata(b *testing.B) {
	for _, size := range []int{160, 1200} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			c := newTestContext(b, Config{})
			if err := c.AddSendKey(benchKID, benchBaseKey()); err != nil {
				b.Fatal(err)
			}
			pt, md := make([]byte, size), []byte{0x90, 0x80, 0x12, 0x34}
			dst := make([]byte, 0, size+c.MaxOverhead())
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Seal(dst, benchKID, md, pt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen opens a rotating batch of distinct frames, so that every
// Open passes the replay window; the window is reset between batches.
func BenchmarkOpen(b *testing.B) {
	const batch = 64
	for _, size := range benchSizes {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			send := newTestContext(b, Config{})
			recv := newTestContext(b, Config{})
			if err := send.AddSendKey(benchKID, benchBaseKey()); err != nil {
				b.Fatal(err)
			}
			if err := recv.AddReceiveKey(benchKID, benchBaseKey()); err != nil {
				b.Fatal(err)
			}
			pt := make([]byte, size)
			frames := make([][]byte, batch)
			for i := range frames {
				var err error
				if frames[i], err = send.Seal(nil, benchKID, nil, pt); err != nil {
					b.Fatal(err)
				}
			}
			w := recv.lookup(benchKID).replay
			dst := make([]byte, 0, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, _, err := recv.Open(dst, nil, frames[i]); err != nil {
					b.Fatal(err)
				}
				if i++; i == batch {
					i = 0
					w.reset()
				}
			}
		})
	}
}

// BenchmarkRawGCMSeal is the baseline: crypto/cipher AES-256-GCM Seal with
// a fixed nonce and no additional data.
func BenchmarkRawGCMSeal(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			block, err := aes.NewCipher(make([]byte, 32))
			if err != nil {
				b.Fatal(err)
			}
			aead, err := cipher.NewGCM(block)
			if err != nil {
				b.Fatal(err)
			}
			nonce := make([]byte, aead.NonceSize())
			pt := make([]byte, size)
			dst := make([]byte, 0, size+aead.Overhead())
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				aead.Seal(dst, nonce, pt, nil)
			}
		})
	}
}
