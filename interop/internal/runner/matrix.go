package runner

import (
	"context"
	"fmt"
	"slices"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// Client is one MLSClient the runner drives.
type Client struct {
	Name   string
	RPC    pb.MLSClientClient
	suites map[uint32]bool
}

// Connect asks a client for its name and cipher suites, as the official
// runner does first.
func Connect(ctx context.Context, rpc pb.MLSClientClient) (*Client, error) {
	nr, err := rpc.Name(ctx, &pb.NameRequest{})
	if err != nil {
		return nil, fmt.Errorf("runner: Name: %w", err)
	}
	sr, err := rpc.SupportedCiphersuites(ctx, &pb.SupportedCiphersuitesRequest{})
	if err != nil {
		return nil, fmt.Errorf("runner: SupportedCiphersuites: %w", err)
	}
	c := &Client{Name: nr.Name, RPC: rpc, suites: map[uint32]bool{}}
	for _, s := range sr.Ciphersuites {
		c.suites[s] = true
	}
	return c, nil
}

// Supports reports whether the client listed suite.
func (c *Client) Supports(suite uint32) bool { return c.suites[suite] }

// Suites returns the cipher suites the client listed, in ascending order.
func (c *Client) Suites() []uint32 {
	out := make([]uint32, 0, len(c.suites))
	for s := range c.suites {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// MatrixMode says which assignments of clients to actors Expand makes.
type MatrixMode int

const (
	// MatrixReduced assigns, for every suite and handshake mode, each
	// client to all actors, and the clients alternately to the actors in
	// sorted order, starting with each client in turn: with two clients
	// A and B and actors alice, bob, charlie that is AAA, BBB, ABA, BAB.
	// Every pair of clients meets in every role pattern that matters for
	// interop (sender and receiver on different clients, and on the same
	// one) at a small fraction of the full matrix's cost.
	MatrixReduced MatrixMode = iota
	// MatrixFull is the official runner's "allCombinations" mode: every
	// assignment of the clients that support a suite to the actors,
	// clients^actors of them.
	MatrixFull
)

// Handshake says which handshake modes Expand covers; the official runner
// runs both unless told -private or -public.
type Handshake int

const (
	HandshakeAll     Handshake = iota // both
	HandshakePrivate                  // proposals and commits as PrivateMessage
	HandshakePublic                   // proposals and commits as PublicMessage
)

// MatrixOptions narrows Expand.
type MatrixOptions struct {
	Mode      MatrixMode
	Suite     uint32 // only this suite; 0 for all the clients support
	Handshake Handshake
}

// Assignment is one run of a script: a cipher suite, a handshake mode and
// the client each actor uses.
type Assignment struct {
	Suite            uint32
	EncryptHandshake bool
	Clients          map[string]*Client
}

// String names the assignment in test output: "suite 1 private alice=A bob=B".
func (a *Assignment) String() string {
	mode := "public"
	if a.EncryptHandshake {
		mode = "private"
	}
	s := fmt.Sprintf("suite %d %s", a.Suite, mode)
	actors := make([]string, 0, len(a.Clients))
	for actor := range a.Clients {
		actors = append(actors, actor)
	}
	slices.Sort(actors)
	for _, actor := range actors {
		s += " " + actor + "=" + a.Clients[actor].Name
	}
	return s
}

// Expand lists the runs of a script with actors among clients, in the
// official runner's order: by suite (ascending here; the official runner
// takes Go's random map order), then encrypted before public handshakes,
// then client assignment. A suite is used with the clients that support it.
// Where the official runner maps an assignment's i-th supporting client to
// the pool's i-th client, Expand maps it to the i-th supporting client, the
// same thing when every client supports the suite.
func Expand(actors []string, clients []*Client, opts MatrixOptions) ([]*Assignment, error) {
	if len(clients) == 0 {
		return nil, fmt.Errorf("runner: no clients")
	}
	var suites []uint32
	for _, c := range clients {
		for s := range c.suites {
			if !slices.Contains(suites, s) && (opts.Suite == 0 || s == opts.Suite) {
				suites = append(suites, s)
			}
		}
	}
	if len(suites) == 0 {
		return nil, fmt.Errorf("runner: no client supports cipher suite %d", opts.Suite)
	}
	slices.Sort(suites)
	modes := map[Handshake][]bool{HandshakeAll: {true, false}, HandshakePrivate: {true}, HandshakePublic: {false}}[opts.Handshake]

	var out []*Assignment
	for _, suite := range suites {
		var supporting []*Client
		for _, c := range clients {
			if c.suites[suite] {
				supporting = append(supporting, c)
			}
		}
		var combos [][]int
		switch opts.Mode {
		case MatrixFull:
			combos = allCombinations(len(supporting), len(actors))
		default:
			combos = reducedCombinations(len(supporting), len(actors))
		}
		for _, encrypt := range modes {
			for _, combo := range combos {
				a := &Assignment{Suite: suite, EncryptHandshake: encrypt, Clients: map[string]*Client{}}
				for i, actor := range actors {
					a.Clients[actor] = supporting[combo[i]]
				}
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// allCombinations lists every slots-tuple of values below n, the first
// slot varying slowest.
func allCombinations(n, slots int) [][]int {
	out := [][]int{{}}
	for range slots {
		next := make([][]int, 0, len(out)*n)
		for _, tuple := range out {
			for v := range n {
				next = append(next, append(slices.Clone(tuple), v))
			}
		}
		out = next
	}
	return out
}

// reducedCombinations lists the tuples of MatrixReduced: each value in
// every slot, then the values in turn starting from each value.
func reducedCombinations(n, slots int) [][]int {
	var out [][]int
	add := func(t []int) {
		for _, have := range out {
			if slices.Equal(have, t) {
				return
			}
		}
		out = append(out, t)
	}
	for v := range n {
		t := make([]int, slots)
		for i := range t {
			t[i] = v
		}
		add(t)
	}
	for start := range n {
		t := make([]int, slots)
		for i := range t {
			t[i] = (start + i) % n
		}
		add(t)
	}
	return out
}
