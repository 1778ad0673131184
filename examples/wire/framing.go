package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// AppendFrame appends m to dst as the control stream carries it: the
// length of its encoding as a protobuf varint, then the encoding.
func AppendFrame(dst []byte, m proto.Message) ([]byte, error) {
	opts := proto.MarshalOptions{}
	size := opts.Size(m)
	dst = protowire.AppendVarint(dst, uint64(size))
	dst, err := opts.MarshalAppend(dst, m)
	if err != nil {
		return nil, fmt.Errorf("wire: encode %T: %w", m, err)
	}
	return dst, nil
}

// ReadFrame reads one length-prefixed message body from r into buf (grown
// as needed) and returns it. A length above max gives ErrTooLarge without
// reading the body, after which the stream cannot be resynchronised. A
// stream that ends between frames gives io.EOF; one that ends inside a
// frame gives an error wrapping both ErrMalformed and io.ErrUnexpectedEOF.
func ReadFrame(r *bufio.Reader, max int, buf []byte) ([]byte, error) {
	n, err := readLength(r)
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("%w: frame of %d bytes, limit %d", ErrTooLarge, n, max)
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: frame body: %w", ErrMalformed, err)
	}
	return buf, nil
}

// readLength reads a protobuf varint of at most 10 bytes.
func readLength(r *bufio.Reader) (uint64, error) {
	var v uint64
	for i := 0; i < protowire.SizeVarint(^uint64(0)); i++ {
		c, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, fmt.Errorf("%w: frame length: %w", ErrMalformed, io.ErrUnexpectedEOF)
			}
			return 0, err
		}
		if i == 9 && c > 1 {
			return 0, fmt.Errorf("%w: frame length overflows 64 bits", ErrMalformed)
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: frame length longer than 10 bytes", ErrMalformed)
}

// UnmarshalServerMessage decodes a control frame body from the relay.
func UnmarshalServerMessage(b []byte, m *ServerMessage) error {
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%w: ServerMessage: %w", ErrMalformed, err)
	}
	return nil
}

// UnmarshalClientMessage decodes a control frame body from a client.
func UnmarshalClientMessage(b []byte, m *ClientMessage) error {
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%w: ClientMessage: %w", ErrMalformed, err)
	}
	return nil
}
