package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Options tune Run.
type Options struct {
	// Timeout bounds each RPC; the official runner allows 120 seconds.
	Timeout time.Duration
	// NoChecks turns off the checks Run adds to the official runner's
	// (StateAuth agreement and cross-member protect/unprotect).
	NoChecks bool
}

// Result is the outcome of one run of a script.
type Result struct {
	Script     string
	Assignment *Assignment
	// Steps counts the steps that completed.
	Steps int
	// Err is nil when every step and check passed; otherwise it is a
	// *StepError.
	Err error
	// Checks counts what the added checks verified.
	Checks Checks
	// Transcript lists the RPCs made, in order.
	Transcript []Call
}

// Passed reports whether the run completed every step and check.
func (r *Result) Passed(script *Script) bool {
	return r.Err == nil && r.Steps == len(script.Steps)
}

// Checks counts the added verifications of a run.
type Checks struct {
	StateAuth int // members whose StateAuth was compared
	Protect   int // messages protected by one member
	Unprotect int // of those, unprotected by another member
}

// Call is a transcript entry.
type Call struct {
	Actor, RPC string
	Err        error
}

// StepError is why a run failed: the step, the RPC (empty when no RPC
// failed) and the actor that made it.
type StepError struct {
	Step   int
	Action Action
	Actor  string
	RPC    string
	Err    error
}

func (e *StepError) Error() string {
	where := fmt.Sprintf("step %d (%s)", e.Step, e.Action)
	if e.Step < 0 {
		where = "after the last step"
	}
	if e.RPC != "" {
		return fmt.Sprintf("%s: %s by %s: %v", where, e.RPC, e.Actor, e.Err)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Unimplemented reports whether err is an RPC answered with
// codes.Unimplemented, and which RPC.
func Unimplemented(err error) (rpc string, ok bool) {
	var se *StepError
	if errors.As(err, &se) && se.RPC != "" && status.Code(se.Err) == codes.Unimplemented {
		return se.RPC, true
	}
	return "", false
}

// Run plays script with one assignment.
func Run(ctx context.Context, script *Script, a *Assignment, opts Options) *Result {
	if opts.Timeout == 0 {
		opts.Timeout = 120 * time.Second
	}
	r := &run{
		ctx:           ctx,
		opts:          opts,
		suite:         a.Suite,
		assignment:    a,
		stateID:       map[string]uint32{},
		transactionID: map[string]uint32{},
		signerID:      map[string]uint32{},
		msgs:          make([]map[string][]byte, len(script.Steps)),
		epochOf:       map[string]int{},
		pending:       map[string]int{},
		commitEpoch:   map[int]int{},
		result:        &Result{Script: script.Name, Assignment: a},
	}
	for i := range r.msgs {
		r.msgs[i] = map[string][]byte{}
	}
	defer r.free()
	for _, step := range script.Steps {
		r.step = step
		r.moved = false
		if err := r.runStep(step); err != nil {
			r.result.Err = r.wrap(err)
			return r.result
		}
		if !opts.NoChecks {
			if err := r.check(r.moved); err != nil {
				r.result.Err = r.wrap(err)
				return r.result
			}
		}
		r.result.Steps++
	}
	if !opts.NoChecks && !r.protectedAtLatest {
		r.step = nil
		if err := r.check(true); err != nil {
			r.result.Err = r.wrap(err)
		}
	}
	return r.result
}

// run is the state of one run, like the official runner's
// ScriptActorConfig.
type run struct {
	ctx        context.Context
	opts       Options
	suite      uint32 // changes when a reinit changes the suite
	assignment *Assignment
	step       *Step

	stateID       map[string]uint32
	transactionID map[string]uint32
	signerID      map[string]uint32
	// msgs holds each step's outputs by the official runner's keys
	// ("key_package", "proposal", "commit", "welcome", ...).
	msgs []map[string][]byte

	// Epoch tracking for the checks: each step that moves members to a new
	// epoch (or a new group) draws a number, and epochOf says which one each
	// actor's state is at. latest is the epoch actors were last moved to;
	// moved says whether the current step moved any.
	epochs            int
	latest            int
	moved             bool
	epochOf           map[string]int
	pending           map[string]int // epoch an actor's own pending commit leads to
	commitEpoch       map[int]int    // epoch the commit of step i leads to
	protectedAtLatest bool

	// issued lists every handle a client returned, to Free at the end.
	issued []handle

	result *Result
}

type handle struct {
	actor string
	id    uint32
}

// errorWithRPC carries the RPC and actor of a failed call up to wrap.
type errorWithRPC struct {
	actor, rpc string
	err        error
}

func (e *errorWithRPC) Error() string { return e.rpc + " by " + e.actor + ": " + e.err.Error() }

// wrap turns an error of a step into a *StepError.
func (r *run) wrap(err error) error {
	se := &StepError{Step: -1, Err: err}
	if r.step != nil {
		se.Step, se.Action = r.step.Index, r.step.Action
	}
	var ce *errorWithRPC
	if errors.As(err, &ce) {
		se.RPC, se.Actor, se.Err = ce.rpc, ce.actor, ce.err
	}
	return se
}

// client returns the actor's client, or an error if the config names an
// actor that Actors did not find (the official runner would crash).
func (r *run) client(actor string) (*Client, error) {
	c, ok := r.assignment.Clients[actor]
	if !ok {
		return nil, fmt.Errorf("actor %q has no client: it is not among the script's actors", actor)
	}
	return c, nil
}

// call makes one RPC for actor with the run's timeout and records it.
func call[Resp any](r *run, actor, rpc string, f func(context.Context, *Client) (Resp, error)) (Resp, error) {
	var zero Resp
	c, err := r.client(actor)
	if err != nil {
		return zero, err
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.Timeout)
	defer cancel()
	resp, err := f(ctx, c)
	r.result.Transcript = append(r.result.Transcript, Call{Actor: actor, RPC: rpc, Err: err})
	if err != nil {
		return zero, &errorWithRPC{actor: actor, rpc: rpc, err: err}
	}
	return resp, nil
}

// store and get keep step outputs like the official runner's message
// cache.
func (r *run) store(index int, key string, b []byte) {
	r.msgs[index][key] = bytes.Clone(b)
}

func (r *run) get(index int, key string) ([]byte, error) {
	if index < 0 || index >= len(r.msgs) {
		return nil, fmt.Errorf("no step %d", index)
	}
	b, ok := r.msgs[index][key]
	if !ok {
		return nil, fmt.Errorf("no %s at step %d", key, index)
	}
	return b, nil
}

// newEpoch draws an epoch number and moves actors to it.
func (r *run) newEpoch(actors ...string) int {
	r.epochs++
	r.moveTo(r.epochs, actors...)
	return r.epochs
}

// moveTo records that actors are at epoch e.
func (r *run) moveTo(e int, actors ...string) {
	for _, a := range actors {
		r.epochOf[a] = e
		delete(r.pending, a)
	}
	if len(actors) > 0 {
		r.latest = e
		r.moved = true
		r.protectedAtLatest = false
	}
}

// issue remembers a handle to Free when the run ends.
func (r *run) issue(actor string, id uint32) {
	r.issued = append(r.issued, handle{actor, id})
}

// free releases every handle the run was given. It is cleanup, not a
// check: an implementation may refuse to Free a handle it already
// replaced, or one of a kind it frees otherwise.
func (r *run) free() {
	done := map[*Client]map[uint32]bool{}
	for _, h := range r.issued {
		c := r.assignment.Clients[h.actor]
		if done[c] == nil {
			done[c] = map[uint32]bool{}
		}
		if done[c][h.id] {
			continue
		}
		done[c][h.id] = true
		ctx, cancel := context.WithTimeout(context.Background(), r.opts.Timeout)
		_, err := c.RPC.Free(ctx, freeRequest(h.id))
		cancel()
		r.result.Transcript = append(r.result.Transcript, Call{Actor: h.actor, RPC: "Free", Err: err})
	}
}

// randomBytes draws n bytes for group IDs and external PSKs, as the
// official runner does (it uses math/rand for PSKs; these are test values
// either way).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// newGroupID returns a fresh group ID: the official runner uses a UUID
// string; any unique bytes do.
func newGroupID() []byte {
	return []byte(hex.EncodeToString(randomBytes(16)))
}
