#!/usr/bin/env bash
# Interrupted by SIGINT or SIGTERM during a large run: exit 130/143,
# temporaries removed, a message saying what was kept, manifest intact.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for sig in INT TERM; do
  out=$SCRATCH/$sig
  "$BIN" generate --format "${FORMATS[0]}" --size small --out "$out" --pki "$PKI" --quiet
  cp "$out/small/manifest.json" "$SCRATCH/before.json"
  "$BIN" generate --format "$FORMAT_LIST" --size large --out "$out" --pki "$PKI" --quiet \
    2>"$SCRATCH/err" &
  pid=$!
  for _ in $(seq 2000); do
    [ -n "$(find "$out" -name '.*.tmp-*' -size +10M 2>/dev/null)" ] && break
    sleep 0.005
  done
  kill -"$sig" "$pid"
  set +e; wait "$pid"; rc=$?; set -e
  want=130; [ "$sig" = TERM ] && want=143
  [ "$rc" -eq "$want" ] || fail "SIG$sig: exit $rc, expected $want"
  grep -q "partial file" "$SCRATCH/err" || fail "SIG$sig: no message about what was kept: $(cat "$SCRATCH/err")"
  assert_no_temporaries "$out"
  cmp -s "$SCRATCH/before.json" "$out/small/manifest.json" || fail "SIG$sig: the small manifest changed"
  [ ! -e "$out/large/manifest.json" ] || assert_manifest_exact "$out/large" >/dev/null
  note "SIG$sig: exit $rc; $(head -1 "$SCRATCH/err")"
done
if ls /tmp/agpg-* >/dev/null 2>&1; then
  note "(GnuPG homes of other runs exist in /tmp; not checked)"
fi
echo "interrupt: SIGINT and SIGTERM clean"
