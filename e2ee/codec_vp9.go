package e2ee

// The start of the VP9 uncompressed header (VP9 Bitstream and Decoding
// Process Specification v0.6 §6.2), as far as the clear part reaches:
//
//	frame_marker          f(2)  = 2
//	profile_low_bit       f(1)
//	profile_high_bit      f(1)
//	if Profile == 3: reserved_zero f(1)
//	show_existing_frame   f(1)
//	if show_existing_frame: frame_to_show_map_idx f(3), end of header
//	frame_type            f(1)  0 = KEY_FRAME
//	show_frame            f(1)
//	error_resilient_mode  f(1)
//	if frame_type == KEY_FRAME:
//	    frame_sync_code   f(24) = 0x49 0x83 0x42      (§6.2.1)
//	    color_config                                  (§6.2.2)
//	    frame_width_minus_1  f(16)                    (§6.2.3)
//	    frame_height_minus_1 f(16)
//
// The clear part is the shortest byte prefix holding these fields.
const (
	vp9FrameMarker = 2
	vp9SyncCode    = 0x498342
	vp9KeyFrame    = 0
	vp9ColorRGB    = 7 // CS_RGB
)

// vp9Header parses a VP9 frame or its clear part and returns the length of
// the clear prefix.
func vp9Header(b []byte) (n int, h videoHeader, f fault) {
	// Fast path for the common case, an inter frame of profile 0, 1 or 2:
	// frame_marker 2, no reserved bit, show_existing_frame 0, frame_type 1
	// all sit in the first byte, and so does the whole clear part.
	if len(b) > 0 && b[0]&0xcc == 0x84 && b[0]&0x30 != 0x30 {
		return 1, h, fault{}
	}
	return vp9HeaderBits(b)
}

// vp9HeaderBits is vp9Header without the fast path.
func vp9HeaderBits(b []byte) (n int, h videoHeader, f fault) {
	r := bitReader{b: b}
	if r.bits(2) != vp9FrameMarker {
		if r.short {
			return 0, h, fault{0, "empty VP9 frame"}
		}
		return 0, h, fault{0, "VP9 frame_marker is not 2"}
	}
	low := r.bit()
	profile := r.bit()<<1 | low
	if profile == 3 {
		r.bit() // reserved_zero
	}
	if r.bit() == 1 { // show_existing_frame
		r.bits(3) // frame_to_show_map_idx
	} else {
		frameType := r.bit()
		r.bits(2) // show_frame, error_resilient_mode
		if frameType == vp9KeyFrame {
			h.key = true
			if r.bits(24) != vp9SyncCode && !r.short {
				return 0, h, fault{r.pos/8 - 3, "VP9 key frame without frame_sync_code 49 83 42"}
			}
			// color_config (§6.2.2)
			if profile >= 2 {
				r.bit() // ten_or_twelve_bit
			}
			colorSpace := r.bits(3)
			odd := profile == 1 || profile == 3
			switch {
			case colorSpace != vp9ColorRGB && odd:
				r.bits(4) // color_range, subsampling_x, subsampling_y, reserved_zero
			case colorSpace != vp9ColorRGB:
				r.bit() // color_range
			case odd:
				r.bit() // reserved_zero
			}
			h.width = int(r.bits(16)) + 1
			h.height = int(r.bits(16)) + 1
		}
	}
	if r.short {
		return 0, videoHeader{}, fault{len(b), "VP9 uncompressed header truncated"}
	}
	return (r.pos + 7) / 8, h, fault{}
}

// bitReader reads big-endian bit fields (the f(n) of the VP9 spec) from b.
// Reading past the end yields zero bits and sets short; callers check short
// once at the end, so no read can run off the slice.
type bitReader struct {
	b     []byte
	pos   int // in bits
	short bool
}

func (r *bitReader) bit() uint32 { return r.bits(1) }

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for n > 0 {
		i := r.pos >> 3
		if i >= len(r.b) {
			r.short = true
			return 0
		}
		left := 8 - r.pos&7 // unread bits in b[i]
		take := min(left, n)
		v = v<<take | uint32(r.b[i]>>(left-take))&(1<<take-1)
		r.pos += take
		n -= take
	}
	return v
}
