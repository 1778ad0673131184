package transport

import (
	"sync"

	"github.com/sealroom/sealroom/examples/wire"
)

// Event is one item of the relay's ordered control stream: a
// *HandshakeEvent, *WelcomeEvent, *MemberEvent, *CaughtUpEvent or
// *NoticeEvent.
type Event interface{ event() }

// HandshakeEvent is one MLS handshake message of the room, in the room's
// total order. Every member, the sender included, receives the same
// sequence; a commit's sender sees its own commit here as confirmation.
type HandshakeEvent struct {
	Seq     uint64
	Kind    wire.HandshakeKind
	Epoch   uint64 // the epoch the message was created in
	Sender  string
	Message []byte
}

// WelcomeEvent is a Welcome addressed to this client.
type WelcomeEvent struct {
	Sender  string
	Epoch   uint64 // the epoch the Welcome joins
	Message []byte
}

// MemberEvent says a client connected to the room or left it.
type MemberEvent struct {
	Member Member
	Joined bool
}

// CaughtUpEvent follows the replay asked for with Config.CatchUp.
type CaughtUpEvent struct {
	Epoch    uint64 // the room's epoch
	LastSeq  uint64
	Replayed int
}

// NoticeEvent is an error the relay reported about no particular request,
// such as a refused media frame.
type NoticeEvent struct{ Err *Error }

func (*HandshakeEvent) event() {}
func (*WelcomeEvent) event()   {}
func (*MemberEvent) event()    {}
func (*CaughtUpEvent) event()  {}
func (*NoticeEvent) event()    {}

// eventQueue buffers events between the control reader, which must never
// block on the application, and the Events channel. It holds at most
// limit events.
type eventQueue struct {
	mu    sync.Mutex
	items []Event
	limit int
	wake  chan struct{}
	out   chan Event
}

func newEventQueue(limit int) *eventQueue {
	return &eventQueue{limit: limit, wake: make(chan struct{}, 1), out: make(chan Event)}
}

// push appends e; it reports false if the queue is full.
func (q *eventQueue) push(e Event) bool {
	q.mu.Lock()
	if len(q.items) >= q.limit {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// pump delivers queued events to out until done, then closes out.
func (q *eventQueue) pump(done <-chan struct{}) {
	defer close(q.out)
	for {
		q.mu.Lock()
		var e Event
		if len(q.items) > 0 {
			e = q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
		}
		q.mu.Unlock()
		if e == nil {
			select {
			case <-q.wake:
				continue
			case <-done:
				return
			}
		}
		select {
		case q.out <- e:
		case <-done:
			return
		}
	}
}
