package e2ee

import "bytes"

// H.264 and H.265 access units arrive in the Annex B byte stream format
// (H.264 Annex B, H.265 Annex B): every NAL unit is preceded by the start
// code 00 00 01, optionally with leading zero bytes (00 00 00 01). Inside a
// NAL unit emulation prevention (H.264 §7.4.1, H.265 §7.4.2) keeps 00 00 01
// from occurring, so the next start code ends the unit.
//
// The clear part is the NAL unit headers up to and including the first VCL
// NAL unit (a coded slice), and no further. Nothing after it changes a
// routing decision: all VCL NAL units of a picture share one nal_unit_type
// (H.264 §7.4.1, IDR or not; H.265 §7.4.2.2) and one TemporalId (H.265
// §7.4.2.2), and the parameter sets, SEI and delimiters a relay might look
// for precede the first VCL NAL unit of an access unit (H.264 §7.4.1.2.3,
// H.265 §7.4.2.4.4). Stopping there also means the start-code search never
// enters slice data: the sender's and the receiver's cost is that of the
// few bytes in front of the first slice, not of the whole frame, and the
// number and sizes of the slices stay hidden.

var annexBStartCode = []byte{0, 0, 1}

// NAL unit header fields used below (H.264 §7.3.1 and §7.4.1, H.265
// §7.3.1.2 and §7.4.2.2).
const (
	nalForbiddenBit = 0x80

	h264TypeIDR          = 5
	h264TypeSPS          = 7
	h264TypePrefix       = 14 // SVC/MVC prefix NAL unit, 3-byte extension
	h264TypeSliceExt     = 20 // SVC/MVC slice extension, 3-byte extension
	h264TypeSlice3DAVC   = 21 // MVC (3 bytes) or 3D-AVC (2 bytes) extension
	h264ExtensionFlagBit = 0x80

	h265HeaderLen   = 2
	h265FirstIRAP   = 16 // BLA_W_LP
	h265LastIRAP    = 23 // RSV_IRAP_VCL23
	h265FirstNonVCL = 32 // VPS_NUT; types below are VCL NAL units
	h265TypeVPS     = 32
	h265TypeSPS     = 33
)

// nalHeaderLen returns the length of the NAL unit header at the start of b,
// or a reason it is not one.
func nalHeaderLen(c Codec, b []byte) (int, string) {
	if len(b) == 0 {
		return 0, "start code without a NAL unit header"
	}
	if b[0]&nalForbiddenBit != 0 {
		return 0, "NAL unit header with forbidden_zero_bit set"
	}
	n := 1
	if c == CodecH265 {
		n = h265HeaderLen
		if len(b) >= n && b[1]&7 == 0 {
			return 0, "NAL unit header with nuh_temporal_id_plus1 = 0"
		}
	} else {
		switch b[0] & 0x1f {
		case h264TypePrefix, h264TypeSliceExt:
			n = 4
		case h264TypeSlice3DAVC:
			n = 4
			if len(b) >= 2 && b[1]&h264ExtensionFlagBit != 0 {
				n = 3 // avc_3d_extension_flag: nal_unit_header_3davc_extension
			}
		}
	}
	if len(b) < n {
		return 0, "NAL unit header truncated"
	}
	return n, ""
}

// annexBIter walks the NAL unit headers of an access unit.
type annexBIter struct {
	c   Codec
	b   []byte
	pos int // offset of the next NAL unit header, or -1 after the last
}

func newAnnexBIter(c Codec, b []byte) (annexBIter, fault) {
	i := 0
	for i < len(b) && b[i] == 0 {
		i++
	}
	if i < 2 || i == len(b) || b[i] != 1 {
		return annexBIter{}, fault{i, "access unit does not begin with a start code"}
	}
	return annexBIter{c: c, b: b, pos: i + 1}, fault{}
}

// next returns the header of the NAL unit at it.pos and moves to the next
// one, or ends the walk (it.pos = -1) after the first VCL NAL unit or the
// last NAL unit. The search for the next start code begins after the
// header, which is copied whole.
func (it *annexBIter) next() (off int, hdr []byte, f fault) {
	off = it.pos
	n, reason := nalHeaderLen(it.c, it.b[off:])
	if reason != "" {
		return off, nil, fault{off, reason}
	}
	body := off + n
	it.pos = -1
	if !nalIsVCL(it.c, it.b[off]) {
		if j := indexStartCode(it.b[body:]); j >= 0 {
			it.pos = body + j + len(annexBStartCode)
		}
	}
	return off, it.b[off:body], fault{}
}

// indexStartCode returns the index of the first 00 00 01 in b, or -1. The
// NAL units in front of the first slice are mostly a few bytes long (an
// access unit delimiter, parameter sets), so it looks at the first bytes
// itself, skipping three at a time where the third is above 1 (no start
// code can then begin at any of them), and hands longer searches to
// bytes.Index.
func indexStartCode(b []byte) int {
	const inline = 16
	i := 0
	for ; i+2 < len(b) && i < inline; i++ {
		switch {
		case b[i+2] > 1:
			i += 2
		case b[i+2] == 1 && b[i+1] == 0 && b[i] == 0:
			return i
		}
	}
	if i+2 >= len(b) {
		return -1
	}
	if j := bytes.Index(b[i:], annexBStartCode); j >= 0 {
		return i + j
	}
	return -1
}

// nalIsVCL reports whether a NAL unit header starts a VCL NAL unit (a coded
// slice): H.264 types 1-5, 20 and 21 (Table 7-1), H.265 types 0-31 (Table
// 7-1).
func nalIsVCL(c Codec, h0 byte) bool {
	if c == CodecH265 {
		return h0>>1&0x3f < h265FirstNonVCL
	}
	t := h0 & 0x1f
	return t >= 1 && t <= h264TypeIDR || t == h264TypeSliceExt || t == h264TypeSlice3DAVC
}

// appendAnnexBHeaders appends the NAL unit headers of frame, up to and
// including the first VCL NAL unit, to dst.
func appendAnnexBHeaders(dst []byte, c Codec, frame []byte) ([]byte, error) {
	it, f := newAnnexBIter(c, frame)
	if !f.ok() {
		return dst, frameError(c, f.off, f.reason)
	}
	limit := len(dst) + MaxClearLen
	for it.pos >= 0 {
		_, hdr, f := it.next()
		if !f.ok() {
			return dst, frameError(c, f.off, f.reason)
		}
		if len(dst)+len(hdr) > limit {
			return dst, frameError(c, it.pos, "NAL unit headers exceed MaxClearLen")
		}
		dst = append(dst, hdr...)
	}
	return dst, nil
}

// checkAnnexBHeaders reports whether clear is exactly the sequence of NAL
// unit headers of frame up to and including its first VCL NAL unit.
func checkAnnexBHeaders(c Codec, clear, frame []byte) error {
	it, f := newAnnexBIter(c, frame)
	if !f.ok() {
		return mismatchError(c, f.off, f.reason)
	}
	k := 0
	for it.pos >= 0 {
		off, hdr, f := it.next()
		if !f.ok() {
			return mismatchError(c, f.off, f.reason)
		}
		if len(clear)-k < len(hdr) || string(clear[k:k+len(hdr)]) != string(hdr) {
			return mismatchError(c, off, "NAL unit header differs from the clear part")
		}
		k += len(hdr)
	}
	if k != len(clear) {
		return mismatchError(c, len(frame), "clear part has more NAL unit headers than the frame before its first slice")
	}
	return nil
}

// parseAnnexBClear parses a clear part made of NAL unit headers, of which
// only the last may be that of a VCL NAL unit.
func parseAnnexBClear(info *FrameInfo, clear []byte) error {
	c := info.Codec
	if len(clear) == 0 {
		return clearError(c, 0, "no NAL unit header")
	}
	vcl := false
	for k := 0; k < len(clear); {
		if vcl {
			return clearError(c, k, "NAL unit header after the first VCL NAL unit")
		}
		n, reason := nalHeaderLen(c, clear[k:])
		if reason != "" {
			return clearError(c, k, reason)
		}
		h := clear[k : k+n]
		vcl = nalIsVCL(c, h[0])
		info.Units++
		if c == CodecH264 {
			h264Info(info, h)
		} else {
			h265Info(info, h)
		}
		k += n
	}
	return nil
}

func h264Info(info *FrameInfo, h []byte) {
	t := h[0] & 0x1f
	switch t {
	case h264TypeIDR:
		info.Keyframe = true
	case h264TypeSPS:
		info.ParameterSets = true
	}
	if len(h) == 1 || info.TemporalID >= 0 {
		return
	}
	switch {
	case h[1]&h264ExtensionFlagBit == 0: // nal_unit_header_mvc_extension (H.7.3.1.1)
		info.TemporalID = int(h[3] >> 3 & 7)
	case t == h264TypeSlice3DAVC: // nal_unit_header_3davc_extension (J.7.3.1.1)
		info.TemporalID = int(h[2] >> 2 & 7)
	default: // nal_unit_header_svc_extension (G.7.3.1.1)
		info.SpatialID = int(h[2] >> 4 & 7) // dependency_id
		info.TemporalID = int(h[3] >> 5)
	}
}

func h265Info(info *FrameInfo, h []byte) {
	t := h[0] >> 1 & 0x3f
	switch {
	case t >= h265FirstIRAP && t <= h265LastIRAP:
		info.Keyframe = true
	case t == h265TypeVPS || t == h265TypeSPS:
		info.ParameterSets = true
	}
	if t < h265FirstNonVCL && info.TemporalID < 0 {
		info.SpatialID = int(h[0]&1)<<5 | int(h[1]>>3) // nuh_layer_id
		info.TemporalID = int(h[1]&7) - 1              // nuh_temporal_id_plus1 - 1
	}
}
