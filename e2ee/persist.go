package e2ee

import (
	"errors"
	"maps"
	"slices"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
	"github.com/sealroom/sealroom/mls"
)

// Persistence of a Session, so that a client can restart in the middle of
// a call: MarshalBinary stores the MLS group (mls.Group.MarshalBinary) with
// the Session's pending commit and proposals; Restore brings them back.
//
// # SFrame counters after a restore
//
// The SFrame nonce of a frame is derived from its key's salt and its
// counter (RFC 9605 §4.4.3), and each epoch's send key starts at counter
// 0. A Session restored into an epoch it had been sealing in would
// restart that key at counter 0 and reuse nonces under it, which for
// AES-GCM gives away the authentication key and the XOR of the
// plaintexts. The stored state cannot say how far the counter got: it
// was taken before some of the frames were sealed, and it may be older
// than the last epoch the client reached (a snapshot of epoch 5 restored
// after the client had sealed in epochs 6 and 7, which it will re-enter
// by processing the relay's log again).
//
// So a restored Session never seals with the key of an epoch that might
// have existed before the restore. It opens frames and processes
// handshake messages at once, but Seal fails with ErrRestored until a
// commit the Session created after the restore (Update, Invite, Remove)
// has been confirmed and merged: that commit carries a fresh UpdatePath
// (RFC 9420 §12.4.1), so its epoch's secret, and every SFrame key derived
// from it, is new. Epochs entered by other members' commits, and by a
// commit of this member that was pending when the state was stored, do not
// count, since the client may have reached them before the restore.
//
// The alternative, storing the send counter and reserving blocks of
// counters ahead of use, would need a write to storage before a frame may
// be sealed under a new block, on the hot path, and still fails the stale
// snapshot above, whose epochs have no stored counter at all. The commit
// costs one round trip through the relay (the client is silent for that
// long after a restart, typically well under a second) and gives
// post-compromise security for the state that sat in storage.
//
// MLS has the same problem with its own handshake ratchet: a restored
// group may encrypt a PrivateMessage commit with a generation it used
// before the crash. RFC 9420 §6.3.1's reuse guard, four random bytes
// XORed into the nonce of every PrivateMessage, exists for this case;
// Config.PublicHandshake avoids it altogether.
//
// Other state is not stored: the receive replay windows (a frame received
// before the restart, replayed by the relay in the restored epoch, opens
// once more until the new epoch replaces it), the keys of epochs in their
// grace period (their frames in flight are lost), and the sender
// authentication state.
//
// # Encoding
//
//	struct {
//	    opaque magic[8] = "SRE2EESS";
//	    uint16 version = 1;
//	    opaque group<V>;                 // mlsGroup.MarshalBinary
//	    optional<PendingCommit> pending;
//	    opaque own_proposals<V><V>;
//	} SessionState;
//
//	struct {
//	    uint64 epoch;                    // the epoch it was created in
//	    opaque message<V>;
//	    opaque welcome<V>;
//	    opaque group_info<V>;
//	    StoredMember added<V>;
//	    uint32 removed<V>;
//	} PendingCommit;
//
//	struct {
//	    uint32 leaf;
//	    opaque identity<V>;
//	    opaque signature_key<V>;
//	} StoredMember;
//
//	struct {
//	    opaque mls_group<V>;             // mls.Group.MarshalBinary
//	    uint32 cached_removes<V>;        // see mlsGroup.removes
//	} StoredGroup;
//
// The encoding holds every secret of the group: store it as a secret.

const (
	sessionStateMagic   = "SRE2EESS"
	sessionStateVersion = 1
)

// MarshalBinary encodes the Session for storage (see Restore). It is a
// member's state: a Session that is joining, removed or closed has none
// worth keeping (ErrNotMember, ErrClosed). The encoding holds the group's
// secrets: store it as a secret, and replace it after every change
// (Process, a commit), so that a restart needs less of the relay's log.
// Any stored state is safe to restore as far as SFrame keys go: see
// Restore.
func (s *Session) MarshalBinary() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.state.Load(); !isMember(st) {
		return nil, stateError("save", st)
	}
	n := s.current.Load().number
	gs, err := s.g.MarshalBinary()
	defer clear(gs)
	if err != nil {
		return nil, newError("save", nil, err).at(n)
	}
	out, err := tlscodec.Marshal(func(b *cryptobyte.Builder) {
		b.AddBytes([]byte(sessionStateMagic))
		b.AddUint16(sessionStateVersion)
		tlscodec.AddOpaque(b, gs)
		tlscodec.AddOptional(b, s.pending != nil, func(b *cryptobyte.Builder) { addPendingCommit(b, s.pendingEpoch, s.pending) })
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, p := range s.ownProposals {
				tlscodec.AddOpaque(b, p)
			}
		})
	})
	if err != nil {
		return nil, newError("save", nil, err).at(n)
	}
	return out, nil
}

func addPendingCommit(b *cryptobyte.Builder, epoch uint64, c *commitOutput) {
	b.AddUint64(epoch)
	tlscodec.AddOpaque(b, c.Message)
	tlscodec.AddOpaque(b, c.Welcome)
	tlscodec.AddOpaque(b, c.GroupInfo)
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, m := range c.Added {
			b.AddUint32(m.Leaf)
			tlscodec.AddOpaque(b, m.Identity)
			tlscodec.AddOpaque(b, m.SignatureKey)
		}
	})
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, l := range c.Removed {
			b.AddUint32(l)
		}
	})
}

func readPendingCommit(s *cryptobyte.String, epoch *uint64, c *commitOutput) bool {
	if !s.ReadUint64(epoch) || !tlscodec.ReadOpaque(s, &c.Message) || !tlscodec.ReadOpaque(s, &c.Welcome) || !tlscodec.ReadOpaque(s, &c.GroupInfo) {
		return false
	}
	if !tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
		var m member
		ok := s.ReadUint32(&m.Leaf) && tlscodec.ReadOpaque(s, &m.Identity) && tlscodec.ReadOpaque(s, &m.SignatureKey)
		c.Added = append(c.Added, m)
		return ok
	}) {
		return false
	}
	return tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
		var l uint32
		ok := s.ReadUint32(&l)
		c.Removed = append(c.Removed, l)
		return ok
	})
}

// Restore returns the Session stored by MarshalBinary, with cfg, which
// must be the Config it ran with (the MLS group's options are taken from
// cfg, not from storage: the credential validator and clock are functions).
// Errors wrap ErrInvalidState for data that does not decode or does not
// hold together.
//
// The restored Session is a member in the stored epoch: it opens frames,
// processes handshake messages (catch up with the relay's log from
// Session.Epoch on, transport Conn.CatchUp) and commits, but seals nothing
// (ErrRestored) until a commit it creates after the restore is confirmed:
// once caught up, call Update, send the commit, and Process its echo. See
// the top of persist.go for why. A commit that was pending when the state
// was stored is restored too (Pending): process its echo, or
// DiscardPending if the relay refused it.
//
// If the relay's log shows a commit of this member that the stored state
// does not know (state stored before the commit was made), Process fails
// with mls.ErrOwnMessage: the state is lost, and the client joins again
// with JoinExternal and ExternalJoinOptions.Resync.
func Restore(data []byte, cfg Config) (*Session, error) {
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	var (
		version      uint16
		groupState   []byte
		hasPending   bool
		pending      commitOutput
		pendingEpoch uint64
		proposals    [][]byte
	)
	err = tlscodec.Unmarshal("stored session", data, func(s *cryptobyte.String) bool {
		var magic []byte
		if !s.ReadBytes(&magic, len(sessionStateMagic)) || string(magic) != sessionStateMagic ||
			!s.ReadUint16(&version) || version != sessionStateVersion || !tlscodec.ReadOpaque(s, &groupState) ||
			!tlscodec.ReadOptional(s, &hasPending) {
			return false
		}
		if hasPending && !readPendingCommit(s, &pendingEpoch, &pending) {
			return false
		}
		return tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
			var p []byte
			ok := tlscodec.ReadOpaque(s, &p)
			proposals = append(proposals, p)
			return ok
		})
	})
	defer clear(groupState)
	if err != nil {
		return nil, newError("restore", ErrInvalidState, err)
	}
	a, err := unmarshalMLSGroup(groupState, set.mls)
	if err != nil {
		return nil, newError("restore", ErrInvalidState, err)
	}
	n := a.g.Epoch()
	if _, ok := a.g.OwnLeaf(); !ok || a.g.PendingReInit() != nil {
		return nil, newError("restore", ErrNotMember, errors.New("the stored group has ended for this member")).at(n)
	}
	if hasPending != a.g.HasPendingCommit() || (hasPending && pendingEpoch != n) {
		return nil, newError("restore", ErrInvalidState, errors.New("the pending commit does not match the group's")).at(n)
	}
	s, err := newSession(cfg, a)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.state.Store(stateRestored)
	if hasPending {
		s.pending, s.pendingEpoch = &pending, pendingEpoch
	}
	s.ownProposals = proposals
	s.mu.Unlock()
	return s, nil
}

// MarshalBinary encodes the group and the cached Remove proposals (see
// StoredGroup in persist.go).
func (a *mlsGroup) MarshalBinary() ([]byte, error) {
	if a.joining {
		return nil, errNotConfirmed
	}
	gs, err := a.g.MarshalBinary()
	defer clear(gs)
	if err != nil {
		return nil, err
	}
	removes := a.cachedRemoves()
	return tlscodec.Marshal(func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, gs)
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, l := range slices.Sorted(maps.Keys(removes)) {
				b.AddUint32(l)
			}
		})
	})
}

// unmarshalMLSGroup restores the group encoded by mlsGroup.MarshalBinary,
// with opts.
func unmarshalMLSGroup(data []byte, opts mls.GroupOptions) (*mlsGroup, error) {
	var gs []byte
	var removes []uint32
	err := tlscodec.Unmarshal("stored group", data, func(s *cryptobyte.String) bool {
		return tlscodec.ReadOpaque(s, &gs) && tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
			var l uint32
			ok := s.ReadUint32(&l)
			removes = append(removes, l)
			return ok
		})
	})
	defer clear(gs)
	if err != nil {
		return nil, err
	}
	g, err := mls.UnmarshalGroup(gs, &opts)
	if err != nil {
		return nil, err
	}
	a := newMLSGroup(g)
	cached := a.cachedRemoves()
	for _, l := range removes {
		cached[l] = true
	}
	return a, nil
}
