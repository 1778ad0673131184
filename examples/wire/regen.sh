#!/usr/bin/env bash
# Regenerates wire.pb.go from wire.proto with pinned tools.
#
#   examples/wire/regen.sh          regenerate in place
#   examples/wire/regen.sh --check  regenerate into a scratch dir and fail if
#                                   the checked-in wire.pb.go differs
#
# protoc comes from Debian's protobuf-compiler package (installed with
# apt-get when missing); protoc-gen-go is pinned to the protobuf runtime
# version in go.mod and installed into a tool dir outside the tree.
set -euo pipefail
cd "$(dirname "$0")"

PROTOC_GEN_GO_VERSION=v1.36.12 # must match google.golang.org/protobuf in go.mod
TOOLS="${SEALROOM_TOOLS:-${TMPDIR:-/tmp}/sealroom-wire-tools}"

check=false
case "${1:-}" in
--check) check=true ;;
"") ;;
*)
	echo "usage: $0 [--check]" >&2
	exit 2
	;;
esac

if ! command -v protoc >/dev/null; then
	echo "regen: installing protoc (Debian protobuf-compiler)" >&2
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
	else
		sudo apt-get update -qq >/dev/null
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
	fi
fi

runtime_version=$(go list -m -f '{{.Version}}' google.golang.org/protobuf)
if [ "$runtime_version" != "$PROTOC_GEN_GO_VERSION" ]; then
	echo "regen: go.mod has google.golang.org/protobuf $runtime_version, script pins protoc-gen-go $PROTOC_GEN_GO_VERSION" >&2
	exit 1
fi

mkdir -p "$TOOLS"
GOBIN="$TOOLS" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"

out=.
if $check; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi

PATH="$TOOLS:$PATH" protoc --proto_path=. --go_out="$out" --go_opt=paths=source_relative wire.proto

if $check; then
	# The header names the protoc version, which follows the distribution's
	# package; everything else must match byte for byte.
	strip() { grep -v '^// 	protoc  ' "$1"; }
	if ! diff -u <(strip wire.pb.go) <(strip "$out/wire.pb.go"); then
		echo "regen: wire.pb.go is out of date; run examples/wire/regen.sh" >&2
		exit 1
	fi
	echo "regen: wire.pb.go is up to date"
fi
