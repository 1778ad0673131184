package media

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// probe is what ffprobe says of a file's one stream and its packets.
type probe struct {
	Streams []struct {
		CodecName     string `json:"codec_name"`
		Width         int    `json:"width"`
		Height        int    `json:"height"`
		RFrameRate    string `json:"r_frame_rate"`
		Channels      int    `json:"channels"`
		SampleRate    string `json:"sample_rate"`
		NbReadFrames  string `json:"nb_read_frames"`
		NbReadPackets string `json:"nb_read_packets"`
		Duration      string `json:"duration"`
	} `json:"streams"`
	Packets []struct {
		Size  string `json:"size"`
		Flags string `json:"flags"`
	} `json:"packets"`
}

// needFFprobe returns the path of ffprobe, or skips the test.
func needFFprobe(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe not found in PATH: install ffmpeg (apt-get install -y ffmpeg) to check the written files with it; the pure-Go checks ran in the other tests")
	}
	return path
}

// ffprobe runs ffprobe on path, counting packets and decoded frames.
func ffprobe(t *testing.T, bin, path string) probe {
	t.Helper()
	cmd := exec.Command(bin, "-v", "error", "-count_frames", "-count_packets",
		"-show_entries", "stream=codec_name,width,height,r_frame_rate,channels,sample_rate,nb_read_frames,nb_read_packets,duration:packet=size,flags",
		"-of", "json", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("ffprobe %s: %v: %s", path, err, stderr.Bytes())
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	if len(p.Streams) != 1 {
		t.Fatalf("ffprobe %s: %d streams", path, len(p.Streams))
	}
	s := p.Streams[0]
	format := fmt.Sprintf("%d channels at %s Hz", s.Channels, s.SampleRate)
	if s.Width != 0 {
		format = fmt.Sprintf("%dx%d at %s fps", s.Width, s.Height, s.RFrameRate)
	}
	t.Logf("ffprobe %s: %s, %s, %s s, %s packets, %s frames decoded",
		filepath.Base(path), s.CodecName, format, s.Duration, s.NbReadPackets, s.NbReadFrames)
	return p
}

// decodeClean decodes path with ffmpeg, if installed, and fails on any
// error it reports.
func decodeClean(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Logf("ffmpeg not found: %s not decoded", path)
		return
	}
	out, err := exec.Command(bin, "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Errorf("ffmpeg decoding %s: %v: %s", filepath.Base(path), err, out)
	}
}

// checkProbe compares what ffprobe says of path with the frames a Track
// holds: codec, number of packets and of decoded frames, each packet's
// size and key frame flag. Every packet decodes to a frame, except Opus
// packets that lie wholly in the pre-skip, whose output ffmpeg drops. The
// duration of a VP8 stream is checked if the IVF header has it (the file
// was written seekable).
func checkProbe(t *testing.T, bin, path string, tr *Track, ivfDuration bool) {
	t.Helper()
	p := ffprobe(t, bin, path)
	s := p.Streams[0]
	decoded := tr.Len()
	for i := 0; i < tr.Len() && tr.Frame(i).Timestamp+tr.Frame(i).Duration <= time.Duration(tr.Opus().PreSkip)*time.Second/opusSampleRate; i++ {
		decoded--
	}
	if s.CodecName != tr.Codec().String() || s.NbReadPackets != strconv.Itoa(tr.Len()) || len(p.Packets) != tr.Len() || s.NbReadFrames != strconv.Itoa(decoded) {
		t.Errorf("%s: ffprobe says %s, %s packets (%d listed), %s frames; want %v, %d packets, %d frames",
			path, s.CodecName, s.NbReadPackets, len(p.Packets), s.NbReadFrames, tr.Codec(), tr.Len(), decoded)
		return
	}
	if ivfDuration && s.Duration != fmt.Sprintf("%.6f", tr.Duration().Seconds()) {
		t.Errorf("%s: ffprobe says the stream lasts %s s, want %v", path, s.Duration, tr.Duration())
	}
	for i, pkt := range p.Packets {
		f := tr.Frame(i)
		if pkt.Size != strconv.Itoa(len(f.Payload)) {
			t.Errorf("%s: packet %d: ffprobe size %s, frame of %d bytes", path, i, pkt.Size, len(f.Payload))
		}
		if tr.Codec() == VP8 && strings.HasPrefix(pkt.Flags, "K") != f.Keyframe {
			t.Errorf("%s: packet %d: ffprobe flags %s, key frame %v", path, i, pkt.Flags, f.Keyframe)
		}
	}
	decodeClean(t, path)
}

// TestFFprobe checks with ffprobe (and ffmpeg) the sample files as this
// package reads them, and the files its sinks write: whole, with losses,
// and to unseekable outputs. (Files of no frames, TestSinkEmpty, are
// valid containers ffprobe will not open: it finds no frame to probe.)
func TestFFprobe(t *testing.T) {
	bin := needFFprobe(t)
	video := sampleTrack(t, sampleVideo, sampleVideoSHA256)
	audio := sampleTrack(t, sampleAudio, sampleAudioSHA256)

	t.Run("samples", func(t *testing.T) {
		// ffmpeg's demuxers cut the files into the same frames as ReadIVF
		// and ReadOgg.
		checkProbe(t, bin, sampleVideo, video, true)
		checkProbe(t, bin, sampleAudio, audio, false)
	})

	dir := t.TempDir()
	t.Run("written", func(t *testing.T) {
		v := filepath.Join(dir, "video.ivf")
		writeFile(t, v, VP8, OpusInfo{}, frames(video))
		checkProbe(t, bin, v, video, true)
		if s := ffprobe(t, bin, v).Streams[0]; s.Width != 320 || s.Height != 240 || s.RFrameRate != "30/1" {
			t.Errorf("%s: %dx%d at %s fps, want 320x240 at 30/1", v, s.Width, s.Height, s.RFrameRate)
		}
		a := filepath.Join(dir, "audio.ogg")
		writeFile(t, a, Opus, audio.Opus(), frames(audio))
		written, _ := reread(t, a) // the sample's packets with pre-skip 3840
		checkProbe(t, bin, a, written, false)
		if s := ffprobe(t, bin, a).Streams[0]; s.Channels != 1 || s.SampleRate != "48000" {
			t.Errorf("%s: %d channels at %s Hz, want 1 at 48000", a, s.Channels, s.SampleRate)
		}
	})

	t.Run("lossy", func(t *testing.T) {
		v := filepath.Join(dir, "lossy.ivf")
		writeFile(t, v, VP8, OpusInfo{}, lossy(frames(video), func(i int) bool { return i < 5 || i == 40 || i == 95 }))
		tr, _ := reread(t, v)
		if tr.Len() != 75 {
			t.Fatalf("%s: %d frames, want 75", v, tr.Len())
		}
		checkProbe(t, bin, v, tr, true)
		k := filepath.Join(dir, "lossy-kept.ivf")
		writeFileWith(t, k, VP8, IVFConfig{WriteAfterLoss: true}, OpusInfo{}, lossy(frames(video), func(i int) bool { return i < 5 || i == 40 || i == 95 }))
		if tr, _ = reread(t, k); tr.Len() != 118 {
			t.Fatalf("%s: %d frames, want 118", k, tr.Len())
		}
		checkProbe(t, bin, k, tr, true)
		a := filepath.Join(dir, "lossy.ogg")
		writeFile(t, a, Opus, audio.Opus(), lossy(frames(audio), func(i int) bool { return i%10 == 3 || (i > 200 && i < 210) }))
		if tr, _ = reread(t, a); tr.Len() != 251 {
			t.Fatalf("%s: %d packets, want 251", a, tr.Len())
		}
		checkProbe(t, bin, a, tr, false)
	})

	t.Run("unseekable", func(t *testing.T) {
		for _, name := range []string{"pipe.ivf", "pipe.ogg"} {
			path := filepath.Join(dir, name)
			var buf bytes.Buffer
			var s Sink = NewIVFWriter(&buf, IVFConfig{})
			src := video
			if strings.HasSuffix(name, ".ogg") {
				s, _ = NewOggWriter(&buf, audio.Opus())
				src = audio
			}
			for _, f := range frames(src) {
				if err := s.WriteFrame(f); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := writeBytes(path, buf.Bytes()); err != nil {
				t.Fatal(err)
			}
			tr, _ := reread(t, path)
			// The IVF header keeps pion's placeholder length of 900
			// frames, which ffprobe reports as 30 s.
			checkProbe(t, bin, path, tr, false)
		}
	})
}
