package call

import (
	"fmt"
	"strings"
	"time"
)

// Phase is where a Client is in its call.
type Phase uint32

const (
	// PhaseJoining: connected, not yet a member of the group.
	PhaseJoining Phase = iota
	// PhaseMember: a member; it sends and opens media.
	PhaseMember
	// PhaseRemoved: removed from the group (it left, or was removed); it
	// sends nothing and opens nothing after the grace period, but stays
	// connected until Close.
	PhaseRemoved
	// PhaseClosed: Close was called.
	PhaseClosed
)

func (p Phase) String() string {
	switch p {
	case PhaseJoining:
		return "joining"
	case PhaseMember:
		return "member"
	case PhaseRemoved:
		return "left"
	case PhaseClosed:
		return "closed"
	}
	return fmt.Sprintf("Phase(%d)", uint32(p))
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventConnected: connected to the relay (Detail: "reconnected" after
	// the first time).
	EventConnected EventKind = iota
	// EventDisconnected: the connection to the relay ended (Err says why).
	EventDisconnected
	// EventCreated: this client created the group; its first commit was
	// confirmed.
	EventCreated
	// EventJoined: this client joined the group (Detail says how).
	EventJoined
	// EventCommit: a commit was merged (By committed it; Added, Removed).
	EventCommit
	// EventRemoved: this client was removed from the group.
	EventRemoved
	// EventStale: a commit of this client lost its epoch to another; it
	// is retried if still wanted.
	EventStale
	// EventError: something failed (Err); the client goes on.
	EventError
)

var eventKindNames = [...]string{"connected", "disconnected", "created", "joined", "commit", "removed", "stale", "error"}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is a membership event of one Client, for a log or a display.
type Event struct {
	Time   time.Time
	Client string
	Kind   EventKind
	// Epoch is the client's epoch after the event.
	Epoch uint64
	// By is the member who committed (EventCommit, EventRemoved) or
	// invited this client (EventJoined).
	By string
	// Added and Removed name the members a commit added and removed.
	Added, Removed []string
	Detail         string
	Err            error
}

func (e Event) String() string {
	var b strings.Builder
	b.WriteString(e.Client)
	switch e.Kind {
	case EventConnected:
		fmt.Fprintf(&b, " %s to the relay", orDefault(e.Detail, "connected"))
	case EventDisconnected:
		fmt.Fprintf(&b, " lost the relay: %v", e.Err)
	case EventCreated:
		fmt.Fprintf(&b, " created the group: epoch %d", e.Epoch)
	case EventJoined:
		fmt.Fprintf(&b, " joined (%s): epoch %d", e.Detail, e.Epoch)
	case EventCommit:
		fmt.Fprintf(&b, " merged %s's commit", e.By)
		if len(e.Added) > 0 {
			fmt.Fprintf(&b, " adding %s", strings.Join(e.Added, ", "))
		}
		if len(e.Removed) > 0 {
			fmt.Fprintf(&b, " removing %s", strings.Join(e.Removed, ", "))
		}
		fmt.Fprintf(&b, ": epoch %d", e.Epoch)
	case EventRemoved:
		if e.By == e.Client {
			fmt.Fprintf(&b, " left the group, its last member; last epoch %d", e.Epoch)
		} else {
			fmt.Fprintf(&b, " was removed by %s's commit; last epoch %d", e.By, e.Epoch)
		}
	case EventStale:
		fmt.Fprintf(&b, "'s %s lost epoch %d to another commit: %s", orDefault(e.Detail, "commit"), e.Epoch, "retrying if still wanted")
	case EventError:
		fmt.Fprintf(&b, ": %s: %v", e.Detail, e.Err)
	default:
		fmt.Fprintf(&b, " %v", e.Kind)
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// SentFrame describes a frame a Client sent.
type SentFrame struct {
	Stream uint32
	Seq    uint64
	Epoch  uint64
	// Capture is the frame's media time on the wall clock (Config.Start
	// plus its timestamp): what the wire carries as timestamp_us. Sent is
	// when it was handed to the transport, sealed.
	Capture, Sent time.Time
	// Size is the frame's bytes, Sealed the sealed packet's.
	Size, Sealed int
}

// ReceivedFrame describes a frame a Client opened.
type ReceivedFrame struct {
	From   string // the sender's MLS identity
	Stream uint32
	Seq    uint64
	Epoch  uint64
	// Capture is the sender's capture time, from the wire; Received is
	// when the transport handed the frame over, Opened when it was
	// opened (later than Received by the hold, for a Held frame).
	Capture, Received, Opened time.Time
	Size                      int // plaintext bytes
	Held                      bool
}
