package mls

import (
	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// Commit applies a list of proposals, and optionally refreshes the
// committer's path in the ratchet tree (RFC 9420 §12.4). Path is nil when
// the commit has none.
type Commit struct {
	Proposals []ProposalOrRef
	Path      *UpdatePath
}

// marshal writes the Commit struct of RFC 9420 §12.4.
func (c *Commit) marshal(b *cryptobyte.Builder) {
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for i := range c.Proposals {
			c.Proposals[i].marshal(b)
		}
	})
	tlscodec.AddOptional(b, c.Path != nil, func(b *cryptobyte.Builder) { c.Path.marshal(b) })
}

// unmarshal reads the Commit struct of RFC 9420 §12.4.
func (c *Commit) unmarshal(r *wireReader) {
	c.Proposals = readVector(r, "proposals", (*ProposalOrRef).unmarshal)
	if r.optional("path") {
		c.Path = new(UpdatePath)
		r.field("path", c.Path.unmarshal)
	}
}

// marshalCommit encodes a Commit struct.
func marshalCommit(c *Commit) ([]byte, error) {
	return marshalWire("commit", c.marshal)
}

// unmarshalCommit decodes a Commit struct that fills data exactly.
func unmarshalCommit(data []byte) (*Commit, error) {
	c := new(Commit)
	if err := unmarshalWire("commit", data, c.unmarshal); err != nil {
		return nil, err
	}
	return c, nil
}
