package client

import (
	"context"

	"google.golang.org/grpc/status"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// Proposals a member sends (RFC 9420 §12.1); each returns the proposal as
// an MLSMessage, a PublicMessage or, when the state encrypts its handshake,
// a PrivateMessage, and caches it for the member's next commit.

// propose runs op on the group of state_id and answers with the
// proposal it returns. An error of op that is not a gRPC status yet is
// one of package mls.
func (s *Server) propose(rpc string, stateID uint32, op func(*mls.Group) ([]byte, error)) (*pb.ProposalResponse, error) {
	e, err := s.store.acquireGroup(rpc, "state_id", stateID)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	msg, err := op(e.group)
	if err != nil {
		if _, ok := status.FromError(err); !ok {
			err = mlsErr(rpc, err)
		}
		return nil, err
	}
	return &pb.ProposalResponse{Proposal: msg}, nil
}

// AddProposal proposes adding the client of key_package (§12.1.1).
func (s *Server) AddProposal(_ context.Context, req *pb.AddProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "AddProposal"
	kp, err := keyPackageArg(rpc, "key_package", req.KeyPackage)
	if err != nil {
		return nil, err
	}
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		return g.ProposeAdd(kp)
	})
}

// UpdateProposal proposes a fresh leaf for the sender (§12.1.2).
func (s *Server) UpdateProposal(_ context.Context, req *pb.UpdateProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "UpdateProposal"
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		return g.ProposeUpdate()
	})
}

// RemoveProposal proposes removing the member whose basic credential's
// identity is removed_id (§12.1.3).
func (s *Server) RemoveProposal(_ context.Context, req *pb.RemoveProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "RemoveProposal"
	if err := nonEmpty(rpc, "removed_id", req.RemovedId); err != nil {
		return nil, err
	}
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		leaf, ok := g.MemberByIdentity(req.RemovedId)
		if !ok {
			return nil, invalidArg(rpc, "removed_id", "no member has the identity %q", req.RemovedId)
		}
		return g.ProposeRemove(leaf)
	})
}

// ExternalPSKProposal proposes injecting the external PSK psk_id, stored
// before with StorePSK (§12.1.4).
func (s *Server) ExternalPSKProposal(_ context.Context, req *pb.ExternalPSKProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "ExternalPSKProposal"
	if err := nonEmpty(rpc, "psk_id", req.PskId); err != nil {
		return nil, err
	}
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		return g.ProposeExternalPSK(req.PskId)
	})
}

// ResumptionPSKProposal proposes injecting the resumption PSK of the
// group's epoch epoch_id (§12.1.4, usage application).
func (s *Server) ResumptionPSKProposal(_ context.Context, req *pb.ResumptionPSKProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "ResumptionPSKProposal"
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		return g.ProposeResumptionPSK(req.EpochId)
	})
}

// GroupContextExtensionsProposal proposes replacing the group context's
// extensions (§12.1.7).
func (s *Server) GroupContextExtensionsProposal(_ context.Context, req *pb.GroupContextExtensionsProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "GroupContextExtensionsProposal"
	exts, err := extensionsArg(rpc, "extensions", req.Extensions)
	if err != nil {
		return nil, err
	}
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		return g.ProposeGroupContextExtensions(exts)
	})
}

// ReInitProposal proposes reinitializing the group with group_id,
// cipher_suite and extensions (§12.1.5).
func (s *Server) ReInitProposal(_ context.Context, req *pb.ReInitProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "ReInitProposal"
	if err := nonEmpty(rpc, "group_id", req.GroupId); err != nil {
		return nil, err
	}
	suite, err := cipherSuiteArg(rpc, "cipher_suite", req.CipherSuite)
	if err != nil {
		return nil, err
	}
	exts, err := extensionsArg(rpc, "extensions", req.Extensions)
	if err != nil {
		return nil, err
	}
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		return g.ProposeReInit(req.GroupId, suite, exts)
	})
}

// proposalTarget is the group a described proposal is for, as its author
// sees it: a member (Commit's by_value) or an external signer
// (ExternalSignerProposal).
type proposalTarget struct {
	groupID []byte
	// leafOf finds the leaf of the member a Remove names by identity.
	leafOf func(identity []byte) (mls.LeafIndex, bool)
}

// proposal makes the mls.Proposal a ProposalDescription describes. field
// names the description, for errors.
func (t *proposalTarget) proposal(rpc, field string, d *proposalDesc) (mls.Proposal, error) {
	switch d.kind {
	case proposalAdd:
		return &mls.AddProposal{KeyPackage: *d.keyPackage}, nil
	case proposalRemove:
		leaf, ok := t.leafOf(d.removed)
		if !ok {
			return nil, invalidArg(rpc, field+".removed_id", "no member has the identity %q", d.removed)
		}
		return &mls.RemoveProposal{Removed: leaf}, nil
	case proposalExternalPSK:
		return &mls.PreSharedKeyProposal{PSK: mls.PreSharedKeyID{Type: mls.PSKTypeExternal, ID: d.pskID}}, nil
	case proposalResumptionPSK:
		return &mls.PreSharedKeyProposal{PSK: mls.PreSharedKeyID{Type: mls.PSKTypeResumption, Usage: mls.ResumptionPSKUsageApplication, GroupID: t.groupID, Epoch: d.epoch}}, nil
	case proposalGroupContextExtensions:
		return &mls.GroupContextExtensionsProposal{Extensions: d.extensions}, nil
	case proposalReInit:
		return &mls.ReInitProposal{GroupID: d.groupID, Version: mls.ProtocolVersionMLS10, CipherSuite: d.suite, Extensions: d.extensions}, nil
	}
	return nil, invalidArg(rpc, field+".proposal_type", "%q is not supported", d.kind)
}

// memberTarget is the group of a member.
func memberTarget(g *mls.Group) *proposalTarget {
	return &proposalTarget{groupID: g.GroupID(), leafOf: g.MemberByIdentity}
}
