package runner

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// runStep performs one step the way the official runner's RunStep does.
func (r *run) runStep(s *Step) error {
	switch p := s.params.(type) {
	case *createGroupParams:
		return r.createGroup(s, p)
	case *externalJoinParams:
		return r.externalJoin(s, p)
	case *installExternalPSKParams:
		return r.installExternalPSK(s, p)
	case *fullCommitParams:
		return r.fullCommit(s, p)
	case *reinitParams:
		return r.reinit(p)
	case *branchParams:
		return r.branch(s, p)
	case *newMemberAddProposalParams:
		return r.newMemberAddProposal(s, p)
	case *addExternalSignerParams:
		return r.addExternalSigner(s, p)
	case *externalSignerProposalParams:
		return r.externalSignerProposal(s, p)
	}
	switch s.Action {
	case ActionCreateKeyPackage:
		return r.createKeyPackage(s)
	case ActionUpdateProposal:
		return r.propose(s, "UpdateProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
			return c.RPC.UpdateProposal(ctx, &pb.UpdateProposalRequest{StateId: r.stateID[s.Actor]})
		})
	case ActionHandlePendingCommit:
		return r.handlePendingCommit(s)
	}
	return r.runSingleStep(s)
}

// runSingleStep performs the steps that make one RPC from their values.
func (r *run) runSingleStep(s *Step) error {
	switch p := s.params.(type) {
	case *joinGroupParams:
		return r.joinGroup(s, p)
	case *groupInfoParams:
		resp, err := call(r, s.Actor, "GroupInfo", func(ctx context.Context, c *Client) (*pb.GroupInfoResponse, error) {
			return c.RPC.GroupInfo(ctx, &pb.GroupInfoRequest{StateId: r.stateID[s.Actor], ExternalTree: p.ExternalTree})
		})
		if err != nil {
			return err
		}
		r.store(s.Index, "group_info", resp.GroupInfo)
		r.store(s.Index, "ratchet_tree", resp.RatchetTree)
		return nil
	case *addProposalParams:
		kp, err := r.get(p.KeyPackage, "key_package")
		if err != nil {
			return err
		}
		return r.propose(s, "AddProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
			return c.RPC.AddProposal(ctx, &pb.AddProposalRequest{StateId: r.stateID[s.Actor], KeyPackage: kp})
		})
	case *removeProposalParams:
		return r.propose(s, "RemoveProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
			return c.RPC.RemoveProposal(ctx, &pb.RemoveProposalRequest{StateId: r.stateID[s.Actor], RemovedId: []byte(p.Removed)})
		})
	case *externalPSKProposalParams:
		pskID, err := r.get(p.PSKID, "psk_id")
		if err != nil {
			return err
		}
		return r.propose(s, "ExternalPSKProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
			return c.RPC.ExternalPSKProposal(ctx, &pb.ExternalPSKProposalRequest{StateId: r.stateID[s.Actor], PskId: pskID})
		})
	case *resumptionPSKProposalParams:
		return r.propose(s, "ResumptionPSKProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
			return c.RPC.ResumptionPSKProposal(ctx, &pb.ResumptionPSKProposalRequest{StateId: r.stateID[s.Actor], EpochId: uint64(p.EpochID)})
		})
	case *groupContextExtensionsProposalParams:
		return r.propose(s, "GroupContextExtensionsProposal", func(ctx context.Context, c *Client) (*pb.ProposalResponse, error) {
			return c.RPC.GroupContextExtensionsProposal(ctx, &pb.GroupContextExtensionsProposalRequest{StateId: r.stateID[s.Actor], Extensions: extensionsProto(p.Extensions)})
		})
	case *commitParams:
		return r.commit(s, p)
	case *handleCommitParams:
		return r.handleCommit(s, p)
	case *protectParams:
		return r.protect(s, p)
	case *unprotectParams:
		return r.unprotect(s, p)
	}
	return fmt.Errorf("unknown action %q", s.Action)
}

// propose makes a proposal RPC and keeps the proposal.
func (r *run) propose(s *Step, rpc string, f func(context.Context, *Client) (*pb.ProposalResponse, error)) error {
	resp, err := call(r, s.Actor, rpc, f)
	if err != nil {
		return err
	}
	r.store(s.Index, "proposal", resp.Proposal)
	return nil
}

func (r *run) createGroup(s *Step, p *createGroupParams) error {
	groupID := newGroupID()
	resp, err := call(r, s.Actor, "CreateGroup", func(ctx context.Context, c *Client) (*pb.CreateGroupResponse, error) {
		return c.RPC.CreateGroup(ctx, &pb.CreateGroupRequest{GroupId: groupID, CipherSuite: r.suite, EncryptHandshake: r.assignment.EncryptHandshake, Identity: []byte(s.Actor)})
	})
	if err != nil {
		return err
	}
	r.stateID[s.Actor] = resp.StateId
	r.issue(s.Actor, resp.StateId)
	r.store(s.Index, "group_id", groupID)
	if len(p.Members) == 0 {
		r.newEpoch(s.Actor)
		return nil
	}

	// Add the members with one commit of Add proposals by value.
	keyPackages := make([][]byte, len(p.Members))
	txIDs := make([]uint32, len(p.Members))
	for i, m := range p.Members {
		kp, err := r.keyPackage(m)
		if err != nil {
			return err
		}
		keyPackages[i], txIDs[i] = kp.KeyPackage, kp.TransactionId
	}
	byValue := make([]*pb.ProposalDescription, len(keyPackages))
	for i, kp := range keyPackages {
		byValue[i] = &pb.ProposalDescription{ProposalType: []byte("add"), KeyPackage: kp}
	}
	commit, err := call(r, s.Actor, "Commit", func(ctx context.Context, c *Client) (*pb.CommitResponse, error) {
		return c.RPC.Commit(ctx, &pb.CommitRequest{StateId: r.stateID[s.Actor], ByValue: byValue})
	})
	if err != nil {
		return err
	}
	auth, err := r.mergePending(s.Actor)
	if err != nil {
		return err
	}
	for i, m := range p.Members {
		if err := r.join(m, txIDs[i], commit.Welcome, nil, auth); err != nil {
			return err
		}
	}
	r.newEpoch(append([]string{s.Actor}, p.Members...)...)
	return nil
}

// keyPackage has actor make a KeyPackage for the run's suite.
func (r *run) keyPackage(actor string) (*pb.CreateKeyPackageResponse, error) {
	resp, err := call(r, actor, "CreateKeyPackage", func(ctx context.Context, c *Client) (*pb.CreateKeyPackageResponse, error) {
		return c.RPC.CreateKeyPackage(ctx, &pb.CreateKeyPackageRequest{CipherSuite: r.suite, Identity: []byte(actor)})
	})
	if err != nil {
		return nil, err
	}
	r.issue(actor, resp.TransactionId)
	return resp, nil
}

func (r *run) createKeyPackage(s *Step) error {
	resp, err := r.keyPackage(s.Actor)
	if err != nil {
		return err
	}
	r.transactionID[s.Actor] = resp.TransactionId
	r.store(s.Index, "key_package", resp.KeyPackage)
	r.store(s.Index, "init_priv", resp.InitPriv)
	r.store(s.Index, "encryption_priv", resp.EncryptionPriv)
	r.store(s.Index, "signature_priv", resp.SignaturePriv)
	return nil
}

// mergePending has actor merge its pending commit and returns the new
// epoch's authenticator.
func (r *run) mergePending(actor string) ([]byte, error) {
	resp, err := call(r, actor, "HandlePendingCommit", func(ctx context.Context, c *Client) (*pb.HandleCommitResponse, error) {
		return c.RPC.HandlePendingCommit(ctx, &pb.HandlePendingCommitRequest{StateId: r.stateID[actor]})
	})
	if err != nil {
		return nil, err
	}
	r.setState(actor, resp.StateId)
	return resp.EpochAuthenticator, nil
}

// join has actor join from a Welcome with its KeyPackage of txID and checks
// that it reaches the epoch authenticator want.
func (r *run) join(actor string, txID uint32, welcome, tree, want []byte) error {
	resp, err := call(r, actor, "JoinGroup", func(ctx context.Context, c *Client) (*pb.JoinGroupResponse, error) {
		return c.RPC.JoinGroup(ctx, &pb.JoinGroupRequest{TransactionId: txID, Welcome: welcome, EncryptHandshake: r.assignment.EncryptHandshake, Identity: []byte(actor), RatchetTree: tree})
	})
	if err != nil {
		return err
	}
	if !bytes.Equal(resp.EpochAuthenticator, want) {
		return fmt.Errorf("joiner [%s] failed to agree on epoch authenticator", actor)
	}
	r.setState(actor, resp.StateId)
	return nil
}

// handle has actor process a commit (and the proposals it refers to) and
// checks that it reaches the epoch authenticator want.
func (r *run) handle(actor string, proposals [][]byte, commit, want []byte) error {
	resp, err := call(r, actor, "HandleCommit", func(ctx context.Context, c *Client) (*pb.HandleCommitResponse, error) {
		return c.RPC.HandleCommit(ctx, &pb.HandleCommitRequest{StateId: r.stateID[actor], Proposal: proposals, Commit: commit})
	})
	if err != nil {
		return err
	}
	if !bytes.Equal(resp.EpochAuthenticator, want) {
		return fmt.Errorf("member [%s] failed to agree on epoch authenticator", actor)
	}
	r.setState(actor, resp.StateId)
	return nil
}

// setState records an actor's (possibly new) state handle.
func (r *run) setState(actor string, id uint32) {
	r.stateID[actor] = id
	r.issue(actor, id)
}

func (r *run) joinGroup(s *Step, p *joinGroupParams) error {
	welcome, err := r.get(p.Welcome, "welcome")
	if err != nil {
		return err
	}
	txID, ok := r.transactionID[s.Actor]
	if !ok {
		return fmt.Errorf("malformed step: no transaction for %s", s.Actor)
	}
	resp, err := call(r, s.Actor, "JoinGroup", func(ctx context.Context, c *Client) (*pb.JoinGroupResponse, error) {
		return c.RPC.JoinGroup(ctx, &pb.JoinGroupRequest{TransactionId: txID, Welcome: welcome, EncryptHandshake: r.assignment.EncryptHandshake, Identity: []byte(s.Actor)})
	})
	if err != nil {
		return err
	}
	r.setState(s.Actor, resp.StateId)
	r.moveToCommit(p.Welcome, s.Actor)
	return nil
}

// moveToCommit moves actors to the epoch the commit of step i leads to.
func (r *run) moveToCommit(i int, actors ...string) {
	if e, ok := r.commitEpoch[i]; ok {
		r.moveTo(e, actors...)
		return
	}
	r.commitEpoch[i] = r.newEpoch(actors...)
}

func (r *run) externalJoin(s *Step, p *externalJoinParams) error {
	gi, err := call(r, s.Actor, "GroupInfo", func(ctx context.Context, c *Client) (*pb.GroupInfoResponse, error) {
		return c.RPC.GroupInfo(ctx, &pb.GroupInfoRequest{StateId: r.stateID[s.Actor], ExternalTree: p.ExternalTree})
	})
	if err != nil {
		return err
	}
	r.store(s.Index, "group_info", gi.GroupInfo)
	r.store(s.Index, "ratchet_tree", gi.RatchetTree)

	psks := make([]*pb.PreSharedKey, len(p.PSKs))
	for i, ix := range p.PSKs {
		id, err := r.get(ix, "psk_id")
		if err != nil {
			return err
		}
		secret, err := r.get(ix, "psk_secret")
		if err != nil {
			return err
		}
		psks[i] = &pb.PreSharedKey{PskId: id, PskSecret: secret}
	}
	resp, err := call(r, p.Joiner, "ExternalJoin", func(ctx context.Context, c *Client) (*pb.ExternalJoinResponse, error) {
		return c.RPC.ExternalJoin(ctx, &pb.ExternalJoinRequest{GroupInfo: gi.GroupInfo, RatchetTree: gi.RatchetTree, EncryptHandshake: r.assignment.EncryptHandshake,
			Identity: []byte(p.Joiner), RemovePrior: p.RemovePrior, Psks: psks})
	})
	if err != nil {
		return err
	}
	r.setState(p.Joiner, resp.StateId)
	r.store(s.Index, "commit", resp.Commit)
	r.store(s.Index, "epoch_authenticator", resp.EpochAuthenticator)

	members := append(slices.Clone(p.Members), s.Actor)
	for _, m := range members {
		if err := r.handle(m, nil, resp.Commit, resp.EpochAuthenticator); err != nil {
			return err
		}
	}
	r.commitEpoch[s.Index] = r.newEpoch(append(members, p.Joiner)...)
	return nil
}

func (r *run) installExternalPSK(s *Step, p *installExternalPSKParams) error {
	id, secret := randomBytes(32), randomBytes(32)
	r.store(s.Index, "psk_id", id)
	r.store(s.Index, "psk_secret", secret)
	for _, name := range p.Clients {
		handle := uint32(0)
		if sid, ok := r.stateID[name]; ok {
			handle = sid
		} else if tx, ok := r.transactionID[name]; ok {
			handle = tx
		}
		if _, err := call(r, name, "StorePSK", func(ctx context.Context, c *Client) (*pb.StorePSKResponse, error) {
			return c.RPC.StorePSK(ctx, &pb.StorePSKRequest{StateOrTransactionId: handle, PskId: id, PskSecret: secret})
		}); err != nil {
			return err
		}
	}
	return nil
}

// proposalRefs fetches the proposals of steps refs.
func (r *run) proposalRefs(refs []int) ([][]byte, error) {
	out := make([][]byte, len(refs))
	for i, ix := range refs {
		var err error
		if out[i], err = r.get(ix, "proposal"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// descriptions converts proposal descriptions as the official runner's
// ProposalDescriptionToProto does.
func (r *run) descriptions(ds []proposalDescription) ([]*pb.ProposalDescription, error) {
	out := make([]*pb.ProposalDescription, len(ds))
	for i := range ds {
		var err error
		if out[i], err = r.description(&ds[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *run) description(d *proposalDescription) (*pb.ProposalDescription, error) {
	out := &pb.ProposalDescription{ProposalType: []byte(d.ProposalType)}
	var err error
	switch d.ProposalType {
	case "add":
		out.KeyPackage, err = r.get(d.KeyPackage, "key_package")
	case "remove":
		out.RemovedId = []byte(d.Removed)
	case "externalPSK":
		out.PskId, err = r.get(d.PSKID, "psk_id")
	case "resumptionPSK":
		out.EpochId = uint64(d.EpochID)
	case "groupContextExtensions":
		out.Extensions = extensionsProto(d.Extensions)
	case "reinit":
		out.Extensions = extensionsProto(d.Extensions)
		if d.ChangeCipherSuite {
			if err := r.changeCipherSuite(); err != nil {
				return nil, err
			}
		}
		out.CipherSuite = r.suite
		out.GroupId, err = r.reinitGroupID(d.ChangeGroupID)
	default:
		err = fmt.Errorf("unknown proposal type [%s]", d.ProposalType)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sendCommit has the step's actor commit the proposals of byReference and
// those byValue describes, and keeps the commit, Welcome and, with
// externalTree, ratchet tree. It returns the proposals by reference and the
// ratchet tree to give joiners.
func (r *run) sendCommit(s *Step, byReference []int, byValue []proposalDescription, forcePath, externalTree bool) (*pb.CommitResponse, [][]byte, []byte, error) {
	byRef, err := r.proposalRefs(byReference)
	if err != nil {
		return nil, nil, nil, err
	}
	byVal, err := r.descriptions(byValue)
	if err != nil {
		return nil, nil, nil, err
	}
	commit, err := call(r, s.Actor, "Commit", func(ctx context.Context, c *Client) (*pb.CommitResponse, error) {
		return c.RPC.Commit(ctx, &pb.CommitRequest{StateId: r.stateID[s.Actor], ByReference: byRef, ByValue: byVal, ForcePath: forcePath, ExternalTree: externalTree})
	})
	if err != nil {
		return nil, nil, nil, err
	}
	r.store(s.Index, "commit", commit.Commit)
	r.store(s.Index, "welcome", commit.Welcome)
	var tree []byte
	if externalTree {
		tree = commit.RatchetTree
		r.store(s.Index, "ratchet_tree", tree)
	}
	return commit, byRef, tree, nil
}

func (r *run) fullCommit(s *Step, p *fullCommitParams) error {
	commit, byRef, tree, err := r.sendCommit(s, p.ByReference, p.ByValue, p.ForcePath, p.ExternalTree)
	if err != nil {
		return err
	}
	auth, err := r.mergePending(s.Actor)
	if err != nil {
		return err
	}
	r.store(s.Index, "epoch_authenticator", auth)
	for _, m := range p.Members {
		if err := r.handle(m, byRef, commit.Commit, auth); err != nil {
			return err
		}
	}
	for _, j := range p.Joiners {
		txID, ok := r.transactionID[j]
		if !ok {
			return fmt.Errorf("malformed step: no transaction for %s", j)
		}
		if err := r.join(j, txID, commit.Welcome, tree, auth); err != nil {
			return err
		}
	}
	moved := append(append([]string{s.Actor}, p.Members...), p.Joiners...)
	r.commitEpoch[s.Index] = r.newEpoch(moved...)
	return nil
}

func (r *run) commit(s *Step, p *commitParams) error {
	if _, _, _, err := r.sendCommit(s, p.ByReference, p.ByValue, p.ForcePath, p.ExternalTree); err != nil {
		return err
	}
	// The commit leads to an epoch nobody is at yet.
	r.epochs++
	r.commitEpoch[s.Index] = r.epochs
	r.pending[s.Actor] = r.epochs
	return nil
}

func (r *run) handleCommit(s *Step, p *handleCommitParams) error {
	commit, err := r.get(p.Commit, "commit")
	if err != nil {
		return err
	}
	byRef, err := r.proposalRefs(p.ByReference)
	if err != nil {
		return err
	}
	resp, err := call(r, s.Actor, "HandleCommit", func(ctx context.Context, c *Client) (*pb.HandleCommitResponse, error) {
		return c.RPC.HandleCommit(ctx, &pb.HandleCommitRequest{StateId: r.stateID[s.Actor], Proposal: byRef, Commit: commit})
	})
	if err != nil {
		return err
	}
	r.setState(s.Actor, resp.StateId)
	r.moveToCommit(p.Commit, s.Actor)
	return nil
}

func (r *run) handlePendingCommit(s *Step) error {
	e, ok := r.pending[s.Actor]
	if _, err := r.mergePending(s.Actor); err != nil {
		return err
	}
	if !ok {
		e = r.newEpoch()
	}
	r.moveTo(e, s.Actor)
	return nil
}

func (r *run) protect(s *Step, p *protectParams) error {
	ad, pt := []byte(p.AuthenticatedData), []byte(p.Plaintext)
	resp, err := call(r, s.Actor, "Protect", func(ctx context.Context, c *Client) (*pb.ProtectResponse, error) {
		return c.RPC.Protect(ctx, &pb.ProtectRequest{StateId: r.stateID[s.Actor], AuthenticatedData: ad, Plaintext: pt})
	})
	if err != nil {
		return err
	}
	r.store(s.Index, "authenticatedData", ad)
	r.store(s.Index, "plaintext", pt)
	r.store(s.Index, "ciphertext", resp.Ciphertext)
	return nil
}

func (r *run) unprotect(s *Step, p *unprotectParams) error {
	ct, err := r.get(p.Ciphertext, "ciphertext")
	if err != nil {
		return err
	}
	resp, err := call(r, s.Actor, "Unprotect", func(ctx context.Context, c *Client) (*pb.UnprotectResponse, error) {
		return c.RPC.Unprotect(ctx, &pb.UnprotectRequest{StateId: r.stateID[s.Actor], Ciphertext: ct})
	})
	if err != nil {
		return err
	}
	ad, err := r.get(p.Ciphertext, "authenticatedData")
	if err != nil {
		return err
	}
	pt, err := r.get(p.Ciphertext, "plaintext")
	if err != nil {
		return err
	}
	if !bytes.Equal(ad, resp.AuthenticatedData) {
		return fmt.Errorf("incorrect authenticated data")
	}
	if !bytes.Equal(pt, resp.Plaintext) {
		return fmt.Errorf("incorrect plaintext")
	}
	r.store(s.Index, "authenticatedData", resp.AuthenticatedData)
	r.store(s.Index, "plaintext", resp.Plaintext)
	return nil
}

// extensionsProto converts a config's extensions list.
func extensionsProto(list []extension) []*pb.Extension {
	if list == nil {
		return nil
	}
	out := make([]*pb.Extension, len(list))
	for i, e := range list {
		out[i] = &pb.Extension{ExtensionType: e.ExtensionType, ExtensionData: e.ExtensionData}
	}
	return out
}

func freeRequest(id uint32) *pb.FreeRequest { return &pb.FreeRequest{StateId: id} }
