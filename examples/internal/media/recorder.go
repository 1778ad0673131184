package media

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// RecorderConfig configures a Recorder.
type RecorderConfig struct {
	// Video configures the IVF files.
	Video IVFConfig
	// Audio gives the Ogg files' identification and comment headers (see
	// NewOggWriter); a receiver that plays the same file as the senders
	// passes its own Track.Opus.
	Audio OpusInfo
}

// A Recorder writes what a receiver gets into one file per sender and
// codec, in one directory: SENDER-vp8.ivf (IVFWriter) and
// SENDER-opus.ogg (OggWriter), each created with the sender's first frame.
// It is safe for concurrent use.
type Recorder struct {
	dir    string
	cfg    RecorderConfig
	mu     sync.Mutex
	sinks  map[recorderKey]*recording
	closed bool
}

type recorderKey struct {
	sender string
	codec  Codec
}

type recording struct {
	path string
	sink Sink
}

// Recorded describes one file a Recorder wrote.
type Recorded struct {
	Sender string
	Codec  Codec
	Path   string
	Stats  SinkStats
}

// NewRecorder returns a Recorder that writes into dir, which it creates
// if needed.
func NewRecorder(dir string, cfg RecorderConfig) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	return &Recorder{dir: dir, cfg: cfg, sinks: make(map[recorderKey]*recording)}, nil
}

// WriteFrame writes f to sender's file for f.Codec. A sender name is 1 to
// 64 of the characters A-Z a-z 0-9 . _ - and does not start with a dot;
// other names fail with ErrBadName.
func (r *Recorder) WriteFrame(sender string, f Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("media: recorder: %w", ErrClosed)
	}
	k := recorderKey{sender, f.Codec}
	rec, ok := r.sinks[k]
	if !ok {
		var err error
		if rec, err = r.create(k); err != nil {
			return err
		}
		r.sinks[k] = rec
	}
	if err := rec.sink.WriteFrame(f); err != nil {
		return fmt.Errorf("%w (%s)", err, rec.path)
	}
	return nil
}

func (r *Recorder) create(k recorderKey) (*recording, error) {
	if !validSender(k.sender) {
		return nil, fmt.Errorf("media: recorder: sender %q: %w", k.sender, ErrBadName)
	}
	var ext string
	switch k.codec {
	case VP8:
		ext = "ivf"
	case Opus:
		ext = "ogg"
	default:
		return nil, fmt.Errorf("media: recorder: %v frame: %w", k.codec, ErrUnsupported)
	}
	path := filepath.Join(r.dir, fmt.Sprintf("%s-%v.%s", k.sender, k.codec, ext))
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	if k.codec == VP8 {
		return &recording{path, NewIVFWriter(file, r.cfg.Video)}, nil
	}
	ogg, err := NewOggWriter(file, r.cfg.Audio)
	if err != nil {
		return nil, errors.Join(err, file.Close(), os.Remove(path))
	}
	return &recording{path, ogg}, nil
}

func validSender(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
}

// Files describes the files written so far, by sender, video first.
func (r *Recorder) Files() []Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	files := make([]Recorded, 0, len(r.sinks))
	for k, rec := range r.sinks {
		files = append(files, Recorded{Sender: k.sender, Codec: k.codec, Path: rec.path, Stats: rec.sink.Stats()})
	}
	slices.SortFunc(files, func(a, b Recorded) int {
		if c := strings.Compare(a.Sender, b.Sender); c != 0 {
			return c
		}
		return int(b.Codec) - int(a.Codec)
	})
	return files
}

// Close finishes and closes every file. Later writes fail with ErrClosed.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	var errs []error
	for _, rec := range r.sinks {
		if err := rec.sink.Close(); err != nil {
			errs = append(errs, fmt.Errorf("%w (%s)", err, rec.path))
		}
	}
	return errors.Join(errs...)
}
