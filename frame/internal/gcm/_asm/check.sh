#!/usr/bin/env bash
# Regenerates gcm_amd64.s and gcm_amd64_stubs.go from this avo program (the
# package's go:generate line) and fails if the committed files differ.
# Needs only Go: `go run` fetches avo (pinned in go.mod/go.sum here) from the
# module proxy. Usage: frame/internal/gcm/_asm/check.sh (from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."

go generate .

changed=$(git status --porcelain -- gcm_amd64.s gcm_amd64_stubs.go)
if [ -n "$changed" ]; then
	echo "frame/internal/gcm: generated assembly is stale; run 'go generate' in frame/internal/gcm and commit:" >&2
	echo "$changed" >&2
	git --no-pager diff --stat -- gcm_amd64.s gcm_amd64_stubs.go >&2
	exit 1
fi
echo "frame/internal/gcm: generated assembly is up to date"
