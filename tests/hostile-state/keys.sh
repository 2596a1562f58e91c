#!/usr/bin/env bash
# Keys are input too: each case breaks one file of a PKI made by
# `assetgen pki init`, then runs generate. Expect: exit 2 with a message
# naming the file and what to do, no output directory made, and no hang
# (a FIFO where a key should be).
#   tests/hostile-state/keys.sh [BINARY]
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-$REPO_ROOT/build/assetgen}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export SOURCE_DATE_EPOCH=1700000000
passed=0 failed=0
"$BIN" pki init --dir "$SCRATCH/other" >/dev/null

run_case() { # id regex command-in-the-pki
  local id=$1 want=$2 how=$3 pki=$SCRATCH/$1 out=$SCRATCH/$1-out
  "$BIN" pki init --dir "$pki" >/dev/null
  (cd "$pki" && eval "$how")
  set +e
  timeout 30 "$BIN" generate --format npm,pypi --size small --out "$out" --pki "$pki" --quiet \
    >"$SCRATCH/$id.stdout" 2>"$SCRATCH/$id.stderr"
  local rc=$?
  set -e
  local why=""
  if [ "$rc" -ne 2 ]; then
    why="exit $rc, expected 2: $(head -2 "$SCRATCH/$id.stderr")"
  elif ! grep -Eq -- "$want" "$SCRATCH/$id.stderr"; then
    why="stderr does not match /$want/: $(head -2 "$SCRATCH/$id.stderr")"
  elif [ -e "$out" ]; then
    why="$out was made"
  fi
  if [ -z "$why" ]; then
    echo "pass $id"
    passed=$((passed + 1))
  else
    echo "FAIL $id: $why"
    failed=$((failed + 1))
  fi
}

run_case pub-of-another-key 'gpg-signing\.pub is key [0-9A-F]+, but the signing key is' \
  "cp '$SCRATCH/other/gpg-signing.pub' gpg-signing.pub"
run_case ca-garbage 'ca\.crt is not a PEM CA certificate' "echo garbage > ca.crt"
run_case ca-is-server-cert 'ca\.crt is not a PEM CA certificate' "cp server.crt ca.crt"
run_case key-fifo 'gpg-signing\.key is not a regular file' "rm gpg-signing.key && mkfifo gpg-signing.key"
run_case key-readable-by-others "gpg-signing\\.key is readable or writable by others \\(mode 644\\); run 'chmod 600" \
  "chmod 644 gpg-signing.key"
run_case registry-key-not-p256 'registry key: .* is not a P-256 private key' \
  "cp ca.key registry-signing.key && chmod 600 registry-signing.key"
run_case registry-key-readable 'registry-signing\.key is readable or writable by others' \
  "chmod 640 registry-signing.key"

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
