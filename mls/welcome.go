package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// EncryptedGroupSecrets is the GroupSecrets for one new member, HPKE
// encrypted to the init key of the KeyPackage that NewMember references
// (RFC 9420 §12.4.3.1).
type EncryptedGroupSecrets struct {
	NewMember             []byte // KeyPackageRef
	EncryptedGroupSecrets HPKECiphertext
}

func (e *EncryptedGroupSecrets) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, e.NewMember)
	e.EncryptedGroupSecrets.marshal(b)
}

func (e *EncryptedGroupSecrets) unmarshal(r *wireReader) {
	r.opaque("new_member", &e.NewMember)
	r.field("encrypted_group_secrets", e.EncryptedGroupSecrets.unmarshal)
}

// Welcome brings new members into a group (RFC 9420 §12.4.3.1): the group
// secrets encrypted to each of them, and the GroupInfo encrypted under a
// key derived from the joiner secret.
type Welcome struct {
	CipherSuite        CipherSuite
	Secrets            []EncryptedGroupSecrets
	EncryptedGroupInfo []byte
}

// marshal writes the Welcome struct of RFC 9420 §12.4.3.1.
func (w *Welcome) marshal(b *cryptobyte.Builder) {
	b.AddUint16(uint16(w.CipherSuite))
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for i := range w.Secrets {
			w.Secrets[i].marshal(b)
		}
	})
	tlscodec.AddOpaque(b, w.EncryptedGroupInfo)
}

// unmarshal reads the Welcome struct of RFC 9420 §12.4.3.1.
func (w *Welcome) unmarshal(r *wireReader) {
	readUint16(r, "cipher_suite", &w.CipherSuite)
	w.Secrets = readVector(r, "secrets", (*EncryptedGroupSecrets).unmarshal)
	r.opaque("encrypted_group_info", &w.EncryptedGroupInfo)
}

// Marshal encodes w as the Welcome struct of RFC 9420 §12.4.3.1 (without
// an MLSMessage around it).
func (w *Welcome) Marshal() ([]byte, error) {
	return marshalWire("welcome", w.marshal)
}

// UnmarshalWelcome decodes a Welcome struct (RFC 9420 §12.4.3.1) that fills
// data exactly. The result does not alias data.
func UnmarshalWelcome(data []byte) (*Welcome, error) {
	w := new(Welcome)
	if err := unmarshalWire("welcome", data, w.unmarshal); err != nil {
		return nil, err
	}
	return w, nil
}

// groupSecrets is the plaintext of EncryptedGroupSecrets (RFC 9420
// §12.4.3.1): the joiner secret, optionally the path secret of the lowest
// node the committer and the new member share, and the PSKs to inject.
// It holds secrets: it prints redacted, and zero wipes them.
type groupSecrets struct {
	joinerSecret  []byte
	hasPathSecret bool
	pathSecret    []byte
	psks          []PreSharedKeyID
}

// marshal writes the GroupSecrets struct of RFC 9420 §12.4.3.1.
func (gs *groupSecrets) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, gs.joinerSecret)
	tlscodec.AddOptional(b, gs.hasPathSecret, func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, gs.pathSecret)
	})
	marshalPreSharedKeyIDs(b, gs.psks)
}

// unmarshal reads the GroupSecrets struct of RFC 9420 §12.4.3.1.
func (gs *groupSecrets) unmarshal(r *wireReader) {
	r.opaque("joiner_secret", &gs.joinerSecret)
	if r.optional("path_secret") {
		gs.hasPathSecret = true
		r.opaque("path_secret", &gs.pathSecret)
	}
	unmarshalPreSharedKeyIDs(r, "psks", &gs.psks)
}

// marshalGroupSecrets encodes a GroupSecrets struct, the plaintext to HPKE
// encrypt for one new member.
func marshalGroupSecrets(gs *groupSecrets) ([]byte, error) {
	return marshalWire("group secrets", gs.marshal)
}

// unmarshalGroupSecrets decodes a GroupSecrets struct that fills data
// exactly; on failure nothing decoded is kept.
func unmarshalGroupSecrets(data []byte) (*groupSecrets, error) {
	gs := new(groupSecrets)
	if err := unmarshalWire("group secrets", data, gs.unmarshal); err != nil {
		gs.zero()
		return nil, err
	}
	return gs, nil
}

// zero overwrites the secrets gs holds.
func (gs *groupSecrets) zero() {
	clear(gs.joinerSecret)
	clear(gs.pathSecret)
}

// Format prints gs with its secrets redacted, whatever the verb.
func (gs *groupSecrets) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "groupSecrets{joiner_secret: [redacted], path_secret: %s, psks: %d}",
		map[bool]string{true: "[redacted]", false: "absent"}[gs.hasPathSecret], len(gs.psks))
}
