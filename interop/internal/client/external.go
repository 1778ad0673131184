package client

import (
	"context"
	"errors"

	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// External proposals (RFC 9420 §12.1.8): from a client that wants to join,
// and from an external sender the group lists in its external_senders
// extension.

// errNotListed reports an external signer that a group does not list.
var errNotListed = errors.New("the signer's key is not in the group's external_senders extension")

// NewMemberAddProposal makes a KeyPackage for identity (fresh keys) and
// the Add proposal of it signed by the joiner (sender type
// new_member_proposal) for the group of group_info; the KeyPackage's
// private keys wait under transaction_id for the Welcome.
func (s *Server) NewMemberAddProposal(_ context.Context, req *pb.NewMemberAddProposalRequest) (*pb.NewMemberAddProposalResponse, error) {
	const rpc = "NewMemberAddProposal"
	gi, err := groupInfoArg(rpc, req.GroupInfo)
	if err != nil {
		return nil, err
	}
	if err := identityArg(rpc, req.Identity); err != nil {
		return nil, err
	}
	kp, keys, err := newKeyPackage(gi.GroupContext.CipherSuite, basicCredential(req.Identity))
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	proposal, err := mls.NewMemberAddProposal(gi, kp, keys)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	id, err := s.store.add(&entry{kind: kindJoiner, kp: kp, keys: keys})
	if err != nil {
		return nil, err
	}
	return &pb.NewMemberAddProposalResponse{
		TransactionId:  id,
		Proposal:       proposal,
		InitPriv:       keys.InitPrivateKey(),
		EncryptionPriv: keys.EncryptionPrivateKey(),
		SignaturePriv:  keys.SigningKey().Bytes(),
	}, nil
}

// AddExternalSigner proposes adding external_sender (an ExternalSender
// struct, from CreateExternalSigner) to the group's external_senders
// extension: a GroupContextExtensions proposal (§12.1.7) of the current
// extensions with the sender appended to that extension's list, or with
// the extension added if the group has none.
func (s *Server) AddExternalSigner(_ context.Context, req *pb.AddExternalSignerRequest) (*pb.ProposalResponse, error) {
	const rpc = "AddExternalSigner"
	if err := nonEmpty(rpc, "external_sender", req.ExternalSender); err != nil {
		return nil, err
	}
	sender, err := mls.UnmarshalExternalSender(req.ExternalSender)
	if err != nil {
		return nil, invalidArg(rpc, "external_sender", "%v", err)
	}
	return s.propose(rpc, req.StateId, func(g *mls.Group) ([]byte, error) {
		exts, err := withExternalSender(g.Extensions(), sender)
		if err != nil {
			return nil, err
		}
		return g.ProposeGroupContextExtensions(exts)
	})
}

// withExternalSender returns exts with sender appended to the
// external_senders extension, which is added at the end if missing.
func withExternalSender(exts []mls.Extension, sender *mls.ExternalSender) ([]mls.Extension, error) {
	for i, e := range exts {
		if e.Type != mls.ExtensionTypeExternalSenders {
			continue
		}
		senders, err := mls.UnmarshalExternalSenders(e.Data)
		if err != nil {
			return nil, err
		}
		if exts[i].Data, err = mls.MarshalExternalSenders(append(senders, *sender)); err != nil {
			return nil, err
		}
		return exts, nil
	}
	data, err := mls.MarshalExternalSenders([]mls.ExternalSender{*sender})
	if err != nil {
		return nil, err
	}
	return append(exts, mls.Extension{Type: mls.ExtensionTypeExternalSenders, Data: data}), nil
}

// ExternalSignerProposal has the external signer signer_id make the
// proposal description describes for the group of group_info, as the
// external sender at its index in the group's external_senders extension
// (sender type external, §12.1.8.1). signer_index, if not zero, must be
// that index; the harness leaves it zero, so the signer finds itself by
// its signature key. A Remove names the member by identity, looked up in
// ratchet_tree (or the GroupInfo's ratchet_tree extension).
func (s *Server) ExternalSignerProposal(_ context.Context, req *pb.ExternalSignerProposalRequest) (*pb.ProposalResponse, error) {
	const rpc = "ExternalSignerProposal"
	gi, err := groupInfoArg(rpc, req.GroupInfo)
	if err != nil {
		return nil, err
	}
	desc, err := proposalDescArg(rpc, "description", req.Description, true)
	if err != nil {
		return nil, err
	}
	e, err := s.store.acquire(rpc, "signer_id", req.SignerId, kindSigner)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	gc := &gi.GroupContext
	if gc.CipherSuite != e.signer.key.CipherSuite() {
		return nil, invalidArg(rpc, "group_info", "the group's cipher suite is %v, the signer's %v", gc.CipherSuite, e.signer.key.CipherSuite())
	}
	index, err := e.signer.indexIn(gc.Extensions, req.SignerIndex)
	if err != nil {
		return nil, failedPrecondition(rpc, "signer_id %d: %v", req.SignerId, err)
	}
	target := &proposalTarget{groupID: gc.GroupID}
	var treeErr error
	target.leafOf = func(identity []byte) (mls.LeafIndex, bool) {
		tree := treeOf(gi, req.RatchetTree)
		if len(tree) == 0 {
			treeErr = errors.New("empty, and the GroupInfo carries no ratchet_tree extension")
			return 0, false
		}
		leaf, ok, err := leafByIdentity(tree, identity)
		treeErr = err
		return leaf, ok
	}
	p, err := target.proposal(rpc, "description", desc)
	if treeErr != nil {
		return nil, invalidArg(rpc, "ratchet_tree", "%v", treeErr)
	}
	if err != nil {
		return nil, err
	}
	msg, err := mls.ExternalProposal(gi, e.signer.key, index, p)
	if err != nil {
		return nil, mlsErr(rpc, err)
	}
	return &pb.ProposalResponse{Proposal: msg}, nil
}

// treeOf returns the ratchet tree of a GroupInfo's ratchet_tree extension,
// or else the tree given out of band.
func treeOf(gi *mls.GroupInfo, external []byte) []byte {
	for _, e := range gi.Extensions {
		if e.Type == mls.ExtensionTypeRatchetTree {
			return e.Data
		}
	}
	return external
}
