package mls

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// This file holds the decoding machinery shared by the wire structures of
// RFC 9420 §6–§12: a reader over cryptobyte that remembers the first
// failure and the path of fields that led to it, so that every decoder can
// be written as a straight sequence of reads and still return an error that
// says what was wrong and where.
//
// Encoding uses cryptobyte.Builder and internal/tlscodec directly; each wire
// type has a marshal(*cryptobyte.Builder) method and an unmarshal(*wireReader)
// method.

// wirePathElem is one step of the path to a failure: a field name, and the
// index within it when the field is a vector of items (-1 otherwise).
type wirePathElem struct {
	name  string
	index int
}

// wireReader reads wire structures from s. After the first failure every
// read is a no-op and err holds the failure; decoders therefore need not
// check after each read, only where a value decides what comes next.
//
// Readers allocate at most a constant factor of their input: every length
// is checked against the remaining input before anything is read, byte
// fields are copied out of the input only once they are known to be there,
// and a vector reserves room for at most one item per input byte (see
// readVector). The factor is the size of the Go value of the smallest
// encodable item over its encoding; the worst is 32 (a 3-byte
// PreSharedKeyID), which TestWireDecodeAllocBound checks.
type wireReader struct {
	s       cryptobyte.String
	err     *wireError
	path    []wirePathElem
	pathBuf [12]wirePathElem
}

// unmarshalWire decodes data with dec, requires that it consume all of the
// input, and returns the failure as an error naming what ("welcome", ...).
func unmarshalWire(what string, data []byte, dec func(r *wireReader)) error {
	r := &wireReader{s: data}
	r.path = r.pathBuf[:0]
	dec(r)
	if r.err == nil && len(r.s) != 0 {
		r.err = &wireError{detail: fmt.Sprintf("%d bytes after the end", len(r.s)), kind: ErrTrailingData}
	}
	if r.err != nil {
		r.err.what = what
		return r.err
	}
	return nil
}

// marshalWireInitialSize is the capacity the output of marshalWire starts
// with: enough for a typical KeyPackage, GroupInfo or small commit, so that
// most encodings allocate their output once instead of growing it.
const marshalWireInitialSize = 512

// marshalWire runs enc on a fresh builder and returns what it wrote, or the
// first error set on the builder, as an error naming what.
func marshalWire(what string, enc func(b *cryptobyte.Builder)) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, marshalWireInitialSize))
	enc(b)
	out, err := b.Bytes()
	if err != nil {
		return nil, wrapEncodeError(what, err)
	}
	return out, nil
}

// wrapEncodeError names what in an encoding error.
func wrapEncodeError(what string, err error) error {
	var we *wireError
	if errors.As(err, &we) {
		we.what = what
		return we
	}
	return &wireError{what: what, detail: err.Error(), kind: ErrMalformed}
}

// encodeFailf sets an error on b for a structure that cannot be encoded,
// such as an unknown enum value in a select.
func encodeFailf(b *cryptobyte.Builder, format string, args ...any) {
	b.SetError(&wireError{detail: fmt.Sprintf(format, args...), kind: ErrMalformed})
}

// ok reports whether no read has failed yet.
func (r *wireReader) ok() bool { return r.err == nil }

// failf records a failure at field name (which may be "" when the failure
// is about the current structure as a whole). Only the first failure is
// kept, and the remaining input is dropped so that later reads fail fast.
func (r *wireReader) failf(kind error, name, format string, args ...any) {
	if r.err != nil {
		return
	}
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	r.err = &wireError{path: r.pathString(name), detail: detail, kind: kind}
	r.s = nil
}

func (r *wireReader) pathString(name string) string {
	var sb strings.Builder
	for _, e := range r.path {
		if sb.Len() > 0 {
			sb.WriteString(": ")
		}
		sb.WriteString(e.name)
		if e.index >= 0 {
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(e.index))
			sb.WriteByte(']')
		}
	}
	if name != "" {
		if sb.Len() > 0 {
			sb.WriteString(": ")
		}
		sb.WriteString(name)
	}
	return sb.String()
}

// enter and leave bracket the decoding of a nested structure held in field
// name, so that failures inside it carry the field in their path.
func (r *wireReader) enter(name string) { r.path = append(r.path, wirePathElem{name, -1}) }
func (r *wireReader) leave()            { r.path = r.path[:len(r.path)-1] }

// field decodes the nested structure held in field name with dec.
func (r *wireReader) field(name string, dec func(r *wireReader)) {
	r.enter(name)
	dec(r)
	r.leave()
}

// readUint8 and friends read fixed-width integers into any type with that
// underlying type (enums, indices).
func readUint8[T ~uint8](r *wireReader, name string, v *T) {
	var x uint8
	if r.err == nil && !r.s.ReadUint8(&x) {
		r.failf(ErrMalformed, name, "truncated")
	}
	*v = T(x)
}

func readUint16[T ~uint16](r *wireReader, name string, v *T) {
	var x uint16
	if r.err == nil && !r.s.ReadUint16(&x) {
		r.failf(ErrMalformed, name, "truncated")
	}
	*v = T(x)
}

func readUint32[T ~uint32](r *wireReader, name string, v *T) {
	var x uint32
	if r.err == nil && !r.s.ReadUint32(&x) {
		r.failf(ErrMalformed, name, "truncated")
	}
	*v = T(x)
}

func readUint64[T ~uint64](r *wireReader, name string, v *T) {
	var x uint64
	if r.err == nil && !r.s.ReadUint64(&x) {
		r.failf(ErrMalformed, name, "truncated")
	}
	*v = T(x)
}

// view reads a vector<V> and sets out to its body without copying.
func (r *wireReader) view(name string, out *cryptobyte.String) {
	if r.err != nil {
		return
	}
	in := r.s
	if !tlscodec.ReadVector(&r.s, out) {
		r.failf(ErrMalformed, name, "%s", tlscodec.VectorProblem(in))
	}
}

// opaque reads opaque data<V> into a fresh copy that does not alias the
// input. An empty vector gives a non-nil empty slice.
func (r *wireReader) opaque(name string, out *[]byte) {
	var body cryptobyte.String
	r.view(name, &body)
	if r.err == nil {
		*out = append(make([]byte, 0, len(body)), body...)
	}
}

// fixed reads exactly len(out) bytes (opaque field[N]).
func (r *wireReader) fixed(name string, out []byte) {
	if r.err == nil && !r.s.CopyBytes(out) {
		r.failf(ErrMalformed, name, "truncated")
	}
}

// vector reads a vector<V> of items, calling item with the reader set to
// the vector's body until the body is consumed. Each item must consume at
// least one byte; failures inside carry name[i] in their path.
func (r *wireReader) vector(name string, item func(r *wireReader)) {
	var body cryptobyte.String
	r.view(name, &body)
	if r.err != nil {
		return
	}
	rest := r.s
	r.s = body
	r.path = append(r.path, wirePathElem{name, 0})
	for i := 0; len(r.s) > 0 && r.err == nil; i++ {
		r.path[len(r.path)-1].index = i
		before := len(r.s)
		item(r)
		if r.err == nil && len(r.s) == before {
			r.failf(ErrMalformed, "", "item consumed no input")
		}
	}
	r.path = r.path[:len(r.path)-1]
	if r.err == nil {
		r.s = rest
	}
}

// readVector reads a vector<V> of items decoded one by one by dec into a
// non-nil slice. Items are decoded in place in the slice (a local variable
// passed to dec would escape to the heap, one allocation per item). Once
// the first item is decoded, room is reserved for as many items of its
// size as the vector can hold, so that a vector of similar items is
// allocated about once; since every item takes at least one byte of input,
// the reservation never exceeds one item per input byte.
func readVector[T any](r *wireReader, name string, dec func(v *T, r *wireReader)) []T {
	items := []T{}
	r.vector(name, func(r *wireReader) {
		left := len(r.s)
		var zero T
		items = append(items, zero)
		dec(&items[len(items)-1], r)
		if !r.ok() {
			items = items[:len(items)-1]
			return
		}
		if len(items) == 1 {
			if used := left - len(r.s); used > 0 && left/used > cap(items) {
				grown := make([]T, 1, left/used)
				grown[0] = items[0]
				items = grown
			}
		}
	})
	return items
}

// optional reads the presence octet of optional<T> (RFC 9420 §2.1.1),
// rejecting values other than 0 and 1.
func (r *wireReader) optional(name string) bool {
	if r.err != nil {
		return false
	}
	var present uint8
	if !r.s.ReadUint8(&present) {
		r.failf(ErrMalformed, name, "truncated")
		return false
	}
	if present > 1 {
		r.failf(ErrMalformed, name, "optional presence octet %d is neither 0 nor 1", present)
		return false
	}
	return present == 1
}
