// Package interop holds Sealroom's client for the MLS working group's
// interoperability harness (mlswg/mls-implementations, interop/): the
// gRPC service of proto/mls_client.proto served by cmd/mls-client, and a
// scenario runner (internal/runner, driven by scenario_test.go) that plays
// the harness's scenario configs in configs/ between two instances of it.
//
// It is a module of its own so that gRPC never becomes a dependency of the
// MLS library: the main module's go.mod does not change when this one does.
package interop

//go:generate ./regen.sh
