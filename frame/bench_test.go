package frame

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/sealroom/sealroom/frame/internal/gcm"
)

// Benchmarks of the hot path with the default suite, AES_256_GCM_SHA512_128,
// next to the AES-256-GCM they are built on, at the sizes of an Opus frame
// (64, 160 bytes), a packet (1200) and a video frame (16384). Each
// benchmark has three impls:
//
//	raw     crypto/cipher's AES-256-GCM alone (fixed nonce, the same AAD)
//	gcm     the AEAD Context uses, frame/internal/gcm's, alone: the floor
//	        of Context's cost, so sframe - gcm is what this package adds
//	sframe  Context.Seal or Context.Open
//
// so that
//
//	benchstat -col /impl bench.txt
//
// prints the SFrame cost next to its baselines from the same run.

var benchSizes = []int{64, 160, 1200, 16384}

// benchKID is a realistic MLS-derived KID (RFC 9605 §5.2): sender index 3,
// epoch 14, E = 4, so a one-byte extended KID.
const benchKID KID = 0x3e

// benchMetadata is what the e2ee Session passes as metadata for a VP8
// inter frame: codec byte, clear length, the frame's first byte.
var benchMetadata = []byte{0x01, 0x01, 0x31}

// benchAAD returns the AAD Context builds for benchKID at a one-byte CTR
// (header || metadata), for the baselines.
func benchAAD(md []byte) []byte {
	return append([]byte{0x80, byte(benchKID)}, md...)
}

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

func benchGCM(b *testing.B) cipher.AEAD {
	aead, err := gcm.New(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

// benchAEADs are the baselines, by impl name.
var benchAEADs = []struct {
	name string
	new  func(*testing.B) cipher.AEAD
}{{"raw", benchRawGCM}, {"gcm", benchGCM}}

func benchSeal(b *testing.B, sizes []int, md []byte) {
	for _, size := range sizes {
		for _, a := range benchAEADs {
			b.Run(fmt.Sprintf("impl=%s/size=%d", a.name, size), func(b *testing.B) {
				aead := a.new(b)
				nonce := make([]byte, aead.NonceSize())
				pt, aad := make([]byte, size), benchAAD(md)
				dst := make([]byte, 0, size+aead.Overhead())
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					aead.Seal(dst, nonce, pt, aad)
				}
			})
		}
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

func BenchmarkSeal(b *testing.B) { benchSeal(b, benchSizes, nil) }

// BenchmarkSealMetadata is Seal with 3 bytes of metadata (the e2ee packet
// prefix of a VP8 inter frame), which makes the AAD a copy of header ||
// metadata; the baselines authenticate the same 5-byte AAD.
func BenchmarkSealMetadata(b *testing.B) { benchSeal(b, []int{160, 1200}, benchMetadata) }

// benchOpen opens a rotating batch of distinct frames, so that every
// SFrame Open passes the replay window; the window is reset between
// batches.
func benchOpen(b *testing.B, sizes []int, md []byte) {
	const batch = 64
	for _, size := range sizes {
		for _, a := range benchAEADs {
			b.Run(fmt.Sprintf("impl=%s/size=%d", a.name, size), func(b *testing.B) {
				aead := a.new(b)
				nonce, aad := make([]byte, aead.NonceSize()), benchAAD(md)
				ct := aead.Seal(nil, nonce, make([]byte, size), aad)
				dst := make([]byte, 0, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := aead.Open(dst, nonce, ct, aad); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("impl=sframe/size=%d", size), func(b *testing.B) {
			send, recv := pair(b, Config{}, benchKID)
			frames := make([][]byte, batch)
			for i := range frames {
				frames[i] = mustSeal(b, send, benchKID, md, make([]byte, size))
			}
			e := recv.lookup(benchKID)
			dst := make([]byte, 0, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, _, err := recv.Open(dst, md, frames[i]); err != nil {
					b.Fatal(err)
				}
				if i++; i == batch {
					i = 0
					e.resetReplay()
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) { benchOpen(b, benchSizes, nil) }

// BenchmarkOpenMetadata is Open with the metadata of BenchmarkSealMetadata.
func BenchmarkOpenMetadata(b *testing.B) { benchOpen(b, []int{160, 1200}, benchMetadata) }

// The paired benchmarks interleave the raw crypto/cipher call, the bare
// frame/internal/gcm call and the SFrame call in alternating batches of
// pairedBatch calls and report the fastest batch of each, per call, and
// the ratios. On a shared, loaded machine a preempted batch takes far
// longer, so the fastest batches are the ones that measure the code rather
// than the scheduler, and alternating keeps every side under the same
// conditions. ns/op covers all sides.
const pairedBatch = 64

// runPaired times raw, bare and sframe (called with the index in the
// batch) in alternating batches; reset runs after each round (it is
// cheap, and stopping the timer would cost more than it does).
func runPaired(b *testing.B, raw, bare func(), sframe func(i int), reset func()) {
	b.ReportAllocs()
	minRaw, minGCM, minSF := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		for range pairedBatch {
			raw()
		}
		t1 := time.Now()
		for range pairedBatch {
			bare()
		}
		t2 := time.Now()
		for i := range pairedBatch {
			sframe(i)
		}
		t3 := time.Now()
		reset()
		minRaw, minGCM, minSF = min(minRaw, t1.Sub(t0)), min(minGCM, t2.Sub(t1)), min(minSF, t3.Sub(t2))
	}
	b.ReportMetric(float64(minRaw.Nanoseconds())/pairedBatch, "raw-ns/call")
	b.ReportMetric(float64(minGCM.Nanoseconds())/pairedBatch, "gcm-ns/call")
	b.ReportMetric(float64(minSF.Nanoseconds())/pairedBatch, "sframe-ns/call")
	b.ReportMetric(float64(minSF)/float64(minRaw), "sframe/raw")
	b.ReportMetric(float64(minSF)/float64(minGCM), "sframe/gcm")
}

// pairedCases are the paired benchmarks' sizes and metadata: every size
// without metadata, and the e2ee Session's sizes with a VP8 prefix.
func pairedCases() (cases []struct {
	name string
	size int
	md   []byte
}) {
	for _, size := range benchSizes {
		cases = append(cases, struct {
			name string
			size int
			md   []byte
		}{fmt.Sprintf("size=%d", size), size, nil})
	}
	for _, size := range []int{160, 1200} {
		cases = append(cases, struct {
			name string
			size int
			md   []byte
		}{fmt.Sprintf("size=%d/md=%d", size, len(benchMetadata)), size, benchMetadata})
	}
	return cases
}

func BenchmarkSealPaired(b *testing.B) {
	for _, pc := range pairedCases() {
		b.Run(pc.name, func(b *testing.B) {
			raw, bare := benchRawGCM(b), benchGCM(b)
			nonce, aad := make([]byte, gcm.NonceSize), benchAAD(pc.md)
			c, _ := pair(b, Config{}, benchKID)
			pt := make([]byte, pc.size)
			dst := make([]byte, 0, pc.size+c.MaxOverhead())
			runPaired(b,
				func() { raw.Seal(dst, nonce, pt, aad) },
				func() { bare.Seal(dst, nonce, pt, aad) },
				func(int) {
					if _, err := c.Seal(dst, benchKID, pc.md, pt); err != nil {
						b.Fatal(err)
					}
				},
				func() {})
		})
	}
}

func BenchmarkOpenPaired(b *testing.B) {
	for _, pc := range pairedCases() {
		b.Run(pc.name, func(b *testing.B) {
			raw, bare := benchRawGCM(b), benchGCM(b)
			nonce, aad := make([]byte, gcm.NonceSize), benchAAD(pc.md)
			rawCT := raw.Seal(nil, nonce, make([]byte, pc.size), aad)
			send, recv := pair(b, Config{}, benchKID)
			frames := make([][]byte, pairedBatch)
			for i := range frames {
				frames[i] = mustSeal(b, send, benchKID, pc.md, make([]byte, pc.size))
			}
			e := recv.lookup(benchKID)
			dst := make([]byte, 0, pc.size)
			runPaired(b,
				func() {
					if _, err := raw.Open(dst, nonce, rawCT, aad); err != nil {
						b.Fatal(err)
					}
				},
				func() {
					if _, err := bare.Open(dst, nonce, rawCT, aad); err != nil {
						b.Fatal(err)
					}
				},
				func(i int) {
					if _, _, err := recv.Open(dst, pc.md, frames[i]); err != nil {
						b.Fatal(err)
					}
				},
				e.resetReplay)
		})
	}
}
