package media

import "errors"

// Errors for errors.Is. Every error about the package's input (files,
// frames, names) or use wraps one of them and says where the problem was;
// I/O errors are wrapped as they come.
var (
	// ErrMalformed: the input breaks its format (IVF, Ogg, Opus, VP8).
	ErrMalformed = errors.New("media: malformed input")
	// ErrUnsupported: well-formed input this package does not handle, such
	// as an IVF file of another codec or a multiplexed Ogg file.
	ErrUnsupported = errors.New("media: unsupported input")
	// ErrTooLarge: the input exceeds one of the package's bounds
	// (MaxFrameSize, MaxTrackBytes, MaxTrackFrames).
	ErrTooLarge = errors.New("media: input too large")
	// ErrClosed: a sink was used after Close.
	ErrClosed = errors.New("media: sink closed")
	// ErrWrongCodec: a frame was given to a sink of another codec.
	ErrWrongCodec = errors.New("media: wrong codec")
	// ErrBadName: a Recorder was given a sender name that is not a safe
	// file name.
	ErrBadName = errors.New("media: bad sender name")
)
