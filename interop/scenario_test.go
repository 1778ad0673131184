package interop_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sealroom/sealroom/interop/internal/client"
	"github.com/sealroom/sealroom/interop/internal/runner"
	pb "github.com/sealroom/sealroom/interop/proto"
)

var (
	matrixFlag    = flag.String("interop.matrix", "reduced", "client assignments: reduced, or full (the official runner's all combinations)")
	suitesFlag    = flag.String("interop.suites", os.Getenv("SEALROOM_INTEROP_SUITES"), "cipher suites to run: all (every suite the clients support), or a comma-separated list (1,2,5); empty means all, or with -short the quick subset 1,2,4 (also SEALROOM_INTEROP_SUITES)")
	handshakeFlag = flag.String("interop.handshake", "all", "handshake modes: all, private or public")
	clientsFlag   = flag.String("interop.clients", "", "comma-separated host:port of running MLSClient servers to use instead of two in-process instances")
)

// The harness's configs: 7 files, 39 scripts; and the cipher suites of
// RFC 9420 §17.1, all of which the in-process instances must play unless
// told otherwise.
const (
	wantConfigs = 7
	wantScripts = 39
	wantSuites  = 7
)

// quick are the suites a -short run plays by default: X25519 with Ed25519,
// P-256, and X448 with Ed448, one of each KEM family but the costly P-384
// and P-521 ones (the P-521 suite's ECDSA verifications alone take over
// half the time of all seven). A run without -short plays every suite the
// clients support, and TestLifecycle of internal/client exercises every
// RPC in all seven on every run.
var quick = []uint32{1, 2, 4}

// TestScenarios plays every script of configs/*.json, for the cipher
// suites of -interop.suites (by default all of them), between
// two independent instances of the MLSClient server, the
// way the official test-runner would, plus the runner's own checks after
// every step: all members at the newest epoch report the same StateAuth,
// and after every epoch change each of them protects a message the next
// one (in a ring) unprotects.
//
// The two instances are two client.Server values, each with its own
// handles and its own gRPC server on its own loopback port, run in this
// test's process: the runner reaches them over real gRPC connections, as it
// would two mls-client processes, while the test needs no build step, runs
// on a fresh clone, is covered by -race and -cover, and cannot leave a
// process behind. -interop.clients points it at running servers instead.
//
// Subtests are suite=N/config/script, all of them parallel (go test's
// -parallel), so that the long scripts of one suite overlap the others. A
// script passes only if every run of its matrix completed every step, and
// every run compared StateAuth and unprotected at least one message of
// another member: an RPC that fails, unimplemented or not, fails the
// script. Unless -run selects subtests, every script of every selected
// suite must have run.
func TestScenarios(t *testing.T) {
	opts, err := matrixOptions()
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := loadScripts()
	if err != nil {
		t.Fatal(err)
	}
	clients := connect(t)
	suites, err := selectSuites(clients)
	if err != nil {
		t.Fatal(err)
	}
	if *clientsFlag == "" && *suitesFlag == "" && !testing.Short() && len(suites) != wantSuites {
		t.Fatalf("the in-process instances play suites %v, want all %d", suites, wantSuites)
	}
	tally := newTally()
	// Cleanups run once every parallel subtest has finished, and before
	// those of connect, which stop the servers.
	t.Cleanup(func() {
		t.Logf("scripts passed (runs passed / runs) per config and suite:\n%s", tally.table(suites))
		got, want := tally.scripts(), len(suites)*wantScripts
		if runFilter := flag.Lookup("test.run").Value.String(); strings.Contains(runFilter, "/") {
			t.Logf("%d of %d scripts ran: -run %q selects subtests", got, want, runFilter)
		} else if got != want {
			t.Errorf("%d scripts ran, want %d (%d suites × %d)", got, want, len(suites), wantScripts)
		}
	})
	for _, suite := range suites {
		t.Run(fmt.Sprintf("suite=%d", suite), func(t *testing.T) {
			t.Parallel()
			for _, s := range scripts {
				t.Run(s.config+"/"+s.script.Name, func(t *testing.T) {
					t.Parallel()
					o := opts
					o.Suite = suite
					runs, failed := runScenario(t, s.script, clients, o)
					tally.add(suite, s.config, runs, failed, t.Failed())
				})
			}
		})
	}
}

// namedScript is a script with the config it comes from.
type namedScript struct {
	config string
	script *runner.Script
}

// loadScripts reads every config; it fails unless all 7 files with their
// 39 scripts are there.
func loadScripts() ([]namedScript, error) {
	files, err := filepath.Glob("configs/*.json")
	if err != nil {
		return nil, err
	}
	if len(files) != wantConfigs {
		return nil, fmt.Errorf("%d configs in configs/, want %d", len(files), wantConfigs)
	}
	var out []namedScript
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		cfg, err := runner.ParseConfig(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		for _, s := range cfg.Scripts {
			out = append(out, namedScript{config: strings.TrimSuffix(filepath.Base(file), ".json"), script: s})
		}
	}
	if len(out) != wantScripts {
		return nil, fmt.Errorf("%d scripts in the configs, want %d", len(out), wantScripts)
	}
	return out, nil
}

// runScenario plays every run of script's matrix and returns how many ran
// and failed.
func runScenario(t *testing.T, script *runner.Script, clients []*runner.Client, opts runner.MatrixOptions) (runs, failed int) {
	assignments, err := runner.Expand(script.Actors(), clients, opts)
	if err != nil {
		t.Fatal(err)
	}
	const maxReported = 5
	var checks runner.Checks
	for _, a := range assignments {
		res := runner.Run(context.Background(), script, a, runner.Options{})
		err := res.Err
		if err == nil && !res.Passed(script) {
			err = fmt.Errorf("%d of %d steps ran", res.Steps, len(script.Steps))
		}
		if err == nil && (res.Checks.StateAuth == 0 || res.Checks.Unprotect == 0) {
			err = fmt.Errorf("the run compared nothing: checks %+v", res.Checks)
		}
		if err != nil {
			failed++
			if failed <= maxReported {
				t.Errorf("[%v]: %v", a, err)
			}
		}
		checks.StateAuth += res.Checks.StateAuth
		checks.Protect += res.Checks.Protect
		checks.Unprotect += res.Checks.Unprotect
	}
	if failed > maxReported {
		t.Errorf("%d of %d runs failed (first %d shown)", failed, len(assignments), maxReported)
	}
	t.Logf("%d of %d runs passed; checks: %d StateAuth compared, %d messages protected, %d unprotected by another member",
		len(assignments)-failed, len(assignments), checks.StateAuth, checks.Protect, checks.Unprotect)
	return len(assignments), failed
}

func matrixOptions() (runner.MatrixOptions, error) {
	var opts runner.MatrixOptions
	switch *matrixFlag {
	case "reduced":
		opts.Mode = runner.MatrixReduced
	case "full":
		opts.Mode = runner.MatrixFull
	default:
		return opts, fmt.Errorf("-interop.matrix %q: want reduced or full", *matrixFlag)
	}
	switch *handshakeFlag {
	case "all":
		opts.Handshake = runner.HandshakeAll
	case "private":
		opts.Handshake = runner.HandshakePrivate
	case "public":
		opts.Handshake = runner.HandshakePublic
	default:
		return opts, fmt.Errorf("-interop.handshake %q: want all, private or public", *handshakeFlag)
	}
	return opts, nil
}

// selectSuites returns the suites of -interop.suites: every suite a client
// supports (the default), those listed, or with -short and no
// -interop.suites the quick ones the clients support.
func selectSuites(clients []*runner.Client) ([]uint32, error) {
	var supported []uint32
	for _, c := range clients {
		for _, s := range c.Suites() {
			if !slices.Contains(supported, s) {
				supported = append(supported, s)
			}
		}
	}
	slices.Sort(supported)
	switch *suitesFlag {
	case "all":
		return supported, nil
	case "":
		if !testing.Short() {
			return supported, nil
		}
		out := slices.DeleteFunc(slices.Clone(quick), func(s uint32) bool { return !slices.Contains(supported, s) })
		if len(out) == 0 {
			return supported, nil
		}
		return out, nil
	}
	var out []uint32
	for _, f := range strings.Split(*suitesFlag, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 0, 16)
		if err != nil {
			return nil, fmt.Errorf("-interop.suites %q: %q is not a cipher suite number", *suitesFlag, f)
		}
		if !slices.Contains(supported, uint32(n)) {
			return nil, fmt.Errorf("-interop.suites %q: no client supports suite %d (supported: %v)", *suitesFlag, n, supported)
		}
		if !slices.Contains(out, uint32(n)) {
			out = append(out, uint32(n))
		}
	}
	return out, nil
}

// connect returns runner clients for the servers of -interop.clients, or
// for two in-process instances.
func connect(t *testing.T) []*runner.Client {
	var addrs []string
	if *clientsFlag != "" {
		addrs = strings.Split(*clientsFlag, ",")
	} else {
		for i := range 2 {
			addrs = append(addrs, startInstance(t, i))
		}
	}
	var clients []*runner.Client
	for i, addr := range addrs {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		c, err := runner.Connect(context.Background(), pb.NewMLSClientClient(conn))
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		// Name the instances apart in assignments: "Sealroom (Go) #0".
		c.Name = fmt.Sprintf("%s #%d", c.Name, i)
		t.Logf("client %s at %s", c.Name, addr)
		clients = append(clients, c)
	}
	return clients
}

// startInstance serves a new client.Server on a loopback port and returns
// its address; the server must hold no handles when the test ends, since
// every run frees what it was given.
func startInstance(t *testing.T, i int) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := client.New(slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("instance", strconv.Itoa(i)))
	gs := client.NewGRPCServer(srv)
	go gs.Serve(lis)
	t.Cleanup(func() {
		gs.Stop()
		if n := srv.Handles(); n != 0 {
			t.Errorf("instance %d holds %d handles after the scenarios", i, n)
		}
	})
	return lis.Addr().String()
}

// testWriter sends the servers' logs (recovered panics) to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// tally counts the scripts and runs that passed, per suite and config.
type tally struct {
	mu    sync.Mutex
	cells map[tallyKey]*tallyCell
}

type tallyKey struct {
	suite  uint32
	config string
}

type tallyCell struct {
	scripts, scriptsPassed, runs, runsPassed int
}

func newTally() *tally { return &tally{cells: map[tallyKey]*tallyCell{}} }

func (ta *tally) add(suite uint32, config string, runs, failed int, scriptFailed bool) {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	k := tallyKey{suite, config}
	c := ta.cells[k]
	if c == nil {
		c = &tallyCell{}
		ta.cells[k] = c
	}
	c.scripts++
	if !scriptFailed {
		c.scriptsPassed++
	}
	c.runs += runs
	c.runsPassed += runs - failed
}

func (ta *tally) scripts() int {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	n := 0
	for _, c := range ta.cells {
		n += c.scripts
	}
	return n
}

// table renders the tally with a row per config and a column per suite:
// "4/4 (32/32)" is 4 of 4 scripts and 32 of 32 runs passed.
func (ta *tally) table(suites []uint32) string {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	var configs []string
	for k := range ta.cells {
		if !slices.Contains(configs, k.config) {
			configs = append(configs, k.config)
		}
	}
	slices.Sort(configs)
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s", "config")
	for _, s := range suites {
		fmt.Fprintf(&b, " %16s", fmt.Sprintf("suite %d", s))
	}
	b.WriteString("\n")
	for _, config := range configs {
		fmt.Fprintf(&b, "%-20s", config)
		for _, s := range suites {
			cell := "-"
			if c := ta.cells[tallyKey{s, config}]; c != nil {
				cell = fmt.Sprintf("%d/%d (%d/%d)", c.scriptsPassed, c.scripts, c.runsPassed, c.runs)
			}
			fmt.Fprintf(&b, " %16s", cell)
		}
		b.WriteString("\n")
	}
	return b.String()
}
