package e2ee

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
)

// Commit is a commit this member created (RFC 9420 §12.4), for the
// delivery service. It is pending: the Session stays in its epoch, and
// keeps sending with its keys, until the delivery service confirms the
// commit by delivering it back in the room's total order (Process
// recognizes it), or until another member's commit for the same epoch
// wins instead (Process of the winner discards it, and so does
// DiscardPending).
//
// The fields map onto a transport handshake: Epoch is the epoch the
// commit was created in (the relay refuses it with STALE_EPOCH if another
// commit took that epoch first), Message the commit, GroupInfo the new
// epoch's GroupInfo for external joiners, Welcome the Welcome for Added,
// which joins them to epoch Epoch+1.
type Commit struct {
	Epoch     uint64
	Message   []byte
	Welcome   []byte
	GroupInfo []byte
	// Added are the members the commit adds, at the leaves they will
	// take; Removed the members it removes.
	Added   []Member
	Removed []Member
}

// Proposal is a proposal this member created (RFC 9420 §12.1), for
// another member to commit: Epoch is the epoch it was created in and
// belongs to, Message the MLSMessage.
type Proposal struct {
	Epoch   uint64
	Message []byte
}

// ChangeKind says what a handshake message did to the Session.
type ChangeKind uint8

const (
	// ChangeProposal: another member's proposal, kept for the next commit
	// (Update commits it).
	ChangeProposal ChangeKind = 1 + iota
	// ChangeOwnProposal: the echo of this member's own proposal.
	ChangeOwnProposal
	// ChangeCommit: another member's commit, merged: the Session is in the
	// next epoch and seals with its keys.
	ChangeCommit
	// ChangeOwnCommit: this member's pending commit, confirmed by the
	// delivery service and merged.
	ChangeOwnCommit
	// ChangeRemoved: a commit that removes this member. The Session seals
	// nothing more, opens frames of its last epoch for the grace period,
	// and then nothing.
	ChangeRemoved
)

var changeKindNames = [...]string{
	ChangeProposal:    "proposal",
	ChangeOwnProposal: "own proposal",
	ChangeCommit:      "commit",
	ChangeOwnCommit:   "own commit",
	ChangeRemoved:     "removed",
}

func (k ChangeKind) String() string {
	if k >= ChangeProposal && k <= ChangeRemoved {
		return changeKindNames[k]
	}
	return "ChangeKind(" + strconv.Itoa(int(k)) + ")"
}

// Change is what Process did with a handshake message.
type Change struct {
	Kind ChangeKind
	// Epoch is this member's epoch after the message.
	Epoch uint64
	// From is the member that sent the message (for an external commit,
	// the joiner). A proposal from outside the group (RFC 9420 §12.1.8)
	// has no member: its Leaf is 2^32-1 and Identity nil.
	From Member
	// Added and Removed are the members a commit added and removed.
	Added   []Member
	Removed []Member
	// Discarded is set when the commit of another member took the epoch
	// of this member's pending commit, which is discarded: create it again
	// in the new epoch if it is still wanted.
	Discarded bool
}

// Invite creates a commit that adds the members whose KeyPackages are
// given (MLSMessage-encoded, RFC 9420 §10, as claimed from the relay),
// with a Welcome for them (§12.4.3.1). See Commit for what happens next.
func (s *Session) Invite(keyPackages ...[]byte) (Commit, error) {
	if len(keyPackages) == 0 {
		return Commit{}, newError("invite", ErrInvalidMember, errors.New("no KeyPackage"))
	}
	return s.commit("invite", keyPackages, nil)
}

// Remove creates a commit that removes the members at the given leaves
// (RFC 9420 §12.1.3). This member leaves with Leave instead.
func (s *Session) Remove(leaves ...uint32) (Commit, error) {
	if len(leaves) == 0 {
		return Commit{}, newError("remove", ErrInvalidMember, errors.New("no leaf"))
	}
	return s.commit("remove", nil, leaves)
}

// Update creates a commit with a fresh UpdatePath for this member (RFC
// 9420 §12.4.1), which also commits every proposal received and not yet
// committed (such as another member's Leave). Any commit rotates every
// sender's SFrame keys, since each epoch has its own base key; Update is
// the one to use when nothing else changes, for post-compromise security.
func (s *Session) Update() (Commit, error) {
	return s.commit("update", nil, nil)
}

// commit creates a commit of this member; see group.Commit.
func (s *Session) commit(op string, add [][]byte, remove []uint32) (Commit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state.Load()
	if !isMember(st) {
		return Commit{}, stateError(op, st)
	}
	info := s.current.Load()
	if s.pending != nil {
		return Commit{}, newError(op, ErrPendingCommit, nil).at(s.pendingEpoch)
	}
	if len(s.ownProposals) > 0 {
		// The only proposal the Session makes is its own removal, which
		// its own commit could not carry (RFC 9420 §12.2).
		return Commit{}, newError(op, ErrInvalidMember, errors.New("this member has proposed to leave: another member commits it")).at(info.number)
	}
	for _, l := range remove {
		if l == info.self {
			return Commit{}, newError(op, ErrInvalidMember, errors.New("a member cannot commit its own removal (RFC 9420 §12.2): use Leave")).at(info.number).from(l, info.identity(l))
		}
		if _, ok := info.member(l); !ok {
			return Commit{}, newError(op, ErrInvalidMember, errors.New("leaf is not a member")).at(info.number).from(l, nil)
		}
	}
	out, err := s.g.Commit(add, remove)
	if err != nil {
		return Commit{}, newError(op, nil, err).at(info.number)
	}
	s.pending, s.pendingEpoch, s.pendingFresh = &out, info.number, st == stateRestored
	return s.commitFor(&out, info.number, info), nil
}

// commitFor returns the Commit of out, created in epoch n; info, if not
// nil, names the removed members.
func (s *Session) commitFor(out *commitOutput, n uint64, info *epochInfo) Commit {
	c := Commit{Epoch: n, Message: out.Message, Welcome: out.Welcome, GroupInfo: out.GroupInfo}
	for _, m := range out.Added {
		c.Added = append(c.Added, Member{Leaf: m.Leaf, Identity: m.Identity})
	}
	for _, l := range out.Removed {
		var id []byte
		if info != nil {
			id = slices.Clone(info.identity(l))
		}
		c.Removed = append(c.Removed, Member{Leaf: l, Identity: id})
	}
	return c
}

// Pending returns this member's pending commit, if any.
func (s *Session) Pending() (Commit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		return Commit{}, false
	}
	return s.commitFor(s.pending, s.pendingEpoch, s.info(s.pendingEpoch)), true
}

// DiscardPending forgets this member's pending commit, for instance when
// the relay refused it (STALE_EPOCH): process the winning commit, then
// create the commit again if it is still wanted. A Session that joined by
// external commit has nothing to fall back to: discarding its commit
// closes it, and the application joins again from a fresh GroupInfo.
func (s *Session) DiscardPending() {
	s.mu.Lock()
	if s.pending != nil {
		s.g.ClearPendingCommit()
		s.pending, s.pendingFresh = nil, false
	}
	joining := s.state.Load() == stateJoining
	s.mu.Unlock()
	if joining {
		s.Close()
	}
}

// Leave returns a proposal that removes this member (RFC 9420 §12.1.3),
// for the delivery service: a member cannot commit its own removal, so
// another member commits it (for instance with Update). The Session keeps
// sealing until that commit arrives; Process then reports ChangeRemoved.
// An application that wants to stop at once calls Close as well.
func (s *Session) Leave() (Proposal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.state.Load(); !isMember(st) {
		return Proposal{}, stateError("leave", st)
	}
	n := s.current.Load().number
	msg, err := s.g.ProposeSelfRemove()
	if err != nil {
		return Proposal{}, newError("leave", nil, err).at(n)
	}
	s.ownProposals = append(s.ownProposals, msg)
	return Proposal{Epoch: n, Message: msg}, nil
}

// Process applies one handshake message from the delivery service, in the
// room's total order (transport HandshakeEvent.Message), and says what it
// did:
//
//   - this member's pending commit, delivered back: the confirmation. The
//     commit is merged and the Session moves to the new epoch
//     (ChangeOwnCommit);
//   - another member's commit: validated and merged (ChangeCommit), or,
//     if it removes this member, not merged (ChangeRemoved). A pending
//     commit of this member for the same epoch lost and is discarded
//     (Change.Discarded);
//   - a proposal: kept for the next commit (ChangeProposal), or the echo
//     of this member's own (ChangeOwnProposal).
//
// After a merge, Seal uses the new epoch's key at once, and the previous
// epoch's keys are erased after the grace period (Config.Grace). A
// message of an epoch already passed fails with ErrStaleMessage and
// changes nothing.
func (s *Session) Process(message []byte) (Change, error) {
	s.mu.Lock()
	defer s.unlockReport()
	st := s.state.Load()
	if st == stateClosed || st == stateRemoved {
		return Change{}, stateError("process", st)
	}
	if s.pending != nil && bytes.Equal(message, s.pending.Message) {
		return s.mergeOwn()
	}
	if st == stateJoining {
		// Only members can process the group's messages. If another
		// commit took the epoch, the relay refused ours: join again.
		return Change{}, stateError("process", st)
	}
	info := s.current.Load()
	for _, p := range s.ownProposals {
		if bytes.Equal(message, p) {
			return Change{Kind: ChangeOwnProposal, Epoch: info.number, From: memberAt(info, info.self)}, nil
		}
	}
	in, err := s.g.Process(message)
	if err != nil {
		e := newError("process", nil, err).at(info.number)
		if errors.Is(err, ErrStaleMessage) {
			e.Kind = ErrStaleMessage
		}
		return Change{}, e
	}
	from := memberAt(info, in.Sender)
	if !in.Commit {
		return Change{Kind: ChangeProposal, Epoch: info.number, From: from}, nil
	}
	c := Change{Kind: ChangeCommit, From: from, Discarded: s.pending != nil}
	if s.pending != nil {
		s.g.ClearPendingCommit()
		s.pending, s.pendingFresh = nil, false
	}
	if slices.Contains(in.Removed, info.self) {
		s.state.Store(stateRemoved)
		s.retire(info.number)
		c.Kind, c.Epoch = ChangeRemoved, info.number
		for _, l := range in.Removed {
			c.Removed = append(c.Removed, memberAt(info, l))
		}
		return c, nil
	}
	if err := in.Merge(); err != nil {
		return Change{}, newError("process", nil, err).at(info.number).from(in.Sender, from.Identity)
	}
	return s.merged(c, info)
}

// mergeOwn merges this member's confirmed pending commit. The caller
// holds s.mu.
func (s *Session) mergeOwn() (Change, error) {
	before := s.current.Load()
	fresh := s.pendingFresh
	s.pending, s.pendingFresh = nil, false
	if err := s.g.MergePendingCommit(); err != nil {
		return Change{}, newError("process", nil, err).at(s.pendingEpoch)
	}
	c := Change{Kind: ChangeOwnCommit}
	if before == nil {
		// An external join: this member's first epoch.
		s.state.Store(stateMember)
		if err := s.installEpoch(); err != nil {
			return Change{}, err
		}
		after := s.current.Load()
		c.Epoch, c.From = after.number, memberAt(after, after.self)
		c.Added = []Member{c.From}
		return c, nil
	}
	c.From = memberAt(before, before.self)
	c, err := s.merged(c, before)
	if err == nil && fresh && s.state.Load() == stateRestored {
		// The epoch this commit created did not exist before the restore:
		// its keys have never sealed anything (see Restore).
		s.state.Store(stateMember)
	}
	return c, err
}

// merged installs the epoch the group has just entered and completes c
// with the members added and removed since before. The caller holds s.mu.
func (s *Session) merged(c Change, before *epochInfo) (Change, error) {
	s.ownProposals = nil
	if err := s.installEpoch(); err != nil {
		return Change{}, err
	}
	after := s.current.Load()
	c.Epoch = after.number
	if c.From.Identity == nil {
		// An external commit: the sender joined with it.
		c.From = memberAt(after, c.From.Leaf)
	}
	for leaf, m := range before.members {
		if m.present && !sameMember(after, uint32(leaf), m) {
			c.Removed = append(c.Removed, memberAt(before, uint32(leaf)))
		}
	}
	for leaf, m := range after.members {
		if m.present && !sameMember(before, uint32(leaf), m) {
			c.Added = append(c.Added, memberAt(after, uint32(leaf)))
		}
	}
	return c, nil
}

// sameMember reports whether info has the member m (same identity and
// signature key) at leaf.
func sameMember(info *epochInfo, leaf uint32, m memberInfo) bool {
	o, ok := info.member(leaf)
	return ok && bytes.Equal(o.identity, m.identity) && bytes.Equal(o.sigKey, m.sigKey)
}

// memberAt returns the member at leaf of info, with a copy of its
// identity (nil for a blank leaf).
func memberAt(info *epochInfo, leaf uint32) Member {
	return Member{Leaf: leaf, Identity: slices.Clone(info.identity(leaf))}
}
