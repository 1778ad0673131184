package gcm

import (
	"crypto/cipher"
	"fmt"
	"testing"
)

// benchSizes are the frame sizes of the side-by-side benchmarks: audio
// frames (16-160 B), a video packet (1200 B) and larger video frames.
var benchSizes = []int{16, 64, 160, 512, 1200, 4096, 16384, 65536}

// benchAAD is the additional data of every benchmark, the size of a short
// SFrame header plus a few bytes of codec metadata (RFC 9605 §4.3).
var benchAAD = fill(10, 1)

// benchImpls returns the AEADs to compare: crypto/cipher itself ("stdlib")
// and each assembly path this CPU supports, all with the same key.
func benchImpls(b *testing.B) []struct {
	name string
	aead cipher.AEAD
} {
	key := fill(32, 2)
	impls := []struct {
		name string
		aead cipher.AEAD
	}{{"stdlib", mustStd(b, key)}}
	for _, im := range []impl{implAVX512, implAVX2} {
		if !supported(im) {
			b.Logf("path %s not benchmarked: this CPU or build lacks it", im)
			continue
		}
		impls = append(impls, struct {
			name string
			aead cipher.AEAD
		}{im.String(), mustNew(b, key, im)})
	}
	return impls
}

// BenchmarkSeal compares Seal of each path with crypto/cipher at each size;
// sub-benchmarks are named size=N/impl=NAME (benchstat -col /impl).
func BenchmarkSeal(b *testing.B) {
	impls := benchImpls(b)
	nonce := fill(NonceSize, 3)
	for _, n := range benchSizes {
		p := fill(n, 4)
		dst := make([]byte, 0, n+TagSize)
		for _, im := range impls {
			b.Run(fmt.Sprintf("size=%d/impl=%s", n, im.name), func(b *testing.B) {
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					im.aead.Seal(dst, nonce, p, benchAAD)
				}
			})
		}
	}
}

// BenchmarkOpen is BenchmarkSeal for Open of a valid ciphertext.
func BenchmarkOpen(b *testing.B) {
	impls := benchImpls(b)
	nonce := fill(NonceSize, 3)
	for _, n := range benchSizes {
		ct := impls[0].aead.Seal(nil, nonce, fill(n, 4), benchAAD)
		dst := make([]byte, 0, n)
		for _, im := range impls {
			b.Run(fmt.Sprintf("size=%d/impl=%s", n, im.name), func(b *testing.B) {
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := im.aead.Open(dst, nonce, ct, benchAAD); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
