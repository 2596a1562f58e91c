#!/usr/bin/env bash
# crash-while-publishing: SIGKILL while a finished run is being moved into
# place (after each file in turn) and just after its manifest landed,
# through the fault point of a build with ASSETGEN_FAULT_INJECTION.
# Expect: the next run finishes or undoes the dead run's move, so out/
# holds either the old set or the new one, never a mix, and the manifest
# describes exactly what is there.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$FAULT_BIN" ] || fail "no fault-injection build at $FAULT_BIN"

# Relative to root: sha256 and path of every artifact and signature of the first set, as
# the reference run's manifest names them (indexes change when 'other' is added). A file
# that is missing shows as such rather than vanishing from the list.
artifact_digests() {
  local path
  while IFS= read -r path; do
    if [ -f "$1/$path" ]; then (cd "$1" && sha256sum "$path"); else echo "missing $path"; fi
  done <"$SCRATCH/paths"
}

out=$SCRATCH/out
"$BIN" generate --format "$FORMAT_LIST" --size small --out "$out" --pki "$PKI" --seed 1 --quiet
artifact_paths "$out/small/manifest.json" >"$SCRATCH/paths"
[ -s "$SCRATCH/paths" ] || fail "the first run's manifest lists no artifact"
old=$(artifact_digests "$out/small")
"$BIN" generate --format "$FORMAT_LIST" --size small --out "$SCRATCH/new" --pki "$PKI" --seed 2 --quiet
new=$(artifact_digests "$SCRATCH/new/small")
[ "$old" != "$new" ] || fail "seeds 1 and 2 made the same artifacts"
moves=$(find "$SCRATCH/new/small" -type f ! -name .assetgen.lock ! -name manifest.json | wc -l)

run=0
for point in $(seq 1 "$moves") committed; do
  run=$((run + 1))
  rm -rf "$out"
  "$BIN" generate --format "$FORMAT_LIST" --size small --out "$out" --pki "$PKI" --seed 1 --quiet
  if [ "$point" = committed ]; then fault=kill@1:committed; else fault=kill@$point:publish; fi
  set +e
  # Through an inner shell, which reports the kill quietly as 137.
  bash -c '"$@"; exit $?' killed env ASSETGEN_FAULT="$fault" "$FAULT_BIN" generate \
    --format "$FORMAT_LIST" --size small --out "$out" --pki "$PKI" --seed 2 --quiet 2>/dev/null
  rc=$?
  set -e
  [ "$rc" -eq 137 ] || fail "$fault: exit $rc, expected 137 (killed)"
  # Until then verify says what is unsettled.
  set +e
  "$BIN" verify --size small --out "$out" --pki "$PKI" >"$SCRATCH/verify" 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 1 ] && grep -q "publish cut short" "$SCRATCH/verify" ||
    fail "$fault: verify (exit $rc) does not report the unsettled publish: $(head -3 "$SCRATCH/verify")"
  # The next run, of another package, recovers before it publishes.
  "$BIN" generate --format "$FORMAT_LIST" --size small --name other --out "$out" --pki "$PKI" --quiet
  now=$(artifact_digests "$out/small" | grep -v other)
  if [ "$point" = committed ]; then want=$new; else want=$old; fi
  [ "$now" = "$want" ] ||
    fail "$fault: artifacts are a mix: $(diff <(echo "$want") <(echo "$now") | head -4)"
  assert_manifest_exact "$out/small" >/dev/null || fail "$fault: manifest does not match out/"
  left=$(find "$out" \( -name '.*.tmp-*' -o -name '.*.bak-*' -o -name '.publish-*' \) | head -3)
  [ -z "$left" ] || fail "$fault: left behind: $left"
  "$BIN" verify --size small --out "$out" --pki "$PKI" --quiet >/dev/null ||
    fail "$fault: verify fails after recovery"
done
note "killed after each of $moves moves: the old set restored; killed after the manifest: the new set kept"
echo "crash-while-publishing: $run/$run kill points recovered"
