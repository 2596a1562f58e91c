#!/usr/bin/env bash
# Runs the test tiers in order, stopping at the first that fails:
#   scripts/ci/run-tiers.sh [1|2|3]   (no argument: all three)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tiers=(1 2 3)
if [ $# -gt 0 ] && [ -n "$1" ]; then
  case "$1" in 1|2|3) tiers=("$1") ;; *) echo "unknown tier '$1' (valid: 1, 2, 3)" >&2; exit 2 ;; esac
fi
for t in "${tiers[@]}"; do
  if ! bash "$here/tier$t.sh"; then
    echo "tier$t failed; later tiers not run"
    exit 1
  fi
done
