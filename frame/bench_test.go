package frame

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"math"
	"testing"
	"time"
)

// Benchmarks of the hot path with the default suite, AES_256_GCM_SHA512_128,
// next to the raw crypto/cipher AES-256-GCM they are built on, at the sizes
// of an Opus frame (64, 160 bytes), a packet (1200) and a video frame
// (16384). Each benchmark has impl=raw (crypto/cipher alone: fixed nonce,
// no additional data) and impl=sframe (Context.Seal or Context.Open), so
// that
//
//	benchstat -col /impl bench.txt
//
// prints the SFrame cost next to its baseline from the same run.

var benchSizes = []int{64, 160, 1200, 16384}

// benchKID is a realistic MLS-derived KID (RFC 9605 §5.2): sender index 3,
// epoch 14, E = 4, so a one-byte extended KID.
const benchKID KID = 0x3e

func benchRawGCM(b *testing.B) cipher.AEAD {
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

func BenchmarkSeal(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("impl=raw/size=%d", size), func(b *testing.B) {
			aead := benchRawGCM(b)
			nonce := make([]byte, aead.NonceSize())
			pt := make([]byte, size)
			dst := make([]byte, 0, size+aead.Overhead())
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				aead.Seal(dst, nonce, pt, nil)
			}
		})
		b.Run(fmt.Sprintf("impl=sframe/size=%d", size), func(b *testing.B) {
			c, _ := pair(b, Config{}, benchKID)
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
// metadata; the raw baseline authenticates the same 6-byte AAD.
func BenchmarkSealMetadata(b *testing.B) {
	md := []byte{0x90, 0x80, 0x12, 0x34}
	for _, size := range []int{160, 1200} {
		b.Run(fmt.Sprintf("impl=raw/size=%d", size), func(b *testing.B) {
			aead := benchRawGCM(b)
			nonce := make([]byte, aead.NonceSize())
			pt, aad := make([]byte, size), append([]byte{0x80, 0x3e}, md...)
			dst := make([]byte, 0, size+aead.Overhead())
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				aead.Seal(dst, nonce, pt, aad)
			}
		})
		b.Run(fmt.Sprintf("impl=sframe/size=%d", size), func(b *testing.B) {
			c, _ := pair(b, Config{}, benchKID)
			pt := make([]byte, size)
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
// SFrame Open passes the replay window; the window is reset between
// batches.
func BenchmarkOpen(b *testing.B) {
	const batch = 64
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("impl=raw/size=%d", size), func(b *testing.B) {
			aead := benchRawGCM(b)
			nonce := make([]byte, aead.NonceSize())
			ct := aead.Seal(nil, nonce, make([]byte, size), nil)
			dst := make([]byte, 0, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := aead.Open(dst, nonce, ct, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("impl=sframe/size=%d", size), func(b *testing.B) {
			send, recv := pair(b, Config{}, benchKID)
			frames := make([][]byte, batch)
			for i := range frames {
				frames[i] = mustSeal(b, send, benchKID, nil, make([]byte, size))
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

// The paired benchmarks interleave a raw AES-256-GCM call and the SFrame
// call in alternating batches of pairedBatch calls and report the fastest
// batch of each, per call, and their ratio. On a shared, loaded machine a
// preempted batch takes far longer, so the fastest batches are the ones
// that measure the code rather than the scheduler, and alternating keeps
// both sides under the same conditions. ns/op covers both sides.
const pairedBatch = 64

// runPaired times raw and sframe (called with the index in the batch) in
// alternating batches; reset runs untimed after each SFrame batch.
func runPaired(b *testing.B, raw func(), sframe func(i int), reset func()) {
	b.ReportAllocs()
	minRaw, minSF := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		for range pairedBatch {
			raw()
		}
		t1 := time.Now()
		for i := range pairedBatch {
			sframe(i)
		}
		t2 := time.Now()
		reset()
		minRaw, minSF = min(minRaw, t1.Sub(t0)), min(minSF, t2.Sub(t1))
	}
	b.ReportMetric(float64(minRaw.Nanoseconds())/pairedBatch, "raw-ns/call")
	b.ReportMetric(float64(minSF.Nanoseconds())/pairedBatch, "sframe-ns/call")
	b.ReportMetric(float64(minSF)/float64(minRaw), "sframe/raw")
}

func BenchmarkSealPaired(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			aead := benchRawGCM(b)
			nonce := make([]byte, aead.NonceSize())
			c, _ := pair(b, Config{}, benchKID)
			pt := make([]byte, size)
			dst := make([]byte, 0, size+c.MaxOverhead())
			runPaired(b,
				func() { aead.Seal(dst, nonce, pt, nil) },
				func(int) {
					if _, err := c.Seal(dst, benchKID, nil, pt); err != nil {
						b.Fatal(err)
					}
				},
				func() {})
		})
	}
}

func BenchmarkOpenPaired(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			aead := benchRawGCM(b)
			nonce := make([]byte, aead.NonceSize())
			rawCT := aead.Seal(nil, nonce, make([]byte, size), nil)
			send, recv := pair(b, Config{}, benchKID)
			frames := make([][]byte, pairedBatch)
			for i := range frames {
				frames[i] = mustSeal(b, send, benchKID, nil, make([]byte, size))
			}
			w := recv.lookup(benchKID).replay
			dst := make([]byte, 0, size)
			runPaired(b,
				func() {
					if _, err := aead.Open(dst, nonce, rawCT, nil); err != nil {
						b.Fatal(err)
					}
				},
				func(i int) {
					if _, _, err := recv.Open(dst, nil, frames[i]); err != nil {
						b.Fatal(err)
					}
				},
				w.reset)
		})
	}
}
