package e2ee

// VP8 frame layout (RFC 6386 §9.1; RFC 7741 §4.3 calls it the payload
// header):
//
//	byte 0..2  frame tag, a 24-bit little-endian value:
//	           bit 0 P (frame_type: 0 = key frame), bits 1-3 version,
//	           bit 4 show_frame, bits 5-23 first_part_size
//	key frames only:
//	byte 3..5  start code 9d 01 2a
//	byte 6..7  horizontal_scale (2 bits) | width (14 bits), little-endian
//	byte 8..9  vertical_scale (2 bits) | height (14 bits), little-endian
const (
	vp8KeyHeaderLen   = 10
	vp8InterClearLen  = 1
	vp8FrameTagLen    = 3
	vp8StartCode      = "\x9d\x01\x2a"
	vp8DimensionMask  = 0x3fff
	vp8InterFrameFlag = 0x01
)

// vp8Header parses a VP8 frame (whole) or its clear part and returns the
// length of the clear prefix: 10 bytes on key frames, 1 on inter frames.
// A whole inter frame must also hold the rest of its 3-byte frame tag.
func vp8Header(b []byte, whole bool) (n int, h videoHeader, f fault) {
	if len(b) == 0 {
		return 0, h, fault{0, "empty VP8 frame"}
	}
	if b[0]&vp8InterFrameFlag != 0 {
		if whole && len(b) < vp8FrameTagLen {
			return 0, h, fault{len(b), "VP8 frame shorter than its 3-byte frame tag"}
		}
		return vp8InterClearLen, h, fault{}
	}
	if len(b) < vp8KeyHeaderLen {
		return 0, h, fault{len(b), "VP8 key frame shorter than its 10-byte header"}
	}
	if string(b[vp8FrameTagLen:vp8FrameTagLen+3]) != vp8StartCode {
		return 0, h, fault{vp8FrameTagLen, "VP8 key frame without start code 9d 01 2a"}
	}
	h.key = true
	h.width = int(uint16(b[6])|uint16(b[7])<<8) & vp8DimensionMask
	h.height = int(uint16(b[8])|uint16(b[9])<<8) & vp8DimensionMask
	return vp8KeyHeaderLen, h, fault{}
}
