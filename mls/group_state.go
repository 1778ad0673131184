package mls

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// Persistence of a Group: MarshalBinary encodes everything the member
// needs to go on (the GroupContext, tree and private keys, the secrets of
// the epoch and of the past epochs kept, the secret tree with its ratchet
// generations and retained keys, the resumption PSKs, the external PSKs,
// the proposals of the epoch, the pending commit, the configuration);
// UnmarshalGroup restores it.
//
// The encoding is this package's own, in the TLS presentation language of
// RFC 9420 §2.1 (varint vectors, optionals), with every map written in
// sorted order so that equal states encode to equal bytes:
//
//	struct {
//	    opaque magic[8] = "SRMLSGRP";
//	    uint16 version = 1;
//	    Config config;
//	    CipherSuite suite;
//	    opaque signature_priv<V>;
//	    uint8 status;
//	    optional<ReInit> reinit;
//	    EpochState current;
//	    PastEpoch past<V>;
//	    ResumptionPSK resumption<V>;
//	    ExternalPSK external_psks<V>;
//	    CachedProposal proposals<V>;
//	    SentMessage sent<V>;
//	    optional<opaque own_commit[32]>;
//	    optional<PendingCommit> pending;
//	} GroupState;
//
// It holds the member's secrets: store it as such.

// groupStateMagic and groupStateVersion start every encoded group state.
const (
	groupStateMagic   = "SRMLSGRP"
	groupStateVersion = 1
)

// MarshalBinary encodes the group's whole state for storage (see
// UnmarshalGroup). The encoding contains the member's private keys and
// the epoch secrets: it is secret. The options' functions (credential
// validator, clock, SameClient, ExternalProposalPolicy) are not part of it.
func (g *Group) MarshalBinary() ([]byte, error) {
	sigPriv := g.signer.Bytes()
	defer clear(sigPriv)
	return marshalWire("group state", func(b *cryptobyte.Builder) {
		b.AddBytes([]byte(groupStateMagic))
		b.AddUint16(groupStateVersion)
		g.cfg.marshal(b)
		b.AddUint16(uint16(g.suite.id))
		tlscodec.AddOpaque(b, sigPriv)
		b.AddUint8(uint8(g.status))
		tlscodec.AddOptional(b, g.reinit != nil, func(b *cryptobyte.Builder) { g.reinit.marshalBody(b) })
		g.cur.marshal(b)
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, pe := range g.past {
				pe.marshal(b)
			}
		})
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, r := range g.resumption {
				b.AddUint64(r.epoch)
				tlscodec.AddOpaque(b, r.psk)
			}
		})
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, id := range slices.Sorted(maps.Keys(g.externalPSKs)) {
				tlscodec.AddOpaque(b, []byte(id))
				tlscodec.AddOpaque(b, g.externalPSKs[id])
			}
		})
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, cp := range g.proposals.list {
				cp.marshal(b)
			}
		})
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, h := range slices.SortedFunc(maps.Keys(g.sent), func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) }) {
				b.AddBytes(h[:])
				tlscodec.AddBool(b, g.sent[h].commit)
				tlscodec.AddOpaque(b, g.sent[h].ref)
			}
		})
		tlscodec.AddOptional(b, g.ownCommit != nil, func(b *cryptobyte.Builder) { b.AddBytes(g.ownCommit[:]) })
		tlscodec.AddOptional(b, g.pending != nil, func(b *cryptobyte.Builder) { g.pending.marshal(b) })
	})
}

// UnmarshalGroup restores a Group from an encoding of MarshalBinary. If
// opts is nil, the group keeps the options it was stored with (without
// their functions); otherwise opts replace them. The restored state is
// checked for consistency (the tree against the GroupContext's tree hash,
// the private keys against the tree, the secrets' sizes); errors wrap
// ErrInvalidGroupState.
func UnmarshalGroup(data []byte, opts *GroupOptions) (*Group, error) {
	g, err := unmarshalGroup(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGroupState, err)
	}
	if opts != nil {
		if g.cfg, err = opts.config(); err != nil {
			return nil, err
		}
		g.applyLimits()
	}
	return g, nil
}

// applyLimits gives the secret trees of the group the configured limits.
func (g *Group) applyLimits() {
	for _, p := range g.protectors() {
		p.tree.limits = g.cfg.limits
	}
}

// protectors returns every message protector the group holds.
func (g *Group) protectors() []*messageProtector {
	ps := []*messageProtector{g.cur.protector}
	for _, pe := range g.past {
		ps = append(ps, pe.protector)
	}
	if g.pending != nil {
		ps = append(ps, g.pending.next.protector)
	}
	return ps
}

func unmarshalGroup(data []byte) (*Group, error) {
	g := &Group{}
	var st stateReader
	err := unmarshalWire("group state", data, func(r *wireReader) {
		st.r = r
		magic := make([]byte, len(groupStateMagic))
		r.fixed("magic", magic)
		var version uint16
		readUint16(r, "version", &version)
		if r.ok() && (string(magic) != groupStateMagic || version != groupStateVersion) {
			r.failf(ErrMalformed, "version", "not a group state of version %d", groupStateVersion)
			return
		}
		r.field("config", func(r *wireReader) { g.cfg.unmarshal(r) })
		var cs CipherSuite
		readUint16(r, "cipher_suite", &cs)
		var sigPriv []byte
		r.opaque("signature_priv", &sigPriv)
		defer clear(sigPriv)
		if !r.ok() {
			return
		}
		var err error
		if g.suite, err = cs.suite(); err != nil {
			r.failf(ErrMalformed, "cipher_suite", "%v", err)
			return
		}
		if g.signer, err = cs.NewSigningKey(sigPriv); err != nil {
			r.failf(ErrMalformed, "signature_priv", "%v", err)
			return
		}
		st.s, st.cfg = g.suite, &g.cfg
		readUint8(r, "status", &g.status)
		if r.ok() && g.status > statusReInit {
			r.failf(ErrMalformed, "status", "unknown status %d", g.status)
			return
		}
		if r.optional("reinit") {
			g.reinit = new(ReInitProposal)
			r.field("reinit", g.reinit.unmarshalBody)
		}
		st.zeroed = g.status == statusRemoved
		r.field("current", func(r *wireReader) { g.cur = st.epochState() })
		st.zeroed = false
		g.past = readVector(r, "past", func(pe **pastEpoch, r *wireReader) { *pe = st.pastEpoch() })
		g.resumption = readVector(r, "resumption", func(e *resumptionEntry, r *wireReader) {
			readUint64(r, "epoch", &e.epoch)
			e.psk = st.secret("psk")
		})
		readVector(r, "external_psks", func(_ *struct{}, r *wireReader) {
			var id, psk []byte
			r.opaque("id", &id)
			r.opaque("psk", &psk)
			if r.ok() {
				if g.externalPSKs == nil {
					g.externalPSKs = map[string]secret{}
				}
				g.externalPSKs[string(id)] = psk
			}
		})
		for _, cp := range readVector(r, "proposals", func(cp **cachedProposal, r *wireReader) { *cp = st.cachedProposal() }) {
			g.proposals.add(cp)
		}
		readVector(r, "sent", func(_ *struct{}, r *wireReader) {
			var h [32]byte
			var sm sentMessage
			r.fixed("hash", h[:])
			readBool(r, "commit", &sm.commit)
			r.opaque("ref", &sm.ref)
			if r.ok() {
				if g.sent == nil {
					g.sent = map[[32]byte]sentMessage{}
				}
				g.sent[h] = sm
			}
		})
		if r.optional("own_commit") {
			var h [32]byte
			r.fixed("own_commit", h[:])
			g.ownCommit = &h
		}
		if r.optional("pending") {
			r.field("pending", func(r *wireReader) { g.pending = st.pendingCommit(g) })
		}
	})
	if err != nil {
		return nil, err
	}
	if g.cur.priv == nil && g.status != statusRemoved {
		return nil, fmt.Errorf("an active member without private keys")
	}
	if g.pending != nil {
		g.pending.base = g.cur
	}
	return g, nil
}

// stateReader decodes the parts of a group state that need the group's
// suite and configuration.
type stateReader struct {
	r   *wireReader
	s   *suite
	cfg *groupConfig
	// zeroed accepts empty secrets: those of the last epoch of a removed
	// member, deleted when it left.
	zeroed bool
}

// readBool reads a uint8 that must be 0 or 1.
func readBool(r *wireReader, name string, out *bool) {
	var v uint8
	readUint8(r, name, &v)
	if r.ok() && v > 1 {
		r.failf(ErrMalformed, name, "boolean %d", v)
	}
	*out = v == 1
}

// marshal writes the configuration without its functions.
func (c *groupConfig) marshal(b *cryptobyte.Builder) {
	tlscodec.AddBool(b, c.encryptHandshake)
	b.AddUint32(uint32(c.paddingBlock))
	b.AddUint32(uint32(c.pastEpochs))
	b.AddUint32(uint32(c.resumptionEpochs))
	b.AddUint32(c.maxLeaves)
	b.AddUint32(uint32(c.maxProposals))
	b.AddUint32(c.limits.maxForwardDistance)
	b.AddUint32(uint32(c.limits.maxRetainedKeys))
	var v ValidationOptions
	if c.validation != nil {
		v = *c.validation
	}
	b.AddUint64(uint64(v.MaxLifetime))
	tlscodec.AddBool(b, v.SkipTreeLifetimes)
	b.AddUint32(uint32(max(v.Workers, 0)))
}

// unmarshal reads a configuration and gives it the default functions.
func (c *groupConfig) unmarshal(r *wireReader) {
	var padding, past, resumption, proposals, retained, workers uint32
	var lifetime uint64
	v := &ValidationOptions{}
	readBool(r, "encrypt_handshake", &c.encryptHandshake)
	readUint32(r, "padding_block", &padding)
	readUint32(r, "past_epochs", &past)
	readUint32(r, "resumption_epochs", &resumption)
	readUint32(r, "max_leaves", &c.maxLeaves)
	readUint32(r, "max_proposals", &proposals)
	readUint32(r, "max_forward_distance", &c.limits.maxForwardDistance)
	readUint32(r, "max_retained_keys", &retained)
	readUint64(r, "max_lifetime", &lifetime)
	readBool(r, "skip_tree_lifetimes", &v.SkipTreeLifetimes)
	readUint32(r, "workers", &workers)
	const limit = 1 << 24
	for _, n := range []uint32{padding, past, resumption, proposals, retained, workers} {
		if n > limit && r.ok() {
			r.failf(ErrMalformed, "", "a bound of %d", n)
		}
	}
	if r.ok() && (c.maxLeaves == 0 || c.maxLeaves > maxLeaves || resumption == 0 || proposals == 0 || retained == 0 || c.limits.maxForwardDistance == 0) {
		r.failf(ErrMalformed, "", "a zero or excessive bound")
	}
	c.paddingBlock, c.pastEpochs, c.resumptionEpochs = int(padding), int(past), int(resumption)
	c.maxProposals, c.limits.maxRetainedKeys = int(proposals), int(retained)
	v.MaxLifetime, v.Workers = time.Duration(lifetime), int(workers)
	c.validation = v
	c.sameClient, c.defaultSameClient = sameCredential, true
}

// secret reads an opaque secret of KDF.Nh bytes.
func (st *stateReader) secret(name string) secret {
	var b []byte
	st.r.opaque(name, &b)
	if st.r.ok() && len(b) != st.s.nh && !(st.zeroed && len(b) == 0) {
		st.r.failf(ErrMalformed, name, "%d bytes, want %d", len(b), st.s.nh)
		clear(b)
		return nil
	}
	return b
}

// hpkeKey reads an HPKE private key of the suite.
func (st *stateReader) hpkeKey(name string) *hpkePrivateKey {
	var b []byte
	st.r.opaque(name, &b)
	defer clear(b)
	if !st.r.ok() {
		return nil
	}
	k, err := st.s.newHPKEPrivateKey(b)
	if err != nil {
		st.r.failf(ErrMalformed, name, "%v", err)
		return nil
	}
	return k
}

// marshal writes an epoch: GroupContext, tree (leaf count and nodes),
// private keys, secrets, message protector, transcript state.
func (e *epochState) marshal(b *cryptobyte.Builder) {
	e.gc.marshal(b)
	b.AddUint32(e.tree.leafCount())
	tree, err := e.tree.marshal()
	if err != nil {
		b.SetError(err)
		return
	}
	tlscodec.AddOpaque(b, tree)
	tlscodec.AddOptional(b, e.priv != nil, func(b *cryptobyte.Builder) {
		b.AddUint32(uint32(e.priv.leaf))
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, x := range slices.Sorted(maps.Keys(e.priv.keys)) {
				k, err := e.priv.keys[x].bytes()
				if err != nil {
					b.SetError(err)
					return
				}
				b.AddUint32(uint32(x))
				tlscodec.AddOpaque(b, k)
				clear(k)
			}
		})
	})
	es := e.secrets
	for _, sec := range []secret{es.exporter.secret, es.external.secret, es.confirmation.secret, es.resumption.secret, es.authenticator.secret, es.init.secret} {
		tlscodec.AddOpaque(b, sec)
	}
	e.protector.marshal(b)
	tlscodec.AddOpaque(b, e.interim)
	tlscodec.AddOpaque(b, e.confirmationTag)
}

// epochState reads an epoch and checks it: the tree's hash is the
// GroupContext's, the private keys are those of the tree's public keys.
func (st *stateReader) epochState() *epochState {
	r, s := st.r, st.s
	e := &epochState{gc: new(GroupContext)}
	r.field("group_context", e.gc.unmarshal)
	var leaves uint32
	readUint32(r, "leaf_count", &leaves)
	var treeData []byte
	r.opaque("tree", &treeData)
	if !r.ok() {
		return nil
	}
	if e.gc.CipherSuite != s.id {
		r.failf(ErrMalformed, "group_context", "cipher suite %v in a %v group", e.gc.CipherSuite, s.id)
		return nil
	}
	tree, err := parseRatchetTree(s, treeData)
	if err == nil && (!validLeafCount(leaves) || leaves > st.cfg.maxLeaves || leaves < tree.leafCount()) {
		err = fmt.Errorf("leaf count %d", leaves)
	}
	for err == nil && tree.leafCount() < leaves {
		err = tree.extend()
	}
	var th []byte
	if err == nil {
		th, err = tree.hashAll(st.cfg.validation.workers())
	}
	if err == nil && !bytes.Equal(th, e.gc.TreeHash) {
		err = fmt.Errorf("the tree's hash is not the group context's: %w", ErrTreeHashMismatch)
	}
	if err != nil {
		r.failf(ErrMalformed, "tree", "%v", err)
		return nil
	}
	e.tree = tree
	if r.optional("private_keys") {
		var leaf LeafIndex
		readUint32(r, "leaf", &leaf)
		e.priv = &treeKEMPrivate{leaf: leaf, keys: map[NodeIndex]*hpkePrivateKey{}}
		readVector(r, "keys", func(_ *struct{}, r *wireReader) {
			var x NodeIndex
			readUint32(r, "node", &x)
			if k := st.hpkeKey("key"); k != nil {
				e.priv.keys[x] = k
			}
		})
		if r.ok() {
			if err := e.priv.checkConsistent(tree); err != nil || e.priv.key(tree, leaf.node()) == nil {
				r.failf(ErrMalformed, "private_keys", "not those of the tree's leaf %d and path: %v", leaf, err)
				return nil
			}
		}
	}
	es := &epochSecrets{suite: s}
	es.exporter = exporterSecret{s, st.secret("exporter_secret")}
	es.external = externalSecret{s, st.secret("external_secret")}
	es.confirmation = confirmationKey{s, st.secret("confirmation_key")}
	es.resumption = resumptionPSK{st.secret("resumption_psk")}
	es.authenticator = epochAuthenticator{st.secret("epoch_authenticator")}
	es.init = initSecret{s, st.secret("init_secret")}
	e.secrets = es
	e.protector = st.protector(e.gc, tree.memberSignatureKey)
	if r.ok() && e.protector.tree.leaves != tree.leafCount() {
		r.failf(ErrMalformed, "secret_tree", "%d leaves for a tree of %d", e.protector.tree.leaves, tree.leafCount())
		return nil
	}
	r.opaque("interim_transcript_hash", &e.interim)
	r.opaque("confirmation_tag", &e.confirmationTag)
	if !r.ok() {
		return nil
	}
	if e.req, err = newGroupRequirements(s.id, e.gc.Extensions); err != nil {
		r.failf(ErrMalformed, "group_context", "%v", err)
		return nil
	}
	return e
}

// marshal writes a message protector's secrets: sender_data_secret,
// membership_key and the secret tree. The GroupContext and member keys
// come from the epoch.
func (p *messageProtector) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, p.senderData.secret)
	tlscodec.AddOpaque(b, p.membership.secret)
	t := p.tree
	b.AddUint32(t.leaves)
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, x := range slices.Sorted(maps.Keys(t.nodes)) {
			b.AddUint32(uint32(x))
			tlscodec.AddOpaque(b, t.nodes[x])
		}
	})
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, l := range slices.Sorted(maps.Keys(t.ratchets)) {
			b.AddUint32(uint32(l))
			for _, r := range t.ratchets[l] {
				tlscodec.AddOpaque(b, r.secret)
				b.AddUint64(r.next)
				tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
					for _, gen := range slices.Sorted(maps.Keys(r.retained)) {
						b.AddUint32(gen)
						tlscodec.AddOpaque(b, r.retained[gen].key)
						tlscodec.AddOpaque(b, r.retained[gen].nonce)
					}
				})
			}
		}
	})
}

// protector reads a message protector for the epoch gc with the member
// key lookup memberKey.
func (st *stateReader) protector(gc *GroupContext, memberKey memberKeyFunc) *messageProtector {
	r, s := st.r, st.s
	sd := st.secret("sender_data_secret")
	mk := st.secret("membership_key")
	t := &secretTree{suite: s, limits: st.cfg.limits, nodes: map[NodeIndex]secret{}, ratchets: map[LeafIndex]*[2]senderRatchet{}}
	readUint32(r, "leaves", &t.leaves)
	if r.ok() && !validLeafCount(t.leaves) {
		r.failf(ErrMalformed, "leaves", "%d leaves", t.leaves)
		return nil
	}
	width := nodeWidth(t.leaves)
	readVector(r, "nodes", func(_ *struct{}, r *wireReader) {
		var x NodeIndex
		readUint32(r, "node", &x)
		sec := st.secret("secret")
		if r.ok() && uint32(x) >= width {
			r.failf(ErrMalformed, "node", "node %d of a %d-leaf tree", x, t.leaves)
		}
		t.nodes[x] = sec
	})
	readVector(r, "ratchets", func(_ *struct{}, r *wireReader) {
		var l LeafIndex
		readUint32(r, "leaf", &l)
		if r.ok() && uint32(l) >= t.leaves {
			r.failf(ErrMalformed, "leaf", "leaf %d of %d", l, t.leaves)
			return
		}
		rs := new([2]senderRatchet)
		for k := range rs {
			rt := &rs[k]
			r.opaque("secret", (*[]byte)(&rt.secret))
			readUint64(r, "next", &rt.next)
			if r.ok() && (rt.next > maxGeneration+1 || (len(rt.secret) != s.nh && rt.next <= maxGeneration)) {
				r.failf(ErrMalformed, "ratchet", "generation %d with a %d-byte secret", rt.next, len(rt.secret))
				return
			}
			readVector(r, "retained", func(_ *struct{}, r *wireReader) {
				var gen uint32
				var kn keyNonce
				readUint32(r, "generation", &gen)
				r.opaque("key", (*[]byte)(&kn.key))
				r.opaque("nonce", (*[]byte)(&kn.nonce))
				if !r.ok() {
					return
				}
				if len(kn.key) != s.nk() || len(kn.nonce) != s.nn() || uint64(gen) >= rt.next || len(rt.retained) >= st.cfg.limits.maxRetainedKeys {
					r.failf(ErrMalformed, "retained", "generation %d", gen)
					return
				}
				if rt.retained == nil {
					rt.retained = map[uint32]keyNonce{}
				}
				rt.retained[gen] = kn
			})
		}
		t.ratchets[l] = rs
	})
	if !r.ok() {
		return nil
	}
	return &messageProtector{
		suite:        s,
		groupContext: gc,
		tree:         t,
		senderData:   senderDataSecret{s, sd},
		membership:   membershipKey{s, mk},
		memberKey:    memberKey,
	}
}

// marshal writes a past epoch: its GroupContext and message protector,
// the signature keys of its members by leaf, and the member's leaf.
func (pe *pastEpoch) marshal(b *cryptobyte.Builder) {
	pe.protector.groupContext.marshal(b)
	pe.protector.marshal(b)
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for l := range LeafIndex(pe.protector.tree.leaves) {
			key, err := pe.protector.memberKey(l)
			tlscodec.AddOptional(b, err == nil, func(b *cryptobyte.Builder) { tlscodec.AddOpaque(b, key) })
		}
	})
	tlscodec.AddOptional(b, pe.hasOwn, func(b *cryptobyte.Builder) { b.AddUint32(uint32(pe.own)) })
}

// pastEpoch reads a past epoch; its member key lookup uses the stored
// signature keys.
func (st *stateReader) pastEpoch() *pastEpoch {
	r := st.r
	gc := new(GroupContext)
	r.field("group_context", gc.unmarshal)
	var keys [][]byte
	pe := &pastEpoch{}
	pe.protector = st.protector(gc, func(l LeafIndex) ([]byte, error) {
		if uint64(l) >= uint64(len(keys)) || keys[l] == nil {
			return nil, fmt.Errorf("leaf %d is blank or outside the tree", l)
		}
		return keys[l], nil
	})
	keys = readVector(r, "signature_keys", func(k *[]byte, r *wireReader) {
		if r.optional("") {
			r.opaque("key", k)
		}
	})
	if r.optional("own") {
		readUint32(r, "own", &pe.own)
		pe.hasOwn = true
	}
	if r.ok() && len(keys) != int(pe.protector.tree.leaves) {
		r.failf(ErrMalformed, "signature_keys", "%d keys for %d leaves", len(keys), pe.protector.tree.leaves)
	}
	return pe
}

// marshal writes a cached proposal: ref, sender, proposal, whether it is
// the member's own and the private key of its own Update.
func (cp *cachedProposal) marshal(b *cryptobyte.Builder) {
	tlscodec.AddOpaque(b, cp.ref)
	cp.sender.marshal(b)
	marshalProposal(b, cp.proposal)
	tlscodec.AddBool(b, cp.own)
	tlscodec.AddBool(b, cp.verified)
	tlscodec.AddOptional(b, cp.updateKey != nil, func(b *cryptobyte.Builder) {
		k, err := cp.updateKey.bytes()
		if err != nil {
			b.SetError(err)
			return
		}
		tlscodec.AddOpaque(b, k)
		clear(k)
	})
}

func (st *stateReader) cachedProposal() *cachedProposal {
	r := st.r
	cp := &cachedProposal{}
	r.opaque("ref", &cp.ref)
	r.field("sender", cp.sender.unmarshal)
	r.enter("proposal")
	cp.proposal = unmarshalProposal(r)
	r.leave()
	readBool(r, "own", &cp.own)
	readBool(r, "verified", &cp.verified)
	if r.optional("update_key") {
		cp.updateKey = st.hpkeKey("update_key")
	}
	return cp
}

// marshal writes the member's pending commit: the new epoch, what the
// commit applied (for the StagedCommit's accessors), and the messages.
func (sc *StagedCommit) marshal(b *cryptobyte.Builder) {
	sc.next.marshal(b)
	sc.sender.marshal(b)
	tlscodec.AddBool(b, sc.path)
	tlscodec.AddOpaque(b, sc.message)
	tlscodec.AddOptional(b, sc.welcome != nil, func(b *cryptobyte.Builder) { sc.welcome.marshal(b) })
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, it := range sc.items {
			tlscodec.AddOptional(b, it.ref != nil, func(b *cryptobyte.Builder) { tlscodec.AddOpaque(b, it.ref) })
			it.sender.marshal(b)
			marshalProposal(b, it.proposal)
		}
	})
	a := sc.applied
	marshalUint32List(b, a.updated)
	marshalUint32List(b, a.added)
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, m := range a.removed {
			b.AddUint32(uint32(m.Leaf))
			m.Credential.marshal(b)
			tlscodec.AddOpaque(b, m.SignatureKey)
			tlscodec.AddOpaque(b, m.EncryptionKey)
		}
	})
}

// marshalUint32List writes a vector of leaf indices.
func marshalUint32List(b *cryptobyte.Builder, list []LeafIndex) {
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, l := range list {
			b.AddUint32(uint32(l))
		}
	})
}

func (st *stateReader) pendingCommit(g *Group) *StagedCommit {
	r := st.r
	sc := &StagedCommit{g: g, own: true, applied: &appliedProposals{}}
	r.field("next", func(r *wireReader) { sc.next = st.epochState() })
	r.field("sender", sc.sender.unmarshal)
	readBool(r, "path", &sc.path)
	r.opaque("message", &sc.message)
	if r.optional("welcome") {
		sc.welcome = new(Welcome)
		r.field("welcome", sc.welcome.unmarshal)
	}
	sc.items = readVector(r, "items", func(it *proposalItem, r *wireReader) {
		if r.optional("ref") {
			r.opaque("ref", &it.ref)
		}
		r.field("sender", it.sender.unmarshal)
		r.enter("proposal")
		it.proposal = unmarshalProposal(r)
		r.leave()
	})
	a := sc.applied
	a.updated = readVector(r, "updated", func(l *LeafIndex, r *wireReader) { readUint32(r, "", l) })
	a.added = readVector(r, "added", func(l *LeafIndex, r *wireReader) { readUint32(r, "", l) })
	a.removed = readVector(r, "removed", func(m *Member, r *wireReader) {
		readUint32(r, "leaf", &m.Leaf)
		r.field("credential", m.Credential.unmarshal)
		r.opaque("signature_key", &m.SignatureKey)
		r.opaque("encryption_key", &m.EncryptionKey)
	})
	if !r.ok() {
		return nil
	}
	a.tree, a.extensions = sc.next.tree, sc.next.gc.Extensions
	for _, it := range sc.items {
		switch p := it.proposal.(type) {
		case *PreSharedKeyProposal:
			a.psks = append(a.psks, p.PSK)
		case *ReInitProposal:
			a.reinit = p
		case *GroupContextExtensionsProposal:
			a.gce = true
		}
	}
	for _, l := range append(slices.Clone(a.updated), a.added...) {
		if a.tree.leafNode(l) == nil {
			r.failf(ErrMalformed, "pending", "leaf %d is blank in the new epoch", l)
			return nil
		}
	}
	return sc
}
