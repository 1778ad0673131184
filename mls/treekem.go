package mls

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
)

// TreeKEM (RFC 9420 §7.4–§7.6): a committer refreshes the keys of its
// direct path and encrypts each new path secret to the resolution of the
// copath child below it; every other member decrypts the one path secret
// meant for it, derives the rest, and obtains the commit secret.
//
// A commit runs in stages so that the provisional GroupContext, whose
// tree_hash covers the new path, can be the context of the encryption:
//
//	committer: tree.applyNewPath → (GroupContext) → newPath.encrypt
//	receiver:  tree.mergeUpdatePath → (GroupContext) → treeKEMPrivate.processUpdatePath

// updatePathNodeLabel is the label of the path secret encryption (RFC 9420
// §7.6).
const updatePathNodeLabel = "UpdatePathNode"

// pathNodeKey derives the key pair of a node from its path secret (RFC
// 9420 §7.4): node_secret = DeriveSecret(path_secret, "node"), then
// KEM.DeriveKeyPair(node_secret).
func (s *suite) pathNodeKey(pathSecret secret) (*hpkePrivateKey, error) {
	nodeSecret, err := s.deriveSecret(pathSecret, "node")
	if err != nil {
		return nil, err
	}
	defer nodeSecret.zero()
	return s.deriveKeyPair(nodeSecret)
}

// nextPathSecret returns DeriveSecret(path_secret, "path"), the path secret
// of the next node of a filtered direct path, or the commit secret after
// the last (RFC 9420 §7.4, §12.4.1).
func (s *suite) nextPathSecret(pathSecret secret) (secret, error) {
	return s.deriveSecret(pathSecret, "path")
}

// pathSecretChain returns the path secrets of n consecutive nodes of a
// filtered direct path, first and then each derived from the one before
// with nextPathSecret, and the secret derived from the last: the commit
// secret when the chain ends at the root (RFC 9420 §7.4, §12.4.1). For
// n = 0 that is first itself. The caller zeroes them all.
func (s *suite) pathSecretChain(first secret, n int) (secrets []secret, after secret, err error) {
	secrets = make([]secret, 0, n)
	cur := first
	for range n {
		secrets = append(secrets, cur)
		if cur, err = s.nextPathSecret(cur); err != nil {
			zeroSecrets(secrets)
			return nil, nil, err
		}
	}
	return secrets, cur, nil
}

// pathNodeKeys derives the key pair of each path secret (pathNodeKey) on
// up to workers goroutines (0 means GOMAXPROCS): once the path secrets are
// known the derivations, a scalar multiplication each, are independent.
func (s *suite) pathNodeKeys(secrets []secret, workers int) ([]*hpkePrivateKey, error) {
	keys := make([]*hpkePrivateKey, len(secrets))
	err := parallelEach(len(secrets), workersOrDefault(workers), func(i int) error {
		k, err := s.pathNodeKey(secrets[i])
		keys[i] = k
		return err
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// zeroSecrets zeroes every secret of list.
func zeroSecrets(list []secret) {
	for i := range list {
		list[i].zero()
	}
}

// treeKEMPrivate is what one member knows of the private keys of the
// ratchet tree (RFC 9420 §4.2, §7.4): the key of its own leaf and of the
// parent nodes on its direct path whose path secret it obtained. Keys are
// used only while the tree holds the matching public key, so a key whose
// node was blanked or replaced is dead even before prune drops it. It
// prints redacted and is not safe for concurrent use.
type treeKEMPrivate struct {
	leaf LeafIndex
	keys map[NodeIndex]*hpkePrivateKey
}

func (p treeKEMPrivate) String() string                { return redactedText("mls.treeKEMPrivate") }
func (p treeKEMPrivate) GoString() string              { return redactedText("mls.treeKEMPrivate") }
func (p treeKEMPrivate) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.treeKEMPrivate") }

// newTreeKEMPrivate returns the private state of the member at leaf whose
// leaf encryption key is leafKey.
func newTreeKEMPrivate(leaf LeafIndex, leafKey *hpkePrivateKey) *treeKEMPrivate {
	return &treeKEMPrivate{leaf: leaf, keys: map[NodeIndex]*hpkePrivateKey{leaf.node(): leafKey}}
}

// clone returns a copy that can change without changing p, for staging a
// commit.
func (p *treeKEMPrivate) clone() *treeKEMPrivate {
	return &treeKEMPrivate{leaf: p.leaf, keys: maps.Clone(p.keys)}
}

// setLeafKey replaces the member's leaf key, as when its Update proposal is
// committed (RFC 9420 §12.1.2).
func (p *treeKEMPrivate) setLeafKey(k *hpkePrivateKey) { p.keys[p.leaf.node()] = k }

// key returns the private key of node x if p holds one and t holds its
// public key at x; otherwise nil.
func (p *treeKEMPrivate) key(t *ratchetTree, x NodeIndex) *hpkePrivateKey {
	k := p.keys[x]
	if k == nil || t.isBlank(x) || !bytes.Equal(k.publicKey(), t.encryptionKey(x)) {
		return nil
	}
	return k
}

// prune drops the keys whose node t no longer holds with the matching
// public key: nodes blanked by an Update or Remove, or reset by a commit
// (RFC 9420 §7.5: outdated key pairs are deleted).
func (p *treeKEMPrivate) prune(t *ratchetTree) {
	for x := range p.keys {
		if p.key(t, x) == nil {
			delete(p.keys, x)
		}
	}
}

// checkConsistent checks that every key of p is that of a non-blank node
// of t on the member's direct path (or its leaf).
func (p *treeKEMPrivate) checkConsistent(t *ratchetTree) error {
	for x := range p.keys {
		if !inSubtree(p.leaf.node(), x) {
			return treeErrorf(x, nil, "a private key for a node not above leaf %d", p.leaf)
		}
		if p.key(t, x) == nil {
			return treeErrorf(x, nil, "the private key does not match the public key in the tree")
		}
	}
	return nil
}

// setPathSecret derives the key of node x from its path secret and stores
// it, after checking it against the public key t holds at x.
func (p *treeKEMPrivate) setPathSecret(s *suite, t *ratchetTree, x NodeIndex, pathSecret secret) error {
	k, err := s.pathNodeKey(pathSecret)
	if err != nil {
		return err
	}
	if t.isBlank(x) || !bytes.Equal(k.publicKey(), t.encryptionKey(x)) {
		return treeErrorf(x, nil, "the path secret does not give the node's public key")
	}
	p.keys[x] = k
	return nil
}

// adoptPathSecret is how a new member uses the path_secret of its Welcome
// (RFC 9420 §12.4.3.1): x is the lowest common ancestor of its leaf and
// the committer's, pathSecret the path secret of x. It derives the key of
// x and of each non-blank ancestor of x, the rest of the committer's
// filtered direct path, each from the path secret before it, checking
// every key against the tree. The key derivations run on up to workers
// goroutines (0 means GOMAXPROCS).
func (p *treeKEMPrivate) adoptPathSecret(s *suite, t *ratchetTree, x NodeIndex, pathSecret secret, workers int) error {
	if !inSubtree(p.leaf.node(), x) || x.isLeaf() || t.isBlank(x) {
		return treeErrorf(x, nil, "a path secret for a node that is blank or not above leaf %d", p.leaf)
	}
	var nodes []NodeIndex
	n := t.leafCount()
	for ok := true; ok; x, ok = x.parent(n) {
		if !t.isBlank(x) {
			nodes = append(nodes, x)
		}
	}
	secrets, after, err := s.pathSecretChain(pathSecret.clone(), len(nodes))
	if err != nil {
		return err
	}
	defer zeroSecrets(secrets)
	after.zero()
	keys, err := s.pathNodeKeys(secrets, workers)
	if err != nil {
		return err
	}
	for i, x := range nodes {
		if !bytes.Equal(keys[i].publicKey(), t.encryptionKey(x)) {
			return treeErrorf(x, nil, "the path secret does not give the node's public key")
		}
	}
	for i, x := range nodes {
		p.keys[x] = keys[i]
	}
	return nil
}

// newPath is the committer's side of an UpdatePath (RFC 9420 §7.4, §7.5)
// once applied to its tree: the filtered direct path, a path secret for
// each of its nodes, the commit secret, and the committer's new private
// state. It prints redacted.
type newPath struct {
	leaf         LeafIndex
	nodes        []NodeIndex
	pathSecrets  []secret
	commitSecret secret
	private      *treeKEMPrivate
}

func (np newPath) String() string                { return redactedText("mls.newPath") }
func (np newPath) GoString() string              { return redactedText("mls.newPath") }
func (np newPath) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.newPath") }

// zero erases the path secrets and the commit secret. The caller zeroes
// any copy it took of them.
func (np *newPath) zero() {
	for i := range np.pathSecrets {
		np.pathSecrets[i].zero()
	}
	np.commitSecret.zero()
}

// applyNewPath refreshes the direct path of leaf in t, as a committer
// does (RFC 9420 §7.4, §7.5, §12.4.1). The new leaf node has the
// credential, capabilities and extensions of base (nil means those of the
// current leaf node), signer's public key, a fresh encryption key, source
// commit and the parent hash of the new path, and is signed by signer with
// groupID and leaf as context. Path secrets start from a random value; the
// node keys are derived from them and installed with their parent hashes
// and no unmerged leaves.
//
// t must already reflect the commit's proposals (and, for an external
// commit, hold the joiner's leaf, blank, at leaf). The caller then computes
// the provisional GroupContext with t's new tree hash and calls encrypt.
// The node key derivations run on up to workers goroutines (0 means
// GOMAXPROCS).
func (t *ratchetTree) applyNewPath(leaf LeafIndex, signer *SigningKey, base *LeafNode, groupID []byte, workers int) (*newPath, error) {
	if uint64(leaf) >= uint64(t.leafCount()) {
		return nil, treeErrorf(leaf.node(), nil, "leaf outside the tree of %d leaves", t.leafCount())
	}
	if base == nil {
		if base = t.leafNode(leaf); base == nil {
			return nil, treeErrorf(leaf.node(), nil, "a path from a blank leaf needs a leaf node")
		}
	}
	if signer == nil {
		return nil, fmt.Errorf("mls: update path: no signing key: %w", ErrInvalidPrivateKey)
	}
	s := t.suite
	leafKey, err := s.generateHPKEKey()
	if err != nil {
		return nil, err
	}
	np := &newPath{leaf: leaf, nodes: t.filteredDirectPath(leaf), private: newTreeKEMPrivate(leaf, leafKey)}
	first := make(secret, s.nh)
	rand.Read(first)
	if np.pathSecrets, np.commitSecret, err = s.pathSecretChain(first, len(np.nodes)); err != nil {
		first.zero()
		return nil, err
	}
	keys, err := s.pathNodeKeys(np.pathSecrets, workers)
	if err != nil {
		np.zero()
		return nil, err
	}
	pubs := make([][]byte, len(np.nodes))
	for i, x := range np.nodes {
		np.private.keys[x] = keys[i]
		pubs[i] = keys[i].publicKey()
	}
	parentHashes, leafParentHash, err := t.pathParentHashes(leaf, np.nodes, pubs)
	if err != nil {
		np.zero()
		return nil, err
	}
	ln := &LeafNode{
		EncryptionKey: leafKey.publicKey(),
		SignatureKey:  signer.PublicKey(),
		Credential:    base.Credential,
		Capabilities:  base.Capabilities,
		Source:        LeafNodeSourceCommit,
		ParentHash:    leafParentHash,
		Extensions:    nonNilExtensions(base.Extensions),
	}
	if err := s.signLeafNode(signer, ln, groupID, leaf); err != nil {
		np.zero()
		return nil, err
	}
	t.applyPath(leaf, np.nodes, pubs, parentHashes, ln)
	return np, nil
}

// encrypt builds the UpdatePath of np (RFC 9420 §7.6): the new leaf node,
// and for each node of the filtered direct path its public key and its
// path secret encrypted with EncryptWithLabel(., "UpdatePathNode",
// groupContext, .) to every node of the resolution of its copath child,
// leaving out the leaves in excluded, the members the commit adds. t is the
// tree applyNewPath changed; groupContext is the encoded provisional
// GroupContext. The encryptions run on up to workers goroutines (0 means
// GOMAXPROCS).
func (np *newPath) encrypt(t *ratchetTree, groupContext []byte, excluded []LeafIndex, workers int) (*UpdatePath, error) {
	excl := sortedLeaves(excluded)
	type target struct{ node, slot int }
	var targets []target
	path := &UpdatePath{LeafNode: *t.leafNode(np.leaf), Nodes: make([]UpdatePathNode, len(np.nodes))}
	var res []NodeIndex
	var recipients [][]NodeIndex
	for i, x := range np.nodes {
		res = t.resolution(res[:0], copathChild(x, np.leaf), excl)
		recipients = append(recipients, slices.Clone(res))
		path.Nodes[i] = UpdatePathNode{
			EncryptionKey:       t.encryptionKey(x),
			EncryptedPathSecret: make([]HPKECiphertext, len(res)),
		}
		for j := range res {
			targets = append(targets, target{i, j})
		}
	}
	s := t.suite
	err := parallelEach(len(targets), workersOrDefault(workers), func(k int) error {
		tg := targets[k]
		r := recipients[tg.node][tg.slot]
		kem, ct, err := s.encryptWithLabel(t.encryptionKey(r), updatePathNodeLabel, groupContext, np.pathSecrets[tg.node])
		if err != nil {
			return treeErrorf(r, ErrInvalidUpdatePath, "encrypting the path secret of node %d: %v", np.nodes[tg.node], err)
		}
		path.Nodes[tg.node].EncryptedPathSecret[tg.slot] = HPKECiphertext{KEMOutput: kem, Ciphertext: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return path, nil
}

// pathSecretFor returns the path secret a new member at leaf joiner gets in
// its Welcome (RFC 9420 §12.4.3.1): that of the lowest common ancestor of
// joiner and the committer, which is on the committer's filtered direct
// path since the joiner is below its copath child. ok is false if the
// path does not hold it (the joiner is not in the tree). The caller zeroes
// the copy returned.
func (np *newPath) pathSecretFor(joiner LeafIndex) (x NodeIndex, ps secret, ok bool) {
	x = commonAncestor(joiner.node(), np.leaf.node())
	i := slices.Index(np.nodes, x)
	if i < 0 || joiner == np.leaf {
		return 0, nil, false
	}
	return x, np.pathSecrets[i].clone(), true
}

// sortedLeaves returns a sorted copy of leaves.
func sortedLeaves(leaves []LeafIndex) []LeafIndex {
	out := slices.Clone(leaves)
	slices.Sort(out)
	return out
}

// updatePathError returns an ErrInvalidUpdatePath error (and kind, if
// any) about node x.
func updatePathError(x NodeIndex, kind error, format string, args ...any) error {
	return newValidationError("update path", nodeName(x), nil, fmt.Sprintf(format, args...), kind, ErrInvalidUpdatePath)
}

// mergeUpdatePath merges an UpdatePath from the member at sender into t
// (RFC 9420 §7.5, §12.4.2). It checks that the path has a node for each
// node of sender's filtered direct path and, for each, one ciphertext per
// node of the copath child's resolution without the leaves in excluded
// (the members the commit adds); that the leaf node's source is commit;
// that none of its public keys is already in the tree or repeated; and that
// the leaf node's parent_hash is the one the path gives (§7.9.2). Then it
// blanks the direct path and installs the new nodes and leaf node. t is
// unchanged if it fails.
//
// The leaf node must be validated as well (§7.3: validateLeafNode with
// source commit, the group ID and sender as context, checkUniqueKeys,
// checkCredentialSupport); that is the caller's, which holds the group's
// requirements.
func (t *ratchetTree) mergeUpdatePath(sender LeafIndex, path *UpdatePath, excluded []LeafIndex) error {
	if uint64(sender) >= uint64(t.leafCount()) {
		return updatePathError(sender.node(), nil, "sender outside the tree of %d leaves", t.leafCount())
	}
	own := sender.node()
	if path.LeafNode.Source != LeafNodeSourceCommit {
		return updatePathError(own, ErrInvalidLeafNode, "leaf_node_source is %v, want commit", path.LeafNode.Source)
	}
	fdp := t.filteredDirectPath(sender)
	if len(path.Nodes) != len(fdp) {
		return updatePathError(own, nil, "%d path nodes for a filtered direct path of %d", len(path.Nodes), len(fdp))
	}
	excl := sortedLeaves(excluded)
	var res []NodeIndex
	pubs := make([][]byte, len(fdp))
	fresh := make(map[string]int, len(fdp)+1)
	fresh[string(path.LeafNode.EncryptionKey)] = -1
	for i, x := range fdp {
		res = t.resolution(res[:0], copathChild(x, sender), excl)
		if got := len(path.Nodes[i].EncryptedPathSecret); got != len(res) {
			return updatePathError(x, nil, "%d encrypted path secrets for a resolution of %d", got, len(res))
		}
		pubs[i] = path.Nodes[i].EncryptionKey
		if err := t.suite.checkHPKEPublicKey(pubs[i]); err != nil {
			return newValidationError("update path", nodeName(x), err, "encryption_key", ErrInvalidUpdatePath)
		}
		if _, dup := fresh[string(pubs[i])]; dup {
			return updatePathError(x, ErrDuplicateKey, "encryption_key repeats a key of the path")
		}
		fresh[string(pubs[i])] = i
	}
	for j := range t.nodes {
		if _, dup := fresh[string(t.encryptionKey(NodeIndex(j)))]; dup && !t.isBlank(NodeIndex(j)) {
			return updatePathError(NodeIndex(j), ErrDuplicateKey, "a key of the update path is already in the tree here")
		}
	}
	parentHashes, leafParentHash, err := t.pathParentHashes(sender, fdp, pubs)
	if err != nil {
		return err
	}
	if !bytes.Equal(leafParentHash, path.LeafNode.ParentHash) {
		return updatePathError(own, ErrParentHashMismatch, "parent hash does not match")
	}
	ln := path.LeafNode
	t.applyPath(sender, fdp, pubs, parentHashes, &ln)
	return nil
}

// decryptPathSecret finds and decrypts the path secret meant for p in an
// UpdatePath from sender (RFC 9420 §7.5): that of the lowest common
// ancestor of the two leaves, fdp[i], encrypted to the node of the
// resolution of its copath child (without excluded) of which p holds the
// private key. t is the tree after mergeUpdatePath; groupContext the
// encoded provisional GroupContext. It returns sender's filtered direct
// path, i and the path secret, which the caller zeroes.
func (p *treeKEMPrivate) decryptPathSecret(s *suite, t *ratchetTree, sender LeafIndex, path *UpdatePath, groupContext []byte, excluded []LeafIndex) (fdp []NodeIndex, i int, pathSecret secret, err error) {
	if sender == p.leaf {
		return nil, 0, nil, updatePathError(sender.node(), nil, "the member's own update path")
	}
	excl := sortedLeaves(excluded)
	if containsLeaf(excl, p.leaf) {
		return nil, 0, nil, updatePathError(p.leaf.node(), nil, "a new member gets its path secret from the Welcome")
	}
	fdp = t.filteredDirectPath(sender)
	if len(path.Nodes) != len(fdp) {
		return nil, 0, nil, updatePathError(sender.node(), nil, "%d path nodes for a filtered direct path of %d", len(path.Nodes), len(fdp))
	}
	x := commonAncestor(sender.node(), p.leaf.node())
	if i = slices.Index(fdp, x); i < 0 {
		return nil, 0, nil, updatePathError(x, nil, "the common ancestor of leaves %d and %d is not on the filtered direct path", sender, p.leaf)
	}
	res := t.resolution(nil, copathChild(x, sender), excl)
	cts := path.Nodes[i].EncryptedPathSecret
	if len(cts) != len(res) {
		return nil, 0, nil, updatePathError(x, nil, "%d encrypted path secrets for a resolution of %d", len(cts), len(res))
	}
	for j, r := range res {
		k := p.key(t, r)
		if k == nil {
			continue
		}
		pt, err := s.decryptWithLabel(k, updatePathNodeLabel, groupContext, cts[j].KEMOutput, cts[j].Ciphertext)
		if err != nil {
			return nil, 0, nil, newValidationError("update path", nodeName(x), err, fmt.Sprintf("encrypted_path_secret[%d]", j), ErrInvalidUpdatePath)
		}
		return fdp, i, pt, nil
	}
	return nil, 0, nil, updatePathError(x, nil, "leaf %d holds no private key of the resolution of the copath child", p.leaf)
}

// applyPathSecrets derives, from the path secret of fdp[i], the keys of
// fdp[i:] and the commit secret (RFC 9420 §7.4, §12.4.2), checks each key
// against the public key t holds (the one the UpdatePath sent), and
// replaces p's outdated keys with them. The key derivations run on up to
// workers goroutines (0 means GOMAXPROCS).
func (p *treeKEMPrivate) applyPathSecrets(s *suite, t *ratchetTree, fdp []NodeIndex, i int, pathSecret secret, workers int) (commitSecret secret, err error) {
	secrets, commitSecret, err := s.pathSecretChain(pathSecret.clone(), len(fdp)-i)
	if err != nil {
		return nil, err
	}
	defer zeroSecrets(secrets)
	keys, err := s.pathNodeKeys(secrets, workers)
	if err != nil {
		commitSecret.zero()
		return nil, err
	}
	for k, key := range keys {
		if !bytes.Equal(key.publicKey(), t.encryptionKey(fdp[i+k])) {
			commitSecret.zero()
			return nil, updatePathError(fdp[i+k], nil, "the path secret does not give the public key sent")
		}
	}
	p.prune(t)
	for k, key := range keys {
		p.keys[fdp[i+k]] = key
	}
	return commitSecret, nil
}

// processUpdatePath is a receiver's TreeKEM step of processing a commit
// (RFC 9420 §7.5, §12.4.2): it decrypts its path secret from path, sent by
// sender and already merged into t, derives the keys above it on up to
// workers goroutines (0 means GOMAXPROCS), and returns the commit secret,
// which the caller zeroes. p is updated only on success.
func (p *treeKEMPrivate) processUpdatePath(s *suite, t *ratchetTree, sender LeafIndex, path *UpdatePath, groupContext []byte, excluded []LeafIndex, workers int) (secret, error) {
	fdp, i, pathSecret, err := p.decryptPathSecret(s, t, sender, path, groupContext, excluded)
	if err != nil {
		return nil, err
	}
	defer pathSecret.zero()
	return p.applyPathSecrets(s, t, fdp, i, pathSecret, workers)
}
