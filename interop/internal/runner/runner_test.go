package runner

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// recorder is a server interceptor that can refuse RPCs as unimplemented
// and records the requests it sees.
type recorder struct {
	mu            sync.Mutex
	unimplemented map[string]bool
	requests      []recorded
}

type recorded struct {
	method string
	req    proto.Message
}

func (rec *recorder) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	method := info.FullMethod[strings.LastIndexByte(info.FullMethod, '/')+1:]
	rec.mu.Lock()
	rec.requests = append(rec.requests, recorded{method, proto.Clone(req.(proto.Message))})
	refuse := rec.unimplemented[method]
	rec.mu.Unlock()
	if refuse {
		return nil, status.Errorf(codes.Unimplemented, "%s: needs the mls Group API (fake)", method)
	}
	return handler(ctx, req)
}

// find returns the recorded requests of method.
func (rec *recorder) find(method string) []proto.Message {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []proto.Message
	for _, r := range rec.requests {
		if r.method == method {
			out = append(out, r.req)
		}
	}
	return out
}

// serveFake runs srv on a loopback port and connects a Client to it.
func serveFake(t testing.TB, srv pb.MLSClientServer, rec *recorder) *Client {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if rec == nil {
		rec = &recorder{}
	}
	gs := grpc.NewServer(grpc.UnaryInterceptor(rec.intercept))
	pb.RegisterMLSClientServer(gs, srv)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := Connect(context.Background(), pb.NewMLSClientClient(conn))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loadConfigs parses every config of interop/configs.
func loadConfigs(t testing.TB) map[string]*Config {
	t.Helper()
	files, err := filepath.Glob("../../configs/*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Config{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := ParseConfig(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = cfg
	}
	return out
}

// scriptsInConfigs is how many scripts the seven configs hold:
// application 3, branch 4, commit 9, external_join 5,
// external_proposals 8, reinit 6, welcome_join 4.
const scriptsInConfigs = 39

func TestConfigs(t *testing.T) {
	cfgs := loadConfigs(t)
	if len(cfgs) != 7 {
		t.Fatalf("%d configs, want 7", len(cfgs))
	}
	n, steps := 0, 0
	actions := map[Action]bool{}
	for _, cfg := range cfgs {
		for _, s := range cfg.Scripts {
			n++
			for _, st := range s.Steps {
				steps++
				actions[st.Action] = true
			}
		}
	}
	if n != scriptsInConfigs {
		t.Errorf("%d scripts, want %d", n, scriptsInConfigs)
	}
	t.Logf("%d scripts, %d steps, %d distinct actions", n, steps, len(actions))

	script := func(file, name string) *Script {
		for _, s := range cfgs[file].Scripts {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("%s has no script %s", file, name)
		return nil
	}
	for _, tc := range []struct {
		file, script, actors string
	}{
		{"application.json", "in_order", "alice bob"},
		{"commit.json", "add", "alice bob charlie1 charlie2 charlie3 charlie4 charlie5 charlie6"},
		{"external_join.json", "with_more_members", "alice bob charlie diana ellen"},
		{"external_proposals.json", "external_add", "alice bob charlie ds"},
		{"external_proposals.json", "multiple_external", "alice bob charlie ds1 ds2"},
		{"external_proposals.json", "joiner_signed_add", "alice bob"},
		{"reinit.json", "change_ciphersuite", "alice bob charlie diana eliza"},
		{"branch.json", "base", "alice bob charlie diana eliza"},
	} {
		if got := strings.Join(script(tc.file, tc.script).Actors(), " "); got != tc.actors {
			t.Errorf("%s %s: actors %q, want %q", tc.file, tc.script, got, tc.actors)
		}
	}

	// The official runner's spellings, with their consequences.
	if p := script("reinit.json", "change_ciphersuite").Steps[1].params.(*reinitParams); !p.ChangeCipherSuite {
		t.Error(`reinit "changeCiphersuite" must set ChangeCipherSuite (encoding/json ignores case)`)
	}
	if p := script("branch.json", "force_path").Steps[1].params.(*branchParams); p.ForcePath || p.ExternalTree {
		t.Error(`branch "forcePath" must be ignored: the official runner reads "force_path"`)
	}
	if p := script("reinit.json", "force_path").Steps[1].params.(*reinitParams); !p.ForcePath {
		t.Error(`reinit "forcePath" must set ForcePath`)
	}
	if p := script("welcome_join.json", "with_external_tree").Steps[3].params.(*fullCommitParams); !p.ExternalTree {
		t.Error(`fullCommit "external_tree" must set ExternalTree`)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, config string }{
		{"not json", `{`},
		{"no scripts", `{"scripts": {}}`},
		{"empty script", `{"scripts": {"s": []}}`},
		{"step not an object", `{"scripts": {"s": [1]}}`},
		{"missing action", `{"scripts": {"s": [{"actor": "a"}]}}`},
		{"unknown action", `{"scripts": {"s": [{"action": "dance", "actor": "a"}]}}`},
		{"missing actor", `{"scripts": {"s": [{"action": "createGroup"}]}}`},
		{"bad value", `{"scripts": {"s": [{"action": "createGroup", "actor": "a", "members": "bob"}]}}`},
		{"forward reference", `{"scripts": {"s": [{"action": "createGroup", "actor": "a"}, {"action": "addProposal", "actor": "a", "keyPackage": 2}, {"action": "createKeyPackage", "actor": "b"}]}}`},
		{"self reference", `{"scripts": {"s": [{"action": "createGroup", "actor": "a"}, {"action": "unprotect", "actor": "a", "ciphertext": 1}]}}`},
		{"negative reference", `{"scripts": {"s": [{"action": "createGroup", "actor": "a"}, {"action": "joinGroup", "actor": "a", "welcome": -1}]}}`},
		{"reference in a description", `{"scripts": {"s": [{"action": "createGroup", "actor": "a"}, {"action": "fullCommit", "actor": "a", "byValue": [{"proposalType": "add", "keyPackage": 5}]}]}}`},
		{"external reinit reference", `{"scripts": {"s": [{"action": "createGroup", "actor": "a"}, {"action": "reinit", "committer": "a", "welcomer": "a", "externalReinitProposal": 9}]}}`},
		{"bad base64", `{"scripts": {"s": [{"action": "createGroup", "actor": "a"}, {"action": "groupContextExtensionsProposal", "actor": "a", "extensions": [{"extension_type": 3, "extension_data": "!"}]}]}}`},
	} {
		if _, err := ParseConfig([]byte(tc.config)); err == nil || !strings.Contains(err.Error(), "runner: bad config") {
			t.Errorf("%s: ParseConfig = %v, want an ErrConfig error", tc.name, err)
		}
	}
}

func TestExpand(t *testing.T) {
	a := &Client{Name: "A", suites: map[uint32]bool{1: true, 2: true, 3: true}}
	b := &Client{Name: "B", suites: map[uint32]bool{5: true, 1: true, 2: true}}
	if got := b.Suites(); !slices.Equal(got, []uint32{1, 2, 5}) {
		t.Fatalf("Suites() = %v, want [1 2 5]", got)
	}
	actors := []string{"alice", "bob", "charlie"}
	count := func(opts MatrixOptions, clients ...*Client) int {
		t.Helper()
		as, err := Expand(actors, clients, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range as {
			for _, c := range x.Clients {
				if !c.Supports(x.Suite) {
					t.Fatalf("%v: a client that does not support the suite", x)
				}
			}
		}
		return len(as)
	}
	// Suites 1 and 2 have two clients (8 full, 4 reduced assignments), 3
	// and 5 one (1 each); times two handshake modes.
	for _, tc := range []struct {
		opts MatrixOptions
		want int
	}{
		{MatrixOptions{Mode: MatrixFull}, 2 * (8 + 8 + 1 + 1)},
		{MatrixOptions{Mode: MatrixReduced}, 2 * (4 + 4 + 1 + 1)},
		{MatrixOptions{Mode: MatrixFull, Suite: 2}, 2 * 8},
		{MatrixOptions{Mode: MatrixFull, Suite: 5, Handshake: HandshakePrivate}, 1},
		{MatrixOptions{Mode: MatrixReduced, Handshake: HandshakePublic}, 4 + 4 + 1 + 1},
	} {
		if got := count(tc.opts, a, b); got != tc.want {
			t.Errorf("%+v: %d assignments, want %d", tc.opts, got, tc.want)
		}
	}
	as, _ := Expand(actors, []*Client{a, b}, MatrixOptions{Suite: 1, Handshake: HandshakePrivate})
	var got []string
	for _, x := range as {
		got = append(got, x.String())
	}
	want := []string{
		"suite 1 private alice=A bob=A charlie=A",
		"suite 1 private alice=B bob=B charlie=B",
		"suite 1 private alice=A bob=B charlie=A",
		"suite 1 private alice=B bob=A charlie=B",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("reduced assignments:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Expand(actors, []*Client{a}, MatrixOptions{Suite: 7}); err == nil {
		t.Error("Expand with an unsupported suite succeeded")
	}
	if _, err := Expand(actors, nil, MatrixOptions{}); err == nil {
		t.Error("Expand with no clients succeeded")
	}
}

// TestScenariosWithFakes plays every script of every config between two
// independent fakes, over gRPC, with every assignment of the reduced
// matrix; all must pass, and the fakes must be left holding nothing.
func TestScenariosWithFakes(t *testing.T) {
	fa, fb := newFake("A"), newFake("B")
	clients := []*Client{serveFake(t, fa, nil), serveFake(t, fb, nil)}
	scripts, runs := 0, 0
	var checks Checks
	for file, cfg := range loadConfigs(t) {
		for _, s := range cfg.Scripts {
			scripts++
			as, err := Expand(s.Actors(), clients, MatrixOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				res := Run(context.Background(), s, a, Options{})
				runs++
				if !res.Passed(s) {
					t.Errorf("%s %s [%v]: %v", file, s.Name, a, res.Err)
					continue
				}
				checks.StateAuth += res.Checks.StateAuth
				checks.Protect += res.Checks.Protect
				checks.Unprotect += res.Checks.Unprotect
				if res.Checks.StateAuth == 0 || res.Checks.Unprotect == 0 {
					t.Errorf("%s %s [%v]: checks %+v: nothing compared", file, s.Name, a, res.Checks)
				}
			}
		}
	}
	if scripts != scriptsInConfigs {
		t.Errorf("ran %d scripts, want %d", scripts, scriptsInConfigs)
	}
	// 3 suites, 2 handshake modes, 4 assignments per suite and mode.
	if want := scriptsInConfigs * 3 * 2 * 4; runs != want {
		t.Errorf("%d runs, want %d", runs, want)
	}
	t.Logf("%d scripts, %d runs; checks: %+v", scripts, runs, checks)
	if n := fa.handles() + fb.handles(); n != 0 {
		t.Errorf("the fakes hold %d handles after every run freed its own", n)
	}
}

// TestFullMatrixWithFakes runs the official all-combinations matrix for
// one suite on the scripts with at most four actors.
func TestFullMatrixWithFakes(t *testing.T) {
	if testing.Short() {
		t.Skip("full matrix: skipped in -short mode")
	}
	clients := []*Client{serveFake(t, newFake("A"), nil), serveFake(t, newFake("B"), nil)}
	runs := 0
	for file, cfg := range loadConfigs(t) {
		for _, s := range cfg.Scripts {
			if len(s.Actors()) > 4 {
				continue
			}
			as, err := Expand(s.Actors(), clients, MatrixOptions{Mode: MatrixFull, Suite: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				runs++
				if res := Run(context.Background(), s, a, Options{}); !res.Passed(s) {
					t.Errorf("%s %s [%v]: %v", file, s.Name, a, res.Err)
				}
			}
		}
	}
	t.Logf("%d runs", runs)
}

func readConfig(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("../../configs", name+".json"))
}
