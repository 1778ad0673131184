package mls

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"slices"
	"time"
)

// Validation of LeafNodes (RFC 9420 §7.3) and KeyPackages (§10.1). What
// the RFC leaves to the application (which credentials to accept, the
// clock, the longest acceptable lifetime) comes from ValidationOptions.

// CredentialValidator validates a credential with the application's
// Authentication Service (RFC 9420 §5.3.1): it decides whether the
// identities the credential presents are acceptable and bound to
// signatureKey, the signature key of the LeafNode that carries it.
//
// For an X.509 credential, chain holds the parsed certificates, end-entity
// first, and this package has already checked that the end-entity
// certificate's public key is signatureKey; verifying the chain (trust
// anchors, validity periods, revocation, names) is the validator's job.
// For other credential types chain is nil.
//
// A validator must be safe for concurrent use: the leaves of a ratchet tree
// are validated in parallel.
type CredentialValidator func(cred Credential, signatureKey []byte, chain []*x509.Certificate) error

// DefaultMaxLifetime is the longest lifetime (not_after - not_before) of a
// key_package leaf node accepted when ValidationOptions.MaxLifetime is
// zero: a year and a day.
const DefaultMaxLifetime = 366 * 24 * time.Hour

// ValidationOptions are the application's choices in the validation of
// leaf nodes, key packages and ratchet trees. The zero value (or a nil
// pointer) is usable: any well-formed credential, the system clock,
// DefaultMaxLifetime, one worker per CPU.
type ValidationOptions struct {
	// CredentialValidator validates credentials with the Authentication
	// Service. If nil, every well-formed credential is accepted: any basic
	// credential, and any X.509 chain whose end-entity key is the leaf's
	// signature key. An application that authenticates members must set
	// it (RFC 9420 §5.3.1, §16.4).
	CredentialValidator CredentialValidator

	// Now returns the time lifetimes are checked against. If nil,
	// time.Now.
	Now func() time.Time

	// MaxLifetime bounds not_after - not_before of key_package leaf nodes,
	// in key packages and in trees; RFC 9420 §7.2 requires applications to
	// define one. Zero means DefaultMaxLifetime, a negative value no
	// bound. Some implementations publish key packages with the unbounded
	// lifetime 0 to 2^64-1 (several interop vectors do); accepting them,
	// or joining a group whose tree holds their leaves, takes a negative
	// value.
	MaxLifetime time.Duration

	// SkipTreeLifetimes skips comparing the current time with the
	// lifetimes of the leaves of a received ratchet tree. RFC 9420 §7.3
	// recommends the comparison but does not require it: a leaf added from
	// a KeyPackage keeps that lifetime until its member updates. Inverted
	// or over-long lifetimes are rejected all the same. Key packages are
	// always checked against the clock.
	SkipTreeLifetimes bool

	// Workers bounds the goroutines that validate the leaves of a ratchet
	// tree and compute its tree hash. Zero means runtime.GOMAXPROCS.
	Workers int
}

func (o *ValidationOptions) now() time.Time {
	if o == nil || o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o *ValidationOptions) maxLifetime() time.Duration {
	if o == nil || o.MaxLifetime == 0 {
		return DefaultMaxLifetime
	}
	return o.MaxLifetime
}

func (o *ValidationOptions) workers() int {
	if o == nil {
		return defaultWorkers()
	}
	return workersOrDefault(o.Workers)
}

func (o *ValidationOptions) credentialValidator() CredentialValidator {
	if o == nil {
		return nil
	}
	return o.CredentialValidator
}

// isDefaultExtensionType reports whether t is one of the extension types
// of RFC 9420 §7.2 that every client supports and must not list.
func isDefaultExtensionType(t ExtensionType) bool {
	return t >= ExtensionTypeApplicationID && t <= ExtensionTypeExternalSenders
}

// isDefaultProposalType reports whether t is one of the proposal types of
// RFC 9420 §7.2 that every client supports and must not list.
func isDefaultProposalType(t ProposalType) bool {
	return t >= ProposalTypeAdd && t <= ProposalTypeGroupContextExtensions
}

// groupRequirements is what a group asks of every member's capabilities
// (RFC 9420 §7.3, §11.1, §13.4): its cipher suite, the non-default
// extension types of its GroupContext and of its required_capabilities,
// and the proposal and credential types required_capabilities lists.
type groupRequirements struct {
	suite       CipherSuite
	extensions  []ExtensionType
	proposals   []ProposalType
	credentials []CredentialType
}

// newGroupRequirements derives the requirements of a group with cipher
// suite cs and GroupContext extensions gcExtensions.
func newGroupRequirements(cs CipherSuite, gcExtensions []Extension) (*groupRequirements, error) {
	req := &groupRequirements{suite: cs}
	for _, e := range gcExtensions {
		if !isDefaultExtensionType(e.Type) {
			req.extensions = append(req.extensions, e.Type)
		}
		if e.Type != ExtensionTypeRequiredCapabilities {
			continue
		}
		rc, err := UnmarshalRequiredCapabilities(e.Data)
		if err != nil {
			return nil, err
		}
		for _, t := range rc.ExtensionTypes {
			if !isDefaultExtensionType(t) && !slices.Contains(req.extensions, t) {
				req.extensions = append(req.extensions, t)
			}
		}
		for _, t := range rc.ProposalTypes {
			if !isDefaultProposalType(t) {
				req.proposals = append(req.proposals, t)
			}
		}
		req.credentials = rc.CredentialTypes
	}
	return req, nil
}

// leafNodeContext is where a LeafNode was found, which decides the checks
// of RFC 9420 §7.3 that apply.
type leafNodeContext struct {
	// source is the leaf_node_source required: key_package in a
	// KeyPackage, update in an Update proposal, commit in an UpdatePath.
	// Zero accepts any, as in a ratchet tree.
	source LeafNodeSource
	// groupID and leaf are the context of the signature of update and
	// commit leaf nodes (LeafNodeTBS).
	groupID []byte
	leaf    LeafIndex
	// checkTime compares the current time with a key_package lifetime.
	checkTime bool
}

// leafNodeError returns an ErrInvalidLeafNode error.
func leafNodeError(cause error, detail string, kind error) error {
	return newValidationError("leaf node", "", cause, detail, kind, ErrInvalidLeafNode)
}

// validateLeafNode makes the checks of RFC 9420 §7.3 that concern a
// LeafNode on its own and against the group's requirements req (nil for
// none, as for a KeyPackage not yet meant for a group): source, keys,
// capabilities, lifetime, credential, signature, cheapest first. The
// checks against the other members (credential types every member
// supports, unique keys) are the tree's: checkCredentialSupport and
// checkUniqueKeys, or validate for a whole tree.
func validateLeafNode(s *suite, ln *LeafNode, lc leafNodeContext, req *groupRequirements, opts *ValidationOptions) error {
	if lc.source != 0 && ln.Source != lc.source {
		return leafNodeError(nil, fmt.Sprintf("leaf_node_source is %v, want %v", ln.Source, lc.source), nil)
	}
	if err := s.checkSignaturePublicKey(ln.SignatureKey); err != nil {
		return leafNodeError(err, "signature_key", nil)
	}
	if err := s.checkHPKEPublicKey(ln.EncryptionKey); err != nil {
		return leafNodeError(err, "encryption_key", nil)
	}
	if err := checkCapabilities(ln, req); err != nil {
		return err
	}
	if ln.Source == LeafNodeSourceKeyPackage {
		if err := checkLifetime(ln.Lifetime, lc.checkTime, opts); err != nil {
			return err
		}
	}
	if err := s.checkCredential(&ln.Credential, ln.SignatureKey, opts.credentialValidator()); err != nil {
		return leafNodeError(err, "credential", ErrInvalidCredential)
	}
	tbs, err := marshalLeafNodeTBS(ln, lc.groupID, lc.leaf)
	if err != nil {
		return leafNodeError(err, "signature", nil)
	}
	if err := s.verifyWithLabel(ln.SignatureKey, "LeafNodeTBS", tbs, ln.Signature); err != nil {
		return leafNodeError(err, "signature", nil)
	}
	return nil
}

// checkCapabilities checks a leaf node's capabilities (RFC 9420 §7.2,
// §7.3): they list the leaf's own credential type and the non-default
// types of its extensions, and whatever the group requires. Values the
// package does not know, GREASE included, are ignored; default types,
// which clients must not list, are taken as supported. That the version
// and cipher suite in use are listed is checked for KeyPackages only
// (§10): §7.3 does not ask it of the leaves of a tree, and the leaves of
// other implementations do not always list the group's suite.
func checkCapabilities(ln *LeafNode, req *groupRequirements) error {
	caps := &ln.Capabilities
	missing := func(format string, args ...any) error {
		return leafNodeError(nil, "capabilities do not list "+fmt.Sprintf(format, args...), ErrUnsupportedCapability)
	}
	if !slices.Contains(caps.Credentials, ln.Credential.Type) {
		return missing("the leaf's own credential type %v", ln.Credential.Type)
	}
	for _, e := range ln.Extensions {
		if !isDefaultExtensionType(e.Type) && !slices.Contains(caps.Extensions, e.Type) {
			return missing("extension type %v, which the leaf carries", e.Type)
		}
	}
	if req == nil {
		return nil
	}
	for _, t := range req.extensions {
		if !slices.Contains(caps.Extensions, t) {
			return missing("extension type %v, which the group requires", t)
		}
	}
	for _, t := range req.proposals {
		if !slices.Contains(caps.Proposals, t) {
			return missing("proposal type %v, which the group requires", t)
		}
	}
	for _, t := range req.credentials {
		if !slices.Contains(caps.Credentials, t) {
			return missing("credential type %v, which the group requires", t)
		}
	}
	return nil
}

// checkLifetime checks the lifetime of a key_package leaf node (RFC 9420
// §7.2, §7.3): not inverted, not longer than the application allows, and,
// if checkTime, including the current time.
func checkLifetime(lt Lifetime, checkTime bool, opts *ValidationOptions) error {
	fail := func(format string, args ...any) error {
		return leafNodeError(nil, "lifetime: "+fmt.Sprintf(format, args...), ErrLifetime)
	}
	if lt.NotBefore > lt.NotAfter {
		return fail("not_before %d is after not_after %d", lt.NotBefore, lt.NotAfter)
	}
	if limit := opts.maxLifetime(); limit > 0 && lt.NotAfter-lt.NotBefore > uint64(limit/time.Second) {
		return fail("%d seconds exceed the maximum of %d", lt.NotAfter-lt.NotBefore, uint64(limit/time.Second))
	}
	if !checkTime {
		return nil
	}
	now := opts.now().Unix()
	switch {
	case now < 0 || uint64(now) < lt.NotBefore:
		return fail("not valid before %d, it is %d", lt.NotBefore, now)
	case uint64(now) > lt.NotAfter:
		return fail("expired at %d, it is %d", lt.NotAfter, now)
	}
	return nil
}

// checkCredential checks a credential's form and has the application's
// validator judge it (RFC 9420 §5.3, §5.3.1).
func (s *suite) checkCredential(cred *Credential, signatureKey []byte, validate CredentialValidator) error {
	var chain []*x509.Certificate
	if cred.Type == CredentialTypeX509 {
		var err error
		if chain, err = s.x509Chain(cred, signatureKey); err != nil {
			return err
		}
	}
	if validate == nil {
		return nil
	}
	if err := validate(*cred, signatureKey, chain); err != nil {
		return fmt.Errorf("rejected by the credential validator: %w", err)
	}
	return nil
}

// keyPackageError returns an ErrInvalidKeyPackage error.
func keyPackageError(cause error, detail string, kinds ...error) error {
	return newValidationError("key package", "", cause, detail, append(kinds, ErrInvalidKeyPackage)...)
}

// Verify checks what a KeyPackage must satisfy in any group (RFC 9420
// §10.1): version MLS 1.0, a supported cipher suite, a valid init key
// that differs from the leaf's encryption key, a leaf node valid for a
// KeyPackage (§7.3, its lifetime checked against the clock), and the
// KeyPackage signature by the leaf's signature key. Adding it to a group
// takes further checks against that group's suite and requirements, which
// the group makes.
func (kp *KeyPackage) Verify(opts *ValidationOptions) error {
	return kp.verify(nil, opts)
}

// verify is Verify with the group's requirements (nil for none): the
// cipher suite must be the group's, and the leaf node must support what
// the group requires.
func (kp *KeyPackage) verify(req *groupRequirements, opts *ValidationOptions) error {
	if kp.Version != ProtocolVersionMLS10 {
		return keyPackageError(nil, fmt.Sprintf("version %v, want %v", kp.Version, ProtocolVersionMLS10))
	}
	if req != nil && kp.CipherSuite != req.suite {
		return keyPackageError(nil, fmt.Sprintf("cipher suite %v, the group's is %v", kp.CipherSuite, req.suite), ErrUnsupportedCipherSuite)
	}
	s, err := kp.CipherSuite.suite()
	if err != nil {
		return keyPackageError(err, "cipher_suite")
	}
	if err := s.checkHPKEPublicKey(kp.InitKey); err != nil {
		return keyPackageError(err, "init_key")
	}
	if bytes.Equal(kp.InitKey, kp.LeafNode.EncryptionKey) {
		return keyPackageError(nil, "init_key equals the leaf's encryption_key", ErrDuplicateKey)
	}
	lc := leafNodeContext{source: LeafNodeSourceKeyPackage, checkTime: true}
	if err := validateLeafNode(s, &kp.LeafNode, lc, req, opts); err != nil {
		return rehome(err, "key package", "leaf_node", ErrInvalidKeyPackage)
	}
	tbs, err := marshalKeyPackageTBS(kp)
	if err != nil {
		return keyPackageError(err, "signature")
	}
	if err := s.verifyWithLabel(kp.LeafNode.SignatureKey, "KeyPackageTBS", tbs, kp.Signature); err != nil {
		return keyPackageError(err, "signature")
	}
	return nil
}

// checkNewLeaf makes the checks of RFC 9420 §7.3 that set a leaf node
// arriving in an Add, an Update or an UpdatePath against the other members
// of t, for ln about to occupy leaf l: the credential types are supported
// both ways (checkCredentialSupport), its keys are in no other node
// (checkUniqueKeys), and when it replaces a leaf node (Update, Commit) its
// encryption key is not the replaced one's (§7.3, §12.4.2). The checks of
// ln on its own are validateLeafNode's (or KeyPackage.verify's).
func (t *ratchetTree) checkNewLeaf(ln *LeafNode, l LeafIndex) error {
	if old := t.leafNode(l); old != nil && bytes.Equal(old.EncryptionKey, ln.EncryptionKey) {
		return leafNodeError(nil, fmt.Sprintf("encryption_key is that of the leaf node it replaces at leaf %d", l), ErrDuplicateKey)
	}
	if err := t.checkCredentialSupport(ln, l); err != nil {
		return err
	}
	return t.checkUniqueKeys(ln, l)
}

// checkCredentialSupport checks ln, about to occupy leaf l, against the
// other members of t (RFC 9420 §7.3): every one of them supports ln's
// credential type, and ln supports each of theirs.
func (t *ratchetTree) checkCredentialSupport(ln *LeafNode, l LeafIndex) error {
	for m, other := range t.members() {
		if m == l {
			continue
		}
		if !slices.Contains(other.Capabilities.Credentials, ln.Credential.Type) {
			return leafNodeError(nil, fmt.Sprintf("credential type %v is not supported by leaf %d", ln.Credential.Type, m), ErrUnsupportedCapability)
		}
		if !slices.Contains(ln.Capabilities.Credentials, other.Credential.Type) {
			return leafNodeError(nil, fmt.Sprintf("capabilities do not list credential type %v, which leaf %d uses", other.Credential.Type, m), ErrUnsupportedCapability)
		}
	}
	return nil
}

// checkUniqueKeys checks that ln, about to occupy leaf l, brings keys new
// to t (RFC 9420 §7.3): its signature key is in no other leaf, its
// encryption key in no other node.
func (t *ratchetTree) checkUniqueKeys(ln *LeafNode, l LeafIndex) error {
	own := l.node()
	for i := range t.nodes {
		x := NodeIndex(i)
		if x == own {
			continue
		}
		if !t.isBlank(x) && bytes.Equal(t.encryptionKey(x), ln.EncryptionKey) {
			return leafNodeError(nil, fmt.Sprintf("encryption_key already at %s", nodeName(x)), ErrDuplicateKey)
		}
		if other := t.nodes[i].leaf; other != nil && bytes.Equal(other.SignatureKey, ln.SignatureKey) {
			return leafNodeError(nil, fmt.Sprintf("signature_key already at %s", nodeName(x)), ErrDuplicateKey)
		}
	}
	return nil
}
