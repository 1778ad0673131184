package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// Proposals a member sends (RFC 9420 §12.1); each returns the proposal as
// an MLSMessage, a PublicMessage or, when the state encrypts its handshake,
// a PrivateMessage.

// AddProposal proposes adding the client of key_package (§12.1.1).
func (s *Server) AddProposal(_ context.Context, req *pb.AddProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "AddProposal"
	if _, err := keyPackageArg(rpc, "key_package", req.KeyPackage); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.ProposeAdd")
}

// UpdateProposal proposes a fresh leaf for the sender (§12.1.2).
func (s *Server) UpdateProposal(context.Context, *pb.UpdateProposalRequest) (*pb.ProposalResponse, error) {
	return nil, needsGroupAPI("UpdateProposal", "Group.ProposeUpdate")
}

// RemoveProposal proposes removing the member whose credential identity is
// removed_id (§12.1.3).
func (s *Server) RemoveProposal(_ context.Context, req *pb.RemoveProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "RemoveProposal"
	if err := nonEmpty(rpc, "removed_id", req.RemovedId); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.MemberByIdentity, Group.ProposeRemove")
}

// ExternalPSKProposal proposes injecting the external PSK psk_id, stored
// before with StorePSK (§12.1.4).
func (s *Server) ExternalPSKProposal(_ context.Context, req *pb.ExternalPSKProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "ExternalPSKProposal"
	if err := nonEmpty(rpc, "psk_id", req.PskId); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.ProposeExternalPSK")
}

// ResumptionPSKProposal proposes injecting the resumption PSK of the
// group's epoch epoch_id (§12.1.4, usage application).
func (s *Server) ResumptionPSKProposal(context.Context, *pb.ResumptionPSKProposalRequest) (*pb.ProposalResponse, error) {
	return nil, needsGroupAPI("ResumptionPSKProposal", "Group.ProposeResumptionPSK")
}

// GroupContextExtensionsProposal proposes replacing the group context's
// extensions (§12.1.7).
func (s *Server) GroupContextExtensionsProposal(_ context.Context, req *pb.GroupContextExtensionsProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "GroupContextExtensionsProposal"
	if _, err := extensionsArg(rpc, "extensions", req.Extensions); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.ProposeGroupContextExtensions")
}
