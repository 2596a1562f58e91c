#!/usr/bin/env bash
# storage-write-failure: ENOSPC and EIO on write, through the fault point
# (a build with ASSETGEN_FAULT_INJECTION) and a real full tmpfs.
# Expect: exit 1, the file and errno named, no orphaned files, the previous
# manifest intact, and a normal run afterwards.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$FAULT_BIN" ] || fail "no fault-injection build at $FAULT_BIN"

for fault in enospc eio; do
  out=$SCRATCH/$fault
  "$BIN" generate --format "$FORMAT_LIST" --size medium --out "$out" --pki "$PKI" --quiet
  cp "$out/medium/manifest.json" "$SCRATCH/before.json"
  before=$(visible_files "$out")
  set +e
  ASSETGEN_FAULT=$fault@4000000 "$FAULT_BIN" generate --format "$FORMAT_LIST" --size medium \
    --name other --out "$out" --pki "$PKI" --quiet 2>"$SCRATCH/err"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "$fault: exit $rc, expected 1"
  want="No space left on device"; [ $fault = eio ] && want="Input/output error"
  grep -q "$want" "$SCRATCH/err" || fail "$fault: message lacks the errno: $(cat "$SCRATCH/err")"
  grep -q "other" "$SCRATCH/err" || fail "$fault: message does not name the file: $(cat "$SCRATCH/err")"
  assert_no_temporaries "$out"
  [ "$before" = "$(visible_files "$out")" ] || fail "$fault: files changed: $(diff <(echo "$before") <(visible_files "$out"))"
  cmp -s "$SCRATCH/before.json" "$out/medium/manifest.json" || fail "$fault: manifest changed"
  "$BIN" generate --format "$FORMAT_LIST" --size medium --name other --out "$out" --pki "$PKI" --quiet
  "$BIN" verify --size medium --out "$out" --pki "$PKI" --quiet >/dev/null
  note "$fault: $(head -1 "$SCRATCH/err")"
done

# A failure while the run is being published (an index, the manifest):
# a rerun with another seed over the same names must leave out/ exactly
# as it was, the files it had already replaced put back.
out=$SCRATCH/publish
"$BIN" generate --format "$FORMAT_LIST" --size small --out "$out" --pki "$PKI" --seed 1 --quiet
cp -a "$out" "$SCRATCH/publish-before"
# The names the faulted run (seed 2) writes: content-addressed ones (repodata, by-hash) differ
# from the first run's.
"$BIN" generate --format "$FORMAT_LIST" --size small --out "$SCRATCH/publish-ref" --pki "$PKI" --seed 2 --quiet
index_names=$(index_file_names "$SCRATCH/publish-ref/small")
[ -n "$index_names" ] || fail "no index files found in $out/small"
for file in $index_names; do
  set +e
  ASSETGEN_FAULT=enospc@0:$file "$FAULT_BIN" generate --format "$FORMAT_LIST" --size small \
    --out "$out" --pki "$PKI" --seed 2 --quiet 2>"$SCRATCH/err"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "publish fault in $file: exit $rc, expected 1"
  grep -q "No space left on device" "$SCRATCH/err" || fail "publish fault in $file: $(cat "$SCRATCH/err")"
  ! grep -q "staging" "$SCRATCH/err" || fail "publish fault in $file: the message names the staging area: $(cat "$SCRATCH/err")"
  diff -r -x .assetgen.lock "$SCRATCH/publish-before" "$out" >/dev/null ||
    fail "publish fault in $file: out/ changed: $(diff -rq -x .assetgen.lock "$SCRATCH/publish-before" "$out" | head -3)"
done
"$BIN" verify --size small --out "$out" --pki "$PKI" --quiet >/dev/null
note "publish faults in $(echo $index_names | tr ' ' ','): out/ unchanged, byte for byte"

# A real full disk. A run the filesystem cannot hold is refused up front
# (exit 2, nothing written); two runs that each fit but not together hit a
# real ENOSPC, and the one that does must leave nothing behind.
mnt=$SCRATCH/tmpfs
mkdir -p "$mnt"
tmpfs_ran=0
if mount -t tmpfs -o size=24m assetgen-test "$mnt" 2>/dev/null; then
  tmpfs_ran=1
  set +e
  "$BIN" generate --format "$FORMAT_LIST" --size medium --out "$mnt/o" --pki "$PKI" --quiet 2>"$SCRATCH/err"
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || { umount "$mnt"; fail "too big for the disk: exit $rc, expected 2"; }
  grep -q "needs about .* free" "$SCRATCH/err" || { umount "$mnt"; fail "too big: $(cat "$SCRATCH/err")"; }
  [ ! -e "$mnt/o" ] || { umount "$mnt"; fail "too big: $mnt/o was created"; }
  note "too big for the disk: $(head -1 "$SCRATCH/err")"
  set +e
  "$BIN" generate --format npm --size medium --count 2 --name left --out "$mnt/o" --pki "$PKI" \
    --quiet 2>"$SCRATCH/err-left" &
  left_pid=$!
  "$BIN" generate --format npm --size medium --count 2 --name right --out "$mnt/o" --pki "$PKI" \
    --quiet 2>"$SCRATCH/err-right"
  rc_right=$?
  wait "$left_pid"
  rc_left=$?
  set -e
  status=ok
  for side in left right; do
    rc_var=rc_$side
    case ${!rc_var} in
      0) ;;
      1) grep -q "No space left on device" "$SCRATCH/err-$side" || status="$side: $(cat "$SCRATCH/err-$side")" ;;
      *) status="$side: exit ${!rc_var}, expected 0 or 1" ;;
    esac
  done
  [ "$rc_left" -eq 1 ] || [ "$rc_right" -eq 1 ] || status="neither run hit ENOSPC (exits $rc_left, $rc_right)"
  leftovers=$(find "$mnt" -name '.*.tmp-*' | head -3)
  exact=$(assert_manifest_exact "$mnt/o/medium" 2>&1) || status="manifest: $exact"
  umount "$mnt"
  [ "$status" = ok ] || fail "full tmpfs: $status"
  [ -z "$leftovers" ] || fail "full tmpfs: temporaries left: $leftovers"
  note "full tmpfs, two runs: exits $rc_left and $rc_right; $exact"
else
  skip_part full-tmpfs "cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)"
fi
if [ "$tmpfs_ran" -eq 1 ]; then
  echo "storage-write-failure: ENOSPC and EIO clean (fault point, publish faults, full tmpfs)"
else
  echo "storage-write-failure: ENOSPC and EIO clean at the fault point and in publishing$(not_run)"
fi
