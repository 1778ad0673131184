package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// Operations that read a group state or protect application messages with
// it.

// GroupInfo returns a signed GroupInfo (RFC 9420 §12.4.3) with the
// external_pub extension, for external joins and external proposals; with
// external_tree the ratchet tree comes separately in ratchet_tree instead
// of in a ratchet_tree extension.
func (s *Server) GroupInfo(_ context.Context, req *pb.GroupInfoRequest) (*pb.GroupInfoResponse, error) {
	const rpc = "GroupInfo"
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	gi, err := e.group.GroupInfo(!req.ExternalTree)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	resp := &pb.GroupInfoResponse{}
	if resp.GroupInfo, err = marshalGroupInfo(gi); err != nil {
		return nil, internalErr(rpc, err)
	}
	if req.ExternalTree {
		if resp.RatchetTree, err = e.group.RatchetTree(); err != nil {
			return nil, mlsErr(rpc, err)
		}
	}
	return resp, nil
}

// StateAuth returns the epoch_authenticator of the state's epoch (RFC 9420
// §8.7), which all members of an epoch share.
func (s *Server) StateAuth(_ context.Context, req *pb.StateAuthRequest) (*pb.StateAuthResponse, error) {
	const rpc = "StateAuth"
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	auth := e.group.EpochAuthenticator()
	if len(auth) == 0 {
		return nil, failedPrecondition(rpc, "state_id %d has no epoch authenticator: %v", req.StateId, mls.ErrNotMember)
	}
	return &pb.StateAuthResponse{StateAuthSecret: auth}, nil
}

// Export returns MLS-Exporter(label, context, key_length) of the state's
// epoch (RFC 9420 §8.5).
func (s *Server) Export(_ context.Context, req *pb.ExportRequest) (*pb.ExportResponse, error) {
	const rpc = "Export"
	// ExpandWithLabel carries the length as a uint16 (RFC 9420 §8).
	if req.KeyLength > 0xffff {
		return nil, invalidArg(rpc, "key_length", "%d does not fit the uint16 of KDFLabel.length", req.KeyLength)
	}
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	out, err := e.group.Export(req.Label, req.Context, int(req.KeyLength))
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	return &pb.ExportResponse{ExportedSecret: out}, nil
}

// Protect encrypts an application message as a PrivateMessage (RFC 9420
// §6.3). A member with uncommitted proposals of the epoch may not send
// application data (§12.4): FailedPrecondition.
func (s *Server) Protect(_ context.Context, req *pb.ProtectRequest) (*pb.ProtectResponse, error) {
	const rpc = "Protect"
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	ct, err := e.group.Encrypt(req.AuthenticatedData, req.Plaintext)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	return &pb.ProtectResponse{Ciphertext: ct}, nil
}

// Unprotect decrypts an application PrivateMessage of the current epoch or
// a past one the state keeps, and returns its authenticated data and
// plaintext.
func (s *Server) Unprotect(_ context.Context, req *pb.UnprotectRequest) (*pb.UnprotectResponse, error) {
	const rpc = "Unprotect"
	if _, err := messageArg(rpc, "ciphertext", req.Ciphertext, mls.WireFormatPrivateMessage); err != nil {
		return nil, err
	}
	e, err := s.store.acquireGroup(rpc, "state_id", req.StateId)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	ad, pt, _, err := e.group.Decrypt(req.Ciphertext)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	return &pb.UnprotectResponse{AuthenticatedData: ad, Plaintext: pt}, nil
}
