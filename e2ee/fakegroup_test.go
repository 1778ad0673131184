package e2ee

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
	"github.com/sealroom/sealroom/mls"
)

// An in-memory stand-in for the MLS group. Every test of the Session runs
// on the real mls.Group (newCall in helpers_test.go); the fake stays for
// what needs to reach inside an epoch or break it on purpose: the
// benchmarks of session_bench_test.go (BenchmarkSessionEpochChange sets
// epoch secrets directly so that frames sealed in advance stay valid in
// later epochs; the receivers rejoin from one Welcome again and again) and
// fault injection (TestInstallFailure: failExport). It keeps what the
// Session relies on:
//
//   - every member of an epoch shares an epoch secret; the exporter and
//     the epoch authenticator are HKDFs of it;
//   - a commit draws a fresh commit secret and HPKE-encrypts it to every
//     member that stays (as an UpdatePath does, RFC 9420 §12.4.1), so a
//     removed member cannot compute the next epoch: the new secret is
//     HKDF(old secret, commit secret || H(commit));
//   - joiners get the new epoch's secret in a Welcome HPKE-encrypted to
//     their KeyPackage key (there are no external joins);
//   - leaves are assigned leftmost-free (§7.7); each member signs with a
//     real mls.SigningKey and SignWithLabel is RFC 9420 §5.1.2's exact
//     construction.
//
// Messages are simple TLS-encoded structs, with no MLS framing or
// authentication of their own: the fake is for the Session's logic, not
// for MLS's security.

// fakeHPKE is the HPKE suite the fake uses for everything it encrypts.
var (
	fakeKEM  = hpke.DHKEM(ecdh.X25519())
	fakeKDF  = hpke.HKDFSHA256()
	fakeAEAD = hpke.AES128GCM()
)

// fakeClient is a client's long-term material: credential identity,
// signature key, and the HPKE key of its KeyPackage.
type fakeClient struct {
	suite    mls.CipherSuite
	identity []byte
	sig      *mls.SigningKey
	hpke     hpke.PrivateKey
}

func newFakeClient(t testing.TB, suite mls.CipherSuite, name string) *fakeClient {
	t.Helper()
	sig, err := suite.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := fakeKEM.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return &fakeClient{suite: suite, identity: []byte(name), sig: sig, hpke: k}
}

// fakeLeaf is a leaf node: identity, signature key, HPKE key.
type fakeLeaf struct {
	identity, sigPub, hpkePub []byte
}

func (c *fakeClient) leaf() *fakeLeaf {
	return &fakeLeaf{identity: c.identity, sigPub: c.sig.PublicKey(), hpkePub: c.hpke.PublicKey().Bytes()}
}

// keyPackage returns the client's KeyPackage.
func (c *fakeClient) keyPackage() []byte {
	return mustMarshal(func(b *cryptobyte.Builder) { b.AddBytes([]byte("FK")); addLeaf(b, c.leaf()) })
}

func addLeaf(b *cryptobyte.Builder, l *fakeLeaf) {
	tlscodec.AddOpaque(b, l.identity)
	tlscodec.AddOpaque(b, l.sigPub)
	tlscodec.AddOpaque(b, l.hpkePub)
}

func readLeaf(s *cryptobyte.String) (*fakeLeaf, bool) {
	l := new(fakeLeaf)
	ok := tlscodec.ReadOpaque(s, &l.identity) && tlscodec.ReadOpaque(s, &l.sigPub) && tlscodec.ReadOpaque(s, &l.hpkePub)
	return l, ok
}

func addTree(b *cryptobyte.Builder, leaves []*fakeLeaf) {
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for _, l := range leaves {
			tlscodec.AddBool(b, l != nil)
			if l != nil {
				addLeaf(b, l)
			}
		}
	})
}

func readTree(s *cryptobyte.String) ([]*fakeLeaf, bool) {
	var leaves []*fakeLeaf
	ok := tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
		var present bool
		if !tlscodec.ReadBool(s, &present) {
			return false
		}
		if !present {
			leaves = append(leaves, nil)
			return true
		}
		l, ok := readLeaf(s)
		leaves = append(leaves, l)
		return ok
	})
	return leaves, ok
}

func mustMarshal(f cryptobyte.BuilderContinuation) []byte {
	b, err := tlscodec.Marshal(f)
	if err != nil {
		panic(err)
	}
	return b
}

// fakeGroup implements group.
type fakeGroup struct {
	c         *fakeClient
	epoch     uint64
	secret    []byte
	leaves    []*fakeLeaf
	own       uint32
	proposals []uint32 // leaves proposed for removal, not yet committed
	pending   *fakeStaged

	// failExport makes Export fail, for the tests.
	failExport bool
}

// fakeStaged is a commit not yet applied.
type fakeStaged struct {
	secret []byte
	leaves []*fakeLeaf
	own    uint32
	hpke   hpke.PrivateKey // the committer's new leaf key
}

var _ group = (*fakeGroup)(nil)

// fakeCreate creates a one-member group at epoch 0.
func fakeCreate(c *fakeClient) *fakeGroup {
	secret := make([]byte, 32)
	rand.Read(secret)
	return &fakeGroup{c: c, secret: secret, leaves: []*fakeLeaf{c.leaf()}}
}

func (g *fakeGroup) CipherSuite() mls.CipherSuite { return g.c.suite }
func (g *fakeGroup) Epoch() uint64                { return g.epoch }
func (g *fakeGroup) OwnLeaf() uint32              { return g.own }

func (g *fakeGroup) Members() []member {
	var out []member
	for i, l := range g.leaves {
		if l != nil {
			out = append(out, member{Leaf: uint32(i), Identity: l.identity, SignatureKey: l.sigPub})
		}
	}
	return out
}

func (g *fakeGroup) Export(label string, context []byte, length int) ([]byte, error) {
	if g.failExport {
		return nil, errors.New("fake: export refused")
	}
	prk, err := hkdf.Extract(sha256.New, g.secret, []byte("exporter"))
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(context)
	return hkdf.Expand(sha256.New, prk, label+"\x00"+string(h[:]), length)
}

func (g *fakeGroup) EpochAuthenticator() []byte {
	b, err := hkdf.Expand(sha256.New, g.secret, "authenticator", 32)
	if err != nil {
		panic(err)
	}
	return b
}

// nextSecret is the next epoch's secret: HKDF-Extract(salt = init,
// IKM = commit secret || H(commit)).
func nextSecret(init, commitSecret, msg []byte) []byte {
	h := sha256.Sum256(msg)
	s, err := hkdf.Extract(sha256.New, append(slices.Clone(commitSecret), h[:]...), init)
	if err != nil {
		panic(err)
	}
	return s
}

// fakeCommit is the fake's commit message.
type fakeCommit struct {
	epoch     uint64
	committer uint32
	adds      []*fakeLeaf
	removes   []uint32
	node      *fakeLeaf // the committer's new leaf
	secrets   map[uint32][]byte
}

func (c *fakeCommit) marshal() []byte {
	return mustMarshal(func(b *cryptobyte.Builder) {
		b.AddBytes([]byte("FC"))
		b.AddUint64(c.epoch)
		b.AddUint32(c.committer)
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, l := range c.adds {
				addLeaf(b, l)
			}
		})
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, r := range c.removes {
				b.AddUint32(r)
			}
		})
		addLeaf(b, c.node)
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			keys := make([]uint32, 0, len(c.secrets))
			for k := range c.secrets {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				b.AddUint32(k)
				tlscodec.AddOpaque(b, c.secrets[k])
			}
		})
	})
}

func parseFakeCommit(msg []byte) (*fakeCommit, error) {
	c := &fakeCommit{secrets: map[uint32][]byte{}}
	err := tlscodec.Unmarshal("fake commit", msg, func(s *cryptobyte.String) bool {
		var ok bool
		if !bytes.HasPrefix(*s, []byte("FC")) || !s.Skip(2) || !s.ReadUint64(&c.epoch) || !s.ReadUint32(&c.committer) {
			return false
		}
		if !tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
			var l *fakeLeaf
			l, ok = readLeaf(s)
			c.adds = append(c.adds, l)
			return ok
		}) {
			return false
		}
		if !tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
			var r uint32
			ok := s.ReadUint32(&r)
			c.removes = append(c.removes, r)
			return ok
		}) {
			return false
		}
		if c.node, ok = readLeaf(s); !ok {
			return false
		}
		return tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
			var k uint32
			var ct []byte
			if !s.ReadUint32(&k) || !tlscodec.ReadOpaque(s, &ct) {
				return false
			}
			c.secrets[k] = ct
			return true
		})
	})
	return c, err
}

// apply returns the tree after c, the committer's leaf and the leaves the
// adds took.
func (c *fakeCommit) apply(leaves []*fakeLeaf) (tree []*fakeLeaf, committer uint32, added []uint32) {
	tree = slices.Clone(leaves)
	for _, r := range c.removes {
		if int(r) < len(tree) {
			tree[r] = nil
		}
	}
	place := func(l *fakeLeaf) uint32 {
		for i, x := range tree {
			if x == nil {
				tree[i] = l
				return uint32(i)
			}
		}
		tree = append(tree, l)
		return uint32(len(tree) - 1)
	}
	committer = c.committer
	tree[committer] = c.node
	for _, l := range c.adds {
		added = append(added, place(l))
	}
	for len(tree) > 0 && tree[len(tree)-1] == nil {
		tree = tree[:len(tree)-1]
	}
	return tree, committer, added
}

// seal encrypts commitSecret to every leaf of tree except skip and the
// newly added ones.
func sealSecrets(c *fakeCommit, tree []*fakeLeaf, skip uint32, added []uint32, commitSecret []byte) error {
	for i, l := range tree {
		if l == nil || uint32(i) == skip || slices.Contains(added, uint32(i)) {
			continue
		}
		pk, err := fakeKEM.NewPublicKey(l.hpkePub)
		if err != nil {
			return err
		}
		ct, err := hpke.Seal(pk, fakeKDF, fakeAEAD, []byte("fake commit secret"), commitSecret)
		if err != nil {
			return err
		}
		c.secrets[uint32(i)] = ct
	}
	return nil
}

func (g *fakeGroup) Commit(add [][]byte, remove []uint32) (commitOutput, error) {
	if g.pending != nil {
		return commitOutput{}, errors.New("fake: commit already pending")
	}
	c := &fakeCommit{epoch: g.epoch, committer: g.own, secrets: map[uint32][]byte{}}
	for _, kp := range add {
		l, err := parseFakeKeyPackage(kp)
		if err != nil {
			return commitOutput{}, err
		}
		c.adds = append(c.adds, l)
	}
	for _, r := range append(slices.Clone(remove), g.proposals...) {
		if !slices.Contains(c.removes, r) {
			c.removes = append(c.removes, r)
		}
	}
	newKey, err := fakeKEM.GenerateKey()
	if err != nil {
		return commitOutput{}, err
	}
	c.node = &fakeLeaf{identity: g.c.identity, sigPub: g.c.sig.PublicKey(), hpkePub: newKey.PublicKey().Bytes()}
	tree, _, added := c.apply(g.leaves)
	commitSecret := make([]byte, 32)
	rand.Read(commitSecret)
	if err := sealSecrets(c, tree, g.own, added, commitSecret); err != nil {
		return commitOutput{}, err
	}
	msg := c.marshal()
	st := &fakeStaged{secret: nextSecret(g.secret, commitSecret, msg), leaves: tree, own: g.own, hpke: newKey}
	out := commitOutput{Message: msg, Removed: c.removes, GroupInfo: groupInfo(g.epoch+1, tree)}
	for i, l := range c.adds {
		out.Added = append(out.Added, member{Leaf: added[i], Identity: l.identity, SignatureKey: l.sigPub})
	}
	if len(c.adds) > 0 {
		if out.Welcome, err = welcome(g.epoch+1, st.secret, tree, c.adds, added); err != nil {
			return commitOutput{}, err
		}
	}
	g.pending = st
	return out, nil
}

func parseFakeKeyPackage(kp []byte) (*fakeLeaf, error) {
	var l *fakeLeaf
	err := tlscodec.Unmarshal("fake key package", kp, func(s *cryptobyte.String) bool {
		if !bytes.HasPrefix(*s, []byte("FK")) || !s.Skip(2) {
			return false
		}
		var ok bool
		l, ok = readLeaf(s)
		return ok
	})
	return l, err
}

// groupInfo is the fake GroupInfo: epoch and tree. The fake has no
// external joins; the tests of JoinExternal run on the real group.
func groupInfo(epoch uint64, tree []*fakeLeaf) []byte {
	return mustMarshal(func(b *cryptobyte.Builder) {
		b.AddBytes([]byte("FG"))
		b.AddUint64(epoch)
		addTree(b, tree)
	})
}

// welcome encrypts the new epoch to each added member.
func welcome(epoch uint64, secret []byte, tree []*fakeLeaf, adds []*fakeLeaf, leaves []uint32) ([]byte, error) {
	var entries [][2][]byte
	for i, l := range adds {
		state := mustMarshal(func(b *cryptobyte.Builder) {
			b.AddUint64(epoch)
			b.AddUint32(leaves[i])
			tlscodec.AddOpaque(b, secret)
			addTree(b, tree)
		})
		pk, err := fakeKEM.NewPublicKey(l.hpkePub)
		if err != nil {
			return nil, err
		}
		ct, err := hpke.Seal(pk, fakeKDF, fakeAEAD, []byte("fake welcome"), state)
		if err != nil {
			return nil, err
		}
		entries = append(entries, [2][]byte{l.identity, ct})
	}
	return mustMarshal(func(b *cryptobyte.Builder) {
		b.AddBytes([]byte("FW"))
		tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
			for _, e := range entries {
				tlscodec.AddOpaque(b, e[0])
				tlscodec.AddOpaque(b, e[1])
			}
		})
	}), nil
}

// fakeJoinFromWelcome is JoinFromWelcome for client c.
func fakeJoinFromWelcome(c *fakeClient, w []byte) (*fakeGroup, error) {
	var ct []byte
	err := tlscodec.Unmarshal("fake welcome", w, func(s *cryptobyte.String) bool {
		if !bytes.HasPrefix(*s, []byte("FW")) || !s.Skip(2) {
			return false
		}
		return tlscodec.ReadVectorOf(s, func(s *cryptobyte.String) bool {
			var id, x []byte
			if !tlscodec.ReadOpaque(s, &id) || !tlscodec.ReadOpaque(s, &x) {
				return false
			}
			if bytes.Equal(id, c.identity) {
				ct = x
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	if ct == nil {
		return nil, errors.New("fake: Welcome not for this client")
	}
	state, err := hpke.Open(c.hpke, fakeKDF, fakeAEAD, []byte("fake welcome"), ct)
	if err != nil {
		return nil, err
	}
	g := &fakeGroup{c: c}
	err = tlscodec.Unmarshal("fake welcome state", state, func(s *cryptobyte.String) bool {
		var ok bool
		if !s.ReadUint64(&g.epoch) || !s.ReadUint32(&g.own) || !tlscodec.ReadOpaque(s, &g.secret) {
			return false
		}
		g.leaves, ok = readTree(s)
		return ok
	})
	return g, err
}

func (g *fakeGroup) MergePendingCommit() error {
	if g.pending == nil {
		return errors.New("fake: no pending commit")
	}
	g.apply(g.pending)
	g.c.hpke = g.pending.hpke
	g.pending = nil
	return nil
}

func (g *fakeGroup) apply(st *fakeStaged) {
	clear(g.secret)
	g.epoch++
	g.secret, g.leaves, g.own, g.proposals = st.secret, st.leaves, st.own, nil
}

func (g *fakeGroup) ClearPendingCommit() { g.pending = nil }

func (g *fakeGroup) GroupID() []byte { return []byte("fake group") }

func (g *fakeGroup) GroupInfo() ([]byte, error) { return groupInfo(g.epoch, g.leaves), nil }

func (g *fakeGroup) MarshalBinary() ([]byte, error) {
	return nil, errors.New("fake: no persistence")
}

func (g *fakeGroup) ProposeSelfRemove() ([]byte, error) {
	g.proposals = append(g.proposals, g.own)
	return mustMarshal(func(b *cryptobyte.Builder) {
		b.AddBytes([]byte("FP"))
		b.AddUint64(g.epoch)
		b.AddUint32(g.own)
	}), nil
}

func (g *fakeGroup) Process(msg []byte) (incoming, error) {
	if bytes.HasPrefix(msg, []byte("FP")) {
		var epoch uint64
		var leaf uint32
		err := tlscodec.Unmarshal("fake proposal", msg, func(s *cryptobyte.String) bool {
			return s.Skip(2) && s.ReadUint64(&epoch) && s.ReadUint32(&leaf)
		})
		if err != nil {
			return incoming{}, err
		}
		if err := g.checkEpoch(epoch); err != nil {
			return incoming{}, err
		}
		g.proposals = append(g.proposals, leaf)
		return incoming{Sender: leaf}, nil
	}
	c, err := parseFakeCommit(msg)
	if err != nil {
		return incoming{}, err
	}
	if err := g.checkEpoch(c.epoch); err != nil {
		return incoming{}, err
	}
	tree, committer, _ := c.apply(g.leaves)
	in := incoming{Commit: true, Sender: committer, Removed: c.removes}
	if slices.Contains(c.removes, g.own) {
		in.Merge = func() error { return errors.New("fake: removed members cannot merge") }
		return in, nil
	}
	ct, ok := c.secrets[g.own]
	if !ok {
		return incoming{}, errors.New("fake: commit has no secret for this member")
	}
	commitSecret, err := hpke.Open(g.c.hpke, fakeKDF, fakeAEAD, []byte("fake commit secret"), ct)
	if err != nil {
		return incoming{}, fmt.Errorf("fake: commit secret: %w", err)
	}
	st := &fakeStaged{secret: nextSecret(g.secret, commitSecret, msg), leaves: tree, own: g.own}
	in.Merge = func() error {
		g.apply(st)
		return nil
	}
	return in, nil
}

func (g *fakeGroup) checkEpoch(epoch uint64) error {
	switch {
	case epoch < g.epoch:
		return fmt.Errorf("fake: message of epoch %d, group at %d: %w", epoch, g.epoch, ErrStaleMessage)
	case epoch > g.epoch:
		return fmt.Errorf("fake: message of future epoch %d, group at %d", epoch, g.epoch)
	}
	return nil
}

// signContent is the SignContent of RFC 9420 §5.1.2.
func signContent(label string, content []byte) []byte {
	return mustMarshal(func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, []byte("MLS 1.0 "+label))
		tlscodec.AddOpaque(b, content)
	})
}

func (g *fakeGroup) SignWithLabel(label string, content []byte) ([]byte, error) {
	msg := signContent(label, content)
	switch g.c.suite {
	case mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519:
		return ed25519.Sign(ed25519.NewKeyFromSeed(g.c.sig.Bytes()), msg), nil
	case mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256:
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), g.c.sig.Bytes())
		if err != nil {
			return nil, err
		}
		h := sha256.Sum256(msg)
		return ecdsa.SignASN1(rand.Reader, k, h[:])
	}
	return nil, fmt.Errorf("fake: no signatures for %v", g.c.suite)
}

func (g *fakeGroup) VerifyWithLabel(pub []byte, label string, content, sig []byte) error {
	msg := signContent(label, content)
	ok := false
	switch g.c.suite {
	case mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519:
		ok = len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)
	case mls.MLS_128_DHKEMP256_AES128GCM_SHA256_P256:
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
		if err != nil {
			return err
		}
		h := sha256.Sum256(msg)
		ok = ecdsa.VerifyASN1(k, h[:], sig)
	}
	if !ok {
		return errors.New("fake: signature verification failed")
	}
	return nil
}

// fakeClock is a manual clock for Config.Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// newFakeClock returns a clock that starts at the real time (MLS checks
// the lifetimes of key packages against it) and moves only by Advance.
func newFakeClock() *fakeClock { return &fakeClock{now: time.Now().Truncate(time.Second)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
