package runner

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// reinit runs the official runner's reinit action: the proposer (or an
// earlier external proposal) proposes, the committer commits and merges,
// everyone else handles the commit, the welcomer creates the new group
// from everyone else's new KeyPackages, and they join it.
func (r *run) reinit(p *reinitParams) error {
	notCommitter := map[string]bool{p.Welcomer: true}
	notWelcomer := map[string]bool{p.Committer: true}
	for _, m := range p.Members {
		notCommitter[m], notWelcomer[m] = true, true
	}
	if p.Proposer != "" {
		notCommitter[p.Proposer], notWelcomer[p.Proposer] = true, true
	}
	delete(notCommitter, p.Committer)
	delete(notWelcomer, p.Welcomer)

	newGroupID, err := r.reinitGroupID(p.ChangeGroupID)
	if err != nil {
		return err
	}
	if p.ChangeCipherSuite {
		if err := r.changeCipherSuite(); err != nil {
			return err
		}
	}

	var proposal []byte
	if p.Proposer != "" {
		resp, err := call(r, p.Proposer, "ReInitProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
			return c.RPC.ReInitProposal(ctx, &pb.ReInitProposalRequest{StateId: r.stateID[p.Proposer], CipherSuite: r.suite, GroupId: newGroupID, Extensions: extensionsProto(p.Extensions)})
		})
		if err != nil {
			return err
		}
		proposal = resp.Proposal
	} else if proposal, err = r.get(p.ExternalReinitProposal, "proposal"); err != nil {
		return err
	}

	// The committer commits the proposal by reference and merges.
	reinitIDs := map[string]uint32{}
	keyPackages := map[string][]byte{}
	commit, err := call(r, p.Committer, "ReInitCommit", func(ctx context.Context, c *Client) (*pb.CommitResponse, error) {
		return c.RPC.ReInitCommit(ctx, &pb.CommitRequest{StateId: r.stateID[p.Committer], ByReference: [][]byte{proposal}})
	})
	if err != nil {
		return err
	}
	merged, err := call(r, p.Committer, "HandlePendingReInitCommit", func(ctx context.Context, c *Client) (*pb.HandleReInitCommitResponse, error) {
		return c.RPC.HandlePendingReInitCommit(ctx, &pb.HandlePendingCommitRequest{StateId: r.stateID[p.Committer]})
	})
	if err != nil {
		return err
	}
	r.issue(p.Committer, merged.ReinitId)
	reinitIDs[p.Committer], keyPackages[p.Committer] = merged.ReinitId, merged.KeyPackage
	auth := merged.EpochAuthenticator

	for _, m := range sortedKeys(notCommitter) {
		resp, err := call(r, m, "HandleReInitCommit", func(ctx context.Context, c *Client) (*pb.HandleReInitCommitResponse, error) {
			return c.RPC.HandleReInitCommit(ctx, &pb.HandleCommitRequest{StateId: r.stateID[m], Proposal: [][]byte{proposal}, Commit: commit.Commit})
		})
		if err != nil {
			return err
		}
		if !bytes.Equal(resp.EpochAuthenticator, auth) {
			return fmt.Errorf("member [%s] failed to agree on epoch authenticator", m)
		}
		r.issue(m, resp.ReinitId)
		reinitIDs[m], keyPackages[m] = resp.ReinitId, resp.KeyPackage
	}

	// The welcomer creates the new group; the others join it.
	var kps [][]byte
	for _, m := range sortedKeys(notWelcomer) {
		kps = append(kps, keyPackages[m])
	}
	welcome, err := call(r, p.Welcomer, "ReInitWelcome", func(ctx context.Context, c *Client) (*pb.CreateSubgroupResponse, error) {
		return c.RPC.ReInitWelcome(ctx, &pb.ReInitWelcomeRequest{ReinitId: reinitIDs[p.Welcomer], KeyPackage: kps, ForcePath: p.ForcePath, ExternalTree: p.ExternalTree})
	})
	if err != nil {
		return err
	}
	r.setState(p.Welcomer, welcome.StateId)
	var tree []byte
	if p.ExternalTree {
		tree = welcome.RatchetTree
	}
	for _, m := range sortedKeys(notWelcomer) {
		resp, err := call(r, m, "HandleReInitWelcome", func(ctx context.Context, c *Client) (*pb.JoinGroupResponse, error) {
			return c.RPC.HandleReInitWelcome(ctx, &pb.HandleReInitWelcomeRequest{ReinitId: reinitIDs[m], Welcome: welcome.Welcome, RatchetTree: tree})
		})
		if err != nil {
			return err
		}
		if !bytes.Equal(resp.EpochAuthenticator, welcome.EpochAuthenticator) {
			return fmt.Errorf("member [%s] failed to agree on reinit epoch authenticator", m)
		}
		r.setState(m, resp.StateId)
	}
	r.newEpoch(append(sortedKeys(notWelcomer), p.Welcomer)...)
	return nil
}

// branch runs the official runner's branch action: the members make fresh
// KeyPackages, the actor creates a branch of the group with them, and they
// join it.
func (r *run) branch(s *Step, p *branchParams) error {
	txIDs := map[string]uint32{}
	var kps [][]byte
	for _, m := range p.Members {
		kp, err := r.keyPackage(m)
		if err != nil {
			return err
		}
		txIDs[m] = kp.TransactionId
		kps = append(kps, kp.KeyPackage)
	}
	resp, err := call(r, s.Actor, "CreateBranch", func(ctx context.Context, c *Client) (*pb.CreateSubgroupResponse, error) {
		return c.RPC.CreateBranch(ctx, &pb.CreateBranchRequest{StateId: r.stateID[s.Actor], GroupId: newGroupID(), Extensions: extensionsProto(p.Extensions),
			KeyPackages: kps, ForcePath: p.ForcePath, ExternalTree: p.ExternalTree})
	})
	if err != nil {
		return err
	}
	var tree []byte
	if p.ExternalTree {
		tree = resp.RatchetTree
	}
	r.setState(s.Actor, resp.StateId)
	for _, m := range p.Members {
		joined, err := call(r, m, "HandleBranch", func(ctx context.Context, c *Client) (*pb.HandleBranchResponse, error) {
			return c.RPC.HandleBranch(ctx, &pb.HandleBranchRequest{StateId: r.stateID[m], TransactionId: txIDs[m], Welcome: resp.Welcome, RatchetTree: tree})
		})
		if err != nil {
			return err
		}
		if !bytes.Equal(joined.EpochAuthenticator, resp.EpochAuthenticator) {
			return fmt.Errorf("member [%s] failed to agree on epoch authenticator", m)
		}
		r.setState(m, joined.StateId)
	}
	r.newEpoch(append([]string{s.Actor}, p.Members...)...)
	return nil
}

// reinitGroupID is the group ID a reinit asks for: the script's group ID
// (created at step 0), with "++" appended when it is to change.
func (r *run) reinitGroupID(change bool) ([]byte, error) {
	id, err := r.get(0, "group_id")
	if err != nil {
		return nil, err
	}
	if change {
		id = append(slices.Clone(id), "++"...)
	}
	return id, nil
}

// changeCipherSuite moves the run to another suite all its clients support.
// The official runner takes any such suite (Go map order); this takes the
// smallest, so that a run can be repeated.
func (r *run) changeCipherSuite() error {
	var common []uint32
	for i, actor := range sortedKeys(r.assignment.Clients) {
		c := r.assignment.Clients[actor]
		if i == 0 {
			for s := range c.suites {
				common = append(common, s)
			}
			continue
		}
		common = slices.DeleteFunc(common, func(s uint32) bool { return !c.Supports(s) })
	}
	common = slices.DeleteFunc(common, func(s uint32) bool { return s == r.suite })
	if len(common) == 0 {
		return fmt.Errorf("no remaining supported ciphersuite")
	}
	r.suite = slices.Min(common)
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
