package keyschedule

import (
	"fmt"

	"github.com/sealroom/sealroom/frame"
)

// Layout is the split of a 64-bit SFrame KID between the fields of RFC
// 9605 §5.2, from the most significant bits down:
//
//	KID = context << (R + S + E) | step % 2^R << (S + E) | leaf << E | epoch % 2^E
//
// With RatchetBits R = 0 (the default) this is exactly the KID of §5.2,
// context << (S + E) | sender_index << E | epoch % 2^E. With R > 0 the
// low R bits of §5.2's context field carry the low bits of a sender-key
// ratchet step (RFC 9605 §5.1; see Schedule.Ratchet), and the remaining
// ContextBits above them the sender's context value.
//
// All members of a group must use the same Layout. RFC 9605 §5.2 defines S
// as the fewest bits that index every member; a Layout fixes S for the
// life of a Schedule instead, which costs at most a KID byte and lets
// every member parse every KID without knowing the group size. A group
// that outgrows 2^S leaves fails with ErrLeafOutOfRange.
type Layout struct {
	// ContextBits is the width of the context value a sender may choose
	// (§5.2: "to allow a single sender to send multiple, uncoordinated
	// outbound media streams"), at most MaxContextBits. Zero, the
	// default, allows only context 0, which gives the shortest KIDs.
	ContextBits uint

	// RatchetBits (R) is the number of low ratchet-step bits sent in the
	// KID, at most MaxRatchetBits. Zero disables the ratchet.
	RatchetBits uint

	// LeafBits (S) is the width of the sender's leaf index, at most 32
	// (MLS leaf indices are 32-bit). A group may have up to 2^S leaves.
	LeafBits uint

	// EpochBits (E) is the number of low epoch bits sent in the KID, at
	// most MaxEpochBits. Up to 2^E epochs can be live at once.
	EpochBits uint
}

// DefaultLayout is the layout a zero Config selects: S = 10 bits of leaf
// index (1,024 members), E = 4 bits of epoch (16 live epochs), no context
// bits and no ratchet. Its KIDs take at most two bytes in the header.
var DefaultLayout = Layout{LeafBits: 10, EpochBits: 4}

// Limits of a Layout. Each live epoch takes a slot indexed by its low E
// bits, and a receiver may hold a key for every context value and ratchet
// step of every member, so these bound a receiver's memory: at most
// 2^MaxEpochBits epochs, and members * 2^(ContextBits+RatchetBits) keys
// per epoch.
const (
	MaxContextBits = 16
	MaxRatchetBits = 8
	MaxLeafBits    = 32
	MaxEpochBits   = 8
)

// Validate reports whether l is usable: each field within its limit and
// all of them together within 64 bits.
func (l Layout) Validate() error {
	switch {
	case l.ContextBits > MaxContextBits:
		return newError("layout", ErrInvalidLayout, fmt.Sprintf("%d context bits, at most %d", l.ContextBits, MaxContextBits))
	case l.RatchetBits > MaxRatchetBits:
		return newError("layout", ErrInvalidLayout, fmt.Sprintf("%d ratchet bits, at most %d", l.RatchetBits, MaxRatchetBits))
	case l.LeafBits > MaxLeafBits:
		return newError("layout", ErrInvalidLayout, fmt.Sprintf("%d leaf bits, at most %d", l.LeafBits, MaxLeafBits))
	case l.EpochBits > MaxEpochBits:
		return newError("layout", ErrInvalidLayout, fmt.Sprintf("%d epoch bits, at most %d", l.EpochBits, MaxEpochBits))
	case l.bits() > 64:
		return newError("layout", ErrInvalidLayout, fmt.Sprintf("%d bits in all, more than a 64-bit KID", l.bits()))
	}
	return nil
}

// bits is the number of KID bits the layout uses.
func (l Layout) bits() uint { return l.ContextBits + l.RatchetBits + l.LeafBits + l.EpochBits }

// MaxLeaves returns 2^S, the number of leaf indices the layout can name.
func (l Layout) MaxLeaves() uint64 { return 1 << l.LeafBits }

// KIDParts are the fields of an MLS-derived KID (RFC 9605 §5.2).
type KIDParts struct {
	// Context is the sender-chosen context value.
	Context uint64
	// Step is the ratchet step. KID encodes its low RatchetBits bits;
	// ParseKID returns only those.
	Step uint64
	// Leaf is the sender's MLS leaf index.
	Leaf uint32
	// Epoch is the MLS epoch. KID encodes its low EpochBits bits;
	// ParseKID returns only those.
	Epoch uint64
}

// KID returns the KID of RFC 9605 §5.2 for p under l:
//
//	KID = context << (R + S + E) | step % 2^R << (S + E) | leaf << E | epoch % 2^E
//
// Only the low bits of p.Epoch and p.Step are used, as the RFC sends
// them. A leaf index or context value that does not fit fails with
// ErrLeafOutOfRange or ErrContextOutOfRange. l must be valid.
func (l Layout) KID(p KIDParts) (frame.KID, error) {
	if uint64(p.Leaf)>>l.LeafBits != 0 {
		return 0, newError("kid", ErrLeafOutOfRange,
			fmt.Sprintf("leaf %d needs more than %d bits", p.Leaf, l.LeafBits)).from(p.Leaf)
	}
	if p.Context>>l.ContextBits != 0 {
		return 0, newError("kid", ErrContextOutOfRange,
			fmt.Sprintf("context %d needs more than %d bits", p.Context, l.ContextBits))
	}
	return l.kid(p.Context, p.Step, p.Leaf, p.Epoch), nil
}

// kid composes a KID from fields already known to fit.
func (l Layout) kid(context, step uint64, leaf uint32, epoch uint64) frame.KID {
	e, s, r := l.EpochBits, l.LeafBits, l.RatchetBits
	v := epoch & lowMask(e)
	v |= uint64(leaf) << e
	v |= (step & lowMask(r)) << (s + e)
	if l.ContextBits > 0 {
		v |= context << (r + s + e)
	}
	return frame.KID(v)
}

// ParseKID splits kid into its fields under l; Epoch and Step hold only
// the low bits the KID carries. A KID with bits above the layout's fields
// fails with ErrInvalidKID. l must be valid.
func (l Layout) ParseKID(kid frame.KID) (KIDParts, error) {
	if n := l.bits(); n < 64 && uint64(kid)>>n != 0 {
		return KIDParts{}, newError("parse kid", ErrInvalidKID,
			fmt.Sprintf("kid %#x has bits above the layout's %d", uint64(kid), n))
	}
	return l.parts(kid), nil
}

// parts splits a KID known to fit the layout.
func (l Layout) parts(kid frame.KID) KIDParts {
	v := uint64(kid)
	e, s, r := l.EpochBits, l.LeafBits, l.RatchetBits
	p := KIDParts{
		Epoch: v & lowMask(e),
		Leaf:  uint32(v >> e & lowMask(s)),
		Step:  v >> (s + e) & lowMask(r),
	}
	if l.ContextBits > 0 {
		p.Context = v >> (r + s + e)
	}
	return p
}

// lowMask returns 2^n - 1 for n up to 64. Go defines shifts of 64 or more
// as 0, so the n = 64 case needs no branch: 0 - 1 is all ones.
func lowMask(n uint) uint64 { return 1<<n - 1 }
