package transport

import (
	"context"
	"fmt"

	"github.com/sealroom/sealroom/examples/wire"
)

// UploadKeyPackages stores one-time KeyPackages for this client on the
// relay, each handed out at most once, and, if lastResort is not nil, a
// last-resort KeyPackage handed out when none is left. It returns how
// many one-time KeyPackages the relay now holds for this client.
func (c *Conn) UploadKeyPackages(ctx context.Context, keyPackages [][]byte, lastResort []byte) (int, error) {
	reply, err := c.request(ctx, &wire.ClientMessage{Body: &wire.ClientMessage_UploadKeyPackages{
		UploadKeyPackages: &wire.UploadKeyPackages{KeyPackages: keyPackages, LastResort: lastResort},
	}})
	if err != nil {
		return 0, err
	}
	s := reply.GetKeyPackagesStored()
	if s == nil {
		return 0, unexpected("UploadKeyPackages", reply)
	}
	return int(s.Available), nil
}

// KeyPackage is a KeyPackage claimed from the relay.
type KeyPackage struct {
	ClientID   string
	Data       []byte
	LastResort bool // the owner's last-resort KeyPackage, not a one-time one
}

// ClaimKeyPackage takes one KeyPackage of clientID (ErrNoKeyPackage if it
// has none).
func (c *Conn) ClaimKeyPackage(ctx context.Context, clientID string) (KeyPackage, error) {
	reply, err := c.request(ctx, &wire.ClientMessage{Body: &wire.ClientMessage_ClaimKeyPackage{
		ClaimKeyPackage: &wire.ClaimKeyPackage{ClientId: clientID},
	}})
	if err != nil {
		return KeyPackage{}, err
	}
	k := reply.GetClaimedKeyPackage()
	if k == nil {
		return KeyPackage{}, unexpected("ClaimKeyPackage", reply)
	}
	return KeyPackage{ClientID: k.ClientId, Data: k.KeyPackage, LastResort: k.LastResort}, nil
}

// Handshake is an MLS handshake message for the room; see wire.Handshake
// for the rules of each kind.
type Handshake struct {
	Kind wire.HandshakeKind
	// Epoch is the epoch a commit or proposal was created in (for a
	// Welcome, the epoch it joins; the relay does not check it).
	Epoch   uint64
	Message []byte
	// GroupInfo (commits) is the new epoch's GroupInfo, for external
	// joiners.
	GroupInfo []byte
	// Welcome (commits) is delivered to Recipients only if the commit
	// wins. For Kind WELCOME, Message is the Welcome and Recipients its
	// addressees.
	Welcome    []byte
	Recipients []string
}

// Accepted is the relay's acknowledgement of a handshake message.
type Accepted struct {
	Seq   uint64 // its place in the room's log (0 for a Welcome)
	Epoch uint64 // the room's epoch after it
}

// SendHandshake sends h and waits for the relay's decision. A nil error
// means accepted: the message is stored, and its HandshakeEvent is already
// queued on Events (before this returns). A commit that lost the race for
// its epoch gets an error matching ErrStaleEpoch, whose Epoch is the
// room's current epoch: process the winning commit from Events, then
// retry.
func (c *Conn) SendHandshake(ctx context.Context, h Handshake) (Accepted, error) {
	reply, err := c.request(ctx, &wire.ClientMessage{Body: &wire.ClientMessage_Handshake{Handshake: &wire.Handshake{
		Room: c.cfg.Room, Kind: h.Kind, Epoch: h.Epoch, Message: h.Message,
		GroupInfo: h.GroupInfo, Welcome: h.Welcome, Recipients: h.Recipients,
	}}})
	if err != nil {
		return Accepted{}, err
	}
	a := reply.GetHandshakeAccepted()
	if a == nil {
		return Accepted{}, unexpected("SendHandshake", reply)
	}
	return Accepted{Seq: a.Seq, Epoch: a.Epoch}, nil
}

// CaughtUp is the end of a catch-up.
type CaughtUp struct {
	Epoch    uint64 // the room's epoch
	LastSeq  uint64
	Replayed int // entries the relay replayed (some may have been delivered already)
}

// CatchUp asks for the room's handshake log from sinceEpoch on. The
// entries arrive on Events as HandshakeEvents, before CatchUp returns,
// without duplicating ones already delivered. ErrLogTruncated means the
// relay no longer holds that far back: join from GroupInfo instead.
func (c *Conn) CatchUp(ctx context.Context, sinceEpoch uint64) (CaughtUp, error) {
	reply, err := c.request(ctx, &wire.ClientMessage{Body: &wire.ClientMessage_CatchUp{
		CatchUp: &wire.CatchUp{Room: c.cfg.Room, SinceEpoch: sinceEpoch},
	}})
	if err != nil {
		return CaughtUp{}, err
	}
	d := reply.GetCatchUpDone()
	if d == nil {
		return CaughtUp{}, unexpected("CatchUp", reply)
	}
	return CaughtUp{Epoch: d.Epoch, LastSeq: d.LastSeq, Replayed: int(d.Replayed)}, nil
}

// GroupInfo fetches the room's latest GroupInfo and the epoch it
// describes, for joining by external commit (ErrNoGroupInfo if none).
func (c *Conn) GroupInfo(ctx context.Context) (epoch uint64, groupInfo []byte, err error) {
	reply, err := c.request(ctx, &wire.ClientMessage{Body: &wire.ClientMessage_GetGroupInfo{
		GetGroupInfo: &wire.GetGroupInfo{Room: c.cfg.Room},
	}})
	if err != nil {
		return 0, nil, err
	}
	g := reply.GetGroupInfo()
	if g == nil {
		return 0, nil, unexpected("GroupInfo", reply)
	}
	return g.Epoch, g.GroupInfo, nil
}

func unexpected(op string, reply *wire.ServerMessage) error {
	return fmt.Errorf("transport: %s: %w: relay answered with %T", op, wire.ErrMalformed, reply.Body)
}
