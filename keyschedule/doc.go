// Package keyschedule derives SFrame keys from MLS epochs, as RFC 9605
// §5.2 specifies, and manages them across epochs for one group member.
//
// Per MLS epoch, every member computes one base key with the MLS exporter
// (RFC 9420 §8.5):
//
//	base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)
//
// and every sender gets its own KID in that epoch,
//
//	KID = context << (S + E) | sender_leaf_index << E | epoch % 2^E
//
// so that derive_key_salt(KID, base_key) (RFC 9605 §4.4.2, in package
// frame) gives each sender its own key and salt. The exporter hashes with
// the MLS cipher suite's hash; SFrame's derivation then uses the SFrame
// suite's.
//
// The package imports nothing from package mls: an MLS epoch arrives as an
// Exporter (ExportBaseKey) or a base key, its number, this member's leaf
// index and the leaf indices of its members.
//
// # Files and RFC sections
//
//	layout.go    §5.2   Layout: the KID fields, KID and ParseKID (no cryptography)
//	exporter.go  §5.2, RFC 9420 §8.5   Exporter, ExportBaseKey
//	schedule.go  §5.2   Schedule: epochs installed, evicted, dropped
//	send.go      §4.4.3 Seal with this member's key of the sending epoch
//	receive.go   §4.4.4 Open, deriving each sender's key on its first frame
//	ratchet.go   §5.1   optional ratchet of the epoch's base key
//	roster.go           the members of an epoch
//	errors.go           sentinel errors
//
// # Usage
//
// A member creates one Schedule, installs each epoch as MLS reaches it,
// and seals and opens frames through it:
//
//	ks, _ := keyschedule.New(keyschedule.Config{})
//	base, _ := keyschedule.ExportBaseKey(group, ks.Suite())
//	ks.InstallEpoch(keyschedule.Epoch{Number: n, BaseKey: base, Self: me, Members: leaves})
//	ct, _ := ks.Seal(buf, 0, nil, frame)
//	pt, src, _ := ks.Open(buf, nil, ct) // src.Leaf sent it in epoch src.Epoch
//
// The Schedule sends with the newest epoch at once, keeps older epochs
// for frames still in flight until DropEpoch (the e2ee session drops them
// after a grace period), and evicts an epoch when a newer one with the
// same low E bits arrives, as §5.2 requires.
//
// # Decisions
//
//   - S (LeafBits) and E (EpochBits) are fixed per Schedule (Layout,
//     default S = 10, E = 4) rather than recomputed from the group size,
//     so every member parses every KID the same way; a leaf index beyond
//     2^S fails with ErrLeafOutOfRange.
//   - Receive keys are derived lazily, on a sender's first frame. Each
//     carries its epoch and ratchet step as its value in the
//     frame.Context (a Key, with the caller's Epoch.Values), so the
//     steady-state Open is frame.Context's Open plus a type assertion,
//     and a frame is attributed to exactly the key that authenticated it.
//     OpenKey is that step alone, small enough to be inlined, for a
//     caller on the hot path (the e2ee Session); FinishOpen does the rest.
//     Likewise SendKey hands such a caller the frame.SendKey that Seal
//     uses for context 0, so that it seals with no layer in between.
//   - The §5.1 ratchet is optional (Layout.RatchetBits) and uses part of
//     §5.2's context field; see Schedule.Ratchet for the layout and what
//     it protects.
//   - A frame under one of this member's own KIDs is refused (ErrOwnKID):
//     a key is never used for both directions (§4.4.1).
//
// # Errors
//
// Errors wrap a sentinel of this package, the error of package frame or
// of the Exporter that caused them, or both, for errors.Is, and name the
// epoch and leaf: "keyschedule: open epoch 5 leaf 3: leaf is not a member
// of the epoch". No input makes the package panic.
package keyschedule
