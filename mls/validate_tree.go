package mls

import (
	"bytes"
	"fmt"
	"slices"
)

// Validation of a received ratchet tree, as a member joining a group makes
// it (RFC 9420 §12.4.3.1). The checks run cheapest first, so that a
// hostile tree costs little before it fails: structure and unmerged leaves
// (O(n log^2 n) comparisons at worst), unique keys (O(n)), the tree hash
// (O(n) hashes, in parallel), parent hashes (O(n log n) resolution entries
// and at most two hashes per parent node), credential types (O(n)), and
// last the leaves themselves, whose signatures dominate the cost, on a
// bounded pool of workers.

// validate checks t as the ratchet tree of the group with ID groupID whose
// GroupContext has tree_hash treeHash and the requirements req (RFC 9420
// §12.4.3.1):
//
//   - the tree has members, and every unmerged leaf of a parent node is a
//     non-blank leaf below it, listed in increasing order, and unmerged at
//     every non-blank node in between;
//   - no encryption key appears in two nodes, no signature key in two
//     leaves (§7.3; for parent nodes §12.4.3.1);
//   - the root tree hash is treeHash (§7.8);
//   - every non-blank parent node is parent-hash valid (§7.9.2);
//   - every member supports the credential types of all members, and every
//     leaf node is valid (§7.3) with groupID and its leaf index as the
//     signature context, its lifetime checked against the clock unless
//     opts.SkipTreeLifetimes; every parent node's key is a valid HPKE
//     public key.
//
// The error names the first failing node, for example "mls: ratchet tree:
// node 13 (parent): parent hash does not match", and wraps
// ErrInvalidRatchetTree and the sentinel of the failed check.
func (t *ratchetTree) validate(groupID, treeHash []byte, req *groupRequirements, opts *ValidationOptions) error {
	members := 0
	for range t.members() {
		members++
	}
	if members == 0 {
		return newValidationError("ratchet tree", "", nil, "no members", ErrInvalidRatchetTree)
	}
	if err := t.checkUnmergedLeaves(); err != nil {
		return err
	}
	if err := t.checkTreeKeysUnique(); err != nil {
		return err
	}
	got, err := t.hashAll(opts.workers())
	if err != nil {
		return err
	}
	if !bytes.Equal(got, treeHash) {
		return newValidationError("ratchet tree", "", nil, fmt.Sprintf("tree hash %x, the group context has %x", got, treeHash), ErrTreeHashMismatch, ErrInvalidRatchetTree)
	}
	if err := t.verifyParentHashes(); err != nil {
		return err
	}
	if err := t.checkCredentialTypes(); err != nil {
		return err
	}
	return t.validateNodes(groupID, req, opts)
}

// checkUnmergedLeaves checks the unmerged_leaves of every parent node (RFC
// 9420 §7.1, §12.4.3.1). A first pass checks each list on its own (sorted,
// below the node, non-blank leaves), so that the second can search the
// lists of the nodes in between.
func (t *ratchetTree) checkUnmergedLeaves() error {
	n := t.leafCount()
	for i := 1; i < len(t.nodes); i += 2 {
		p := t.nodes[i].parent
		if p == nil {
			continue
		}
		x := NodeIndex(i)
		for j, l := range p.UnmergedLeaves {
			switch {
			case j > 0 && p.UnmergedLeaves[j-1] >= l:
				return treeErrorf(x, ErrUnmergedLeaves, "unmerged_leaves not in increasing order at leaf %d", l)
			case uint64(l) >= uint64(n) || !inSubtree(l.node(), x):
				return treeErrorf(x, ErrUnmergedLeaves, "unmerged leaf %d is not below the node", l)
			case t.nodes[l.node()].leaf == nil:
				return treeErrorf(x, ErrUnmergedLeaves, "unmerged leaf %d is blank", l)
			}
		}
	}
	for i := 1; i < len(t.nodes); i += 2 {
		p := t.nodes[i].parent
		if p == nil {
			continue
		}
		x := NodeIndex(i)
		for _, l := range p.UnmergedLeaves {
			for y, _ := l.node().parent(n); y != x; y, _ = y.parent(n) {
				if q := t.nodes[y].parent; q != nil && !containsLeaf(q.UnmergedLeaves, l) {
					return treeErrorf(x, ErrUnmergedLeaves, "leaf %d is unmerged here but not at node %d below", l, y)
				}
			}
		}
	}
	return nil
}

// checkTreeKeysUnique checks that no encryption key is in two nodes and no
// signature key in two leaves (RFC 9420 §7.3, §12.4.3.1, §16.8), naming
// the second node of a pair.
func (t *ratchetTree) checkTreeKeysUnique() error {
	if x, y, field, dup := t.duplicateKey(); dup {
		return treeErrorf(x, ErrDuplicateKey, "%s already at %s", field, nodeName(y))
	}
	return nil
}

// duplicateKey finds two nodes with the same encryption key or two leaves
// with the same signature key, in O(n): x is the second node of the pair
// in array order, y the first, field the key's name.
func (t *ratchetTree) duplicateKey() (x, y NodeIndex, field string, found bool) {
	encKeys := make(map[string]NodeIndex, len(t.nodes))
	sigKeys := make(map[string]NodeIndex, len(t.nodes)/2+1)
	for i := range t.nodes {
		x := NodeIndex(i)
		if t.nodes[i].isBlank() {
			continue
		}
		k := string(t.encryptionKey(x))
		if y, dup := encKeys[k]; dup {
			return x, y, "encryption_key", true
		}
		encKeys[k] = x
		if ln := t.nodes[i].leaf; ln != nil {
			k := string(ln.SignatureKey)
			if y, dup := sigKeys[k]; dup {
				return x, y, "signature_key", true
			}
			sigKeys[k] = x
		}
	}
	return 0, 0, "", false
}

// checkCredentialTypes checks that every member supports the credential
// type of every member (RFC 9420 §7.3, §13.3).
func (t *ratchetTree) checkCredentialTypes() error {
	inUse, user := t.credentialTypesInUse()
	for l, ln := range t.members() {
		for j, ct := range inUse {
			if !slices.Contains(ln.Capabilities.Credentials, ct) {
				return treeErrorf(l.node(), ErrUnsupportedCapability, "capabilities do not list credential type %v, which leaf %d uses", ct, user[j])
			}
		}
	}
	return nil
}

// credentialTypesInUse returns the credential types of the members, each
// once, with the first leaf that uses it.
func (t *ratchetTree) credentialTypesInUse() (types []CredentialType, user []LeafIndex) {
	for l, ln := range t.members() {
		if !slices.Contains(types, ln.Credential.Type) {
			types = append(types, ln.Credential.Type)
			user = append(user, l)
		}
	}
	return types, user
}

// validateNodes validates every non-blank node on a pool of workers: leaf
// nodes by validateLeafNode, parent nodes by their HPKE public key.
func (t *ratchetTree) validateNodes(groupID []byte, req *groupRequirements, opts *ValidationOptions) error {
	nonBlank := make([]NodeIndex, 0, len(t.nodes))
	for i := range t.nodes {
		if !t.nodes[i].isBlank() {
			nonBlank = append(nonBlank, NodeIndex(i))
		}
	}
	checkTime := opts == nil || !opts.SkipTreeLifetimes
	return parallelEach(len(nonBlank), opts.workers(), func(i int) error {
		x := nonBlank[i]
		n := &t.nodes[x]
		if n.parent != nil {
			if err := t.suite.checkHPKEPublicKey(n.parent.EncryptionKey); err != nil {
				return newValidationError("ratchet tree", nodeName(x), err, "encryption_key", ErrInvalidRatchetTree)
			}
			return nil
		}
		l, _ := x.leaf()
		lc := leafNodeContext{groupID: groupID, leaf: l, checkTime: checkTime}
		if err := validateLeafNode(t.suite, n.leaf, lc, req, opts); err != nil {
			return treeNodeError(x, err)
		}
		return nil
	})
}
