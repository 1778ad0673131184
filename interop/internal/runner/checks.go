package runner

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// checkLabel starts the authenticated data of the messages check protects,
// so that they cannot be mistaken for a script's own.
const checkLabel = "sealroom interop check"

// check verifies the members at the newest epoch, the actors whose last
// join or commit moved them there: their StateAuth must be the same and
// not empty, and, when protect is set, each of them (but one with a commit
// of its own pending) protects a message that each other one unprotects.
// Actors left behind on purpose (removed, or not told about a commit) are
// not compared.
func (r *run) check(protect bool) error {
	var current []string
	for _, actor := range sortedKeys(r.epochOf) {
		if r.epochOf[actor] == r.latest {
			current = append(current, actor)
		}
	}
	if len(current) == 0 {
		return nil
	}
	auths := make([][]byte, len(current))
	for i, actor := range current {
		resp, err := call(r, actor, "StateAuth", func(ctx context.Context, c *Client) (*pb.StateAuthResponse, error) {
			return c.RPC.StateAuth(ctx, &pb.StateAuthRequest{StateId: r.stateID[actor]})
		})
		if err != nil {
			return err
		}
		auths[i] = resp.StateAuthSecret
		r.result.Checks.StateAuth++
	}
	for i := range auths {
		if len(auths[i]) == 0 || !bytes.Equal(auths[i], auths[0]) {
			return fmt.Errorf("members at the newest epoch do not agree on a StateAuth: %s", describeAuths(current, auths))
		}
	}
	if !protect {
		return nil
	}
	var senders []string
	for _, actor := range current {
		if _, ok := r.pending[actor]; !ok {
			senders = append(senders, actor)
		}
	}
	for _, from := range senders {
		if err := r.crossProtect(from, senders); err != nil {
			return err
		}
	}
	r.protectedAtLatest = true
	return nil
}

// crossProtect has from protect a message and every other actor of to
// unprotect it.
func (r *run) crossProtect(from string, to []string) error {
	stepName := "end"
	if r.step != nil {
		stepName = fmt.Sprint(r.step.Index)
	}
	ad := []byte(checkLabel + " after step " + stepName)
	pt := []byte("from " + from)
	ct, err := call(r, from, "Protect", func(ctx context.Context, c *Client) (*pb.ProtectResponse, error) {
		return c.RPC.Protect(ctx, &pb.ProtectRequest{StateId: r.stateID[from], AuthenticatedData: ad, Plaintext: pt})
	})
	if err != nil {
		return err
	}
	r.result.Checks.Protect++
	for _, actor := range to {
		if actor == from {
			continue
		}
		resp, err := call(r, actor, "Unprotect", func(ctx context.Context, c *Client) (*pb.UnprotectResponse, error) {
			return c.RPC.Unprotect(ctx, &pb.UnprotectRequest{StateId: r.stateID[actor], Ciphertext: ct.Ciphertext})
		})
		if err != nil {
			return err
		}
		if !bytes.Equal(resp.AuthenticatedData, ad) || !bytes.Equal(resp.Plaintext, pt) {
			return fmt.Errorf("%s unprotected %q / %q from %s, which protected %q / %q", actor, resp.AuthenticatedData, resp.Plaintext, from, ad, pt)
		}
		r.result.Checks.Unprotect++
	}
	return nil
}

// describeAuths lists each actor's StateAuth for an error message.
func describeAuths(actors []string, auths [][]byte) string {
	parts := make([]string, len(actors))
	for i, a := range actors {
		parts[i] = fmt.Sprintf("%s=%x", a, auths[i])
	}
	return strings.Join(parts, ", ")
}
