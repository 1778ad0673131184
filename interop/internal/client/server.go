package client

import (
	"context"
	"log/slog"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// Name is what the Name RPC reports: the harness prints it in its results.
const Name = "Sealroom (Go)"

// suites lists the cipher suites Sealroom implements: all seven of
// RFC 9420 §17.1.
var suites = []mls.CipherSuite{
	mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
	mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
	mls.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519,
	mls.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448,
	mls.MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
	mls.MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448,
	mls.MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
}

// Server implements the MLSClient service. Each Server is an independent
// client of the harness with its own handles; it is safe for concurrent
// RPCs.
type Server struct {
	// The embedded type is what protoc-gen-go-grpc requires of every
	// implementation; each RPC of mls_client.proto is implemented by this
	// package (TestEveryRPCImplemented checks it), so its answers are never
	// used.
	pb.UnimplementedMLSClientServer

	store *store
	log   *slog.Logger
}

// New returns a Server with no handles. Its log records panics recovered by
// the interceptor of NewGRPCServer (nil discards them).
func New(log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{store: newStore(), log: log}
}

// Handles returns the number of handles (states, transactions, reinits,
// signers) the server holds.
func (s *Server) Handles() int { return s.store.len() }

// Name reports the implementation's name.
func (s *Server) Name(context.Context, *pb.NameRequest) (*pb.NameResponse, error) {
	return &pb.NameResponse{Name: Name}, nil
}

// SupportedCiphersuites reports all seven cipher suites of RFC 9420 §17.1.
func (s *Server) SupportedCiphersuites(context.Context, *pb.SupportedCiphersuitesRequest) (*pb.SupportedCiphersuitesResponse, error) {
	out := make([]uint32, len(suites))
	for i, cs := range suites {
		out[i] = uint32(cs)
	}
	return &pb.SupportedCiphersuitesResponse{Ciphersuites: out}, nil
}

// StorePSK stores an external PSK (RFC 9420 §8.4) with a group state or a
// joiner, for later PSK proposals, commits and Welcomes. A psk_id stored
// again replaces the earlier value.
func (s *Server) StorePSK(_ context.Context, req *pb.StorePSKRequest) (*pb.StorePSKResponse, error) {
	const rpc = "StorePSK"
	if err := nonEmpty(rpc, "psk_id", req.PskId); err != nil {
		return nil, err
	}
	if err := nonEmpty(rpc, "psk_secret", req.PskSecret); err != nil {
		return nil, err
	}
	e, err := s.store.acquire(rpc, "state_or_transaction_id", req.StateOrTransactionId, kindGroup, kindJoiner)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	if e.kind == kindGroup {
		if e.group == nil {
			return nil, failedPrecondition(rpc, "state_or_transaction_id %d: the group was reinitialized; it continues as reinit_id %d", req.StateOrTransactionId, e.reinitTo)
		}
		// The group keeps its own copy.
		e.group.AddExternalPSK(req.PskId, req.PskSecret)
		return &pb.StorePSKResponse{}, nil
	}
	if e.psks == nil {
		e.psks = make(map[string]*pskEntry)
	}
	if old, ok := e.psks[string(req.PskId)]; ok {
		old.zero()
	}
	e.psks[string(req.PskId)] = &pskEntry{id: append([]byte(nil), req.PskId...), value: newSecret(req.PskSecret)}
	return &pb.StorePSKResponse{}, nil
}

// CreateExternalSigner makes an external sender (RFC 9420 §12.1.8.1) for
// the suite: a fresh signature key with a basic credential for identity.
// external_sender is its ExternalSender struct, which AddExternalSigner puts
// into a group's external_senders extension.
func (s *Server) CreateExternalSigner(_ context.Context, req *pb.CreateExternalSignerRequest) (*pb.CreateExternalSignerResponse, error) {
	const rpc = "CreateExternalSigner"
	suite, err := cipherSuiteArg(rpc, "cipher_suite", req.CipherSuite)
	if err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	signer, err := newExternalSigner(suite, req.Identity)
	if err != nil {
		return nil, internalErr(rpc, err)
	}
	id, err := s.store.add(&entry{kind: kindSigner, signer: signer})
	if err != nil {
		return nil, err
	}
	return &pb.CreateExternalSignerResponse{SignerId: id, ExternalSender: signer.encoded}, nil
}

// Free drops a handle of any kind (the harness calls every one of them
// state_id here) and zeroes the secrets it held.
func (s *Server) Free(_ context.Context, req *pb.FreeRequest) (*pb.FreeResponse, error) {
	if err := s.store.remove("Free", req.StateId); err != nil {
		return nil, err
	}
	return &pb.FreeResponse{}, nil
}
