package tlscodec

import (
	"bytes"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// FuzzReadVector checks on arbitrary input that ReadVarint and ReadVector
// never panic, accept only minimal encodings (decode → encode gives back the
// bytes consumed), agree with VectorProblem, and that a vector read is
// re-encoded byte for byte by AddOpaque and AddVector.
func FuzzReadVector(f *testing.F) {
	for _, seed := range []string{
		"", "00", "3f", "4040", "40ff", "7fff", "80004000", "bfffffff",
		"c0", "4000", "80000000", "0103", "03aabbcc", "05aa", "4100",
	} {
		b := make([]byte, len(seed)/2)
		for i := range b {
			b[i] = hexNibble(seed[2*i])<<4 | hexNibble(seed[2*i+1])
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := cryptobyte.String(in)
		var n uint64
		if ReadVarint(&s, &n) {
			used := in[:len(in)-len(s)]
			enc, err := Marshal(func(b *cryptobyte.Builder) { AddVarint(b, n) })
			if err != nil || !bytes.Equal(enc, used) {
				t.Fatalf("varint %x decodes to %d which encodes as %x (%v)", used, n, enc, err)
			}
			if n > MaxVarint {
				t.Fatalf("varint %d above MaxVarint", n)
			}
		}

		s = cryptobyte.String(in)
		var body cryptobyte.String
		ok := ReadVector(&s, &body)
		if ok != (VectorProblem(in) == "") {
			t.Fatalf("ReadVector = %v but VectorProblem = %q", ok, VectorProblem(in))
		}
		if !ok {
			return
		}
		used := in[:len(in)-len(s)]
		enc, err := Marshal(func(b *cryptobyte.Builder) { AddOpaque(b, body) })
		if err != nil || !bytes.Equal(enc, used) {
			t.Fatalf("AddOpaque: %x, want %x (%v)", enc, used, err)
		}
		enc, err = Marshal(func(b *cryptobyte.Builder) {
			AddVector(b, func(b *cryptobyte.Builder) { b.AddBytes(body) })
		})
		if err != nil || !bytes.Equal(enc, used) {
			t.Fatalf("AddVector: %x, want %x (%v)", enc, used, err)
		}
	})
}

func hexNibble(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}
