#!/usr/bin/env bash
# Peak memory of nesting: 5 GiB of seeded data written into a tar.gz spool,
# then that spool copied as a member of an ar (the shape of a huge .deb).
# Runs the opt-in unit test builder/nested_5gib_in_flat_memory under
# /usr/bin/time and prints its peak RSS; the test itself fails above 64 MiB.
# Needs about 5 GiB free in the spool directory.
#   scripts/bench/big-nested.sh
#   UNIT_TESTS=path/to/unit_tests   the test binary (default build/unit_tests)
#   ASSETGEN_BIG_DIR=dir            where the spool goes (default: a fresh /tmp directory)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tests=${UNIT_TESTS:-$repo/build/unit_tests}
[ -x "$tests" ] || { echo "no unit test binary at $tests (set UNIT_TESTS)" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
ASSETGEN_BIG_TESTS=1 /usr/bin/time -v "$tests" --filter 'builder/nested_5gib_in_flat_memory' \
  -j1 2>"$log" || { cat "$log" >&2; exit 1; }
grep -E 'nested 5 GiB|Synthesis' "$log" || true
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
echo "big-nested: wall $(($(date +%s) - start)) s, peak RSS ${rss} KiB (whole test process tree)"
