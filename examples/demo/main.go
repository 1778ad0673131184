// Command demo runs a whole end-to-end encrypted call on loopback, in
// one process: the relay (examples/relay's server: QUIC media relay and
// MLS delivery service) and five call clients (examples/client's), each
// sending the sample video (VP8) and audio (Opus) of examples/testdata.
//
// Four members start the call: the first creates the MLS group, two
// join by invitation and one by external commit. A fifth joins by
// external commit a third of the way in, and one member leaves a little
// after half way, staying connected. A live view shows every member's
// epoch, safety code and frames sent, opened and rejected; the summary
// checks that every receiver opened, unaltered, what the others sent
// while both were members, that the member who left opened nothing after
// its grace period, and that no 16-byte window of any plaintext frame
// appears in what the relay forwarded, with a sample of what it saw.
// Every client records what it opened into IVF and Ogg files.
//
//	go run ./examples/demo [-duration 10s] [-out DIR] [-v]
//
// It exits with status 1 if a check fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"time"
)

func main() {
	var (
		duration = flag.Duration("duration", 10*time.Second, "length of the call")
		grace    = flag.Duration("grace", time.Second, "how long members keep a past epoch's keys")
		mediaDir = flag.String("media", "", "directory holding audio.ogg and video.ivf (default: examples/testdata)")
		outDir   = flag.String("out", "", "directory for the recordings (default: a new temporary one)")
		plain    = flag.Bool("plain", false, "print progress lines rather than a live table, even on a terminal")
		verbose  = flag.Bool("v", false, "log the relay's and the clients' debug events to stderr")
	)
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "demo: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	opts := options{Duration: *duration, Grace: *grace, MediaDir: *mediaDir, OutDir: *outDir, Out: os.Stdout, Live: !*plain && isTerminal(os.Stdout)}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s, err := runDemo(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	if len(s.Problems) > 0 {
		os.Exit(1)
	}
}

// runDemo fills in the defaults, runs the call and prints its summary.
func runDemo(ctx context.Context, opts options) (*summary, error) {
	if opts.Duration < 3*time.Second {
		return nil, errors.New("the call needs at least 3 s for its joins and leaves")
	}
	if opts.MediaDir == "" {
		dir, err := findMedia()
		if err != nil {
			return nil, err
		}
		opts.MediaDir = dir
	}
	if opts.OutDir == "" {
		dir, err := os.MkdirTemp("", "sealroom-demo-")
		if err != nil {
			return nil, err
		}
		opts.OutDir = dir
	}
	d, err := newDemo(opts)
	if err != nil {
		return nil, err
	}
	s, err := d.run(ctx)
	if err != nil {
		return nil, err
	}
	s.print(opts.Out)
	return s, nil
}

// findMedia finds examples/testdata: from the module root (go run
// ./examples/demo), from this directory (go test), or next to this
// source file (a binary built on this machine).
func findMedia() (string, error) {
	dirs := []string{filepath.Join("examples", "testdata"), filepath.Join("..", "testdata")}
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append(dirs, filepath.Join(filepath.Dir(file), "..", "testdata"))
	}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "video.ivf")); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("sample media not found in %v: run from the module root, or give -media", dirs)
}

// isTerminal reports whether f is a terminal (a character device), where
// the live table can be redrawn in place.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
