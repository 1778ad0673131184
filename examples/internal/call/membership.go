package call

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// mlsState is what the MLS goroutine knows of the room and the group.
type mlsState struct {
	conn     *transport.Conn
	caughtUp bool // the catch-up asked for on this connection is done

	groupExists bool
	roomEpoch   uint64 // the room's epoch as far as the relay has told
	lastSeq     uint64 // the last handshake message processed

	roster      map[string]uint32    // clients connected to the room, by id
	absentSince map[string]time.Time // members not connected, since when
	departed    map[string]bool      // removed while connected: not invited again on that connection
	invitees    map[string]*invitee

	proposals int             // proposals received in this epoch, not committed
	leaving   map[uint32]bool // leaves that proposed to leave in this epoch

	kps []*e2ee.KeyPackagePrivate // for JoinFromWelcome; the last is the last resort

	creating      bool            // the Session is a group of our own, its first commit pending
	pendingSentOn *transport.Conn // the connection the pending commit was sent on
	pendingOp     string          // what the pending commit does
	pendingTo     []string
	joinBackoff   backoff
	joinAt        time.Time
	forceExternal bool // the state was lost: join again by external commit

	leave         bool
	leaveSent     bool
	leaveEpoch    uint64
	leaveWaiters  []chan error
	updates       []chan error
	commitBackoff backoff
	commitAt      time.Time
	wake          time.Time
}

// invitee is a connected client that is not a member, and when to try
// inviting it next.
type invitee struct {
	at      time.Time
	backoff backoff
}

type backoff struct{ d time.Duration }

// next returns the next delay: minBackoff, doubling up to maxBackoff.
func (b *backoff) next() time.Duration {
	b.d = min(max(2*b.d, minBackoff), maxBackoff)
	return b.d
}

func (b *backoff) reset() { b.d = 0 }

func (st *mlsState) init() {
	st.roster = make(map[string]uint32)
	st.absentSince = make(map[string]time.Time)
	st.departed = make(map[string]bool)
	st.invitees = make(map[string]*invitee)
	st.leaving = make(map[uint32]bool)
}

// wakeAt asks the MLS goroutine to run reconcile again at t.
func (st *mlsState) wakeAt(t time.Time) {
	if st.wake.IsZero() || t.Before(st.wake) {
		st.wake = t
	}
}

// dial connects to the relay, catching up from the client's epoch if it
// has a Session.
func (c *Client) dial(ctx context.Context) (*transport.Conn, error) {
	tc := transport.Config{
		Room: c.cfg.Room, ClientID: c.cfg.Name, Token: c.cfg.Token,
		CertSHA256: c.cfg.CertSHA256, InsecureSkipVerify: c.cfg.InsecureSkipVerify, TLSConfig: c.cfg.TLSConfig,
		MediaBuffer: c.cfg.MediaBuffer,
	}
	if s := c.sess.Load(); s != nil {
		tc.CatchUp, tc.CatchUpSince = true, s.Epoch()
		if p, ok := s.Pending(); ok {
			tc.CatchUpSince = p.Epoch
		}
	}
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := transport.Dial(ctx, c.cfg.Relay, tc)
	if err != nil {
		return nil, fmt.Errorf("call: %s: %w", c.cfg.Name, err)
	}
	return conn, nil
}

// uploadKeyPackages makes and uploads the KeyPackages others invite this
// client with: Config.KeyPackages one-time ones and a last-resort one.
func (c *Client) uploadKeyPackages(ctx context.Context, conn *transport.Conn) error {
	var kps [][]byte
	var privs []*e2ee.KeyPackagePrivate
	for range c.cfg.KeyPackages + 1 {
		kp, priv, err := e2ee.NewKeyPackage(c.id)
		if err != nil {
			return fmt.Errorf("call: KeyPackage: %w", err)
		}
		kps, privs = append(kps, kp), append(privs, priv)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if _, err := conn.UploadKeyPackages(ctx, kps[:len(kps)-1], kps[len(kps)-1]); err != nil {
		return fmt.Errorf("call: %s: upload KeyPackages: %w", c.cfg.Name, err)
	}
	c.st.kps = privs
	return nil
}

// run is the MLS goroutine: it owns the connection and the group
// operations, processes the relay's ordered control stream and decides
// what to commit, reconnecting when the connection ends.
func (c *Client) run(conn *transport.Conn) {
	st := &c.st
	defer func() {
		for _, w := range append(st.leaveWaiters, st.updates...) {
			w <- errors.New("call: client closed")
		}
	}()
	for {
		c.attach(conn)
		c.loop(conn)
		if c.ctx.Err() != nil {
			return
		}
		c.emit(Event{Kind: EventDisconnected, Epoch: c.Epoch(), Err: conn.Err()})
		conn.Close()
		var b backoff
		for {
			var err error
			if conn, err = c.dial(c.ctx); err == nil {
				break
			}
			select {
			case <-c.ctx.Done():
				return
			case <-time.After(b.next()):
			}
		}
		c.stats.reconnects.Add(1)
	}
}

// attach starts using a fresh connection.
func (c *Client) attach(conn *transport.Conn) {
	st := &c.st
	first := st.conn == nil
	st.conn = conn
	c.conn.Store(conn)
	j := conn.Joined()
	if j.LastSeq < st.lastSeq {
		// The relay lost its log: nothing to catch up with.
		c.log.Warn("relay log behind this client", "relay_seq", j.LastSeq, "seq", st.lastSeq)
		st.lastSeq = j.LastSeq
	}
	st.groupExists = st.groupExists || j.GroupExists
	st.roomEpoch = max(st.roomEpoch, j.Epoch)
	st.caughtUp = c.sess.Load() == nil // a Session asked for a catch-up (dial)
	st.pendingSentOn = nil
	clear(st.roster)
	for _, m := range j.Members {
		st.roster[m.ClientID] = m.Source
		c.setSource(m.Source, m.ClientID)
	}
	detail := "connected"
	if !first {
		detail = "reconnected"
	}
	c.emit(Event{Kind: EventConnected, Epoch: c.Epoch(), Detail: detail})
	c.wg.Go(func() { c.pump(conn) })
}

// loop handles one connection's events until it ends.
func (c *Client) loop(conn *transport.Conn) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		c.reconcile()
		d := time.Hour
		if w := c.st.wake; !w.IsZero() {
			d = max(time.Until(w), 0)
		}
		timer.Reset(d)
		select {
		case e, ok := <-conn.Events():
			if !ok {
				return
			}
			c.handleEvent(e)
		case cmd := <-c.cmds:
			c.handleCommand(cmd)
		case <-timer.C:
		case <-c.ctx.Done():
			return
		}
	}
}

func (c *Client) handleCommand(cmd command) {
	st := &c.st
	switch cmd.kind {
	case "leave":
		if c.Phase() == PhaseRemoved {
			cmd.reply <- nil
			return
		}
		st.leave = true
		st.leaveWaiters = append(st.leaveWaiters, cmd.reply)
	case "update":
		if c.Phase() != PhaseMember {
			cmd.reply <- fmt.Errorf("call: %s: update: not a member (%v)", c.cfg.Name, c.Phase())
			return
		}
		st.updates = append(st.updates, cmd.reply)
	}
}

// handleEvent applies one event of the relay's control stream.
func (c *Client) handleEvent(e transport.Event) {
	st := &c.st
	switch e := e.(type) {
	case *transport.HandshakeEvent:
		if e.Seq <= st.lastSeq {
			return // seen before a reconnection
		}
		st.lastSeq = e.Seq
		st.groupExists = true
		if e.Kind == wire.HandshakeKind_HANDSHAKE_KIND_COMMIT {
			st.roomEpoch = max(st.roomEpoch, e.Epoch+1)
		} else {
			st.roomEpoch = max(st.roomEpoch, e.Epoch)
		}
		c.process(e)
	case *transport.WelcomeEvent:
		c.welcome(e)
	case *transport.MemberEvent:
		id := e.Member.ClientID
		if e.Joined {
			st.roster[id] = e.Member.Source
			c.setSource(e.Member.Source, id)
			delete(st.absentSince, id)
			delete(st.invitees, id)
		} else {
			if st.roster[id] == e.Member.Source {
				delete(st.roster, id)
			}
			delete(st.departed, id)
			delete(st.invitees, id)
		}
	case *transport.CaughtUpEvent:
		st.caughtUp = true
		st.roomEpoch = max(st.roomEpoch, e.Epoch)
	case *transport.NoticeEvent:
		c.log.Debug("relay notice", "err", e.Err)
	}
}

// process applies one handshake message to the Session.
func (c *Client) process(e *transport.HandshakeEvent) {
	st := &c.st
	s := c.sess.Load()
	if s == nil {
		return // not in the group: nothing to apply it to
	}
	if testHookProcess != nil {
		testHookProcess(c)
	}
	phase := c.Phase()
	if phase == PhaseJoining {
		// A group of our own, or an external join: only our commit
		// concerns us. Another commit for its epoch means ours lost.
		p, ok := s.Pending()
		if !ok || e.Epoch != p.Epoch {
			return
		}
		if !bytes.Equal(e.Message, p.Message) {
			c.lost()
			return
		}
	} else if phase != PhaseMember || e.Epoch < s.Epoch() {
		return
	}
	ch, err := s.Process(e.Message)
	if err != nil {
		if errors.Is(err, e2ee.ErrStaleMessage) {
			return
		}
		c.stats.processErrors.Add(1)
		c.emit(Event{Kind: EventError, Epoch: s.Epoch(), Detail: fmt.Sprintf("processing %v %d from %s", e.Kind, e.Seq, e.Sender), Err: err})
		if e.Kind == wire.HandshakeKind_HANDSHAKE_KIND_COMMIT && e.Epoch == s.Epoch() {
			// The group moved on without us: join again in place of our
			// leaf.
			c.resync()
		}
		return
	}
	switch ch.Kind {
	case e2ee.ChangeOwnCommit, e2ee.ChangeCommit:
		c.merged(ch)
	case e2ee.ChangeRemoved:
		st.pendingSentOn, st.pendingOp, st.pendingTo = nil, "", nil
		c.removedFromGroup(ch)
	case e2ee.ChangeProposal:
		st.proposals++
		st.leaving[ch.From.Leaf] = true
	}
}

// merged updates the state after a commit moved the Session to a new
// epoch.
func (c *Client) merged(ch e2ee.Change) {
	st := &c.st
	own := ch.Kind == e2ee.ChangeOwnCommit
	op := st.pendingOp
	if own || ch.Discarded {
		st.pendingSentOn, st.pendingOp, st.pendingTo = nil, "", nil
	}
	st.roomEpoch = max(st.roomEpoch, ch.Epoch)
	st.proposals = 0
	clear(st.leaving)
	st.leaveSent = false
	st.commitBackoff.reset()
	st.commitAt = time.Time{}
	for _, m := range ch.Removed {
		id := string(m.Identity)
		if _, ok := st.roster[id]; ok {
			st.departed[id] = true
		}
		delete(st.absentSince, id)
	}
	c.epochChanged()
	if c.Phase() == PhaseJoining {
		st.creating = false
		st.joinBackoff.reset()
		c.setPhase(PhaseMember)
		if op == "create" {
			c.emit(Event{Kind: EventCreated, Epoch: ch.Epoch})
		} else {
			c.emit(Event{Kind: EventJoined, Epoch: ch.Epoch, Detail: "external commit"})
		}
		return
	}
	if own && op == "update" && len(st.updates) > 0 {
		st.updates[0] <- nil
		st.updates = st.updates[1:]
	}
	c.emit(Event{Kind: EventCommit, Epoch: ch.Epoch, By: string(ch.From.Identity), Added: names(ch.Added), Removed: names(ch.Removed)})
}

// removedFromGroup records this client's removal from the group.
func (c *Client) removedFromGroup(ch e2ee.Change) {
	st := &c.st
	grace := c.cfg.Session.Grace
	if grace == 0 {
		grace = e2ee.DefaultGrace
	}
	c.stats.depart(time.Now(), ch.Epoch, grace)
	c.setPhase(PhaseRemoved)
	c.epochChanged()
	for _, w := range st.leaveWaiters {
		w <- nil
	}
	st.leaveWaiters = nil
	for _, w := range st.updates {
		w <- fmt.Errorf("call: %s: removed from the group", c.cfg.Name)
	}
	st.updates = nil
	c.emit(Event{Kind: EventRemoved, Epoch: ch.Epoch, By: string(ch.From.Identity)})
}

func names(ms []e2ee.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Identity))
	}
	return out
}

// welcome joins the group with a Welcome, if this client is waiting for
// one.
func (c *Client) welcome(e *transport.WelcomeEvent) {
	st := &c.st
	if c.sess.Load() != nil || c.Phase() != PhaseJoining || st.forceExternal {
		return
	}
	for i, priv := range st.kps {
		s, err := e2ee.JoinFromWelcome(e.Message, priv, c.cfg.Session)
		if err != nil {
			continue
		}
		if i < len(st.kps)-1 {
			// A one-time KeyPackage is for one join (RFC 9420 §16.8).
			st.kps = slices.Delete(st.kps, i, i+1)
		}
		c.sess.Store(s)
		st.roomEpoch = max(st.roomEpoch, s.Epoch())
		st.caughtUp = true
		c.setPhase(PhaseMember)
		c.epochChanged()
		c.emit(Event{Kind: EventJoined, Epoch: s.Epoch(), By: e.Sender, Detail: "invited by " + e.Sender})
		return
	}
	c.emit(Event{Kind: EventError, Detail: "Welcome from " + e.Sender + " opens with none of this client's KeyPackages", Err: errors.New("ignored")})
}

// lost drops a Session whose first commit (creating the group, or
// joining it by external commit) lost its epoch to another.
func (c *Client) lost() {
	st := &c.st
	s := c.sess.Load()
	op := st.pendingOp
	c.stats.staleCommits.Add(1)
	c.emit(Event{Kind: EventStale, Epoch: c.st.roomEpoch, Detail: op})
	s.DiscardPending()
	s.Close()
	c.sess.Store(nil)
	st.creating = false
	st.pendingSentOn, st.pendingOp, st.pendingTo = nil, "", nil
	st.joinAt = time.Now().Add(st.joinBackoff.next())
}

// resync abandons a Session that fell out of step with the group, and
// joins again by external commit in place of its leaf.
func (c *Client) resync() {
	st := &c.st
	s := c.sess.Load()
	s.Close()
	c.sess.Store(nil)
	st.pendingSentOn, st.pendingOp, st.pendingTo = nil, "", nil
	st.forceExternal = true
	st.caughtUp = true
	c.setPhase(PhaseJoining)
	c.epochChanged()
}

// reconcile does what the state calls for next: join, resend or drop a
// pending commit, leave, or, as the member that commits for the group,
// commit proposals, invite newcomers and remove the long gone. It runs
// after every event, and at st.wake.
func (c *Client) reconcile() {
	st := &c.st
	st.wake = time.Time{}
	if c.ctx.Err() != nil || !st.caughtUp {
		return
	}
	now := time.Now()
	switch c.Phase() {
	case PhaseJoining:
		c.reconcileJoin(now)
	case PhaseMember:
		c.reconcileMember(now)
	}
}

func (c *Client) reconcileJoin(now time.Time) {
	st := &c.st
	if s := c.sess.Load(); s != nil {
		c.reconcilePending(s)
		return
	}
	if now.Before(st.joinAt) {
		st.wakeAt(st.joinAt)
		return
	}
	switch {
	case !st.groupExists:
		c.create()
	case c.cfg.Join == JoinExternal || st.forceExternal:
		c.joinExternal(now)
	}
	// JoinInvite: a member invites this client; its Welcome comes as an
	// event.
}

// reconcilePending sends a pending commit not sent on this connection
// yet, or drops it if the room has moved past its epoch. It reports
// whether a commit is pending.
func (c *Client) reconcilePending(s *e2ee.Session) bool {
	st := &c.st
	p, ok := s.Pending()
	if !ok {
		return false
	}
	if st.pendingSentOn == st.conn {
		return true // waiting for its echo
	}
	if st.groupExists && p.Epoch != st.roomEpoch {
		// Another commit took its epoch (the catch-up would have
		// replayed ours).
		if c.Phase() == PhaseJoining {
			c.lost()
		} else {
			s.DiscardPending()
			st.pendingOp, st.pendingTo = "", nil
		}
		return false
	}
	c.sendCommit(p, st.pendingOp, st.pendingTo)
	return true
}

// create makes a group of this client's own and sends its first commit,
// which registers the group with the relay. If another client's first
// commit wins, the group is dropped and the client joins that one.
func (c *Client) create() {
	st := &c.st
	s, err := e2ee.Create(nil, c.id, c.cfg.Session)
	if err != nil {
		c.emit(Event{Kind: EventError, Detail: "creating the group", Err: err})
		st.joinAt = time.Now().Add(st.joinBackoff.next())
		return
	}
	cm, err := s.Update()
	if err != nil {
		s.Close()
		c.emit(Event{Kind: EventError, Detail: "first commit", Err: err})
		st.joinAt = time.Now().Add(st.joinBackoff.next())
		return
	}
	c.sess.Store(s)
	st.creating = true
	c.sendCommit(cm, "create", nil)
}

// joinExternal joins by external commit from the relay's GroupInfo, in
// place of this client's old leaf if the group still has one.
func (c *Client) joinExternal(now time.Time) {
	st := &c.st
	ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
	_, gi, err := st.conn.GroupInfo(ctx)
	cancel()
	if err != nil {
		if !errors.Is(err, transport.ErrNoGroupInfo) {
			c.emit(Event{Kind: EventError, Detail: "fetching the GroupInfo", Err: err})
		}
		st.joinAt = now.Add(st.joinBackoff.next())
		st.wakeAt(st.joinAt)
		return
	}
	s, cm, err := e2ee.JoinExternal(gi, c.id, c.cfg.Session, &e2ee.ExternalJoinOptions{Resync: true})
	if err != nil {
		s, cm, err = e2ee.JoinExternal(gi, c.id, c.cfg.Session, nil)
	}
	if err != nil {
		c.emit(Event{Kind: EventError, Detail: "external join", Err: err})
		st.joinAt = now.Add(st.joinBackoff.next())
		st.wakeAt(st.joinAt)
		return
	}
	c.sess.Store(s)
	st.forceExternal = false
	c.sendCommit(cm, "join", nil)
}

// sendCommit sends this client's pending commit to the relay.
func (c *Client) sendCommit(cm e2ee.Commit, op string, recipients []string) {
	st := &c.st
	st.pendingOp, st.pendingTo = op, recipients
	if testHookCommit != nil {
		testHookCommit(c, op)
	}
	h := transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: cm.Epoch, Message: cm.Message, GroupInfo: cm.GroupInfo}
	if len(recipients) > 0 {
		h.Welcome, h.Recipients = cm.Welcome, recipients
	}
	ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
	acc, err := st.conn.SendHandshake(ctx, h)
	cancel()
	var te *transport.Error
	switch {
	case err == nil:
		st.pendingSentOn = st.conn
		st.groupExists = true
		st.roomEpoch = max(st.roomEpoch, acc.Epoch)
		c.stats.commits.Add(1)
	case errors.As(err, &te) && (te.Code == wire.ErrorCode_STALE_EPOCH || te.Code == wire.ErrorCode_FUTURE_EPOCH):
		// Another commit took the epoch: process it (it is on Events
		// already), then try again if still wanted.
		st.groupExists = true
		st.roomEpoch = max(st.roomEpoch, te.Epoch)
		c.dropPending(cm.Epoch)
	case st.conn.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		// Sent or not: the catch-up on the next connection tells.
	default:
		c.emit(Event{Kind: EventError, Epoch: cm.Epoch, Detail: "relay refused a commit (" + op + ")", Err: err})
		c.dropPending(cm.Epoch)
	}
}

// dropPending forgets a commit the relay refused.
func (c *Client) dropPending(epoch uint64) {
	st := &c.st
	if c.Phase() == PhaseJoining {
		c.lost()
		return
	}
	c.stats.staleCommits.Add(1)
	c.emit(Event{Kind: EventStale, Epoch: epoch, Detail: st.pendingOp})
	c.sess.Load().DiscardPending()
	st.pendingSentOn, st.pendingOp, st.pendingTo = nil, "", nil
	st.commitAt = time.Now().Add(st.commitBackoff.next())
}

func (c *Client) reconcileMember(now time.Time) {
	st := &c.st
	s := c.sess.Load()
	if c.reconcilePending(s) {
		return
	}
	if s.Epoch() < st.roomEpoch {
		return // behind the room: its commits are on the way
	}
	st.roomEpoch = s.Epoch()
	members := s.Members()
	if st.leave {
		if len(members) == 1 {
			// Alone: nobody to commit the removal, nobody to leave.
			c.removedFromGroup(e2ee.Change{Epoch: s.Epoch(), From: e2ee.Member{Identity: []byte(c.cfg.Name)}})
			return
		}
		if !st.leaveSent || st.leaveEpoch != s.Epoch() {
			c.proposeLeave(s)
		}
		return
	}
	if now.Before(st.commitAt) {
		st.wakeAt(st.commitAt)
		return
	}
	if len(st.updates) > 0 {
		if cm, err := s.Update(); err != nil {
			c.commitFailed("update", err)
		} else {
			c.sendCommit(cm, "update", nil)
		}
		return
	}
	if !c.committer(s, members) {
		return
	}
	memberIDs := make(map[string]uint32, len(members))
	for _, m := range members {
		memberIDs[string(m.Identity)] = m.Leaf
	}
	if c.invite(s, memberIDs, now) {
		return
	}
	var gone []uint32
	var goneNames []string
	for _, m := range members {
		id := string(m.Identity)
		if m.Leaf == s.Leaf() {
			continue
		}
		if _, ok := st.roster[id]; ok {
			continue
		}
		since, ok := st.absentSince[id]
		if !ok {
			st.absentSince[id], since = now, now
		}
		if c.cfg.RemoveAfter < 0 {
			continue
		}
		if due := since.Add(c.cfg.RemoveAfter); now.Before(due) {
			st.wakeAt(due)
			continue
		}
		gone, goneNames = append(gone, m.Leaf), append(goneNames, id)
	}
	switch {
	case len(gone) > 0:
		cm, err := s.Remove(gone...)
		if err != nil {
			c.commitFailed("remove", err)
			return
		}
		c.log.Info("removing members gone from the relay", "members", goneNames)
		c.sendCommit(cm, "remove", nil)
	case st.proposals > 0:
		cm, err := s.Update()
		if err != nil {
			c.commitFailed("commit proposals", err)
			return
		}
		c.sendCommit(cm, "update", nil)
	}
}

func (c *Client) commitFailed(op string, err error) {
	c.emit(Event{Kind: EventError, Epoch: c.Epoch(), Detail: op, Err: err})
	c.st.commitAt = time.Now().Add(c.st.commitBackoff.next())
	c.st.wakeAt(c.st.commitAt)
}

// committer reports whether this client commits for the group: the
// member connected to the relay with the lowest leaf, among those not
// leaving. Every member works it out alike from the same ordered stream
// of events; if two disagree for a moment, the relay's epoch order
// settles it.
func (c *Client) committer(s *e2ee.Session, members []e2ee.Member) bool {
	st := &c.st
	self := s.Leaf()
	for _, m := range members {
		if st.leaving[m.Leaf] {
			continue
		}
		if m.Leaf == self {
			return true
		}
		if _, ok := st.roster[string(m.Identity)]; ok {
			return false
		}
	}
	return false
}

// invite claims the KeyPackages of the clients connected to the room that
// are not members, and commits their addition. It reports whether it sent
// a commit.
func (c *Client) invite(s *e2ee.Session, memberIDs map[string]uint32, now time.Time) bool {
	st := &c.st
	var due []string
	for id := range st.roster {
		if _, ok := memberIDs[id]; ok || id == c.cfg.Name || st.departed[id] {
			continue
		}
		inv := st.invitees[id]
		if inv == nil {
			inv = &invitee{at: now.Add(c.cfg.InviteDelay)}
			st.invitees[id] = inv
		}
		if now.Before(inv.at) {
			st.wakeAt(inv.at)
			continue
		}
		due = append(due, id)
	}
	if len(due) == 0 {
		return false
	}
	slices.Sort(due)
	var kps [][]byte
	var ids []string
	for _, id := range due {
		ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
		kp, err := st.conn.ClaimKeyPackage(ctx, id)
		cancel()
		if err != nil {
			// NO_KEY_PACKAGE: it has not uploaded any (yet), or joins by
			// external commit.
			inv := st.invitees[id]
			inv.at = now.Add(inv.backoff.next())
			st.wakeAt(inv.at)
			continue
		}
		kps, ids = append(kps, kp.Data), append(ids, id)
	}
	if len(kps) == 0 {
		return false
	}
	cm, err := s.Invite(kps...)
	if err != nil {
		c.commitFailed("invite "+fmt.Sprint(ids), err)
		for _, id := range ids {
			inv := st.invitees[id]
			inv.at = now.Add(maxBackoff)
		}
		return true
	}
	// The KeyPackage must be the client's own: its credential names the
	// client id the relay announced.
	for i, m := range cm.Added {
		if i >= len(ids) || string(m.Identity) != ids[i] {
			s.DiscardPending()
			c.emit(Event{Kind: EventError, Epoch: s.Epoch(), Detail: "invite", Err: fmt.Errorf("KeyPackage claimed for %q names %q", ids, names(cm.Added))})
			for _, id := range ids {
				st.invitees[id].at = now.Add(maxBackoff)
			}
			return true
		}
	}
	c.sendCommit(cm, "invite", ids)
	return true
}

// proposeLeave sends this member's Remove proposal for itself.
func (c *Client) proposeLeave(s *e2ee.Session) {
	st := &c.st
	p, err := s.Leave()
	if err != nil {
		c.commitFailed("leave", err)
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
	_, err = st.conn.SendHandshake(ctx, transport.Handshake{Kind: wire.HandshakeKind_HANDSHAKE_KIND_PROPOSAL, Epoch: p.Epoch, Message: p.Message})
	cancel()
	var te *transport.Error
	switch {
	case err == nil:
		st.leaveSent, st.leaveEpoch = true, p.Epoch
	case errors.As(err, &te) && te.Code == wire.ErrorCode_STALE_EPOCH:
		// A commit came first: propose again in its epoch.
		st.roomEpoch = max(st.roomEpoch, te.Epoch)
	default:
		c.commitFailed("leave", err)
	}
}
