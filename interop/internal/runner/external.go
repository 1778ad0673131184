package runner

import (
	"context"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// External proposals: a joiner's own Add, and proposals by an external
// signer the group has added to its external_senders.

func (r *run) newMemberAddProposal(s *Step, p *newMemberAddProposalParams) error {
	gi, err := call(r, s.Actor, "GroupInfo", func(ctx context.Context, c *Client) (*pb.GroupInfoResponse, error) {
		return c.RPC.GroupInfo(ctx, &pb.GroupInfoRequest{StateId: r.stateID[s.Actor]})
	})
	if err != nil {
		return err
	}
	resp, err := call(r, p.Joiner, "NewMemberAddProposal", func(ctx context.Context, c *Client) (*pb.NewMemberAddProposalResponse, error) {
		return c.RPC.NewMemberAddProposal(ctx, &pb.NewMemberAddProposalRequest{GroupInfo: gi.GroupInfo, Identity: []byte(p.Joiner)})
	})
	if err != nil {
		return err
	}
	r.transactionID[p.Joiner] = resp.TransactionId
	r.issue(p.Joiner, resp.TransactionId)
	r.store(s.Index, "proposal", resp.Proposal)
	r.store(s.Index, "init_priv", resp.InitPriv)
	r.store(s.Index, "encryption_priv", resp.EncryptionPriv)
	r.store(s.Index, "signature_priv", resp.SignaturePriv)
	return nil
}

func (r *run) addExternalSigner(s *Step, p *addExternalSignerParams) error {
	signer, err := call(r, p.Signer, "CreateExternalSigner", func(ctx context.Context, c *Client) (*pb.CreateExternalSignerResponse, error) {
		return c.RPC.CreateExternalSigner(ctx, &pb.CreateExternalSignerRequest{CipherSuite: r.suite, Identity: []byte(p.Signer)})
	})
	if err != nil {
		return err
	}
	r.signerID[p.Signer] = signer.SignerId
	r.issue(p.Signer, signer.SignerId)
	return r.propose(s, "AddExternalSigner", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
		return c.RPC.AddExternalSigner(ctx, &pb.AddExternalSignerRequest{StateId: r.stateID[s.Actor], ExternalSender: signer.ExternalSender})
	})
}

func (r *run) externalSignerProposal(s *Step, p *externalSignerProposalParams) error {
	gi, err := call(r, p.Member, "GroupInfo", func(ctx context.Context, c *Client) (*pb.GroupInfoResponse, error) {
		return c.RPC.GroupInfo(ctx, &pb.GroupInfoRequest{StateId: r.stateID[p.Member], ExternalTree: true})
	})
	if err != nil {
		return err
	}
	desc, err := r.description(&p.Description)
	if err != nil {
		return err
	}
	return r.propose(s, "ExternalSignerProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
		return c.RPC.ExternalSignerProposal(ctx, &pb.ExternalSignerProposalRequest{SignerId: r.signerID[s.Actor], GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, Description: desc})
	})
}
