package wire

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of Media in wire.proto.
const (
	mediaStreamID    protowire.Number = 1
	mediaSequence    protowire.Number = 2
	mediaTimestampUS protowire.Number = 3
	mediaPayload     protowire.Number = 4
	mediaSource      protowire.Number = 5
)

// MediaFrame is the Media message of wire.proto in a form the hot path can
// encode and decode without allocating. Payload aliases the bytes it was
// parsed from.
type MediaFrame struct {
	Source      uint32
	StreamID    uint32
	Sequence    uint64
	TimestampUS uint64
	Payload     []byte
}

// MaxMediaOverhead bounds the bytes AppendMedia adds to the payload: five
// tags, four varints and the payload's length.
const MaxMediaOverhead = 5 + 5 + 10 + 10 + 10 + 5

// AppendMedia appends the protobuf encoding of m to dst, as proto.Marshal
// would encode the equivalent Media (fields in number order, zero values
// omitted), and returns the extended slice.
func AppendMedia(dst []byte, m *MediaFrame) []byte {
	if m.StreamID != 0 {
		dst = protowire.AppendTag(dst, mediaStreamID, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(m.StreamID))
	}
	if m.Sequence != 0 {
		dst = protowire.AppendTag(dst, mediaSequence, protowire.VarintType)
		dst = protowire.AppendVarint(dst, m.Sequence)
	}
	if m.TimestampUS != 0 {
		dst = protowire.AppendTag(dst, mediaTimestampUS, protowire.VarintType)
		dst = protowire.AppendVarint(dst, m.TimestampUS)
	}
	if len(m.Payload) != 0 {
		dst = protowire.AppendTag(dst, mediaPayload, protowire.BytesType)
		dst = protowire.AppendBytes(dst, m.Payload)
	}
	if m.Source != 0 {
		dst = protowire.AppendTag(dst, mediaSource, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(m.Source))
	}
	return dst
}

// MediaSize returns len(AppendMedia(nil, m)).
func MediaSize(m *MediaFrame) int {
	n := 0
	if m.StreamID != 0 {
		n += 1 + protowire.SizeVarint(uint64(m.StreamID))
	}
	if m.Sequence != 0 {
		n += 1 + protowire.SizeVarint(m.Sequence)
	}
	if m.TimestampUS != 0 {
		n += 1 + protowire.SizeVarint(m.TimestampUS)
	}
	if len(m.Payload) != 0 {
		n += 1 + protowire.SizeBytes(len(m.Payload))
	}
	if m.Source != 0 {
		n += 1 + protowire.SizeVarint(uint64(m.Source))
	}
	return n
}

// ParseMedia decodes a Media message into m without copying: m.Payload
// aliases b. As in protobuf, fields may come in any order, a repeated
// field's last value wins, and unknown fields are skipped. Unlike
// proto.Unmarshal it rejects a uint32 field whose value does not fit in 32
// bits, and a payload longer than maxPayload (ErrTooLarge).
func ParseMedia(b []byte, maxPayload int, m *MediaFrame) error {
	*m = MediaFrame{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: media: field tag: %w", ErrMalformed, protowire.ParseError(n))
		}
		if !num.IsValid() {
			return fmt.Errorf("%w: media: field number %d out of range", ErrMalformed, num)
		}
		b = b[n:]
		switch num {
		case mediaStreamID, mediaSequence, mediaTimestampUS, mediaSource:
			if typ != protowire.VarintType {
				return fmt.Errorf("%w: media: field %d has wire type %d, want varint", ErrMalformed, num, typ)
			}
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return fmt.Errorf("%w: media: field %d: %w", ErrMalformed, num, protowire.ParseError(n))
			}
			b = b[n:]
			switch num {
			case mediaStreamID, mediaSource:
				if v > math.MaxUint32 {
					return fmt.Errorf("%w: media: field %d: %d overflows uint32", ErrMalformed, num, v)
				}
				if num == mediaStreamID {
					m.StreamID = uint32(v)
				} else {
					m.Source = uint32(v)
				}
			case mediaSequence:
				m.Sequence = v
			case mediaTimestampUS:
				m.TimestampUS = v
			}
		case mediaPayload:
			if typ != protowire.BytesType {
				return fmt.Errorf("%w: media: payload has wire type %d, want bytes", ErrMalformed, typ)
			}
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return fmt.Errorf("%w: media: payload: %w", ErrMalformed, protowire.ParseError(n))
			}
			if len(v) > maxPayload {
				return fmt.Errorf("%w: media: payload of %d bytes, limit %d", ErrTooLarge, len(v), maxPayload)
			}
			m.Payload = v
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return fmt.Errorf("%w: media: unknown field %d: %w", ErrMalformed, num, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	return nil
}
