#!/usr/bin/env bash
# Planted state: manifest rows and locks an earlier run (or anyone) left
# in out/<size>/ are untrusted. Each case plants one into a tree made by a
# real run, then runs generate again. Expect: exit 1 naming manifest.json
# (or, for the lock, the lock), nothing outside the tree touched, and no
# file of the tree changed.
#   tests/hostile-state/run.sh [BINARY]
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-$REPO_ROOT/build/assetgen}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export SOURCE_DATE_EPOCH=1700000000
passed=0 failed=0

base=$SCRATCH/base
mkdir -p "$SCRATCH/logs"
"$BIN" generate --format npm,pypi --size small --out "$base/out" --pki "$base/pki" --quiet 2>/dev/null

# plant CASE: edits the manifest of the copy at $root with a python snippet
# that gets the parsed manifest as m and must leave the change in m.
plant() { # root snippet
  python3 - "$1/manifest.json" "$2" <<'PY'
import json, sys
path, snippet = sys.argv[1], sys.argv[2]
m = json.load(open(path))
exec(snippet)
json.dump(m, open(path, "w"))
PY
}

# Every file under the scratch folder, with its digest (the logs aside).
snapshot() {
  (cd "$SCRATCH" && find . -path ./logs -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
}

run_case() { # id expected-regex python-snippet | sh:command run in the tree
  local id=$1 want=$2 how=$3
  local dir=$SCRATCH/$id log=$SCRATCH/logs/$id
  cp -a "$base" "$dir"
  local root=$dir/out/small
  if [ "${how#sh:}" != "$how" ]; then (cd "$root" && eval "${how#sh:}"); else plant "$root" "$how"; fi
  local before after rc why=""
  before=$(snapshot)
  set +e
  "$BIN" generate --format npm,pypi --size small --name other --out "$dir/out" --pki "$dir/pki" \
    --quiet >"$log.stdout" 2>"$log.stderr"
  rc=$?
  set -e
  after=$(snapshot)
  if [ "$rc" -ne 1 ]; then
    why="exit $rc, expected 1"
  elif ! grep -Eq -- "$want" "$log.stderr"; then
    why="stderr does not match /$want/: $(head -2 "$log.stderr")"
  elif [ "$before" != "$after" ]; then
    why="files changed: $(diff <(echo "$before") <(echo "$after") | head -4)"
  fi
  rm -rf "$dir"
  if [ -z "$why" ]; then
    echo "pass $id"
    passed=$((passed + 1))
  else
    echo "FAIL $id: $why"
    failed=$((failed + 1))
  fi
}

run_case row-path-parent "manifest.json: artifacts\\[0\\]: path: a '\\.' or '\\.\\.' component" \
  'm["artifacts"][0]["path"] = "npm/../../../x"'
run_case row-path-absolute 'artifacts\[0\]: path: an absolute path' \
  'm["artifacts"][0]["path"] = "/etc/passwd"'
run_case row-path-other-format 'artifacts\[0\]: path: outside the format' \
  'm["artifacts"][0]["path"] = "pypi/x.tgz"'
run_case row-signature-outside 'artifacts\[[0-9]\]: signature' \
  'm["artifacts"][-1]["signature"] = "../../x"'
run_case row-npm-name-traversal "manifest.json row npm/.*invalid npm name '\.\./\.\./\.\./\.\./x'" \
  'm["artifacts"][0]["name"] = "../../../../x"'
run_case row-pypi-name-markup "manifest.json row pypi/.*invalid PyPI project name '<script>" \
  '[a.__setitem__("name", "<script>alert(1)</script>") for a in m["artifacts"] if a["format"] == "pypi"]'
run_case row-artifacts-object 'artifacts must be an array' \
  'm["artifacts"] = {"a": m["artifacts"][0]}'
run_case row-bytes-word 'artifacts\[0\]: bytes must be a whole number' \
  'm["artifacts"][0]["bytes"] = "many"'
run_case row-sha256-short 'artifacts\[0\]: sha256 and sha512 must be lowercase hex' \
  'm["artifacts"][0]["sha256"] = "abc"'
run_case row-name-nul 'manifest.json:1:[0-9]+: .u0000 is not allowed' \
  'm["artifacts"][0]["name"] = "a\u0000b"'
run_case row-facts-list 'artifacts\[0\]: facts must be an object' \
  'm["artifacts"][0]["facts"] = [1]'
run_case repository-path-parent "repository\\[0\\]: must be .* a '\\.' or '\\.\\.' component" \
  'm["repository"][0]["path"] = "../../x"'
run_case journal-outside "journal:2: a '\\.' or '\\.\\.' component .*; the journal is left as it is" \
  'sh:mkdir .publish-1-abcdef && printf "manifest.json\tnone\n../../../victim\t-\t-\n" >.publish-1-abcdef/journal && echo precious >"$SCRATCH/victim"'
run_case journal-dirs-not-ancestor 'journal:2: the directories made are not an ancestor of the file' \
  'sh:mkdir .publish-1-abcdef && printf "manifest.json\tnone\nnpm/x.tgz\t-\tpypi\n" >.publish-1-abcdef/journal'
run_case lock-symlink 'cannot open lock .*\.assetgen\.lock' \
  'sh:rm -f .assetgen.lock && ln -s ../../x .assetgen.lock'

# A lock held by a stopped run: the wait is said once and bounded.
dir=$SCRATCH/lock-held
cp -a "$base" "$dir"
before=$(snapshot)
set +e
flock "$dir/out/small/.assetgen.lock" "$BIN" generate --format npm,pypi --size small --name other \
  --out "$dir/out" --pki "$dir/pki" --lock-timeout 1 >"$SCRATCH/logs/lock.stdout" 2>"$SCRATCH/logs/lock.stderr"
rc=$?
set -e
# flock(1) runs the command while holding the lock itself: the run inside must give up.
if [ "$rc" -eq 1 ] && grep -q "waiting for the output lock" "$SCRATCH/logs/lock.stderr" &&
  grep -q "gave up after 1 s waiting for the lock" "$SCRATCH/logs/lock.stderr" &&
  [ "$(grep -c "waiting for the output lock" "$SCRATCH/logs/lock.stderr")" -eq 1 ] && [ "$before" = "$(snapshot)" ]; then
  echo "pass lock-held-by-another"
  passed=$((passed + 1))
else
  echo "FAIL lock-held-by-another: exit $rc: $(head -3 "$SCRATCH/logs/lock.stderr")"
  failed=$((failed + 1))
fi
rm -rf "$dir"

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
