package transport

import (
	"errors"
	"fmt"

	"github.com/sealroom/sealroom/examples/wire"
)

// Error is an error the relay reported, with its typed code. Compare
// with errors.Is against the Err* values, which match on Code.
type Error struct {
	Code    wire.ErrorCode
	Message string
	// Epoch is the room's current epoch for STALE_EPOCH and FUTURE_EPOCH.
	Epoch uint64
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("transport: relay: %v", e.Code)
	}
	return fmt.Sprintf("transport: relay: %v: %s", e.Code, e.Message)
}

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errors the relay reports, for errors.Is.
var (
	ErrBadMessage         = &Error{Code: wire.ErrorCode_BAD_MESSAGE}
	ErrTooLarge           = &Error{Code: wire.ErrorCode_TOO_LARGE}
	ErrNotInRoom          = &Error{Code: wire.ErrorCode_NOT_IN_ROOM}
	ErrStaleEpoch         = &Error{Code: wire.ErrorCode_STALE_EPOCH}
	ErrFutureEpoch        = &Error{Code: wire.ErrorCode_FUTURE_EPOCH}
	ErrNoKeyPackage       = &Error{Code: wire.ErrorCode_NO_KEY_PACKAGE}
	ErrNoGroupInfo        = &Error{Code: wire.ErrorCode_NO_GROUP_INFO}
	ErrUnauthorized       = &Error{Code: wire.ErrorCode_UNAUTHORIZED}
	ErrLimitExceeded      = &Error{Code: wire.ErrorCode_LIMIT_EXCEEDED}
	ErrLogTruncated       = &Error{Code: wire.ErrorCode_LOG_TRUNCATED}
	ErrUnsupportedVersion = &Error{Code: wire.ErrorCode_UNSUPPORTED_VERSION}
	ErrInternal           = &Error{Code: wire.ErrorCode_INTERNAL}
)

// ErrClosed is matched (errors.Is) by every error of a Conn that has
// ended, whoever ended it; the error also wraps the cause, such as a
// *quic.ApplicationError carrying one of the wire.Close* codes.
var ErrClosed = errors.New("transport: connection closed")

// ErrEventsOverflow is the cause of a connection that ended because its
// Events were not read and the buffer limit (Config.EventBuffer) was hit.
var ErrEventsOverflow = errors.New("transport: events not read, buffer full")

// ErrFrameTooLarge is returned by SendMedia for a payload above
// Config.MaxFrame.
var ErrFrameTooLarge = errors.New("transport: media payload too large")

type closedError struct{ cause error }

func (e *closedError) Error() string {
	if e.cause == nil {
		return ErrClosed.Error()
	}
	return ErrClosed.Error() + ": " + e.cause.Error()
}
func (e *closedError) Is(target error) bool { return target == ErrClosed }
func (e *closedError) Unwrap() error        { return e.cause }
