package mls

import (
	"errors"
	"strings"
)

// Sentinel errors of the wire codec. Decoding errors wrap one of them (test
// with errors.Is) and say what was wrong and where, for example
//
//	mls: welcome: secrets[1]: encrypted_group_secrets: kem_output: length 300 exceeds the 12 bytes left
var (
	// ErrMalformed reports input that does not decode as the structure
	// RFC 9420 defines: a truncated field, an invalid or non-minimal
	// length, a reserved or unknown value where the RFC defines a closed
	// set, non-zero padding, trailing bytes. Every decoding error wraps it.
	ErrMalformed = errors.New("mls: malformed input")

	// ErrTrailingData reports bytes left over after a complete top-level
	// structure. Errors wrapping it also wrap ErrMalformed.
	ErrTrailingData = errors.New("mls: trailing data")

	// ErrUnsupportedVersion reports an MLSMessage whose version is not
	// mls10 (RFC 9420 §6). Errors wrapping it also wrap ErrMalformed.
	ErrUnsupportedVersion = errors.New("mls: unsupported protocol version")

	// ErrUnknownWireFormat reports an MLSMessage wire format this package
	// does not know (RFC 9420 §6, §17.2). Errors wrapping it also wrap
	// ErrMalformed.
	ErrUnknownWireFormat = errors.New("mls: unknown wire format")

	// ErrUnknownProposalType reports a Proposal whose type is not one of
	// the seven of RFC 9420 §12.1. A proposal carries no length, so one of
	// an unknown type cannot be skipped; GREASE values never appear there
	// (§13.5). Errors wrapping it also wrap ErrMalformed.
	ErrUnknownProposalType = errors.New("mls: unknown proposal type")
)

// wireError is a decoding or encoding failure: what was being processed,
// the path of fields to the failure, and what was wrong there.
type wireError struct {
	what   string // "welcome", "key package", ...
	path   string // "secrets[1]: encrypted_group_secrets: kem_output"
	detail string // "length 300 exceeds the 12 bytes left"
	kind   error  // ErrMalformed or one of the specific sentinels
}

func (e *wireError) Error() string {
	var sb strings.Builder
	sb.WriteString("mls: ")
	sb.WriteString(e.what)
	if e.path != "" {
		sb.WriteString(": ")
		sb.WriteString(e.path)
	}
	sb.WriteString(": ")
	sb.WriteString(e.detail)
	return sb.String()
}

// Unwrap returns the sentinels the error matches: ErrMalformed always, and
// the specific one when there is one.
func (e *wireError) Unwrap() []error {
	if e.kind == nil || e.kind == ErrMalformed {
		return []error{ErrMalformed}
	}
	return []error{e.kind, ErrMalformed}
}
