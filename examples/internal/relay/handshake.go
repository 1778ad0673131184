package relay

import (
	"math"

	"github.com/sealroom/sealroom/examples/wire"
)

// checkHandshake validates the envelope of a handshake message; the MLS
// bytes inside stay opaque.
func (r *room) checkHandshake(h *wire.Handshake) *protoError {
	if len(h.Message) == 0 {
		return errorf(wire.ErrorCode_BAD_MESSAGE, "handshake message is empty")
	}
	if h.Epoch == math.MaxUint64 {
		return errorf(wire.ErrorCode_BAD_MESSAGE, "epoch %d has no successor", h.Epoch)
	}
	if len(h.Recipients) > r.srv.opts.MaxMembers {
		return errorf(wire.ErrorCode_LIMIT_EXCEEDED, "%d recipients, room limit %d", len(h.Recipients), r.srv.opts.MaxMembers)
	}
	for _, rc := range h.Recipients {
		if perr := checkName("recipient", rc); perr != nil {
			return perr
		}
	}
	switch h.Kind {
	case wire.HandshakeKind_HANDSHAKE_KIND_COMMIT:
		if (len(h.Welcome) == 0) != (len(h.Recipients) == 0) {
			return errorf(wire.ErrorCode_BAD_MESSAGE, "commit has a Welcome without recipients or recipients without a Welcome")
		}
	case wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL:
		if len(h.GroupInfo) != 0 || len(h.Welcome) != 0 || len(h.Recipients) != 0 {
			return errorf(wire.ErrorCode_BAD_MESSAGE, "proposal carries a GroupInfo, Welcome or recipients")
		}
	case wire.HandshakeKind_HANDSHAKE_KIND_WELCOME:
		if len(h.Recipients) == 0 {
			return errorf(wire.ErrorCode_BAD_MESSAGE, "Welcome has no recipients")
		}
		if len(h.GroupInfo) != 0 || len(h.Welcome) != 0 {
			return errorf(wire.ErrorCode_BAD_MESSAGE, "Welcome carries a GroupInfo or a second Welcome")
		}
	default:
		return errorf(wire.ErrorCode_BAD_MESSAGE, "handshake kind %d", h.Kind)
	}
	return nil
}

// handshake orders one handshake message of s (RFC 9420 §14): commits
// and proposals must target the room's current epoch; the first commit
// for an epoch wins and moves the room on, later ones are STALE_EPOCH.
// Accepted messages are stored, then broadcast to every member in one
// total order (the sender too, as confirmation), then acknowledged.
func (r *room) handshake(s *session, reqID uint64, h *wire.Handshake) *protoError {
	if perr := r.checkHandshake(h); perr != nil {
		return perr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if perr := r.loadLocked(); perr != nil {
		return perr
	}
	ctx, opts := r.srv.ctx, &r.srv.opts

	// Recipients connected now get their Welcome at once; the others when
	// they next join.
	var online []*session
	var offline []string
	for _, rc := range h.Recipients {
		if m := r.members[rc]; m != nil {
			online = append(online, m)
		} else {
			offline = append(offline, rc)
		}
	}

	if h.Kind == wire.HandshakeKind_HANDSHAKE_KIND_WELCOME {
		w := pendingWelcome{sender: s.clientID, epoch: h.Epoch, message: h.Message}
		if len(offline) > 0 {
			if err := r.srv.store.storeWelcome(ctx, r.name, offline, w, opts.MaxPendingWelcomes); err != nil {
				s.log.Error("store welcome", "room", r.name, "err", err)
				return errorf(wire.ErrorCode_INTERNAL, "storage failed")
			}
		}
		b := welcomeEvent(r.name, w)
		for _, m := range online {
			m.send(b)
		}
		s.log.Info("welcome", "room", r.name, "client", s.clientID, "epoch", h.Epoch, "bytes", len(h.Message),
			"delivered", len(online), "stored", len(offline))
		s.reply(reqID, &wire.ServerMessage{Body: &wire.ServerMessage_HandshakeAccepted{HandshakeAccepted: &wire.HandshakeAccepted{Epoch: r.state.epoch}}})
		return nil
	}

	st := r.state
	if st.exists && h.Epoch != st.epoch {
		code := wire.ErrorCode_FUTURE_EPOCH
		if h.Epoch < st.epoch {
			code = wire.ErrorCode_STALE_EPOCH
			r.srv.stats.staleCommits.Add(1)
		}
		s.log.Info("handshake refused", "room", r.name, "client", s.clientID, "kind", h.Kind.String(), "epoch", h.Epoch, "room_epoch", st.epoch)
		perr := errorf(code, "%v for epoch %d, room is at epoch %d", h.Kind, h.Epoch, st.epoch)
		perr.epoch = st.epoch
		return perr
	}

	next := st
	next.exists = true
	next.lastSeq++
	next.epoch = h.Epoch
	if h.Kind == wire.HandshakeKind_HANDSHAKE_KIND_COMMIT {
		next.epoch = h.Epoch + 1
		next.groupInfo, next.groupInfoEpoch = nil, 0
		if len(h.GroupInfo) > 0 {
			next.groupInfo, next.groupInfoEpoch = h.GroupInfo, next.epoch
		}
	}
	e := logEntry{seq: next.lastSeq, epoch: h.Epoch, kind: int32(h.Kind), sender: s.clientID, message: h.Message}
	stored, err := r.srv.store.appendLog(ctx, r.name, next, e, h.Welcome, offline, opts.MaxLog, opts.MaxPendingWelcomes)
	if err != nil {
		s.log.Error("append log", "room", r.name, "err", err)
		return errorf(wire.ErrorCode_INTERNAL, "storage failed")
	}
	r.state = stored
	r.srv.stats.handshakes.Add(1)

	r.broadcastLocked(handshakeEvent(r.name, e), nil)
	if len(online) > 0 {
		b := welcomeEvent(r.name, pendingWelcome{sender: s.clientID, epoch: next.epoch, message: h.Welcome})
		for _, m := range online {
			m.send(b)
		}
	}
	s.log.Info("handshake", "room", r.name, "client", s.clientID, "kind", h.Kind.String(), "epoch", h.Epoch,
		"seq", e.seq, "bytes", len(h.Message), "group_info_bytes", len(h.GroupInfo), "welcome_recipients", len(h.Recipients))
	s.reply(reqID, &wire.ServerMessage{Body: &wire.ServerMessage_HandshakeAccepted{HandshakeAccepted: &wire.HandshakeAccepted{
		Seq: e.seq, Epoch: r.state.epoch,
	}}})
	return nil
}
