#!/usr/bin/env bash
# sets: every package set assetgen ships (`assetgen list sets`), at every size, made for
# npm and pypi (signed) and checked from the files alone, one line per check:
#   verify          `assetgen verify` passes;
#   manifest        sets.<set> is there, its names and rows are the set's;
#   resolve-*       each request of sets.<set>.requests, resolved by sets_resolve.py without
#                   assetgen's resolver (pypi: the simple index JSON and each wheel's METADATA,
#                   with `packaging` and pip's rules for yanked files and pre-releases; npm:
#                   the abbreviated packuments, with the semver module inside npm and
#                   npm-pick-manifest's rules), equals the manifest's resolutions;
#   indexes-*       a format's indexes agree (the HTML pages' data-yanked, the JSON API,
#                   METADATA sidecars; full and abbreviated packuments, dist-tags);
#   deps-*          dependencies as the set defines them, each one on a package of the set
#                   met by a version listed in the generated index;
#   purls, listing, signers, unexpressed
#                   package URLs of each row's type; listed rows in their index and the
#                   others in none; each row's signer; what pypi cannot express (dist-tags);
#   reproducible    a second run of the same set is byte for byte the same;
# then, across sizes, distinct name@version per size (the default package, and each set)
# and the same names with --plain-names; last, each check goes red on a tree broken for it
# (detects-*).
# SETS_SIZES (default "small medium large") narrows the sizes; SETS_FILE adds the sets of
# a --set-file; SETS_JOBS (default 1: on two cores one generate already keeps both busy)
# runs that many set checks at once.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RESOLVE=$REPO_ROOT/tests/integration/sets_resolve.py
read -r -a SIZES <<<"${SETS_SIZES:-small medium large}"
PKI=$SCRATCH/pki
SET_FILE=()
if [ -n "${SETS_FILE:-}" ]; then
  [ -f "$SETS_FILE" ] || fail "SETS_FILE $SETS_FILE is not a file"
  SET_FILE=(--set-file "$(cd "$(dirname "$SETS_FILE")" && pwd)/$(basename "$SETS_FILE")")
fi
CONFIG=(--config "$REPO_ROOT/assetgen.yaml")
passed=0 failed=0 skipped=0

[ -x "$BIN" ] || fail "no assetgen binary at $BIN (build it, or set ASSETGEN_BIN)"
# The binary as it is now: a rebuild during the run must not make the two runs of the
# reproducibility check with two different programs.
cp "$BIN" "$SCRATCH/assetgen"
BIN=$SCRATCH/assetgen
PYTHON=""
for py in $(type -ap python3); do
  if "$py" -c 'import packaging.requirements, packaging.specifiers, packaging.utils' 2>/dev/null
  then
    PYTHON=$("$py" -c 'import sys; print(sys.executable)') # past any wrapper script
    break
  fi
done
[ -n "$PYTHON" ] || fail "no python3 with the 'packaging' module (Debian: python3-packaging, which \
scripts/install-deps.sh test installs)"
SEMVER=()
if command -v node >/dev/null && command -v npm >/dev/null; then
  semver_dir=$(npm root -g 2>/dev/null || true)/npm/node_modules/semver
  if [ -f "$semver_dir/package.json" ]; then
    SEMVER=(--semver "$semver_dir")
  fi
fi
[ ${#SEMVER[@]} -gt 0 ] ||
  echo "note: no node, or no semver module inside npm: npm's resolutions and ranges are skipped"

# Checks print "pass NAME detail", "FAIL NAME detail" or "skip NAME why". Those run as
# background jobs write their lines to a file; the script prints each job's file in turn
# and counts what it prints.
line() { # name problem-or-empty [detail]
  if [ -z "$2" ]; then
    echo "pass $1${3:+ $3}"
  else
    echo "FAIL $1 $2"
  fi
}
count() { # echoes check lines from stdin and counts them (other lines are indented)
  local l
  while IFS= read -r l; do
    case $l in
      "pass "*) passed=$((passed + 1)) ;;
      "FAIL "*) failed=$((failed + 1)) ;;
      "skip "*) skipped=$((skipped + 1)) ;;
      "") continue ;;
      *) l="  $l" ;;
    esac
    echo "$l"
  done
}
# checked NAME COMMAND..: the check lines of a command; one that fails without a FAIL
# line fails NAME.
checked() {
  local name=$1 out rc
  shift
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  printf '%s\n' "$out"
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
    line "$name" "exit $rc without naming a failed check: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  fi
}

gen() { # out size [generate options]
  local out=$1 size=$2
  shift 2
  "$BIN" generate "${CONFIG[@]}" --format npm,pypi --size "$size" --out "$out" --pki "$PKI" \
    --quiet "${SET_FILE[@]}" "$@"
}

# The jobs: at most JOBS at once, printed in the order started.
JOBS=${SETS_JOBS:-1}
job_pids=() job_outs=() job_next=0
spawn() { # function args..
  local out=$SCRATCH/job-${#job_outs[@]}.out
  "$@" >"$out" 2>&1 &
  job_pids+=($!)
  job_outs+=("$out")
  while [ $((${#job_pids[@]} - job_next)) -ge "$JOBS" ]; do
    reap
  done
}
reap() { # prints and counts the oldest job not yet printed
  wait "${job_pids[$job_next]}" || true
  count <"${job_outs[$job_next]}"
  job_next=$((job_next + 1))
}

sets=()
while IFS= read -r l; do
  sets+=("$l")
done < <("$BIN" list sets "${CONFIG[@]}" "${SET_FILE[@]}" |
  sed -n 's/^\([a-z0-9][a-z0-9-]*\): .*/\1/p')
[ ${#sets[@]} -gt 0 ] || fail "assetgen list sets names no set"
echo "sets: ${sets[*]}; sizes: ${SIZES[*]}; $JOBS jobs at once"
mkdir -p "$SCRATCH/manifests"
# One PKI for every run, made before the jobs share it: the keys, and the wrong signer's
# key, which the first run of the signers set makes.
warm=()
[[ " ${sets[*]} " != *" signers "* ]] || warm=(--set signers)
gen "$SCRATCH/pki-run" small "${warm[@]}" >"$SCRATCH/pki.log" 2>&1 ||
  fail "assetgen generate ${warm[*]} --size small failed: $(tail -n 3 "$SCRATCH/pki.log")"
rm -rf "$SCRATCH/pki-run"

# ---- one set at one size -------------------------------------------------------------
set_job() { # set size
  local set=$1 size=$2 label=$1/$2 dir=$SCRATCH/$1.$2 files bytes
  local a=$dir/a b=$dir/b
  mkdir -p "$dir"
  if ! gen "$a" "$size" --set "$set" >"$dir/gen.log" 2>&1; then
    line "$label/generate" "assetgen generate failed: $(tail -n 3 "$dir/gen.log" | tr '\n' ' ')"
    return
  fi
  cp "$a/$size/manifest.json" "$SCRATCH/manifests/$set.$size.json"
  if "$BIN" verify "${CONFIG[@]}" --size "$size" --out "$a" --pki "$PKI" >"$dir/verify.log" 2>&1
  then
    line "$label/verify" "" "$(tail -n 1 "$dir/verify.log")"
  else
    line "$label/verify" "exit $?: $({ grep '^FAIL' "$dir/verify.log" ||
      tail -n 2 "$dir/verify.log"; } | head -n 3 | tr -s ' \n' ' ')"
  fi
  checked "$label/resolve" "$PYTHON" "$RESOLVE" check "$a/$size" "$set" "$label" "${SEMVER[@]}"
  # The second run is made once the first is gone, and compared with its listing: a large
  # set is 1.5 GiB, and two of them at once is more than a CI disk may hold.
  tree_digests "$a" >"$dir/digests"
  files=$(find "$a" -type f ! -name .assetgen.lock | wc -l)
  bytes=$(du -sh "$a" | cut -f1)
  rm -rf "$a"
  if ! gen "$b" "$size" --set "$set" >"$dir/gen2.log" 2>&1; then
    line "$label/reproducible" "the second run failed: $(tail -n 3 "$dir/gen2.log" | tr '\n' ' ')"
  else
    line "$label/reproducible" "$(same_digests "$dir/digests" "$b" | tr '\n' ' ')" \
      "$files files, $bytes, the same twice"
  fi
  rm -rf "$dir"
}

# ---- identities across sizes ---------------------------------------------------------
ids=() plain=()
for size in "${SIZES[@]}"; do
  ids+=("$SCRATCH/ids/$size/manifest.json")
  plain+=("$SCRATCH/plain/$size/manifest.json")
done
identities_job() {
  local size
  for size in "${SIZES[@]}"; do
    if ! gen "$SCRATCH/ids" "$size" >"$SCRATCH/ids.log" 2>&1 ||
      ! gen "$SCRATCH/plain" "$size" --plain-names >>"$SCRATCH/ids.log" 2>&1; then
      line identities "assetgen generate of the default package ($size) failed: $(tail -n 3 \
        "$SCRATCH/ids.log" | tr '\n' ' ')"
      return
    fi
  done
  checked identities "$PYTHON" "$RESOLVE" identities default-package tiered "${ids[@]}"
  checked identities "$PYTHON" "$RESOLVE" identities default-package plain "${plain[@]}"
  # Each can fail: the plain manifests share their name@version, the tiered ones differ.
  expect_fail identities-plain-names-shared \
    "$PYTHON" "$RESOLVE" identities default-package tiered "${plain[@]}"
  expect_fail identities-tiered-names-differ \
    "$PYTHON" "$RESOLVE" identities default-package plain "${ids[@]}"
}
expect_fail() { # id command..: the command must print a FAIL line and exit 1
  local id=$1 out rc
  shift
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  if [ "$rc" -eq 1 ] && grep -q '^FAIL ' <<<"$out"; then
    line "detects-$id" "" "goes red: $(grep '^FAIL ' <<<"$out" | head -n 1 | cut -d ' ' -f 2- |
      cut -c 1-200)"
  else
    line "detects-$id" "the check stayed green (exit $rc): $(head -n 2 <<<"$out" | tr '\n' ' ')"
  fi
}

# ---- each check fails on a tree broken for it ----------------------------------------
# A small tree of a set, broken one way at a time: the check named must fail.
EDIT_PRELUDE='
import json, re, sys
def load(p): return json.load(open(p))
def save(p, d): json.dump(d, open(p, "w"), indent=2)
def sub(p, old, new):
    t = open(p).read()
    if old not in t: sys.exit("%s: no %r" % (p, old))
    open(p, "w").write(t.replace(old, new))
m = load("manifest.json")
'

# detects ID SET CHECK PYTHON-EDIT: the edit (run in the tree, after EDIT_PRELUDE) must
# turn SET's CHECK red.
detects() {
  local id=$1 set=$2 check=$3 edit=$4 dir=$SCRATCH/detect-$1 rc
  if [ ${#SEMVER[@]} -eq 0 ] && { [ "$check" = resolve-npm ] || [[ $id == npm-*-unmet ]]; }; then
    echo "skip detects-$id no semver module inside npm"
    return
  fi
  rm -rf "$dir"
  cp -a "$SCRATCH/base-$set" "$dir"
  if ! (cd "$dir/small" && "$PYTHON" -c "$EDIT_PRELUDE$edit") >"$dir.edit" 2>&1; then
    line "detects-$id" "the breakage could not be made: $(tail -n 2 "$dir.edit" | tr '\n' ' ')"
    return
  fi
  set +e
  "$PYTHON" "$RESOLVE" check "$dir/small" "$set" "$id" "${SEMVER[@]}" >"$dir.out" 2>&1
  rc=$?
  set -e
  if [ "$rc" -eq 1 ] && grep -q "^FAIL $id/$check " "$dir.out"; then
    line "detects-$id" "" "$check goes red: $(grep "^FAIL $id/$check " "$dir.out" | head -n 1 |
      cut -d ' ' -f 3- | cut -c 1-200)"
  else
    line "detects-$id" "$check stayed green (exit $rc): $(grep -v '^pass' "$dir.out" |
      head -n 3 | tr '\n' ' ')"
  fi
  rm -rf "$dir"
}

detects_job() {
  local set
  for set in resolver-basic republish relations; do
    if ! gen "$SCRATCH/base-$set" small --set "$set" >"$SCRATCH/base-$set.log" 2>&1; then
      line detects "assetgen generate --set $set --size small failed: $(tail -n 3 \
        "$SCRATCH/base-$set.log" | tr '\n' ' ')"
      return
    fi
  done
  P=pypi/simple/ag-lib-small
  detects pypi-expected-edited resolver-basic resolve-pypi '
r = m["sets"]["resolver-basic"]["formats"]["pypi"]["resolutions"][1]
r["resolves"]["ag-lib-small"] = "1.0.0"
save("manifest.json", m)'
  detects pypi-yanked-dropped resolver-basic resolve-pypi "
d = load('$P/index.v1_json')
for f in d['files']: f.pop('yanked', None)
save('$P/index.v1_json', d)"
  detects pypi-html-yanked-dropped resolver-basic indexes-pypi "
t = open('$P/index.html').read()
open('$P/index.html', 'w').write(re.sub(r' data-yanked=\"[^\"]*\"', '', t))"
  detects pypi-requires-dist-edited resolver-basic resolve-pypi "
sub('pypi/packages/ag_app_small-1.0.0-py3-none-any.whl.metadata', '<2.0.0', '<1.1.0')"
  detects pypi-dependency-unmet resolver-basic deps-satisfiable "
sub('pypi/packages/ag_app_small-1.0.0-py3-none-any.whl.metadata', '>=1.0.0,<2.0.0', '>=3.0.0')"
  detects npm-expected-edited resolver-basic resolve-npm '
r = m["sets"]["resolver-basic"]["formats"]["npm"]["resolutions"][0]
r["resolves"]["ag-lib-small"] = "1.0.0"
save("manifest.json", m)'
  detects npm-latest-moved resolver-basic resolve-npm '
p = "npm/ag-lib-small/install-v1.json"
d = load(p)
d["dist-tags"]["latest"] = "1.0.0"
save(p, d)'
  detects npm-deprecated-dropped resolver-basic resolve-npm '
p = "npm/ag-lib-small/install-v1.json"
d = load(p)
del d["versions"]["1.2.0"]["deprecated"]
save(p, d)'
  detects npm-full-packument-differs resolver-basic indexes-npm '
p = "npm/ag-lib-small/index.json"
d = load(p)
del d["versions"]["1.2.0"]["deprecated"]
save(p, d)'
  detects npm-dependency-unmet resolver-basic deps-satisfiable '
for p in ("npm/ag-app-small/install-v1.json", "npm/ag-app-small/index.json"):
    d = load(p)
    d["versions"]["1.0.0"]["dependencies"]["ag-lib-small"] = ">=3.0.0"
    save(p, d)'
  detects purl-not-normalised resolver-basic purls '
row = next(a for a in m["artifacts"] if a["format"] == "pypi")
row["purl"] = row["purl"].replace("ag-app-small", "Ag_App_Small")
save("manifest.json", m)'
  detects purl-scope-not-encoded resolver-basic purls '
row = next(a for a in m["artifacts"] if a["format"] == "npm")
row["name"] = "@ag/" + row["name"]
row["purl"] = "pkg:npm/" + row["name"] + "@" + row["version"]
save("manifest.json", m)'
  detects listed-row-not-listed resolver-basic listing '
next(a for a in m["artifacts"] if a["format"] == "npm")["listed"] = False
save("manifest.json", m)'
  detects republished-copy-in-index republish listing '
second = next(a for a in m["artifacts"]
              if a["format"] == "pypi" and not a["listed"] and a["kind"] == "wheel")
p = "pypi/simple/ag-dup-small/index.v1_json"
d = load(p)
for f in d["files"]:
    if f["filename"].endswith(".whl"):
        f["hashes"]["sha256"] = second["sha256"]
save(p, d)'
  detects signer-edited resolver-basic signers '
m["artifacts"][0]["signer"] = "unsigned"
save("manifest.json", m)'
  detects unexpressed-emptied resolver-basic unexpressed '
m["sets"]["resolver-basic"]["formats"]["pypi"]["unexpressed"] = []
save("manifest.json", m)'
  detects dev-dependency-as-runtime resolver-basic deps-declared '
app = m["sets"]["resolver-basic"]["packages"]["ag-app"]["versions"]["1.0.0"]
app["dependencies"][0]["kind"] = "dev"
save("manifest.json", m)'
  detects npm-virtual-met relations resolve-npm '
r = m["sets"]["relations"]["formats"]["npm"]["resolutions"][0]
r.update(outcome="resolves", resolves={"ag-consumer-small": "1.0.0"}, notes=[])
save("manifest.json", m)'
  detects pypi-conflict-refused relations resolve-pypi '
r = m["sets"]["relations"]["formats"]["pypi"]["resolutions"][1]
r.update(outcome="fails", notes=["ag-new conflicts with ag-old"])
save("manifest.json", m)'
  detects provides-unsaid relations unexpressed '
u = m["sets"]["relations"]["formats"]["npm"]["unexpressed"]
u[:] = [x for x in u if "provides" not in x]
save("manifest.json", m)'
  detects pypi-tag-expressed resolver-basic resolve-pypi '
r = m["sets"]["resolver-basic"]["formats"]["pypi"]["resolutions"][4]
r.update(outcome="resolves", resolves={"ag-lib-small": "2.0.0rc1"}, notes=[])
save("manifest.json", m)'

  cp -a "$SCRATCH/base-resolver-basic" "$SCRATCH/twin"
  printf ' ' >>"$SCRATCH/twin/small/npm/ag-lib-small/index.json"
  tree_digests "$SCRATCH/base-resolver-basic" >"$SCRATCH/base-digests"
  if [ -n "$(same_digests "$SCRATCH/base-digests" "$SCRATCH/twin")" ]; then
    line detects-reproducible-byte "" "a packument one byte longer differs"
  else
    line detects-reproducible-byte "a tree with one byte more compared the same"
  fi
}

# ---- the run ---------------------------------------------------------------------------
for size in "${SIZES[@]}"; do
  for set in "${sets[@]}"; do
    spawn set_job "$set" "$size"
  done
done
if [ ${#SIZES[@]} -ge 2 ]; then
  spawn identities_job
fi
spawn detects_job
while [ "$job_next" -lt ${#job_pids[@]} ]; do
  reap
done
if [ ${#SIZES[@]} -ge 2 ]; then
  for set in "${sets[@]}"; do
    count < <(checked "$set/identities" \
      "$PYTHON" "$RESOLVE" disjoint "$set" "$SCRATCH/manifests/$set".*.json)
  done
else
  count < <(echo "skip identities one size only (SETS_SIZES=${SIZES[*]})")
fi

echo "$passed passed, $failed failed, $skipped skipped"
# Under CI a skip is a missing tool or a narrowed run: it fails.
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
  echo "FAIL: $skipped check(s) skipped under CI (node with npm's semver and every size are required)"
  exit 1
fi
[ "$failed" -eq 0 ]
