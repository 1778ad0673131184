# Sourced by the regen scripts (examples/wire/regen.sh, interop/regen.sh).
#
# protoc_tools DIR installs what they generate with: protoc from Debian's
# protobuf-compiler package (with apt-get, when missing) and protoc-gen-go,
# pinned to the protobuf runtime version of the current module's go.mod,
# into DIR, a tool dir outside the tree.

PROTOC_GEN_GO_VERSION=v1.36.12 # must match google.golang.org/protobuf in go.mod

protoc_tools() {
	local tools=$1
	if ! command -v protoc >/dev/null; then
		echo "regen: installing protoc (Debian protobuf-compiler)" >&2
		local sudo=
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq >/dev/null
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
	fi

	local runtime_version
	runtime_version=$(go list -m -f '{{.Version}}' google.golang.org/protobuf)
	if [ "$runtime_version" != "$PROTOC_GEN_GO_VERSION" ]; then
		echo "regen: go.mod has google.golang.org/protobuf $runtime_version, .ci/lib/protoc.sh pins protoc-gen-go $PROTOC_GEN_GO_VERSION" >&2
		return 1
	fi

	mkdir -p "$tools"
	GOBIN="$tools" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
}
