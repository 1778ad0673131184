package mls

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

type treeKEMVector struct {
	CipherSuite             CipherSuite `json:"cipher_suite"`
	GroupID                 hexBytes    `json:"group_id"`
	Epoch                   uint64      `json:"epoch"`
	ConfirmedTranscriptHash hexBytes    `json:"confirmed_transcript_hash"`
	RatchetTree             hexBytes    `json:"ratchet_tree"`
	LeavesPrivate           []struct {
		Index          LeafIndex `json:"index"`
		EncryptionPriv hexBytes  `json:"encryption_priv"`
		SignaturePriv  hexBytes  `json:"signature_priv"`
		PathSecrets    []struct {
			Node       NodeIndex `json:"node"`
			PathSecret hexBytes  `json:"path_secret"`
		} `json:"path_secrets"`
	} `json:"leaves_private"`
	UpdatePaths []struct {
		Sender        LeafIndex   `json:"sender"`
		UpdatePath    hexBytes    `json:"update_path"`
		PathSecrets   []*hexBytes `json:"path_secrets"`
		CommitSecret  hexBytes    `json:"commit_secret"`
		TreeHashAfter hexBytes    `json:"tree_hash_after"`
	} `json:"update_paths"`
}

// The counts of treekem.json: 77 cases (eleven trees for each of the seven
// suites) with 434 update paths in all.
const (
	treeKEMCaseCount       = 77
	treeKEMUpdatePathCount = 434
)

// groupContextBytes encodes the GroupContext of a TreeKEM vector with the
// given tree hash and no extensions.
func (v *treeKEMVector) groupContextBytes(t testing.TB, treeHash []byte) []byte {
	t.Helper()
	gc, err := marshalGroupContext(&GroupContext{
		CipherSuite:             v.CipherSuite,
		GroupID:                 v.GroupID,
		Epoch:                   v.Epoch,
		TreeHash:                treeHash,
		ConfirmedTranscriptHash: v.ConfirmedTranscriptHash,
		Extensions:              []Extension{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return gc
}

// privates returns the private TreeKEM state of every member the vector
// gives one for, checked against the tree (the first verification step of
// the format), and their signing keys.
func (v *treeKEMVector) privates(t testing.TB, s *suite, tree *ratchetTree) (map[LeafIndex]*treeKEMPrivate, map[LeafIndex]*SigningKey) {
	t.Helper()
	privs := map[LeafIndex]*treeKEMPrivate{}
	signers := map[LeafIndex]*SigningKey{}
	for _, lp := range v.LeavesPrivate {
		k, err := s.newHPKEPrivateKey(lp.EncryptionPriv)
		if err != nil {
			t.Fatalf("leaf %d: %v", lp.Index, err)
		}
		p := newTreeKEMPrivate(lp.Index, k)
		for _, ps := range lp.PathSecrets {
			if err := p.setPathSecret(s, tree, ps.Node, secret(ps.PathSecret)); err != nil {
				t.Fatalf("leaf %d: %v", lp.Index, err)
			}
		}
		if err := p.checkConsistent(tree); err != nil {
			t.Fatalf("leaf %d: %v", lp.Index, err)
		}
		if len(p.keys) != 1+len(lp.PathSecrets) {
			t.Fatalf("leaf %d: %d private keys, want %d", lp.Index, len(p.keys), 1+len(lp.PathSecrets))
		}
		privs[lp.Index] = p
		if signers[lp.Index], err = v.CipherSuite.NewSigningKey(lp.SignaturePriv); err != nil {
			t.Fatalf("leaf %d: %v", lp.Index, err)
		}
	}
	return privs, signers
}

// TestTreeKEMVectors runs treekem.json (RFC 9420 §7.4–§7.6, §7.9): for
// every update path, the path merges into the tree (its parent hash
// verified), the tree hash after matches, every other member decrypts the
// path secret the vector lists and derives its commit secret, and the
// merged tree stays valid. Then the sender makes a new UpdatePath from the
// same tree, and every other member processes it to the committer's
// commit secret and to the same tree.
func TestTreeKEMVectors(t *testing.T) {
	var cases []treeKEMVector
	loadVectors(t, "treekem.json", &cases)
	if len(cases) != treeKEMCaseCount {
		t.Fatalf("treekem.json holds %d cases, want %d", len(cases), treeKEMCaseCount)
	}
	var (
		mu                                                     sync.Mutex
		casesRan, pathsRan, received, created, createdReceived int
		bySuite                                                = map[CipherSuite]int{}
		opts                                                   = &ValidationOptions{SkipTreeLifetimes: true, MaxLifetime: -1}
	)
	// The cases run in parallel (P-521 and X448 make them slow); the
	// group returns once all have.
	t.Run("cases", func(t *testing.T) {
		for ci := range cases {
			v := &cases[ci]
			t.Run(fmt.Sprint(ci), func(t *testing.T) {
				t.Parallel()
				s, err := v.CipherSuite.suite()
				if err != nil {
					t.Fatal(err)
				}
				tree := vectorTree(t, v.CipherSuite, v.RatchetTree)
				treeHash, err := tree.treeHash()
				if err != nil {
					t.Fatal(err)
				}
				req, _ := newGroupRequirements(v.CipherSuite, nil)
				if err := tree.clone().validate(v.GroupID, treeHash, req, opts); err != nil {
					t.Errorf("case %d: ratchet_tree: %v", ci, err)
				}
				privs, signers := v.privates(t, s, tree)
				caseOK := true
				var paths, rec, made, madeRec int
				for ui, u := range v.UpdatePaths {
					where := fmt.Sprintf("case %d (suite %v) update path %d from leaf %d", ci, v.CipherSuite, ui, u.Sender)
					n, ok := checkTreeKEMUpdatePath(t, where, v, s, tree, privs, u.Sender, u.UpdatePath, u.PathSecrets, u.CommitSecret, u.TreeHashAfter, req, opts)
					rec += n
					if !ok {
						caseOK = false
						continue
					}
					paths++
					n, ok = checkTreeKEMNewPath(t, where, v, s, tree, privs, signers[u.Sender], u.Sender, req, opts)
					madeRec += n
					if !ok {
						caseOK = false
						continue
					}
					made++
				}
				mu.Lock()
				defer mu.Unlock()
				pathsRan, received, created, createdReceived = pathsRan+paths, received+rec, created+made, createdReceived+madeRec
				if caseOK {
					casesRan++
					bySuite[v.CipherSuite]++
				}
			})
		}
	})
	requireCount(t, "treekem.json cases", casesRan, treeKEMCaseCount)
	requireCount(t, "treekem.json update paths processed", pathsRan, treeKEMUpdatePathCount)
	requireCount(t, "treekem.json update paths created and processed", created, treeKEMUpdatePathCount)
	if received == 0 || createdReceived != received {
		t.Errorf("receivers: %d of the vector paths, %d of the created ones", received, createdReceived)
	}
	t.Logf("treekem.json: %d receivers decrypted the vector paths, %d the created ones; cases per suite %v", received, createdReceived, bySuite)
}

// checkTreeKEMUpdatePath merges one UpdatePath of the vector into a copy
// of tree and has every member j other than the sender process it. It
// returns the number of receivers that passed and whether all checks did.
func checkTreeKEMUpdatePath(t *testing.T, where string, v *treeKEMVector, s *suite, tree *ratchetTree, privs map[LeafIndex]*treeKEMPrivate,
	sender LeafIndex, encoded hexBytes, pathSecrets []*hexBytes, commitSecret, treeHashAfter []byte, req *groupRequirements, opts *ValidationOptions) (receivers int, ok bool) {
	path, err := unmarshalUpdatePath(encoded)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	lc := leafNodeContext{source: LeafNodeSourceCommit, groupID: v.GroupID, leaf: sender}
	if err := validateLeafNode(s, &path.LeafNode, lc, req, opts); err != nil {
		t.Errorf("%s: leaf node: %v", where, err)
		return 0, false
	}
	merged := tree.clone()
	if err := merged.mergeUpdatePath(sender, path, nil); err != nil {
		t.Errorf("%s: merge: %v", where, err)
		return 0, false
	}
	hash, err := merged.treeHash()
	if err != nil || !bytes.Equal(hash, treeHashAfter) {
		t.Errorf("%s: tree hash after %x, %v; want %x", where, hash, err, treeHashAfter)
		return 0, false
	}
	if err := checkTreeStructure(merged); err != nil {
		t.Errorf("%s: merged tree: %v", where, err)
		return 0, false
	}
	gc := v.groupContextBytes(t, hash)
	ok = true
	for j := LeafIndex(0); uint32(j) < tree.leafCount(); j++ {
		if j == sender || tree.leafNode(j) == nil {
			continue
		}
		p, found := privs[j]
		if !found {
			t.Errorf("%s: no private state for member %d", where, j)
			ok = false
			continue
		}
		p = p.clone()
		fdp, i, ps, err := p.decryptPathSecret(s, merged, sender, path, gc, nil)
		if err != nil {
			t.Errorf("%s: receiver %d: %v", where, j, err)
			ok = false
			continue
		}
		if int(j) >= len(pathSecrets) || pathSecrets[j] == nil || !bytes.Equal(ps, *pathSecrets[j]) {
			t.Errorf("%s: receiver %d: decrypted path secret differs", where, j)
			ok = false
			continue
		}
		cs, err := p.applyPathSecrets(s, merged, fdp, i, ps, 0)
		if err != nil || !bytes.Equal(cs, commitSecret) {
			t.Errorf("%s: receiver %d: commit secret: %v", where, j, err)
			ok = false
			continue
		}
		if err := p.checkConsistent(merged); err != nil {
			t.Errorf("%s: receiver %d: private state after: %v", where, j, err)
			ok = false
			continue
		}
		receivers++
	}
	return receivers, ok
}

// checkTreeKEMNewPath has the sender make a new UpdatePath from tree and
// every other member process it. It returns the number of receivers that
// passed and whether all checks did.
func checkTreeKEMNewPath(t *testing.T, where string, v *treeKEMVector, s *suite, tree *ratchetTree, privs map[LeafIndex]*treeKEMPrivate,
	signer *SigningKey, sender LeafIndex, req *groupRequirements, opts *ValidationOptions) (receivers int, ok bool) {
	if signer == nil {
		t.Errorf("%s: no signature key for the sender", where)
		return 0, false
	}
	committer := tree.clone()
	np, err := committer.applyNewPath(sender, signer, nil, v.GroupID, 0)
	if err != nil {
		t.Errorf("%s: new path: %v", where, err)
		return 0, false
	}
	defer np.zero()
	hash, err := committer.treeHash()
	if err != nil {
		t.Fatal(err)
	}
	gc := v.groupContextBytes(t, hash)
	path, err := np.encrypt(committer, gc, nil, 2)
	if err != nil {
		t.Errorf("%s: new path: encrypt: %v", where, err)
		return 0, false
	}
	if err := np.private.checkConsistent(committer); err != nil {
		t.Errorf("%s: new path: committer's private state: %v", where, err)
		return 0, false
	}
	if err := checkTreeStructure(committer); err != nil {
		t.Errorf("%s: new path: committer's tree: %v", where, err)
		return 0, false
	}
	// The path goes over the wire.
	enc, err := marshalUpdatePath(path)
	if err != nil {
		t.Fatal(err)
	}
	if path, err = unmarshalUpdatePath(enc); err != nil {
		t.Fatal(err)
	}
	lc := leafNodeContext{source: LeafNodeSourceCommit, groupID: v.GroupID, leaf: sender}
	if err := validateLeafNode(s, &path.LeafNode, lc, req, opts); err != nil {
		t.Errorf("%s: new path: leaf node: %v", where, err)
		return 0, false
	}
	merged := tree.clone()
	if err := merged.mergeUpdatePath(sender, path, nil); err != nil {
		t.Errorf("%s: new path: merge: %v", where, err)
		return 0, false
	}
	if got, _ := merged.treeHash(); !bytes.Equal(got, hash) {
		t.Errorf("%s: new path: merged tree hash differs from the committer's", where)
		return 0, false
	}
	ok = true
	for j, p := range privs {
		if j == sender || tree.leafNode(j) == nil {
			continue
		}
		p = p.clone()
		cs, err := p.processUpdatePath(s, merged, sender, path, gc, nil, 0)
		if err != nil || !bytes.Equal(cs, np.commitSecret) {
			t.Errorf("%s: new path: receiver %d: commit secret: %v", where, j, err)
			ok = false
			continue
		}
		receivers++
	}
	return receivers, ok
}
