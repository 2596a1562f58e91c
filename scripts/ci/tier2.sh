#!/usr/bin/env bash
# Tier 2 (Integration): every format at every size, assetgen verify,
# independent readers, size ranges, reproducibility, the deb and rpm tools (dpkg-deb, lintian,
# rpm -K, rpmlint, gpgv over the repository signatures; every tier and every shipped set),
# valgrind, tampering, gpgv over every
# detached signature, and the test PKI's certificates through `openssl verify`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$REPO_ROOT/$BUILD_DIR/assetgen
WORK=$REPO_ROOT/$BUILD_DIR/tier2
SIZES=(small medium large)

build() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_WERROR=ON
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

# The large tier is made without --defects: its known-bad variants are the predicates that
# small and medium prove, over another 2 GiB of large bytes, which a CI disk may not have.
# Only one large tree is on the disk at a time: reproducibility compares a second run with
# the first run's listing (tree_digests), and each large tree goes once its checks are done.
defects_at() { # size: the defect option for that size
  [ "$1" = large ] || echo --defects
}

generate() { # size
  rm -rf "$WORK/run1/$1"
  # shellcheck disable=SC2046 # defects_at prints one word or none
  "$BIN" generate --profile all --size "$1" --out "$WORK/run1" $(defects_at "$1")
  tree_digests "$WORK/run1/$1" >"$WORK/digests-$1"
}

verify() { # size
  "$BIN" verify --size "$1" --out "$WORK/run1" \
    --report "$REPO_ROOT/test-results/verify-$1.json" --junit "$REPO_ROOT/test-results/verify-$1.xml"
}

independent_readers() { # size
  local path n=0
  python3 scripts/ci/read_archives.py "$WORK/run1/$1" --size "$1"
  while read -r path; do
    bsdtar -tf "$WORK/run1/$1/$path" >/dev/null || { echo "bsdtar cannot read $path"; return 1; }
    n=$((n + 1))
  # A publish body is a framed request, not an archive: read_archives.py unframes it.
  done < <(python3 -c 'import json,sys; [print(a["path"]) for a in json.load(open(sys.argv[1]))["artifacts"] if a["expect"] == "accept" and a["kind"] != "publish-body"]' \
    "$WORK/run1/$1/manifest.json")
  [ "$n" -gt 0 ] || { echo "bsdtar: the manifest lists no artifact to accept"; return 1; }
  echo "bsdtar listed $n artifacts"
}

# same_as_first SIZE DIR: DIR/SIZE is byte for byte the first run's tree; DIR/SIZE is removed.
same_as_first() {
  local d
  d=$(same_digests "$WORK/digests-$1" "$2/$1")
  rm -rf "${2:?}/$1"
  [ -z "$d" ] || { echo "not the first run's tree ($WORK/run1/$1):"; echo "$d"; return 1; }
}

reproducible() { # size: a second run, another --jobs, is byte-identical
  rm -rf "$WORK/run2/$1"
  # shellcheck disable=SC2046 # defects_at prints one word or none
  "$BIN" generate --profile all --size "$1" --out "$WORK/run2" $(defects_at "$1") --jobs 1 --quiet
  same_as_first "$1" "$WORK/run2"
}

native_tools_sets() { # every shipped set, as deb and rpm, read by their own tools
  local set n=0
  while IFS= read -r set; do
    rm -rf "$WORK/sets-native"
    "$BIN" generate --format deb,rpm --set "$set" --size small --out "$WORK/sets-native" --quiet
    bash tests/integration/native-tools.sh "$WORK/sets-native/small" ||
      { echo "the deb and rpm tools refuse set $set"; return 1; }
    n=$((n + 1))
  done < <("$BIN" list sets | sed -n 's/^\([a-z0-9][a-z0-9-]*\): .*/\1/p')
  rm -rf "$WORK/sets-native"
  [ "$n" -gt 0 ] || { echo "assetgen list sets names no set"; return 1; }
  echo "$n sets read by dpkg-deb, lintian, rpm -K, rpmlint and gpgv"
}

seed_changes_data() {
  rm -rf "$WORK/seed2"
  "$BIN" generate --profile all --size medium --out "$WORK/seed2" --seed 2 --defects --quiet
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
  # A defect row is broken already; the victim must be one verify accepts untouched.
  victim=$(python3 -c 'import json,sys
good = [a["path"] for a in json.load(open(sys.argv[1]))["artifacts"] if a.get("defect") is None]
print(good[0]) if good else sys.exit("the manifest has no row without a defect")' \
    "$WORK/tamper/manifest.json")
  "$BIN" verify --size small --out "$WORK/run1" --quiet \
    || { echo "verify fails the untouched tree; tampering would prove nothing"; return 1; }
  printf 'X' | dd of="$WORK/tamper/$victim" bs=1 seek=100 conv=notrunc status=none
  mkdir -p "$WORK/tamper-root"
  rm -rf "$WORK/tamper-root/small" && mv "$WORK/tamper" "$WORK/tamper-root/small"
  if "$BIN" verify --size small --out "$WORK/tamper-root"; then
    echo "verify passed a tampered $victim"
    return 1
  fi
  echo "verify rejected the tampered $victim"
}

# The OpenPGP key that generate signed with (no --pki: the configured default, .pki).
PKI_DIR=$REPO_ROOT/.pki

# gpg_dearmor IN OUT: an armored key as a binary keyring, the only kind gpgv reads.
# gpg runs in a throw-away home, so no user keyring is touched.
gpg_dearmor() {
  local home rc=0
  home=$(mktemp -d "${TMPDIR:-/tmp}/gpgv-home.XXXXXX")
  gpg --homedir "$home" --batch --yes --dearmor -o "$2" "$1" || rc=$?
  gpgconf --homedir "$home" --kill gpg-agent >/dev/null 2>&1 || true
  rm -rf "$home"
  return "$rc"
}

gpgv_signatures() { # size: gpgv verifies every .asc the manifest lists as a `signature`
  local dir="$WORK/run1/$1" keyring="$WORK/gpgv/keyring.gpg" path sig fpr n=0 rc status
  mkdir -p "$WORK/gpgv"
  gpg_dearmor "$PKI_DIR/gpg-signing.pub" "$keyring"
  fpr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signing_key"] or "")' \
    "$dir/manifest.json")
  [ -n "$fpr" ] || { echo "manifest.json has no signing_key"; return 1; }
  while IFS=$'\t' read -r path sig; do
    rc=0
    status=$(gpgv --status-fd 1 --keyring "$keyring" "$dir/$sig" "$dir/$path" 2>"$WORK/gpgv/stderr") || rc=$?
    # Exit 0 alone is not enough: an expired key still exits 0 (EXPKEYSIG).
    if [ "$rc" -ne 0 ] || ! grep -q '^\[GNUPG:\] GOODSIG ' <<<"$status" \
       || ! grep -q "^\[GNUPG:\] VALIDSIG $fpr " <<<"$status"; then
      echo "gpgv did not verify $sig for $path with key $fpr (exit $rc):"
      cat "$WORK/gpgv/stderr"
      printf '%s\n' "$status"
      return 1
    fi
    n=$((n + 1))
  done < <(python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    if a.get("signature"):
        print(a["path"] + "\t" + a["signature"])' "$dir/manifest.json")
  [ "$n" -gt 0 ] || { echo "manifest.json lists no signature"; return 1; }
  # The key published in the tree is the same key.
  gpg_dearmor "$dir/keys/gpg-signing.asc" "$WORK/gpgv/published.gpg"
  cmp "$keyring" "$WORK/gpgv/published.gpg" \
    || { echo "keys/gpg-signing.asc is not the PKI's gpg-signing.pub"; return 1; }
  echo "gpgv verified $n signatures by $fpr"
}

gpgv_rejects_tampered() { # one changed byte in a signed artifact: gpgv says BADSIG, exit 1
  local dir="$WORK/run1/small" path sig rc=0 status
  read -r path sig < <(python3 -c 'import json,sys
a = [a for a in json.load(open(sys.argv[1]))["artifacts"] if a.get("signature")][0]
print(a["path"], a["signature"])' "$dir/manifest.json")
  mkdir -p "$WORK/gpgv"
  gpg_dearmor "$PKI_DIR/gpg-signing.pub" "$WORK/gpgv/keyring.gpg"
  cp "$dir/$path" "$WORK/gpgv/tampered"
  printf 'X' | dd of="$WORK/gpgv/tampered" bs=1 seek=100 conv=notrunc status=none
  cmp -s "$dir/$path" "$WORK/gpgv/tampered" && { echo "byte 100 of $path was already 'X'"; return 1; }
  status=$(gpgv --status-fd 1 --keyring "$WORK/gpgv/keyring.gpg" "$dir/$sig" "$WORK/gpgv/tampered" 2>&1) || rc=$?
  printf '%s\n' "$status"
  if [ "$rc" -ne 1 ] || ! grep -q '^\[GNUPG:\] BADSIG ' <<<"$status"; then
    echo "gpgv did not report a bad signature for a tampered $path (exit $rc)"
    return 1
  fi
  echo "gpgv rejected the tampered $path"
}

x509_pki() { # a fresh PKI, so the check follows the code rather than an old .pki
  "$BIN" pki init --dir "$WORK/pki" --force
}

x509_verify() { # [openssl verify options...]: the server certificate chains to the CA
  local pki="$WORK/pki"
  openssl verify "$@" -CAfile "$pki/ca.crt" "$pki/ca.crt"
  openssl verify "$@" -CAfile "$pki/ca.crt" "$pki/server.crt"
  openssl verify "$@" -purpose sslserver -verify_hostname localhost -CAfile "$pki/ca.crt" "$pki/server.crt"
  openssl verify "$@" -purpose sslserver -verify_ip 127.0.0.1 -CAfile "$pki/ca.crt" "$pki/server.crt"
  openssl verify "$@" -purpose sslserver -verify_ip ::1 -CAfile "$pki/ca.crt" "$pki/server.crt"
}

valgrind_clean() {
  local out; out=$(mktemp -d)
  trap 'rm -rf "$out"' RETURN
  # One worker: gpgme starts gpg through an intermediate forked child that
  # exits at once, and valgrind leak-checks that child too; a fork taken
  # while other workers allocate would show their in-flight blocks as lost
  # there (and fail the signing). The sanitizer runs cover the threads.
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --quiet "$BIN" generate --profile all --size small --out "$out" --quiet --jobs 1
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --quiet "$BIN" verify --size small --out "$out" --quiet
}

# The tier's generate and verify again with the ASan+UBSan build, at every
# size: it must run clean and write the same bytes as the release build.
sanitized_all_sizes() {
  cmake -S . -B "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DASSETGEN_WERROR=ON \
    -DASSETGEN_SANITIZE=ON -DASSETGEN_FAULT_INJECTION=ON
  cmake --build "$ASAN_BUILD_DIR" -j "$(nproc)" --target assetgen
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
  rm -rf "$WORK/asan"
  for size in "${SIZES[@]}"; do
    # shellcheck disable=SC2046 # defects_at prints one word or none
    "$ASAN_BUILD_DIR/assetgen" generate --profile all --size "$size" --out "$WORK/asan" \
      $(defects_at "$size") --quiet
    "$ASAN_BUILD_DIR/assetgen" verify --size "$size" --out "$WORK/asan" --quiet
    same_as_first "$size" "$WORK/asan"
  done
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
  check "native-tools-$size" bash tests/integration/native-tools.sh "$WORK/run1/$size"
  check "gpgv-$size" gpgv_signatures "$size"
done
rm -rf "$WORK/run1/large"
check native-tools-sets native_tools_sets
check seed-changes-data seed_changes_data
check tamper-detected tamper_detected
check facts-index env ASSETGEN_BIN="$BUILD_DIR/assetgen" bash tests/integration/facts-index.sh
check verify-detects env ASSETGEN_BIN="$BUILD_DIR/assetgen" bash tests/integration/verify-detects.sh
check escaping env ASSETGEN_BIN="$BUILD_DIR/assetgen" bash tests/integration/escaping.sh
check upstream-api env ASSETGEN_BIN="$BUILD_DIR/assetgen" bash tests/integration/upstream-api.sh
check package-sets env ASSETGEN_BIN="$BUILD_DIR/assetgen" bash tests/integration/sets.sh
check gpgv-rejects-tampered gpgv_rejects_tampered
check x509-pki x509_pki
check x509-verify x509_verify
check x509-verify-strict x509_verify -x509_strict
check valgrind valgrind_clean
check sanitized-all-sizes sanitized_all_sizes
check fuzz-short fuzz_short
tier_end
