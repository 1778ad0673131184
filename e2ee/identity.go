package e2ee

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
	"github.com/sealroom/sealroom/mls"
)

// DefaultSuite is the MLS cipher suite NewIdentity selects for a zero
// suite: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420 §17.1),
// the one every MLS implementation must support. Deployments that want
// 256-bit security throughout choose
// mls.MLS_256_DHKEMP384_AES256GCM_SHA384_P384. The suite of a group is its
// creator's; members join with identities of the same suite. The SFrame
// suite of the media (Config.Schedule) is chosen separately.
const DefaultSuite = mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

// Identity is a client's long-term MLS identity: a credential (RFC 9420
// §5.3) and the signature key it is bound to (§5.1.2), which signs the
// client's key packages, leaves, handshake messages and, with
// Config.SenderAuth, tag batches. Its cipher suite is SigningKey's.
//
// The application keeps an Identity across calls and restarts:
// SigningKey.Bytes and the suite's NewSigningKey store and restore the key,
// which is secret.
type Identity struct {
	// Credential presents the client to the other members; see
	// Config.CredentialValidator for what they accept.
	Credential mls.Credential
	// SigningKey is the private key of the leaf's signature key.
	SigningKey *mls.SigningKey
}

// NewIdentity returns an identity with a basic credential for name and a
// fresh signature key of suite (zero selects DefaultSuite). Every member
// of a call needs a distinct name: the Session names members by it, and
// an identity already in the group is the one that JoinExternal with
// Resync replaces.
func NewIdentity(name []byte, suite mls.CipherSuite) (*Identity, error) {
	if suite == 0 {
		suite = DefaultSuite
	}
	if len(name) == 0 {
		return nil, newError("new identity", ErrInvalidMember, errors.New("empty name"))
	}
	key, err := suite.GenerateSigningKey()
	if err != nil {
		return nil, newError("new identity", ErrInvalidConfig, err).of(name)
	}
	return &Identity{
		Credential: mls.Credential{Type: mls.CredentialTypeBasic, Identity: bytes.Clone(name)},
		SigningKey: key,
	}, nil
}

// name is the identity the credential presents, for error messages.
func (id *Identity) name() []byte {
	if id == nil {
		return nil
	}
	return credentialIdentity(&id.Credential)
}

// check reports an unusable Identity.
func (id *Identity) check(op string) error {
	if id == nil || id.SigningKey == nil {
		return newError(op, ErrInvalidMember, errors.New("no identity or no signing key"))
	}
	return nil
}

// KeyPackagePrivate is the private half of a KeyPackage made by
// NewKeyPackage: what JoinFromWelcome needs once a member has invited the
// client with the public half. It holds private keys: the application
// stores it as a secret (MarshalBinary) until the KeyPackage is used, and
// deletes it then (RFC 9420 §16.8: a KeyPackage is for one join), except
// for a last-resort KeyPackage, which the relay hands out repeatedly. It
// prints redacted.
type KeyPackagePrivate struct {
	kp   *mls.KeyPackage
	keys *mls.KeyPackagePrivateKeys
}

// NewKeyPackage makes a KeyPackage for id (RFC 9420 §10) with fresh init
// and leaf encryption keys, valid for mls.DefaultKeyPackageLifetime. It
// returns the KeyPackage as an MLSMessage, the bytes to upload to the
// relay (transport UploadKeyPackages) for others to claim and pass to
// Invite, and the private half to keep for JoinFromWelcome.
func NewKeyPackage(id *Identity) (keyPackage []byte, priv *KeyPackagePrivate, err error) {
	if err := id.check("new key package"); err != nil {
		return nil, nil, err
	}
	kp, keys, err := mls.NewKeyPackage(id.SigningKey, id.Credential, nil)
	if err != nil {
		return nil, nil, newError("new key package", nil, err).of(id.name())
	}
	msg, err := (&mls.MLSMessage{WireFormat: mls.WireFormatKeyPackage, KeyPackage: kp}).Marshal()
	if err != nil {
		return nil, nil, newError("new key package", nil, err).of(id.name())
	}
	return msg, &KeyPackagePrivate{kp: kp, keys: keys}, nil
}

// keyPackagePrivateMagic starts the storage encoding of a
// KeyPackagePrivate:
//
//	struct {
//	    opaque magic[8] = "SRE2EEKP";
//	    uint16 version = 1;
//	    opaque key_package<V>;   // the KeyPackage struct (RFC 9420 §10)
//	    opaque private_keys<V>;  // mls.KeyPackagePrivateKeys.MarshalBinary
//	} KeyPackagePrivateState;
const (
	keyPackagePrivateMagic   = "SRE2EEKP"
	keyPackagePrivateVersion = 1
)

// MarshalBinary encodes k for storage (UnmarshalKeyPackagePrivate). The
// encoding holds the private keys: it is secret.
func (k *KeyPackagePrivate) MarshalBinary() ([]byte, error) {
	kp, err := k.kp.Marshal()
	if err != nil {
		return nil, newError("key package", nil, err)
	}
	keys, err := k.keys.MarshalBinary()
	if err != nil {
		return nil, newError("key package", nil, err)
	}
	defer clear(keys)
	out, err := tlscodec.Marshal(func(b *cryptobyte.Builder) {
		b.AddBytes([]byte(keyPackagePrivateMagic))
		b.AddUint16(keyPackagePrivateVersion)
		tlscodec.AddOpaque(b, kp)
		tlscodec.AddOpaque(b, keys)
	})
	if err != nil {
		return nil, newError("key package", nil, err)
	}
	return out, nil
}

// UnmarshalKeyPackagePrivate restores a KeyPackagePrivate from an
// encoding of MarshalBinary. Errors wrap ErrInvalidState.
func UnmarshalKeyPackagePrivate(data []byte) (*KeyPackagePrivate, error) {
	var version uint16
	var kpData, keysData []byte
	err := tlscodec.Unmarshal("stored key package", data, func(s *cryptobyte.String) bool {
		var magic []byte
		return s.ReadBytes(&magic, len(keyPackagePrivateMagic)) && string(magic) == keyPackagePrivateMagic &&
			s.ReadUint16(&version) && version == keyPackagePrivateVersion &&
			tlscodec.ReadOpaque(s, &kpData) && tlscodec.ReadOpaque(s, &keysData)
	})
	defer clear(keysData)
	if err != nil {
		return nil, newError("key package", ErrInvalidState, err)
	}
	kp, err := mls.UnmarshalKeyPackage(kpData)
	if err != nil {
		return nil, newError("key package", ErrInvalidState, err)
	}
	keys, err := mls.UnmarshalKeyPackagePrivateKeys(keysData)
	if err != nil {
		return nil, newError("key package", ErrInvalidState, err).of(credentialIdentity(&kp.LeafNode.Credential))
	}
	if keys.CipherSuite() != kp.CipherSuite || !bytes.Equal(keys.SigningKey().PublicKey(), kp.LeafNode.SignatureKey) {
		return nil, newError("key package", ErrInvalidState, errors.New("the private keys are not those of the KeyPackage")).of(credentialIdentity(&kp.LeafNode.Credential))
	}
	return &KeyPackagePrivate{kp: kp, keys: keys}, nil
}

// String describes k without key material.
func (k *KeyPackagePrivate) String() string {
	return "e2ee.KeyPackagePrivate(" + printableIdentity(credentialIdentity(&k.kp.LeafNode.Credential)) + ", " + k.kp.CipherSuite.String() + ")"
}

// GoString describes k without key material.
func (k *KeyPackagePrivate) GoString() string { return k.String() }

// Format prints String for every verb, so that no verb reaches the keys.
func (k *KeyPackagePrivate) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }
