package mls

import (
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Benchmarks of the ratchet tree at group sizes of 1,000 and 10,000: tree
// hashes from scratch and after one changed path, validation of a received
// tree, and TreeKEM at 1,000 members. The trees are valid trees of suite
// 0x0001 with real Ed25519 signature keys and signatures, built once per
// process (see benchTree).

// benchTreeFixture is a valid tree in which members 0 to n-1 joined and
// then committed in turn, so that every parent node above two members is
// set and every leaf has source commit.
type benchTreeFixture struct {
	tree    *ratchetTree
	groupID []byte
	hash    []byte
	signers []*SigningKey
	// privs holds the private TreeKEM state of a few members, for trees
	// built with derived keys: member 1 (whose leaf key stays current)
	// and member n-1 (the last committer, who knows its whole path).
	privs map[LeafIndex]*treeKEMPrivate
}

var (
	benchTreesMu sync.Mutex
	benchTrees   = map[string]*benchTreeFixture{}
)

// benchTree returns the fixture of n members, built on first use. With
// derivedKeys, every commit is a real applyNewPath, whose node keys are
// derived from path secrets, so that members can process paths; without,
// the commits install random X25519 public keys (any 32 bytes are one)
// with correct parent hashes and signatures, which is all validation needs
// and builds 10,000 members in seconds.
func benchTree(b testing.TB, n int, derivedKeys bool) *benchTreeFixture {
	b.Helper()
	key := fmt.Sprint(n, derivedKeys)
	benchTreesMu.Lock()
	defer benchTreesMu.Unlock()
	if f := benchTrees[key]; f != nil {
		return f
	}
	s := suite1(b)
	f := &benchTreeFixture{groupID: []byte("benchmark group"), privs: map[LeafIndex]*treeKEMPrivate{}}
	random := func() []byte {
		k := make([]byte, 32)
		rand.Read(k)
		return k
	}
	for i := range n {
		signer, err := s.id.GenerateSigningKey()
		if err != nil {
			b.Fatal(err)
		}
		f.signers = append(f.signers, signer)
		ln := &LeafNode{
			EncryptionKey: random(),
			SignatureKey:  signer.PublicKey(),
			Credential:    Credential{Type: CredentialTypeBasic, Identity: fmt.Appendf(nil, "member-%d@example.com", i)},
			Capabilities: Capabilities{Versions: []ProtocolVersion{ProtocolVersionMLS10}, CipherSuites: []CipherSuite{s.id},
				Extensions: []ExtensionType{}, Proposals: []ProposalType{}, Credentials: []CredentialType{CredentialTypeBasic}},
			Source:     LeafNodeSourceKeyPackage,
			Lifetime:   Lifetime{NotBefore: 0, NotAfter: 1 << 40},
			Extensions: []Extension{},
		}
		l := LeafIndex(0)
		if i == 0 {
			f.tree = newOneMemberTree(s, ln)
		} else if l, err = f.tree.addLeaf(ln); err != nil {
			b.Fatal(err)
		}
		if derivedKeys {
			np, err := f.tree.applyNewPath(l, signer, nil, f.groupID, 0)
			if err != nil {
				b.Fatal(err)
			}
			np.zero()
			if i == 1 || i == n-1 {
				f.privs[l] = np.private
			}
			continue
		}
		fdp := f.tree.filteredDirectPath(l)
		pubs := make([][]byte, len(fdp))
		for j := range pubs {
			pubs[j] = random()
		}
		phs, leafPH, err := f.tree.pathParentHashes(l, fdp, pubs)
		if err != nil {
			b.Fatal(err)
		}
		c := *ln
		c.EncryptionKey, c.Source, c.Lifetime, c.ParentHash = random(), LeafNodeSourceCommit, Lifetime{}, leafPH
		if err := s.signLeafNode(signer, &c, f.groupID, l); err != nil {
			b.Fatal(err)
		}
		f.tree.applyPath(l, fdp, pubs, phs, &c)
	}
	var err error
	if f.hash, err = f.tree.treeHash(); err != nil {
		b.Fatal(err)
	}
	benchTrees[key] = f
	return f
}

// cpuMeter reports the CPU time a benchmark loop used per operation, on
// all threads, as cpu-ns/op: on a machine shared with other work the wall
// time per operation says little, the CPU time it costs much more. For the
// parallel parts, wall time on an idle machine is about the CPU time
// divided by the cores used.
type cpuMeter struct{ start time.Duration }

func startCPU() cpuMeter { return cpuMeter{processCPUTime()} }

func (m cpuMeter) report(b *testing.B) {
	if used := processCPUTime() - m.start; m.start > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// dropHashes forgets every cached tree hash of t.
func (t *ratchetTree) dropHashes() {
	for i := range t.nodes {
		t.nodes[i].hash = nil
	}
}

func BenchmarkTreeHash(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		f := benchTree(b, n, false)
		enc, err := f.tree.marshal()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("leaves=%d/scratch", n), func(b *testing.B) {
			t := f.tree.clone()
			b.SetBytes(int64(len(enc)))
			cpu := startCPU()
			for b.Loop() {
				t.dropHashes()
				if _, err := t.treeHash(); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
		b.Run(fmt.Sprintf("leaves=%d/scratch-parallel", n), func(b *testing.B) {
			t := f.tree.clone()
			b.SetBytes(int64(len(enc)))
			cpu := startCPU()
			for b.Loop() {
				t.dropHashes()
				if _, err := t.hashAll(defaultWorkers()); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
		b.Run(fmt.Sprintf("leaves=%d/one-path", n), func(b *testing.B) {
			// Alternate two versions of one leaf near the middle, as an
			// Update would: one leaf and its direct path are rehashed.
			t := f.tree.clone()
			l := LeafIndex(n / 2)
			a := t.leafNode(l)
			c := *a
			c.Signature = append([]byte{1}, a.Signature[1:]...)
			versions := [2]*LeafNode{a, &c}
			i := 0
			cpu := startCPU()
			for b.Loop() {
				i ^= 1
				t.setLeaf(l, versions[i])
				if _, err := t.treeHash(); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkValidateTree validates a received tree as a joiner does
// (RFC 9420 §12.4.3.1), with no tree hash cached; join also decodes it
// from the ratchet_tree extension first.
func BenchmarkValidateTree(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		f := benchTree(b, n, false)
		enc, err := f.tree.marshal()
		if err != nil {
			b.Fatal(err)
		}
		req, _ := newGroupRequirements(f.tree.suite.id, nil)
		opts := &ValidationOptions{SkipTreeLifetimes: true}
		b.Run(fmt.Sprintf("leaves=%d/validate", n), func(b *testing.B) {
			t := f.tree.clone()
			cpu := startCPU()
			for b.Loop() {
				t.dropHashes()
				if err := t.validate(f.groupID, f.hash, req, opts); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
		b.Run(fmt.Sprintf("leaves=%d/join", n), func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			cpu := startCPU()
			for b.Loop() {
				t, err := parseRatchetTree(f.tree.suite, enc)
				if err != nil {
					b.Fatal(err)
				}
				if err := t.validate(f.groupID, f.hash, req, opts); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkUpdatePath measures the TreeKEM work of a commit in a group of
// 1,000 members whose parent nodes are all set: the committer (leaf 0)
// making its path, and a receiver merging and processing it. Receiver 1
// decrypts at the lowest node and derives every key above; receiver 999
// decrypts at the root.
func BenchmarkUpdatePath(b *testing.B) {
	const n = 1000
	f := benchTree(b, n, true)
	s := f.tree.suite
	req, _ := newGroupRequirements(s.id, nil)
	gcFor := func(t *ratchetTree) []byte {
		hash, err := t.treeHash()
		if err != nil {
			b.Fatal(err)
		}
		gc, err := marshalGroupContext(&GroupContext{CipherSuite: s.id, GroupID: f.groupID, Epoch: 7, TreeHash: hash, ConfirmedTranscriptHash: make([]byte, 32), Extensions: []Extension{}})
		if err != nil {
			b.Fatal(err)
		}
		return gc
	}
	b.Run(fmt.Sprintf("members=%d/create", n), func(b *testing.B) {
		cpu := startCPU()
		for b.Loop() {
			t := f.tree.clone()
			np, err := t.applyNewPath(0, f.signers[0], nil, f.groupID, 0)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := np.encrypt(t, gcFor(t), nil, defaultWorkers()); err != nil {
				b.Fatal(err)
			}
			np.zero()
		}
		cpu.report(b)
	})
	// One path from leaf 0, made once.
	committed := f.tree.clone()
	np, err := committed.applyNewPath(0, f.signers[0], nil, f.groupID, 0)
	if err != nil {
		b.Fatal(err)
	}
	gc := gcFor(committed)
	path, err := np.encrypt(committed, gc, nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range []LeafIndex{1, n - 1} {
		priv := f.privs[r]
		b.Run(fmt.Sprintf("members=%d/process-receiver=%d", n, r), func(b *testing.B) {
			cpu := startCPU()
			for b.Loop() {
				t := f.tree.clone()
				lc := leafNodeContext{source: LeafNodeSourceCommit, groupID: f.groupID, leaf: 0}
				if err := validateLeafNode(s, &path.LeafNode, lc, req, nil); err != nil {
					b.Fatal(err)
				}
				if err := t.checkUniqueKeys(&path.LeafNode, 0); err != nil {
					b.Fatal(err)
				}
				if err := t.mergeUpdatePath(0, path, nil); err != nil {
					b.Fatal(err)
				}
				cs, err := priv.clone().processUpdatePath(s, t, 0, path, gcFor(t), nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				if !cs.equal(np.commitSecret) {
					b.Fatal("commit secret differs")
				}
			}
			cpu.report(b)
		})
	}
}
