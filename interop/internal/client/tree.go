package client

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
	"github.com/sealroom/sealroom/mls"
)

// An external signer has no group state, only the GroupInfo and ratchet
// tree the harness gives it, yet a Remove proposal names the removed
// member by leaf index. Package mls does not export a decoder of the
// ratchet_tree extension's data, so this file reads just enough of it (RFC
// 9420 §7.1, §7.2, §12.4.3.3) to find the leaf of a basic credential's
// identity. Nothing it reads is trusted beyond that: the tree is not
// checked against the GroupInfo's tree hash, and the group's members
// validate the Remove proposal the index ends up in.

// Node types of RFC 9420 §7.8.
const (
	nodeTypeLeaf   = 1
	nodeTypeParent = 2
)

// leafNodeSource values of RFC 9420 §7.2 that carry data.
const (
	sourceKeyPackage = 1
	sourceUpdate     = 2
	sourceCommit     = 3
)

// leafByIdentity returns the leaf index of the first leaf in the encoded
// ratchet tree whose basic credential has identity.
func leafByIdentity(tree, identity []byte) (mls.LeafIndex, bool, error) {
	var (
		found bool
		leaf  mls.LeafIndex
		index uint64 // node index
	)
	err := tlscodec.Unmarshal("ratchet_tree", tree, func(s *cryptobyte.String) bool {
		return tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
			defer func() { index++ }()
			var present bool
			if !tlscodec.ReadOptional(s, &present) {
				return false
			}
			if !present {
				return true
			}
			var nodeType uint8
			if !s.ReadUint8(&nodeType) {
				return false
			}
			switch nodeType {
			case nodeTypeLeaf:
				if index%2 != 0 {
					return false
				}
				credType, id, ok := readLeafNode(s)
				if ok && !found && credType == uint16(mls.CredentialTypeBasic) && bytes.Equal(id, identity) {
					found, leaf = true, mls.LeafIndex(index/2)
				}
				return ok
			case nodeTypeParent:
				return index%2 == 1 && readParentNode(s)
			}
			return false
		})
	})
	if err != nil {
		return 0, false, fmt.Errorf("ratchet tree: %w", err)
	}
	return leaf, found, nil
}

// readLeafNode reads a LeafNode and returns its credential's type and
// body (for a basic credential, the identity).
func readLeafNode(s *cryptobyte.String) (credType uint16, body []byte, ok bool) {
	var source uint8
	ok = skipVectors(s, 2) && // encryption_key, signature_key
		s.ReadUint16(&credType) &&
		tlscodec.ReadOpaque(s, &body) && // identity, certificates or another type's body
		skipVectors(s, 5) && // capabilities: versions, cipher_suites, extensions, proposals, credentials
		s.ReadUint8(&source)
	if !ok {
		return 0, nil, false
	}
	switch source {
	case sourceKeyPackage:
		ok = s.Skip(16) // lifetime: not_before, not_after
	case sourceUpdate:
	case sourceCommit:
		ok = skipVectors(s, 1) // parent_hash
	default:
		ok = false
	}
	ok = ok && skipVectors(s, 2) // extensions, signature
	return credType, body, ok
}

// readParentNode reads past a ParentNode: encryption_key, parent_hash,
// unmerged_leaves.
func readParentNode(s *cryptobyte.String) bool {
	return skipVectors(s, 3)
}

// skipVectors reads past n vectors<V>.
func skipVectors(s *cryptobyte.String, n int) bool {
	var skip cryptobyte.String
	for range n {
		if !tlscodec.ReadVector(s, &skip) {
			return false
		}
	}
	return true
}
