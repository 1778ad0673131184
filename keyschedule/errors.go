package keyschedule

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Every error this package returns wraps one of them, the
// error of package frame that caused it (frame.ErrAuthentication,
// frame.ErrReplay, ...), or both, so callers can branch with errors.Is;
// ExportBaseKey also wraps the Exporter's own errors. The
// message names the operation and, where known, the epoch and leaf:
// "keyschedule: open epoch 5 leaf 3: leaf is not a member of the epoch".
var (
	// ErrInvalidLayout reports a Layout whose fields are out of range or
	// do not fit in a 64-bit KID together.
	ErrInvalidLayout = errors.New("keyschedule: invalid KID layout")

	// ErrLeafOutOfRange reports a leaf index that does not fit in the
	// layout's LeafBits (S): the group has outgrown the layout.
	ErrLeafOutOfRange = errors.New("keyschedule: leaf index does not fit the KID layout")

	// ErrContextOutOfRange reports a KID context value that does not fit
	// in the layout's ContextBits.
	ErrContextOutOfRange = errors.New("keyschedule: context value does not fit the KID layout")

	// ErrInvalidKID reports a KID with bits set above the layout's fields,
	// which no sender using the layout can produce.
	ErrInvalidKID = errors.New("keyschedule: KID outside the layout")

	// ErrInvalidEpoch reports an Epoch that cannot be installed: an empty
	// or wrongly sized base key, or a roster without this member.
	ErrInvalidEpoch = errors.New("keyschedule: invalid epoch")

	// ErrStaleEpoch reports an epoch number no greater than one installed
	// before. MLS epochs only move forward, and a send key must never be
	// derived twice for the same KID and base key.
	ErrStaleEpoch = errors.New("keyschedule: epoch not newer than the last installed")

	// ErrUnknownEpoch reports a frame or request for an epoch that is not
	// live: never installed, dropped, evicted by a newer epoch with the
	// same low bits, or replaced while the frame was being opened.
	ErrUnknownEpoch = errors.New("keyschedule: epoch not live")

	// ErrNotMember reports a frame whose KID names a leaf that is not a
	// member of the epoch.
	ErrNotMember = errors.New("keyschedule: leaf is not a member of the epoch")

	// ErrOwnKID reports a frame under one of this member's own KIDs (a
	// relay echoing our frames back). RFC 9605 §4.4.1 forbids using a key
	// for both encryption and decryption, so such frames are not opened.
	ErrOwnKID = errors.New("keyschedule: frame carries this member's own KID")

	// ErrRatchetDisabled reports a call to Ratchet with a layout that has
	// no ratchet bits.
	ErrRatchetDisabled = errors.New("keyschedule: ratchet disabled by the layout")

	// ErrClosed reports use of a Schedule after Close.
	ErrClosed = errors.New("keyschedule: schedule closed")
)

// opError is an operation error: the operation, the epoch and leaf when
// known, a sentinel of this package (or nil), details, and the error of
// package frame that caused it (or nil).
type opError struct {
	op       string
	epoch    uint64
	hasEpoch bool
	leaf     uint32
	hasLeaf  bool
	kind     error
	detail   string
	cause    error
}

func (e *opError) Error() string {
	var b strings.Builder
	b.WriteString("keyschedule: ")
	b.WriteString(e.op)
	if e.hasEpoch {
		b.WriteString(" epoch ")
		b.WriteString(strconv.FormatUint(e.epoch, 10))
	}
	if e.hasLeaf {
		b.WriteString(" leaf ")
		b.WriteString(strconv.FormatUint(uint64(e.leaf), 10))
	}
	sep := ": "
	if e.kind != nil {
		b.WriteString(sep)
		b.WriteString(strings.TrimPrefix(e.kind.Error(), "keyschedule: "))
	}
	if e.detail != "" {
		b.WriteString(sep)
		b.WriteString(e.detail)
	}
	if e.cause != nil {
		b.WriteString(sep)
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, so that errors.Is finds
// either.
func (e *opError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// newError returns an error for op wrapping the sentinel kind.
func newError(op string, kind error, detail string) *opError {
	return &opError{op: op, kind: kind, detail: detail}
}

// at records the epoch of e.
func (e *opError) at(epoch uint64) *opError {
	e.epoch, e.hasEpoch = epoch, true
	return e
}

// from records the leaf of e.
func (e *opError) from(leaf uint32) *opError {
	e.leaf, e.hasLeaf = leaf, true
	return e
}

// wrap records the frame error that caused e.
func (e *opError) wrap(cause error) *opError {
	e.cause = cause
	return e
}
