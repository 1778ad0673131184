package call

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/media"
	"github.com/sealroom/sealroom/examples/internal/relay"
)

// wait bounds every wait in these tests: loopback answers in
// milliseconds, so reaching it means something is stuck.
const wait = 20 * time.Second

func testLogger() *slog.Logger {
	if os.Getenv("CALL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	t.Cleanup(cancel)
	return ctx
}

var (
	tracksOnce   sync.Once
	audio, video *media.Track
	tracksErr    error
)

// tracks loads the sample media of examples/testdata.
func tracks(t *testing.T) (a, v *media.Track) {
	t.Helper()
	tracksOnce.Do(func() {
		dir := filepath.Join("..", "..", "testdata")
		if audio, tracksErr = media.Open(filepath.Join(dir, "audio.ogg")); tracksErr != nil {
			return
		}
		video, tracksErr = media.Open(filepath.Join(dir, "video.ivf"))
	})
	if tracksErr != nil {
		t.Fatal(tracksErr)
	}
	return audio, video
}

func startRelay(t *testing.T, opts relay.Options) *relay.Server {
	t.Helper()
	srv, err := relay.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// call is a test call: a relay, and clients sharing one log of what was
// sent.
type call struct {
	t    *testing.T
	srv  *relay.Server
	addr string
	room string
	sent *media.Log

	mu      sync.Mutex
	clients map[string]*Client
	logs    map[string]*media.Log
	events  []Event
}

func newCall(t *testing.T, srv *relay.Server) *call {
	return &call{t: t, srv: srv, addr: srv.Addr().String(), room: "room", sent: media.NewLog(),
		clients: map[string]*Client{}, logs: map[string]*media.Log{}}
}

// join starts a client sending both sample tracks, with cfg's other
// settings.
func (k *call) start(name string, mod func(*Config)) *Client {
	k.t.Helper()
	a, v := tracks(k.t)
	pin := k.srv.CertificateSHA256()
	k.mu.Lock()
	log := media.NewLog()
	k.logs[name] = log
	k.mu.Unlock()
	cfg := Config{
		Relay: k.addr, Room: k.room, Name: name, CertSHA256: pin[:],
		Audio: a, Video: v, SentLog: k.sent, ReceivedLog: log,
		Logger: testLogger(),
		OnEvent: func(e Event) {
			k.mu.Lock()
			k.events = append(k.events, e)
			k.mu.Unlock()
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := Start(ctxT(k.t), cfg)
	if err != nil {
		k.t.Fatalf("start %s: %v", name, err)
	}
	k.t.Cleanup(func() { c.Close() })
	k.mu.Lock()
	k.clients[name] = c
	k.mu.Unlock()
	return c
}

func (k *call) member(c *Client) {
	k.t.Helper()
	if err := c.WaitMember(ctxT(k.t)); err != nil {
		k.t.Fatalf("%v; events:\n%s", err, k.eventLog())
	}
}

func (k *call) eventLog() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var b strings.Builder
	for _, e := range k.events {
		fmt.Fprintf(&b, "  %s %s\n", e.Time.Format("15:04:05.000"), e)
	}
	return b.String()
}

// trio starts the usual three members, each with mod applied if given:
// alice creates the group, bob is invited and carol joins by external
// commit. It returns them once they agree on one epoch, and the epoch.
func (k *call) trio(mod func(*Config)) (alice, bob, carol *Client, epoch uint64) {
	k.t.Helper()
	alice = k.start("alice", mod)
	k.member(alice)
	bob = k.start("bob", func(c *Config) {
		if mod != nil {
			mod(c)
		}
		c.Join = JoinInvite
	})
	carol = k.start("carol", mod)
	k.member(bob)
	k.member(carol)
	return alice, bob, carol, k.converge(alice, bob, carol)
}

// converge waits until every client given is a member of the same epoch
// with the same safety code and the same members, and returns the epoch.
func (k *call) converge(cs ...*Client) uint64 {
	k.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		same := true
		for _, c := range cs[1:] {
			if c.Phase() != PhaseMember || cs[0].Phase() != PhaseMember || c.Epoch() != cs[0].Epoch() ||
				c.SafetyCode() != cs[0].SafetyCode() || !slices.Equal(c.Members(), cs[0].Members()) {
				same = false
			}
		}
		if same && len(cs[0].Members()) == len(cs) {
			return cs[0].Epoch()
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, c := range cs {
				fmt.Fprintf(&b, "  %s: %v epoch %d code %s members %v\n", c.Name(), c.Phase(), c.Epoch(), c.SafetyCode(), c.Members())
			}
			k.t.Fatalf("clients did not converge:\n%sevents:\n%s", b.String(), k.eventLog())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// verify compares what each receiver opened with what was sent: no
// frame differs from the one sent under its number, and each receiver
// opened frames of both streams of every other sender named.
func (k *call) verify(receiver string, senders ...string) media.Report {
	k.t.Helper()
	k.mu.Lock()
	log := k.logs[receiver]
	k.mu.Unlock()
	rep := media.Compare(k.sent, log)
	if !rep.OK() {
		k.t.Errorf("%s received frames that were not sent:\n%v", receiver, rep)
	}
	matched := map[media.Key]uint64{}
	for _, s := range rep.Streams {
		matched[s.Key] = s.Matched
	}
	for _, s := range senders {
		for _, stream := range []uint32{StreamAudio, StreamVideo} {
			if key := (media.Key{Sender: s, Stream: stream}); matched[key] == 0 {
				k.t.Errorf("%s opened no frame of %v", receiver, key)
			}
		}
	}
	return rep
}

// sleep lets the call run for d.
func sleep(d time.Duration) { time.Sleep(d) }
