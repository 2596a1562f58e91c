#!/usr/bin/env bash
# 100 assetgen generate processes at once into one out/, distinct names.
# Expect: 100/100 complete, every sha256 matches, the manifest holds exactly
# the 100 sets (merged under the lock), no deadlock (bounded time).
#   concurrent.sh [RUNS]   (default 100)
. "$(dirname "${BASH_SOURCE[0]}")/../failure/lib.sh"
runs=${1:-100}
out=$SCRATCH/out
# The rows one package makes, from a run of its own.
"$BIN" generate --format "$FORMAT_LIST" --size small --name stress-ref --out "$SCRATCH/ref" \
  --pki "$PKI" --quiet
per_run=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["artifacts"]))' \
  "$SCRATCH/ref/small/manifest.json")
[ "$per_run" -gt 0 ] || fail "a single run lists no artifact"
pids=()
start=$(date +%s)
for i in $(seq "$runs"); do
  timeout 600 "$BIN" generate --format "$FORMAT_LIST" --size small --name "stress-$i" --out "$out" \
    --pki "$PKI" --jobs 1 --quiet 2>"$SCRATCH/err-$i" &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { failed=$((failed + 1)); echo "run $((i + 1)) failed: $(cat "$SCRATCH/err-$((i + 1))")"; }
done
secs=$(( $(date +%s) - start ))
[ "$failed" -eq 0 ] || fail "$failed of $runs runs failed"
python3 - "$out/small/manifest.json" "$runs" "$per_run" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
runs, per_run = int(sys.argv[2]), int(sys.argv[3])
names = {a["name"] for a in m["artifacts"]}
want = {"stress-%d" % i for i in range(1, runs + 1)}
assert names == want, "manifest names differ: missing %s" % sorted(want - names)[:5]
assert len(m["artifacts"]) == per_run * runs, "expected %d rows, found %d" % (per_run * runs, len(m["artifacts"]))
print("manifest holds", len(m["artifacts"]), "rows for", len(names), "packages")
PY
assert_manifest_exact "$out/small"
"$BIN" verify --size small --out "$out" --pki "$PKI" --quiet | tail -1
assert_no_temporaries "$out"
echo "concurrent: $runs/$runs runs complete in ${secs}s"
