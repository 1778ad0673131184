// Package client implements the MLSClient gRPC service of the MLS working
// group's interop harness (mlswg/mls-implementations, interop/proto/
// mls_client.proto) on top of github.com/sealroom/sealroom/mls.
//
// A Server keeps the harness's integer handles in a store: group states
// (state_id), joiners waiting for a Welcome (transaction_id), members between
// a ReInit commit and the new group's Welcome (reinit_id) and external
// signers (signer_id) share one ID space, so that StorePSK's
// state_or_transaction_id names exactly one of them. IDs start at 1; 0 is
// never valid. Every RPC on one handle runs under that handle's lock, RPCs on
// different handles run concurrently.
//
// RPCs that need the mls Group API (group creation, joins, proposals,
// commits, message protection, exporters, ReInit and branches) decode and
// check their arguments and then fail with codes.Unimplemented naming the
// Group API function they wait for. Name, SupportedCiphersuites, StorePSK,
// CreateExternalSigner and Free are complete.
package client
