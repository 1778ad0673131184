// Command client joins a Sealroom call: it connects to a relay
// (examples/relay), joins the room's MLS group (creating it if the room
// has none), sends real media from files, a VP8 video track in IVF and an
// Opus audio track in Ogg, looped and paced in real time, each frame
// sealed with SFrame, and writes what it receives, opened, into one IVF or
// Ogg file per sender that ffplay plays.
//
//	go run ./examples/relay -db :memory:
//	# relay listening on 127.0.0.1:4433 cert-sha256 HEX
//	go run ./examples/client -pin HEX -name alice -out rec-alice
//	go run ./examples/client -pin HEX -name bob -join invite -out rec-bob
//
// It prints the call's membership events and, every few seconds, its
// epoch, safety code (members read it to each other to check that they
// share one group) and frame counts. It runs until interrupted, or for
// -duration; then it leaves the group (unless -leave=false) and hangs up.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sealroom/sealroom/examples/internal/call"
	"github.com/sealroom/sealroom/examples/internal/media"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// run runs the client with command-line arguments args until ctx ends or
// its -duration is over.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		relayAddr = fs.String("relay", "127.0.0.1:4433", "the relay's UDP address")
		room      = fs.String("room", "demo", "the room (call) to join")
		name      = fs.String("name", "", "this client's name: its id at the relay and its MLS identity (required)")
		token     = fs.String("token", "", "the room's token, if the relay asks for one")
		pin       = fs.String("pin", "", "SHA-256 of the relay's certificate, in hex, as the relay prints it")
		insecure  = fs.Bool("insecure", false, "do not verify the relay's certificate (TLS protects metadata only; the call stays end-to-end encrypted)")
		join      = fs.String("join", "external", "how to join a group that exists: external (external commit) or invite (wait for a member to add this client)")
		audio     = fs.String("audio", "examples/testdata/audio.ogg", "Opus in Ogg to send, looped; empty sends no audio")
		video     = fs.String("video", "examples/testdata/video.ivf", "VP8 in IVF to send, looped; empty sends no video")
		out       = fs.String("out", "", "directory for the recordings of what this client receives; empty records nothing")
		duration  = fs.Duration("duration", 0, "hang up after this long; 0 runs until interrupted")
		leave     = fs.Bool("leave", true, "leave the group before hanging up (otherwise the others remove this client after -remove-after)")
		grace     = fs.Duration("grace", 0, "how long to keep a past epoch's keys for frames in flight (0: the e2ee default, 2 s)")
		removeAft = fs.Duration("remove-after", 10*time.Second, "how long a member may be disconnected before this client, if it commits for the group, removes it")
		every     = fs.Duration("stats", 2*time.Second, "how often to print the call's state; 0 never")
		verbose   = fs.Bool("v", false, "log debug events to stderr")
	)
	// The client's goroutines print events while this one prints stats.
	stdout = &lockedWriter{w: stdout}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *name == "" {
		return errors.New("-name is required")
	}
	mode, err := call.ParseJoinMode(*join)
	if err != nil {
		return err
	}
	cfg := call.Config{
		Relay: *relayAddr, Room: *room, Name: *name, Token: *token,
		InsecureSkipVerify: *insecure,
		Join:               mode,
		OutDir:             *out,
		RemoveAfter:        *removeAft,
		OnEvent:            func(e call.Event) { fmt.Fprintf(stdout, "%s  %s\n", e.Time.Format("15:04:05.000"), e) },
	}
	cfg.Session.Grace = *grace
	if *pin != "" {
		if cfg.CertSHA256, err = hex.DecodeString(*pin); err != nil {
			return fmt.Errorf("-pin: %w", err)
		}
	} else if !*insecure {
		return errors.New("give the relay's certificate hash with -pin, or -insecure on a network you trust")
	}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if *audio != "" {
		if cfg.Audio, err = media.Open(*audio); err != nil {
			return err
		}
	}
	if *video != "" {
		if cfg.Video, err = media.Open(*video); err != nil {
			return err
		}
	}

	c, err := call.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	var tick <-chan time.Time
	if *every > 0 {
		t := time.NewTicker(*every)
		defer t.Stop()
		tick = t.C
	}
wait:
	for {
		select {
		case <-tick:
			printStats(stdout, c.Stats())
		case <-c.Removed():
			fmt.Fprintln(stdout, "removed from the group: hanging up")
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	if *leave && c.Phase() == call.PhaseMember {
		lctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Leave(lctx)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "client: leaving: %v\n", err)
		}
	}
	st := c.Stats()
	if err := c.Close(); err != nil {
		return fmt.Errorf("finishing the recordings: %w", err)
	}
	printStats(stdout, st)
	for _, f := range c.Recorded() {
		fmt.Fprintf(stdout, "recorded %s: %v\n", f.Path, f.Stats)
	}
	return nil
}

// printStats prints one line of the client's state and one per sender it
// received from.
func printStats(w io.Writer, st call.Stats) {
	fmt.Fprintf(w, "%s: %v, epoch %d, safety code %s, members %s; sent %d frames (%d bytes sealed), opened %d, rejected %d\n",
		st.Name, st.Phase, st.Epoch, orDash(st.SafetyCode.Digits), orDash(strings.Join(st.Members, " ")), st.SentTotal(), st.SentBytes, st.Opened(), st.Rejected())
	for _, name := range slices.Sorted(maps.Keys(st.Peers)) {
		p := st.Peers[name]
		fmt.Fprintf(w, "  from %s: opened %d (%d bytes), rejected %d\n", name, p.Opened, p.OpenedBytes, p.RejectedTotal())
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
