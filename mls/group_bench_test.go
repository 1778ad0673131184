package mls

import (
	"crypto/rand"
	"fmt"
	"testing"
)

// Benchmarks of the group layer at 1,000 members (suite 0x0001): making a
// Commit and processing one (validation of the proposals and the path,
// TreeKEM, the key schedule, the confirmation tag), on the tree of
// benchTree, whose parent nodes are all set. The committer is leaf 0;
// receiver 1 decrypts its path secret at the lowest node and derives every
// key above, receiver 999 decrypts at the root. Process leaves the group
// unchanged, so the same Commit is processed again in each iteration.

// benchGroup returns the Group of member l of the benchTree fixture of n
// members, in an epoch every member shares. Only members 1 and n-1 hold
// their private keys; other members can make Commits but not process
// them.
func benchGroup(b testing.TB, n int, l LeafIndex, epochSecretBytes []byte) *Group {
	return benchGroupOf(b, benchTree(b, n, true), l, epochSecretBytes)
}

// benchGroupOf is benchGroup on the fixture f.
func benchGroupOf(b testing.TB, f *benchTreeFixture, l LeafIndex, epochSecretBytes []byte) *Group {
	b.Helper()
	s := f.tree.suite
	cfg, err := (&GroupOptions{}).config()
	if err != nil {
		b.Fatal(err)
	}
	gc := &GroupContext{CipherSuite: s.id, GroupID: f.groupID, Epoch: 7, TreeHash: f.hash, ConfirmedTranscriptHash: make([]byte, s.nh), Extensions: []Extension{}}
	es, err := epochSecret{s, secret(epochSecretBytes).clone()}.derive()
	if err != nil {
		b.Fatal(err)
	}
	priv := &treeKEMPrivate{leaf: l, keys: map[NodeIndex]*hpkePrivateKey{}}
	if p := f.privs[l]; p != nil {
		priv = p.clone()
	}
	tag := es.confirmation.tag(gc.ConfirmedTranscriptHash)
	cur, err := newEpochState(gc, f.tree.clone(), priv, es, tag, cfg.limits)
	if err != nil {
		b.Fatal(err)
	}
	return &Group{cfg: cfg, suite: s, signer: f.signers[l], cur: cur}
}

func BenchmarkGroupCommit(b *testing.B) {
	const n = 1000
	epochSecret := make([]byte, 32)
	rand.Read(epochSecret)
	committer := benchGroup(b, n, 0, epochSecret)
	receivers := map[LeafIndex]*Group{1: benchGroup(b, n, 1, epochSecret), n - 1: benchGroup(b, n, n-1, epochSecret)}
	newcomer := newTestClient(b, committer.CipherSuite(), "newcomer")
	kp, _ := newcomer.keyPackage(b)
	commits := []struct {
		name string
		opts *CommitOptions
	}{
		{"add", &CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *kp}}}},
		{"add-path", &CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *kp}}, ForcePath: true}},
		{"empty", nil},
		{"remove", &CommitOptions{ByValue: []Proposal{&RemoveProposal{Removed: n / 2}}}},
	}
	for _, c := range commits {
		b.Run(fmt.Sprintf("members=%d/create-%s", n, c.name), func(b *testing.B) {
			cpu := startCPU()
			for b.Loop() {
				if _, err := committer.Commit(c.opts); err != nil {
					b.Fatal(err)
				}
				committer.ClearPendingCommit()
			}
			cpu.report(b)
		})
		res, err := committer.Commit(c.opts)
		if err != nil {
			b.Fatal(err)
		}
		committer.ClearPendingCommit()
		for _, r := range []LeafIndex{1, n - 1} {
			g := receivers[r]
			b.Run(fmt.Sprintf("members=%d/process-%s-receiver=%d", n, c.name, r), func(b *testing.B) {
				b.SetBytes(int64(len(res.Commit)))
				cpu := startCPU()
				for b.Loop() {
					pm, err := g.Process(res.Commit)
					if err != nil {
						b.Fatal(err)
					}
					if pm.Commit.next == nil {
						b.Fatal("no new epoch")
					}
				}
				cpu.report(b)
			})
		}
	}
}

// BenchmarkGroupJoin measures JoinFromWelcome into groups of 1,000 and
// 10,000 members with the tree in the Welcome: decrypting the group
// secrets and GroupInfo, decoding and validating the whole tree (a
// signature per leaf, on the worker pool), and the key schedule. The
// Welcome comes from an Add without a path, so no path secret is adopted.
func BenchmarkGroupJoin(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		epochSecret := make([]byte, 32)
		rand.Read(epochSecret)
		committer := benchGroupOf(b, benchTree(b, n, false), 0, epochSecret)
		joiner := newTestClient(b, committer.CipherSuite(), "joiner")
		kp, keys := joiner.keyPackage(b)
		res, err := committer.Commit(&CommitOptions{ByValue: []Proposal{&AddProposal{KeyPackage: *kp}}})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(res.RatchetTree)))
			cpu := startCPU()
			for b.Loop() {
				if _, err := JoinFromWelcome(res.Welcome, kp, keys, nil); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}
