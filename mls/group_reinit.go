package mls

import (
	"fmt"
)

// Reinitialization and branching (RFC 9420 §11.2, §11.3): a new group
// linked to this one by a resumption PSK, created by one member with a
// Commit that adds the others, who join it from the Welcome with
// JoinFromWelcome and this group as JoinOptions.OldGroup.

// ResumeOptions configure a group that ReInitGroup or Branch creates and
// the first Commit that adds its other members. The zero value (or a nil
// pointer) gives the GroupOptions defaults, a Commit without a path, and
// the ratchet tree in the Welcome.
type ResumeOptions struct {
	GroupOptions

	// ForcePath gives the first Commit an UpdatePath. The Commit covers
	// only Add proposals and the resumption PSK proposal, neither of which
	// requires a path (RFC 9420 §12.4), and §11.2 and §11.3 ask for none:
	// without ForcePath the Commit has no path and the new members get no
	// path secret in the Welcome (§12.4.3.1).
	ForcePath bool

	// ExternalTree leaves the ratchet_tree extension out of the GroupInfo
	// in the Welcome (RFC 9420 §12.4.3.3): the new members then need
	// CommitResult.RatchetTree, given as JoinOptions.RatchetTree, from
	// another channel.
	ExternalTree bool
}

// ReInitGroup creates the group that replaces this one after a Commit
// with a ReInit proposal (RFC 9420 §11.2): the group ID, cipher suite and
// extensions of the ReInit (PendingReInit), this member with its
// credential and signer (a key of the new suite; nil keeps the current
// one if the suite does not change), and the clients of keyPackages, the
// KeyPackages of the other members for the new suite. The new group's
// first Commit injects this group's resumption PSK of usage reinit and is
// merged at once: the new group is at epoch 1. Of the CommitResult, the
// Welcome is for the other members, the GroupInfo and RatchetTree are as
// for Commit, and Commit is nil: the group had no other member to send it
// to. opts configures the new group and its first Commit; its Extensions
// are ignored (the ReInit's apply).
func (g *Group) ReInitGroup(signer *SigningKey, keyPackages []*KeyPackage, opts *ResumeOptions) (*Group, *CommitResult, error) {
	r := g.PendingReInit()
	if r == nil {
		return nil, nil, fmt.Errorf("mls: reinit: the group did not end with a ReInit: %w", ErrInvalidProposal)
	}
	if signer == nil && r.CipherSuite == g.suite.id {
		signer = g.signer
	}
	o := ResumeOptions{}
	if opts != nil {
		o = *opts
	}
	o.Extensions = r.Extensions
	return g.resume(r.GroupID, r.CipherSuite, signer, keyPackages, &o, ResumptionPSKUsageReInit)
}

// Branch creates a subgroup of this group (RFC 9420 §11.3): group ID
// groupID, this group's cipher suite, the GroupContext extensions of
// opts.Extensions, this member with its credential and signature key, and
// the clients of keyPackages, KeyPackages of other members of this group.
// The new group's first Commit injects this group's resumption PSK of
// usage branch and is merged at once: the new group is at epoch 1. The
// CommitResult is as for ReInitGroup.
func (g *Group) Branch(groupID []byte, keyPackages []*KeyPackage, opts *ResumeOptions) (*Group, *CommitResult, error) {
	if err := g.checkActive("branch"); err != nil {
		return nil, nil, err
	}
	if opts == nil {
		opts = &ResumeOptions{}
	}
	return g.resume(groupID, g.suite.id, g.signer, keyPackages, opts, ResumptionPSKUsageBranch)
}

// resume creates a new group linked to g by the resumption PSK of g's
// current epoch with the given usage, with this member and the clients of
// keyPackages.
func (g *Group) resume(groupID []byte, cs CipherSuite, signer *SigningKey, keyPackages []*KeyPackage, opts *ResumeOptions, usage ResumptionPSKUsage) (*Group, *CommitResult, error) {
	own, ok := g.cur.ownLeaf()
	if !ok {
		return nil, nil, fmt.Errorf("mls: %v: %w", usage, ErrNotMember)
	}
	cred := g.cur.tree.leafNode(own).Credential
	ng, err := CreateGroup(groupID, cs, cred, signer, &opts.GroupOptions)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: %v: %w", usage, err)
	}
	sender := Sender{Type: SenderTypeMember, LeafIndex: 0}
	var items []proposalItem
	for i, kp := range keyPackages {
		if kp == nil {
			return nil, nil, fmt.Errorf("mls: %v: key package %d is nil: %w", usage, i, ErrInvalidProposal)
		}
		items = append(items, proposalItem{proposal: &AddProposal{KeyPackage: *kp}, sender: sender})
	}
	id, err := ng.newPSKID(PreSharedKeyID{Type: PSKTypeResumption, Usage: usage, GroupID: g.GroupID(), Epoch: g.Epoch()})
	if err != nil {
		return nil, nil, err
	}
	items = append(items, proposalItem{proposal: &PreSharedKeyProposal{PSK: id}, sender: sender})
	kind := commitBranch
	if usage == ResumptionPSKUsageReInit {
		kind = commitReInit
	}
	res, err := ng.commit(items, &CommitOptions{ForcePath: opts.ForcePath, ExternalTree: opts.ExternalTree}, kind, []*Group{g})
	if err != nil {
		return nil, nil, fmt.Errorf("mls: %v: %w", usage, err)
	}
	if err := ng.MergePendingCommit(); err != nil {
		return nil, nil, err
	}
	res.Commit = nil
	return ng, res, nil
}
