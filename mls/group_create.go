package mls

import (
	"crypto/rand"
	"fmt"
	"slices"
	"time"
)

// Group creation (RFC 9420 §11).

// CreateGroup creates a group with one member, the caller (RFC 9420 §11):
// group ID groupID (nil means a random one of KDF.Nh bytes, as §11
// recommends), cipher suite cs, the GroupContext extensions of
// opts.Extensions, and a leaf for cred signed by signer, which must be a
// key of cs. The group is at epoch 0, with a fresh random epoch secret.
func CreateGroup(groupID []byte, cs CipherSuite, cred Credential, signer *SigningKey, opts *GroupOptions) (*Group, error) {
	if opts == nil {
		opts = &GroupOptions{}
	}
	cfg, err := opts.config()
	if err != nil {
		return nil, err
	}
	s, err := cs.suite()
	if err != nil {
		return nil, err
	}
	if signer == nil || signer.CipherSuite() != cs {
		return nil, fmt.Errorf("mls: create group: no signing key of %v: %w", cs, ErrInvalidPrivateKey)
	}
	if groupID == nil {
		groupID = make([]byte, s.nh)
		if _, err := rand.Read(groupID); err != nil {
			return nil, err
		}
	}
	g := &Group{cfg: cfg, suite: s, signer: signer}
	exts := cloneExtensions(opts.Extensions)
	req, err := g.checkGroupContextExtensions(exts)
	if err != nil {
		return nil, fmt.Errorf("mls: create group: %w", err)
	}
	ln, encKey, err := g.newLeafNode(cred, opts, exts)
	if err != nil {
		return nil, err
	}
	lc := leafNodeContext{source: LeafNodeSourceKeyPackage, checkTime: true}
	if err := validateLeafNode(s, ln, lc, req, cfg.validation); err != nil {
		return nil, fmt.Errorf("mls: create group: own leaf: %w", err)
	}
	tree := newOneMemberTree(s, ln)
	gc := &GroupContext{CipherSuite: cs, GroupID: slices.Clone(groupID), Epoch: 0, ConfirmedTranscriptHash: []byte{}, Extensions: exts}
	if gc.TreeHash, err = tree.treeHash(); err != nil {
		return nil, err
	}
	// RFC 9420 §11: a random epoch_secret, and the confirmation tag over
	// the empty confirmed transcript hash.
	epochSecret, err := s.randomEpochSecret()
	if err != nil {
		return nil, err
	}
	es, err := epochSecret.derive()
	epochSecret.zero()
	if err != nil {
		return nil, err
	}
	tag := es.confirmation.tag(gc.ConfirmedTranscriptHash)
	if g.cur, err = newEpochState(gc, tree, newTreeKEMPrivate(0, encKey), es, tag, cfg.limits); err != nil {
		return nil, err
	}
	return g, nil
}

// newLeafNode makes the leaf node with which the member creates a group
// (RFC 9420 §11): source key_package with the lifetime NewKeyPackage
// gives, a fresh encryption key, cred, and the capabilities of opts (by
// default those of NewKeyPackage for cred and the extensions groupExts and
// opts.LeafExtensions), signed by the group's signer.
func (g *Group) newLeafNode(cred Credential, opts *GroupOptions, groupExts []Extension) (*LeafNode, *hpkePrivateKey, error) {
	s := g.suite
	if err := s.checkCredential(&cred, g.signer.pub, nil); err != nil {
		return nil, nil, leafNodeError(err, "credential", ErrInvalidCredential)
	}
	encKey, err := s.generateHPKEKey()
	if err != nil {
		return nil, nil, err
	}
	notBefore := time.Now().Add(-keyPackageClockSkew)
	ln := &LeafNode{
		EncryptionKey: encKey.publicKey(),
		SignatureKey:  g.signer.PublicKey(),
		Credential:    cloneCredential(&cred),
		Capabilities:  g.leafCapabilities(cred.Type, opts, groupExts),
		Source:        LeafNodeSourceKeyPackage,
		Lifetime:      Lifetime{NotBefore: uint64(notBefore.Unix()), NotAfter: uint64(notBefore.Add(keyPackageClockSkew + DefaultKeyPackageLifetime).Unix())},
		Extensions:    cloneExtensions(opts.LeafExtensions),
	}
	if err := s.signLeafNode(g.signer, ln, nil, 0); err != nil {
		return nil, nil, err
	}
	return ln, encKey, nil
}

// leafCapabilities returns the capabilities of a new leaf of this member:
// opts.Capabilities, or the defaults of NewKeyPackage for the credential
// type and the extensions groupExts and opts.LeafExtensions.
func (g *Group) leafCapabilities(ct CredentialType, opts *GroupOptions, groupExts []Extension) Capabilities {
	if opts.Capabilities != nil {
		c := *opts.Capabilities
		return Capabilities{
			Versions:     slices.Clone(c.Versions),
			CipherSuites: slices.Clone(c.CipherSuites),
			Extensions:   slices.Clone(c.Extensions),
			Proposals:    slices.Clone(c.Proposals),
			Credentials:  slices.Clone(c.Credentials),
		}
	}
	return defaultCapabilities(g.suite.id, ct, opts.LeafExtensions, groupExts)
}
