package relay

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"

	"github.com/sealroom/sealroom/examples/wire"
)

// room is one call: its connected clients and its MLS group as the
// delivery service sees it (epoch, handshake log, GroupInfo). Its lock
// makes one total order of joins, leaves and handshake messages, which is
// the order every member's control stream carries them in.
type room struct {
	srv  *Server
	name string

	mu         sync.Mutex
	loaded     bool
	closed     bool // removed from the server's map; join again
	state      roomState
	members    map[string]*session
	nextSource uint32

	// fanout is a copy-on-write snapshot of the members, read on the
	// media path without the lock.
	fanout atomic.Pointer[[]*session]
}

// getRoom returns the live room named name, creating it if needed.
func (srv *Server) getRoom(name string) (*room, *protoError) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if r := srv.rooms[name]; r != nil {
		return r, nil
	}
	if len(srv.rooms) >= srv.opts.MaxRooms {
		return nil, errorf(wire.ErrorCode_LIMIT_EXCEEDED, "relay serves %d rooms, its limit", len(srv.rooms))
	}
	r := &room{srv: srv, name: name, members: make(map[string]*session)}
	r.fanout.Store(new([]*session))
	srv.rooms[name] = r
	return r, nil
}

// closeIfEmptyLocked marks an empty room closed; the caller then drops it
// from the server's map with forget. Its state is all in the store.
func (r *room) closeIfEmptyLocked() bool {
	if len(r.members) == 0 {
		r.closed = true
	}
	return r.closed
}

func (r *room) forget() {
	r.srv.mu.Lock()
	if r.srv.rooms[r.name] == r {
		delete(r.srv.rooms, r.name)
	}
	r.srv.mu.Unlock()
}

func (r *room) loadLocked() *protoError {
	if r.loaded {
		return nil
	}
	st, err := r.srv.store.loadRoom(r.srv.ctx, r.name)
	if err != nil {
		r.srv.log.Error("load room", "room", r.name, "err", err)
		return errorf(wire.ErrorCode_INTERNAL, "storage failed")
	}
	r.state, r.loaded = st, true
	return nil
}

// publishLocked refreshes the media fan-out snapshot.
func (r *room) publishLocked() {
	list := make([]*session, 0, len(r.members))
	for _, m := range r.members {
		list = append(list, m)
	}
	r.fanout.Store(&list)
}

// broadcastLocked queues one encoded frame to every member.
func (r *room) broadcastLocked(b []byte, except *session) {
	for _, m := range r.members {
		if m != except {
			m.send(b)
		}
	}
}

func memberEvent(s *session, joined bool) []byte {
	return encode(&wire.ServerMessage{Body: &wire.ServerMessage_Member{Member: &wire.MemberEvent{
		Member: &wire.Member{ClientId: s.clientID, Source: s.source}, Joined: joined,
	}}})
}

// join admits s to the room h names: replaces a connection with the same
// client id, answers Joined, delivers pending Welcomes and the requested
// catch-up, and tells the other members.
func (srv *Server) join(s *session, reqID uint64, h *wire.Hello) *protoError {
	for {
		r, perr := srv.getRoom(h.Room)
		if perr != nil {
			return perr
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			continue
		}
		perr = r.joinLocked(s, reqID, h)
		empty := r.closeIfEmptyLocked()
		r.mu.Unlock()
		if empty {
			r.forget()
		}
		return perr
	}
}

func (r *room) joinLocked(s *session, reqID uint64, h *wire.Hello) *protoError {
	if perr := r.loadLocked(); perr != nil {
		return perr
	}
	old := r.members[h.ClientId]
	if old == nil && len(r.members) >= r.srv.opts.MaxMembers {
		return errorf(wire.ErrorCode_LIMIT_EXCEEDED, "room has %d members, its limit", len(r.members))
	}
	var replay [][]byte
	if h.CatchUpSinceEpoch != nil {
		var perr *protoError
		if replay, perr = r.replayLocked(*h.CatchUpSinceEpoch); perr != nil {
			return perr
		}
	}
	welcomes, err := r.srv.store.takeWelcomes(r.srv.ctx, r.name, h.ClientId)
	if err != nil {
		r.srv.log.Error("take welcomes", "room", r.name, "err", err)
		return errorf(wire.ErrorCode_INTERNAL, "storage failed")
	}

	if old != nil {
		delete(r.members, old.clientID)
		old.kill(wire.CloseReplaced, "replaced by a newer connection")
		r.broadcastLocked(memberEvent(old, false), nil)
	}
	r.nextSource++
	if r.nextSource == 0 || r.nextSource == math.MaxUint32 {
		r.nextSource = 1
	}
	s.clientID, s.source = h.ClientId, r.nextSource
	r.members[s.clientID] = s
	r.publishLocked()
	s.room.Store(r)

	joined := &wire.Joined{Source: s.source, GroupExists: r.state.exists, Epoch: r.state.epoch, LastSeq: r.state.lastSeq}
	for _, m := range r.members {
		joined.Members = append(joined.Members, &wire.Member{ClientId: m.clientID, Source: m.source})
	}
	s.reply(reqID, &wire.ServerMessage{Body: &wire.ServerMessage_Joined{Joined: joined}})
	for _, w := range welcomes {
		s.send(welcomeEvent(r.name, w))
	}
	if h.CatchUpSinceEpoch != nil {
		for _, b := range replay {
			s.send(b)
		}
		s.send(encode(&wire.ServerMessage{Body: &wire.ServerMessage_CatchUpDone{CatchUpDone: r.catchUpDoneLocked(len(replay))}}))
	}
	r.broadcastLocked(memberEvent(s, true), s)
	s.log.Info("joined", "room", r.name, "client", s.clientID, "source", s.source,
		"members", len(r.members), "welcomes", len(welcomes), "replayed", len(replay))
	return nil
}

// leave removes s if it is still the room's connection for its client.
func (r *room) leave(s *session) {
	r.mu.Lock()
	if r.members[s.clientID] == s {
		delete(r.members, s.clientID)
		r.publishLocked()
		r.broadcastLocked(memberEvent(s, false), nil)
	}
	empty := r.closeIfEmptyLocked()
	r.mu.Unlock()
	if empty {
		r.forget()
	}
}

func welcomeEvent(room string, w pendingWelcome) []byte {
	return encode(&wire.ServerMessage{Body: &wire.ServerMessage_Welcome{Welcome: &wire.WelcomeEvent{
		Room: room, Sender: w.sender, Epoch: w.epoch, Message: w.message,
	}}})
}

func handshakeEvent(room string, e logEntry) []byte {
	return encode(&wire.ServerMessage{Body: &wire.ServerMessage_HandshakeEvent{HandshakeEvent: &wire.HandshakeEvent{
		Room: room, Seq: e.seq, Kind: wire.HandshakeKind(e.kind), Epoch: e.epoch, Sender: e.sender, Message: e.message,
	}}})
}

func (r *room) catchUpDoneLocked(n int) *wire.CatchUpDone {
	return &wire.CatchUpDone{Epoch: r.state.epoch, LastSeq: r.state.lastSeq, Replayed: uint32(n)}
}

// replayLocked returns the encoded log entries created in since or later.
func (r *room) replayLocked(since uint64) ([][]byte, *protoError) {
	if r.state.pruned && since <= r.state.prunedEpoch {
		return nil, errorf(wire.ErrorCode_LOG_TRUNCATED, "log kept from after epoch %d; join from the latest GroupInfo", r.state.prunedEpoch)
	}
	limit := r.srv.opts.ControlQueueBytes / 2
	entries, err := r.srv.store.readLog(r.srv.ctx, r.name, since, limit)
	if errors.Is(err, errLogTooLarge) {
		return nil, errorf(wire.ErrorCode_LIMIT_EXCEEDED, "catch-up over %d bytes, the relay's limit; join from the latest GroupInfo", limit)
	}
	if err != nil {
		r.srv.log.Error("read log", "room", r.name, "err", err)
		return nil, errorf(wire.ErrorCode_INTERNAL, "storage failed")
	}
	out := make([][]byte, len(entries))
	total := 0
	for i, e := range entries {
		out[i] = handshakeEvent(r.name, e)
		total += len(out[i])
	}
	if total > limit {
		return nil, errorf(wire.ErrorCode_LIMIT_EXCEEDED, "catch-up of %d bytes over the relay's queue limit; join from the latest GroupInfo", total)
	}
	return out, nil
}

func (r *room) catchUp(s *session, reqID uint64, since uint64) *protoError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if perr := r.loadLocked(); perr != nil {
		return perr
	}
	replay, perr := r.replayLocked(since)
	if perr != nil {
		return perr
	}
	for _, b := range replay {
		s.send(b)
	}
	s.reply(reqID, &wire.ServerMessage{Body: &wire.ServerMessage_CatchUpDone{CatchUpDone: r.catchUpDoneLocked(len(replay))}})
	return nil
}

func (r *room) groupInfo(s *session, reqID uint64) *protoError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if perr := r.loadLocked(); perr != nil {
		return perr
	}
	if r.state.groupInfo == nil {
		return errorf(wire.ErrorCode_NO_GROUP_INFO, "no GroupInfo stored for this room")
	}
	s.reply(reqID, &wire.ServerMessage{Body: &wire.ServerMessage_GroupInfo{GroupInfo: &wire.GroupInfo{
		Room: r.name, Epoch: r.state.groupInfoEpoch, GroupInfo: r.state.groupInfo,
	}}})
	return nil
}
