package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// Commits (RFC 9420 §12.4): making one, merging one's own pending commit,
// and processing another member's.

// Commit commits the proposals of by_reference (received before, possibly
// from other members) and the proposals by_value describes, with a path
// when force_path is set or a proposal requires one. The committer's state
// keeps the commit pending until HandlePendingCommit. With external_tree
// the Welcome's GroupInfo omits the ratchet tree and ratchet_tree carries
// it.
func (s *Server) Commit(_ context.Context, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	const rpc = "Commit"
	if err := commitArgs(rpc, req); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.Process (proposals), Group.Commit")
}

// HandleCommit processes the proposals and then the commit of another
// member and moves the state to the new epoch.
func (s *Server) HandleCommit(_ context.Context, req *pb.HandleCommitRequest) (*pb.HandleCommitResponse, error) {
	const rpc = "HandleCommit"
	if err := handleCommitArgs(rpc, req); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.Process, Group.EpochAuthenticator")
}

// HandlePendingCommit merges the state's own pending commit.
func (s *Server) HandlePendingCommit(context.Context, *pb.HandlePendingCommitRequest) (*pb.HandleCommitResponse, error) {
	return nil, needsGroupAPI("HandlePendingCommit", "Group.MergePendingCommit, Group.EpochAuthenticator")
}

// commitArgs checks a CommitRequest (Commit and ReInitCommit).
func commitArgs(rpc string, req *pb.CommitRequest) error {
	if _, err := handshakeListArg(rpc, "by_reference", req.ByReference); err != nil {
		return err
	}
	_, err := proposalDescListArg(rpc, "by_value", req.ByValue)
	return err
}

// handleCommitArgs checks a HandleCommitRequest (HandleCommit and
// HandleReInitCommit).
func handleCommitArgs(rpc string, req *pb.HandleCommitRequest) error {
	if _, err := handshakeListArg(rpc, "proposal", req.Proposal); err != nil {
		return err
	}
	_, err := handshakeArg(rpc, "commit", req.Commit)
	return err
}
