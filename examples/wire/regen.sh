#!/usr/bin/env bash
# Regenerates wire.pb.go from wire.proto with pinned tools.
#
#   examples/wire/regen.sh          regenerate in place
#   examples/wire/regen.sh --check  regenerate into a scratch dir and fail if
#                                   the checked-in wire.pb.go differs
#
# protoc comes from Debian's protobuf-compiler package (installed with
# apt-get when missing) and protoc-gen-go pinned to the protobuf runtime
# version in go.mod, both by .ci/lib/protoc.sh, into a tool dir outside the
# tree.
set -euo pipefail
cd "$(dirname "$0")"

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

# shellcheck source=/dev/null
source "../../.ci/lib/protoc.sh"
protoc_tools "$TOOLS"

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
