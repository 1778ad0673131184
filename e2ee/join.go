package e2ee

import (
	"fmt"

	"github.com/sealroom/sealroom/mls"
)

// The three ways into a call: creating the group (RFC 9420 §11), joining
// from a Welcome (§12.4.3.1) and joining by external commit (§12.4.3.2).
// Each builds an mls.Group with the options of the Config (see
// Config.groupOptions) and hands it to the Session.

// Create creates a group with this client as its only member, at epoch 0
// (RFC 9420 §11), and returns its Session. groupID names the group; nil
// selects a random one of the suite's hash length, as §11 recommends. The
// group's MLS cipher suite is id's. Invite adds the other members.
func Create(groupID []byte, id *Identity, cfg Config) (*Session, error) {
	if err := id.check("create"); err != nil {
		return nil, err
	}
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	g, err := mls.CreateGroup(groupID, id.SigningKey.CipherSuite(), id.Credential, id.SigningKey, &set.mls)
	if err != nil {
		return nil, newError("create", nil, err).of(id.name())
	}
	return newSession(cfg, newMLSGroup(g))
}

// JoinFromWelcome joins a group with a Welcome (RFC 9420 §12.4.3.1), the
// MLSMessage a member's Invite produced for the KeyPackage whose private
// half is priv (transport WelcomeEvent.Message). The Session starts in the
// epoch the Welcome creates and can seal at once. It verifies the
// GroupInfo's signature, the ratchet tree the Welcome carries and every
// member's credential (Config.CredentialValidator).
//
// The application must check that the group is not one it is already in
// (Session.GroupID), and should delete priv after the join unless the
// KeyPackage is its last-resort one (RFC 9420 §16.8).
func JoinFromWelcome(welcome []byte, priv *KeyPackagePrivate, cfg Config) (*Session, error) {
	if priv == nil {
		return nil, newError("join", ErrInvalidMember, fmt.Errorf("no KeyPackagePrivate"))
	}
	name := credentialIdentity(&priv.kp.LeafNode.Credential)
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	m, err := mls.UnmarshalMLSMessage(welcome)
	if err == nil && m.WireFormat != mls.WireFormatWelcome {
		err = fmt.Errorf("%w: a %v, not a Welcome", mls.ErrMalformed, m.WireFormat)
	}
	if err != nil {
		return nil, newError("join", nil, err).of(name)
	}
	g, err := mls.JoinFromWelcome(m.Welcome, priv.kp, priv.keys, &mls.JoinOptions{GroupOptions: set.mls})
	if err != nil {
		return nil, newError("join", nil, err).of(name)
	}
	return newSession(cfg, newMLSGroup(g))
}

// ExternalJoinOptions are the choices in joining by external commit. The
// zero value (or nil) joins a group whose GroupInfo carries its ratchet
// tree, as a new member.
type ExternalJoinOptions struct {
	// RatchetTree is the group's ratchet tree, the data of a ratchet_tree
	// extension (RFC 9420 §12.4.3.3), for a GroupInfo without one. The
	// GroupInfos of Sealroom commits carry the tree.
	RatchetTree []byte

	// Resync replaces the member that presents the same credential as the
	// joiner (RFC 9420 §12.4.3.2): a client that lost its state, or whose
	// Restore failed, joins again in place of its old leaf, which the
	// commit removes. Without a member to replace the join fails.
	Resync bool
}

// JoinExternal joins a group by external commit (RFC 9420 §12.4.3.2)
// from its GroupInfo (an MLSMessage; transport Conn.GroupInfo) and
// returns the Session and the commit to send (a transport COMMIT
// handshake of epoch Commit.Epoch, with Commit.GroupInfo for the joiners
// after this one). The commit is a PublicMessage, as RFC 9420 requires.
//
// The Session is not a member yet: it seals and processes nothing until
// the delivery service confirms the commit by delivering it back (Process
// then reports ChangeOwnCommit). If the relay refuses it because another
// commit took the epoch (STALE_EPOCH), the Session is of no use:
// DiscardPending closes it, and the client joins again from the newer
// GroupInfo.
func JoinExternal(groupInfo []byte, id *Identity, cfg Config, opts *ExternalJoinOptions) (*Session, Commit, error) {
	if err := id.check("join external"); err != nil {
		return nil, Commit{}, err
	}
	if opts == nil {
		opts = &ExternalJoinOptions{}
	}
	set, err := cfg.settings()
	if err != nil {
		return nil, Commit{}, err
	}
	m, err := mls.UnmarshalMLSMessage(groupInfo)
	if err == nil && m.WireFormat != mls.WireFormatGroupInfo {
		err = fmt.Errorf("%w: a %v, not a GroupInfo", mls.ErrMalformed, m.WireFormat)
	}
	if err != nil {
		return nil, Commit{}, newError("join external", nil, err).of(id.name())
	}
	epoch := m.GroupInfo.GroupContext.Epoch
	g, msg, err := mls.JoinExternal(m.GroupInfo, opts.RatchetTree, id.Credential, id.SigningKey,
		&mls.ExternalJoinOptions{GroupOptions: set.mls, RemovePrior: opts.Resync})
	if err != nil {
		return nil, Commit{}, newError("join external", nil, err).at(epoch).of(id.name())
	}
	out := commitOutput{Message: msg}
	if out.GroupInfo, err = newMLSGroup(g).GroupInfo(); err != nil {
		return nil, Commit{}, newError("join external", nil, err).at(epoch).of(id.name())
	}
	own, _ := g.OwnLeaf()
	self, _ := g.Member(own)
	out.Added = []member{memberOf(self)}
	out.Removed = externalRemoves(msg)
	a := newMLSGroup(g)
	a.joining = true
	return newJoiningSession(cfg, a, out)
}

// externalRemoves returns the leaves an external commit (a PublicMessage
// whose proposals are all by value, RFC 9420 §12.4.3.2) removes.
func externalRemoves(commit []byte) []uint32 {
	m, err := mls.UnmarshalMLSMessage(commit)
	if err != nil || m.PublicMessage == nil || m.PublicMessage.Content.Commit == nil {
		return nil
	}
	var out []uint32
	for _, p := range m.PublicMessage.Content.Commit.Proposals {
		if r, ok := p.Proposal.(*mls.RemoveProposal); ok {
			out = append(out, uint32(r.Removed))
		}
	}
	return out
}
