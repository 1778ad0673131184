package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// Commits (RFC 9420 §12.4): making one, merging one's own pending commit,
// and processing another member's.

// Commit processes the proposals of by_reference (received from other
// members, or the member's own) and commits every proposal cached in the
// epoch by reference plus those by_value describes, with a path when
// force_path is set or a proposal requires one. The commit stays pending
// until HandlePendingCommit. With external_tree the Welcome's GroupInfo
// omits the ratchet tree and ratchet_tree carries it.
func (s *Server) Commit(_ context.Context, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	return s.commit("Commit", req)
}

func (s *Server) commit(rpc string, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	if _, err := handshakeListArg(rpc, "by_reference", req.ByReference); err != nil {
		return nil, err
	}
	descs, err := proposalDescListArg(rpc, "by_value", req.ByValue)
	if err != nil {
		return nil, err
	}
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	g := e.group
	if err := processProposals(rpc, "by_reference", g, req.ByReference); err != nil {
		return nil, err
	}
	target := memberTarget(g)
	opts := &mls.CommitOptions{ForcePath: req.ForcePath, ExternalTree: req.ExternalTree}
	for i, d := range descs {
		p, err := target.proposal(rpc, indexed("by_value", i), d)
		if err != nil {
			return nil, err
		}
		opts.ByValue = append(opts.ByValue, p)
	}
	res, err := g.Commit(opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	resp := &pb.CommitResponse{Commit: res.Commit}
	if resp.Welcome, err = marshalWelcome(res.Welcome); err != nil {
		g.ClearPendingCommit()
		return nil, internalErr(rpc, err)
	}
	if req.ExternalTree {
		resp.RatchetTree = res.RatchetTree
	}
	return resp, nil
}

// processProposals has g process the proposals of a by_reference or
// proposal field; each must be a proposal of the current epoch.
func processProposals(rpc, field string, g *mls.Group, proposals [][]byte) error {
	for i, msg := range proposals {
		pm, err := g.Process(msg)
		if err != nil {
			return mlsErr(rpc, err)
		}
		if pm.ContentType != mls.ContentTypeProposal {
			return invalidArg(rpc, indexed(field, i), "carries a %v, not a proposal", pm.ContentType)
		}
	}
	return nil
}

// HandleCommit processes the proposals and then the commit of another
// member (or the state's own pending commit) and moves the state to the
// new epoch. The state keeps its state_id. A commit with a ReInit proposal
// ends the group (RFC 9420 §11.2); HandleReInitCommit is the RPC that
// continues to the new group.
func (s *Server) HandleCommit(_ context.Context, req *pb.HandleCommitRequest) (*pb.HandleCommitResponse, error) {
	const rpc = "HandleCommit"
	e, err := s.handleCommit(rpc, req, false)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	return &pb.HandleCommitResponse{StateId: req.StateId, EpochAuthenticator: e.group.EpochAuthenticator()}, nil
}

// handleCommit processes and merges the commit of req, which must carry a
// ReInit proposal if reinit is set, and returns the state's entry locked.
func (s *Server) handleCommit(rpc string, req *pb.HandleCommitRequest, reinit bool) (*entry, error) {
	if _, err := handshakeListArg(rpc, "proposal", req.Proposal); err != nil {
		return nil, err
	}
	if _, err := handshakeArg(rpc, "commit", req.Commit); err != nil {
		return nil, err
	}
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	if err := mergeCommit(rpc, e.group, req, reinit); err != nil {
		e.mu.Unlock()
		return nil, err
	}
	return e, nil
}

func mergeCommit(rpc string, g *mls.Group, req *pb.HandleCommitRequest, reinit bool) error {
	if err := processProposals(rpc, "proposal", g, req.Proposal); err != nil {
		return err
	}
	pm, err := g.Process(req.Commit)
	if err != nil {
		return mlsErr(rpc, err)
	}
	if pm.ContentType != mls.ContentTypeCommit {
		return invalidArg(rpc, "commit", "carries a %v, not a commit", pm.ContentType)
	}
	if reinit && pm.Commit.ReInit() == nil {
		return invalidArg(rpc, "commit", "the commit carries no ReInit proposal (use HandleCommit)")
	}
	if err := g.Merge(pm.Commit); err != nil {
		return mlsErr(rpc, err)
	}
	return nil
}

// HandlePendingCommit merges the state's own pending commit. The state
// keeps its state_id. As with HandleCommit, a ReInit commit merged here
// ends the group; HandlePendingReInitCommit continues to the new one.
func (s *Server) HandlePendingCommit(_ context.Context, req *pb.HandlePendingCommitRequest) (*pb.HandleCommitResponse, error) {
	const rpc = "HandlePendingCommit"
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	if err := e.group.MergePendingCommit(); err != nil {
		return nil, mlsErr(rpc, err)
	}
	return &pb.HandleCommitResponse{StateId: req.StateId, EpochAuthenticator: e.group.EpochAuthenticator()}, nil
}
