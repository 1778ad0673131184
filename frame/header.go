package frame

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// KID is an SFrame key ID (RFC 9605 §4.3): a 64-bit value that names the
// base key a frame was sealed with. It travels in clear in every header.
type KID uint64

// MaxHeaderLen is the length of the longest SFrame header: the config byte
// followed by an 8-byte KID and an 8-byte CTR.
const MaxHeaderLen = 1 + 8 + 8

// Header is the clear part of an SFrame ciphertext (RFC 9605 §4.3): the key
// ID and the counter from which the nonce is built.
//
// The encoding is canonical. Encoding always picks the minimal form: a
// value below 8 sits in the 3 bits of the config byte, a larger one in the
// fewest big-endian bytes that hold it. Decoding accepts only that form and
// rejects the others with ErrMalformedHeader: an extended field holding a
// value below 8, or one with a leading zero byte. RFC 9605 §4.3 says the
// values MUST be encoded minimally, and accepting exactly one encoding per
// (KID, CTR) means that decode-then-encode gives back the input bytes, so
// the header bytes a relay sees, the ones bound into the AEAD, and the
// values the receiver acts on cannot disagree.
type Header struct {
	KID KID
	CTR uint64
}

// fieldLen returns how many bytes follow the config byte for a KID or CTR
// value v: none when v fits in the 3-bit field, else the minimal length.
func fieldLen(v uint64) int {
	if v < 8 {
		return 0
	}
	return (bits.Len64(v) + 7) / 8
}

// headerLen returns the encoded length of the header for kid and ctr.
func headerLen(kid KID, ctr uint64) int {
	return 1 + fieldLen(uint64(kid)) + fieldLen(ctr)
}

// Len returns the length of h's encoding, between 1 and MaxHeaderLen.
func (h Header) Len() int { return headerLen(h.KID, h.CTR) }

// putHeader writes the minimal encoding of (kid, ctr) to the start of b,
// which must hold at least headerLen(kid, ctr) bytes, and returns the
// number of bytes written.
func putHeader(b []byte, kid KID, ctr uint64) int {
	k, c := uint64(kid), ctr
	kl, cl := fieldLen(k), fieldLen(c)
	n := 1 + kl + cl
	_ = b[n-1]
	var config byte
	if kl == 0 {
		config = byte(k) << 4
	} else {
		config = 0x80 | byte(kl-1)<<4
	}
	if cl == 0 {
		config |= byte(c)
	} else {
		config |= 0x08 | byte(cl-1)
	}
	b[0] = config
	putField(b[1:1+kl], k)
	putField(b[1+kl:n], c)
	return n
}

// putField writes v into all of b (0 to 8 bytes), most significant byte
// first. The lengths of real headers (a one- or two-byte KID, a CTR of up
// to four bytes) are written out.
func putField(b []byte, v uint64) {
	switch len(b) {
	case 0:
	case 1:
		b[0] = byte(v)
	case 2:
		binary.BigEndian.PutUint16(b, uint16(v))
	case 3:
		b[0] = byte(v >> 16)
		binary.BigEndian.PutUint16(b[1:], uint16(v))
	case 4:
		binary.BigEndian.PutUint32(b, uint32(v))
	default:
		for i := len(b) - 1; i >= 0; i-- {
			b[i] = byte(v)
			v >>= 8
		}
	}
}

// AppendBinary appends the encoding of h to b. It implements
// encoding.BinaryAppender and never fails.
func (h Header) AppendBinary(b []byte) ([]byte, error) {
	n := h.Len()
	b, out := sliceForAppend(b, n)
	putHeader(out, h.KID, h.CTR)
	return b, nil
}

// MarshalBinary returns the encoding of h. It implements
// encoding.BinaryMarshaler and never fails.
func (h Header) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(make([]byte, 0, h.Len()))
}

// UnmarshalBinary decodes data, which must be exactly one header with
// nothing after it. It implements encoding.BinaryUnmarshaler.
func (h *Header) UnmarshalBinary(data []byte) error {
	hdr, n, detail := parseHeader(data)
	if detail != "" {
		return newError("parse header", ErrMalformedHeader, detail)
	}
	if n != len(data) {
		return newError("parse header", ErrMalformedHeader,
			fmt.Sprintf("%d trailing bytes after a %d-byte header", len(data)-n, n))
	}
	*h = hdr
	return nil
}

// ParseHeader decodes the header at the start of an SFrame ciphertext and
// returns it with the bytes after it (the AEAD ciphertext and tag). It does
// no cryptography: this is what a relay can read from a frame, and none of
// it is authenticated until Context.Open succeeds.
func ParseHeader(ciphertext []byte) (Header, []byte, error) {
	h, n, detail := parseHeader(ciphertext)
	if detail != "" {
		return Header{}, nil, newError("parse header", ErrMalformedHeader, detail)
	}
	return h, ciphertext[n:], nil
}

// parseHeader decodes the header at the start of b. It returns the header
// and its length, or a non-empty description of what is wrong.
func parseHeader(b []byte) (Header, int, string) {
	h, n, ok := decodeHeader(b)
	if !ok {
		return Header{}, 0, headerDetail(b)
	}
	return h, n, ""
}

// decodeHeader decodes the header at the start of b and returns it and its
// length; ok is false if b does not start with a minimally encoded header
// (headerDetail says why). It is parseHeader without the description, for
// Open.
func decodeHeader(b []byte) (h Header, n int, ok bool) {
	if len(b) == 0 {
		return Header{}, 0, false
	}
	config := b[0]
	kid, ctr := uint64(config>>4&7), uint64(config&7)
	n = 1
	if config&0x80 != 0 {
		kl := int(kid) + 1
		if len(b) < n+kl {
			return Header{}, 0, false
		}
		if kid, ok = readField(b[n : n+kl]); !ok {
			return Header{}, 0, false
		}
		n += kl
	}
	if config&0x08 != 0 {
		cl := int(ctr) + 1
		if len(b) < n+cl {
			return Header{}, 0, false
		}
		if ctr, ok = readField(b[n : n+cl]); !ok {
			return Header{}, 0, false
		}
		n += cl
	}
	return Header{KID: KID(kid), CTR: ctr}, n, true
}

// readField decodes an extended KID or CTR field (1 to 8 bytes) and
// reports whether it is in its minimal form: no leading zero byte, and a
// value that does not fit in the 3 bits of the config byte. Together those
// mean len(b) == fieldLen(v). As in putField, the lengths of real headers
// are written out.
func readField(b []byte) (v uint64, ok bool) {
	switch len(b) {
	case 1:
		v = uint64(b[0])
	case 2:
		v = uint64(binary.BigEndian.Uint16(b))
	case 3:
		v = uint64(b[0])<<16 | uint64(binary.BigEndian.Uint16(b[1:]))
	case 4:
		v = uint64(binary.BigEndian.Uint32(b))
	default:
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
	}
	return v, b[0] != 0 && v >= 8
}

// headerDetail describes what is wrong with the header at the start of b,
// which decodeHeader refused.
func headerDetail(b []byte) string {
	if len(b) == 0 {
		return "empty input, want at least the config byte"
	}
	config := b[0]
	kidExt, kidField := config&0x80 != 0, int(config>>4&7)
	ctrExt, ctrField := config&0x08 != 0, int(config&7)
	kl, cl := 0, 0
	if kidExt {
		kl = kidField + 1
	}
	if ctrExt {
		cl = ctrField + 1
	}
	n := 1 + kl + cl
	if len(b) < n {
		return fmt.Sprintf("truncated: config byte %#02x needs %d bytes (%d of KID and %d of CTR after it), have %d",
			config, n, kl, cl, len(b))
	}
	if kid := readBigEndian(b[1 : 1+kl]); kidExt && fieldLen(kid) != kl {
		return fmt.Sprintf("KID %d encoded in %d bytes, minimal form is %d", kid, kl, fieldLen(kid))
	}
	ctr := readBigEndian(b[1+kl : n])
	return fmt.Sprintf("CTR %d encoded in %d bytes, minimal form is %d", ctr, cl, fieldLen(ctr))
}

// readBigEndian decodes b (at most 8 bytes) as a big-endian integer.
func readBigEndian(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// sliceForAppend extends in by n bytes. It returns the whole slice and the
// n-byte tail, reusing in's capacity when it suffices (the idiom of
// crypto/cipher).
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	tail = head[len(in):]
	return
}
