package gcm

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

var allImpls = []impl{implGeneric, implAVX2, implAVX512}

var logPaths sync.Once

// forEachPath runs f once per code path as a subtest named after the path.
// A path is skipped, with a message naming it, only when this CPU (or
// build) cannot run it.
func forEachPath(t *testing.T, f func(t *testing.T, im impl)) {
	t.Helper()
	logPaths.Do(func() {
		var ran, lacks []string
		for _, im := range allImpls {
			if supported(im) {
				ran = append(ran, im.String())
			} else {
				lacks = append(lacks, im.String())
			}
		}
		if lacks == nil {
			lacks = []string{"none"}
		}
		t.Logf("gcm paths exercised on this CPU/build: %s; not available: %s; default: %s",
			strings.Join(ran, ", "), strings.Join(lacks, ", "), Implementation())
	})
	for _, im := range allImpls {
		t.Run(im.String(), func(t *testing.T) {
			if !supported(im) {
				t.Skipf("path %s not run: this CPU or build lacks it (default path is %s)", im, defaultImpl)
			}
			f(t, im)
		})
	}
}

// fill returns n bytes of a fixed pseudo-random pattern seeded by seed.
func fill(n int, seed uint32) []byte {
	b := make([]byte, n)
	x := seed*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x >> 8)
	}
	return b
}

func mustNew(t testing.TB, key []byte, im impl) *aead {
	t.Helper()
	g, err := newAEAD(key, im)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustStd(t testing.TB, key []byte) cipher.AEAD {
	t.Helper()
	a, err := newGeneric(key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// check seals with g and ref, compares, and opens the result with g.
func check(t *testing.T, g *aead, ref cipher.AEAD, nonce, p, a []byte) bool {
	t.Helper()
	want := ref.Seal(nil, nonce, p, a)
	got := g.Seal(nil, nonce, p, a)
	if !bytes.Equal(got, want) {
		t.Errorf("Seal(len %d, aad %d) = %x...\nwant %x...", len(p), len(a), got[len(got)-TagSize:], want[len(want)-TagSize:])
		return false
	}
	pt, err := g.Open(nil, nonce, want, a)
	if err != nil || !bytes.Equal(pt, p) {
		t.Errorf("Open(len %d, aad %d): err %v, plaintext equal %v", len(p), len(a), err, bytes.Equal(pt, p))
		return false
	}
	return true
}

func TestNewKeySizes(t *testing.T) {
	for _, n := range []int{0, 1, 15, 17, 24, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) succeeded", n)
		}
	}
	for _, n := range []int{16, 32} {
		a, err := New(make([]byte, n))
		if err != nil {
			t.Fatalf("New(%d-byte key): %v", n, err)
		}
		if a.NonceSize() != NonceSize || a.Overhead() != TagSize {
			t.Errorf("NonceSize, Overhead = %d, %d", a.NonceSize(), a.Overhead())
		}
	}
	for _, im := range allImpls {
		if _, err := newAEAD(make([]byte, 32), im); (err == nil) != supported(im) {
			t.Errorf("newAEAD(%v) error %v, supported %v", im, err, supported(im))
		}
	}
}

// TestAllLengths compares every plaintext length 0..1024 with crypto/cipher,
// with AAD lengths cycling through 0..64.
func TestAllLengths(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		for _, kl := range []int{16, 32} {
			key := fill(kl, uint32(kl))
			g, ref := mustNew(t, key, im), mustStd(t, key)
			fails := 0
			for n := 0; n <= 1024; n++ {
				nonce := fill(NonceSize, uint32(n))
				if !check(t, g, ref, nonce, fill(n, uint32(n)+7), fill(n%65, uint32(n)+9)) {
					if fails++; fails > 5 {
						t.Fatal("too many failures")
					}
				}
			}
		}
	})
}

// TestAADLengths covers every AAD length 0..64 against several text
// lengths, and some large AADs.
func TestAADLengths(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		for _, kl := range []int{16, 32} {
			key := fill(kl, 99)
			g, ref := mustNew(t, key, im), mustStd(t, key)
			nonce := fill(NonceSize, 5)
			for _, n := range []int{0, 1, 15, 16, 17, 64, 100, 160, 255, 256, 257, 1200} {
				for al := 0; al <= 64; al++ {
					check(t, g, ref, nonce, fill(n, 1), fill(al, 2))
				}
				for _, al := range []int{127, 128, 129, 255, 256, 257, 1000, 4096 + 7, 70000} {
					check(t, g, ref, nonce, fill(n, 3), fill(al, 4))
				}
			}
		}
	})
}

// TestLongTexts compares a selection of lengths up to 1 MiB.
func TestLongTexts(t *testing.T) {
	lengths := []int{1536, 2047, 2048, 2049, 4095, 4096, 4097, 8191, 16384, 16384 + 3,
		65536 - 1, 65536, 100000, 1<<20 - 1, 1 << 20}
	forEachPath(t, func(t *testing.T, im impl) {
		for _, kl := range []int{16, 32} {
			key := fill(kl, 3)
			g, ref := mustNew(t, key, im), mustStd(t, key)
			for _, n := range lengths {
				check(t, g, ref, fill(NonceSize, uint32(n)), fill(n, uint32(n)), fill(n%97, 1))
			}
		}
	})
}

// TestCounterField checks nonces whose bytes are all 0xff or 0x00: the
// 32-bit counter field lies outside the nonce, so no carry may reach it.
func TestCounterField(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		key := fill(32, 8)
		g, ref := mustNew(t, key, im), mustStd(t, key)
		for _, nonce := range [][]byte{bytes.Repeat([]byte{0xff}, 12), make([]byte, 12)} {
			for _, n := range []int{0, 16, 255, 256, 300, 5000} {
				check(t, g, ref, nonce, fill(n, 2), nil)
			}
		}
	})
}

// TestUnaligned uses source, destination and AAD at every offset 1..63.
func TestUnaligned(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		key := fill(32, 11)
		g, ref := mustNew(t, key, im), mustStd(t, key)
		nonce := fill(NonceSize, 12)
		for _, n := range []int{1, 17, 100, 255, 256, 1000} {
			p, a := fill(n, 13), fill(21, 14)
			want := ref.Seal(nil, nonce, p, a)
			for off := 1; off < 64; off++ {
				pb := make([]byte, off+n)
				copy(pb[off:], p)
				ab := make([]byte, off+len(a))
				copy(ab[off:], a)
				db := make([]byte, off, off+n+TagSize)
				got := g.Seal(db[off:off], nonce, pb[off:], ab[off:])
				if !bytes.Equal(got, want) {
					t.Fatalf("n %d offset %d: Seal mismatch", n, off)
				}
				cb := make([]byte, off+len(want))
				copy(cb[off:], want)
				pt, err := g.Open(db[off:off], nonce, cb[off:], ab[off:])
				if err != nil || !bytes.Equal(pt, p) {
					t.Fatalf("n %d offset %d: Open: %v", n, off, err)
				}
			}
		}
	})
}

// TestAppend checks that Seal and Open append to dst and keep its prefix.
func TestAppend(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		key := fill(16, 15)
		g, ref := mustNew(t, key, im), mustStd(t, key)
		nonce, p, a := fill(NonceSize, 1), fill(77, 2), fill(9, 3)
		prefix := []byte("prefix")
		want := append(append([]byte{}, prefix...), ref.Seal(nil, nonce, p, a)...)
		for _, c := range []int{len(prefix), 1000} {
			dst := append(make([]byte, 0, c), prefix...)
			ct := g.Seal(dst, nonce, p, a)
			if !bytes.Equal(ct, want) {
				t.Fatalf("cap %d: Seal appended %x, want %x", c, ct, want)
			}
			dst = append(make([]byte, 0, c), prefix...)
			pt, err := g.Open(dst, nonce, ct[len(prefix):], a)
			if err != nil || !bytes.Equal(pt, append(append([]byte{}, prefix...), p...)) {
				t.Fatalf("cap %d: Open: %v", c, err)
			}
		}
	})
}

// TestInPlace seals and opens with dst[:0] aliasing the input exactly.
func TestInPlace(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		key := fill(32, 16)
		g, ref := mustNew(t, key, im), mustStd(t, key)
		nonce, a := fill(NonceSize, 17), fill(13, 18)
		for _, n := range []int{0, 1, 15, 16, 63, 64, 65, 255, 256, 257, 1000, 4097} {
			p := fill(n, uint32(n))
			want := ref.Seal(nil, nonce, p, a)
			buf := make([]byte, n, n+TagSize)
			copy(buf, p)
			ct := g.Seal(buf[:0], nonce, buf, a)
			if !bytes.Equal(ct, want) {
				t.Fatalf("n %d: in-place Seal mismatch", n)
			}
			pt, err := g.Open(ct[:0], nonce, ct, a)
			if err != nil || !bytes.Equal(pt, p) {
				t.Fatalf("n %d: in-place Open: %v", n, err)
			}
		}
	})
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

// TestPanics checks the crypto/cipher panics: inexact overlap of output and
// input, any overlap of output and AAD, and a wrong nonce length.
func TestPanics(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		g := mustNew(t, fill(32, 19), im)
		nonce := fill(NonceSize, 20)
		for _, n := range []int{16, 100} {
			buf := make([]byte, 2*n+64)
			mustPanic(t, "Seal with dst one byte ahead of plaintext", func() {
				g.Seal(buf[1:1], nonce, buf[:n], nil)
			})
			mustPanic(t, "Seal with plaintext one byte ahead of dst", func() {
				g.Seal(buf[:0], nonce, buf[1:n+1], nil)
			})
			mustPanic(t, "Seal with dst overlapping AAD", func() {
				g.Seal(buf[:0], nonce, make([]byte, n), buf[n:n+8])
			})
			ct := g.Seal(nil, nonce, make([]byte, n), nil)
			cbuf := make([]byte, 2*len(ct)+64)
			copy(cbuf[1:], ct)
			mustPanic(t, "Open with dst one byte behind ciphertext", func() {
				g.Open(cbuf[:0], nonce, cbuf[1:1+len(ct)], nil) //nolint:errcheck
			})
			copy(cbuf, ct)
			mustPanic(t, "Open with dst one byte ahead of ciphertext", func() {
				g.Open(cbuf[1:1], nonce, cbuf[:len(ct)], nil) //nolint:errcheck
			})
			mustPanic(t, "Open with dst overlapping AAD", func() {
				g.Open(cbuf[:0], nonce, ct, cbuf[4:12]) //nolint:errcheck
			})
		}
		for _, nl := range []int{0, 8, 11, 13, 16} {
			mustPanic(t, fmt.Sprintf("Seal with %d-byte nonce", nl), func() { g.Seal(nil, make([]byte, nl), nil, nil) })
			mustPanic(t, fmt.Sprintf("Open with %d-byte nonce", nl), func() {
				g.Open(nil, make([]byte, nl), make([]byte, 32), nil) //nolint:errcheck
			})
		}
		// Overlap that is exact, or with memory beyond the slices' lengths, is allowed.
		buf := make([]byte, 200)
		g.Seal(buf[:0], nonce, buf[:100], nil)
		g.Seal(buf[100:100], nonce, buf[:50], buf[170:180])
	})
}

// TestTamper checks that any change to tag, ciphertext, AAD or nonce is
// rejected with the one error, a nil result and a zeroed output region.
func TestTamper(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		for _, kl := range []int{16, 32} {
			g := mustNew(t, fill(kl, 21), im)
			nonce := fill(NonceSize, 22)
			for _, n := range []int{0, 1, 16, 33, 64, 200, 256, 1000} {
				p, a := fill(n, 23), fill(n%40+1, 24)
				ct := g.Seal(nil, nonce, p, a)
				reject := func(what string, nonce, ct, a []byte) {
					t.Helper()
					dst := bytes.Repeat([]byte{0xaa}, 8+len(ct))
					pt, err := g.Open(dst[:8], nonce, ct, a)
					if err == nil || pt != nil || !errors.Is(err, errOpen) {
						t.Fatalf("n %d: %s: Open = %x, %v", n, what, pt, err)
					}
					if !bytes.Equal(dst[:8], bytes.Repeat([]byte{0xaa}, 8)) {
						t.Fatalf("n %d: %s: Open changed dst before len(dst)", n, what)
					}
					if len(ct) < TagSize {
						return // too short to have an output region
					}
					if out := dst[8 : 8+len(ct)-TagSize]; !bytes.Equal(out, make([]byte, len(out))) {
						t.Fatalf("n %d: %s: output region not zeroed: %x", n, what, out)
					}
				}
				for i := 0; i < len(ct); i++ {
					for _, bit := range []byte{0x01, 0x80} {
						bad := bytes.Clone(ct)
						bad[i] ^= bit
						reject(fmt.Sprintf("bit %#x of byte %d flipped", bit, i), nonce, bad, a)
					}
				}
				for i := range a {
					bad := bytes.Clone(a)
					bad[i] ^= 0x10
					reject(fmt.Sprintf("AAD byte %d flipped", i), nonce, ct, bad)
				}
				reject("AAD extended", nonce, ct, append(bytes.Clone(a), 0))
				reject("AAD truncated", nonce, ct, a[:len(a)-1])
				bn := bytes.Clone(nonce)
				bn[11] ^= 1
				reject("nonce changed", bn, ct, a)
				reject("ciphertext truncated", nonce, ct[:len(ct)-1], a)
				reject("ciphertext extended", nonce, append(bytes.Clone(ct), 0), a)
				if n > 0 {
					reject("tag moved", nonce, append(bytes.Clone(ct[:n-1]), ct[n:]...), a)
				}
			}
			for l := 0; l < TagSize; l++ {
				if _, err := g.Open(nil, nonce, make([]byte, l), nil); err != errOpen {
					t.Fatalf("Open of %d bytes: %v", l, err)
				}
			}
		}
	})
}

// TestInPlaceTamper checks that a failed in-place Open zeroes the text.
func TestInPlaceTamper(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		g := mustNew(t, fill(32, 25), im)
		nonce := fill(NonceSize, 26)
		for _, n := range []int{1, 100, 300} {
			ct := g.Seal(nil, nonce, fill(n, 27), nil)
			ct[len(ct)-1] ^= 1
			if _, err := g.Open(ct[:0], nonce, ct, nil); err == nil {
				t.Fatal("tampered in-place Open succeeded")
			}
			if !bytes.Equal(ct[:n], make([]byte, n)) {
				t.Fatalf("n %d: in-place output not zeroed", n)
			}
		}
	})
}

func TestZeroAllocs(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		g := mustNew(t, fill(32, 28), im)
		nonce, p, a := fill(NonceSize, 1), fill(1200, 2), fill(10, 3)
		dst := make([]byte, 0, 1300)
		ct := g.Seal(nil, nonce, p, a)
		if n := testing.AllocsPerRun(50, func() { g.Seal(dst, nonce, p, a) }); n != 0 {
			t.Errorf("Seal: %v allocs", n)
		}
		if n := testing.AllocsPerRun(50, func() { g.Open(dst, nonce, ct, a) }); n != 0 { //nolint:errcheck
			t.Errorf("Open: %v allocs", n)
		}
	})
}

func TestFormatRedacts(t *testing.T) {
	for _, im := range allImpls {
		if !supported(im) {
			continue
		}
		key := bytes.Repeat([]byte{0x5a}, 32)
		g := mustNew(t, key, im)
		for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s", "%q", "%d"} {
			s := fmt.Sprintf(verb, g)
			if strings.Contains(s, "5a5a") || strings.Contains(s, "90 90") ||
				!strings.Contains(s, "redacted") {
				t.Errorf("%s prints %q", verb, s)
			}
		}
	}
}

func TestImplementation(t *testing.T) {
	if got := Implementation(); got != defaultImpl.String() {
		t.Errorf("Implementation() = %q, want %q", got, defaultImpl)
	}
	a, _ := New(make([]byte, 32))
	if a.(*aead).impl != defaultImpl {
		t.Errorf("New uses %v, default is %v", a.(*aead).impl, defaultImpl)
	}
	t.Logf("Implementation() = %s", Implementation())
}

// TestTooLong checks the GCM length limit (2^32-2 blocks of text) without
// allocating: the lengths are checked before any byte is touched, so slices
// that claim more memory than they have are safe here.
func TestTooLong(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("lengths beyond 2^32 need a 64-bit int")
	}
	if raceEnabled {
		// checkptr (on under -race) rejects a slice claiming more memory
		// than its allocation holds, which is this test's whole point.
		t.Skip("TestTooLong: slices longer than their allocation trip -race's checkptr; run without -race")
	}
	var one [1]byte
	huge := unsafe.Slice(&one[0], maxText+1)
	hugeCT := unsafe.Slice(&one[0], maxText+TagSize+1)
	forEachPath(t, func(t *testing.T, im impl) {
		g := mustNew(t, fill(32, 50), im)
		nonce := fill(NonceSize, 51)
		mustPanic(t, "Seal of 2^32-1 blocks", func() { g.Seal(nil, nonce, huge, nil) })
		if _, err := g.Open(nil, nonce, hugeCT, nil); err != errOpen {
			t.Errorf("Open of an over-long ciphertext: %v", err)
		}
	})
}

// TestConcurrent uses one AEAD from several goroutines, as crypto/cipher
// AEADs allow: the key state is read-only after New.
func TestConcurrent(t *testing.T) {
	forEachPath(t, func(t *testing.T, im impl) {
		key := fill(32, 60)
		g, ref := mustNew(t, key, im), mustStd(t, key)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					n := (w*977 + i*131) % 3000
					nonce, p, a := fill(NonceSize, uint32(w*1000+i)), fill(n, uint32(i)), fill(i%40, uint32(w))
					ct := g.Seal(nil, nonce, p, a)
					if !bytes.Equal(ct, ref.Seal(nil, nonce, p, a)) {
						errs <- fmt.Errorf("worker %d: Seal of %d bytes differs", w, n)
						return
					}
					if pt, err := g.Open(nil, nonce, ct, a); err != nil || !bytes.Equal(pt, p) {
						errs <- fmt.Errorf("worker %d: Open of %d bytes: %v", w, n, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}
