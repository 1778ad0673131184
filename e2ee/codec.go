package e2ee

import "strconv"

// Codec names the codec of a media track and, with it, the policy that
// decides which bytes of each encoded frame travel in clear.
//
// # What stays in clear, and why
//
// A relay forwards frames it cannot read. To route video it needs a few
// facts per frame: is this a key frame (a new receiver can start here), which
// temporal or spatial layer does it belong to (to thin a stream for a weak
// receiver), and where the frame ends (here: one sealed packet per frame).
// RTP-level SFUs (mediasoup, Janus, LiveKit) read exactly these facts from
// the payload: the VP8 P bit, H.264 IDR/SPS NAL types, H.265 IRAP NAL types,
// AV1 OBU extension headers. Each policy therefore leaves in clear only the
// bytes of the encoded frame that carry them, and encrypts everything else.
// Per codec (see the constants for the exact byte layouts and citations):
//
//	Opus  nothing
//	VP8   the payload header of RFC 7741 §4.3: 10 bytes on key frames, 1 otherwise
//	VP9   the first bytes of the uncompressed header (VP9 spec §6.2): key flag, size
//	H.264 the NAL unit headers (H.264 §7.3.1) up to the first slice's: 1 byte
//	      each, 3-4 with SVC/MVC extensions
//	H.265 the NAL unit headers (H.265 §7.3.1.2) up to the first slice's: 2 bytes each
//	AV1   every OBU header and extension (AV1 §5.3.2-5.3.3), plus the first
//	      frame-header byte (frame_type, show_frame) of frame OBUs
//
// The clear bytes are not merely visible: they are SFrame metadata (RFC 9605
// §4.4.3, AAD = SFrame header || metadata), so a relay that changes one makes
// decryption fail. Discord's DAVE protocol, by contrast, leaves its table of
// unencrypted ranges unauthenticated, and keeps more in clear (H.264 SPS/PPS
// and slice headers, H.265 parameter sets) because it must keep WebRTC's
// codec packetizers working on the encrypted frame; the SFrame RTP payload
// draft (draft-ietf-avtcore-rtp-sframe) encrypts the whole frame and leaves
// forwarding to RTP header extensions such as the AV1 Dependency Descriptor.
// Sealroom carries its own per-frame packet, so it needs neither.
//
// # Two shapes of clear part
//
// Where the routing bytes form a prefix of the frame (Opus: empty, VP8, VP9),
// the clear part is that prefix and only the rest is encrypted: nothing is
// duplicated, and the receiver rebuilds the frame as clear || plaintext.
//
// Where they are scattered through the frame (H.264 and H.265 NAL headers
// behind start codes, AV1 OBU headers between OBU payloads), the clear part
// is a copy of those header bytes in frame order and the whole frame is
// encrypted unchanged. Cutting the headers out instead would force the sender
// to gather the NAL or OBU bodies into a contiguous buffer before encryption
// (a copy of every frame on the hot path) and to send their lengths in clear;
// copying them costs 1-4 bytes per NAL unit or OBU, keeps Seal zero-copy and
// reveals no unit sizes. (For H.264 and H.265 only the headers up to the
// first slice are needed, so the sender never scans slice data for start
// codes; AV1 OBUs are walked by their sizes.) The receiver needs no
// reconstruction step: after
// decryption it re-derives the header bytes from the decrypted frame and
// rejects the frame (ErrClearMismatch) unless they equal the authenticated
// clear part, so what the relay routed on is what the decoder gets.
//
// # Order of operations on the receiver
//
// The clear part arrives from the untrusted relay. It may be parsed before
// decryption only to prepare decryption (RFC 9605 §9.4 allows this): every
// length is bounded and nothing is allocated from it. Its contents are
// trusted, and the frame is released, only after SFrame Open has
// authenticated it:
//
//  1. ParsePacket: framing only (codec, bounded clear length, SFrame part);
//  2. Packet.Info (optional): structural check of the clear part, to drop
//     garbage before spending an AEAD operation on it;
//  3. SFrame Open with metadata = Packet.Metadata; on failure nothing of the
//     frame, not even a clear prefix, leaves the Session;
//  4. join: rebuild (VP8, VP9) or check (H.264, H.265, AV1) the frame
//     against the now authenticated clear part, then release it.
//
// On the sender the order is split (clear part into the packet, payload
// chosen), then SFrame Seal with the packet prefix as metadata.
type Codec uint8

// Codec code points. They are the first byte of every sealed packet (see
// ParsePacket), so their values are part of the wire format.
const (
	// CodecOpus: an Opus packet (RFC 6716 §3). Nothing stays in clear. The
	// TOC byte (§3.1) would tell a relay the mode, bandwidth and frame
	// duration, none of which it needs to forward audio: audio has no key
	// frames, and active-speaker selection uses the audio level header
	// extension (RFC 6464) outside the frame. DAVE encrypts Opus in full too.
	// The clear part is empty; the payload is the whole packet, which must
	// not be empty (RFC 6716 §3.4, R1).
	CodecOpus Codec = 1 + iota

	// CodecVP8: a VP8 frame (RFC 6386). The clear part is the frame prefix
	// that RFC 7741 §4.3 calls the VP8 payload header:
	//
	//   - on key frames (P bit = 0), 10 bytes: the 3-byte frame tag of RFC
	//     6386 §9.1 (P, version, show_frame, first_part_size) and the key
	//     frame's start code 9d 01 2a with the 14-bit width and height and
	//     their 2-bit scaling;
	//   - on inter frames, 1 byte: P, version and show_frame. The two
	//     following bytes only hold the first partition size, which no
	//     forwarding decision needs (DAVE makes the same 10/1 split).
	//
	// The RTP payload descriptor of RFC 7741 §4.2 (PictureID, TL0PICIDX,
	// TID) is written by the RTP packetizer, not by the encoder, and is not
	// part of the frame. The payload is the rest of the frame.
	CodecVP8

	// CodecVP9: a VP9 frame or superframe (VP9 Bitstream Specification
	// v0.6). The RTP payload descriptor of RFC 9628 §4.2 is built by the
	// packetizer from encoder metadata and is not in the frame; the frame
	// itself starts with the uncompressed header (§6.2). The clear part is
	// the shortest prefix holding frame_marker, profile, show_existing_frame
	// (and frame_to_show_map_idx), frame_type, show_frame and
	// error_resilient_mode, and on key frames also frame_sync_code,
	// color_config and frame_size (§6.2.1-§6.2.3): the key frame flag and
	// the coded size. That is 1 byte for inter frames (2 in profile 3) and
	// 9 or 10 bytes for key frames; the last byte also holds a few bits of
	// the next fields. Of a superframe (Annex B) the first frame's header is
	// the clear part; the index at the end stays encrypted (a key frame is
	// always the first frame of its superframe). The payload is the rest.
	CodecVP9

	// CodecH264: an H.264 access unit in the Annex B byte stream format
	// (ITU-T H.264 Annex B: start codes 00 00 01 or 00 00 00 01). The clear
	// part is the NAL unit headers (§7.3.1, RFC 6184 §1.3) in order, from
	// the first NAL unit up to and including the first VCL NAL unit (a
	// slice, types 1-5, 20, 21): the byte F|NRI|Type, followed for types 14
	// and 20 by the 3-byte SVC or MVC extension (G.7.3.1.1, H.7.3.1.1) and
	// for type 21 by the 3-byte MVC or 2-byte 3D-AVC extension (J.7.3.1.1),
	// which carry the temporal and dependency (spatial) layer ids. Key
	// frames are IDR pictures (type 5, which all slices of the picture
	// share, §7.4.1); SPS (type 7), which precedes the first slice,
	// tells a relay the decoder configuration travels in-band (mediasoup and
	// Janus treat it as a key frame). The headers of later slices and NAL
	// units would add nothing, and leaving them out spares the sender a
	// start-code scan of the slice data (see codec_annexb.go). The payload
	// is the whole access unit, unchanged.
	CodecH264

	// CodecH265: an H.265 access unit in the Annex B byte stream format.
	// The clear part is the 2-byte NAL unit headers (H.265 §7.3.1.2, RFC
	// 7798 §1.1.4: F, Type, LayerId, TID) in order, up to and including the
	// first VCL NAL unit (types 0-31): IRAP types 16-23 mark key frames
	// (every slice of a picture has the same type and TemporalId, §7.4.2.2),
	// VPS and SPS in-band configuration, nuh_layer_id and TemporalId the
	// layer. The payload is the whole access unit, unchanged.
	CodecH265

	// CodecAV1: an AV1 temporal unit in the low-overhead bitstream format
	// (AV1 Bitstream and Decoding Process Specification §5.2): OBUs one
	// after the other, each with obu_size unless it is the last. The clear
	// part is, for every OBU in order, its obu_header (§5.3.2: type,
	// extension flag, has_size_field), its obu_extension_header if present
	// (§5.3.3: temporal_id, spatial_id, which AV1 RTP §6 uses for SFU layer
	// selection) and, for OBU_FRAME_HEADER, OBU_FRAME and
	// OBU_REDUNDANT_FRAME_HEADER, the first byte of the frame header
	// (§5.9.2: show_existing_frame, frame_type, show_frame; read as such
	// when reduced_still_picture_header is 0, as in every real-time
	// stream). The OBU sizes are not copied: the receiver reads them from
	// the decrypted temporal unit. The payload is the whole temporal unit,
	// unchanged.
	CodecAV1
)

var codecNames = [...]string{
	CodecOpus: "opus",
	CodecVP8:  "vp8",
	CodecVP9:  "vp9",
	CodecH264: "h264",
	CodecH265: "h265",
	CodecAV1:  "av1",
}

// IsValid reports whether c is one of the Codec constants.
func (c Codec) IsValid() bool {
	return c >= CodecOpus && c <= CodecAV1
}

func (c Codec) String() string {
	if c.IsValid() {
		return codecNames[c]
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// MaxClearLen bounds the clear part of a sealed packet. It is far above what
// any real frame needs (a few bytes per NAL unit or OBU) and keeps the
// length field at most two bytes.
const MaxClearLen = 1<<14 - 1

// split is the sender's half of a policy. It appends to dst the packet
// prefix for frame (codec byte, clear length, clear part; see ParsePacket),
// which is also the SFrame metadata, and returns it together with the bytes
// to encrypt. payload aliases frame and is never a copy: for VP8 and VP9 it
// is frame without the clear prefix, for Opus, H.264, H.265 and AV1 it is
// the whole frame. split allocates only if dst lacks capacity.
//
// The Session then seals: out = SFrame.Seal(prefix, metadata = prefix[len(dst):], payload).
func (c Codec) split(dst, frame []byte) (prefix, payload []byte, err error) {
	start := len(dst)
	dst = append(dst, byte(c), 0) // the one-byte length is fixed up below
	switch c {
	case CodecOpus:
		if len(frame) == 0 {
			return dst[:start], nil, frameError(c, 0, "empty Opus packet")
		}
	case CodecVP8, CodecVP9:
		n, _, f := c.videoHeader(frame, true)
		if !f.ok() {
			return dst[:start], nil, frameError(c, f.off, f.reason)
		}
		dst = append(dst, frame[:n]...)
		frame = frame[n:]
	case CodecH264, CodecH265:
		dst, err = appendAnnexBHeaders(dst, c, frame)
	case CodecAV1:
		dst, err = appendOBUHeaders(dst, frame)
	default:
		return dst[:start], nil, &CodecError{Codec: c, Reason: "no policy", Err: ErrUnknownCodec}
	}
	if err != nil {
		return dst[:start], nil, err
	}
	dst, err = fixClearLen(dst, start, c)
	if err != nil {
		return dst[:start], nil, err
	}
	return dst, frame, nil
}

// splitShort is split for the commonest frames, small enough to be
// inlined: an Opus frame (no clear part) and a VP8 inter frame (a one-byte
// clear part, the P bit set, and at least the 3-byte frame tag). For any
// other frame ok is false and split has to run.
func (c Codec) splitShort(dst, frame []byte) (prefix, payload []byte, ok bool) {
	switch {
	case c == CodecOpus && len(frame) > 0:
		return append(dst, byte(c), 0), frame, true
	case c == CodecVP8 && len(frame) >= vp8FrameTagLen && frame[0]&vp8InterFrameFlag != 0:
		return append(dst, byte(c), vp8InterClearLen, frame[0]), frame[vp8InterClearLen:], true
	}
	return nil, nil, false
}

// join is the receiver's half, run only after SFrame Open has authenticated
// clear (as part of the metadata) and produced plaintext. It appends the
// original frame to dst: clear || plaintext for VP8 and VP9, plaintext
// itself for the other codecs, once it has checked that clear is exactly
// the clear part split derives from that frame. On error dst is returned
// unchanged, so nothing of a rejected frame is released.
//
// A Session that decrypts in place can skip the copy: append framePrefix to
// its output, let Open append the plaintext after it, then call checkFrame
// on the result and truncate it on error.
func (c Codec) join(dst, clear, plaintext []byte) ([]byte, error) {
	if !c.IsValid() {
		return dst, &CodecError{Codec: c, Reason: "no policy", Err: ErrUnknownCodec}
	}
	out := append(dst, c.framePrefix(clear)...)
	out = append(out, plaintext...)
	if err := c.checkFrame(clear, out[len(dst):]); err != nil {
		return dst, err
	}
	return out, nil
}

// framePrefix returns the bytes of the frame that travel only in the clear
// part: clear itself for VP8 and VP9, nothing for the other codecs.
func (c Codec) framePrefix(clear []byte) []byte {
	if c == CodecVP8 || c == CodecVP9 {
		return clear
	}
	return nil
}

// frameMinLen is checkFrame's shortcut for the commonest frames. The
// receiver rebuilds a frame as framePrefix(clear) || plaintext; when clear
// alone settles that the frame passes checkFrame if and only if it is long
// enough, frameMinLen returns that length, and otherwise 0 (run
// checkFrame). Opus: an empty clear part, and any non-empty frame. VP8: an
// inter frame's one-byte clear part (the P bit set), and a frame holding
// its 3-byte frame tag; the frame starts with the clear byte, so its
// header is that byte.
func (c Codec) frameMinLen(clear []byte) int {
	switch {
	case c == CodecOpus && len(clear) == 0:
		return 1
	case c == CodecVP8 && len(clear) == vp8InterClearLen && clear[0]&vp8InterFrameFlag != 0:
		return vp8FrameTagLen
	}
	return 0
}

// checkFrame reports whether clear is exactly the clear part that split
// derives from frame, with an error wrapping ErrClearMismatch otherwise
// (also when frame has no clear part at all because the policy cannot
// parse it). It allocates nothing.
func (c Codec) checkFrame(clear, frame []byte) error {
	switch c {
	case CodecOpus:
		if len(frame) == 0 {
			return mismatchError(c, 0, "empty Opus packet")
		}
		if len(clear) != 0 {
			return mismatchError(c, 0, "Opus frames have an empty clear part")
		}
		return nil
	case CodecVP8, CodecVP9:
		n, _, f := c.videoHeader(frame, true)
		if !f.ok() {
			return mismatchError(c, f.off, f.reason)
		}
		if n != len(clear) || string(frame[:n]) != string(clear) {
			return mismatchError(c, 0, "clear part is not the frame's header")
		}
		return nil
	case CodecH264, CodecH265:
		return checkAnnexBHeaders(c, clear, frame)
	case CodecAV1:
		return checkOBUHeaders(clear, frame)
	}
	return &CodecError{Codec: c, Reason: "no policy", Err: ErrUnknownCodec}
}
