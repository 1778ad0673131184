package media

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// Ogg page header (RFC 3533 §6): capture pattern "OggS", version,
// header_type flags, granule position, serial number, page sequence
// number, CRC, and the number of segments, followed by the segment table
// (lacing values) and the segments.
const (
	oggSignature      = "OggS"
	oggPageHeaderSize = 27

	oggContinued = 0x01 // the page's first packet started on an earlier page
	oggBOS       = 0x02 // first page of a logical stream
	oggEOS       = 0x04 // last page of a logical stream
)

// ReadOgg reads an Ogg Opus file (RFC 7845) with pion's oggreader into a
// Track of Opus packets: the audio packets, numbered from 0, with
// timestamps from 0 and durations from their TOC bytes (RFC 6716 §3.1).
// The identification and comment headers are checked and kept in the
// Track's OpusInfo.
//
// Pion's reader checks each page's CRC and returns its payload whole: all
// the packets on the page, run together. ReadOgg splits them with the
// page's segment table, which it peeks from the input before pion reads
// the page (at most 27 + 255 bytes): a lacing value of 255 continues a
// packet, a smaller one ends it (RFC 3533 §5, §6). A packet left
// unfinished at the end of a page continues on the next, which must say
// so in its header_type. Packets are at most MaxFrameSize bytes.
//
// Only Ogg files of one logical stream are read: a multiplexed or chained
// file fails with ErrUnsupported. Other errors wrap ErrMalformed or
// ErrTooLarge.
func ReadOgg(r io.Reader) (*Track, error) {
	br := bufio.NewReader(r) // holds a page header and segment table
	ogg, err := oggreader.NewWithOptions(br)
	if err != nil {
		return nil, fmt.Errorf("media: ogg: %w", err)
	}
	d := oggDemuxer{t: &Track{codec: Opus}}
	for page := 0; ; page++ {
		hdr, err := br.Peek(oggPageHeaderSize)
		if len(hdr) == 0 && err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("media: ogg: page %d: header: %w: %w", page, ErrMalformed, eofIsUnexpected(err))
		}
		if string(hdr[:4]) != oggSignature {
			return nil, fmt.Errorf("media: ogg: page %d: capture pattern %q, want %q: %w", page, hdr[:4], oggSignature, ErrMalformed)
		}
		if hdr[4] != 0 {
			return nil, fmt.Errorf("media: ogg: page %d: version %d: %w", page, hdr[4], ErrUnsupported)
		}
		p := oggPage{
			flags:  hdr[5],
			serial: binary.LittleEndian.Uint32(hdr[14:18]),
			seq:    binary.LittleEndian.Uint32(hdr[18:22]),
		}
		n := int(hdr[26])
		full, err := br.Peek(oggPageHeaderSize + n)
		if err != nil {
			return nil, fmt.Errorf("media: ogg: page %d: segment table: %w: %w", page, ErrMalformed, eofIsUnexpected(err))
		}
		p.lacing = p.table[:copy(p.table[:], full[oggPageHeaderSize:])]
		payload, _, err := ogg.ParseNextPage()
		if err != nil {
			return nil, fmt.Errorf("media: ogg: page %d: %w: %w", page, ErrMalformed, eofIsUnexpected(err))
		}
		if err := d.page(&p, payload); err != nil {
			return nil, fmt.Errorf("media: ogg: page %d: %w", page, err)
		}
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("media: ogg: %w", err)
	}
	return d.t, nil
}

// oggPage is what ReadOgg needs of a page header.
type oggPage struct {
	flags       byte
	serial, seq uint32
	table       [255]byte
	lacing      []byte // table[:number of segments]
}

// oggDemuxer turns the pages of an Ogg Opus stream into packets.
type oggDemuxer struct {
	t       *Track
	pages   int
	serial  uint32
	nextSeq uint32
	eos     bool
	partial []byte // a packet continued on the next page
	pending bool   // partial holds an unfinished packet
	// partialAtStart reports that the unfinished packet began a page.
	partialAtStart bool
	packets        int // packets so far, headers included
	ts             time.Duration
}

func (d *oggDemuxer) page(p *oggPage, payload []byte) error {
	if d.pages == 0 {
		if p.flags&oggBOS == 0 {
			return fmt.Errorf("first page without the beginning-of-stream flag: %w", ErrMalformed)
		}
		d.serial, d.nextSeq = p.serial, p.seq
	} else {
		switch {
		case p.flags&oggBOS != 0 || p.serial != d.serial:
			return fmt.Errorf("a second logical stream (serial %#x; multiplexed or chained Ogg): %w", p.serial, ErrUnsupported)
		case d.eos:
			return fmt.Errorf("page after the end-of-stream page: %w", ErrMalformed)
		}
	}
	if p.seq != d.nextSeq {
		return fmt.Errorf("page sequence number %d, want %d: %w", p.seq, d.nextSeq, ErrMalformed)
	}
	if continued := p.flags&oggContinued != 0; continued != d.pending {
		return fmt.Errorf("continued-packet flag is %v after a page that ended %s: %w",
			continued, map[bool]string{true: "inside a packet", false: "on a packet boundary"}[d.pending], ErrMalformed)
	}
	d.pages++
	d.nextSeq++
	d.eos = p.flags&oggEOS != 0

	cont := d.pending // the page's first segments finish an earlier packet
	start, end := 0, 0
	for _, l := range p.lacing {
		end += int(l)
		if l == 255 {
			continue
		}
		pkt, atStart := payload[start:end:end], start == 0
		if cont {
			if err := d.extend(payload[start:end]); err != nil {
				return err
			}
			pkt, atStart = d.partial, d.partialAtStart
			d.partial, d.pending, cont = nil, false, false
		}
		if err := d.packet(pkt, atStart); err != nil {
			return fmt.Errorf("packet %d: %w", d.packets, err)
		}
		d.packets++
		start = end
	}
	if n := len(p.lacing); n > 0 && p.lacing[n-1] == 255 {
		if !cont {
			d.partialAtStart = start == 0 // a packet begins here
		}
		if err := d.extend(payload[start:end]); err != nil {
			return err
		}
		d.pending = true
	}
	if d.pages == 1 && (d.packets != 1 || d.pending) {
		return fmt.Errorf("first page does not hold the identification header alone (RFC 7845 §3): %w", ErrMalformed)
	}
	return nil
}

// extend adds b to the unfinished packet.
func (d *oggDemuxer) extend(b []byte) error {
	if len(d.partial)+len(b) > MaxFrameSize {
		return fmt.Errorf("packet %d: over %d bytes: %w", d.packets, MaxFrameSize, ErrTooLarge)
	}
	d.partial = append(d.partial, b...)
	return nil
}

// packet takes the next packet of the stream; pageStart reports that it
// began a page.
func (d *oggDemuxer) packet(b []byte, pageStart bool) error {
	switch d.packets {
	case 0:
		return d.opusHead(b)
	case 1:
		return d.opusTags(b, pageStart)
	}
	if d.packets == 2 && !pageStart {
		return fmt.Errorf("first audio packet does not begin a page (RFC 7845 §3): %w", ErrMalformed)
	}
	seq := uint64(d.packets - 2)
	f, err := ParseFrame(Opus, seq, d.ts, b)
	if err != nil {
		return err
	}
	d.ts += f.Duration
	return d.t.add(f)
}

// opusHead checks the identification header (RFC 7845 §5.1) with pion's
// parser, which checks its length for the channel mapping family.
func (d *oggDemuxer) opusHead(b []byte) error {
	if len(b) < 8 || string(b[:8]) != "OpusHead" {
		return fmt.Errorf("not an Opus stream (first packet is not OpusHead): %w", ErrUnsupported)
	}
	h, err := oggreader.ParseOpusHead(b)
	if err != nil {
		return fmt.Errorf("OpusHead: %w: %w", ErrMalformed, err)
	}
	if h.Version>>4 != 0 {
		return fmt.Errorf("OpusHead version %d (RFC 7845 §5.1: major version 0 only): %w", h.Version, ErrUnsupported)
	}
	if h.Channels == 0 {
		return fmt.Errorf("OpusHead of 0 channels: %w", ErrMalformed)
	}
	d.t.opus = OpusInfo{Channels: h.Channels, PreSkip: h.PreSkip, SampleRate: h.SampleRate, Head: b}
	return nil
}

// opusTags checks the comment header (RFC 7845 §5.2) with pion's parser.
func (d *oggDemuxer) opusTags(b []byte, pageStart bool) error {
	if !pageStart {
		return fmt.Errorf("OpusTags does not begin a page (RFC 7845 §3): %w", ErrMalformed)
	}
	tags, err := oggreader.ParseOpusTags(b)
	if err != nil {
		return fmt.Errorf("OpusTags: %w: %w", ErrMalformed, err)
	}
	d.t.opus.Vendor, d.t.opus.Tags = tags.Vendor, b
	return nil
}

func (d *oggDemuxer) finish() error {
	switch {
	case d.pending:
		return fmt.Errorf("stream ends inside packet %d: %w", d.packets, ErrMalformed)
	case d.packets < 2:
		return fmt.Errorf("stream ends after %d of its 2 header packets: %w", d.packets, ErrMalformed)
	}
	d.t.duration = d.ts
	return nil
}
