package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"testing"
)

// The sample media of the example clients (examples/testdata/SOURCE),
// with the SHA-256 sums the SOURCE note gives.
const (
	sampleVideo       = "../../testdata/video.ivf"
	sampleAudio       = "../../testdata/audio.ogg"
	sampleVideoSHA256 = "fb877a76cae79c49e6b97e9bab2405fd7b01acfaa93f292dbea4c89df472449a"
	sampleAudioSHA256 = "b80b127a6dc8cf0835ab2416933d15051f10f703c7a4053d95d54079db6d781d"
)

// readSample returns the bytes of a sample file, checked against its
// SHA-256 sum.
func readSample(t testing.TB, path, sum string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
		t.Fatalf("%s: SHA-256 %x, want %s (see examples/testdata/SOURCE)", path, got, sum)
	}
	return b
}

// sampleTrack reads a sample file into a Track.
func sampleTrack(t testing.TB, path, sum string) *Track {
	t.Helper()
	b := readSample(t, path, sum)
	read := ReadIVF
	if path == sampleAudio {
		read = ReadOgg
	}
	tr, err := read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// oggCRCTable is the table of the Ogg page checksum (RFC 3533 §6): CRC-32
// with polynomial 0x04c11db7, not reflected, initial value and final XOR 0.
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

// testPage is one Ogg page for oggStream to build.
type testPage struct {
	flags   byte
	granule uint64
	serial  uint32
	seq     int // page sequence number; -1 for the next one
	lacing  []byte
	payload []byte
	badCRC  bool
}

// oggPageBytes encodes p with its CRC.
func oggPageBytes(p testPage, seq uint32) []byte {
	b := []byte("OggS\x00")
	b = append(b, p.flags)
	b = binary.LittleEndian.AppendUint64(b, p.granule)
	b = binary.LittleEndian.AppendUint32(b, p.serial)
	b = binary.LittleEndian.AppendUint32(b, seq)
	b = append(b, 0, 0, 0, 0, byte(len(p.lacing)))
	b = append(b, p.lacing...)
	b = append(b, p.payload...)
	var crc uint32
	for _, c := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
	}
	if p.badCRC {
		crc++
	}
	binary.LittleEndian.PutUint32(b[22:], crc)
	return b
}

// oggStream encodes pages, numbering them from 0 unless they say otherwise.
func oggStream(pages ...testPage) []byte {
	var b []byte
	for i, p := range pages {
		seq := uint32(i)
		if p.seq >= 0 {
			seq = uint32(p.seq)
		}
		b = append(b, oggPageBytes(p, seq)...)
	}
	return b
}

// lace returns the lacing values of one packet of n bytes.
func lace(n int) []byte {
	l := bytes.Repeat([]byte{255}, n/255)
	return append(l, byte(n%255))
}

// page returns a page holding whole packets.
func page(flags byte, packets ...[]byte) testPage {
	p := testPage{flags: flags, seq: -1}
	for _, pkt := range packets {
		p.lacing = append(p.lacing, lace(len(pkt))...)
		p.payload = append(p.payload, pkt...)
	}
	return p
}

// testOpusHead is a version 1 mono identification header, pre-skip 312,
// input rate 48000, mapping family 0 (RFC 7845 §5.1).
var testOpusHead = []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")

// testOpusTags returns a comment header with vendor v and no comments
// (RFC 7845 §5.2).
func testOpusTags(v string) []byte {
	b := []byte("OpusTags")
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	b = append(b, v...)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// opusPkt returns an Opus packet of n bytes with TOC byte toc.
func opusPkt(toc byte, n int) []byte {
	b := make([]byte, n)
	b[0] = toc
	for i := 1; i < n; i++ {
		b[i] = byte(i)
	}
	return b
}

// toc20ms is a TOC byte: CELT-only fullband 20 ms (config 31), mono, code 0.
const toc20ms = 31 << 3

// ivfFile builds an IVF file: a 32-byte header and frames with timestamps
// pts[i].
func ivfFile(fourcc string, timebaseDen, timebaseNum uint32, frames [][]byte, pts []uint64) []byte {
	b := []byte("DKIF\x00\x00\x20\x00")
	b = append(b, fourcc...)
	b = binary.LittleEndian.AppendUint16(b, 320)
	b = binary.LittleEndian.AppendUint16(b, 240)
	b = binary.LittleEndian.AppendUint32(b, timebaseDen)
	b = binary.LittleEndian.AppendUint32(b, timebaseNum)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(frames)))
	b = binary.LittleEndian.AppendUint32(b, 0)
	for i, f := range frames {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = binary.LittleEndian.AppendUint64(b, pts[i])
		b = append(b, f...)
	}
	return b
}

// vp8Key returns a VP8 key frame header of the given size followed by
// filler, n bytes in all (RFC 6386 §9.1).
func vp8Key(w, h uint16, n int) []byte {
	b := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	for len(b) < n {
		b = append(b, byte(len(b)))
	}
	return b
}

// vp8Inter returns a VP8 inter frame of n >= 3 bytes.
func vp8Inter(n int) []byte {
	b := []byte{0x31, 0x01, 0x00}
	for len(b) < n {
		b = append(b, byte(len(b)))
	}
	return b
}

// walkOgg splits an Ogg file into pages by this test's own walk over the
// page headers (no CRC check).
func walkOgg(t testing.TB, file []byte) (pages []testPage) {
	t.Helper()
	for len(file) > 0 {
		if len(file) < oggPageHeaderSize || string(file[:4]) != oggSignature {
			t.Fatalf("bad Ogg page %d", len(pages))
		}
		n := int(file[26])
		p := testPage{
			flags:   file[5],
			granule: binary.LittleEndian.Uint64(file[6:]),
			serial:  binary.LittleEndian.Uint32(file[14:]),
			seq:     int(binary.LittleEndian.Uint32(file[18:])),
			lacing:  file[oggPageHeaderSize : oggPageHeaderSize+n],
		}
		size := 0
		for _, l := range p.lacing {
			size += int(l)
		}
		start := oggPageHeaderSize + n
		p.payload = file[start : start+size]
		pages = append(pages, p)
		file = file[start+size:]
	}
	return pages
}

// writeBytes writes b to a new file at path.
func writeBytes(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }
