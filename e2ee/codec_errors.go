package e2ee

import (
	"errors"
	"strconv"
)

var (
	// ErrUnknownCodec reports a codec code point that is not one of the
	// Codec constants.
	ErrUnknownCodec = errors.New("e2ee: unknown codec")
	// ErrMalformedFrame reports an encoded frame from the local encoder that
	// the codec's clear-bytes policy cannot parse (truncated header, no start
	// code, an OBU running past the end, ...). Nothing was sealed.
	ErrMalformedFrame = errors.New("e2ee: malformed frame")
	// ErrMalformedPacket reports a sealed packet, or the clear part inside
	// one, that does not decode: untrusted input from the relay, rejected
	// before any decryption.
	ErrMalformedPacket = errors.New("e2ee: malformed packet")
	// ErrClearMismatch reports a frame whose authenticated clear part does
	// not describe its decrypted payload. Only a group member (a buggy or
	// lying sender) can produce one; the frame is dropped.
	ErrClearMismatch = errors.New("e2ee: clear part does not match the frame")
)

// CodecError describes what a codec policy or the packet decoder rejected
// and where. It wraps one of ErrMalformedFrame, ErrMalformedPacket,
// ErrClearMismatch or ErrUnknownCodec, so callers test it with errors.Is and
// read the position with errors.As.
type CodecError struct {
	Codec Codec
	// Offset is the byte offset of the problem in the input that was being
	// parsed: the frame (ErrMalformedFrame, ErrClearMismatch), the clear part
	// or the packet (ErrMalformedPacket).
	Offset int
	Reason string
	Err    error
}

func (e *CodecError) Error() string {
	return e.Err.Error() + ": " + e.Codec.String() + ": offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

func (e *CodecError) Unwrap() error { return e.Err }

// The constructors below are kept out of line so that the success paths
// that call them stay free of allocations.

//go:noinline
func frameError(c Codec, off int, reason string) error {
	return &CodecError{Codec: c, Offset: off, Reason: reason, Err: ErrMalformedFrame}
}

//go:noinline
func clearError(c Codec, off int, reason string) error {
	return &CodecError{Codec: c, Offset: off, Reason: "clear part: " + reason, Err: ErrMalformedPacket}
}

//go:noinline
func packetError(c Codec, off int, reason string) error {
	return &CodecError{Codec: c, Offset: off, Reason: reason, Err: ErrMalformedPacket}
}

//go:noinline
func mismatchError(c Codec, off int, reason string) error {
	return &CodecError{Codec: c, Offset: off, Reason: reason, Err: ErrClearMismatch}
}
