package mls

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// secretTreeVector is one entry of secret-tree.json (test-vectors.md,
// "Secret Tree").
type secretTreeVector struct {
	CipherSuite CipherSuite `json:"cipher_suite"`
	SenderData  struct {
		SenderDataSecret hexBytes `json:"sender_data_secret"`
		Ciphertext       hexBytes
		Key              hexBytes
		Nonce            hexBytes
	} `json:"sender_data"`
	EncryptionSecret hexBytes `json:"encryption_secret"`
	Leaves           [][]struct {
		Generation       uint32
		HandshakeKey     hexBytes `json:"handshake_key"`
		HandshakeNonce   hexBytes `json:"handshake_nonce"`
		ApplicationKey   hexBytes `json:"application_key"`
		ApplicationNonce hexBytes `json:"application_nonce"`
	}
}

// secretTreeCase is one (leaf, generation) record of a vector.
type secretTreeCase struct {
	leaf       LeafIndex
	generation uint32
	hs, app    keyNonce
}

func (v *secretTreeVector) cases() []secretTreeCase {
	var cs []secretTreeCase
	for i, gens := range v.Leaves {
		for _, g := range gens {
			cs = append(cs, secretTreeCase{
				leaf:       LeafIndex(i),
				generation: g.Generation,
				hs:         keyNonce{key: secret(g.HandshakeKey), nonce: secret(g.HandshakeNonce)},
				app:        keyNonce{key: secret(g.ApplicationKey), nonce: secret(g.ApplicationNonce)},
			})
		}
	}
	return cs
}

// TestSecretTreeVectors checks every entry of secret-tree.json: the sender
// data key and nonce, and the handshake and application key and nonce of
// every listed generation of every leaf. Each entry is run twice on fresh
// trees: leaves and generations in file order, and in reverse order, so
// that later generations are requested first and earlier ones come from
// the keys retained for out-of-order messages.
func TestSecretTreeVectors(t *testing.T) {
	var vectors []secretTreeVector
	loadVectors(t, "secret-tree.json", &vectors)
	entries, senderData, records := 0, 0, 0
	suites := map[CipherSuite]int{}
	for i, v := range vectors {
		t.Run(fmt.Sprintf("%d/%v/%d-leaves", i, v.CipherSuite, len(v.Leaves)), func(t *testing.T) {
			s, err := v.CipherSuite.suite()
			if err != nil {
				t.Fatal(err)
			}
			sd := v.SenderData
			kn, err := s.senderDataKeyNonce(secret(sd.SenderDataSecret), sd.Ciphertext)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(kn.key, sd.Key) || !bytes.Equal(kn.nonce, sd.Nonce) {
				t.Fatalf("sender data key, nonce = %x, %x, want %x, %x", []byte(kn.key), []byte(kn.nonce), sd.Key, sd.Nonce)
			}

			cases := v.cases()
			if len(cases) == 0 {
				t.Fatal("entry lists no generations")
			}
			for _, order := range []string{"forward", "reverse"} {
				tree, err := newSecretTree(s, secret(v.EncryptionSecret).clone(), uint32(len(v.Leaves)), secretTreeLimits{})
				if err != nil {
					t.Fatal(err)
				}
				if order == "reverse" {
					slices.Reverse(cases)
				}
				for _, c := range cases {
					for _, r := range []struct {
						kind ratchetKind
						want keyNonce
					}{{handshakeRatchet, c.hs}, {applicationRatchet, c.app}} {
						got, err := tree.get(c.leaf, r.kind, c.generation)
						if err != nil {
							t.Fatalf("%s: leaf %d %s generation %d: %v", order, c.leaf, r.kind, c.generation, err)
						}
						if !got.key.equal(r.want.key) || !got.nonce.equal(r.want.nonce) {
							t.Fatalf("%s: leaf %d %s generation %d: key, nonce = %x, %x, want %x, %x",
								order, c.leaf, r.kind, c.generation, []byte(got.key), []byte(got.nonce), []byte(r.want.key), []byte(r.want.nonce))
						}
						// Consumed: a second request must fail.
						if _, err := tree.get(c.leaf, r.kind, c.generation); !errors.Is(err, ErrGenerationConsumed) {
							t.Fatalf("%s: leaf %d %s generation %d requested twice: %v", order, c.leaf, r.kind, c.generation, err)
						}
					}
				}
				if len(tree.nodes) != 0 {
					t.Errorf("%s: %d tree node secrets left after every leaf was used", order, len(tree.nodes))
				}
			}
			entries++
			senderData++
			records += len(cases)
			suites[v.CipherSuite]++
		})
	}
	requireCount(t, "secret-tree.json", entries, len(vectors))
	if len(suites) != 7 {
		t.Errorf("secret-tree.json covered %d of the 7 cipher suites", len(suites))
	}
	// 7 suites × (1 + 8 + 32 leaves) × 2 generations.
	if records != 574 {
		t.Errorf("checked %d (leaf, generation) records, want 574", records)
	}
	t.Logf("secret-tree.json: %d sender-data checks, %d (leaf, generation) records × 2 ratchets × 2 orders, per suite %v",
		senderData, records, suites)
}

// refRatchetKey derives the key and nonce of (leaf, kind, generation)
// straight from the definitions of RFC 9420 §9 and §9.1, without the
// lazy, consuming secretTree: the oracle for the tests below.
func refRatchetKey(t testing.TB, s *suite, root secret, n uint32, leaf LeafIndex, kind ratchetKind, generation uint32) keyNonce {
	t.Helper()
	must := func(b secret, err error) secret {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	x, target := rootNode(n), leaf.node()
	sec := root
	for depth := 0; x != target; depth++ {
		if depth > 32 {
			t.Fatalf("no path from the root to leaf %d", leaf)
		}
		l, _ := x.left()
		r, _ := x.right()
		if target < x {
			sec, x = must(s.expandWithLabel(sec, "tree", []byte("left"), uint16(s.nh))), l
		} else {
			sec, x = must(s.expandWithLabel(sec, "tree", []byte("right"), uint16(s.nh))), r
		}
	}
	sec = must(s.expandWithLabel(sec, kind.String(), nil, uint16(s.nh)))
	for j := range generation {
		sec = must(s.deriveTreeSecret(sec, "secret", j, uint16(s.nh)))
	}
	return keyNonce{
		key:   must(s.deriveTreeSecret(sec, "key", generation, uint16(s.nk()))),
		nonce: must(s.deriveTreeSecret(sec, "nonce", generation, uint16(s.nn()))),
	}
}

func testTree(t testing.TB, n uint32, limits secretTreeLimits) (*suite, secret, *secretTree) {
	t.Helper()
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	root := secret(bytes.Repeat([]byte{7}, s.nh))
	tree, err := newSecretTree(s, root.clone(), n, limits)
	if err != nil {
		t.Fatal(err)
	}
	return s, root, tree
}

func TestSecretTreeLimits(t *testing.T) {
	s, root, tree := testTree(t, 4, secretTreeLimits{maxForwardDistance: 10, maxRetainedKeys: 3})

	// Too far ahead: refused, and nothing is consumed.
	if _, err := tree.get(2, applicationRatchet, 11); !errors.Is(err, ErrGenerationTooFar) {
		t.Fatalf("generation 11 with distance 10: %v", err)
	}
	// Exactly the maximum distance is allowed; only the last 3 skipped
	// keys (7, 8, 9) are retained.
	kn, err := tree.get(2, applicationRatchet, 10)
	if err != nil || !kn.key.equal(refRatchetKey(t, s, root, 4, 2, applicationRatchet, 10).key) {
		t.Fatalf("generation 10: %v", err)
	}
	r := &tree.ratchets[2][applicationRatchet]
	if len(r.retained) != 3 || r.retained[7].key == nil || r.retained[9].key == nil {
		t.Fatalf("retained generations %v, want 7, 8, 9", slices.Sorted(maps.Keys(r.retained)))
	}
	for g := uint32(0); g < 7; g++ {
		if _, err := tree.get(2, applicationRatchet, g); !errors.Is(err, ErrGenerationConsumed) {
			t.Errorf("generation %d beyond retention: %v", g, err)
		}
	}
	// The distance is counted from the next unused generation, 11.
	if _, err := tree.get(2, applicationRatchet, 22); !errors.Is(err, ErrGenerationTooFar) {
		t.Errorf("generation 22 from 11: %v", err)
	}
	// A newer skip evicts the oldest retained keys: 7 and 8 go, 9 and
	// the skipped 11 and 12 stay (generation 13 is consumed).
	if _, err := tree.get(2, applicationRatchet, 13); err != nil {
		t.Fatal(err)
	}
	for g, ok := range map[uint32]bool{7: false, 8: false, 9: true, 11: true, 12: true, 13: false} {
		kn, err := tree.get(2, applicationRatchet, g)
		if ok != (err == nil) {
			t.Errorf("generation %d after eviction: %v", g, err)
		}
		if ok && !kn.nonce.equal(refRatchetKey(t, s, root, 4, 2, applicationRatchet, g).nonce) {
			t.Errorf("generation %d: wrong retained nonce", g)
		}
		if !ok && !errors.Is(err, ErrGenerationConsumed) {
			t.Errorf("generation %d: %v, want ErrGenerationConsumed", g, err)
		}
	}
	// The other ratchet and the other leaves are untouched.
	kn, err = tree.get(2, handshakeRatchet, 0)
	if err != nil || !kn.key.equal(refRatchetKey(t, s, root, 4, 2, handshakeRatchet, 0).key) {
		t.Errorf("handshake generation 0: %v", err)
	}
	if _, err := tree.get(4, handshakeRatchet, 0); !errors.Is(err, ErrLeafOutOfRange) {
		t.Errorf("leaf 4 of 4: %v", err)
	}
	if _, err := tree.get(0, ratchetKind(2), 0); err == nil {
		t.Error("ratchet kind 2 accepted")
	}
}

// TestSecretTreeNext checks the sender side: next hands out generations
// 0, 1, 2, ... with the keys a receiver gets for them.
func TestSecretTreeNext(t *testing.T) {
	s, root, tree := testTree(t, 8, secretTreeLimits{})
	for want := range uint32(5) {
		g, kn, err := tree.next(5, handshakeRatchet)
		if err != nil || g != want {
			t.Fatalf("next = %d, %v; want %d", g, err, want)
		}
		ref := refRatchetKey(t, s, root, 8, 5, handshakeRatchet, g)
		if !kn.key.equal(ref.key) || !kn.nonce.equal(ref.nonce) {
			t.Fatalf("generation %d: wrong key", g)
		}
	}
	// A receiver that skipped ahead makes next continue after it.
	if _, err := tree.get(5, applicationRatchet, 3); err != nil {
		t.Fatal(err)
	}
	if g, _, err := tree.next(5, applicationRatchet); err != nil || g != 4 {
		t.Errorf("next after generation 3 = %d, %v", g, err)
	}
	if _, _, err := tree.next(8, handshakeRatchet); !errors.Is(err, ErrLeafOutOfRange) {
		t.Errorf("next for leaf 8 of 8: %v", err)
	}
}

// TestSecretTreeExhaustion checks the end of a ratchet: generation 2^32-1
// is the last one, after which next fails with ErrRatchetExhausted.
func TestSecretTreeExhaustion(t *testing.T) {
	_, _, tree := testTree(t, 2, secretTreeLimits{})
	r, err := tree.ratchet(0, applicationRatchet)
	if err != nil {
		t.Fatal(err)
	}
	r.next = maxGeneration - 1
	for _, want := range []uint32{maxGeneration - 1, maxGeneration} {
		if g, _, err := tree.next(0, applicationRatchet); err != nil || g != want {
			t.Fatalf("next = %d, %v; want %d", g, err, want)
		}
	}
	if r.secret != nil {
		t.Error("ratchet secret kept after the last generation")
	}
	if _, _, err := tree.next(0, applicationRatchet); !errors.Is(err, ErrRatchetExhausted) {
		t.Errorf("next after 2^32-1: %v", err)
	}
	if _, err := tree.get(0, applicationRatchet, maxGeneration); !errors.Is(err, ErrGenerationConsumed) {
		t.Errorf("get(2^32-1) again: %v", err)
	}
}

// TestSecretTreeDeletion checks the deletion schedule of RFC 9420 §9.2 on
// the example of its Figure 25: after a member gets D's application key of
// generation 1 in a four-leaf tree, the root G, F and D's leaf secret, and
// the ratchet secrets AR0 and AR1, are zeroed; E and C remain, as does K0
// for a late generation 0.
func TestSecretTreeDeletion(t *testing.T) {
	_, _, tree := testTree(t, 4, secretTreeLimits{})
	rootSecret := tree.nodes[3]
	kn, err := tree.get(3, applicationRatchet, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rootSecret, make([]byte, len(rootSecret))) {
		t.Error("encryption_secret not zeroed after use")
	}
	held := []NodeIndex{}
	for x := range tree.nodes {
		held = append(held, x)
	}
	slices.Sort(held)
	// E = node 1 and C = node 4 remain; G = 3, F = 5, D = 6 are gone.
	if !slices.Equal(held, []NodeIndex{1, 4}) {
		t.Errorf("node secrets held: %v, want [1 4]", held)
	}
	r := &tree.ratchets[3][applicationRatchet]
	if r.next != 2 || len(r.retained) != 1 {
		t.Errorf("ratchet at %d with %d retained keys", r.next, len(r.retained))
	}
	k0 := r.retained[0]
	ar2 := r.secret
	// Consuming K0 removes it; zeroing the key the caller got erases it.
	if _, err := tree.get(3, applicationRatchet, 0); err != nil {
		t.Fatal(err)
	}
	if len(r.retained) != 0 {
		t.Error("K0 kept after use")
	}
	k0.zero()
	kb := kn.key
	kn.zero()
	if !bytes.Equal(kb, make([]byte, len(kb))) {
		t.Error("keyNonce.zero left the key")
	}
	// Advancing zeroes the old ratchet secret in place.
	if _, err := tree.get(3, applicationRatchet, 2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ar2, make([]byte, len(ar2))) {
		t.Error("AR2 not zeroed after advancing")
	}
	// zero erases everything that is left.
	e := tree.nodes[1]
	tree.zero()
	if len(tree.nodes) != 0 || len(tree.ratchets) != 0 || !bytes.Equal(e, make([]byte, len(e))) {
		t.Error("zero left secrets behind")
	}
}

func TestSecretTreeConstruction(t *testing.T) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	for _, n := range []uint32{0, 3, 1<<31 + 1} {
		if _, err := newSecretTree(s, make(secret, 32), n, secretTreeLimits{}); !errors.Is(err, ErrLeafOutOfRange) {
			t.Errorf("%d leaves: %v", n, err)
		}
	}
	if _, err := newSecretTree(s, make(secret, 31), 2, secretTreeLimits{}); !errors.Is(err, ErrInvalidLength) {
		t.Errorf("31-byte encryption_secret: %v", err)
	}
	tree, err := newSecretTree(s, make(secret, 32), 2, secretTreeLimits{})
	if err != nil || tree.limits != defaultSecretTreeLimits {
		t.Errorf("default limits %+v, %v", tree.limits, err)
	}
}

// TestSecretTreeLargest checks the largest tree, 2^31 leaves: the last
// leaf's keys come out right, and the tree holds only the 31 siblings of
// the path it derived.
func TestSecretTreeLargest(t *testing.T) {
	const n = maxLeaves
	s, root, tree := testTree(t, n, secretTreeLimits{})
	last := LeafIndex(n - 1)
	kn, err := tree.get(last, handshakeRatchet, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref := refRatchetKey(t, s, root, n, last, handshakeRatchet, 2)
	if !kn.key.equal(ref.key) || !kn.nonce.equal(ref.nonce) {
		t.Error("wrong key for the last leaf")
	}
	if len(tree.nodes) != 31 {
		t.Errorf("%d node secrets held, want 31", len(tree.nodes))
	}
}

// TestSenderDataSample checks the ciphertext sample of RFC 9420 §6.3.2:
// only the first KDF.Nh bytes count, and a shorter ciphertext is used
// whole.
func TestSenderDataSample(t *testing.T) {
	for _, s := range allSuites(t) {
		sds := secret(bytes.Repeat([]byte{3}, s.nh))
		long := bytes.Repeat([]byte{9}, s.nh+10)
		a, _ := s.senderDataKeyNonce(sds, long)
		b, _ := s.senderDataKeyNonce(sds, long[:s.nh])
		c, _ := s.senderDataKeyNonce(sds, long[:s.nh-1])
		if !a.key.equal(b.key) || !a.nonce.equal(b.nonce) || a.key.equal(c.key) || len(a.key) != s.nk() || len(a.nonce) != s.nn() {
			t.Errorf("%v: ciphertext sample", s.id)
		}
		want, _ := s.expandWithLabel(sds, "key", long[:s.nh-1], uint16(s.nk()))
		if !c.key.equal(want) {
			t.Errorf("%v: short ciphertext not used whole", s.id)
		}
		if _, err := s.senderDataKeyNonce(sds, nil); err != nil {
			t.Errorf("%v: empty ciphertext: %v", s.id, err)
		}
	}
}

// FuzzSecretTree drives a small tree with arbitrary requests, checks every
// key handed out against the definitions, and checks that a refused
// request fails with one of the documented errors.
func FuzzSecretTree(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 5, 0, 0, 0})
	f.Add([]byte{3, 1, 200, 3, 1, 199, 3, 1, 2, 2, 0, 0})
	f.Add([]byte{7, 1, 255, 7, 1, 0, 7, 1, 250})
	f.Fuzz(func(t *testing.T, ops []byte) {
		s, root, tree := testTree(t, 4, secretTreeLimits{maxForwardDistance: 40, maxRetainedKeys: 4})
		used := map[[3]uint32]bool{}
		for len(ops) >= 3 {
			leaf, kind, gen := LeafIndex(ops[0]%6), ratchetKind(ops[1]%2), uint32(ops[2])
			ops = ops[3:]
			id := [3]uint32{uint32(leaf), uint32(kind), gen}
			kn, err := tree.get(leaf, kind, gen)
			switch {
			case err == nil:
				if used[id] {
					t.Fatalf("leaf %d %v generation %d handed out twice", leaf, kind, gen)
				}
				used[id] = true
				ref := refRatchetKey(t, s, root, 4, leaf, kind, gen)
				if !kn.key.equal(ref.key) || !kn.nonce.equal(ref.nonce) {
					t.Fatalf("leaf %d %v generation %d: wrong key", leaf, kind, gen)
				}
			case errors.Is(err, ErrLeafOutOfRange):
				if leaf < 4 {
					t.Fatalf("leaf %d refused: %v", leaf, err)
				}
			case errors.Is(err, ErrGenerationTooFar), errors.Is(err, ErrGenerationConsumed):
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
	})
}

// BenchmarkSecretTreeNext measures the steady state of a sender ratchet:
// one key and nonce per message (three ExpandWithLabel calls).
func BenchmarkSecretTreeNext(b *testing.B) {
	for _, cs := range []CipherSuite{MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, MLS_256_DHKEMP384_AES256GCM_SHA384_P384} {
		b.Run(fmt.Sprintf("0x%04x", uint16(cs)), func(b *testing.B) {
			s, _ := cs.suite()
			tree, _ := newSecretTree(s, make(secret, s.nh), 1024, secretTreeLimits{})
			b.ReportAllocs()
			for b.Loop() {
				_, kn, err := tree.next(517, applicationRatchet)
				if err != nil {
					b.Fatal(err)
				}
				kn.zero()
			}
		})
	}
}

// BenchmarkSecretTreeFirstKey measures a member's first key from a leaf of
// a fresh 1024-leaf tree: the ten-level walk down from the root plus the
// ratchet initialization, as at the start of every epoch.
func BenchmarkSecretTreeFirstKey(b *testing.B) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	b.ReportAllocs()
	for b.Loop() {
		tree, _ := newSecretTree(s, make(secret, s.nh), 1024, secretTreeLimits{})
		if _, err := tree.get(517, applicationRatchet, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSecretTreeOutOfOrder measures a receiver that gets every
// generation in pairs swapped (1, 0, 3, 2, ...): each skip retains a key,
// which the next request consumes.
func BenchmarkSecretTreeOutOfOrder(b *testing.B) {
	s, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	tree, _ := newSecretTree(s, make(secret, s.nh), 1024, secretTreeLimits{})
	g := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.get(517, applicationRatchet, g^1); err != nil {
			b.Fatal(err)
		}
		g++
	}
}

// TestSecretTreeRedaction checks that keys, nonces, ratchets and trees
// never print their secrets, and that keyNonce.zero erases both halves.
func TestSecretTreeRedaction(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	su, _ := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.suite()
	kn := keyNonce{key: secret(raw).clone(), nonce: secret(raw[:12]).clone()}
	tree, _ := newSecretTree(su, secret(raw).clone(), 2, secretTreeLimits{})
	if _, err := tree.get(1, applicationRatchet, 3); err != nil { // fills nodes, ratchets and retained keys
		t.Fatal(err)
	}
	r, _ := tree.ratchet(1, applicationRatchet)
	requireRedacted(t, raw, kn, &kn, tree, r, *r, map[int]keyNonce{1: kn})
	// The tree's own secrets are derived, not raw: check them too.
	requireRedacted(t, tree.nodes[0], tree)
	requireRedacted(t, r.secret, tree, r)
	if kn.String() != "mls.keyNonce(REDACTED)" || tree.String() != "mls.secretTree(REDACTED)" || r.GoString() != "mls.senderRatchet(REDACTED)" {
		t.Errorf("String = %q, %q, %q", kn.String(), tree.String(), r.GoString())
	}
	kb, nb := kn.key, kn.nonce
	kn.zero()
	if kn.key != nil || kn.nonce != nil || !bytes.Equal(kb, make([]byte, 32)) || !bytes.Equal(nb, make([]byte, 12)) {
		t.Error("keyNonce.zero left data")
	}
}

// secretTreeSnapshot describes what a secret tree holds: the node secrets
// and, per ratchet, the next generation, its secret and its retained keys.
func secretTreeSnapshot(tree *secretTree) string {
	var sb strings.Builder
	for _, x := range slices.Sorted(maps.Keys(tree.nodes)) {
		fmt.Fprintf(&sb, "node %d %x\n", x, []byte(tree.nodes[x]))
	}
	for _, l := range slices.Sorted(maps.Keys(tree.ratchets)) {
		for k, r := range tree.ratchets[l] {
			fmt.Fprintf(&sb, "leaf %d ratchet %d next %d %x", l, k, r.next, []byte(r.secret))
			for _, g := range slices.Sorted(maps.Keys(r.retained)) {
				fmt.Fprintf(&sb, " %d:%x", g, []byte(r.retained[g].key))
			}
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// TestSecretTreePeek checks that peek returns what get then returns, fails
// where get fails, and changes nothing, over a random sequence of requests
// that initializes ratchets, skips, retains and consumes.
func TestSecretTreePeek(t *testing.T) {
	s, root, tree := testTree(t, 8, secretTreeLimits{maxForwardDistance: 20, maxRetainedKeys: 4})
	rng := rand.New(rand.NewPCG(1, 2))
	found := 0
	for i := range 400 {
		leaf := LeafIndex(rng.IntN(9)) // 8 is outside the tree
		kind := ratchetKind(rng.IntN(2))
		gen := uint32(rng.IntN(40))
		before := secretTreeSnapshot(tree)
		peeked, perr := tree.peek(leaf, kind, gen)
		if after := secretTreeSnapshot(tree); after != before {
			t.Fatalf("request %d: peek(%d, %v, %d) changed the tree", i, leaf, kind, gen)
		}
		got, gerr := tree.get(leaf, kind, gen)
		if (perr == nil) != (gerr == nil) || (perr != nil && perr.Error() != gerr.Error()) {
			t.Fatalf("request %d: peek(%d, %v, %d) gives %v, get %v", i, leaf, kind, gen, perr, gerr)
		}
		if gerr != nil {
			continue
		}
		want := refRatchetKey(t, s, root, 8, leaf, kind, gen)
		if !peeked.key.equal(want.key) || !peeked.nonce.equal(want.nonce) || !got.key.equal(want.key) || !got.nonce.equal(want.nonce) {
			t.Fatalf("request %d: peek(%d, %v, %d) and get differ from the reference", i, leaf, kind, gen)
		}
		found++
	}
	if found < 80 {
		t.Fatalf("only %d of 400 requests found a key", found)
	}
}
