package wire

import "errors"

var (
	// ErrTooLarge is returned for a message longer than the reader allows.
	ErrTooLarge = errors.New("wire: message too large")
	// ErrMalformed is returned for bytes that are not a valid message.
	ErrMalformed = errors.New("wire: malformed message")
)
