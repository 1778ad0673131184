package mls

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// The decoders must never allocate more than a constant times their input
// (plus a small constant): a length field cannot make them reserve memory
// the input does not back. These are the constants the test holds them to.
// The worst inputs are vectors of the smallest possible items, each of
// which becomes a Go value larger than its encoding: a 3-byte
// PreSharedKeyID is a 96-byte struct, 32 bytes per input byte.
const (
	wireAllocPerInputByte = 40
	wireAllocSlack        = 16 << 10
)

// wireAllocated returns the bytes f allocates, averaged over runs.
func wireAllocated(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	f() // warm up lazily initialized state
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// wireHostileInputs builds large inputs made of the smallest items each
// vector can hold, and inputs whose lengths claim far more than they have.
func wireHostileInputs(t *testing.T) []struct {
	name string
	kind wireKind
	data []byte
} {
	const n = 50000
	build := func(f func(b *cryptobyte.Builder)) []byte {
		out, err := tlscodec.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	repeat := func(item string, count int) func(b *cryptobyte.Builder) {
		raw := wireTestHex(t, item)
		return func(b *cryptobyte.Builder) {
			for range count {
				b.AddBytes(raw)
			}
		}
	}
	leafHead := wireTestHex(t, wireTestLeafHead)
	type input = struct {
		name string
		kind wireKind
		data []byte
	}
	return []input{
		{"tree of blanks", wireKindRatchetTree, build(func(b *cryptobyte.Builder) {
			tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
				repeat("00", 2*n)(b)
				b.AddBytes([]byte{1, 1})
				b.AddBytes(leafHead)
				b.AddBytes([]byte{2, 0, 0})
			})
		})},
		{"commit of empty references", wireKindCommit, build(func(b *cryptobyte.Builder) {
			tlscodec.AddVector(b, repeat("0200", n))
			b.AddUint8(0)
		})},
		{"x509 chain of empty certificates", wireKindProposal, build(func(b *cryptobyte.Builder) {
			b.AddBytes(wireTestHex(t, "0002 00 00 0002"))
			tlscodec.AddVector(b, repeat("00", 2*n))
			b.AddBytes(wireTestHex(t, "00 00 00 00 00 02 00 00"))
		})},
		{"capabilities of many versions", wireKindProposal, build(func(b *cryptobyte.Builder) {
			b.AddBytes(wireTestHex(t, "0002 00 00 0001 00"))
			tlscodec.AddVector(b, repeat("0001", n))
			b.AddBytes(wireTestHex(t, "00 00 00 00 02 00 00"))
		})},
		{"welcome of minimal secrets", wireKindWelcome, build(func(b *cryptobyte.Builder) {
			b.AddUint16(1)
			tlscodec.AddVector(b, repeat("000000", n))
			b.AddUint8(0)
		})},
		{"group secrets of minimal psks", wireKindGroupSecrets, build(func(b *cryptobyte.Builder) {
			b.AddBytes([]byte{0, 0})
			tlscodec.AddVector(b, repeat("010000", n))
		})},
		{"extensions of every type", wireKindProposal, build(func(b *cryptobyte.Builder) {
			b.AddUint16(uint16(ProposalTypeGroupContextExtensions))
			tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
				for i := range 1 << 16 {
					b.AddUint16(uint16(i))
					b.AddUint8(0)
				}
			})
		})},
		{"update path node of empty ciphertexts", wireKindUpdatePath, build(func(b *cryptobyte.Builder) {
			b.AddBytes(leafHead)
			b.AddBytes([]byte{2, 0, 0})
			tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
				b.AddUint8(0)
				tlscodec.AddVector(b, repeat("0000", n))
			})
		})},
		{"unmerged leaves", wireKindRatchetTree, build(func(b *cryptobyte.Builder) {
			tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
				b.AddBytes([]byte{1, 1})
				b.AddBytes(leafHead)
				b.AddBytes([]byte{2, 0, 0})
				b.AddBytes([]byte{1, 2, 0, 0})
				tlscodec.AddVector(b, repeat("00000000", n))
				b.AddBytes([]byte{1, 1})
				b.AddBytes(leafHead)
				b.AddBytes([]byte{2, 0, 0})
			})
		})},
		{"claimed 2^30-1 byte group id", wireKindMLSMessage, wireTestHex(t, "0001 0002 bfffffff 00")},
		{"claimed 2^30-1 byte tree", wireKindRatchetTree, append(wireTestHex(t, "bfffffff"), bytes.Repeat([]byte{0}, 1000)...)},
	}
}

// TestWireDecodeAllocBound checks that decoding never allocates more than
// wireAllocPerInputByte times the input plus wireAllocSlack, on every
// vector structure and on inputs built to be the worst case.
func TestWireDecodeAllocBound(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation measurements are slow in -short mode")
	}
	type sample struct {
		name string
		kind wireKind
		data []byte
	}
	var samples []sample
	for _, in := range wireHostileInputs(t) {
		samples = append(samples, sample(in))
	}
	cases := wireMessagesVectors(t)
	for _, i := range []int{0, 150, 299} {
		for _, f := range cases[i].fields() {
			samples = append(samples, sample{fmt.Sprintf("messages.json case %d %s", i, f.name), f.kind, f.data})
		}
	}
	worst := 0.0
	for _, s := range samples {
		decodes := false
		alloc := wireAllocated(3, func() {
			_, err := s.kind.roundTrip(s.data)
			decodes = err == nil
		})
		// Measure the decoder alone where the input decodes, not the
		// encoder that writes it back.
		if decodes {
			alloc = wireAllocated(3, func() { s.kind.decode(s.data) })
		}
		ratio := float64(alloc) / float64(len(s.data))
		t.Logf("%-45s %8d bytes in, %9d allocated (%.1f per byte), decodes=%v", s.name, len(s.data), alloc, ratio, decodes)
		if alloc > wireAllocPerInputByte*uint64(len(s.data))+wireAllocSlack {
			t.Errorf("%s: %d bytes allocated for %d bytes of input", s.name, alloc, len(s.data))
		}
		if len(s.data) > 1000 && ratio > worst {
			worst = ratio
		}
	}
	t.Logf("worst ratio on inputs over 1000 bytes: %.1f allocated bytes per input byte", worst)
}
