package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// Reinitialization and branching (RFC 9420 §11.2, §11.3): a new group
// linked to the old one by a resumption PSK of usage reinit or branch.
//
// A merged ReInit commit ends the group: its state_id is of no further use,
// and the group moves to a reinit_id that also holds the member's
// KeyPackage for the new group. The welcomer creates the new group from
// its reinit_id (ReInitWelcome); the others join it from theirs
// (HandleReInitWelcome).

// ReInitCommit commits a ReInit proposal (by reference), like Commit.
func (s *Server) ReInitCommit(_ context.Context, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	return s.commit("ReInitCommit", req)
}

// HandlePendingReInitCommit merges the committer's pending ReInit commit
// and returns a reinit_id with a KeyPackage for the new group.
func (s *Server) HandlePendingReInitCommit(_ context.Context, req *pb.HandlePendingCommitRequest) (*pb.HandleReInitCommitResponse, error) {
	const rpc = "HandlePendingReInitCommit"
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	if err := e.group.MergePendingCommit(); err != nil {
		return nil, mlsErr(rpc, err)
	}
	return s.reinit(rpc, e)
}

// HandleReInitCommit processes another member's ReInit commit (and the
// proposals it refers to) and returns a reinit_id with a KeyPackage for
// the new group.
func (s *Server) HandleReInitCommit(_ context.Context, req *pb.HandleCommitRequest) (*pb.HandleReInitCommitResponse, error) {
	const rpc = "HandleReInitCommit"
	e, err := s.handleCommit(rpc, req, true)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	return s.reinit(rpc, e)
}

// reinit moves the group of state e, ended by a ReInit commit, to a new
// reinit_id with a KeyPackage for the new group: the member's credential,
// the ReInit's cipher suite and a fresh signature key. The caller holds
// e.mu.
func (s *Server) reinit(rpc string, e *entry) (*pb.HandleReInitCommitResponse, error) {
	g := e.group
	r := g.PendingReInit()
	if r == nil {
		return nil, failedPrecondition(rpc, "the commit carried no ReInit proposal: the state moved to epoch %d and goes on", g.Epoch())
	}
	cred, ok := ownCredential(g)
	if !ok {
		return nil, failedPrecondition(rpc, "the member has no leaf in the group")
	}
	kp, keys, err := newKeyPackage(r.CipherSuite, cred)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	msg, err := marshalKeyPackage(kp)
	if err != nil {
		return nil, internalErr(rpc, err)
	}
	id, err := s.store.add(&entry{kind: kindReInit, group: g, encrypt: e.encrypt, kp: kp, keys: keys})
	if err != nil {
		return nil, err
	}
	e.group, e.reinitTo = nil, id
	return &pb.HandleReInitCommitResponse{ReinitId: id, KeyPackage: msg, EpochAuthenticator: g.EpochAuthenticator()}, nil
}

// ReInitWelcome creates the reinitialized group from reinit_id with the
// members of key_package (RFC 9420 §11.2) and returns its Welcome. Its
// first commit has a path only with force_path (§12.4); with external_tree
// the Welcome's GroupInfo leaves the ratchet tree out and ratchet_tree
// carries it (§12.4.3.3).
func (s *Server) ReInitWelcome(_ context.Context, req *pb.ReInitWelcomeRequest) (*pb.CreateSubgroupResponse, error) {
	const rpc = "ReInitWelcome"
	kps, err := keyPackageListArg(rpc, "key_package", req.KeyPackage)
	if err != nil {
		return nil, err
	}
	e, err := s.store.acquireKeys(rpc, "reinit_id", req.ReinitId, kindReInit)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	opts := &mls.ResumeOptions{GroupOptions: groupOptions(e.encrypt), ForcePath: req.ForcePath, ExternalTree: req.ExternalTree}
	g, res, err := e.group.ReInitGroup(e.keys.SigningKey(), kps, opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	resp, err := s.subgroup(rpc, g, res, e.encrypt, req.ExternalTree)
	if err != nil {
		return nil, err
	}
	e.used, e.kp, e.keys = true, nil, nil
	return resp, nil
}

// HandleReInitWelcome joins the reinitialized group from its Welcome with
// the KeyPackage of reinit_id, checking it against the old group.
func (s *Server) HandleReInitWelcome(_ context.Context, req *pb.HandleReInitWelcomeRequest) (*pb.JoinGroupResponse, error) {
	const rpc = "HandleReInitWelcome"
	welcome, err := welcomeArg(rpc, req.Welcome)
	if err != nil {
		return nil, err
	}
	e, err := s.store.acquireKeys(rpc, "reinit_id", req.ReinitId, kindReInit)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	opts := &mls.JoinOptions{GroupOptions: groupOptions(e.encrypt), RatchetTree: optional(req.RatchetTree), OldGroup: e.group}
	g, err := mls.JoinFromWelcome(welcome, e.kp, e.keys, opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	return s.joined(e, g, e.encrypt)
}

// CreateBranch creates a subgroup of the state's group (RFC 9420 §11.3)
// with group_id, extensions and the members of key_packages, and returns
// its Welcome. The state stays in the old group. force_path and
// external_tree are honoured as in ReInitWelcome.
func (s *Server) CreateBranch(_ context.Context, req *pb.CreateBranchRequest) (*pb.CreateSubgroupResponse, error) {
	const rpc = "CreateBranch"
	if err := nonEmpty(rpc, "group_id", req.GroupId); err != nil {
		return nil, err
	}
	exts, err := extensionsArg(rpc, "extensions", req.Extensions)
	if err != nil {
		return nil, err
	}
	kps, err := keyPackageListArg(rpc, "key_packages", req.KeyPackages)
	if err != nil {
		return nil, err
	}
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	opts := &mls.ResumeOptions{GroupOptions: groupOptions(e.encrypt), ForcePath: req.ForcePath, ExternalTree: req.ExternalTree}
	opts.Extensions = exts
	g, res, err := e.group.Branch(req.GroupId, kps, opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	return s.subgroup(rpc, g, res, e.encrypt, req.ExternalTree)
}

// subgroup files a new group made by ReInitWelcome or CreateBranch and
// answers with its Welcome, and with its ratchet tree if externalTree.
func (s *Server) subgroup(rpc string, g *mls.Group, res *mls.CommitResult, encrypt, externalTree bool) (*pb.CreateSubgroupResponse, error) {
	msg, err := marshalWelcome(res.Welcome)
	if err != nil {
		return nil, internalErr(rpc, err)
	}
	resp := &pb.CreateSubgroupResponse{Welcome: msg, EpochAuthenticator: g.EpochAuthenticator()}
	if externalTree {
		resp.RatchetTree = res.RatchetTree
	}
	if resp.StateId, err = s.store.add(&entry{kind: kindGroup, group: g, encrypt: encrypt}); err != nil {
		return nil, err
	}
	return resp, nil
}

// HandleBranch joins a branch of the state's group from its Welcome with
// the KeyPackage of transaction_id, checking it against the old group.
// The state stays in the old group; the branch gets a new state_id.
func (s *Server) HandleBranch(_ context.Context, req *pb.HandleBranchRequest) (*pb.HandleBranchResponse, error) {
	const rpc = "HandleBranch"
	welcome, err := welcomeArg(rpc, req.Welcome)
	if err != nil {
		return nil, err
	}
	// Lock order: the group state, then the pending join. No other RPC
	// holds two entries, and the two have different kinds.
	old, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer old.mu.Unlock()
	e, err := s.store.acquireKeys(rpc, "transaction_id", req.TransactionId, kindJoiner)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	opts := &mls.JoinOptions{GroupOptions: groupOptions(old.encrypt), RatchetTree: optional(req.RatchetTree), PSKs: e.externalPSKs(), OldGroup: old.group}
	g, err := mls.JoinFromWelcome(welcome, e.kp, e.keys, opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	resp, err := s.joined(e, g, old.encrypt)
	if err != nil {
		return nil, err
	}
	return &pb.HandleBranchResponse{StateId: resp.StateId, EpochAuthenticator: resp.EpochAuthenticator}, nil
}
