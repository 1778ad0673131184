// Package tlscodec implements the TLS presentation language as RFC 9420
// (MLS) uses it, on top of golang.org/x/crypto/cryptobyte.
//
// The one extension MLS makes to RFC 8446 §3 is the variable-size vector
// length header of RFC 9420 §2.1.2: a QUIC-style variable-length integer
// (1, 2 or 4 bytes, minimal encoding required, prefix 0b11 invalid). Fixed
// width integers, opaque fields and structs use cryptobyte directly.
//
// Every reader returns false on malformed or truncated input instead of
// panicking, and never allocates more than the input it was given: a length
// is checked against the remaining input before anything is read or copied.
package tlscodec

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// MaxVarint is the largest value a variable-length integer can carry
// (RFC 9420 §2.1.2: 30 usable bits).
const MaxVarint = 1<<30 - 1

var (
	// ErrMalformed reports input that does not decode as the expected
	// structure: truncated, a non-minimal or invalid length, a bad enum.
	ErrMalformed = errors.New("tlscodec: malformed input")
	// ErrTrailingData reports bytes left over after a complete structure.
	ErrTrailingData = errors.New("tlscodec: trailing data")
	// ErrTooLong reports a vector longer than MaxVarint bytes.
	ErrTooLong = errors.New("tlscodec: vector longer than 2^30-1 bytes")
)

// AddVarint appends v as a minimal RFC 9420 §2.1.2 variable-length integer.
// Values above MaxVarint set an error on b.
func AddVarint(b *cryptobyte.Builder, v uint64) {
	switch {
	case v < 1<<6:
		b.AddUint8(uint8(v))
	case v < 1<<14:
		b.AddUint16(uint16(v) | 0x4000)
	case v <= MaxVarint:
		b.AddUint32(uint32(v) | 0x8000_0000)
	default:
		b.SetError(ErrTooLong)
	}
}

// ReadVarint reads a variable-length integer, rejecting the invalid 0b11
// prefix and encodings that are not minimal (RFC 9420 §2.1.2).
func ReadVarint(s *cryptobyte.String, out *uint64) bool {
	if len(*s) == 0 {
		return false
	}
	var v uint64
	switch (*s)[0] >> 6 {
	case 0:
		var x uint8
		if !s.ReadUint8(&x) {
			return false
		}
		v = uint64(x)
	case 1:
		var x uint16
		if !s.ReadUint16(&x) {
			return false
		}
		v = uint64(x & 0x3fff)
		if v < 1<<6 {
			return false
		}
	case 2:
		var x uint32
		if !s.ReadUint32(&x) {
			return false
		}
		v = uint64(x & 0x3fff_ffff)
		if v < 1<<14 {
			return false
		}
	default:
		return false
	}
	*out = v
	return true
}

// AddVector appends a vector with a variable-size length header (the
// `<V>` of RFC 9420) whose body is written by f.
//
// The body is written straight into b behind a reserved 4-byte header; once
// its length is known the header is written in its minimal form and the body
// moved down over the unused header bytes. This costs a memmove of the body
// but no allocation or second buffer. f must only append to the builder it
// is given.
func AddVector(b *cryptobyte.Builder, f cryptobyte.BuilderContinuation) {
	b.AddUint32(0)
	head, err := b.Bytes()
	if err != nil {
		return
	}
	start := len(head)
	f(b)
	all, err := b.Bytes()
	if err != nil {
		return
	}
	if len(all) < start {
		b.SetError(errors.New("tlscodec: vector body removed its own length header"))
		return
	}
	n := len(all) - start
	hdr := all[start-4 : start]
	var k int
	switch {
	case n < 1<<6:
		hdr[0] = byte(n)
		k = 1
	case n < 1<<14:
		hdr[0] = byte(n>>8) | 0x40
		hdr[1] = byte(n)
		k = 2
	case n <= MaxVarint:
		hdr[0] = byte(n>>24) | 0x80
		hdr[1] = byte(n >> 16)
		hdr[2] = byte(n >> 8)
		hdr[3] = byte(n)
		k = 4
	default:
		b.SetError(ErrTooLong)
		return
	}
	if k < 4 {
		copy(all[start-4+k:], all[start:])
		b.Unwrite(4 - k)
	}
}

// AddOpaque appends opaque data<V>.
func AddOpaque(b *cryptobyte.Builder, v []byte) {
	AddVarint(b, uint64(len(v)))
	b.AddBytes(v)
}

// ReadVector reads a vector with a variable-size length header and sets out
// to its body, without copying. The length is checked against the input
// before anything is read.
func ReadVector(s *cryptobyte.String, out *cryptobyte.String) bool {
	var n uint64
	if !ReadVarint(s, &n) || n > uint64(len(*s)) {
		return false
	}
	return s.ReadBytes((*[]byte)(out), int(n))
}

// VectorProblem describes, in a few words for an error message, why
// ReadVector fails at the start of s: "truncated length", "invalid length
// prefix 0b11", "non-minimal length 5 in 2 bytes" or "length 300 exceeds the
// 12 bytes left". It returns "" if a vector can be read from s.
func VectorProblem(s []byte) string {
	if len(s) == 0 {
		return "truncated length"
	}
	size := 1 << (s[0] >> 6)
	if size == 8 {
		return "invalid length prefix 0b11"
	}
	if len(s) < size {
		return "truncated length"
	}
	in := cryptobyte.String(s)
	var n uint64
	if !ReadVarint(&in, &n) {
		v := uint64(s[0] & 0x3f)
		for _, c := range s[1:size] {
			v = v<<8 | uint64(c)
		}
		return fmt.Sprintf("non-minimal length %d in %d bytes", v, size)
	}
	if n > uint64(len(in)) {
		return fmt.Sprintf("length %d exceeds the %d bytes left", n, len(in))
	}
	return ""
}

// VarintLen returns the size of the minimal encoding of v (1, 2 or 4
// bytes), or 0 if v is above MaxVarint.
func VarintLen(v uint64) int {
	switch {
	case v < 1<<6:
		return 1
	case v < 1<<14:
		return 2
	case v <= MaxVarint:
		return 4
	}
	return 0
}

// ReadOpaque reads opaque data<V> into a fresh copy, so that the result does
// not alias the input buffer.
func ReadOpaque(s *cryptobyte.String, out *[]byte) bool {
	var body cryptobyte.String
	if !ReadVector(s, &body) {
		return false
	}
	*out = append([]byte{}, body...)
	return true
}

// ReadVectorOf reads a vector<V> of items and calls item until the body is
// consumed; item must consume at least one byte or fail. The number of items
// is bounded by the length of the input.
func ReadVectorOf(s *cryptobyte.String, item func(*cryptobyte.String) bool) bool {
	var body cryptobyte.String
	if !ReadVector(s, &body) {
		return false
	}
	for !body.Empty() {
		before := len(body)
		if !item(&body) || len(body) == before {
			return false
		}
	}
	return true
}

// AddOptional appends optional<T> (RFC 9420 §2.1.1): a presence byte and,
// when present, the value written by f.
func AddOptional(b *cryptobyte.Builder, present bool, f cryptobyte.BuilderContinuation) {
	if !present {
		b.AddUint8(0)
		return
	}
	b.AddUint8(1)
	f(b)
}

// ReadOptional reads the presence byte of optional<T>; any value other than
// 0 or 1 is malformed.
func ReadOptional(s *cryptobyte.String, present *bool) bool {
	return ReadBool(s, present)
}

// AddBool appends a TLS bool (one byte, 0 or 1).
func AddBool(b *cryptobyte.Builder, v bool) {
	if v {
		b.AddUint8(1)
	} else {
		b.AddUint8(0)
	}
}

// ReadBool reads a TLS bool, rejecting values other than 0 and 1.
func ReadBool(s *cryptobyte.String, out *bool) bool {
	var v uint8
	if !s.ReadUint8(&v) || v > 1 {
		return false
	}
	*out = v == 1
	return true
}

// Marshal runs f on a fresh builder and returns the bytes it wrote.
func Marshal(f cryptobyte.BuilderContinuation) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	f(b)
	return b.Bytes()
}

// Unmarshal decodes data with f and requires that f consumes all of it.
// what names the structure for the error message ("KeyPackage", ...).
func Unmarshal(what string, data []byte, f func(*cryptobyte.String) bool) error {
	s := cryptobyte.String(data)
	if !f(&s) {
		return fmt.Errorf("%s: %w", what, ErrMalformed)
	}
	if !s.Empty() {
		return fmt.Errorf("%s: %d bytes after the end: %w", what, len(s), ErrTrailingData)
	}
	return nil
}
