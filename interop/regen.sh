#!/usr/bin/env bash
# Regenerates the gRPC and protobuf stubs of the MLS interop harness from
# proto/mls_client.proto with pinned tools.
#
#   interop/regen.sh          regenerate proto/*.pb.go in place
#   interop/regen.sh --check  regenerate into a scratch dir and fail if the
#                             checked-in files differ
#
# protoc comes from Debian's protobuf-compiler package (installed with
# apt-get when missing) and protoc-gen-go pinned to the protobuf runtime
# version in go.mod, both by .ci/lib/protoc.sh, and protoc-gen-go-grpc pinned
# to a fixed release, all into a tool dir outside the tree.
set -euo pipefail
cd "$(dirname "$0")"

PROTOC_GEN_GO_GRPC_VERSION=v1.6.2  # google.golang.org/grpc/cmd/protoc-gen-go-grpc
TOOLS="${SEALROOM_TOOLS:-${TMPDIR:-/tmp}/sealroom-interop-tools}"
GO_PACKAGE=github.com/sealroom/sealroom/interop/proto
FILES=(mls_client.pb.go mls_client_grpc.pb.go)

check=false
case "${1:-}" in
--check) check=true ;;
"") ;;
*)
	echo "usage: $0 [--check]" >&2
	exit 2
	;;
esac

# shellcheck source=/dev/null
source "../.ci/lib/protoc.sh"
protoc_tools "$TOOLS"
GOBIN="$TOOLS" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"

out=proto
if $check; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi

# The copy of mls_client.proto is kept verbatim; its go_package names the
# upstream repository, so the M options map it to this module's package.
PATH="$TOOLS:$PATH" protoc --proto_path=proto \
	--go_out="$out" --go_opt=paths=source_relative \
	--go_opt="Mmls_client.proto=${GO_PACKAGE}" \
	--go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
	--go-grpc_opt="Mmls_client.proto=${GO_PACKAGE}" \
	mls_client.proto

if $check; then
	# The headers name the protoc version, which follows the distribution's
	# package; everything else must match byte for byte.
	tab=$(printf '\t')
	strip() { grep -Ev "^// (${tab}|- )protoc  " "$1"; }
	stale=false
	for f in "${FILES[@]}"; do
		if ! diff -u <(strip "proto/$f") <(strip "$out/$f"); then
			stale=true
		fi
	done
	if $stale; then
		echo "regen: interop/proto is out of date; run interop/regen.sh" >&2
		exit 1
	fi
	echo "regen: interop/proto is up to date"
fi
