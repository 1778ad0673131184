package mlsgroup

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/sealroom/sealroom/bench/internal/cpumeter"
	"github.com/sealroom/sealroom/mls"
)

// benchSizes are the group sizes of BenchmarkGroup. Select some with
// -bench 'Group/members=(2|10|100)$/', or set them with the flag
// -mlsgroup.sizes (see SizesFlag).
var benchSizes = flag.String(SizesFlag, DefaultSizes, "group sizes of BenchmarkGroup, comma-separated")

const benchSuite = mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

// BenchmarkGroup measures the group operations of the package doc at
// each size: sub-benchmarks members=N/op=OP[/receiver=near|far], with the
// wall time (ns/op), the CPU time of all threads (cpu-ns/op, see package
// cpumeter), allocations, and the size of the message made or processed
// (msg-bytes). The group of each size is loaded from the cache or built
// (outside the timing), once per process.
func BenchmarkGroup(b *testing.B) {
	sizes, err := ParseSizes(*benchSizes)
	if err != nil {
		b.Fatal(err)
	}
	cache, err := DefaultCache()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			start := time.Now()
			f, src, err := cache.Load(Params{Suite: benchSuite, Members: n})
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(os.Stderr, "mlsgroup: %d members: fixture %s in %v (%s)\n", n, src, time.Since(start).Round(time.Millisecond), cache.Path(f.Params))
			benchOps(b, f)
		})
	}
}

// benchOps runs the sub-benchmarks of one group.
func benchOps(b *testing.B, f *Fixture) {
	kp, keys, err := NewJoiner(f.Params.Suite)
	if err != nil {
		b.Fatal(err)
	}
	_, nearLeaf, farLeaf := f.Leaves()
	receivers := []struct {
		name string
		leaf mls.LeafIndex
		g    *mls.Group
	}{{"near", nearLeaf, f.Near}, {"far", farLeaf, f.Far}}

	add := &mls.CommitOptions{ByValue: []mls.Proposal{&mls.AddProposal{KeyPackage: *kp}}}
	b.Run("op=commit-add", func(b *testing.B) { benchCommit(b, f.Committer, add) })
	addRes := commitOnce(f.Committer, add)
	for _, r := range receivers {
		b.Run("op=process-add/receiver="+r.name, func(b *testing.B) {
			checkProcess(b, r.g, addRes(b).Commit, false)
			benchProcess(b, r.g, addRes(b).Commit)
		})
	}
	b.Run("op=join", func(b *testing.B) {
		b.ReportAllocs()
		welcome, err := addRes(b).Welcome.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		var g *mls.Group
		cpu := cpumeter.Start()
		for b.Loop() {
			if g, err = mls.JoinFromWelcome(addRes(b).Welcome, kp, keys, nil); err != nil {
				b.Fatal(err)
			}
		}
		cpu.Report(b)
		b.ReportMetric(float64(len(welcome)), "msg-bytes")
		if g.Epoch() != f.Committer.Epoch()+1 || len(g.Members()) != f.Params.Members+1 {
			b.Fatalf("joined epoch %d with %d members, want %d and %d", g.Epoch(), len(g.Members()), f.Committer.Epoch()+1, f.Params.Members+1)
		}
	})

	removed := mls.LeafIndex(f.Params.Members / 2)
	remove := &mls.CommitOptions{ByValue: []mls.Proposal{&mls.RemoveProposal{Removed: removed}}}
	b.Run("op=commit-remove", func(b *testing.B) { benchCommit(b, f.Committer, remove) })
	removeRes := commitOnce(f.Committer, remove)
	for _, r := range receivers {
		if r.leaf == removed {
			continue // with 2 members the only other member is the one removed
		}
		b.Run("op=process-remove/receiver="+r.name, func(b *testing.B) {
			checkProcess(b, r.g, removeRes(b).Commit, true)
			benchProcess(b, r.g, removeRes(b).Commit)
		})
	}
}

// benchCommit times g.Commit(opts) followed by g.ClearPendingCommit,
// which leaves g as it was.
func benchCommit(b *testing.B, g *mls.Group, opts *mls.CommitOptions) {
	b.ReportAllocs()
	var res *mls.CommitResult
	var err error
	cpu := cpumeter.Start()
	for b.Loop() {
		if res, err = g.Commit(opts); err != nil {
			b.Fatal(err)
		}
		g.ClearPendingCommit()
	}
	cpu.Report(b)
	b.ReportMetric(float64(len(res.Commit)), "msg-bytes")
}

// commitOnce returns a function that makes, on its first call, the
// Commit that the process and join benchmarks use, clears it from g's
// pending state and returns it; later calls return the same Commit. Made
// on demand, it is not made when -bench selects none of its users.
func commitOnce(g *mls.Group, opts *mls.CommitOptions) func(b *testing.B) *mls.CommitResult {
	var res *mls.CommitResult
	return func(b *testing.B) *mls.CommitResult {
		if res == nil {
			r, err := g.Commit(opts)
			if err != nil {
				b.Fatal(err)
			}
			g.ClearPendingCommit()
			res = r
		}
		return res
	}
}

// benchProcess times g.Process(commit), which does not change g.
func benchProcess(b *testing.B, g *mls.Group, commit []byte) {
	b.ReportAllocs()
	cpu := cpumeter.Start()
	for b.Loop() {
		pm, err := g.Process(commit)
		if err != nil {
			b.Fatal(err)
		}
		if pm.Commit == nil {
			b.Fatal("not a commit")
		}
	}
	cpu.Report(b)
	b.ReportMetric(float64(len(commit)), "msg-bytes")
}

// checkProcess verifies, outside the timing, that processing commit
// stages the epoch the committer made (adding or removing one member) and leaves
// g unchanged.
func checkProcess(b *testing.B, g *mls.Group, commit []byte, remove bool) {
	epoch, auth := g.Epoch(), g.EpochAuthenticator()
	pm, err := g.Process(commit)
	if err != nil {
		b.Fatal(err)
	}
	if pm.Commit == nil || pm.Commit.Epoch() != epoch+1 {
		b.Fatal("processing the commit staged no new epoch")
	}
	if remove != (len(pm.Commit.Removed()) == 1) || !remove && len(pm.Commit.Added()) != 1 {
		b.Fatalf("staged commit adds %d and removes %d members", len(pm.Commit.Added()), len(pm.Commit.Removed()))
	}
	if g.Epoch() != epoch || !bytes.Equal(g.EpochAuthenticator(), auth) {
		b.Fatal("Process changed the group")
	}
}
