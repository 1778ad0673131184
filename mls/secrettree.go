package mls

import (
	"fmt"
)

// ratchetKind selects one of the two sender ratchets of a leaf of the
// secret tree (RFC 9420 §9): the handshake ratchet encrypts proposals and
// commits, the application ratchet application data. Message framing maps
// a PrivateMessage's content type onto it.
type ratchetKind uint8

const (
	handshakeRatchet ratchetKind = iota
	applicationRatchet
)

func (k ratchetKind) String() string { return k.label() }

// label is the label that derives the ratchet's first secret from its
// leaf's secret (RFC 9420 §9).
func (k ratchetKind) label() string {
	if k == handshakeRatchet {
		return "handshake"
	}
	return "application"
}

// secretTreeLimits bounds the work and memory a secret tree spends on
// messages that arrive out of order (RFC 9420 §9.2 lets members keep
// unconsumed keys "for some reasonable amount of time"; §16.6 and §15.3
// discuss the trade-off with forward secrecy).
type secretTreeLimits struct {
	// maxForwardDistance is how many generations a requested generation
	// may lie beyond the next unused one of its ratchet. A message further
	// ahead is refused with ErrGenerationTooFar, so that one message cannot
	// make a member derive millions of keys.
	maxForwardDistance uint32
	// maxRetainedKeys is how many skipped keys each ratchet keeps for
	// messages that arrive late. When more are skipped, the oldest are
	// deleted, and their messages then fail with ErrGenerationConsumed.
	maxRetainedKeys int
}

// defaultSecretTreeLimits are the limits used when none are given: a
// sender may run 1000 messages ahead of what a member has seen, and 32
// late messages per ratchet can still be decrypted.
var defaultSecretTreeLimits = secretTreeLimits{
	maxForwardDistance: 1000,
	maxRetainedKeys:    32,
}

// secretTree is the secret tree of one epoch (RFC 9420 §9): node secrets
// derived from the encryption_secret at the root, and for each leaf a
// handshake and an application sender ratchet.
//
// Secrets are derived lazily, on the first request for a leaf, and deleted
// as RFC 9420 §9.2 requires: a node secret once both children are derived
// from it, a leaf secret once its two ratchets are initialized, a ratchet
// secret once the next one is derived, and a key and nonce once they are
// handed out. The tree holds only the nodes not yet consumed, so its size
// is proportional to the leaves actually used, not to the tree width.
//
// A secretTree prints redacted. It is not safe for concurrent use.
type secretTree struct {
	suite  *suite
	leaves uint32
	limits secretTreeLimits

	// nodes holds the tree node secrets that are derived but not yet
	// consumed; the root's is the encryption_secret.
	nodes map[NodeIndex]secret
	// ratchets holds the sender ratchets of the leaves initialized so far,
	// indexed by ratchetKind.
	ratchets map[LeafIndex]*[2]senderRatchet
}

func (t *secretTree) String() string                { return redactedText("mls.secretTree") }
func (t *secretTree) GoString() string              { return redactedText("mls.secretTree") }
func (t *secretTree) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.secretTree") }

// newSecretTree returns the secret tree of a group with the given number of
// leaves (a power of two, RFC 9420 §7.8) rooted at encryptionSecret. The
// tree takes ownership of encryptionSecret and zeroes it when consumed.
// Zero limits fields select the defaults.
func newSecretTree(s *suite, encryptionSecret secret, leaves uint32, limits secretTreeLimits) (*secretTree, error) {
	if !validLeafCount(leaves) {
		return nil, fmt.Errorf("mls: secret tree of %d leaves (not a power of two up to 2^31): %w", leaves, ErrLeafOutOfRange)
	}
	if len(encryptionSecret) != s.nh {
		return nil, fmt.Errorf("mls: encryption_secret of %d bytes, want %d: %w", len(encryptionSecret), s.nh, ErrInvalidLength)
	}
	if limits.maxForwardDistance == 0 {
		limits.maxForwardDistance = defaultSecretTreeLimits.maxForwardDistance
	}
	if limits.maxRetainedKeys <= 0 {
		limits.maxRetainedKeys = defaultSecretTreeLimits.maxRetainedKeys
	}
	return &secretTree{
		suite:    s,
		leaves:   leaves,
		limits:   limits,
		nodes:    map[NodeIndex]secret{rootNode(leaves): encryptionSecret},
		ratchets: make(map[LeafIndex]*[2]senderRatchet),
	}, nil
}

// get returns the key and nonce of generation of leaf's ratchet of the
// given kind, for decrypting a message (RFC 9420 §9.1). It derives forward
// through the ratchet as needed, retaining the keys it skips for messages
// that arrive later, and bounded by the tree's limits. The returned key and
// nonce are consumed: the tree deletes its copy, so a second request for
// the same generation fails with ErrGenerationConsumed. The caller zeroes
// them after use. A key is consumed even if the message then fails to
// decrypt (§9.2 only requires deletion after success): so a member that
// forges a message under another's leaf can burn that one generation, no
// more, while a key can never be handed out twice.
func (t *secretTree) get(leaf LeafIndex, kind ratchetKind, generation uint32) (keyNonce, error) {
	r, err := t.ratchet(leaf, kind)
	if err != nil {
		return keyNonce{}, err
	}
	kn, err := r.get(t.suite, t.limits, generation)
	if err != nil {
		return keyNonce{}, fmt.Errorf("mls: leaf %d %s ratchet: %w", leaf, kind, err)
	}
	return kn, nil
}

// next returns the generation, key and nonce for the next message leaf
// sends with the ratchet of the given kind, and advances the ratchet (RFC
// 9420 §6.3.1: the sender uses the j-th key for its j-th message). The
// caller zeroes the key and nonce after use.
func (t *secretTree) next(leaf LeafIndex, kind ratchetKind) (uint32, keyNonce, error) {
	r, err := t.ratchet(leaf, kind)
	if err != nil {
		return 0, keyNonce{}, err
	}
	if r.next > maxGeneration {
		return 0, keyNonce{}, fmt.Errorf("mls: leaf %d %s ratchet: %w", leaf, kind, ErrRatchetExhausted)
	}
	generation := uint32(r.next)
	kn, err := r.get(t.suite, t.limits, generation)
	if err != nil {
		return 0, keyNonce{}, fmt.Errorf("mls: leaf %d %s ratchet: %w", leaf, kind, err)
	}
	return generation, kn, nil
}

// peek returns the key and nonce that get would return for the same
// arguments, without changing the tree: nothing is derived into it and
// nothing is consumed. Message protection peeks while it authenticates a
// received message and consumes (get) only once the message is accepted,
// so that a rejected message leaves the tree as it was (RFC 9420 §9.2
// requires deletion after successful decryption). The work done is bounded
// as for get. The caller zeroes the result.
func (t *secretTree) peek(leaf LeafIndex, kind ratchetKind, generation uint32) (keyNonce, error) {
	if uint32(leaf) >= t.leaves {
		return keyNonce{}, fmt.Errorf("mls: leaf %d of a %d-leaf secret tree: %w", leaf, t.leaves, ErrLeafOutOfRange)
	}
	if kind != handshakeRatchet && kind != applicationRatchet {
		return keyNonce{}, fmt.Errorf("mls: ratchet kind %d", kind)
	}
	var kn keyNonce
	var err error
	if rs, ok := t.ratchets[leaf]; ok {
		kn, err = rs[kind].peek(t.suite, t.limits, generation)
	} else {
		var r senderRatchet
		if r.secret, err = t.peekRatchetSecret(leaf, kind); err != nil {
			return keyNonce{}, err
		}
		kn, err = r.peek(t.suite, t.limits, generation)
		r.secret.zero()
	}
	if err != nil {
		return keyNonce{}, fmt.Errorf("mls: leaf %d %s ratchet: %w", leaf, kind, err)
	}
	return kn, nil
}

// peekRatchetSecret derives the first secret of leaf's ratchet of the given
// kind, ratchet_secret_[N]_[0], from the nearest ancestor whose secret the
// tree still holds, without changing the tree: only the nodes on the path
// down to the leaf are derived, into copies.
func (t *secretTree) peekRatchetSecret(leaf LeafIndex, kind ratchetKind) (secret, error) {
	x := leaf.node()
	cur, ok := t.nodes[x]
	var path []NodeIndex
	top := -1
	if ok {
		cur = cur.clone()
	} else {
		path = directPath(x, t.leaves)
		for i, p := range path {
			if s, held := t.nodes[p]; held {
				top, cur = i, s.clone()
				break
			}
		}
		if top < 0 {
			return nil, fmt.Errorf("mls: leaf %d: no secret tree node left to derive from: %w", leaf, ErrGenerationConsumed)
		}
	}
	for i := top; i >= 0; i-- {
		child := x
		if i > 0 {
			child = path[i-1]
		}
		side := "right"
		if child < path[i] {
			side = "left"
		}
		next, err := t.suite.expandWithLabel(cur, "tree", []byte(side), uint16(t.suite.nh))
		cur.zero()
		if err != nil {
			return nil, err
		}
		cur = next
	}
	defer cur.zero()
	return t.suite.expandWithLabel(cur, kind.label(), nil, uint16(t.suite.nh))
}

// zero deletes every secret the tree still holds, for when its epoch ends.
func (t *secretTree) zero() {
	for x, s := range t.nodes {
		s.zero()
		delete(t.nodes, x)
	}
	for l, rs := range t.ratchets {
		rs[0].zero()
		rs[1].zero()
		delete(t.ratchets, l)
	}
}

// ratchet returns leaf's ratchet of the given kind, initializing both of
// the leaf's ratchets on first use.
func (t *secretTree) ratchet(leaf LeafIndex, kind ratchetKind) (*senderRatchet, error) {
	if uint32(leaf) >= t.leaves {
		return nil, fmt.Errorf("mls: leaf %d of a %d-leaf secret tree: %w", leaf, t.leaves, ErrLeafOutOfRange)
	}
	if kind != handshakeRatchet && kind != applicationRatchet {
		return nil, fmt.Errorf("mls: ratchet kind %d", kind)
	}
	if rs, ok := t.ratchets[leaf]; ok {
		return &rs[kind], nil
	}
	leafSecret, err := t.leafSecret(leaf)
	if err != nil {
		return nil, err
	}
	defer leafSecret.zero()
	// RFC 9420 §9: the roots of the two ratchets.
	hs, err := t.suite.expandWithLabel(leafSecret, handshakeRatchet.label(), nil, uint16(t.suite.nh))
	if err != nil {
		return nil, err
	}
	app, err := t.suite.expandWithLabel(leafSecret, applicationRatchet.label(), nil, uint16(t.suite.nh))
	if err != nil {
		hs.zero()
		return nil, err
	}
	rs := &[2]senderRatchet{
		handshakeRatchet:   {secret: hs},
		applicationRatchet: {secret: app},
	}
	t.ratchets[leaf] = rs
	return &rs[kind], nil
}

// leafSecret derives tree_node_[leaf]_secret and removes it from the tree
// (its consumer, the pair of ratchets, is being initialized). It walks down
// from the nearest ancestor whose secret is still held, deriving both
// children of each node on the way and deleting the node's secret
// (RFC 9420 §9, §9.2); the siblings off the path stay for other leaves.
func (t *secretTree) leafSecret(leaf LeafIndex) (secret, error) {
	x := leaf.node()
	if s, ok := t.nodes[x]; ok {
		delete(t.nodes, x)
		return s, nil
	}
	path := directPath(x, t.leaves)
	top := -1
	for i, p := range path {
		if _, ok := t.nodes[p]; ok {
			top = i
			break
		}
	}
	if top < 0 {
		// Unreachable while the invariant holds: every leaf without
		// ratchets has its own secret or a held ancestor.
		return nil, fmt.Errorf("mls: leaf %d: no secret tree node left to derive from: %w", leaf, ErrGenerationConsumed)
	}
	for i := top; i >= 0; i-- {
		p := path[i]
		parent := t.nodes[p]
		left, _ := p.left()
		right, _ := p.right()
		ls, err := t.suite.expandWithLabel(parent, "tree", []byte("left"), uint16(t.suite.nh))
		if err != nil {
			return nil, err
		}
		rs, err := t.suite.expandWithLabel(parent, "tree", []byte("right"), uint16(t.suite.nh))
		if err != nil {
			ls.zero()
			return nil, err
		}
		t.nodes[left], t.nodes[right] = ls, rs
		parent.zero()
		delete(t.nodes, p)
	}
	s := t.nodes[x]
	delete(t.nodes, x)
	return s, nil
}

// maxGeneration is the last generation of a sender ratchet: generations
// are uint32 (RFC 9420 §6.3.2 SenderData).
const maxGeneration = 1<<32 - 1

// senderRatchet is one hash ratchet of a leaf (RFC 9420 §9.1). secret is
// ratchet_secret_[N]_[next]; the secrets of earlier generations are gone,
// and so are their keys except those kept in retained for late messages.
type senderRatchet struct {
	secret secret
	// next is the first generation whose key has not been derived. It
	// reaches 2^32 when the ratchet is exhausted, hence uint64.
	next     uint64
	retained map[uint32]keyNonce
}

func (r *senderRatchet) String() string                { return redactedText("mls.senderRatchet") }
func (r *senderRatchet) GoString() string              { return redactedText("mls.senderRatchet") }
func (r *senderRatchet) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.senderRatchet") }

// lookup is what get and peek share: for a generation before the ratchet's
// next one, its retained key (retained = true) or ErrGenerationConsumed;
// for a later one, ErrGenerationTooFar beyond the forward limit, or
// nothing, for the caller to derive.
func (r *senderRatchet) lookup(limits secretTreeLimits, generation uint32) (kn keyNonce, retained bool, err error) {
	g := uint64(generation)
	if g < r.next {
		kn, ok := r.retained[generation]
		if !ok {
			return keyNonce{}, false, fmt.Errorf("generation %d (next %d): %w", generation, r.next, ErrGenerationConsumed)
		}
		return kn, true, nil
	}
	if g-r.next > uint64(limits.maxForwardDistance) {
		return keyNonce{}, false, fmt.Errorf("generation %d is %d past the next %d, limit %d: %w",
			generation, g-r.next, r.next, limits.maxForwardDistance, ErrGenerationTooFar)
	}
	return keyNonce{}, false, nil
}

// get returns the key and nonce of generation and deletes them from the
// ratchet; see secretTree.get.
func (r *senderRatchet) get(s *suite, limits secretTreeLimits, generation uint32) (keyNonce, error) {
	kn, retained, err := r.lookup(limits, generation)
	if err != nil || retained {
		if retained {
			delete(r.retained, generation)
		}
		return kn, err
	}
	g := uint64(generation)
	for r.next < g {
		// Only the skipped keys that would survive retention are derived;
		// for the others the ratchet just moves on.
		if g-r.next <= uint64(limits.maxRetainedKeys) {
			kn, err := r.keyNonce(s)
			if err != nil {
				return keyNonce{}, err
			}
			r.retain(limits, uint32(r.next), kn)
		}
		if err := r.advance(s); err != nil {
			return keyNonce{}, err
		}
	}
	kn, err = r.keyNonce(s)
	if err != nil {
		return keyNonce{}, err
	}
	if err := r.advance(s); err != nil {
		kn.zero()
		return keyNonce{}, err
	}
	return kn, nil
}

// peek returns the key and nonce of generation like get, on copies: the
// ratchet is left unchanged.
func (r *senderRatchet) peek(s *suite, limits secretTreeLimits, generation uint32) (keyNonce, error) {
	kn, retained, err := r.lookup(limits, generation)
	if err != nil || retained {
		return keyNonce{key: kn.key.clone(), nonce: kn.nonce.clone()}, err
	}
	tmp := senderRatchet{secret: r.secret.clone(), next: r.next}
	defer tmp.secret.zero()
	for tmp.next < uint64(generation) {
		if err := tmp.advance(s); err != nil {
			return keyNonce{}, err
		}
	}
	return tmp.keyNonce(s)
}

// keyNonce derives ratchet_key_[N]_[next] and ratchet_nonce_[N]_[next]
// (RFC 9420 §9.1).
func (r *senderRatchet) keyNonce(s *suite) (keyNonce, error) {
	j := uint32(r.next)
	key, err := s.deriveTreeSecret(r.secret, "key", j, uint16(s.nk()))
	if err != nil {
		return keyNonce{}, err
	}
	nonce, err := s.deriveTreeSecret(r.secret, "nonce", j, uint16(s.nn()))
	if err != nil {
		key.zero()
		return keyNonce{}, err
	}
	return keyNonce{key: key, nonce: nonce}, nil
}

// advance replaces ratchet_secret_[N]_[j] by ratchet_secret_[N]_[j+1] =
// DeriveTreeSecret(., "secret", j, KDF.Nh) and deletes the old one. After
// the last generation there is nothing left to derive: the secret is just
// deleted.
func (r *senderRatchet) advance(s *suite) error {
	if r.next == maxGeneration {
		r.secret.zero()
		r.next++
		return nil
	}
	nextSecret, err := s.deriveTreeSecret(r.secret, "secret", uint32(r.next), uint16(s.nh))
	if err != nil {
		return err
	}
	r.secret.zero()
	r.secret = nextSecret
	r.next++
	return nil
}

// retain keeps the key of a skipped generation, deleting the oldest
// retained key when the ratchet already holds the maximum.
func (r *senderRatchet) retain(limits secretTreeLimits, generation uint32, kn keyNonce) {
	if r.retained == nil {
		r.retained = make(map[uint32]keyNonce)
	}
	for len(r.retained) >= limits.maxRetainedKeys {
		oldest := generation
		for g := range r.retained {
			oldest = min(oldest, g)
		}
		old := r.retained[oldest]
		old.zero()
		delete(r.retained, oldest)
	}
	r.retained[generation] = kn
}

// zero deletes the ratchet secret and every retained key.
func (r *senderRatchet) zero() {
	r.secret.zero()
	for g, kn := range r.retained {
		kn.zero()
		delete(r.retained, g)
	}
}

// senderDataKeyNonce derives the key and nonce that encrypt the SenderData
// of a PrivateMessage (RFC 9420 §6.3.2) from the epoch's
// sender_data_secret and the message's ciphertext:
//
//	ciphertext_sample = ciphertext[0..KDF.Nh-1]
//	sender_data_key   = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk)
//	sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
//
// A ciphertext shorter than KDF.Nh is used whole.
func (s *suite) senderDataKeyNonce(senderDataSecret secret, ciphertext []byte) (keyNonce, error) {
	return s.expandKeyNonce(senderDataSecret, ciphertext[:min(len(ciphertext), s.nh)])
}
