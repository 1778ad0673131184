package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// The ways to become a member: create a group, publish a KeyPackage and
// join from a Welcome, or join with an external commit (RFC 9420 §11,
// §12.4.3).

// CreateGroup creates a one-member group (RFC 9420 §11) with a basic
// credential for identity; encrypt_handshake says whether the state sends
// its proposals and commits as PrivateMessage.
func (s *Server) CreateGroup(_ context.Context, req *pb.CreateGroupRequest) (*pb.CreateGroupResponse, error) {
	const rpc = "CreateGroup"
	if err := nonEmpty(rpc, "group_id", req.GroupId); err != nil {
		return nil, err
	}
	if _, err := cipherSuiteArg(rpc, "cipher_suite", req.CipherSuite); err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "mls.CreateGroup")
}

// CreateKeyPackage makes a KeyPackage (RFC 9420 §10) and keeps its private
// keys under a transaction_id for JoinGroup.
func (s *Server) CreateKeyPackage(_ context.Context, req *pb.CreateKeyPackageRequest) (*pb.CreateKeyPackageResponse, error) {
	const rpc = "CreateKeyPackage"
	if _, err := cipherSuiteArg(rpc, "cipher_suite", req.CipherSuite); err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "mls.NewKeyPackage")
}

// JoinGroup joins from a Welcome (RFC 9420 §12.4.3.1) with the KeyPackage
// of transaction_id, taking the tree from ratchet_tree when the Welcome's
// GroupInfo does not carry it.
func (s *Server) JoinGroup(_ context.Context, req *pb.JoinGroupRequest) (*pb.JoinGroupResponse, error) {
	const rpc = "JoinGroup"
	if _, err := welcomeArg(rpc, req.Welcome); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "mls.JoinFromWelcome")
}

// ExternalJoin joins with an external commit (RFC 9420 §12.4.3.2) built
// from group_info (and ratchet_tree when the GroupInfo does not carry the
// tree), optionally removing the joiner's prior leaf and injecting psks.
func (s *Server) ExternalJoin(_ context.Context, req *pb.ExternalJoinRequest) (*pb.ExternalJoinResponse, error) {
	const rpc = "ExternalJoin"
	if _, err := groupInfoArg(rpc, req.GroupInfo); err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	psks, err := pskListArg(rpc, req.Psks)
	if err != nil {
		return nil, err
	}
	for _, p := range psks {
		p.zero()
	}
	return nil, needsGroupAPI(rpc, "mls.JoinExternal")
}
