#!/usr/bin/env bash
# facts-index: the index step reads manifest rows and their facts, never
# the artifacts. An earlier run's artifacts are cut to zero bytes (rows
# kept); a run that adds another package must still give the earlier
# package the same index entries, byte for byte.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${ASSETGEN_BIN:-$REPO_ROOT/build/assetgen}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export SOURCE_DATE_EPOCH=1700000000
fail() { echo "FAIL: $*"; exit 1; }

out=$SCRATCH/out
"$BIN" generate --size small --out "$out" --pki "$SCRATCH/pki" --quiet
root=$out/small
# Every file the index step writes for the earlier rows, as a digest list.
index_files() {
  (cd "$root" && find . -type f ! -name manifest.json ! -name '.*' | sort |
    while read -r f; do
      case "$f" in
        *.tgz|*.whl|*.tar.gz|*.asc) ;;
        *) echo "$f";;
      esac
    done)
}
entries() { # the earlier packages' index entries, other packages left out
  python3 - "$root" <<'PY'
import json, os, sys
root = sys.argv[1]
out = {}
for dirpath, _, files in os.walk(root):
    for f in files:
        rel = os.path.relpath(os.path.join(dirpath, f), root)
        if rel.endswith((".tgz", ".whl", ".tar.gz", ".asc")) or rel.startswith(".") or "/." in rel:
            continue
        if rel in ("manifest.json", "pypi/simple/index.v1_json", "pypi/simple/index.html",
                   "pypi/simple/index.v1_html") or "other" in rel:
            continue
        data = open(os.path.join(root, rel), "rb").read()
        out[rel] = data.decode("utf-8", "replace")
print(json.dumps(out, sort_keys=True))
PY
}
before=$(entries)
[ "$(echo "$before" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -ge 6 ] ||
  fail "too few index files to compare"
rows=0
while read -r path; do
  : >"$root/$path"
  rows=$((rows + 1))
done < <(python3 -c 'import json,sys; [print(a["path"]) for a in json.load(open(sys.argv[1]))["artifacts"]]' "$root/manifest.json")
[ "$rows" -ge 3 ] || fail "only $rows rows"
"$BIN" generate --size small --name other --out "$out" --pki "$SCRATCH/pki" --quiet ||
  fail "a run beside truncated earlier artifacts failed: the index step reopened them"
after=$(entries)
[ "$before" = "$after" ] || fail "earlier packages' index entries changed: $(diff <(echo "$before" | python3 -m json.tool) <(echo "$after" | python3 -m json.tool) | head -6)"
grep -q '"other"' "$root/pypi/simple/index.v1_json" || fail "the new package is not in the simple root"
echo "facts-index: $rows truncated earlier artifacts, their index entries unchanged"
