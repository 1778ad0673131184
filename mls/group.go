package mls

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
)

// Group is one member's state of an MLS group (RFC 9420 §8, §11, §12): the
// GroupContext of the current epoch, the ratchet tree with the private
// keys the member holds, the epoch's secrets, the proposals received in the
// epoch, and the member's own pending commit, if any.
//
// A Group is made by CreateGroup, JoinFromWelcome, JoinExternal,
// ReInitGroup, Branch or UnmarshalGroup. It moves from epoch to epoch by
// commits: its own (Commit, then MergePendingCommit once the Delivery
// Service has accepted it) and other members' (Process returns a
// StagedCommit, then Merge). Every received message is validated in full
// before anything changes: Process never changes the group for a commit,
// and a message that fails leaves it exactly as it was.
//
// A Group is not safe for concurrent use: like the protocol it implements,
// it is a state machine whose every message depends on the last. Callers
// serialize access to it (one goroutine, or a mutex). Internally, tree
// validation, hashing and TreeKEM use a bounded worker pool
// (ValidationOptions.Workers).
type Group struct {
	cfg    groupConfig
	suite  *suite
	signer *SigningKey

	cur *epochState
	// past holds the message keys of up to cfg.pastEpochs earlier epochs,
	// oldest first, for late application messages.
	past []*pastEpoch
	// resumption holds the resumption_psk of earlier epochs, oldest first;
	// with the current epoch's, up to cfg.resumptionEpochs.
	resumption []resumptionEntry

	proposals proposalCache
	pending   *StagedCommit
	// sent holds the hashes of the handshake messages this member sent in
	// the current epoch, so that their echo from the Delivery Service is
	// recognized; ownCommit is the hash of the commit by this member that
	// created the current epoch, if it made it.
	sent      map[[32]byte]sentMessage
	ownCommit *[32]byte

	externalPSKs map[string]secret

	status groupStatus
	// reinit holds the ReInit proposal of the commit that ended the group
	// (status reinitPending).
	reinit *ReInitProposal
}

// groupStatus says what a member may still do with a group.
type groupStatus uint8

const (
	statusActive groupStatus = iota
	// statusRemoved: a merged commit removed the member.
	statusRemoved
	// statusReInit: a merged commit carried a ReInit proposal.
	statusReInit
)

// sentMessage is what a member remembers of a handshake message it sent:
// the ref of a proposal, or nothing for its pending commit.
type sentMessage struct {
	commit bool
	ref    []byte
}

// messageHash identifies an encoded message this member sent.
func messageHash(msg []byte) [32]byte { return sha256.Sum256(msg) }

// epochState is the state of one epoch: its GroupContext and ratchet tree,
// the member's private keys in the tree, the epoch's secrets, its message
// protector, and the transcript hashes. The tree and GroupContext are
// never modified once the epoch exists: a commit stages a new epochState
// beside it.
type epochState struct {
	gc   *GroupContext
	tree *ratchetTree
	// priv is nil for a member removed by the commit that made the epoch.
	priv            *treeKEMPrivate
	secrets         *epochSecrets // the message secrets are in protector
	protector       *messageProtector
	interim         []byte // interim_transcript_hash
	confirmationTag []byte // of the commit (or GroupInfo) that made the epoch
	req             *groupRequirements
}

func (e *epochState) String() string                { return redactedText("mls.epochState") }
func (e *epochState) GoString() string              { return redactedText("mls.epochState") }
func (e *epochState) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.epochState") }

// newEpochState assembles an epoch from its GroupContext, tree, private
// keys, secrets and confirmation tag: it computes the interim transcript
// hash (RFC 9420 §8.2) and the group's requirements, and moves the message
// secrets of es into a new message protector. On failure es is zeroed.
func newEpochState(gc *GroupContext, tree *ratchetTree, priv *treeKEMPrivate, es *epochSecrets, confirmationTag []byte, limits secretTreeLimits) (*epochState, error) {
	interim, err := es.suite.interimTranscriptHash(gc.ConfirmedTranscriptHash, confirmationTag)
	if err != nil {
		es.zero()
		return nil, err
	}
	req, err := newGroupRequirements(gc.CipherSuite, gc.Extensions)
	if err != nil {
		es.zero()
		return nil, err
	}
	p, err := es.messageProtector(gc, tree.leafCount(), tree.memberSignatureKey, limits)
	if err != nil {
		es.zero()
		return nil, err
	}
	return &epochState{
		gc:              gc,
		tree:            tree,
		priv:            priv,
		secrets:         es,
		protector:       p,
		interim:         interim,
		confirmationTag: slices.Clone(confirmationTag),
		req:             req,
	}, nil
}

// zero deletes the epoch's secrets.
func (e *epochState) zero() {
	if e == nil {
		return
	}
	e.secrets.zero()
	e.protector.zero()
}

// ownLeaf returns the member's leaf; ok is false for a removed member.
func (e *epochState) ownLeaf() (LeafIndex, bool) {
	if e.priv == nil {
		return 0, false
	}
	return e.priv.leaf, true
}

// memberSignatureKey returns the signature key of member l, the
// memberKeyFunc of the epoch's message protector: an error for a blank
// leaf or one outside the tree (RFC 9420 §6.3.2).
func (t *ratchetTree) memberSignatureKey(l LeafIndex) ([]byte, error) {
	ln := t.leafNode(l)
	if ln == nil {
		return nil, fmt.Errorf("leaf %d is blank or outside the tree of %d leaves", l, t.leafCount())
	}
	return ln.SignatureKey, nil
}

// pastEpoch keeps what is needed to read late application messages of an
// earlier epoch: its message protector, whose member key lookup uses the
// epoch's tree, and the member's leaf in it.
type pastEpoch struct {
	protector *messageProtector
	tree      *ratchetTree
	own       LeafIndex
	hasOwn    bool
}

// resumptionEntry is the resumption_psk of an earlier epoch (RFC 9420
// §8.6).
type resumptionEntry struct {
	epoch uint64
	psk   secret
}

// Member describes one member of a group as its leaf node presents it
// (RFC 9420 §7.2). The slices are copies.
type Member struct {
	Leaf          LeafIndex
	Credential    Credential
	SignatureKey  []byte
	EncryptionKey []byte
}

// newMember describes the member at leaf l.
func newMember(l LeafIndex, ln *LeafNode) Member {
	return Member{
		Leaf:          l,
		Credential:    cloneCredential(&ln.Credential),
		SignatureKey:  slices.Clone(ln.SignatureKey),
		EncryptionKey: slices.Clone(ln.EncryptionKey),
	}
}

// cloneCredential returns a deep copy of c.
func cloneCredential(c *Credential) Credential {
	out := Credential{Type: c.Type, Identity: slices.Clone(c.Identity), Data: slices.Clone(c.Data)}
	if c.Certificates != nil {
		out.Certificates = make([][]byte, len(c.Certificates))
		for i, cert := range c.Certificates {
			out.Certificates[i] = slices.Clone(cert)
		}
	}
	return out
}

// GroupID returns the group's ID (RFC 9420 §8.1).
func (g *Group) GroupID() []byte { return slices.Clone(g.cur.gc.GroupID) }

// Epoch returns the current epoch (RFC 9420 §8.1).
func (g *Group) Epoch() uint64 { return g.cur.gc.Epoch }

// CipherSuite returns the group's cipher suite.
func (g *Group) CipherSuite() CipherSuite { return g.suite.id }

// OwnLeaf returns the member's leaf index. After a commit removed the
// member, ok is false.
func (g *Group) OwnLeaf() (leaf LeafIndex, ok bool) { return g.cur.ownLeaf() }

// SigningKey returns the member's signature key, that of its leaf node.
func (g *Group) SigningKey() *SigningKey { return g.signer }

// Extensions returns a copy of the GroupContext extensions of the current
// epoch (RFC 9420 §8.1, §13).
func (g *Group) Extensions() []Extension { return cloneExtensions(g.cur.gc.Extensions) }

// cloneExtensions returns a deep copy of exts, never nil.
func cloneExtensions(exts []Extension) []Extension {
	out := make([]Extension, len(exts))
	for i, e := range exts {
		out[i] = Extension{Type: e.Type, Data: slices.Clone(e.Data)}
	}
	return out
}

// Members returns the members of the current epoch in leaf order.
func (g *Group) Members() []Member {
	var out []Member
	for l, ln := range g.cur.tree.members() {
		out = append(out, newMember(l, ln))
	}
	return out
}

// Member returns the member at leaf l; ok is false if the leaf is blank or
// outside the tree.
func (g *Group) Member(l LeafIndex) (m Member, ok bool) {
	ln := g.cur.tree.leafNode(l)
	if ln == nil {
		return Member{}, false
	}
	return newMember(l, ln), true
}

// MemberByIdentity returns the leaf of the first member whose basic
// credential has the given identity (RFC 9420 §5.3); ok is false if there
// is none. Members with other credential types are not matched.
func (g *Group) MemberByIdentity(identity []byte) (leaf LeafIndex, ok bool) {
	for l, ln := range g.cur.tree.members() {
		if ln.Credential.Type == CredentialTypeBasic && bytes.Equal(ln.Credential.Identity, identity) {
			return l, true
		}
	}
	return 0, false
}

// EpochAuthenticator returns the epoch_authenticator of the current epoch
// (RFC 9420 §8.7): equal for all members that share the view of the group,
// so that comparing it out of band detects an impersonation. It is secret
// from non-members. A removed member has none (nil).
func (g *Group) EpochAuthenticator() []byte {
	return slices.Clone(g.cur.secrets.authenticator.secret)
}

// Export returns MLS-Exporter(label, context, length) of the current epoch
// (RFC 9420 §8.5): a secret of length bytes for use outside MLS, bound to
// the epoch, the label and the context. Applications use their own labels
// (RFC 9605 §5.2 uses "SFrame 1.0 Base Key"). It is secret.
func (g *Group) Export(label string, context []byte, length int) ([]byte, error) {
	if g.status == statusRemoved {
		return nil, fmt.Errorf("mls: export: %w", ErrNotMember)
	}
	out, err := g.cur.secrets.exporter.export(label, context, length)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RatchetTree returns the ratchet tree of the current epoch encoded as the
// data of a ratchet_tree extension (RFC 9420 §12.4.3.3), for new members
// that receive it out of band.
func (g *Group) RatchetTree() ([]byte, error) { return g.cur.tree.marshal() }

// PendingReInit returns the ReInit proposal of the commit that ended the
// group (RFC 9420 §11.2), or nil if the group was not reinitialized. The
// member must then not send in the group any more: it creates the new
// group with ReInitGroup, or joins it with JoinFromWelcome and the old
// group in the options.
func (g *Group) PendingReInit() *ReInitProposal {
	if g.status != statusReInit || g.reinit == nil {
		return nil
	}
	r := *g.reinit
	r.GroupID = slices.Clone(r.GroupID)
	r.Extensions = cloneExtensions(r.Extensions)
	return &r
}

// AddExternalPSK stores an external pre-shared key (RFC 9420 §8.4) under
// id, for Commits and Welcomes that inject it and for ProposeExternalPSK.
// It replaces a PSK stored under the same id. The group keeps a copy, with
// its other secrets.
func (g *Group) AddExternalPSK(id, psk []byte) {
	if g.externalPSKs == nil {
		g.externalPSKs = map[string]secret{}
	}
	if old, ok := g.externalPSKs[string(id)]; ok {
		old.zero()
	}
	g.externalPSKs[string(id)] = secret(psk).clone()
}

// RemoveExternalPSK deletes the external PSK stored under id, if any.
func (g *Group) RemoveExternalPSK(id []byte) {
	if old, ok := g.externalPSKs[string(id)]; ok {
		old.zero()
		delete(g.externalPSKs, string(id))
	}
}

// checkActive returns an error unless the member may still send in the
// group: it is a member and the group was not reinitialized.
func (g *Group) checkActive(what string) error {
	switch g.status {
	case statusActive:
		return nil
	case statusRemoved:
		return fmt.Errorf("mls: %s: %w", what, ErrNotMember)
	case statusReInit:
		return fmt.Errorf("mls: %s: %w", what, ErrReInitPending)
	}
	return nil
}

// ownLeaf returns the member's leaf in the current epoch; the caller has
// checked that the member is active.
func (g *Group) ownLeaf() LeafIndex {
	l, _ := g.cur.ownLeaf()
	return l
}

// handshakeWireFormat returns the wire format of this member's proposals
// and commits.
func (g *Group) handshakeWireFormat() WireFormat {
	if g.cfg.encryptHandshake {
		return WireFormatPrivateMessage
	}
	return WireFormatPublicMessage
}

// protect encodes ac, signed by this member for the current epoch, as an
// MLSMessage in the wire format it was signed for (RFC 9420 §6.2, §6.3).
// A PrivateMessage advances the member's sender ratchet.
func (g *Group) protect(ac *AuthenticatedContent) ([]byte, error) {
	m := &MLSMessage{WireFormat: ac.WireFormat}
	var err error
	switch ac.WireFormat {
	case WireFormatPublicMessage:
		m.PublicMessage, err = g.cur.protector.protectPublic(ac)
	default:
		m.PrivateMessage, err = g.cur.protector.protectPrivatePadded(ac, g.cfg.paddingBlock)
	}
	if err != nil {
		return nil, err
	}
	return m.Marshal()
}

// String describes the group without its secrets.
func (g *Group) String() string {
	return fmt.Sprintf("mls.Group{%x epoch %d, %v}", g.cur.gc.GroupID, g.cur.gc.Epoch, g.suite.id)
}

// GoString is String.
func (g *Group) GoString() string { return g.String() }

// Format prints String for every verb, so that no verb reaches the
// secrets inside.
func (g *Group) Format(f fmt.State, verb rune) { fmt.Fprint(f, g.String()) }
