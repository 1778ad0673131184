// Package mlsgroup benchmarks the MLS group operations of package mls
// (RFC 9420) through its public API, on groups of 2 to 10,000 members of
// cipher suite 0x0001 (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519):
//
//   - commit-add: the member at leaf 0 makes a Commit that adds one member
//     (an Add by value, no path), with a Welcome carrying the ratchet
//     tree (Group.Commit; the pending commit is then cleared);
//   - process-add: another member processes that Commit (Group.Process:
//     signature, proposal and KeyPackage validation, the new tree and its
//     hash, the key schedule, the confirmation tag), as leaf 1 (receiver
//     near: the committer's sibling) and as the last leaf (receiver far:
//     its lowest common ancestor with the committer is the root);
//   - join: the new member joins from that Commit's Welcome
//     (JoinFromWelcome: decrypting the group secrets and GroupInfo,
//     decoding and validating the whole tree, the key schedule);
//   - commit-remove: the member at leaf 0 makes a Commit that removes the
//     member at leaf members/2, which needs a path: new keys for its
//     direct path, encrypted to the resolution of its copath;
//   - process-remove: leaf 1 and the last leaf process that Commit
//     (decrypting a path secret and deriving the keys above it).
//
// None of these changes the member's state (Commit leaves the group as it
// was until MergePendingCommit; Process never changes it; JoinFromWelcome
// makes a new Group), so every iteration operates on the same state and
// nothing needs restoring between iterations: b.Loop times exactly the
// operation (plus Group.ClearPendingCommit after each Commit, which drops
// the pending state).
//
// The groups are built by Build: the creator adds the others by value in
// Commits of up to mls.DefaultMaxProposals Adds without a path, so every
// parent node of the tree is blank. That is a group right after its
// creator filled it; it is the costliest shape for a Commit with a path
// (the resolution of each copath node is all its leaves, so a Remove's
// path secrets are encrypted to every other member), and the cheapest for
// tree validation on join (no parent hashes to check). Building 10,000
// members takes about half a minute on two cores; Cache keeps built groups in files
// under the OS temporary directory, keyed by a hash of the parameters and
// the test binary.
//
// The benchmarks run only under -bench; the package's tests use groups of
// a few members.
package mlsgroup
