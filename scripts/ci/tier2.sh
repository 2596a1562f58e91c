#!/usr/bin/env bash
# Tier 2 (Integration): every format at every size, assetgen verify,
# independent readers, size ranges, reproducibility, valgrind, tampering.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$REPO_ROOT/build/assetgen
WORK=$REPO_ROOT/build/tier2
SIZES=(small medium large)

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_WERROR=ON
  cmake --build build -j "$(nproc)"
}

generate() { # size
  rm -rf "$WORK/run1/$1"
  "$BIN" generate --profile all --size "$1" --out "$WORK/run1"
}

verify() { # size
  "$BIN" verify --size "$1" --out "$WORK/run1" \
    --report "$REPO_ROOT/test-results/verify-$1.json" --junit "$REPO_ROOT/test-results/verify-$1.xml"
}

independent_readers() { # size
  python3 scripts/ci/read_archives.py "$WORK/run1/$1" --size "$1"
  local path
  while read -r path; do
    bsdtar -tf "$WORK/run1/$1/$path" >/dev/null || { echo "bsdtar cannot read $path"; return 1; }
  done < <(python3 -c 'import json,sys; [print(a["path"]) for a in json.load(open(sys.argv[1]))["artifacts"]]' \
    "$WORK/run1/$1/manifest.json")
}

reproducible() { # size: a second run, another --jobs, is byte-identical
  rm -rf "$WORK/run2/$1"
  "$BIN" generate --profile all --size "$1" --out "$WORK/run2" --jobs 1 --quiet
  diff -r --exclude=.assetgen.lock "$WORK/run1/$1" "$WORK/run2/$1"
}

seed_changes_data() {
  rm -rf "$WORK/seed2"
  "$BIN" generate --profile all --size medium --out "$WORK/seed2" --seed 2 --quiet
  python3 - "$WORK/run1/medium/manifest.json" "$WORK/seed2/medium/manifest.json" <<'PY'
import json, sys
a = {x["path"]: x for x in json.load(open(sys.argv[1]))["artifacts"]}
b = {x["path"]: x for x in json.load(open(sys.argv[2]))["artifacts"]}
assert a.keys() == b.keys(), "different artifact sets"
for path in a:
    assert a[path]["data"]["sha256"] != b[path]["data"]["sha256"], path + ": same data for seeds 1 and 2"
    assert a[path]["sha256"] != b[path]["sha256"], path + ": same bytes for seeds 1 and 2"
print(len(a), "artifacts differ between seeds 1 and 2")
PY
}

tamper_detected() {
  rm -rf "$WORK/tamper"
  cp -r "$WORK/run1/small" "$WORK/tamper"
  local victim
  victim=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["artifacts"][0]["path"])' \
    "$WORK/tamper/manifest.json")
  printf 'X' | dd of="$WORK/tamper/$victim" bs=1 seek=100 conv=notrunc status=none
  mkdir -p "$WORK/tamper-root"
  rm -rf "$WORK/tamper-root/small" && mv "$WORK/tamper" "$WORK/tamper-root/small"
  if "$BIN" verify --size small --out "$WORK/tamper-root"; then
    echo "verify passed a tampered $victim"
    return 1
  fi
  echo "verify rejected the tampered $victim"
}

valgrind_clean() {
  local out; out=$(mktemp -d)
  trap 'rm -rf "$out"' RETURN
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --quiet "$BIN" generate --profile all --size small --out "$out" --quiet
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --quiet "$BIN" verify --size small --out "$out" --quiet
}

fuzz_short() {
  bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
}

tier_begin tier2
check build build
for size in "${SIZES[@]}"; do
  check "generate-$size" generate "$size"
  check "verify-$size" verify "$size"
  check "readers-$size" independent_readers "$size"
  check "reproducible-$size" reproducible "$size"
done
check seed-changes-data seed_changes_data
check tamper-detected tamper_detected
check valgrind valgrind_clean
check fuzz-short fuzz_short
tier_end
