package e2ee

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors of the Session. Every error a Session returns is an
// *Error wrapping one of them (or a codec sentinel of codec_errors.go), the
// error of the layer below that caused it (keyschedule, frame, the MLS
// group), or both, so callers branch with errors.Is and read the epoch and
// member with errors.As.
var (
	// ErrNotMember reports an operation that needs this Session to be a
	// member of the group while it is not: an external join not yet
	// confirmed, or a member that has been removed (it still opens frames
	// of its last epoch for the grace period, but seals nothing).
	ErrNotMember = errors.New("e2ee: not a member of the group")

	// ErrClosed reports use of a Session after Close.
	ErrClosed = errors.New("e2ee: session closed")

	// ErrUnknownSender reports a frame or tag batch whose KID names a leaf
	// that is not a member of the epoch (RFC 9605 §5.2 sender index), or
	// this member's own leaf (a relay echoing our frames: RFC 9605 §4.4.1
	// forbids opening with a send key).
	ErrUnknownSender = errors.New("e2ee: unknown sender")

	// ErrUnknownEpoch reports a frame for an epoch this Session has not
	// reached (yet): process the pending handshake messages, then retry.
	ErrUnknownEpoch = errors.New("e2ee: unknown epoch")

	// ErrEpochExpired reports a frame of an epoch whose grace period has
	// ended: its keys have been erased (see Config.Grace).
	ErrEpochExpired = errors.New("e2ee: epoch expired")

	// ErrAuthentication reports a frame that failed SFrame authentication
	// (RFC 9605 §4.4.4): forged, corrupted, or with altered clear bytes.
	ErrAuthentication = errors.New("e2ee: frame authentication failed")

	// ErrReplay reports a frame whose counter was already accepted or is
	// older than the replay window (RFC 9605 §7.4).
	ErrReplay = errors.New("e2ee: replayed frame")

	// ErrPendingCommit reports a commit requested while another commit of
	// this member is waiting for the delivery service: Process its echo
	// (or the winning commit) or call DiscardPending first.
	ErrPendingCommit = errors.New("e2ee: a commit is already pending")

	// ErrStaleMessage reports a handshake message of an epoch older than
	// the group's (for instance replayed by a catch-up): it has been
	// superseded and is ignored.
	ErrStaleMessage = errors.New("e2ee: handshake message of a past epoch")

	// ErrInvalidConfig reports a Config field out of range.
	ErrInvalidConfig = errors.New("e2ee: invalid configuration")

	// ErrInvalidMember reports a membership request that names no member,
	// or this member itself where that is not allowed (Remove: use Leave).
	ErrInvalidMember = errors.New("e2ee: invalid member")

	// ErrSenderAuth reports a tag batch that does not verify, or a call
	// that needs Config.SenderAuth while it is off.
	ErrSenderAuth = errors.New("e2ee: sender authentication")

	// ErrRestored reports a Seal by a Session restored from storage that
	// has not yet moved to an epoch of its own making: it seals again once
	// a commit it created after the restore is merged (see Restore).
	ErrRestored = errors.New("e2ee: restored session has not committed since")

	// ErrInvalidState reports stored state (of a Session or a
	// KeyPackagePrivate) that does not decode, or whose parts do not
	// belong together.
	ErrInvalidState = errors.New("e2ee: invalid stored state")
)

// Error is the error of a Session operation: which operation, the epoch and
// member it concerns where known, a sentinel of this package and the cause
// from the layer below. Its message reads like
//
//	e2ee: open: epoch 7 sender leaf 3 (alice): replayed frame: keyschedule: ...
type Error struct {
	// Op is the operation: "seal", "open", "tag batch", "process",
	// "commit", "install", ...
	Op string
	// Epoch is the MLS epoch, valid if HasEpoch.
	Epoch    uint64
	HasEpoch bool
	// Leaf is the leaf index of the member concerned (the sender of a
	// frame), valid if HasLeaf; Identity is its credential identity
	// (RFC 9420 §5.3) when the Session knows it, also for a member that
	// has no leaf yet (a client joining).
	Leaf     uint32
	HasLeaf  bool
	Identity []byte
	// Kind is a sentinel of this package, or nil.
	Kind error
	// Err is the cause, or nil.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("e2ee: ")
	b.WriteString(e.Op)
	sep := ": "
	if e.HasEpoch {
		b.WriteString(sep)
		b.WriteString("epoch ")
		b.WriteString(strconv.FormatUint(e.Epoch, 10))
		sep = " "
	}
	if e.HasLeaf {
		b.WriteString(sep)
		if e.Op == "open" || e.Op == "tag batch" {
			b.WriteString("sender ")
		}
		b.WriteString("leaf ")
		b.WriteString(strconv.FormatUint(uint64(e.Leaf), 10))
		if len(e.Identity) > 0 {
			b.WriteString(" (")
			b.WriteString(printableIdentity(e.Identity))
			b.WriteString(")")
		}
	} else if len(e.Identity) > 0 {
		// A member without a leaf yet: a joiner, an invitee.
		b.WriteString(sep)
		b.WriteString("member ")
		b.WriteString(printableIdentity(e.Identity))
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "e2ee: "))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, so that errors.Is finds
// either.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// maxPrintedIdentity bounds how much of an identity an error message
// shows.
const maxPrintedIdentity = 64

// printableIdentity renders a credential identity for an error message: as
// text when it is short printable UTF-8, else as hex.
func printableIdentity(id []byte) string {
	if len(id) <= maxPrintedIdentity && utf8.Valid(id) {
		printable := true
		for _, r := range string(id) {
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				printable = false
				break
			}
		}
		if printable {
			return string(id)
		}
	}
	const hexDigits = "0123456789abcdef"
	n := min(len(id), maxPrintedIdentity/2)
	out := make([]byte, 0, 2*n+3)
	for _, c := range id[:n] {
		out = append(out, hexDigits[c>>4], hexDigits[c&15])
	}
	if n < len(id) {
		out = append(out, "..."...)
	}
	return string(out)
}

// newError builds an *Error. It is kept out of line so that the success
// paths of Seal and Open stay free of allocations.
//
//go:noinline
func newError(op string, kind, cause error) *Error {
	return &Error{Op: op, Kind: kind, Err: cause}
}

// at records the epoch.
func (e *Error) at(epoch uint64) *Error {
	e.Epoch, e.HasEpoch = epoch, true
	return e
}

// from records the member.
func (e *Error) from(leaf uint32, identity []byte) *Error {
	e.Leaf, e.HasLeaf, e.Identity = leaf, true, identity
	return e
}

// of records a member that has no leaf (yet).
func (e *Error) of(identity []byte) *Error {
	e.Identity = identity
	return e
}
