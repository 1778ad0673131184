package mls

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

// Creation and signing of KeyPackages (RFC 9420 §10) and LeafNodes (§7.2).

// DefaultKeyPackageLifetime is how long a KeyPackage made by NewKeyPackage
// stays valid when the options do not say: 90 days from its creation.
const DefaultKeyPackageLifetime = 90 * 24 * time.Hour

// keyPackageClockSkew is how far before its creation a KeyPackage made by
// NewKeyPackage starts to be valid, so that members whose clocks run a
// little behind accept it (RFC 9420 §7.2 asks for synchronized clocks).
const keyPackageClockSkew = time.Hour

// KeyPackageOptions are the choices in making a KeyPackage. The zero
// value (or a nil pointer) gives the defaults.
type KeyPackageOptions struct {
	// Capabilities are the leaf node's capabilities. If nil: MLS 1.0, the
	// signer's cipher suite, the basic and X.509 credential types and the
	// credential's own, the non-default types of the extensions below, and
	// one random GREASE value in each list but versions (RFC 9420 §13.5).
	// Given capabilities are used as they are.
	Capabilities *Capabilities

	// NotBefore and NotAfter bound the lifetime. Zero values mean one hour
	// before now, and NotBefore plus one hour plus
	// DefaultKeyPackageLifetime.
	NotBefore, NotAfter time.Time

	// LeafExtensions are the leaf node's extensions, Extensions the
	// KeyPackage's. Unless Capabilities is given, a GREASE extension is
	// added to Extensions.
	LeafExtensions []Extension
	Extensions     []Extension
}

// NewKeyPackage makes a KeyPackage for signer's cipher suite (RFC 9420
// §10): fresh init and encryption key pairs, a key_package leaf node with
// credential cred and signer's public key, both signed by signer. An X.509
// credential's end-entity certificate must hold signer's public key.
func NewKeyPackage(signer *SigningKey, cred Credential, opts *KeyPackageOptions) (*KeyPackage, *KeyPackagePrivateKeys, error) {
	if signer == nil {
		return nil, nil, fmt.Errorf("mls: NewKeyPackage: no signing key: %w", ErrInvalidPrivateKey)
	}
	if opts == nil {
		opts = &KeyPackageOptions{}
	}
	s, err := signer.CipherSuite().suite()
	if err != nil {
		return nil, nil, err
	}
	if err := s.checkCredential(&cred, signer.pub, nil); err != nil {
		return nil, nil, keyPackageError(err, "credential", ErrInvalidCredential)
	}
	notBefore, notAfter := opts.NotBefore, opts.NotAfter
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-keyPackageClockSkew)
	}
	if notAfter.IsZero() {
		notAfter = notBefore.Add(keyPackageClockSkew + DefaultKeyPackageLifetime)
	}
	if notBefore.Unix() < 0 || notAfter.Before(notBefore) {
		return nil, nil, keyPackageError(nil, fmt.Sprintf("lifetime from %v to %v", notBefore, notAfter), ErrLifetime)
	}
	extensions := slices.Clone(opts.Extensions)
	var caps Capabilities
	if opts.Capabilities != nil {
		caps = *opts.Capabilities
	} else {
		extensions = append(extensions, Extension{Type: ExtensionType(greaseValue()), Data: []byte{}})
		caps = defaultCapabilities(s.id, cred.Type, opts.LeafExtensions, extensions)
	}
	initKey, err := s.generateHPKEKey()
	if err != nil {
		return nil, nil, err
	}
	encKey, err := s.generateHPKEKey()
	if err != nil {
		return nil, nil, err
	}
	kp := &KeyPackage{
		Version:     ProtocolVersionMLS10,
		CipherSuite: s.id,
		InitKey:     initKey.publicKey(),
		LeafNode: LeafNode{
			EncryptionKey: encKey.publicKey(),
			SignatureKey:  signer.PublicKey(),
			Credential:    cred,
			Capabilities:  caps,
			Source:        LeafNodeSourceKeyPackage,
			Lifetime:      Lifetime{NotBefore: uint64(notBefore.Unix()), NotAfter: uint64(notAfter.Unix())},
			Extensions:    nonNilExtensions(opts.LeafExtensions),
		},
		Extensions: nonNilExtensions(extensions),
	}
	if err := s.signLeafNode(signer, &kp.LeafNode, nil, 0); err != nil {
		return nil, nil, err
	}
	tbs, err := marshalKeyPackageTBS(kp)
	if err != nil {
		return nil, nil, err
	}
	if kp.Signature, err = s.signWithLabel(signer, "KeyPackageTBS", tbs); err != nil {
		return nil, nil, err
	}
	return kp, &KeyPackagePrivateKeys{suite: s.id, initKey: initKey, encryptionKey: encKey, signer: signer}, nil
}

// nonNilExtensions returns exts, or an empty list for nil, so that a new
// structure equals its decoded encoding.
func nonNilExtensions(exts []Extension) []Extension {
	if exts == nil {
		return []Extension{}
	}
	return exts
}

// defaultCapabilities returns the capabilities NewKeyPackage advertises:
// what this package implements for suite cs and the non-default types of
// the given extensions, with a random GREASE value in the cipher suite,
// proposal and credential lists (RFC 9420 §13.5; NewKeyPackage adds a
// GREASE extension, which makes one in the extension list).
func defaultCapabilities(cs CipherSuite, cred CredentialType, extLists ...[]Extension) Capabilities {
	caps := Capabilities{
		Versions:     []ProtocolVersion{ProtocolVersionMLS10},
		CipherSuites: []CipherSuite{cs, CipherSuite(greaseValue())},
		Extensions:   []ExtensionType{},
		Proposals:    []ProposalType{ProposalType(greaseValue())},
		Credentials:  []CredentialType{CredentialTypeBasic, CredentialTypeX509},
	}
	if !slices.Contains(caps.Credentials, cred) {
		caps.Credentials = append(caps.Credentials, cred)
	}
	caps.Credentials = append(caps.Credentials, CredentialType(greaseValue()))
	for _, exts := range extLists {
		for _, e := range exts {
			if !isDefaultExtensionType(e.Type) && !slices.Contains(caps.Extensions, e.Type) {
				caps.Extensions = append(caps.Extensions, e.Type)
			}
		}
	}
	return caps
}

// greaseValue returns one of the fifteen GREASE code points of RFC 9420
// §13.5, 0x0A0A, 0x1A1A, ..., 0xEAEA, chosen at random.
func greaseValue() uint16 {
	var b [2]byte
	rand.Read(b[:])
	k := binary.BigEndian.Uint16(b[:]) % 15
	return 0x0A0A + 0x1010*k
}

// signLeafNode sets ln.Signature to SignWithLabel(signer, "LeafNodeTBS",
// LeafNodeTBS) (RFC 9420 §7.2); groupID and leaf enter the signature for
// the update and commit sources.
func (s *suite) signLeafNode(signer *SigningKey, ln *LeafNode, groupID []byte, leaf LeafIndex) error {
	tbs, err := marshalLeafNodeTBS(ln, groupID, leaf)
	if err != nil {
		return err
	}
	ln.Signature, err = s.signWithLabel(signer, "LeafNodeTBS", tbs)
	return err
}

// newUpdateLeafNode returns the LeafNode of an Update proposal by member
// leaf of group groupID (RFC 9420 §12.1.2): the content of base (the
// member's current leaf node, or a new one to change credential,
// capabilities or extensions) with a fresh encryption key, source update,
// signed by signer. It returns the new encryption key's private key.
func (s *suite) newUpdateLeafNode(signer *SigningKey, base *LeafNode, groupID []byte, leaf LeafIndex) (*LeafNode, *hpkePrivateKey, error) {
	key, err := s.generateHPKEKey()
	if err != nil {
		return nil, nil, err
	}
	ln := *base
	ln.EncryptionKey = key.publicKey()
	ln.SignatureKey = signer.PublicKey()
	ln.Source = LeafNodeSourceUpdate
	ln.Lifetime = Lifetime{}
	ln.ParentHash = nil
	ln.Extensions = nonNilExtensions(ln.Extensions)
	if err := s.signLeafNode(signer, &ln, groupID, leaf); err != nil {
		return nil, nil, err
	}
	return &ln, key, nil
}

// Ref returns the KeyPackageRef of kp (RFC 9420 §5.2): the RefHash, with
// its cipher suite's hash, of its encoding. A Welcome names each new member
// by it.
func (kp *KeyPackage) Ref() ([]byte, error) {
	s, err := kp.CipherSuite.suite()
	if err != nil {
		return nil, err
	}
	enc, err := kp.Marshal()
	if err != nil {
		return nil, err
	}
	return s.makeKeyPackageRef(enc)
}
