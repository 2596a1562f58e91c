#!/usr/bin/env bash
# facts-index: the index step reads manifest rows and their facts, never
# the artifacts. An earlier run's artifacts are cut to zero bytes (rows
# kept); a run that adds another package must still give the earlier
# package the same index entries, byte for byte.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$SCRATCH/out
"$BIN" generate --size small --out "$out" --pki "$SCRATCH/pki" --quiet
root=$out/small
entries() { # every index file (what is not an artifact, a signature or the manifest)
  python3 - "$root" <<'PY'
import json, os, sys
root = sys.argv[1]
manifest = json.load(open(os.path.join(root, "manifest.json")))
artifacts = {a["path"] for a in manifest["artifacts"]}
artifacts |= {a["signature"] for a in manifest["artifacts"] if a.get("signature")}
out = {}
for dirpath, _, files in os.walk(root):
    for f in files:
        rel = os.path.relpath(os.path.join(dirpath, f), root)
        if rel in artifacts or rel == "manifest.json" or f.startswith("."):
            continue
        text = open(os.path.join(root, rel), "rb").read().decode("utf-8", "replace")
        out[rel] = text
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
# Each earlier index file is unchanged, unless it now lists the new
# package too (a root, which lists every package).
python3 - "$before" "$after" <<'PY' || fail "earlier packages' index entries changed"
import json, sys
before, after = json.loads(sys.argv[1]), json.loads(sys.argv[2])
same = 0
for rel, text in before.items():
    now = after.get(rel)
    if now is None:
        sys.exit("%s is gone" % rel)
    if "other" in now and "other" not in text:
        if len(now) <= len(text):
            sys.exit("%s lists the new package but lost part of the old" % rel)
        continue
    if now != text:
        sys.exit("%s changed" % rel)
    same += 1
if same < 4:
    sys.exit("only %d earlier index files compared" % same)
print("%d earlier index files unchanged" % same)
PY
roots=$(grep -rl '"other"\|other/' "$root" --include='index*' | wc -l)
[ "$roots" -ge 1 ] || fail "no index lists the new package"
echo "facts-index: $rows truncated earlier artifacts, their index entries unchanged"
