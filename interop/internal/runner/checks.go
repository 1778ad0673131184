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
// of its own pending) protects a message that the next of them, in sorted
// order, unprotects: a ring in which every such member sends and receives
// once. Agreement on the epoch's secrets is what the StateAuth comparison
// shows; the ring shows that each member's sender ratchet and signature
// reach another member, at n instead of n×(n-1) signature verifications
// per epoch (the P-521 suite spends most of its time verifying).
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
	if len(senders) > 1 {
		for i, from := range senders {
			if err := r.crossProtect(from, senders[(i+1)%len(senders)]); err != nil {
				return err
			}
		}
	}
	r.protectedAtLatest = true
	return nil
}

// crossProtect has from protect a message and to unprotect it.
func (r *run) crossProtect(from, to string) error {
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
	resp, err := call(r, to, "Unprotect", func(ctx context.Context, c *Client) (*pb.UnprotectResponse, error) {
		return c.RPC.Unprotect(ctx, &pb.UnprotectRequest{StateId: r.stateID[to], Ciphertext: ct.Ciphertext})
	})
	if err != nil {
		return err
	}
	if !bytes.Equal(resp.AuthenticatedData, ad) || !bytes.Equal(resp.Plaintext, pt) {
		return fmt.Errorf("%s unprotected %q / %q from %s, which protected %q / %q", to, resp.AuthenticatedData, resp.Plaintext, from, ad, pt)
	}
	r.result.Checks.Unprotect++
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
