# Shared by the failure and stress scenarios. Sourced.
# shellcheck shell=bash
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/ci/helpers.sh
. "$REPO_ROOT/scripts/ci/helpers.sh"
BIN=${ASSETGEN_BIN:-$(assetgen_build_dir)/assetgen}
FAULT_BIN=${ASSETGEN_FAULT_BIN:-$(assetgen_build_dir)-fault/assetgen}
SCENARIO=$(basename "$0" .sh)
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export SOURCE_DATE_EPOCH=1700000000

fail() { echo "FAIL: $*"; exit 1; }
note() { echo "  $*"; }

# Every format this build generates: FORMATS (an array) and FORMAT_LIST (for --format).
mapfile -t FORMATS < <(built_formats "$BIN") || true
[ "${#FORMATS[@]}" -gt 0 ] || fail "$BIN lists no built format"
FORMAT_LIST=$(IFS=,; echo "${FORMATS[*]}")

# skip_part PART WHY: a part of the scenario that cannot run here. Under CI that fails the
# scenario unless scripts/ci/optional.tsv declares "<scenario> PART" optional; otherwise
# the part is reported as skipped (the tier lists it), and SKIPPED_PARTS names it so the
# closing line never calls it clean.
SKIPPED_PARTS=()
skip_part() {
  local reason
  if reason=$(optional_reason "$SCENARIO" "$1"); then
    echo "OPTIONAL-SKIP $1: $2 [optional: $reason]"
  elif ci_strict; then
    fail "part $1 did not run under CI, and scripts/ci/optional.tsv does not declare it optional: $2"
  else
    echo "SKIP-PART $1: $2"
  fi
  SKIPPED_PARTS+=("$1")
}

# not_run: ", not run: PART..." when parts were skipped, for the closing line.
not_run() { [ "${#SKIPPED_PARTS[@]}" -eq 0 ] || printf '; NOT RUN: %s' "${SKIPPED_PARTS[*]}"; }

# A PKI shared by the scenario's runs.
PKI=$SCRATCH/pki
"$BIN" pki init --dir "$PKI" >/dev/null

# Every file under DIR that a client could see (no dot files).
visible_files() { find "$1" -type f ! -name '.*' | sort; }

# No temporary file anywhere under DIR.
assert_no_temporaries() {
  local left
  left=$(find "$1" -name '.*.tmp-*' | head -5)
  [ -z "$left" ] || fail "temporary files left: $left"
}

# Every manifest row is a complete file with the recorded sha256, and every
# visible package file is listed (no orphans).
assert_manifest_exact() { # root
  python3 - "$1" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
path = os.path.join(root, "manifest.json")
listed = set()
if os.path.exists(path):
    for a in json.load(open(path))["artifacts"]:
        p = os.path.join(root, a["path"])
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                h.update(b)
        if h.hexdigest() != a["sha256"] or os.path.getsize(p) != a["bytes"]:
            sys.exit("incomplete or wrong file listed: " + a["path"])
        listed.add(a["path"])
        if a.get("signature"):
            listed.add(a["signature"])
    # Repository files (a signed repomd.xml.asc, say) are accounted for by their own list.
    repository = {r["path"] for r in json.load(open(path)).get("repository") or []}
else:
    repository = set()
for dirpath, _, files in os.walk(root):
    for f in files:
        rel = os.path.relpath(os.path.join(dirpath, f), root)
        is_package = rel.endswith((".tgz", ".whl", ".tar.gz", ".crate", ".deb", ".rpm", ".asc")) \
            and "/keys/" not in "/" + rel and rel not in repository
        if is_package and rel not in listed:
            sys.exit("orphaned file not in the manifest: " + rel)
print("manifest lists exactly the", len(listed), "complete files")
PY
}

# index_file_names ROOT: the distinct names of the files in ROOT's format directories that
# are no manifest row (the indexes and keys a publish writes), then manifest.json.
index_file_names() {
  python3 - "$1" "${FORMATS[@]}" <<'PY'
import json, os, sys
root, formats = sys.argv[1], sys.argv[2:]
rows = set()
for a in json.load(open(os.path.join(root, "manifest.json")))["artifacts"]:
    rows.add(a["path"])
    if a.get("signature"):
        rows.add(a["signature"])
names = set()
for f in formats:
    for dirpath, _, files in os.walk(os.path.join(root, f)):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            if not name.startswith(".") and rel not in rows:
                names.add(name)
print("\n".join(sorted(names) + ["manifest.json"]))
PY
}

# artifact_paths MANIFEST: every artifact and signature a manifest lists, relative to its root.
artifact_paths() {
  python3 -c 'import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["path"])
    if a.get("signature"):
        print(a["signature"])' "$1" | sort
}
