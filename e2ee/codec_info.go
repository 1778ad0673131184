package e2ee

// FrameInfo is what a clear part tells a relay about its frame.
type FrameInfo struct {
	Codec Codec
	// Keyframe reports a random access point: a VP8 or VP9 key frame, an
	// H.264 IDR slice, an H.265 IRAP picture (NAL types 16-23), an AV1 shown
	// key frame. It is false for Opus, whose packets all decode on their own.
	Keyframe bool
	// ParameterSets reports in-band decoder configuration: an H.264 SPS, an
	// H.265 VPS or SPS, an AV1 sequence header OBU.
	ParameterSets bool
	// Width and Height are the coded size carried by VP8 and VP9 key
	// frames, and 0 otherwise.
	Width, Height int
	// TemporalID and SpatialID are the layer ids of the frame's first video
	// unit that carries them (an H.264 SVC/MVC/3D-AVC NAL unit header
	// extension, every H.265 VCL NAL unit, an AV1 OBU extension header), and
	// -1 when the frame carries none. SpatialID is the H.264 SVC
	// dependency_id, the H.265 nuh_layer_id or the AV1 spatial_id.
	TemporalID, SpatialID int
	// Units is the number of NAL units or OBUs the clear part describes
	// (0 for Opus, 1 for VP8 and VP9; for H.264 and H.265 the NAL units up
	// to the first slice).
	Units int
}

// ParseClear parses the clear part of a frame of codec c, as a relay does
// to route it. Like ParsePacket it bounds every read by len(clear) and
// allocates nothing. Errors wrap ErrMalformedPacket or ErrUnknownCodec.
//
// A relay holds no key and so cannot authenticate what it parses; a
// receiver gets the same result from an authenticated clear part only after
// SFrame Open has succeeded.
func ParseClear(c Codec, clear []byte) (FrameInfo, error) {
	info := FrameInfo{Codec: c, TemporalID: -1, SpatialID: -1}
	switch c {
	case CodecOpus:
		if len(clear) != 0 {
			return info, clearError(c, 0, "Opus frames have an empty clear part")
		}
		return info, nil
	case CodecVP8, CodecVP9:
		n, hdr, f := c.videoHeader(clear, false)
		if !f.ok() {
			return info, clearError(c, f.off, f.reason)
		}
		if n != len(clear) {
			return info, clearError(c, n, "longer than the frame header it holds")
		}
		info.Keyframe, info.Width, info.Height, info.Units = hdr.key, hdr.width, hdr.height, 1
		return info, nil
	case CodecH264, CodecH265:
		return info, parseAnnexBClear(&info, clear)
	case CodecAV1:
		return info, parseOBUClear(&info, clear)
	}
	return info, &CodecError{Codec: c, Reason: "no policy", Err: ErrUnknownCodec}
}

// videoHeader is what the VP8 and VP9 header parsers read.
type videoHeader struct {
	key           bool
	width, height int
}

// videoHeader parses the header of a VP8 or VP9 frame (whole) or of the
// clear part holding it, and returns the length of the clear prefix.
func (c Codec) videoHeader(b []byte, whole bool) (n int, h videoHeader, f fault) {
	if c == CodecVP8 {
		return vp8Header(b, whole)
	}
	return vp9Header(b)
}

// fault locates what a parser rejected; the zero fault means success. The
// parsers return it instead of an error so that the caller can say whether
// the bytes came from the local encoder (ErrMalformedFrame) or from a packet
// (ErrMalformedPacket), and so that their success paths never allocate.
type fault struct {
	off    int
	reason string
}

func (f fault) ok() bool { return f.reason == "" }
