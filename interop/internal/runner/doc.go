// Package runner plays the MLS working group's interop scenario configs
// (interop/configs/*.json of mlswg/mls-implementations, described in its
// test-config.md) against clients of the MLSClient gRPC service, the way
// the official interop/test-runner does:
//
//   - ParseConfig reads a config: named scripts, each a list of steps with an
//     action, an actor and action-specific values; values that point at
//     another step's output are that step's index in the script.
//   - Script.Actors lists the actors a script needs: step actors, createGroup
//     members, externalJoin and newMemberAddProposal joiners and
//     addExternalSigner signers.
//   - Expand assigns clients to actors for every cipher suite the clients
//     support and both handshake modes (encrypted or public proposals and
//     commits); MatrixFull is the official runner's all-combinations matrix.
//   - Run plays one script with one assignment, calling the RPCs the
//     official runner calls with the fields it sets, and checks what it
//     checks (epoch authenticators returned by joins and commits,
//     unprotected plaintexts and authenticated data).
//
// Run also checks more than the official runner: after every step, all
// members at the newest epoch must report the same non-empty StateAuth, and
// after every step that changes the epoch (and at the end of the script)
// every such member protects a message that the next one (in a ring, in
// sorted order) unprotects.
package runner
