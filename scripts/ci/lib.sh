# Shared by the tier scripts: run named checks, log each, and write the
# tier's report (test-results/<tier>.json and .xml) at the end.
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export REPO_ROOT
cd "$REPO_ROOT"
# shellcheck source-path=SCRIPTDIR
. "$REPO_ROOT/scripts/ci/helpers.sh"

# The build every tier uses (ASSETGEN_BUILD_DIR, default build/), as a path relative to
# the repository root where it lies inside it (cmake -B and the logs read better so).
BUILD_DIR=$(assetgen_build_dir)
BUILD_DIR=${BUILD_DIR#"$REPO_ROOT/"}
# shellcheck disable=SC2034  # read by the tier scripts
ASAN_BUILD_DIR=$BUILD_DIR-asan FAULT_BUILD_DIR=$BUILD_DIR-fault

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
  local bin="$BUILD_DIR/assetgen" m
  m=$("$bin" list tiers --config "$REPO_ROOT/assetgen.yaml" 2>/dev/null |
    awk -v t="$1" '$1 == t { print $(NF-1) }' | tr -d m)
  echo $(( ${m:-0} * 60 ))
}

record() { # name status seconds message [optional-reason]
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
    "$(printf '%s' "$4" | tr '\t\n' '  ' | cut -c1-400)" "$(printf '%s' "${5:-}" | tr '\t\n' '  ')" \
    >>"$TIER_RESULTS"
}

# record_skip NAME SECONDS WHY: a skip, which under CI fails unless optional.tsv declares
# NAME optional for this tier; outside CI it stays a skip (and says whether CI would fail it).
record_skip() {
  local name=$1 secs=$2 why=$3 reason
  if reason=$(optional_reason "$TIER_NAME" "$name"); then
    echo "SKIP  $name: $why (optional: $reason)"
    record "$name" skip "$secs" "$why" "$reason"
  elif ci_strict; then
    echo "FAIL  $name: skipped under CI, and not declared optional in scripts/ci/optional.tsv: $why"
    record "$name" fail "$secs" "skipped under CI, not declared optional: $why"
  else
    echo "SKIP  $name: $why (not optional: fails under CI=true)"
    record "$name" skip "$secs" "$why"
  fi
}

# check NAME COMMAND...: runs the command, output to logs/<tier>/NAME.log.
# Exit status 3 from the command means skip (a client that cannot be had); under CI a
# skip fails unless scripts/ci/optional.tsv declares it. A command that ran but left a
# part out prints "SKIP-PART <part>: <why>", which becomes a case NAME/<part> judged the
# same way, or, when the command found the part declared optional in its own scope of
# optional.tsv, "OPTIONAL-SKIP <part>: <why> [optional: <reason>]", recorded as that
# optional skip. Sets CHECK_STATUS to pass, fail or skip (the command's own outcome).
# shellcheck disable=SC2034  # CHECK_STATUS is read by the tier scripts
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
  CHECK_STATUS=fail
  if [ $rc -eq 0 ]; then
    CHECK_STATUS=pass
    echo "pass  $name (${secs}s)"
    record "$name" pass "$secs" ""
  elif [ $rc -eq 3 ]; then
    local why; why=$(grep -m1 -i 'skip' "$log" || tail -n 1 "$log")
    CHECK_STATUS=skip
    record_skip "$name" "$secs" "$why"
  else
    echo "FAIL  $name (${secs}s), last lines of $log:"
    tail -n 15 "$log" | sed 's/^/      /'
    record "$name" fail "$secs" "$(tail -n 3 "$log")"
  fi
  local line re_part='^SKIP-PART ([^:]+): (.*)$' re_opt='^OPTIONAL-SKIP ([^:]+): (.*) \[optional: (.+)\]$'
  while IFS= read -r line; do
    if [[ $line =~ $re_opt ]]; then
      echo "SKIP  $name/${BASH_REMATCH[1]}: ${BASH_REMATCH[2]} (optional: ${BASH_REMATCH[3]})"
      record "$name/${BASH_REMATCH[1]}" skip 0 "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    elif [[ $line =~ $re_part ]]; then
      record_skip "$name/${BASH_REMATCH[1]}" 0 "${BASH_REMATCH[2]}"
    fi
  done < <(grep -E '^(SKIP-PART|OPTIONAL-SKIP) ' "$log" || true)
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
  awk -F'\t' '$2 == "skip" && $5 != "" { printf "  optional skip %s: %s\n", $1, $5 }' "$TIER_RESULTS"
  awk -F'\t' '$2 == "skip" && $5 == "" { printf "  skip %s (not optional; fails under CI=true): %s\n", $1, $4 }' "$TIER_RESULTS"
  [ "$failed" -eq 0 ]
}
