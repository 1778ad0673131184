package mlsgroup

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/sealroom/sealroom/mls"
)

// Params say which group Build makes.
type Params struct {
	Suite mls.CipherSuite
	// Members is the size of the group, at least 2.
	Members int
	// Batch is how many members one Commit adds while the group is
	// built; 0 means mls.DefaultMaxProposals, the most a member accepts
	// by default.
	Batch int
}

// normalize fills in defaults and checks p.
func (p Params) normalize() (Params, error) {
	if p.Batch == 0 {
		p.Batch = mls.DefaultMaxProposals
	}
	if !p.Suite.IsValid() {
		return p, fmt.Errorf("mlsgroup: unknown cipher suite %v", p.Suite)
	}
	if p.Members < 2 || p.Batch < 1 || p.Batch > mls.DefaultMaxProposals {
		return p, fmt.Errorf("mlsgroup: %d members in batches of %d: need at least 2 members and batches of 1 to %d", p.Members, p.Batch, mls.DefaultMaxProposals)
	}
	return p, nil
}

// Fixture is a group of Params.Members members in one epoch, seen by three
// of them. All leaves are occupied (0 to Members-1) and every parent node
// of the ratchet tree is blank: the group was built by Commits that add
// members without a path, the shape a group has right after it was
// filled by its creator.
type Fixture struct {
	Params Params
	// Committer is the member at leaf 0, who created the group and added
	// everyone else.
	Committer *mls.Group
	// Near is the member at leaf 1, the committer's sibling: their lowest
	// common ancestor in the tree is the parent of leaves 0 and 1.
	Near *mls.Group
	// Far is the member at the last leaf, Members-1: its lowest common
	// ancestor with the committer is the root. With 2 members, Far is
	// Near.
	Far *mls.Group
}

// Leaves returns the leaves of the committer, Near and Far.
func (f *Fixture) Leaves() (committer, near, far mls.LeafIndex) {
	return 0, 1, mls.LeafIndex(f.Params.Members - 1)
}

// Build makes the group of p: the member at leaf 0 creates it and adds
// the others by value, Batch Adds per Commit, without a path; Near and Far
// join from the Welcome of the Commit that adds them (ratchet tree inline)
// and process the Commits after it. The KeyPackages are made on all CPUs.
func Build(p Params) (*Fixture, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	n := p.Members
	kps := make([]*mls.KeyPackage, n)
	keys := make([]*mls.KeyPackagePrivateKeys, n)
	if err := parallel(n-1, func(i int) error {
		l := i + 1
		var err error
		kps[l], keys[l], err = newClient(p.Suite, credential(l))
		return err
	}); err != nil {
		return nil, err
	}
	signer, err := p.Suite.GenerateSigningKey()
	if err != nil {
		return nil, fmt.Errorf("mlsgroup: %w", err)
	}
	committer, err := mls.CreateGroup([]byte("sealroom mlsgroup benchmark"), p.Suite, credential(0), signer, nil)
	if err != nil {
		return nil, fmt.Errorf("mlsgroup: %w", err)
	}
	tracked := map[int]*mls.Group{} // leaf -> state, for leaves 1 and n-1
	for first := 1; first < n; first += p.Batch {
		last := min(n, first+p.Batch) // exclusive
		adds := make([]mls.Proposal, 0, last-first)
		for l := first; l < last; l++ {
			adds = append(adds, &mls.AddProposal{KeyPackage: *kps[l]})
		}
		res, err := committer.Commit(&mls.CommitOptions{ByValue: adds})
		if err != nil {
			return nil, fmt.Errorf("mlsgroup: adding members %d to %d: %w", first, last-1, err)
		}
		if err := committer.MergePendingCommit(); err != nil {
			return nil, fmt.Errorf("mlsgroup: %w", err)
		}
		for _, g := range tracked {
			pm, err := g.Process(res.Commit)
			if err != nil {
				return nil, fmt.Errorf("mlsgroup: processing the Commit adding members %d to %d: %w", first, last-1, err)
			}
			if err := g.Merge(pm.Commit); err != nil {
				return nil, fmt.Errorf("mlsgroup: %w", err)
			}
		}
		for _, l := range []int{1, n - 1} {
			if l >= first && l < last && tracked[l] == nil {
				if tracked[l], err = mls.JoinFromWelcome(res.Welcome, kps[l], keys[l], nil); err != nil {
					return nil, fmt.Errorf("mlsgroup: member %d joining: %w", l, err)
				}
			}
		}
	}
	f := &Fixture{Params: p, Committer: committer, Near: tracked[1], Far: tracked[n-1]}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// errFixture reports a fixture that is not the group its Params describe.
var errFixture = errors.New("mlsgroup: inconsistent fixture")

// check verifies that the three members are at their leaves, in one epoch
// with the same epoch authenticator, in a group of Params.Members
// members.
func (f *Fixture) check() error {
	c, nl, fl := f.Leaves()
	for _, m := range []struct {
		g    *mls.Group
		leaf mls.LeafIndex
	}{{f.Committer, c}, {f.Near, nl}, {f.Far, fl}} {
		if m.g == nil {
			return fmt.Errorf("%w: no member at leaf %d", errFixture, m.leaf)
		}
		if l, ok := m.g.OwnLeaf(); !ok || l != m.leaf {
			return fmt.Errorf("%w: member at leaf %d, want %d", errFixture, l, m.leaf)
		}
		if m.g.CipherSuite() != f.Params.Suite {
			return fmt.Errorf("%w: suite %v, want %v", errFixture, m.g.CipherSuite(), f.Params.Suite)
		}
		if m.g.Epoch() != f.Committer.Epoch() || !bytes.Equal(m.g.EpochAuthenticator(), f.Committer.EpochAuthenticator()) {
			return fmt.Errorf("%w: member at leaf %d is in another epoch", errFixture, m.leaf)
		}
		if got := len(m.g.Members()); got != f.Params.Members {
			return fmt.Errorf("%w: %d members, want %d", errFixture, got, f.Params.Members)
		}
	}
	return nil
}

// credential is the basic credential of the member at leaf l.
func credential(l int) mls.Credential {
	return mls.Credential{Type: mls.CredentialTypeBasic, Identity: fmt.Appendf(nil, "member %d", l)}
}

// NewJoiner makes the KeyPackage of a client that is not in the group,
// for Add commits and joins.
func NewJoiner(cs mls.CipherSuite) (*mls.KeyPackage, *mls.KeyPackagePrivateKeys, error) {
	return newClient(cs, mls.Credential{Type: mls.CredentialTypeBasic, Identity: []byte("joiner")})
}

// newClient makes a signature key and a KeyPackage with credential cred.
func newClient(cs mls.CipherSuite, cred mls.Credential) (*mls.KeyPackage, *mls.KeyPackagePrivateKeys, error) {
	signer, err := cs.GenerateSigningKey()
	if err != nil {
		return nil, nil, fmt.Errorf("mlsgroup: %w", err)
	}
	kp, keys, err := mls.NewKeyPackage(signer, cred, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("mlsgroup: %w", err)
	}
	return kp, keys, nil
}

// parallel calls fn(0) to fn(n-1) on GOMAXPROCS goroutines and returns
// the first error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
