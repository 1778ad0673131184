package client

import (
	"github.com/sealroom/sealroom/mls"
)

// validation is how this client validates leaves, key packages and trees:
// the package defaults except for the lifetime bound. Other
// implementations publish KeyPackages valid from 0 to 2^64-1 (several
// interop vectors do), which the default bound of a year and a day
// rejects; the harness's clients must accept one another's.
var validation = &mls.ValidationOptions{MaxLifetime: -1}

// groupOptions are the options of every group this client creates or
// joins: the handshake mode the harness asked for, the defaults for the
// rest.
func groupOptions(encrypt bool) mls.GroupOptions {
	return mls.GroupOptions{EncryptHandshake: encrypt, Validation: validation}
}

// basicCredential is the credential of every member: the harness uses
// basic credentials only (mls_client.proto, CreateGroupRequest).
func basicCredential(identity []byte) mls.Credential {
	return mls.Credential{Type: mls.CredentialTypeBasic, Identity: append([]byte(nil), identity...)}
}

// newKeyPackage makes a KeyPackage (RFC 9420 §10) of suite for identity
// with a fresh signature key.
func newKeyPackage(suite mls.CipherSuite, cred mls.Credential) (*mls.KeyPackage, *mls.KeyPackagePrivateKeys, error) {
	signer, err := suite.GenerateSigningKey()
	if err != nil {
		return nil, nil, err
	}
	return mls.NewKeyPackage(signer, cred, nil)
}

// ownCredential returns the credential of g's own leaf.
func ownCredential(g *mls.Group) (mls.Credential, bool) {
	leaf, ok := g.OwnLeaf()
	if !ok {
		return mls.Credential{}, false
	}
	m, ok := g.Member(leaf)
	return m.Credential, ok
}
