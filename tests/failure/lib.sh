# Shared by the failure and stress scenarios. Sourced.
# shellcheck shell=bash
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${ASSETGEN_BIN:-$REPO_ROOT/build/assetgen}
FAULT_BIN=${ASSETGEN_FAULT_BIN:-$REPO_ROOT/build-fault/assetgen}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export SOURCE_DATE_EPOCH=1700000000

fail() { echo "FAIL: $*"; exit 1; }
note() { echo "  $*"; }

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
for dirpath, _, files in os.walk(root):
    for f in files:
        rel = os.path.relpath(os.path.join(dirpath, f), root)
        is_package = rel.endswith((".tgz", ".whl", ".tar.gz", ".asc")) and "/keys/" not in "/" + rel
        if is_package and rel not in listed:
            sys.exit("orphaned file not in the manifest: " + rel)
print("manifest lists exactly the", len(listed), "complete files")
PY
}
