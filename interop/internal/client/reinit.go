package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// Reinitialization and branching (RFC 9420 §11.2, §11.3): a new group
// linked to the old one by a resumption PSK of usage reinit or branch.

// ReInitProposal proposes reinitializing the group with group_id,
// cipher_suite and extensions (§12.1.5).
func (s *Server) ReInitProposal(_ context.Context, req *pb.ReInitProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "ReInitProposal"
	if err := nonEmpty(rpc, "group_id", req.GroupId); err != nil {
		return nil, err
	}
	if _, err := cipherSuiteArg(rpc, "cipher_suite", req.CipherSuite); err != nil {
		return nil, err
	}
	if _, err := extensionsArg(rpc, "extensions", req.Extensions); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.ProposeReInit")
}

// ReInitCommit commits a ReInit proposal (by reference), like Commit.
func (s *Server) ReInitCommit(_ context.Context, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	const rpc = "ReInitCommit"
	if err := commitArgs(rpc, req); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.Process (proposals), Group.Commit")
}

// HandlePendingReInitCommit merges the committer's pending ReInit commit
// and returns a reinit_id and a KeyPackage for the new group's suite.
func (s *Server) HandlePendingReInitCommit(context.Context, *pb.HandlePendingCommitRequest) (*pb.HandleReInitCommitResponse, error) {
	return nil, needsGroupAPI("HandlePendingReInitCommit", "Group.MergePendingCommit, Group.PendingReInit, mls.NewKeyPackage")
}

// HandleReInitCommit processes another member's ReInit commit and returns
// a reinit_id and a KeyPackage for the new group's suite.
func (s *Server) HandleReInitCommit(_ context.Context, req *pb.HandleCommitRequest) (*pb.HandleReInitCommitResponse, error) {
	const rpc = "HandleReInitCommit"
	if err := handleCommitArgs(rpc, req); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.Process, Group.PendingReInit, mls.NewKeyPackage")
}

// ReInitWelcome creates the reinitialized group from reinit_id with the
// members of key_package and returns its Welcome.
func (s *Server) ReInitWelcome(_ context.Context, req *pb.ReInitWelcomeRequest) (*pb.CreateSubgroupResponse, error) {
	const rpc = "ReInitWelcome"
	for i, kp := range req.KeyPackage {
		if _, err := keyPackageArg(rpc, indexed("key_package", i), kp); err != nil {
			return nil, err
		}
	}
	return nil, needsGroupAPI(rpc, "Group.ReInitGroup")
}

// HandleReInitWelcome joins the reinitialized group from its Welcome with
// the KeyPackage of reinit_id.
func (s *Server) HandleReInitWelcome(_ context.Context, req *pb.HandleReInitWelcomeRequest) (*pb.JoinGroupResponse, error) {
	const rpc = "HandleReInitWelcome"
	if _, err := welcomeArg(rpc, req.Welcome); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "mls.JoinFromWelcome (with the reinit PSK of the old group)")
}

// CreateBranch creates a subgroup of the state's group with the members of
// key_packages (§11.3) and returns its Welcome.
func (s *Server) CreateBranch(_ context.Context, req *pb.CreateBranchRequest) (*pb.CreateSubgroupResponse, error) {
	const rpc = "CreateBranch"
	if err := nonEmpty(rpc, "group_id", req.GroupId); err != nil {
		return nil, err
	}
	if _, err := extensionsArg(rpc, "extensions", req.Extensions); err != nil {
		return nil, err
	}
	for i, kp := range req.KeyPackages {
		if _, err := keyPackageArg(rpc, indexed("key_packages", i), kp); err != nil {
			return nil, err
		}
	}
	return nil, needsGroupAPI(rpc, "Group.Branch")
}

// HandleBranch joins a branch of the state's group from its Welcome with
// the KeyPackage of transaction_id.
func (s *Server) HandleBranch(_ context.Context, req *pb.HandleBranchRequest) (*pb.HandleBranchResponse, error) {
	const rpc = "HandleBranch"
	if _, err := welcomeArg(rpc, req.Welcome); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "mls.JoinFromWelcome (with the branch PSK of the old group)")
}
