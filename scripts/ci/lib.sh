# Shared by the tier scripts: run named checks, log each, and write the
# tier's report (test-results/<tier>.json and .xml) at the end.
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export REPO_ROOT
cd "$REPO_ROOT"

tier_begin() {
  TIER_NAME=$1
  TIER_START=$(date +%s.%N)
  TIER_LOGS="$REPO_ROOT/logs/$TIER_NAME"
  TIER_RESULTS="$REPO_ROOT/test-results/.$TIER_NAME.tsv"
  rm -rf "$TIER_LOGS"
  mkdir -p "$TIER_LOGS" "$REPO_ROOT/test-results"
  : >"$TIER_RESULTS"
  echo "== $TIER_NAME =="
}

# The tier's target duration from assetgen.yaml, as the tool reads it.
tier_target_seconds() {
  local bin="$REPO_ROOT/build/assetgen" m
  m=$("$bin" list tiers --config "$REPO_ROOT/assetgen.yaml" 2>/dev/null |
    awk -v t="$1" '$1 == t { print $(NF-1) }' | tr -d m)
  echo $(( ${m:-0} * 60 ))
}

record() { # name status seconds message
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(printf '%s' "$4" | tr '\t\n' '  ' | cut -c1-400)" \
    >>"$TIER_RESULTS"
}

# check NAME COMMAND...: runs the command, output to logs/<tier>/NAME.log.
# Exit status 3 from the command means skip (a client that cannot be had).
check() {
  local name=$1; shift
  local log="$TIER_LOGS/$name.log" start end secs rc
  start=$(date +%s.%N)
  set +e
  ( "$@" ) >"$log" 2>&1
  rc=$?
  set -e
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  if [ $rc -eq 0 ]; then
    echo "pass  $name (${secs}s)"
    record "$name" pass "$secs" ""
  elif [ $rc -eq 3 ]; then
    local why; why=$(grep -m1 -i 'skip' "$log" || tail -n 1 "$log")
    echo "SKIP  $name: $why"
    record "$name" skip "$secs" "$why"
  else
    echo "FAIL  $name (${secs}s), last lines of $log:"
    tail -n 15 "$log" | sed 's/^/      /'
    record "$name" fail "$secs" "$(tail -n 3 "$log")"
  fi
}

tier_end() {
  local end secs passed failed skipped target
  end=$(date +%s.%N)
  secs=$(awk -v a="$TIER_START" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  python3 "$REPO_ROOT/scripts/ci/report.py" "$TIER_NAME" "$TIER_RESULTS" "$secs" \
    "$REPO_ROOT/test-results"
  passed=$(awk -F'\t' '$2 == "pass"' "$TIER_RESULTS" | wc -l)
  failed=$(awk -F'\t' '$2 == "fail"' "$TIER_RESULTS" | wc -l)
  skipped=$(awk -F'\t' '$2 == "skip"' "$TIER_RESULTS" | wc -l)
  target=$(tier_target_seconds "$TIER_NAME")
  echo "$TIER_NAME took ${secs}s (target ${target}s); results in test-results/$TIER_NAME.json"
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
}
