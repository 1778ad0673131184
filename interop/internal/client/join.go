package client

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// The ways to become a member: create a group, publish a KeyPackage and
// join from a Welcome, or join with an external commit (RFC 9420 §11,
// §12.4.3).

// CreateGroup creates a one-member group (RFC 9420 §11) with a basic
// credential for identity and a fresh signature key; encrypt_handshake
// says whether the state sends its proposals and commits as
// PrivateMessage.
func (s *Server) CreateGroup(_ context.Context, req *pb.CreateGroupRequest) (*pb.CreateGroupResponse, error) {
	const rpc = "CreateGroup"
	if err := nonEmpty(rpc, "group_id", req.GroupId); err != nil {
		return nil, err
	}
	suite, err := cipherSuiteArg(rpc, "cipher_suite", req.CipherSuite)
	if err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	signer, err := suite.GenerateSigningKey()
	if err != nil {
		return nil, internalErr(rpc, err)
	}
	opts := groupOptions(req.EncryptHandshake)
	g, err := mls.CreateGroup(req.GroupId, suite, basicCredential(req.Identity), signer, &opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	id, err := s.store.add(&entry{kind: kindGroup, group: g, encrypt: req.EncryptHandshake})
	if err != nil {
		return nil, err
	}
	return &pb.CreateGroupResponse{StateId: id}, nil
}

// CreateKeyPackage makes a KeyPackage (RFC 9420 §10) with a fresh
// signature key and keeps its private keys under a transaction_id for
// JoinGroup or HandleBranch. The private keys are returned as well, as the
// harness asks.
func (s *Server) CreateKeyPackage(_ context.Context, req *pb.CreateKeyPackageRequest) (*pb.CreateKeyPackageResponse, error) {
	const rpc = "CreateKeyPackage"
	suite, err := cipherSuiteArg(rpc, "cipher_suite", req.CipherSuite)
	if err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	kp, keys, err := newKeyPackage(suite, basicCredential(req.Identity))
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	msg, err := marshalKeyPackage(kp)
	if err != nil {
		return nil, internalErr(rpc, err)
	}
	id, err := s.store.add(&entry{kind: kindJoiner, kp: kp, keys: keys})
	if err != nil {
		return nil, err
	}
	return &pb.CreateKeyPackageResponse{
		TransactionId:  id,
		KeyPackage:     msg,
		InitPriv:       keys.InitPrivateKey(),
		EncryptionPriv: keys.EncryptionPrivateKey(),
		SignaturePriv:  keys.SigningKey().Bytes(),
	}, nil
}

// JoinGroup joins from a Welcome (RFC 9420 §12.4.3.1) with the KeyPackage
// of transaction_id and the external PSKs stored with it, taking the tree
// from ratchet_tree when the Welcome's GroupInfo does not carry it. The
// identity field is not used: the KeyPackage carries the credential.
func (s *Server) JoinGroup(_ context.Context, req *pb.JoinGroupRequest) (*pb.JoinGroupResponse, error) {
	const rpc = "JoinGroup"
	welcome, err := welcomeArg(rpc, req.Welcome)
	if err != nil {
		return nil, err
	}
	e, err := s.store.acquireKeys(rpc, "transaction_id", req.TransactionId, kindJoiner)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	opts := &mls.JoinOptions{GroupOptions: groupOptions(req.EncryptHandshake), RatchetTree: optional(req.RatchetTree), PSKs: e.externalPSKs()}
	g, err := mls.JoinFromWelcome(welcome, e.kp, e.keys, opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	return s.joined(e, g, req.EncryptHandshake)
}

// joined files the group a pending join (or reinit) e joined as a new
// state, and marks e's KeyPackage used. The caller holds e.mu.
func (s *Server) joined(e *entry, g *mls.Group, encrypt bool) (*pb.JoinGroupResponse, error) {
	id, err := s.store.add(&entry{kind: kindGroup, group: g, encrypt: encrypt})
	if err != nil {
		return nil, err
	}
	e.used, e.kp, e.keys = true, nil, nil
	return &pb.JoinGroupResponse{StateId: id, EpochAuthenticator: g.EpochAuthenticator()}, nil
}

// externalPSKs returns the PSKs StorePSK gave a pending join, for the
// Welcome to inject. The caller holds e.mu.
func (e *entry) externalPSKs() []mls.ExternalPSK {
	var out []mls.ExternalPSK
	for _, p := range e.psks {
		out = append(out, mls.ExternalPSK{ID: p.id, Secret: p.value.b})
	}
	return out
}

// ExternalJoin joins with an external commit (RFC 9420 §12.4.3.2) built
// from group_info (and ratchet_tree when the GroupInfo does not carry the
// tree) with a basic credential for identity and a fresh signature key,
// optionally removing the member with the same identity (remove_prior)
// and injecting psks. The new state is already in the epoch the commit
// creates.
func (s *Server) ExternalJoin(_ context.Context, req *pb.ExternalJoinRequest) (*pb.ExternalJoinResponse, error) {
	const rpc = "ExternalJoin"
	gi, err := groupInfoArg(rpc, req.GroupInfo)
	if err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	list, err := pskListArg(rpc, req.Psks)
	if err != nil {
		return nil, err
	}
	psks := make([]mls.ExternalPSK, len(list))
	for i, p := range list {
		psks[i] = mls.ExternalPSK{ID: p.id, Secret: p.value.b}
	}
	defer func() {
		for _, p := range list {
			p.zero()
		}
	}()
	suite := gi.GroupContext.CipherSuite
	if !suite.IsValid() {
		return nil, invalidArg(rpc, "group_info", "cipher suite 0x%04x is not one of RFC 9420 §17.1", uint16(suite))
	}
	signer, err := suite.GenerateSigningKey()
	if err != nil {
		return nil, internalErr(rpc, err)
	}
	opts := &mls.ExternalJoinOptions{GroupOptions: groupOptions(req.EncryptHandshake), RemovePrior: req.RemovePrior, PSKs: psks}
	g, commit, err := mls.JoinExternal(gi, optional(req.RatchetTree), basicCredential(req.Identity), signer, opts)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	id, err := s.store.add(&entry{kind: kindGroup, group: g, encrypt: req.EncryptHandshake})
	if err != nil {
		return nil, err
	}
	return &pb.ExternalJoinResponse{StateId: id, Commit: commit, EpochAuthenticator: g.EpochAuthenticator()}, nil
}

// optional maps an absent bytes field (empty in proto3) to nil, which
// package mls reads as "not given".
func optional(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
