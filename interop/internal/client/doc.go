// Package client implements the MLSClient gRPC service of the MLS working
// group's interop harness (mlswg/mls-implementations, interop/proto/
// mls_client.proto) on top of github.com/sealroom/sealroom/mls, for all
// seven cipher suites of RFC 9420 §17.1.
//
// A Server keeps the harness's integer handles in a store: group states
// (state_id), joiners waiting for a Welcome (transaction_id), members between
// a ReInit commit and the new group's Welcome (reinit_id) and external
// signers (signer_id) share one ID space, so that StorePSK's
// state_or_transaction_id names exactly one of them. IDs start at 1; 0 is
// never valid. Every RPC on one handle runs under that handle's lock, RPCs on
// different handles run concurrently.
//
// A group state keeps its state_id from epoch to epoch: HandleCommit and
// HandlePendingCommit return the ID they were given. New IDs come with new
// groups (joins, branches, the reinitialized group) and with the reinit_id
// a ReInit commit moves the old group to.
//
// Every member uses a basic credential with the identity the harness
// names, and accepts key packages of any lifetime
// (ValidationOptions.MaxLifetime -1): other implementations publish some
// valid from 0 to 2^64-1.
//
// Errors are gRPC statuses: InvalidArgument for a malformed or rejected
// request (naming the field, or wrapping the mls error), NotFound for an
// unknown handle, FailedPrecondition for a request the state cannot serve
// now (a pending commit, uncommitted proposals, a missing PSK, a used
// KeyPackage, a handle of the wrong kind), ResourceExhausted for a bound
// reached, Internal for a failure of this implementation. A panic in an RPC
// is recovered, logged and answered with Internal.
package client
