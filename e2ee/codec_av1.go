package e2ee

// AV1 low-overhead bitstream format (AV1 §5.2, §5.3): a temporal unit is a
// sequence of OBUs, each
//
//	obu_header            1 byte (§5.3.2): forbidden(1) type(4)
//	                      extension_flag(1) has_size_field(1) reserved(1)
//	obu_extension_header  1 byte if extension_flag (§5.3.3):
//	                      temporal_id(3) spatial_id(2) reserved(3)
//	obu_size              leb128 (§4.10.5) if has_size_field; otherwise the
//	                      OBU runs to the end of the temporal unit
//	payload               obu_size bytes
const (
	obuForbiddenBit   = 0x80
	obuExtensionFlag  = 0x04
	obuHasSizeField   = 0x02
	obuSequenceHeader = 1
	obuFrameHeader    = 3
	obuFrame          = 6
	obuRedundantFrame = 7 // OBU_REDUNDANT_FRAME_HEADER

	// First byte of uncompressed_header (§5.9.2) with
	// reduced_still_picture_header = 0.
	av1ShowExistingFrame = 0x80
	av1FrameTypeShift    = 5 // frame_type f(2): 0 = KEY_FRAME
	av1ShowFrame         = 0x10
	maxLEB128Len         = 8         // §4.10.5
	maxLEB128            = 1<<32 - 1 // §4.10.5: a conforming value fits 32 bits
)

// obuCarriesFrameHeader reports the OBU types whose payload starts with a
// frame header (§5.9.1, §5.10.1): the first byte of it stays in clear.
func obuCarriesFrameHeader(typ byte) bool {
	return typ == obuFrameHeader || typ == obuFrame || typ == obuRedundantFrame
}

// obuIter walks the OBUs of a temporal unit.
type obuIter struct {
	b   []byte
	pos int
}

// obu locates one OBU in a temporal unit.
type obu struct {
	off     int // obu_header
	hdrEnd  int // end of obu_header and obu_extension_header
	payload int // start of the payload
	size    int
}

// next parses the OBU at it.pos and moves past it. it.pos < len(it.b).
func (it *obuIter) next() (o obu, f fault) {
	b, p := it.b, it.pos
	h := b[p]
	if h&obuForbiddenBit != 0 {
		return o, fault{p, "AV1 OBU header with obu_forbidden_bit set"}
	}
	o.off = p
	p++
	if h&obuExtensionFlag != 0 {
		if p == len(b) {
			return o, fault{p, "AV1 OBU extension header truncated"}
		}
		p++
	}
	o.hdrEnd = p
	o.size = len(b) - p
	if h&obuHasSizeField != 0 {
		v, k, ok := readLEB128(b[p:])
		if !ok {
			return o, fault{p, "AV1 obu_size truncated or above 2^32-1"}
		}
		p += k
		if v > uint64(len(b)-p) {
			return o, fault{p, "AV1 obu_size runs past the end of the temporal unit"}
		}
		o.size = int(v)
	}
	o.payload = p
	if obuCarriesFrameHeader(h>>3&0xf) && o.size == 0 {
		return o, fault{p, "AV1 frame header OBU with an empty payload"}
	}
	it.pos = p + o.size
	return o, fault{}
}

// clearLen is the number of bytes the OBU contributes to the clear part.
func (o obu) clearLen(b []byte) int {
	n := o.hdrEnd - o.off
	if obuCarriesFrameHeader(b[o.off] >> 3 & 0xf) {
		n++
	}
	return n
}

// readLEB128 reads an AV1 leb128() (§4.10.5): at most 8 bytes, a value of
// at most 2^32-1. Non-minimal encodings are valid AV1 and are accepted; the
// policy never rewrites them.
func readLEB128(b []byte) (v uint64, n int, ok bool) {
	for i := 0; i < maxLEB128Len && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1, v <= maxLEB128
		}
	}
	return 0, 0, false
}

// appendOBUHeaders appends the clear bytes of every OBU of frame to dst.
func appendOBUHeaders(dst, frame []byte) ([]byte, error) {
	if len(frame) == 0 {
		return dst, frameError(CodecAV1, 0, "empty AV1 temporal unit")
	}
	limit := len(dst) + MaxClearLen
	it := obuIter{b: frame}
	for it.pos < len(frame) {
		o, f := it.next()
		if !f.ok() {
			return dst, frameError(CodecAV1, f.off, f.reason)
		}
		if len(dst)+o.clearLen(frame) > limit {
			return dst, frameError(CodecAV1, o.off, "OBU headers exceed MaxClearLen")
		}
		dst = append(dst, frame[o.off:o.hdrEnd]...)
		if o.hdrEnd-o.off < o.clearLen(frame) {
			dst = append(dst, frame[o.payload])
		}
	}
	return dst, nil
}

// checkOBUHeaders reports whether clear is exactly the clear bytes of the
// OBUs of frame.
func checkOBUHeaders(clear, frame []byte) error {
	if len(frame) == 0 {
		return mismatchError(CodecAV1, 0, "empty AV1 temporal unit")
	}
	k := 0
	it := obuIter{b: frame}
	for it.pos < len(frame) {
		o, f := it.next()
		if !f.ok() {
			return mismatchError(CodecAV1, f.off, f.reason)
		}
		hdr := frame[o.off:o.hdrEnd]
		n := o.clearLen(frame)
		if len(clear)-k < n || string(clear[k:k+len(hdr)]) != string(hdr) ||
			(n > len(hdr) && clear[k+len(hdr)] != frame[o.payload]) {
			return mismatchError(CodecAV1, o.off, "OBU header differs from the clear part")
		}
		k += n
	}
	if k != len(clear) {
		return mismatchError(CodecAV1, len(frame), "clear part has more OBU headers than the temporal unit")
	}
	return nil
}

// parseOBUClear parses a clear part made of OBU headers.
func parseOBUClear(info *FrameInfo, clear []byte) error {
	if len(clear) == 0 {
		return clearError(CodecAV1, 0, "no OBU header")
	}
	for k := 0; k < len(clear); {
		h := clear[k]
		if h&obuForbiddenBit != 0 {
			return clearError(CodecAV1, k, "AV1 OBU header with obu_forbidden_bit set")
		}
		typ := h >> 3 & 0xf
		n := 1
		if h&obuExtensionFlag != 0 {
			n++
		}
		if obuCarriesFrameHeader(typ) {
			n++
		}
		if len(clear)-k < n {
			return clearError(CodecAV1, k, "AV1 OBU header truncated")
		}
		info.Units++
		if h&obuExtensionFlag != 0 && info.TemporalID < 0 {
			e := clear[k+1]
			info.TemporalID = int(e >> 5)
			info.SpatialID = int(e >> 3 & 3)
		}
		if typ == obuSequenceHeader {
			info.ParameterSets = true
		}
		if obuCarriesFrameHeader(typ) {
			fh := clear[k+n-1]
			if fh&av1ShowExistingFrame == 0 && fh>>av1FrameTypeShift&3 == 0 && fh&av1ShowFrame != 0 {
				info.Keyframe = true
			}
		}
		k += n
	}
	return nil
}
