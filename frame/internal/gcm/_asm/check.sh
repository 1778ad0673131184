#!/usr/bin/env bash
# Regenerates gcm_amd64.s and gcm_amd64_stubs.go from this avo program (the
# package's go:generate line) and fails if that changed them, i.e. if the
# files in the tree are not exactly what the generator produces.
# Needs only Go: `go run` fetches avo (pinned in go.mod/go.sum here) from the
# module proxy. Usage: frame/internal/gcm/_asm/check.sh (from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."

files=(gcm_amd64.s gcm_amd64_stubs.go)
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
cp "${files[@]}" "$before/"

go generate .

stale=0
for f in "${files[@]}"; do
	if ! cmp -s "$before/$f" "$f"; then
		echo "frame/internal/gcm: $f differs from the generator's output (now regenerated):" >&2
		diff -u "$before/$f" "$f" | head -40 >&2 || true
		stale=1
	fi
done
if [ "$stale" -ne 0 ]; then
	echo "frame/internal/gcm: run 'go generate' in frame/internal/gcm and commit the result" >&2
	exit 1
fi
echo "frame/internal/gcm: generated assembly is up to date"
