#!/usr/bin/env bash
# verify-detects: each breakage of a generated tree makes `assetgen verify`
# exit 1 and name the file at fault. A verify that passes any of these
# cannot fail where it should.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
passed=0 failed=0

"$BIN" generate --format npm,pypi --size small --defects --plain-names --out "$SCRATCH/base" --pki "$SCRATCH/pki" --quiet
"$BIN" verify --size small --out "$SCRATCH/base" --pki "$SCRATCH/pki" --quiet >/dev/null ||
  { echo "FAIL: the untouched tree does not verify"; exit 1; }

case_() { # id file-named-in-output breakage-command (run in the tree)
  local id=$1 named=$2 how=$3 dir=$SCRATCH/$1
  cp -a "$SCRATCH/base" "$dir"
  (cd "$dir/small" && eval "$how")
  set +e
  "$BIN" verify --size small --out "$dir" --pki "$SCRATCH/pki" >"$dir.out" 2>&1
  local rc=$?
  set -e
  if [ "$rc" -eq 1 ] && grep '^FAIL' "$dir.out" | grep -qF -- "$named"; then
    echo "pass $id"
    passed=$((passed + 1))
  else
    echo "FAIL $id: verify exit $rc, failures: $(grep '^FAIL' "$dir.out" | head -3)"
    failed=$((failed + 1))
  fi
}

bad_pkm=npm/assetgen-demo-bad-integrity/index.json
case_ defect-packument-deleted "$bad_pkm" "rm $bad_pkm"
case_ bad-integrity-shasum-fixed "$bad_pkm" "python3 - <<'PY'
import hashlib, json
p = '$bad_pkm'
d = json.load(open(p))
v = d['versions']['1.0.0']
tgz = v['dist']['tarball'].split('/', 3)[3]
v['dist']['shasum'] = hashlib.sha1(open(tgz, 'rb').read()).hexdigest()
json.dump(d, open(p, 'w'))
PY"
# The same edit with the manifest's record of the packument updated too,
# as a writer that made the defect wrongly would leave it: the defect's
# own predicate must catch it.
case_ bad-integrity-predicate "defect 'bad-integrity' not as it should be: the packument's shasum matches the bytes" "python3 - <<'PY'
import hashlib, json
p = '$bad_pkm'
d = json.load(open(p))
v = d['versions']['1.0.0']
tgz = v['dist']['tarball'].split('/', 3)[3]
v['dist']['shasum'] = hashlib.sha1(open(tgz, 'rb').read()).hexdigest()
json.dump(d, open(p, 'w'))
m = json.load(open('manifest.json'))
for f in m['repository']:
    if f['path'] == p:
        data = open(p, 'rb').read()
        f['sha256'], f['bytes'] = hashlib.sha256(data).hexdigest(), len(data)
json.dump(m, open('manifest.json', 'w'))
PY"
case_ signatures-removed npm/assetgen-demo/index.json "python3 - <<'PY'
import json
p = 'npm/assetgen-demo/index.json'
d = json.load(open(p))
del d['versions']['1.0.0']['dist']['signatures']
json.dump(d, open(p, 'w'), indent=2)
PY"
case_ asc-removed assetgen_demo-1.0.0-py3-none-any.whl "rm pypi/packages/assetgen_demo-1.0.0-py3-none-any.whl.asc"
case_ unlisted-wheel pypi/packages/extra-9.9-py3-none-any.whl \
  "cp pypi/packages/assetgen_demo-1.0.0-py3-none-any.whl pypi/packages/extra-9.9-py3-none-any.whl"
case_ simple-page-deleted pypi/simple/assetgen-demo/index.v1_json "rm pypi/simple/assetgen-demo/index.v1_json"

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
