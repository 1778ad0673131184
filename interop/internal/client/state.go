package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// Operations that read a group state or protect application messages with
// it.

// GroupInfo returns a signed GroupInfo (RFC 9420 §12.4.3) for external
// joins and external proposals; with external_tree the ratchet tree comes
// separately in ratchet_tree instead of in a ratchet_tree extension.
func (s *Server) GroupInfo(context.Context, *pb.GroupInfoRequest) (*pb.GroupInfoResponse, error) {
	return nil, needsGroupAPI("GroupInfo", "Group.GroupInfo, Group.RatchetTree")
}

// StateAuth returns the epoch_authenticator of the state's epoch (RFC 9420
// §8.7), which all members of an epoch share.
func (s *Server) StateAuth(context.Context, *pb.StateAuthRequest) (*pb.StateAuthResponse, error) {
	return nil, needsGroupAPI("StateAuth", "Group.EpochAuthenticator")
}

// Export returns MLS-Exporter(label, context, key_length) of the state's
// epoch (RFC 9420 §8.5).
func (s *Server) Export(_ context.Context, req *pb.ExportRequest) (*pb.ExportResponse, error) {
	const rpc = "Export"
	// ExpandWithLabel carries the length as a uint16 (RFC 9420 §8).
	if req.KeyLength > 0xffff {
		return nil, invalidArg(rpc, "key_length", "%d does not fit the uint16 of KDFLabel.length", req.KeyLength)
	}
	return nil, needsGroupAPI(rpc, "Group.Export")
}

// Protect encrypts an application message as a PrivateMessage (RFC 9420
// §6.3).
func (s *Server) Protect(context.Context, *pb.ProtectRequest) (*pb.ProtectResponse, error) {
	return nil, needsGroupAPI("Protect", "Group.Encrypt")
}

// Unprotect decrypts an application PrivateMessage and returns its
// authenticated data and plaintext.
func (s *Server) Unprotect(_ context.Context, req *pb.UnprotectRequest) (*pb.UnprotectResponse, error) {
	const rpc = "Unprotect"
	if _, err := messageArg(rpc, "ciphertext", req.Ciphertext, mls.WireFormatPrivateMessage); err != nil {
		return nil, err
	}
	return nil, needsGroupAPI(rpc, "Group.Decrypt")
}
