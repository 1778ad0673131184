// Package ffprobe asks FFmpeg's ffprobe what it makes of a media file:
// the examples' tests use it to check that the recordings a call client
// writes are files other tools accept, not only files our own readers
// accept.
package ffprobe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
)

// Path returns the path of ffprobe, or "" if it is not installed
// (apt-get install ffmpeg).
func Path() string {
	p, err := exec.LookPath("ffprobe")
	if err != nil {
		return ""
	}
	return p
}

// Stream is what ffprobe reports of a file's first stream.
type Stream struct {
	Codec   string // "vp8", "opus"
	Packets int    // packets read to the end of the file
}

// Probe runs ffprobe on path, reading every packet: an error means
// ffprobe rejected the file or found it damaged.
func Probe(path string) (Stream, error) {
	cmd := exec.Command("ffprobe", "-v", "error", "-count_packets", "-select_streams", "0",
		"-show_entries", "stream=codec_name,nb_read_packets", "-of", "json", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Stream{}, fmt.Errorf("ffprobe %s: %w: %s", path, err, stderr.Bytes())
	}
	if stderr.Len() > 0 {
		return Stream{}, fmt.Errorf("ffprobe %s: %s", path, stderr.Bytes())
	}
	var out struct {
		Streams []struct {
			CodecName     string `json:"codec_name"`
			NbReadPackets string `json:"nb_read_packets"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return Stream{}, fmt.Errorf("ffprobe %s: %w", path, err)
	}
	if len(out.Streams) != 1 {
		return Stream{}, fmt.Errorf("ffprobe %s: %d streams, want 1", path, len(out.Streams))
	}
	// A file with no packet (an IVF header alone) has no count.
	n, err := 0, error(nil)
	if s := out.Streams[0].NbReadPackets; s != "" {
		n, err = strconv.Atoi(s)
	}
	if err != nil {
		return Stream{}, fmt.Errorf("ffprobe %s: packets %q: %w", path, out.Streams[0].NbReadPackets, err)
	}
	return Stream{Codec: out.Streams[0].CodecName, Packets: n}, nil
}
