#!/usr/bin/env bash
# escaping: values from the configuration that would break out of the
# syntax they land in stay values. A description that tries to add an
# install script to package.json is a description, in the tarball's
# package.json and in the packument alike; the package still verifies.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cp -r "$REPO_ROOT/assetgen.yaml" "$REPO_ROOT/sizes" "$REPO_ROOT/templates" "$SCRATCH/"
evil='x", "scripts": {"postinstall": "touch /tmp/pwned"}, "y": "z'
python3 - "$SCRATCH/assetgen.yaml" "$evil" <<'PY'
import json, sys
path, evil = sys.argv[1], sys.argv[2]
text = open(path).read()
old = "description: assetgen npm test fixture}"
assert old in text, "the npm package line moved"
open(path, "w").write(text.replace(old, "description: " + json.dumps(evil) + "}"))
PY
"$BIN" generate --config "$SCRATCH/assetgen.yaml" --format npm --size small --plain-names --out "$SCRATCH/out" \
  --no-sign --quiet
root=$SCRATCH/out/small
tgz=$(ls "$root"/npm/assetgen-demo/-/*.tgz)
python3 - "$tgz" "$root/npm/assetgen-demo/index.json" "$evil" <<'PY' || fail "the description escaped its string"
import json, sys, tarfile
tgz, packument, evil = sys.argv[1], sys.argv[2], sys.argv[3]
pj = json.load(tarfile.open(tgz).extractfile("package/package.json"))
version = json.load(open(packument))["versions"]["1.0.0"]
for where, doc in (("package.json", pj), ("packument", version)):
    if "scripts" in doc or "y" in doc:
        sys.exit("%s gained keys: %s" % (where, sorted(doc)))
    if doc.get("description") != evil:
        sys.exit("%s description is %r" % (where, doc.get("description")))
PY
"$BIN" verify --size small --out "$SCRATCH/out" --quiet >/dev/null || fail "the escaped package does not verify"
echo "escaping: a description with quotes and braces stays one JSON string"
