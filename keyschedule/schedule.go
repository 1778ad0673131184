package keyschedule

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sealroom/sealroom/frame"
)

// Config configures a Schedule. Its zero value selects the defaults.
type Config struct {
	// Frame configures the frame.Context the schedule keeps its keys in:
	// the SFrame cipher suite (zero selects frame.DefaultSuite,
	// AES_256_GCM_SHA512_128), the replay window and the send-key limits.
	Frame frame.Config

	// Layout is the KID layout shared by every member of the group. The
	// zero Layout selects DefaultLayout.
	Layout Layout
}

// Epoch is what a Schedule needs from one MLS epoch.
type Epoch struct {
	// Number is the MLS epoch. Each installed epoch must be newer than
	// every epoch installed before it.
	Number uint64

	// BaseKey is the epoch's SFrame base key, from ExportBaseKey (RFC
	// 9605 §5.2): Suite.KeySize() bytes. InstallEpoch takes it over: the
	// Schedule zeroes it when the epoch is dropped or evicted, or at once
	// if the install fails. The caller must not zero or reuse it.
	BaseKey frame.BaseKey

	// Self is this member's leaf index in the epoch.
	Self uint32

	// Members are the leaf indices of every member of the epoch,
	// including Self, in any order. Frames from other leaves are refused
	// with ErrNotMember. The Schedule keeps a copy.
	Members []uint32

	// Values, if not nil, are the caller's own values for the members:
	// Values[i] is returned with every frame of Members[i] (Key.Value from
	// OpenKey), so that a caller attributes a frame to its sender with no
	// lookup of its own. It must be as long as Members.
	Values []any
}

// Schedule turns MLS epochs into SFrame keys (RFC 9605 §5.2) and seals and
// opens frames with them. It holds one frame.Context with this member's
// send keys and the receive keys of the other members, for every live
// epoch.
//
// # Epochs
//
// InstallEpoch makes an epoch live and switches sending to it at once:
// the previous epoch's send keys are removed before the new one is
// installed. Earlier epochs stay live for receiving, so that frames in
// flight still open, until DropEpoch removes them (the e2ee session does
// so after a grace period) or a newer epoch with the same low E bits
// evicts them, as RFC 9605 §5.2 requires. Dropping or evicting an epoch
// removes each of its KIDs from the frame.Context and zeroes its base keys.
//
// # Receive keys
//
// Receive keys are derived lazily: the first frame under an unknown KID
// makes Open parse the KID into (context, step, leaf, epoch bits), check
// that the epoch is live and the leaf is one of its members, derive the
// key and salt (RFC 9605 §4.4.2), install them and open the frame again.
// For context 0 the first frame derives the keys of every member at once
// (one HKDF-Extract, one update of the key set: about 5 µs a member), so
// the other senders' first frames find their keys in place; other
// contexts are derived one KID at a time. Installing an epoch costs one
// send-key derivation however large the group. An attacker without keys
// can make a receiver derive at most one key per (member, context,
// ratchet step) of a live epoch: members * 2^(ContextBits+RatchetBits)
// per epoch, and only as many as there are members with the default
// layout.
//
// # Concurrency
//
// A Schedule is safe for concurrent use; the intended model is one
// goroutine that seals and several that open. Seal and Open take no lock
// of their own in the steady state: Seal reads the sending epoch's send
// key (a frame.SendKey) through an atomic pointer, Open gets the epoch
// and ratchet step of a frame's key from the key itself (a value attached
// to it in the frame.Context), and both leave the rest to the
// frame.Context. InstallEpoch, DropEpoch, Ratchet, Close and the first
// frame of each KID serialize on one mutex.
type Schedule struct {
	ctx    *frame.Context
	suite  frame.Suite
	layout Layout

	// table maps the low E bits of an epoch to its view, for deriving
	// receive keys and naming epochs in errors. Changes to the keys in
	// ctx happen before the table that reflects them is published.
	table atomic.Pointer[table]
	// send is the state of the send side, nil before the first epoch and
	// after the sending epoch is dropped.
	send atomic.Pointer[sendState]

	mu        sync.Mutex // serializes every change below and to ctx
	installed bool       // an epoch has been installed
	last      uint64     // the newest epoch installed
	closed    bool
}

// table is an immutable array of the live epochs, indexed by the low E
// bits of their number. It is replaced, never changed.
type table struct {
	slots []*view
}

// view is an immutable snapshot of a live epoch: the epoch and its
// ratchet floor at the time the view was published.
type view struct {
	ep    *epoch
	floor uint64
}

// epoch is the state of one live epoch.
type epoch struct {
	number  uint64
	self    uint32
	members roster
	values  map[uint32]any // Epoch.Values by leaf; nil without them

	// Guarded by Schedule.mu.
	floor uint64               // lowest ratchet step still held
	chain []frame.BaseKey      // chain[i] is the base key of step floor+i
	recv  map[frame.KID]uint64 // receive KIDs in the context, and their steps
	send  []frame.KID          // send KIDs in the context (current step only)
}

// sendState is what Seal needs: the sending epoch, this member's ratchet
// step in it, and the KID and send key of context 0.
type sendState struct {
	ep   *epoch
	step uint64
	kid  frame.KID
	key  *frame.SendKey
}

// New returns a Schedule with no epochs.
func New(cfg Config) (*Schedule, error) {
	layout := cfg.Layout
	if layout == (Layout{}) {
		layout = DefaultLayout
	}
	if err := layout.Validate(); err != nil {
		return nil, err
	}
	ctx, err := frame.NewContext(cfg.Frame)
	if err != nil {
		return nil, newError("new", nil, "").wrap(err)
	}
	s := &Schedule{ctx: ctx, suite: ctx.Suite(), layout: layout}
	s.table.Store(&table{slots: make([]*view, 1<<layout.EpochBits)})
	return s, nil
}

// Suite returns the SFrame cipher suite.
func (s *Schedule) Suite() frame.Suite { return s.suite }

// Layout returns the KID layout.
func (s *Schedule) Layout() Layout { return s.layout }

// MaxOverhead returns the most that Seal adds to a plaintext (see
// frame.Context.MaxOverhead).
func (s *Schedule) MaxOverhead() int { return s.ctx.MaxOverhead() }

// String describes s without key material.
func (s *Schedule) String() string {
	n := 0
	for _, v := range s.table.Load().slots {
		if v != nil {
			n++
		}
	}
	return "keyschedule.Schedule(" + s.suite.String() + ", " + strconv.Itoa(n) + " live epochs)"
}

// GoString describes s without key material.
func (s *Schedule) GoString() string { return s.String() }

// Epochs returns the numbers of the live epochs in ascending order.
func (s *Schedule) Epochs() []uint64 {
	var out []uint64
	for _, v := range s.table.Load().slots {
		if v != nil {
			out = append(out, v.ep.number)
		}
	}
	slices.Sort(out)
	return out
}

// SendEpoch returns the epoch Seal uses, and false if there is none.
func (s *Schedule) SendEpoch() (uint64, bool) {
	if st := s.send.Load(); st != nil {
		return st.ep.number, true
	}
	return 0, false
}

// InstallEpoch makes e live (RFC 9605 §5.2) and switches sending to it:
// this member's send key for context 0 of the new epoch is derived at
// once, and the previous epoch's send keys are removed. The previous
// epochs stay live for receiving, except one with the same low E bits as
// e.Number, which is evicted: its keys are removed and its base keys
// zeroed. Receive keys of e are derived on demand (see Open).
//
// e.Number must exceed every epoch installed before (ErrStaleEpoch), every
// leaf must fit in the layout's LeafBits (ErrLeafOutOfRange), and
// e.BaseKey must be Suite().KeySize() bytes (ErrInvalidEpoch). InstallEpoch
// takes over e.BaseKey, and zeroes it if it fails.
func (s *Schedule) InstallEpoch(e Epoch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.install(e); err != nil {
		e.BaseKey.Zero()
		return err
	}
	return nil
}

func (s *Schedule) install(e Epoch) error {
	if s.closed {
		return newError("install", ErrClosed, "").at(e.Number)
	}
	if s.installed && e.Number <= s.last {
		return newError("install", ErrStaleEpoch, "last installed is "+strconv.FormatUint(s.last, 10)).at(e.Number)
	}
	if n, want := e.BaseKey.Len(), s.suite.KeySize(); n != want {
		return newError("install", ErrInvalidEpoch,
			fmt.Sprintf("%d-byte base key, %s needs Nk = %d (RFC 9605 §5.2)", n, s.suite, want)).at(e.Number)
	}
	if err := s.checkLeaf(e.Number, e.Self); err != nil {
		return err
	}
	for _, l := range e.Members {
		if err := s.checkLeaf(e.Number, l); err != nil {
			return err
		}
	}
	var values map[uint32]any
	if e.Values != nil {
		if len(e.Values) != len(e.Members) {
			return newError("install", ErrInvalidEpoch,
				fmt.Sprintf("%d values for %d members", len(e.Values), len(e.Members))).at(e.Number)
		}
		values = make(map[uint32]any, len(e.Members))
		for i, l := range e.Members {
			values[l] = e.Values[i]
		}
	}
	members := newRoster(e.Members)
	if !members.has(e.Self) {
		return newError("install", ErrInvalidEpoch, "the members do not include this member's own leaf").at(e.Number).from(e.Self)
	}
	ep := &epoch{
		number:  e.Number,
		self:    e.Self,
		members: members,
		values:  values,
		chain:   []frame.BaseKey{e.BaseKey},
		recv:    make(map[frame.KID]uint64),
	}

	// Remove what leaves first: the evicted epoch's keys and the old send
	// keys (which may have the new send key's KID).
	idx := e.Number & lowMask(s.layout.EpochBits)
	evicted := s.table.Load().slots[idx]
	if evicted != nil {
		s.removeReceiveKeys(evicted.ep)
	}
	if st := s.send.Load(); st != nil {
		s.removeSendKeys(st.ep)
	}
	s.installed, s.last = true, e.Number

	kid := s.layout.kid(0, 0, e.Self, e.Number)
	key, err := s.addSendKey(kid, e.BaseKey)
	if err != nil {
		// Nothing of the new epoch is installed; what left is gone.
		s.send.Store(nil)
		s.publish(idx, nil)
	} else {
		ep.send = append(ep.send, kid)
		s.publish(idx, &view{ep: ep})
		s.send.Store(&sendState{ep: ep, kid: kid, key: key})
	}
	if evicted != nil {
		evicted.ep.zero()
	}
	if err != nil {
		return newError("install", nil, "send key").at(e.Number).from(e.Self).wrap(err)
	}
	return nil
}

// addSendKey adds the send key of kid to ctx and returns it. The caller
// holds s.mu.
func (s *Schedule) addSendKey(kid frame.KID, base frame.BaseKey) (*frame.SendKey, error) {
	if err := s.ctx.AddSendKey(kid, base); err != nil {
		return nil, err
	}
	return s.ctx.SendKey(kid)
}

// checkLeaf reports whether leaf fits the layout's LeafBits.
func (s *Schedule) checkLeaf(epoch uint64, leaf uint32) error {
	if uint64(leaf) >= s.layout.MaxLeaves() {
		return newError("install", ErrLeafOutOfRange,
			fmt.Sprintf("the layout has %d leaf bits", s.layout.LeafBits)).at(epoch).from(leaf)
	}
	return nil
}

// DropEpoch removes the epoch numbered n: every KID of the epoch leaves the
// frame.Context (RemoveKey zeroes the salts it holds) and the epoch's base
// keys are zeroed. If n is the sending epoch, Seal fails with
// ErrUnknownEpoch until another epoch is installed. Dropping an epoch that
// is not live returns ErrUnknownEpoch.
func (s *Schedule) DropEpoch(n uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := n & lowMask(s.layout.EpochBits)
	v := s.table.Load().slots[idx]
	if v == nil || v.ep.number != n {
		return newError("drop", ErrUnknownEpoch, "").at(n)
	}
	s.drop(idx, v.ep)
	return nil
}

// drop removes ep, which is live in slot idx. The caller holds s.mu.
func (s *Schedule) drop(idx uint64, ep *epoch) {
	s.removeReceiveKeys(ep)
	if st := s.send.Load(); st != nil && st.ep == ep {
		s.removeSendKeys(ep)
		s.send.Store(nil)
	}
	s.publish(idx, nil)
	ep.zero()
}

// Close drops every epoch. A closed Schedule opens and seals nothing and
// refuses new epochs with ErrClosed.
func (s *Schedule) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for idx, v := range s.table.Load().slots {
		if v != nil {
			s.drop(uint64(idx), v.ep)
		}
	}
	if st := s.send.Load(); st != nil {
		// The sending epoch's slot was emptied by a failed install.
		s.removeSendKeys(st.ep)
		s.send.Store(nil)
	}
	s.closed = true
}

// publish replaces the view in slot idx. The caller holds s.mu and has
// already removed from ctx every key that the new view does not cover.
func (s *Schedule) publish(idx uint64, v *view) {
	t := &table{slots: slices.Clone(s.table.Load().slots)}
	t.slots[idx] = v
	s.table.Store(t)
}

// removeReceiveKeys removes ep's receive keys from ctx. The caller holds
// s.mu.
func (s *Schedule) removeReceiveKeys(ep *epoch) {
	kids := make([]frame.KID, 0, len(ep.recv))
	for kid := range ep.recv {
		kids = append(kids, kid)
	}
	// Every KID in recv is in ctx, and only this schedule changes ctx,
	// so RemoveKeys cannot fail.
	_ = s.ctx.RemoveKeys(kids)
	clear(ep.recv)
}

// removeSendKeys removes ep's send keys from ctx. The caller holds s.mu.
func (s *Schedule) removeSendKeys(ep *epoch) {
	_ = s.ctx.RemoveKeys(ep.send)
	ep.send = ep.send[:0]
}

// zero zeroes every base key ep holds. The caller holds s.mu and has
// removed ep's keys.
func (ep *epoch) zero() {
	for _, b := range ep.chain {
		b.Zero()
	}
	ep.chain = nil
}
