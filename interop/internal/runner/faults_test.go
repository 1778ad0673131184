package runner

import (
	"context"
	"slices"
	"strings"
	"testing"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// rpcsRun lists the RPCs the runner makes (besides Name and
// SupportedCiphersuites when connecting, and Free when cleaning up).
var rpcsRun = []string{
	"CreateGroup", "CreateKeyPackage", "JoinGroup", "ExternalJoin", "GroupInfo", "StateAuth",
	"Protect", "Unprotect", "StorePSK", "AddProposal", "UpdateProposal", "RemoveProposal",
	"ExternalPSKProposal", "ResumptionPSKProposal", "GroupContextExtensionsProposal",
	"Commit", "HandleCommit", "HandlePendingCommit", "ReInitProposal", "ReInitCommit",
	"HandlePendingReInitCommit", "HandleReInitCommit", "ReInitWelcome", "HandleReInitWelcome",
	"CreateBranch", "HandleBranch", "NewMemberAddProposal", "CreateExternalSigner",
	"AddExternalSigner", "ExternalSignerProposal",
}

// TestUnimplementedNeverPasses makes each RPC in turn answer Unimplemented
// and plays every script: a run that made that RPC must fail, and report
// the RPC as the unimplemented one. Every RPC must be made by some script.
func TestUnimplementedNeverPasses(t *testing.T) {
	cfgs := loadConfigs(t)
	for _, rpc := range rpcsRun {
		rec := &recorder{unimplemented: map[string]bool{rpc: true}}
		clients := []*Client{serveFake(t, newFake("A"), rec), serveFake(t, newFake("B"), rec)}
		hit := 0
		for _, cfg := range cfgs {
			for _, s := range cfg.Scripts {
				// Alternate the clients, so that both are used.
				as, err := Expand(s.Actors(), clients, MatrixOptions{Suite: 1, Handshake: HandshakePrivate})
				if err != nil {
					t.Fatal(err)
				}
				res := Run(context.Background(), s, as[2], Options{})
				made := slices.ContainsFunc(res.Transcript, func(c Call) bool { return c.RPC == rpc })
				if !made {
					continue
				}
				hit++
				if res.Passed(s) {
					t.Errorf("%s: %s passed although %s is unimplemented", s.Name, as[2], rpc)
				}
				if got, ok := Unimplemented(res.Err); !ok || got != rpc {
					t.Errorf("%s: Unimplemented(%v) = %q, %v; want %q", s.Name, res.Err, got, ok, rpc)
				}
			}
		}
		if hit == 0 {
			t.Errorf("no script makes %s", rpc)
		}
	}
}

// runOne plays a script of a config with all actors on one client, or
// alternating between the two.
func runOne(t *testing.T, clients []*Client, file, script string, alternate bool, opts Options) (*Script, *Result) {
	t.Helper()
	for _, s := range loadConfigs(t)[file].Scripts {
		if s.Name != script {
			continue
		}
		as, err := Expand(s.Actors(), clients, MatrixOptions{Suite: 1, Handshake: HandshakePrivate})
		if err != nil {
			t.Fatal(err)
		}
		a := as[0]
		if alternate {
			a = as[2]
		}
		return s, Run(context.Background(), s, a, opts)
	}
	t.Fatalf("%s has no script %s", file, script)
	return nil, nil
}

// TestChecksCatchFaults has one of two clients misbehave: runs confined to
// the good one pass, runs that mix them fail with the check that caught it.
func TestChecksCatchFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(*fake)
		script string
		opts   Options
		want   string
	}{
		{"StateAuth", func(f *fake) { f.badStateAuth = true }, "in_order", Options{}, "do not agree on a StateAuth"},
		{"Unprotect by a check", func(f *fake) { f.badUnprotect = true }, "out_of_order_across_epochs", Options{}, "unprotected"},
		{"Unprotect by a step", func(f *fake) { f.badUnprotect = true }, "in_order", Options{NoChecks: true}, "incorrect plaintext"},
		{"JoinGroup", func(f *fake) { f.badJoin = true }, "in_order", Options{NoChecks: true}, "failed to agree on epoch authenticator"},
	} {
		good, broken := newFake("A"), newFake("B")
		tc.break_(broken)
		clients := []*Client{serveFake(t, good, nil), serveFake(t, broken, nil)}
		if s, res := runOne(t, clients, "application.json", tc.script, false, tc.opts); !res.Passed(s) {
			t.Errorf("%s: all actors on the good client: %v", tc.name, res.Err)
		}
		s, res := runOne(t, clients, "application.json", tc.script, true, tc.opts)
		if res.Passed(s) || !strings.Contains(res.Err.Error(), tc.want) {
			t.Errorf("%s: mixed clients: %v; want an error containing %q", tc.name, res.Err, tc.want)
		}
	}
}

// TestRequests checks the RPCs a run makes, in order, and the fields the
// official runner sets in them.
func TestRequests(t *testing.T) {
	rec := &recorder{}
	clients := []*Client{serveFake(t, newFake("A"), rec), serveFake(t, newFake("B"), rec)}

	_, res := runOne(t, clients, "welcome_join.json", "with_external_tree", false, Options{NoChecks: true})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var calls []string
	for _, c := range res.Transcript {
		if c.RPC != "Free" {
			calls = append(calls, c.RPC+"/"+c.Actor)
		}
	}
	want := "CreateGroup/alice CreateKeyPackage/bob AddProposal/alice Commit/alice HandlePendingCommit/alice JoinGroup/bob"
	if strings.Join(calls, " ") != want {
		t.Errorf("RPCs %q, want %q", strings.Join(calls, " "), want)
	}
	commit := rec.find("Commit")[0].(*pb.CommitRequest)
	join := rec.find("JoinGroup")[0].(*pb.JoinGroupRequest)
	if !commit.ExternalTree || commit.ForcePath || len(commit.ByReference) != 1 || len(commit.ByValue) != 0 {
		t.Errorf("Commit request %v", commit)
	}
	if len(join.RatchetTree) == 0 || !join.EncryptHandshake || string(join.Identity) != "bob" {
		t.Errorf("JoinGroup request %v", join)
	}

	rec.requests = nil
	if _, res := runOne(t, clients, "reinit.json", "change_ciphersuite", true, Options{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	reinit := rec.find("ReInitProposal")[0].(*pb.ReInitProposalRequest)
	if reinit.CipherSuite != 2 || len(rec.find("HandleReInitCommit")) != 4 || len(rec.find("HandleReInitWelcome")) != 4 {
		t.Errorf("reinit: ReInitProposal %v, %d HandleReInitCommit, %d HandleReInitWelcome", reinit, len(rec.find("HandleReInitCommit")), len(rec.find("HandleReInitWelcome")))
	}
	for _, kp := range rec.find("CreateKeyPackage") {
		if kp.(*pb.CreateKeyPackageRequest).CipherSuite != 1 {
			t.Errorf("a KeyPackage before the reinit is not of suite 1: %v", kp)
		}
	}

	rec.requests = nil
	if _, res := runOne(t, clients, "branch.json", "force_path", false, Options{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	if br := rec.find("CreateBranch")[0].(*pb.CreateBranchRequest); br.ForcePath || br.ExternalTree || len(br.KeyPackages) != 4 {
		t.Errorf("CreateBranch %v: branch.json's forcePath must be ignored as the official runner does", br)
	}
}

func TestUnknownActor(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"scripts": {"s": [
		{"action": "createGroup", "actor": "alice"},
		{"action": "reinit", "proposer": "alice", "committer": "zed", "welcomer": "alice"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Scripts[0]
	clients := []*Client{serveFake(t, newFake("A"), nil)}
	as, err := Expand(s.Actors(), clients, MatrixOptions{Suite: 1})
	if err != nil {
		t.Fatal(err)
	}
	res := Run(context.Background(), s, as[0], Options{})
	if res.Passed(s) || !strings.Contains(res.Err.Error(), `actor "zed" has no client`) || res.Steps != 1 {
		t.Fatalf("got %v after %d steps", res.Err, res.Steps)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"application", "branch", "commit", "external_join", "external_proposals", "reinit", "welcome_join"} {
		data, err := readConfig(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			return
		}
		for _, s := range cfg.Scripts {
			s.Actors()
			for _, st := range s.Steps {
				for _, ref := range refsOf(st.params) {
					if ref < 0 || ref >= st.Index {
						t.Fatalf("%s step %d refers to step %d", s.Name, st.Index, ref)
					}
				}
				_ = st.String()
			}
		}
	})
}

// rawSteps uses the actions no official config uses: commit,
// handlePendingCommit, joinGroup, handleCommit and groupInfo.
const rawSteps = `{"scripts": {"raw": [
	{"action": "createGroup", "actor": "alice"},
	{"action": "createKeyPackage", "actor": "bob"},
	{"action": "addProposal", "actor": "alice", "keyPackage": 1},
	{"action": "commit", "actor": "alice", "byReference": [2]},
	{"action": "handlePendingCommit", "actor": "alice"},
	{"action": "joinGroup", "actor": "bob", "welcome": 3},
	{"action": "groupInfo", "actor": "alice", "externalTree": true},
	{"action": "protect", "actor": "bob", "authenticatedData": "ad", "plaintext": "pt"},
	{"action": "unprotect", "actor": "alice", "ciphertext": 7},
	{"action": "createKeyPackage", "actor": "charlie"},
	{"action": "addProposal", "actor": "bob", "keyPackage": 9},
	{"action": "commit", "actor": "alice", "byReference": [10]},
	{"action": "handleCommit", "actor": "bob", "commit": 11, "byReference": [10]},
	{"action": "handlePendingCommit", "actor": "alice"},
	{"action": "joinGroup", "actor": "charlie", "welcome": 11}
]}}`

func TestRawSteps(t *testing.T) {
	cfg, err := ParseConfig([]byte(rawSteps))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Scripts[0]
	clients := []*Client{serveFake(t, newFake("A"), nil), serveFake(t, newFake("B"), nil)}
	as, err := Expand(s.Actors(), clients, MatrixOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		res := Run(context.Background(), s, a, Options{})
		if !res.Passed(s) {
			t.Errorf("[%v]: %v", a, res.Err)
			continue
		}
		// After the last step all three are at the newest epoch and each
		// unprotects the check message of the one before it.
		if res.Checks.Unprotect < 3 {
			t.Errorf("[%v]: checks %+v", a, res.Checks)
		}
	}
}
