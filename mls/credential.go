package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// CredentialType identifies the kind of a Credential (RFC 9420 §5.3, the
// "MLS Credential Types" registry of §17.5). The registry is open: values
// other than basic and x509 are carried opaquely.
type CredentialType uint16

// Credential types registered by RFC 9420 §17.5.
const (
	CredentialTypeBasic CredentialType = 0x0001
	CredentialTypeX509  CredentialType = 0x0002
)

func (t CredentialType) String() string {
	switch t {
	case CredentialTypeBasic:
		return "basic"
	case CredentialTypeX509:
		return "x509"
	}
	return fmt.Sprintf("CredentialType(0x%04x)", uint16(t))
}

// Credential binds an identity to a member's signature key (RFC 9420
// §5.3). Which fields are used depends on Type:
//
//   - basic: Identity, the application-defined identity<V>;
//   - x509: Certificates, the DER certificate chain, end-entity first;
//   - any other type: Data, the credential's body as an opaque<V>.
//
// RFC 9420 defines no encoding for credential types it does not register.
// Both registered types encode their content as a single vector<V> after
// the type, and this package (like other MLS implementations) assumes every
// other type does too, so that a credential of an unknown type decodes and
// re-encodes unchanged. Whether such a credential is acceptable is for the
// group's capabilities to decide (§5.3.1, §13.3), not the codec.
type Credential struct {
	Type         CredentialType
	Identity     []byte
	Certificates [][]byte
	Data         []byte
}

// marshal writes the Credential struct of RFC 9420 §5.3.
func (c *Credential) marshal(b *cryptobyte.Builder) {
	b.AddUint16(uint16(c.Type))
	switch c.Type {
	case CredentialTypeBasic:
		tlscodec.AddOpaque(b, c.Identity)
	case CredentialTypeX509:
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, cert := range c.Certificates {
				tlscodec.AddOpaque(b, cert)
			}
		})
	default:
		tlscodec.AddOpaque(b, c.Data)
	}
}

// unmarshal reads the Credential struct of RFC 9420 §5.3.
func (c *Credential) unmarshal(r *wireReader) {
	readUint16(r, "credential_type", &c.Type)
	switch c.Type {
	case CredentialTypeBasic:
		r.opaque("identity", &c.Identity)
	case CredentialTypeX509:
		c.Certificates = readVector(r, "certificates", func(cert *[]byte, r *wireReader) {
			r.opaque("cert_data", cert)
		})
	default:
		r.opaque("credential_data", &c.Data)
	}
}
