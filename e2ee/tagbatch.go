package e2ee

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sealroom/sealroom/frame"
)

// Signed tag batches: sender authentication beyond RFC 9605.
//
// Every member of an epoch holds every sender's SFrame key (RFC 9605 §5.2
// derives them all from one exporter secret), so any member can seal a
// frame under another member's KID, and the AEAD alone cannot tell.
// Config.SenderAuth closes that gap: each sender signs, with its MLS leaf
// signature key (RFC 9420 §5.1.2, §7.2), a digest of every frame it sent,
// in batches of N frames, and receivers check the frames they opened
// against the batch.
//
// # What is signed
//
// Not the AEAD tags: a member knows the key, and with the key GCM's tag is
// a linear function of the ciphertext, so it can build a different frame
// with the same tag. Each frame is named by a collision-resistant digest
// of its whole sealed packet,
//
//	digest = SHA-256(packet)[:16]
//
// (prefix, SFrame header, ciphertext and tag: a second preimage of a
// 128-bit truncated SHA-256 is out of reach), and the batch signs the
// list of digests of N consecutive frames of one KID:
//
//	struct {
//	    opaque batch_context[32];  // MLS-Exporter("Sealroom 1.0 TagBatch", "", 32) of the epoch
//	    uint64 epoch;
//	    uint64 kid;                // the sender's SFrame KID (RFC 9605 §5.2)
//	    uint64 first_ctr;
//	    uint8  count;              // N
//	    opaque digests[16 * count];
//	} TagBatchTBS;
//
//	signature = SignWithLabel(leaf signature key, "Sealroom 1.0 TagBatch", TagBatchTBS)  // RFC 9420 §5.1.2
//
// batch_context ties the batch to the group and epoch (only members can
// compute it); the label separates these signatures from every MLS one.
//
// # The packet
//
// The digests themselves are not sent: the receiver computes them from the
// frames it opened. What travels is
//
//	struct {
//	    uint8  type = 0x80;        // PacketTagBatch: not a Codec code point
//	    leb128 kid;                // minimal unsigned LEB128, as clear_len
//	    leb128 first_ctr;
//	    uint8  count;              // 1..MaxBatchFrames
//	    opaque parity[16];         // XOR of the count digests
//	    opaque signature[Ns];      // to the end of the packet
//	} TagBatch;
//
// Media packets start with a Codec code point (0x01-0x06, and new codecs
// stay below 0x80), so the first byte tells the two apart (IsTagBatch).
// Ns is fixed per MLS cipher suite: 64 bytes for Ed25519, 114 for Ed448,
// and for ECDSA the fixed-width r || s (64 bytes for P-256, 96 for P-384,
// 132 for P-521) instead of the DER encoding RFC 9420 signs with, which
// is re-encoded (canonically) before verification: 6-8 bytes saved a
// batch, and a length that does not vary.
//
// # Lost frames
//
// A receiver that lost one frame of a batch recovers its digest from the
// parity (XOR of the others and the parity) and still checks the whole
// batch: the signature covers the full digest list, so a wrong parity only
// makes the check fail, it never makes a forgery pass. A receiver that
// lost two or more frames cannot recompute the list; it keeps the batch
// until the deadline in case late frames arrive, and then reports the
// frames it did open as AuthUnverifiable, never as verified. With 1% loss
// and N = 50, 91% of batches check in full (no loss: 61%) and 9% are
// unverifiable. A per-frame truncated digest in the packet would make
// every batch checkable but costs N * t bits: at N = 50 even t = 8 bits
// (2^-8 forgery chance per frame, far too weak) is 50 bytes, over the
// budget below. A single 16-byte parity is the one recovery symbol that
// fits.
//
// # Overhead
//
// At 50 frames/s of 160-byte Opus frames a packet is about 181 bytes (2
// prefix, 3 SFrame header, 16 tag), 9,050 bytes a second. A batch per
// second with N = 50 is 1 + 2 (KID) + 3 (CTR) + 1 + 16 + 64 = 87 bytes
// with Ed25519 or P-256: 0.96% of the stream (TestTagBatchOverhead
// measures it). The sender signs once a batch; a receiver verifies once a
// batch per sender and hashes every packet it opens.

// MaxBatchFrames is the largest number of frames one tag batch covers.
const MaxBatchFrames = 128

// PacketTagBatch is the first byte of a tag batch packet.
const PacketTagBatch = 0x80

// Sizes of the tag batch fields.
const (
	frameDigestLen  = 16
	batchContextLen = 32
	// maxBatchSignature is the longest signature of any MLS suite in a
	// batch: P-521 r || s.
	maxBatchSignature = 132
	// maxTagBatchLen bounds a tag batch packet.
	maxTagBatchLen = 1 + 2*binary.MaxVarintLen64 + 1 + frameDigestLen + maxBatchSignature
)

// batchContextLabel is both the MLS exporter label of batch_context and
// the SignWithLabel label of the batch signature.
const batchContextLabel = "Sealroom 1.0 TagBatch"

// IsTagBatch reports whether packet is a tag batch (by its first byte)
// rather than a media packet.
func IsTagBatch(packet []byte) bool { return len(packet) > 0 && packet[0] == PacketTagBatch }

// tagBatch is a parsed tag batch packet. sig aliases the packet.
type tagBatch struct {
	kid    frame.KID
	first  uint64
	count  int
	parity [frameDigestLen]byte
	sig    []byte
}

// last returns the CTR of the last frame the batch covers.
func (tb *tagBatch) last() uint64 { return tb.first + uint64(tb.count) - 1 }

// parseTagBatch decodes a tag batch packet. It checks the framing only:
// the type byte, minimal LEB128 fields, a count in 1..MaxBatchFrames whose
// range of counters does not wrap, and a signature of 1 to
// maxBatchSignature bytes (the Session checks its exact length for the
// suite). It allocates nothing but its error.
func parseTagBatch(b []byte) (tagBatch, error) {
	var tb tagBatch
	if !IsTagBatch(b) {
		return tb, batchError(0, "not a tag batch")
	}
	off := 1
	kid, n := readUvarint(b[off:])
	if n <= 0 {
		return tb, batchError(off, "KID is truncated or not minimal")
	}
	off += n
	first, n := readUvarint(b[off:])
	if n <= 0 {
		return tb, batchError(off, "first counter is truncated or not minimal")
	}
	off += n
	if off >= len(b) {
		return tb, batchError(off, "no count")
	}
	count := int(b[off])
	if count == 0 || count > MaxBatchFrames {
		return tb, batchError(off, fmt.Sprintf("count %d outside 1..%d", count, MaxBatchFrames))
	}
	if first+uint64(count-1) < first {
		return tb, batchError(off, "counter range wraps")
	}
	off++
	if len(b)-off < frameDigestLen {
		return tb, batchError(off, "parity is truncated")
	}
	copy(tb.parity[:], b[off:])
	off += frameDigestLen
	sig := b[off:]
	if len(sig) == 0 || len(sig) > maxBatchSignature {
		return tb, batchError(off, fmt.Sprintf("%d-byte signature, want 1..%d", len(sig), maxBatchSignature))
	}
	tb.kid, tb.first, tb.count, tb.sig = frame.KID(kid), first, count, sig
	return tb, nil
}

// appendTagBatch appends the packet of tb to dst.
func appendTagBatch(dst []byte, tb *tagBatch) []byte {
	dst = append(dst, PacketTagBatch)
	dst = binary.AppendUvarint(dst, uint64(tb.kid))
	dst = binary.AppendUvarint(dst, tb.first)
	dst = append(dst, byte(tb.count))
	dst = append(dst, tb.parity[:]...)
	return append(dst, tb.sig...)
}

// appendBatchTBS appends the TagBatchTBS of a batch to dst.
func appendBatchTBS(dst, batchContext []byte, epoch uint64, kid frame.KID, first uint64, digests []byte) []byte {
	dst = append(dst, batchContext...)
	dst = binary.BigEndian.AppendUint64(dst, epoch)
	dst = binary.BigEndian.AppendUint64(dst, uint64(kid))
	dst = binary.BigEndian.AppendUint64(dst, first)
	dst = append(dst, byte(len(digests)/frameDigestLen))
	return append(dst, digests...)
}

// readUvarint reads a minimal unsigned LEB128 of at most 64 bits (the
// encoding of encoding/binary's Uvarint) and returns it and its length,
// or n <= 0 if it is truncated, overflows or is not minimal. (The AV1
// reader, readLEB128, accepts non-minimal encodings, as AV1 does.)
func readUvarint(b []byte) (v uint64, n int) {
	v, n = binary.Uvarint(b)
	if n > 1 && b[n-1] == 0 {
		return 0, -1
	}
	return v, n
}

// batchError reports a malformed tag batch.
//
//go:noinline
func batchError(off int, reason string) error {
	return newError("tag batch", ErrMalformedPacket, errors.New("offset "+fmt.Sprint(off)+": "+reason))
}
