package mlsgroup

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sealroom/sealroom/mls"
)

// TestBuild builds small groups over several batches, so that the near
// and far members join from different Welcomes and process later Commits,
// and checks the result with a Commit every member processes.
func TestBuild(t *testing.T) {
	for _, p := range []Params{
		{Suite: benchSuite, Members: 2},
		{Suite: benchSuite, Members: 10, Batch: 3},
		{Suite: benchSuite, Members: 7, Batch: 1},
	} {
		f, err := Build(p)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if p.Batch == 0 && f.Params.Batch != mls.DefaultMaxProposals {
			t.Errorf("%+v: batch %d, want the default", p, f.Params.Batch)
		}
		members := f.Committer.Members()
		for l, m := range members {
			if m.Leaf != mls.LeafIndex(l) || !bytes.Equal(m.Credential.Identity, credential(l).Identity) {
				t.Errorf("%+v: member %d is %q at leaf %d", p, l, m.Credential.Identity, m.Leaf)
			}
		}
		// Every member the fixture holds reaches the committer's next epoch.
		kp, keys, err := NewJoiner(p.Suite)
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.Committer.Commit(&mls.CommitOptions{ByValue: []mls.Proposal{&mls.AddProposal{KeyPackage: *kp}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Committer.MergePendingCommit(); err != nil {
			t.Fatal(err)
		}
		receivers := []*mls.Group{f.Near, f.Far}
		if f.Far == f.Near {
			receivers = receivers[:1] // 2 members: leaf 1 is both
		}
		for _, g := range receivers {
			pm, err := g.Process(res.Commit)
			if err != nil {
				t.Fatalf("%+v: %v", p, err)
			}
			if err := g.Merge(pm.Commit); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(g.EpochAuthenticator(), f.Committer.EpochAuthenticator()) {
				t.Errorf("%+v: receiver in another epoch", p)
			}
		}
		j, err := mls.JoinFromWelcome(res.Welcome, kp, keys, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(j.EpochAuthenticator(), f.Committer.EpochAuthenticator()) || len(j.Members()) != p.Members+1 {
			t.Errorf("%+v: joiner in another epoch or group", p)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	for _, p := range []Params{
		{Suite: benchSuite, Members: 1},
		{Suite: benchSuite, Members: 10, Batch: mls.DefaultMaxProposals + 1},
		{Suite: benchSuite, Members: 10, Batch: -1},
		{Suite: 0xfefe, Members: 10},
	} {
		if _, err := Build(p); err == nil {
			t.Errorf("%+v: built", p)
		}
	}
}

// TestCache checks that a stored fixture is read back, and that a file
// of other code, another size, corrupt or too old is built again.
func TestCache(t *testing.T) {
	dir := t.TempDir()
	c := &Cache{Dir: dir, CodeID: "code-1", MaxAge: time.Hour}
	p := Params{Suite: benchSuite, Members: 4, Batch: 2}
	f1, src, err := c.Load(p)
	if err != nil || src != Built {
		t.Fatalf("first load: %v, %v", src, err)
	}
	f2, src, err := c.Load(p)
	if err != nil || src != Cached {
		t.Fatalf("second load: %v, %v", src, err)
	}
	for _, pair := range [][2]*mls.Group{{f1.Committer, f2.Committer}, {f1.Near, f2.Near}, {f1.Far, f2.Far}} {
		a, _ := pair[0].MarshalBinary()
		b, _ := pair[1].MarshalBinary()
		if !bytes.Equal(a, b) {
			t.Error("cached state differs from the built one")
		}
	}
	if fi, err := os.Stat(c.Path(p)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v, %v", fi, err)
	}

	// Another build of the code, another size or batch: another file.
	other := &Cache{Dir: dir, CodeID: "code-2", MaxAge: time.Hour}
	paths := map[string]bool{c.Path(p): true}
	for _, q := range []struct {
		c *Cache
		p Params
	}{{other, p}, {c, Params{Suite: benchSuite, Members: 5, Batch: 2}}, {c, Params{Suite: benchSuite, Members: 4}}} {
		if paths[q.c.Path(q.p)] {
			t.Errorf("%+v shares a cache file", q.p)
		}
		paths[q.c.Path(q.p)] = true
	}
	if _, src, err := other.Load(p); err != nil || src != Built {
		t.Errorf("other code: %v, %v", src, err)
	}

	// A file of one fixture under the name of another is not used.
	q := Params{Suite: benchSuite, Members: 4, Batch: 3}
	data, err := os.ReadFile(c.Path(p))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.Path(q), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, src, err := c.Load(q); err != nil || src != Built {
		t.Errorf("misnamed file: %v, %v", src, err)
	}

	// Corrupt and truncated files are rebuilt and replaced.
	for _, bad := range [][]byte{nil, data[:len(data)/2], append(bytes.Clone(data), 0), flip(data, 0), flip(data, len(fileMagic)+3)} {
		if err := os.WriteFile(c.Path(p), bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, src, err := c.Load(p); err != nil || src != Built {
			t.Errorf("bad file of %d bytes: %v, %v", len(bad), src, err)
		}
		if _, src, err := c.Load(p); err != nil || src != Cached {
			t.Errorf("after rebuilding: %v, %v", src, err)
		}
	}

	// Too old.
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(c.Path(p), old, old); err != nil {
		t.Fatal(err)
	}
	if _, src, err := c.Load(p); err != nil || src != Built {
		t.Errorf("old file: %v, %v", src, err)
	}

	// No directory: build only.
	if _, src, err := (&Cache{}).Load(p); err != nil || src != Built {
		t.Errorf("no cache: %v, %v", src, err)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestDecodeFixtureErrors(t *testing.T) {
	c := &Cache{CodeID: "x"}
	p := Params{Suite: benchSuite, Members: 2, Batch: 1}
	f, err := Build(p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := encodeFixture(f, c.key(p))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeFixture(data, c.key(p), p); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	wrong := p
	wrong.Members = 3
	if _, err := decodeFixture(data, c.key(p), wrong); !errors.Is(err, errFixture) {
		t.Errorf("wrong size: %v", err)
	}
	if _, err := decodeFixture(data, c.key(wrong), p); !errors.Is(err, errCacheFile) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := decodeFixture(data[:len(fileMagic)+32+1], c.key(p), p); !errors.Is(err, errCacheFile) {
		t.Errorf("truncated: %v", err)
	}
}

// flip returns a copy of b with the byte at i changed.
func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x55
	return b
}
