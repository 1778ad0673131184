package e2ee

// A sealed media frame travels as one packet:
//
//	struct {
//	    uint8  codec;                 // a Codec code point
//	    leb128 clear_len;             // minimal encoding, at most MaxClearLen
//	    opaque clear[clear_len];      // the codec's clear part (see Codec)
//	    opaque sframe_ciphertext<..>; // RFC 9605 §4.2: SFrame header || ciphertext, to the end
//	} SealedFrame;
//
// Every byte in front of the SFrame ciphertext (codec, clear_len, clear) is
// the SFrame metadata of RFC 9605 §4.4.3: the AEAD authenticates it as
// AAD = SFrame header || metadata, so a relay that alters the codec, the
// length or any clear byte makes decryption fail. clear_len uses the
// unsigned LEB128 encoding of AV1 §4.10.5 (seven bits a byte, low group
// first), restricted to the minimal encoding so that every packet has one
// byte representation.
//
// The SFrame ciphertext runs to the end of the packet, so there is no
// trailing data to reject at this layer: bytes appended by a relay become
// part of the ciphertext and fail authentication.

// Packet is a sealed media frame split into its parts. Its slices alias the
// buffer given to ParsePacket.
type Packet struct {
	Codec Codec
	// Clear is the codec's clear part. Before the SFrame ciphertext has been
	// opened it is unauthenticated input from the relay: a relay may route
	// on it, a receiver must not act on it (RFC 9605 §9.4).
	Clear []byte
	// Metadata is the SFrame metadata to pass to Seal and Open: the codec
	// byte, the clear length and Clear, as they appear in the packet.
	Metadata []byte
	// SFrame is the SFrame ciphertext (RFC 9605 §4.2): header and AEAD
	// ciphertext.
	SFrame []byte
}

// ParsePacket splits a sealed packet into its parts. It checks the framing
// only: a known codec, a minimally encoded clear length within MaxClearLen
// and the packet, and a non-empty SFrame ciphertext. Packet.Info parses the
// clear part itself. ParsePacket allocates nothing and never reads beyond
// b; errors wrap ErrMalformedPacket or ErrUnknownCodec.
func ParsePacket(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, packetError(0, 0, "empty packet")
	}
	c := Codec(b[0])
	if !c.IsValid() {
		return Packet{}, &CodecError{Codec: c, Reason: "unknown codec byte", Err: ErrUnknownCodec}
	}
	n, k, ok := readClearLen(b[1:])
	if !ok {
		return Packet{}, packetError(c, 1, "clear length is truncated, not minimal or above MaxClearLen")
	}
	end := 1 + k + n
	if end > len(b) {
		return Packet{}, packetError(c, 1, "clear part runs past the end of the packet")
	}
	if end == len(b) {
		return Packet{}, packetError(c, end, "no SFrame ciphertext")
	}
	return Packet{
		Codec:    c,
		Clear:    b[1+k : end : end],
		Metadata: b[:end:end],
		SFrame:   b[end:],
	}, nil
}

// Info parses p.Clear with ParseClear.
func (p Packet) Info() (FrameInfo, error) {
	return ParseClear(p.Codec, p.Clear)
}

// readClearLen reads a minimal LEB128 of at most two bytes (MaxClearLen
// needs 14 bits) and returns the value and the bytes it took.
func readClearLen(b []byte) (n, k int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, true
	}
	if len(b) < 2 || b[1] == 0 || b[1] >= 0x80 {
		// Truncated, a non-minimal trailing zero group, or a third byte.
		return 0, 0, false
	}
	return int(b[0]&0x7f) | int(b[1])<<7, 2, true
}

// fixClearLen finishes a packet prefix that split started at dst[start]
// with the codec byte and a one-byte length placeholder, now that the clear
// part after them is complete: it writes the length, first moving the clear
// part one byte right when the length needs two bytes.
func fixClearLen(dst []byte, start int, c Codec) ([]byte, error) {
	n := len(dst) - start - 2
	switch {
	case n > MaxClearLen:
		return dst, frameError(c, 0, "clear part longer than MaxClearLen")
	case n < 0x80:
		dst[start+1] = byte(n)
	default:
		dst = append(dst, 0)
		copy(dst[start+3:], dst[start+2:len(dst)-1])
		dst[start+1] = byte(n) | 0x80
		dst[start+2] = byte(n >> 7)
	}
	return dst, nil
}
