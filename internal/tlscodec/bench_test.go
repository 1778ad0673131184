package tlscodec

import (
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// addVectorCopy is the construction AddVector used before it wrote in
// place: the body goes to a fresh builder and is then copied behind its
// header. It is kept here as the reference for tests and for the side by
// side benchmark.
func addVectorCopy(b *cryptobyte.Builder, f cryptobyte.BuilderContinuation) {
	child := cryptobyte.NewBuilder(nil)
	f(child)
	body, err := child.Bytes()
	if err != nil {
		b.SetError(err)
		return
	}
	AddVarint(b, uint64(len(body)))
	b.AddBytes(body)
}

// benchVectors encodes a structure shaped like a small MLS message: an
// outer vector holding a few nested vectors of keys and a list of items.
func benchVectors(b *testing.B, add func(*cryptobyte.Builder, cryptobyte.BuilderContinuation)) {
	key := make([]byte, 32)
	sig := make([]byte, 64)
	buf := make([]byte, 0, 1024)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		bld := cryptobyte.NewBuilder(buf[:0])
		add(bld, func(bld *cryptobyte.Builder) {
			AddOpaque(bld, key)
			AddOpaque(bld, key)
			add(bld, func(bld *cryptobyte.Builder) {
				for range 8 {
					add(bld, func(bld *cryptobyte.Builder) {
						bld.AddUint16(1)
						AddOpaque(bld, key)
					})
				}
			})
			AddOpaque(bld, sig)
		})
		out, err := bld.Bytes()
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.SetBytes(int64(size))
}

func BenchmarkAddVector(b *testing.B) {
	b.Run("in-place", func(b *testing.B) { benchVectors(b, AddVector) })
	b.Run("copy", func(b *testing.B) { benchVectors(b, addVectorCopy) })
}

func BenchmarkReadVector(b *testing.B) {
	enc, err := Marshal(func(bld *cryptobyte.Builder) {
		for range 16 {
			AddOpaque(bld, make([]byte, 100))
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		s := cryptobyte.String(enc)
		var body cryptobyte.String
		for !s.Empty() {
			if !ReadVector(&s, &body) {
				b.Fatal("ReadVector failed")
			}
		}
	}
}
