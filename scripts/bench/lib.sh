# Shared by the format benchmarks (scripts/bench/<format>.sh). Sourced after
# `set -euo pipefail`.
#   bench_setup NAME [SIZE]   sets repo (and cd's there), size (default large), runs (RUNS,
#                             default 3), bin (ASSETGEN, default build/assetgen, absolute) and
#                             work (BENCH_WORK, default bench-NAME/ next to the binary, emptied)
#   best_of CMD...            "seconds peak_kib" of the fastest of $runs runs (/usr/bin/time -v)
#   ratio A B                 A / B to two places, "-" when B is 0
# shellcheck shell=bash

bench_setup() {
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo"
  size=${2:-large}
  runs=${RUNS:-3}
  bin=${ASSETGEN:-$repo/build/assetgen}
  [ -x "$bin" ] || { echo "bench: $bin is not an executable (build it first, or set ASSETGEN)" >&2; exit 2; }
  bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
  [ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found (Debian: apt-get install time)" >&2; exit 2; }
  work=${BENCH_WORK:-$(dirname "$bin")/bench-$1}
  rm -rf "$work" && mkdir -p "$work"
}

best_of() {
  local best="" line secs kib
  for _ in $(seq "$runs"); do
    if ! /usr/bin/time -v -o "$work/time.out" "$@" >/dev/null 2>"$work/last.err"; then
      echo "bench: failed: $*" >&2
      tail -n 20 "$work/last.err" >&2
      return 1
    fi
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                         for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$work/time.out")
    kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.out")
    line="$secs $kib"
    if [ -z "$best" ] || awk -v a="$secs" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
      best=$line
    fi
  done
  echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
