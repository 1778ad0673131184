package interop_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sealroom/sealroom/interop/internal/client"
	"github.com/sealroom/sealroom/interop/internal/runner"
	pb "github.com/sealroom/sealroom/interop/proto"
)

var (
	matrixFlag    = flag.String("interop.matrix", "reduced", "client assignments: reduced, or full (the official runner's all combinations)")
	suiteFlag     = flag.Int("interop.suite", 0, "run only this cipher suite (0: every suite the clients support)")
	handshakeFlag = flag.String("interop.handshake", "all", "handshake modes: all, private or public")
	clientsFlag   = flag.String("interop.clients", "", "comma-separated host:port of running MLSClient servers to use instead of two in-process instances")
	strictFlag    = flag.Bool("interop.strict", os.Getenv("SEALROOM_INTEROP_STRICT") == "1", "fail, rather than skip, a scenario that meets an unimplemented RPC (also SEALROOM_INTEROP_STRICT=1)")
)

// TestScenarios plays every script of configs/*.json between two
// independent instances of the MLSClient server, the way the official
// test-runner would, plus the runner's own StateAuth and protect/unprotect
// checks after every step.
//
// The two instances are two client.Server values, each with its own
// handles and its own gRPC server on its own loopback port, run in this
// test's process: the runner reaches them over real gRPC connections, as it
// would two mls-client processes, while the test needs no build step, runs
// on a fresh clone, is covered by -race and -cover, and cannot leave a
// process behind. -interop.clients points it at running servers instead.
//
// A scenario passes only if every run of its matrix completed every step
// and check. A scenario that reaches an RPC the server answers with
// codes.Unimplemented (one that waits for the mls Group API) is skipped
// with that RPC's name; -interop.strict makes it fail instead.
func TestScenarios(t *testing.T) {
	opts, err := matrixOptions()
	if err != nil {
		t.Fatal(err)
	}
	clients := connect(t)

	files, err := filepath.Glob("configs/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 7 {
		t.Fatalf("%d configs in configs/, want 7", len(files))
	}
	total, started := 0, 0
	var passed, skipped, failed []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := runner.ParseConfig(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, script := range cfg.Scripts {
			total++
			name := strings.TrimSuffix(filepath.Base(file), ".json") + "/" + script.Name
			ok := t.Run(name, func(t *testing.T) {
				started++
				runScenario(t, script, clients, opts)
			})
			switch {
			case !ok:
				failed = append(failed, name)
			case lastSkipped:
				skipped = append(skipped, name)
			default:
				passed = append(passed, name)
			}
		}
	}
	if started != total || total != 39 {
		t.Errorf("%d scenarios started of %d in the configs (want 39)", started, total)
	}
	t.Logf("scenarios: %d passed, %d failed, %d skipped", len(passed), len(failed), len(skipped))
}

// lastSkipped records whether the last scenario was skipped: a parent
// test cannot ask a finished subtest.
var lastSkipped bool

func runScenario(t *testing.T, script *runner.Script, clients []*runner.Client, opts runner.MatrixOptions) {
	lastSkipped = false
	assignments, err := runner.Expand(script.Actors(), clients, opts)
	if err != nil {
		t.Fatal(err)
	}
	const maxReported = 5
	failures := 0
	for _, a := range assignments {
		res := runner.Run(context.Background(), script, a, runner.Options{})
		if res.Passed(script) {
			continue
		}
		if rpc, ok := runner.Unimplemented(res.Err); ok && !*strictFlag {
			lastSkipped = true
			t.Skipf("not run: RPC %s is not implemented yet [%v]: %v", rpc, a, res.Err)
		}
		failures++
		if failures <= maxReported {
			t.Errorf("[%v] after %d of %d steps: %v", a, res.Steps, len(script.Steps), res.Err)
		}
	}
	if failures > maxReported {
		t.Errorf("%d of %d runs failed (first %d shown)", failures, len(assignments), maxReported)
	}
	if failures == 0 {
		t.Logf("%d runs passed", len(assignments))
	}
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
	if *suiteFlag < 0 || *suiteFlag > 0xffff {
		return opts, fmt.Errorf("-interop.suite %d out of range", *suiteFlag)
	}
	opts.Suite = uint32(*suiteFlag)
	return opts, nil
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
