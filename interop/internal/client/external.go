package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// External proposals (RFC 9420 §12.1.8): from a client that wants to join,
// and from an external sender the group lists in its external_senders
// extension.

// NewMemberAddProposal makes a KeyPackage for identity and an Add proposal
// of it signed by the joiner (sender type new_member_proposal) for the group
// of group_info; the KeyPackage's private keys wait under transaction_id.
func (s *Server) NewMemberAddProposal(_ context.Context, req *pb.NewMemberAddProposalRequest) (*pb.NewMemberAddProposalResponse, error) {
	const rpc = "NewMemberAddProposal"
	if _, err := groupInfoArg(rpc, req.GroupInfo); err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "mls.NewKeyPackage, mls.NewMemberAddProposal")
}

// AddExternalSigner proposes adding external_sender (from
// CreateExternalSigner) to the group's external_senders extension: a
// GroupContextExtensions proposal with the current extensions plus it.
func (s *Server) AddExternalSigner(_ context.Context, req *pb.AddExternalSignerRequest) (*pb.ProposalResponse, error) {
	const rpc = "AddExternalSigner"
	if err := nonEmpty(rpc, "external_sender", req.ExternalSender); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.Extensions, Group.ProposeGroupContextExtensions")
}

// ExternalSignerProposal has the external signer signer_id make the
// proposal description describes for the group of group_info, as external
// sender signer_index (sender type external).
func (s *Server) ExternalSignerProposal(_ context.Context, req *pb.ExternalSignerProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "ExternalSignerProposal"
	if _, err := groupInfoArg(rpc, req.GroupInfo); err != nil {
		return nil, err
	}
	if _, err := proposalDescArg(rpc, "description", req.Description, true); err != nil {
		return nil, err
	}
	e, err := s.store.acquire(rpc, "signer_id", req.SignerId, kindSigner)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	return nil, needsGroupAPI(rpc, "mls.ExternalProposal")
}
