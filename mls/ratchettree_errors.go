package mls

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of the ratchet tree, TreeKEM and the validation of leaf
// nodes, key packages and trees (RFC 9420 §7, §10.1, §12.4.3.1). Errors
// wrap the most specific sentinel that applies and, where there is one, the
// cause underneath (ErrSignatureVerification, ErrInvalidPublicKey,
// ErrDecryption, ...), so that callers test them with errors.Is. An error
// that concerns one node of a tree names it, for example
//
//	mls: ratchet tree: node 13 (parent): parent hash does not match
var (
	// ErrInvalidRatchetTree reports a ratchet tree that fails the checks a
	// joiner makes (RFC 9420 §12.4.3.1) or an operation that the tree
	// cannot carry out. Every error about a tree wraps it, next to the
	// specific sentinel below.
	ErrInvalidRatchetTree = errors.New("mls: invalid ratchet tree")

	// ErrTreeHashMismatch reports a tree whose root tree hash (RFC 9420
	// §7.8) differs from the one the group context commits to.
	ErrTreeHashMismatch = errors.New("mls: tree hash does not match")

	// ErrParentHashMismatch reports a parent node that is not parent-hash
	// valid (RFC 9420 §7.9.2), or an UpdatePath leaf whose parent_hash is
	// not the one the path gives (§7.5, §12.4.2).
	ErrParentHashMismatch = errors.New("mls: parent hash does not match")

	// ErrUnmergedLeaves reports an unmerged_leaves list that is unsorted,
	// names a blank leaf or one outside the node's subtree, or is missing
	// from a node in between (RFC 9420 §7.1, §12.4.3.1).
	ErrUnmergedLeaves = errors.New("mls: inconsistent unmerged leaves")

	// ErrDuplicateKey reports an encryption key that appears in two nodes
	// of a tree, or a signature key in two leaves (RFC 9420 §7.3, §16.8).
	ErrDuplicateKey = errors.New("mls: duplicate public key")

	// ErrInvalidLeafNode reports a LeafNode that fails the checks of RFC
	// 9420 §7.3.
	ErrInvalidLeafNode = errors.New("mls: invalid leaf node")

	// ErrInvalidKeyPackage reports a KeyPackage that fails the checks of
	// RFC 9420 §10.1.
	ErrInvalidKeyPackage = errors.New("mls: invalid key package")

	// ErrLifetime reports a key_package leaf node whose lifetime does not
	// include the current time, is inverted, or is longer than the
	// application allows (RFC 9420 §7.2, §7.3).
	ErrLifetime = errors.New("mls: leaf node lifetime not valid")

	// ErrUnsupportedCapability reports a leaf node that does not support
	// what the group or its own content requires: the protocol version,
	// the cipher suite, a credential type, an extension or proposal type
	// (RFC 9420 §7.2, §7.3, §11.1).
	ErrUnsupportedCapability = errors.New("mls: capability not supported")

	// ErrInvalidCredential reports a credential that is malformed (an
	// X.509 chain that does not parse, an end-entity key that is not the
	// leaf's signature key) or that the application's CredentialValidator
	// rejected (RFC 9420 §5.3).
	ErrInvalidCredential = errors.New("mls: invalid credential")

	// ErrInvalidUpdatePath reports an UpdatePath that does not fit the
	// tree: the wrong number of nodes or ciphertexts, a public key already
	// in the tree, a path secret that does not give the public key sent,
	// or no ciphertext the receiver can decrypt (RFC 9420 §7.6, §12.4.2).
	ErrInvalidUpdatePath = errors.New("mls: invalid update path")
)

// validationError is a failed check: what was checked ("ratchet tree",
// "leaf node", ...), where in it (a node, or ""), what was wrong, and the
// sentinels and cause it wraps.
type validationError struct {
	what   string
	where  string
	detail string
	errs   []error
}

func (e *validationError) Error() string {
	var sb strings.Builder
	sb.WriteString("mls: ")
	sb.WriteString(e.what)
	if e.where != "" {
		sb.WriteString(": ")
		sb.WriteString(e.where)
	}
	sb.WriteString(": ")
	sb.WriteString(e.detail)
	return sb.String()
}

// Unwrap returns the sentinels and the cause.
func (e *validationError) Unwrap() []error { return e.errs }

// newValidationError returns an error about what, at where, wrapping the
// given sentinels and cause (nil entries are dropped). When cause is set,
// its text follows detail after a colon.
func newValidationError(what, where string, cause error, detail string, sentinels ...error) *validationError {
	e := &validationError{what: what, where: where, detail: detail}
	for _, s := range sentinels {
		if s != nil {
			e.errs = append(e.errs, s)
		}
	}
	if cause != nil {
		e.detail += ": " + cause.Error()
		e.errs = append(e.errs, cause)
	}
	return e
}

// nodeName describes node x for an error message: "node 13 (parent)" or
// "node 4 (leaf 2)".
func nodeName(x NodeIndex) string {
	if l, ok := x.leaf(); ok {
		return fmt.Sprintf("node %d (leaf %d)", x, l)
	}
	return fmt.Sprintf("node %d (parent)", x)
}

// treeErrorf returns an error about node x of a ratchet tree, wrapping
// ErrInvalidRatchetTree and kind.
func treeErrorf(x NodeIndex, kind error, format string, args ...any) error {
	return newValidationError("ratchet tree", nodeName(x), nil, fmt.Sprintf(format, args...), kind, ErrInvalidRatchetTree)
}

// treeNodeError re-homes an error found while checking node x of a tree
// (a leaf node that failed §7.3, say) so that it names the node: the
// message becomes "mls: ratchet tree: node 4 (leaf 2): <detail>" and the
// error wraps ErrInvalidRatchetTree besides what it wrapped before.
func treeNodeError(x NodeIndex, err error) error {
	return rehome(err, "ratchet tree", nodeName(x), ErrInvalidRatchetTree)
}

// rehome returns err as an error about what at where, wrapping kind too.
// A validationError keeps its detail and sentinels, so that a leaf node's
// failure inside a key package reads "mls: key package: leaf_node:
// lifetime: ..." rather than repeating "mls: leaf node:"; any other error
// becomes the cause of an "invalid" detail.
func rehome(err error, what, where string, kind error) error {
	var ve *validationError
	if errors.As(err, &ve) {
		return &validationError{
			what:   what,
			where:  where,
			detail: ve.detail,
			errs:   append(append([]error(nil), ve.errs...), kind),
		}
	}
	return newValidationError(what, where, err, "invalid", kind)
}
